"""The simgan_font_digits and simgan_textured_digits pipelines (smoke config at 8x8
to stay fast): the target (digits; textured_digits) is the pipeline's dataset
(the real domain), the unpaired_domains op pairs it with the source (font_digits;
digits in RGB), the Evaluator runs the refinement protocol (mean
per-pixel change, realism, labels kept), the plot shows synthetic | refined
pairs, the Pusher exports the refiner."""

import os

import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


@pytest.mark.parametrize(
    "name, channels",
    [("simgan_font_digits", 1), ("simgan_textured_digits", 3)],  # digits -> textured in RGB
)
def test_pipeline_refines_evaluates_and_exports(tmp_path, monkeypatch, name, channels):
    monkeypatch.setenv("TFXLEARN_CACHE", str(tmp_path / "cache"))
    config = pipeline.load_config(name, smoke=True)
    shape = [8, 8, channels]
    config["dataset"].update(image_size=shape, max_train=32, max_test=32)
    for net in config["nets"].values():
        net["args"]["input_shape"] = shape
    config["pretext"]["args"]["image_size"] = shape
    config["evaluation"]["blessing"]["min"] = 0.0  # a 1-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    scores = metrics["model_results"]["refinement"]
    assert scores["target_images"] == 32 and scores["mean_change"] > 0.0
    assert {"translated_accuracy", "fd_ratio", "realism_refined", "realism_unrefined"} <= set(
        scores
    )
    assert {"mean_change", "realism", "real_score", "d_loss", "r_loss"} <= set(metrics["history"])
    assert os.path.getsize(result.plots["pretext_examples"]) > 1000  # synthetic | refined
    loaded = tf.saved_model.load(result.export_path)
    assert loaded.signatures["serving_default"](images=tf.zeros([2, *shape]))["refined"].shape == (
        2,
        *shape,
    )
