import importlib.util
import json
import os

import numpy as np

from tfxlearn import pipeline
from tfxlearn.export import load_serving_fn

HERE = os.path.dirname(os.path.abspath(__file__))


def _get_config(**kwargs):
    path = os.path.join(HERE, "..", "..", "pipelines", "siamese_fashion_mnist.py")
    spec = importlib.util.spec_from_file_location("siamese_fashion_mnist", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(**kwargs)


def _tiny(loss):
    config = _get_config(smoke=True, loss=loss)
    # digits (8x8) instead of Fashion-MNIST: the same stages, a fraction of the time.
    config["dataset"].update(name="digits", max_train=256, max_test=None)
    config["encoder"]["args"].update(input_shape=[8, 8, 1], widths=[8, 16])
    config["evaluation"]["protocols"]["verification"].update(pairs=400, episodes=100)
    config["evaluation"]["blessing"]["min_gain_over_random"] = -1.0
    return config


def test_pipeline_trains_on_seen_and_verifies_on_unseen_classes(tmp_path):
    # The triplet loss runs through the same stages (its step: the contract test).
    result = pipeline.run(
        _tiny("contrastive"),
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(metrics["results"]) == {"random-init", "all labels", "siamese"}
    for row in metrics["results"].values():
        v = row["verification"]
        assert 0.0 <= v["roc_auc"] <= 1.0 and 0.0 <= v["eer"] <= 1.0
        assert v["ways"] == 5 and v["images"] > 0
    pair = load_serving_fn(result.export_path, signature="pair_score")
    embed = load_serving_fn(result.export_path)
    images = np.random.default_rng(0).uniform(size=(3, 8, 8, 1)).astype(np.float32)
    e = embed(images=images)["embedding"].numpy()
    d = pair(first=images, second=images[::-1].copy())["distance"].numpy()
    np.testing.assert_allclose(d, np.linalg.norm(e - e[::-1], axis=1), atol=1e-5)


def test_training_never_sees_the_unseen_classes():
    config = _tiny("contrastive")
    labels = np.concatenate(
        [np.asarray(e["label"]) for e in pipeline.example_gen(config).batch(64)]
    )
    assert set(labels.tolist()) <= {0, 1, 2, 3, 4}


def test_the_benchmark_config_is_valid():
    pipeline.validate_config(_get_config())
    pipeline.validate_config(_get_config(loss="triplet", margin=0.3))
