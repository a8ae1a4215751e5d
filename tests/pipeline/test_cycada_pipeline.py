"""The cycada_font_digits and cycada_textured_digits pipelines (smoke config, 8x8
to stay fast): the first stage
(`train.first_stage`: `CyCADA.pixel_stages`, the source classifier, the pixel level
and the classifier on translated images) runs before the feature-level epochs, the
Evaluator reports target-test accuracy, the Pusher exports `images -> logits,
embedding` and the translators."""

import numpy as np
import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


@pytest.mark.parametrize(
    "name, channels",
    [("cycada_font_digits", 1), ("cycada_textured_digits", 3)],  # digits -> textured in RGB
)
def test_pipeline_runs_the_stages_evaluates_on_the_target_and_exports(tmp_path, name, channels):
    config = pipeline.load_config(name, smoke=True)
    shape = [8, 8, channels]
    config["dataset"].update(image_size=shape, max_train=64, max_test=32)
    config["nets"]["source_encoder"]["args"].update(input_shape=shape, widths=[4, 8])
    for name in ("generator_st", "generator_ts", "discriminator_s", "discriminator_t"):
        config["nets"][name]["args"]["input_shape"] = shape
    config["paradigm"]["args"]["discriminator_hidden"] = [8]
    config["pretext"]["args"]["image_size"] = shape
    config["evaluation"]["protocols"] = {"knn": {"k": 5}}
    config["evaluation"]["blessing"]["min"] = 0.0  # a 1-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    assert metrics["model_results"]["classification"]["images"] == 32  # target test
    assert {"d_loss", "mapping_loss", "domain_accuracy"} <= set(metrics["history"])
    loaded = tf.saved_model.load(result.export_path)
    out = loaded.signatures["serving_default"](images=tf.zeros([2, *shape]))
    assert set(out) == {"logits", "embedding"} and out["logits"].shape == (2, 10)
    assert np.all(np.isfinite(out["logits"]))
    translated = loaded.signatures["translate"](images=tf.zeros([2, *shape]))["translated"]
    assert translated.shape == (2, *shape)
