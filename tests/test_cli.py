"""The `tfxlearn` command: user errors are one line and exit status 2, found
before any data is read or any step is trained."""

import os
import subprocess
import sys

import pytest

from tfxlearn import cli


def _cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "tfxlearn.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_an_unknown_pipeline_is_one_line_and_status_2(subprocess_env):
    result = _cli("run", "nonexistent_pipe", env=subprocess_env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("tfxlearn:")]
    assert (
        "unknown pipeline 'nonexistent_pipe'; known:" in line and "rotation_fashion_mnist" in line
    )


@pytest.mark.slow
def test_an_unwritable_export_root_fails_before_any_work(subprocess_env, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    runs = tmp_path / "runs"
    result = _cli(
        "run",
        "rotation_fashion_mnist",
        "--smoke",
        f"--runs_root={runs}",
        f"--export_root={blocker}/models",
        env=subprocess_env,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"export root '{blocker}/models' is not a writable directory" in result.stderr
    assert "--export_root" in result.stderr
    assert not any(runs.iterdir())  # no run directory: nothing was read or trained
    assert "Epoch" not in result.stdout


@pytest.mark.slow
def test_verbosity_brings_the_traceback_back(subprocess_env):
    result = _cli("run", "nonexistent_pipe", "--verbosity=1", env=subprocess_env)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "UserError" in result.stderr


def test_check_writable_names_the_flag(tmp_path):
    cli.check_writable(str(tmp_path / "new" / "dir"), "run dir")  # created
    assert (tmp_path / "new" / "dir").is_dir()
    assert not os.listdir(tmp_path / "new" / "dir")  # the probe file is gone
    (tmp_path / "f").write_text("")
    with pytest.raises(cli.UserError, match=r"run dir .* --run_dir"):
        cli.check_writable(str(tmp_path / "f" / "x"), "run dir")


@pytest.mark.slow
def test_the_default_console_is_quiet(subprocess_env, tmp_path):
    env = {k: v for k, v in subprocess_env.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = _cli(
        "run",
        "rotation_fashion_mnist",
        "--smoke",
        f"--runs_root={tmp_path}/runs",
        f"--export_root={tmp_path}/models",
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    console = result.stdout + result.stderr
    for noise in (
        "INFO:tensorflow",  # TensorFlow's Python logger
        "WARNING:tensorflow",
        "retracing",  # the evaluation traced its predict step again and again
        "dataset_builder.py",  # absl INFO lines of TFDS
        "comparison.py",  # tfxlearn's own INFO lines
        "Generating",  # TFDS's preparation bars
        "cache_dataset_ops",  # TensorFlow's C++ WARNING lines
        "auto_shard",
        "port.cc",  # TensorFlow's load-time Abseil INFO line (oneDNN)
        "absl::InitializeLog",
        "oneDNN supports",  # oneDNN's error line for a uint8 / int transpose (no AVX-512)
    ):
        assert noise not in console, noise
    for stage in ("ExampleGen", "Trainer:", "Evaluator:", "Pusher:", "TensorBoard: tensorboard"):
        assert stage in result.stdout, stage
    lines = [x for x in console.replace("\r", "\n").splitlines() if x.strip()]
    assert len([x for x in lines if "━" not in x and "probe/s" not in x]) < 60


@pytest.mark.parametrize("flag", ["--help", "--helpshort"])
def test_help_flag_prints_tfxlearns_usage(flag, monkeypatch, capsys):
    # the console script's `__main__` has no docstring: absl printed only
    # "USAGE: tfxlearn [flags]"
    monkeypatch.setattr(sys, "argv", ["tfxlearn", "run", flag])
    cli.run_main()
    out = capsys.readouterr().out
    assert "tfxlearn run PIPELINE" in out and "tfxlearn list" in out
