"""The adda_font_digits pipeline (smoke config, 8x8 to stay fast): the first stage
(`train.first_stage`: `ADDA.pretrain_source` on the source half of the same
batches) runs before the adversarial epochs, the Evaluator reports target-test
accuracy, the Pusher exports `images -> logits, embedding`."""

import numpy as np
import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_pretrains_adapts_evaluates_on_the_target_and_exports(tmp_path):
    config = pipeline.load_config("adda_font_digits", smoke=True)
    config["dataset"].update(image_size=[8, 8, 1], max_train=64, max_test=32)
    config["nets"]["source_encoder"]["args"] = {
        "input_shape": [8, 8, 1],
        "widths": [8, 16],
        "norm": "none",
    }
    config["paradigm"]["args"]["discriminator_hidden"] = [16]
    config["pretext"]["args"]["image_size"] = [8, 8, 1]
    config["evaluation"]["protocols"] = {"knn": {"k": 5}}
    config["evaluation"]["blessing"]["min"] = 0.0  # a 1-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    assert metrics["model_results"]["classification"]["images"] == 32  # target test
    assert {"d_loss", "mapping_loss", "domain_accuracy"} <= set(metrics["history"])
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    out = serve(images=tf.zeros([2, 8, 8, 1]))
    assert set(out) == {"logits", "embedding"} and out["logits"].shape == (2, 10)
    assert np.all(np.isfinite(out["logits"]))


def test_first_stage_config_is_checked():
    config = pipeline.load_config("adda_font_digits", smoke=True)
    config["train"]["first_stage"] = {"method": "pretrain_source", "epochs": 1}
    with pytest.raises(ValueError, match="train.first_stage must be"):
        pipeline.validate_config(config)
