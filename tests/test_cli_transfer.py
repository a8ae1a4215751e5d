"""`tfxlearn transfer`: a classifier for a TFDS dataset from a saved encoder,
its test accuracy and its SavedModel export; user errors are one line, status 2."""

import os
import subprocess
import sys

import pytest

from tfxlearn import nets


def _cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "tfxlearn.cli", "transfer", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_transfer_a_keras_file_to_digits_and_export(subprocess_env, tmp_path):
    encoder_file = str(tmp_path / "encoder.keras")
    nets.conv_encoder((28, 28, 1), widths=(4, 8)).save(encoder_file)
    result = _cli(
        encoder_file,
        "--dataset=digits",
        "--image_size=28,28,1",
        "--mode=gradual",
        "--labels_per_class=5",
        "--smoke",
        f"--export_root={tmp_path / 'models'}",
        env=subprocess_env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "transfer: encoder -> digits (50 labels), mode gradual" in result.stdout
    assert "test accuracy on digits:" in result.stdout
    version = tmp_path / "models" / "encoder_digits_gradual" / "1"
    assert (version / "saved_model.pb").is_file()


@pytest.mark.slow
def test_transfer_user_errors_are_one_line(subprocess_env, tmp_path):
    result = _cli("NoSuchNet", "--dataset=digits", env=subprocess_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "keras.applications model name" in result.stderr
    result = _cli(os.fspath(tmp_path), env=subprocess_env)
    assert result.returncode == 2 and "transfer needs --dataset" in result.stderr
