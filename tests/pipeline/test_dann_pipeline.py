"""The dann_font_digits pipeline (smoke config, 8x8 to stay fast): the target is
the pipeline's dataset, the domain_adaptation op pairs it with the font_digits
source, the Evaluator reports target-test accuracy, the Pusher exports
`images -> logits, embedding`."""

import os

import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_adapts_evaluates_on_the_target_and_exports(tmp_path):
    config = pipeline.load_config("dann_font_digits", smoke=True)
    config["dataset"].update(image_size=[8, 8, 1], max_train=128, max_test=64)
    config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16], "norm": "none"}
    config["pretext"]["args"]["image_size"] = [8, 8, 1]
    config["evaluation"]["blessing"]["min"] = 0.0  # a 2-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    assert metrics["model_results"]["classification"]["images"] == 64  # target test
    assert {"label_loss", "domain_loss", "lambda", "source_accuracy"} <= set(metrics["history"])
    assert os.path.getsize(result.plots["pretext_examples"]) > 1000
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    out = serve(images=tf.zeros([2, 8, 8, 1]))
    assert set(out) == {"logits", "embedding"} and out["logits"].shape == (2, 10)
