"""Multi-worker training (MultiWorkerMirroredStrategy) on localhost.

The workers are real processes on free ports; every test kills whatever it
started, also when it fails (`launch_local` and the `_workers` fixture)."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from contract_examples import EXAMPLES

import tfxlearn
from tfxlearn.training import multi_worker

HERE = os.path.dirname(os.path.abspath(__file__))

# Under `make test` (pytest-xdist, --dist loadgroup) these tests share one test
# process: free ports are picked, then bound by the workers, and two processes
# picking at once could pick the same port.
pytestmark = pytest.mark.xdist_group("localhost_ports")


# ----------------------------------------------------------------------------- units


def test_one_machine_is_not_multi_worker_and_is_chief(two_replica_strategy):
    assert not tfxlearn.distribute.is_multi_worker(two_replica_strategy)
    assert multi_worker.is_chief(two_replica_strategy)
    assert multi_worker.is_chief(None)
    assert multi_worker.task_of(two_replica_strategy) == (None, None)


def test_localhost_cluster_uses_distinct_free_ports():
    configs = [json.loads(c) for c in multi_worker.localhost_tf_configs(3)]
    addresses = configs[0]["cluster"]["worker"]
    assert len(set(addresses)) == 3
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    assert all(c["cluster"] == configs[0]["cluster"] for c in configs)


def test_bad_cluster_requests_are_refused_clearly(monkeypatch):
    with pytest.raises(ValueError, match="workers must be >= 2"):
        multi_worker.localhost_tf_configs(1)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        multi_worker.cluster_resolver("tf_config")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    with pytest.raises(ValueError, match="inside a Slurm job"):
        multi_worker.cluster_resolver("slurm")
    with pytest.raises(ValueError, match=r"cluster must be one of \('tf_config', 'slurm'\)"):
        multi_worker.cluster_resolver("kubernetes")


def test_shard_by_data_sets_the_data_policy():
    ds = multi_worker.shard_by_data(tf.data.Dataset.range(4))
    policy = ds.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA


# ----------------------------------------------------------------------------- processes


def _python(script, *args):
    return multi_worker.python_command(os.path.join(HERE, script), *map(str, args))


@pytest.mark.slow
def test_lost_worker_stops_the_others_with_a_clear_error(subprocess_env, tmp_path):
    # Worker 1 dies by SIGKILL; worker 0 would wait for it forever.
    code = (
        "import json, os, signal, time\n"
        "task = json.loads(os.environ['TF_CONFIG'])['task']['index']\n"
        f"open(os.path.join({str(tmp_path)!r}, f'pid-{{task}}'), 'w').write(str(os.getpid()))\n"
        "time.sleep(1.0)\n"
        "if task == 1: os.kill(os.getpid(), signal.SIGKILL)\n"
        "time.sleep(600)\n"
    )
    start = time.monotonic()
    with pytest.raises(
        multi_worker.WorkerLostError, match="worker 1 of 2 stopped with signal SIGKILL"
    ):
        multi_worker.launch_local([sys.executable, "-c", code], 2, env=subprocess_env, timeout=60)
    assert time.monotonic() - start < 30
    pid_files = glob.glob(str(tmp_path / "pid-*"))
    assert len(pid_files) == 2
    for path in pid_files:
        with open(path) as f:
            pid = int(f.read())
        with pytest.raises(ProcessLookupError):  # nothing is left running
            os.kill(pid, 0)


def _prepare_digits():
    tfxlearn.data.load("digits", "train")  # once, before the workers share the directory


@pytest.mark.slow
def test_every_paradigm_trains_on_two_workers_like_on_two_replicas(subprocess_env, tmp_path):
    """Two worker processes (one replica each) and one process with two replicas,
    same seed, same global batches, 2 epochs of 2 steps: the same final weights and
    losses for every registered paradigm (custom train steps, cross-replica
    negatives and all)."""
    _prepare_digits()
    names = sorted(EXAMPLES)
    reference = tmp_path / "reference.npz"
    subprocess.run(
        _python("multi_worker_fit.py", "reference", reference, *names),
        env=subprocess_env,
        check=True,
        timeout=600,
    )
    out = str(tmp_path / "worker-{task}.npz")
    multi_worker.launch_local(
        _python("multi_worker_fit.py", "worker", out, *names),
        2,
        env=subprocess_env,
        timeout=600,
        log_dir=str(tmp_path / "logs"),
    )
    want = np.load(reference)
    for task in (0, 1):
        got = np.load(out.format(task=task))
        assert set(got) == set(want)
        for name in names:
            keys = [k for k in want if k.startswith(f"{name}/") and _compared(k, task)]
            assert len(keys) > 1, name
            for key in keys:
                np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6, err_msg=key)


def _compared(key, task):
    """Trainable weights (t*) and losses are the same on every worker; non-trainable
    ones (n*: batch-norm moving statistics) are kept per replica, as on one machine,
    so only the chief's (replica 0, what is saved and exported) must match."""
    leaf = key.rsplit("/", 1)[-1]  # "t3", "n0", "loss", or those under "<paradigm>/"
    return task == 0 or not leaf.startswith("n")


@pytest.fixture
def _workers():
    procs = []
    yield procs
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()


@pytest.mark.slow
def test_lost_worker_fails_the_run_clearly_and_a_restart_resumes(
    subprocess_env, tmp_path, _workers
):
    _prepare_digits()
    # An uninterrupted 2-worker run: the reference.
    multi_worker.launch_local(
        _python("multi_worker_train.py", tmp_path / "full", tmp_path / "full"),
        2,
        env=subprocess_env,
        timeout=300,
    )
    want = np.load(tmp_path / "full-0.npz")

    # The same run, but worker 1 is killed as epoch 2 begins. The surviving worker
    # (started by hand, nobody kills it) must fail by itself with a clear message.
    run_dir = tmp_path / "cut"
    for config in multi_worker.localhost_tf_configs(2):
        _workers.append(
            subprocess.Popen(
                _python("multi_worker_train.py", run_dir, tmp_path / "cut", 2),
                env=dict(subprocess_env, TF_CONFIG=config),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        )
    chief_output, _ = _workers[0].communicate(timeout=240)
    assert _workers[1].wait(timeout=10) == -signal.SIGKILL
    assert _workers[0].returncode != 0
    assert "WorkerLostError: lost contact with another worker" in chief_output, chief_output[-3000:]
    assert "restart every worker with the same run directory" in chief_output
    with open(run_dir / "backup" / "state" / "training_metadata.json") as f:
        meta = json.load(f)
    assert meta["epoch"] == 1  # epoch 1 finished and was committed by the chief

    # Restart both workers with the same run directory: they resume and finish.
    multi_worker.launch_local(
        _python("multi_worker_train.py", run_dir, tmp_path / "cut"),
        2,
        env=subprocess_env,
        timeout=300,
    )
    assert not os.path.exists(run_dir / "backup")  # removed once all epochs are done
    for task in (0, 1):
        got = np.load(tmp_path / f"cut-{task}.npz")
        assert int(got["epochs_run"]) == 2  # epochs 2 and 3 only: it resumed
        if task == 0:  # the chief's history (history.csv) covers the epoch before the kill
            np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
        else:
            np.testing.assert_allclose(got["loss"], want["loss"][1:], rtol=1e-5)
        for key in want:
            if key not in ("loss", "epochs_run") and _compared(key, task):
                np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.slow
def test_cli_runs_a_pipeline_on_two_local_workers(subprocess_env, tmp_path):
    """`tfxlearn run PIPELINE --workers=2`: both workers train, the chief alone
    evaluates, writes logs and metrics and exports one SavedModel version."""
    tfxlearn.data.load("fashion_mnist", "test")  # prepared once, before the workers
    run_dir, export_root = tmp_path / "run", tmp_path / "models"
    command = [sys.executable, "-m", "tfxlearn.cli", "run", "rotation_fashion_mnist"]
    command += ["--smoke", "--workers=2", f"--run_dir={run_dir}", f"--export_root={export_root}"]
    done = subprocess.run(command, env=subprocess_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 workers on localhost" in done.stdout
    assert "rotation_fashion_mnist - test accuracy" in done.stdout  # printed by the chief
    with open(run_dir / "metrics.json") as f:
        metrics = json.load(f)
    assert metrics["workers"] == 2
    assert os.listdir(export_root / "rotation_fashion_mnist") == ["1"]  # one export, atomic
    assert os.path.isfile(run_dir / "workers" / "worker-1.log")
    assert os.path.isdir(run_dir / "tensorboard") and os.path.isfile(run_dir / "history.csv")
    assert not os.path.exists(run_dir / "backup")  # finished: the resume state is gone


def test_cli_refuses_workers_with_a_cluster(subprocess_env):
    command = [sys.executable, "-m", "tfxlearn.cli", "run", "rotation_fashion_mnist"]
    env = dict(subprocess_env, TF_CONFIG=multi_worker.localhost_tf_configs(2)[0])
    done = subprocess.run(
        command + ["--workers=2"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "do not combine it with --cluster or TF_CONFIG" in done.stderr
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "a multi-worker run needs --run_dir" in done.stderr
