"""benchmarks/peers_speed.py: the tfxlearn side of the input-pipeline comparison runs every op
with the settings its PyTorch peer reproduces (the peer itself needs .venv-peers, not in CI)."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "benchmarks")
)

import peers_speed  # noqa: E402


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
