"""The digits -> textured_digits adaptation pipelines (tfxlearn/pipeline/textured_digits.py):
the font pipelines' configs with the pair swapped, and a DANN run end to end
(smoke config, 8x8 RGB to stay fast)."""

import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline
from tfxlearn.pipeline.textured_digits import retarget


@pytest.mark.parametrize("method", ["dann", "adda"])
def test_the_pair_is_swapped_and_everything_else_is_the_font_pipelines(method):
    font = pipeline.load_config(f"{method}_font_digits")
    textured = pipeline.load_config(f"{method}_textured_digits")
    assert textured["name"] == textured["export"]["model_name"] == f"{method}_textured_digits"
    assert textured["dataset"]["name"] == "textured_digits"
    assert textured["dataset"]["image_size"] == [28, 28, 3]
    assert textured["pretext"]["args"]["source"] == "digits"
    assert textured["pretext"]["args"]["image_size"] == [28, 28, 3]
    for key in ("paradigm", "train", "evaluation", "seed"):
        assert textured[key] == font[key], key
    shapes = [
        n["args"]["input_shape"]
        for n in [textured.get("encoder"), *textured.get("nets", {}).values()]
        if n
    ]
    assert shapes and all(s == [28, 28, 3] for s in shapes)


def test_retarget_refuses_a_pipeline_without_the_domain_adaptation_op():
    with pytest.raises(ValueError, match="domain_adaptation"):
        retarget(pipeline.load_config("rotation_fashion_mnist", smoke=True), "x")


def test_dann_adapts_from_digits_to_textured_digits_and_exports(tmp_path):
    config = pipeline.load_config("dann_textured_digits", smoke=True)
    config["dataset"].update(image_size=[8, 8, 3], max_train=128, max_test=64)
    config["encoder"]["args"] = {"input_shape": [8, 8, 3], "widths": [8, 16], "norm": "none"}
    config["pretext"]["args"]["image_size"] = [8, 8, 3]
    config["evaluation"]["blessing"]["min"] = 0.0  # a 2-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    assert metrics["model_results"]["classification"]["images"] == 64  # target test
    assert {"label_loss", "domain_loss", "lambda", "source_accuracy"} <= set(metrics["history"])
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    out = serve(images=tf.zeros([2, 8, 8, 3]))
    assert out["logits"].shape == (2, 10)
