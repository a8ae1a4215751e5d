"""The dann_font_digits and dann_textured_digits pipelines (smoke config, 8x8 to
stay fast): the target is the pipeline's dataset, the domain_adaptation op pairs
it with the source (font_digits; digits in RGB), the Evaluator reports
target-test accuracy, the Pusher exports `images -> logits, embedding`."""

import os

import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


@pytest.mark.parametrize(
    "name, channels",
    [("dann_font_digits", 1), ("dann_textured_digits", 3)],  # digits -> textured digits in RGB
)
def test_pipeline_adapts_evaluates_on_the_target_and_exports(tmp_path, name, channels):
    shape = [8, 8, channels]
    config = pipeline.load_config(name, smoke=True)
    config["dataset"].update(image_size=shape, max_train=128, max_test=64)
    config["encoder"]["args"] = {"input_shape": shape, "widths": [8, 16], "norm": "none"}
    config["pretext"]["args"]["image_size"] = shape
    config["evaluation"]["blessing"]["min"] = 0.0  # a 2-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    assert metrics["model_results"]["classification"]["images"] == 64  # target test
    assert {"label_loss", "domain_loss", "lambda", "source_accuracy"} <= set(metrics["history"])
    assert os.path.getsize(result.plots["pretext_examples"]) > 1000
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    out = serve(images=tf.zeros([2, *shape]))
    assert set(out) == {"logits", "embedding"} and out["logits"].shape == (2, 10)
