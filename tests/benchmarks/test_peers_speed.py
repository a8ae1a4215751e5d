"""benchmarks/peers_speed.py and peers_moco.py, their tfxlearn side: the input-pipeline
comparison runs every op with the settings its PyTorch peer reproduces, and the time to reach
an accuracy is interpolated between checkpoints (the peers need .venv-peers, not in CI)."""

import os

import numpy as np
import peers_moco
import peers_speed
import pytest


@pytest.mark.parametrize("op", peers_speed.PIPELINES)
def test_tf_pipeline_measures_every_op(op, tmp_path):
    path = tmp_path / "images.npy"
    np.save(path, np.random.default_rng(0).integers(0, 256, (256, 28, 28, 1), dtype=np.uint8))
    result = peers_speed.tf_pipeline(op, str(path), batches=3)
    assert result["op"] == op
    per_image = {"rotation": 4, "jigsaw": 2, "moco_views": 1}[op]
    assert result["samples_per_s"] == pytest.approx(per_image * result["images_per_s"])
    assert result["images_per_s"] > 0


def test_the_peer_scripts_cover_the_same_ops():
    with open(os.path.join(peers_speed.HERE, "peers", "torch_pipelines.py")) as f:
        source = f.read()
    for op in peers_speed.PIPELINES:
        assert f'"{op}": (' in source


def test_time_to_reach_interpolates_between_checkpoints():
    curve = [
        {"train_seconds": 60.0, "validation_knn": 0.5},
        {"train_seconds": 120.0, "validation_knn": 0.7},
    ]
    assert peers_moco.time_to_reach(curve, 0.5) == pytest.approx(60.0)
    assert peers_moco.time_to_reach(curve, 0.6) == pytest.approx(90.0)
    assert peers_moco.time_to_reach(curve, 0.3) == pytest.approx(30.0)  # from chance (0.1) at 0 s
    assert peers_moco.time_to_reach(curve, 0.8) is None


def test_an_unknown_lever_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="lever must be"):
        peers_speed.tf_step("rotation", str(tmp_path / "missing.npy"), steps=1, lever="fp8")
