"""The digits -> textured_digits adaptation pipelines (tfxlearn/pipeline/textured_digits.py):
the font pipelines' configs with the pair swapped (a DANN run end to end is in
test_dann_pipeline.py)."""

import pytest

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
