"""The colorization_skimage_photos pipeline (smoke config): the pretext op reads the
RGB crops (`dataset.pretext_image_key`) while the encoder takes lightness, so the
image-shape check compares only height and width there, and still refuses a
wrong size."""

import pytest
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_colorizes_evaluates_on_lightness_and_exports(tmp_path):
    config = pipeline.load_config("colorization_skimage_photos", smoke=True)
    assert config["dataset"]["pretext_image_key"] != config["dataset"]["image_key"]
    result, metrics = run_pipeline(config, tmp_path)
    assert set(metrics["results"]) >= {"colorization", "random-init"}
    assert result.export_path and (tmp_path / "saved_models").is_dir()


def test_a_wrong_image_size_is_still_refused_when_the_op_reads_another_feature():
    config = pipeline.load_config("colorization_skimage_photos", smoke=True)
    config["encoder"]["args"]["input_shape"] = [16, 16, 1]
    with pytest.raises(ValueError, match=r"encoder takes \(16, 16, 1\).*dataset.image_size"):
        pipeline.check_image_shape(config, pipeline.example_gen(config))
