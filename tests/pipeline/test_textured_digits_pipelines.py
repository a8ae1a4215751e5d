"""The digits -> textured_digits adaptation pipelines (tfxlearn/pipeline/textured_digits.py):
the font pipelines' configs with the pair swapped (a DANN run end to end is in
test_dann_pipeline.py)."""

import pytest

from tfxlearn import pipeline
from tfxlearn.pipeline.textured_digits import retarget


@pytest.mark.parametrize("method", ["dann", "adda", "simgan", "cycada"])
def test_the_pair_is_swapped_and_everything_else_is_the_font_pipelines(method):
    font = pipeline.load_config(f"{method}_font_digits")
    textured = pipeline.load_config(f"{method}_textured_digits")
    assert textured["name"] == textured["export"]["model_name"] == f"{method}_textured_digits"
    assert textured["dataset"]["name"] == "textured_digits"
    assert textured["dataset"]["image_size"] == [28, 28, 3]
    args = textured["pretext"]["args"]
    assert textured["pretext"]["name"] == font["pretext"]["name"]
    assert args.get("source", args.get("domain_a")) == "digits"
    assert args["image_size"] == [28, 28, 3]
    for key in ("paradigm", "train", "seed"):
        assert textured[key] == font[key], key
    protocols = textured["evaluation"].pop("model_protocols")
    font_protocols = font["evaluation"].pop("model_protocols")
    assert textured["evaluation"] == font["evaluation"]
    for protocol, settings in font_protocols.items():  # the translators' source images
        expected = {**settings, "source": "digits"} if "source" in settings else settings
        assert protocols[protocol] == expected, protocol
    shapes = [
        n["args"]["input_shape"]
        for n in [textured.get("encoder"), *textured.get("nets", {}).values()]
        if n
    ]
    assert shapes and all(s == [28, 28, 3] for s in shapes)


def test_options_reach_the_font_pipeline():
    config = pipeline.load_config("cycada_textured_digits", learning_rate=1e-3, epochs=3)
    assert config["train"]["epochs"] == 3
    assert config["train"]["optimizers"]["target_encoder_optimizer"]["config"]["learning_rate"] == (
        1e-3
    )


def test_retarget_refuses_a_pipeline_without_a_pair_op():
    with pytest.raises(ValueError, match="domain_adaptation"):
        retarget(pipeline.load_config("rotation_fashion_mnist", smoke=True), "x")
