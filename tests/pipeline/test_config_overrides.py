"""Config overrides (`--config.KEY.PATH=VALUE`, `pipeline.apply_overrides`)."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn import pipeline
from tfxlearn.cli import USAGE_ERROR


@pytest.fixture
def config():
    return pipeline.load_config("moco_fashion_mnist", smoke=True)


def test_values_are_json_or_strings():
    assert pipeline.parse_override("train.epochs=5") == ("train.epochs", 5)
    assert pipeline.parse_override("dataset.image_size=[28,28,1]") == (
        "dataset.image_size",
        [28, 28, 1],
    )
    assert pipeline.parse_override("dataset.name=folder:/data/x") == (
        "dataset.name",
        "folder:/data/x",
    )
    assert pipeline.parse_override("dataset.max_test=null") == ("dataset.max_test", None)
    for bad in ("train.epochs", "=5", "train..epochs=5"):
        with pytest.raises(ValueError, match="KEY.PATH=VALUE"):
            pipeline.parse_override(bad)


def test_overrides_set_known_and_optional_keys_on_a_copy(config):
    out = pipeline.apply_overrides(
        config,
        [
            "train.epochs=3",
            "paradigm.args.temperature=0.2",
            "paradigm.args.hidden_dim=64",  # constructor args are open
            "dataset.image_size=[28,28,1]",  # a key the stages read
        ],
    )
    assert out["train"]["epochs"] == 3 and config["train"]["epochs"] == 1
    assert out["paradigm"]["args"]["temperature"] == 0.2
    assert out["paradigm"]["args"]["hidden_dim"] == 64
    assert out["dataset"]["image_size"] == [28, 28, 1]
    assert pipeline.apply_overrides(config, {"train.batch_size": 8})["train"]["batch_size"] == 8


def test_unknown_keys_and_wrong_types_name_the_key(config):
    with pytest.raises(ValueError, match=r"unknown key 'epoch'; known keys of train: .*epochs"):
        pipeline.apply_overrides(config, ["train.epoch=3"])
    with pytest.raises(ValueError, match=r"'trian' is not a section .* known keys there: .*train"):
        pipeline.apply_overrides(config, ["trian.epochs=3"])
    with pytest.raises(ValueError, match=r"train.epochs.*expected a int.*got str 'two'"):
        pipeline.apply_overrides(config, ["train.epochs=two"])
    with pytest.raises(ValueError, match="train.epochs must be >= 1"):
        pipeline.apply_overrides(config, ["train.epochs=0"])  # validate_config still runs
    float_ok = pipeline.apply_overrides(config, ["paradigm.args.temperature=1"])
    assert float_ok["paradigm"]["args"]["temperature"] == 1


@pytest.mark.slow
def test_the_cli_applies_overrides_and_refuses_bad_ones(subprocess_env, tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "tfxlearn.cli",
                "run",
                "rotation_fashion_mnist",
                "--smoke",
                f"--runs_root={tmp_path}/runs",
                f"--export_root={tmp_path}/models",
                *args,
            ],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=str(tmp_path),
        )

    bad = cli("--config.train.epoch=2")
    assert bad.returncode == USAGE_ERROR and "unknown key 'epoch'" in bad.stderr
    assert "Traceback" not in bad.stderr
    # A folder of 20x20 RGB images for a 28x28x1 encoder: refused, naming the option.
    for split in ("train", "test"):
        for c in ("a", "b"):
            (tmp_path / "imgs" / split / c).mkdir(parents=True)
            png = tf.io.encode_png(np.zeros((20, 20, 3), np.uint8))
            tf.io.write_file(str(tmp_path / "imgs" / split / c / "0.png"), png)
    wrong = cli(f"--config.dataset.name=folder:{tmp_path}/imgs")
    assert wrong.returncode == USAGE_ERROR
    assert "--config.dataset.image_size=[28,28,1]" in wrong.stderr
    assert not list((tmp_path / "runs").iterdir())  # refused before the run directory
    good = cli("--config.train.epochs=1", '--config.evaluation.protocols={"linear_probe": {}}')
    assert good.returncode == 0, good.stderr[-3000:]
    (written,) = (tmp_path / "runs").glob("*/*/config.json")
    assert json.loads(written.read_text())["evaluation"]["protocols"] == {"linear_probe": {}}
