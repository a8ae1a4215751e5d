"""`tfxlearn visualize RUN_DIR`: a tiny trained pipeline reloaded from its run
directory (`pipeline.load_trained`) and visualized by the command, end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfxlearn import pipeline
from tfxlearn.training import EpochOrder


def _cli(*args, env, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "tfxlearn.cli", "visualize", *args],
        env={**env, "TFXLEARN_PROGRESS": "0"},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny rotation pipeline on digits, trained by the pipeline's own Trainer."""
    config = pipeline.load_config("rotation_fashion_mnist", smoke=True)
    config["name"] = "rotation_digits_visualize"
    config["dataset"].update(name="digits", max_train=128, max_test=64)
    config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16]}
    config["train"].update(epochs=1, batch_size=32, shuffle_buffer=128)
    path = str(tmp_path_factory.mktemp("run"))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    order = EpochOrder(seed=0)
    ds = pipeline.transform(config, pipeline.example_gen(config), order)
    model, _ = pipeline.trainer(config, ds, order, path, verbose=0)
    return path, model


def test_a_run_directory_reloads_the_trained_model(run_dir):
    path, trained = run_dir
    loaded = pipeline.load_trained(path)
    x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        loaded.encoder(x, training=False), trained.encoder(x, training=False), atol=1e-5
    )
    joined = pipeline.trained_network(loaded, "encoder+head")
    np.testing.assert_allclose(joined(x), loaded(x, training=False), atol=1e-5)
    with pytest.raises(ValueError, match=r"net 'decoder' is not a network .*'encoder'"):
        pipeline.trained_network(loaded, "decoder")


@pytest.mark.slow
def test_cli_writes_a_grid_for_a_run_directory(run_dir, subprocess_env):
    path, _ = run_dir
    result = _cli(
        path,
        "--objective=channel:block1_relu0/3,logit:2",
        "--net=encoder+head",
        "--smoke",
        "--tv=0.1",
        env=subprocess_env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    png = os.path.join(path, "plots", "visualize_channel_block1_relu0_3_logit_2.png")
    assert f"visualization (PNG grid): {png}" in result.stdout
    assert os.path.getsize(png) > 1000
    assert "channel block1_relu0/3 - " in result.stdout  # the penalty is in the objective
