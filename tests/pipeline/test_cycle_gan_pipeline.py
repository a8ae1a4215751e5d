"""The cycle_gan_font_digits pipeline (smoke config at 8x8 to stay fast): digits is
the pipeline's dataset (domain B), the unpaired_domains op pairs it with
font_digits (A), the Evaluator runs the translation protocol, the Pusher exports
both directions."""

import os

import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_translates_evaluates_and_exports_both_directions(tmp_path, monkeypatch):
    monkeypatch.setenv("TFXLEARN_CACHE", str(tmp_path / "cache"))
    config = pipeline.load_config("cycle_gan_font_digits", smoke=True)
    shape = [8, 8, 1]
    config["dataset"].update(image_size=shape, max_train=32, max_test=32)
    for key, net in config["nets"].items():
        net["args"]["input_shape"] = shape
        if key.startswith("generator"):
            net["args"]["downsamples"] = 1
        else:
            net["args"]["widths"] = [4, 8]
    config["pretext"]["args"]["image_size"] = shape
    config["evaluation"]["blessing"]["min"] = 0.0  # a 2-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    scores = metrics["model_results"]["translation"]
    assert scores["target_images"] == 32
    assert {"translated_accuracy", "fd_ratio", "cycle_l1", "accuracy_ratio"} <= set(scores)
    assert {"cycle_l1", "identity_l1", "d_a_loss", "d_b_loss"} <= set(metrics["history"])
    assert os.path.getsize(result.plots["pretext_examples"]) > 1000
    loaded = tf.saved_model.load(result.export_path)
    for key in ("serving_default", "a_to_b", "b_to_a"):
        out = loaded.signatures[key](images=tf.zeros([2, *shape]))
        assert out["translated"].shape == (2, *shape)
