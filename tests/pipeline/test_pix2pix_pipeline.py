"""The pix2pix_fashion_mnist pipeline (smoke config at 8x8 to stay fast): the
edge_pairs op pairs Fashion-MNIST images with their Canny edges, the Evaluator
runs the paired_translation protocol, the Pusher exports edges -> translated."""

import os

import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline


def test_pipeline_translates_edges_evaluates_and_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("TFXLEARN_CACHE", str(tmp_path / "cache"))
    config = pipeline.load_config("pix2pix_fashion_mnist", smoke=True)
    shape = [8, 8, 1]
    config["dataset"].update(image_size=shape, max_train=64, max_test=32)
    config["nets"]["generator"]["args"]["input_shape"] = shape
    config["nets"]["discriminator"]["args"].update(input_shape=[8, 8, 2], widths=[4, 8])
    config["pretext"]["args"]["sigma"] = 0.5
    config["evaluation"]["model_protocols"]["paired_translation"]["edges"]["sigma"] = 0.5
    result, metrics = run_pipeline(config, tmp_path)
    scores = metrics["model_results"]["paired_translation"]
    assert scores["images"] == 32
    assert {"l1", "ssim", "fd_translated", "translated_accuracy", "accuracy_ratio"} <= set(scores)
    assert 0.0 < scores["l1"] < 1.0 and -1.0 <= scores["ssim"] <= 1.0
    assert {"l1", "adversarial_loss", "d_loss"} <= set(metrics["history"])
    assert os.path.getsize(result.plots["pretext_examples"]) > 1000
    loaded = tf.saved_model.load(result.export_path)
    out = loaded.signatures["serving_default"](images=tf.zeros([2, *shape]))
    assert out["translated"].shape == (2, *shape)
