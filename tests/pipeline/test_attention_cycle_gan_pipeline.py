"""The attention_cycle_gan_textured_digits pipeline (smoke config): textured_digits
is the pipeline's dataset (domain B), the unpaired_domains op pairs it with the
blank texture crops (A), the Evaluator runs the attention_mask protocol, the
Pusher exports both directions with their attention maps."""

import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_trains_scores_the_attention_and_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("TFXLEARN_CACHE", str(tmp_path / "cache"))
    config = pipeline.load_config("attention_cycle_gan_textured_digits", smoke=True)
    config["evaluation"]["blessing"]["min"] = 0.0  # a 2-step run: export whatever it learnt
    result, metrics = run_pipeline(config, tmp_path)
    scores = metrics["model_results"]["attention_mask"]
    assert scores["images"] == 20 and 0.0 <= scores["iou"] <= 1.0
    assert 0.0 <= scores["attention_inside"] <= 1.0
    assert {"cycle_l1", "adversarial_loss", "d_a_loss", "d_b_loss"} <= set(metrics["history"])
    loaded = tf.saved_model.load(result.export_path)
    for key in ("serving_default", "a_to_b", "b_to_a"):
        out = loaded.signatures[key](images=tf.zeros([2, 28, 28, 3]))
        assert out["translated"].shape == (2, 28, 28, 3)
        assert out["attention"].shape == (2, 28, 28, 1)
