"""The fast_style_skimage_photos pipeline (smoke config, tiny): trains on the
skimage_photos crops, evaluates the style losses before / after on the test
crops, exports `images -> stylized`."""

import json

import tensorflow as tf

from tfxlearn import pipeline


def test_pipeline_trains_evaluates_and_exports(tmp_path):
    config = pipeline.load_config("fast_style_skimage_photos", smoke=True)
    config["dataset"].update(max_train=32, max_test=8)
    config["paradigm"]["args"]["style_size"] = 32
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "sm"), verbose=0
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    style = metrics["model_results"]["style_transfer"]
    assert style["images"] == 8 and style["identity_content"] == 0.0
    assert style["style_ratio"] == style["style"] / style["identity_style"]
    assert style["content_ratio"] == style["content"] / style["style_image_content"]
    assert style["transfer_ratio"] == max(style["style_ratio"], style["content_ratio"])
    assert {"loss", "content", "style", "tv"} <= set(metrics["history"])
    assert "stylized" in result.plots
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    assert serve(images=tf.zeros([1, 32, 48, 3]))["stylized"].shape == (1, 32, 48, 3)
