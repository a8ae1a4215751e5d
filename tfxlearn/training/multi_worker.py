"""Multi-worker training with `model.fit` (tf.distribute.MultiWorkerMirroredStrategy).

`tfxlearn.distribute.MultiWorkerFit`, a base of every paradigm, makes Keras's
`fit` run under the strategy (docs/architecture.md section 14). This module is
the plumbing around it: building the strategy from TF_CONFIG or a Slurm
allocation, telling the chief from the other workers, picking free ports, and
the localhost launcher behind `tfxlearn run --workers=N`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import tensorflow as tf

from tfxlearn.distribute import is_multi_worker

CLUSTER_KINDS = ("tf_config", "slurm")


def task_of(strategy: tf.distribute.Strategy | None) -> tuple[str | None, int | None]:
    """(task type, task index) of this process in the cluster; (None, None) on one machine."""
    if not is_multi_worker(strategy):
        return None, None
    resolver = strategy.cluster_resolver
    return resolver.task_type, resolver.task_id


def is_chief(strategy: tf.distribute.Strategy | None) -> bool:
    """Whether this process writes logs, plots, metrics and exports.

    One machine: always. A cluster: the `chief` task if the cluster has one,
    else worker 0 (TensorFlow's convention for MultiWorkerMirroredStrategy).
    """
    if not is_multi_worker(strategy):
        return True
    task_type, task_id = task_of(strategy)
    if task_type == "chief":
        return True
    jobs = strategy.cluster_resolver.cluster_spec().jobs
    return task_type == "worker" and task_id == 0 and "chief" not in jobs


# ----------------------------------------------------------------------------- cluster


def cluster_resolver(kind: str = "tf_config", **slurm_args):
    """The cluster resolver of `kind`: "tf_config" reads the TF_CONFIG environment
    variable (set by the localhost launcher, by the Kubernetes training operator, or
    by hand); "slurm" reads the Slurm allocation (`slurm_args` go to
    `tf.distribute.cluster_resolver.SlurmClusterResolver`, e.g. `port_base`)."""
    if kind == "tf_config":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError(
                "cluster='tf_config' needs the TF_CONFIG environment variable "
                '({"cluster": {"worker": ["host1:port", ...]}, "task": {"type": "worker", '
                '"index": i}}); or use --workers=N on one machine, or --cluster=slurm'
            )
        return tf.distribute.cluster_resolver.TFConfigClusterResolver()
    if kind == "slurm":
        if "SLURM_JOB_ID" not in os.environ:
            raise ValueError("cluster='slurm' must run inside a Slurm job (SLURM_JOB_ID is unset)")
        return tf.distribute.cluster_resolver.SlurmClusterResolver(**slurm_args)
    raise ValueError(f"cluster must be one of {CLUSTER_KINDS}, got {kind!r}")


def multi_worker_strategy(
    resolver=None, timeout_seconds: float | None = None
) -> tf.distribute.MultiWorkerMirroredStrategy:
    """MultiWorkerMirroredStrategy over the cluster of `resolver` (default: TF_CONFIG).

    `timeout_seconds` bounds each collective operation, so the surviving workers of
    a cluster that lost one fail instead of waiting forever (TensorFlow's peer
    health check usually notices first).
    """
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.RING,
        timeout_seconds=timeout_seconds,
    )
    return tf.distribute.MultiWorkerMirroredStrategy(
        cluster_resolver=resolver or cluster_resolver(), communication_options=options
    )


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports that are free right now (picked by the OS)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def localhost_tf_configs(workers: int) -> list[str]:
    """TF_CONFIG values of a `workers`-worker cluster on free localhost ports."""
    if workers < 2:
        raise ValueError(f"workers must be >= 2 for a multi-worker cluster, got {workers}")
    cluster = {"worker": [f"localhost:{p}" for p in free_ports(workers)]}
    return [
        json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
        for i in range(workers)
    ]


class WorkerLostError(RuntimeError):
    """A worker of a multi-worker run died; rerunning resumes from the last checkpoint."""


def launch_local(
    argv: Sequence[str],
    workers: int,
    *,
    env: dict | None = None,
    timeout: float | None = None,
    log_dir: str | None = None,
) -> None:
    """Runs `argv` (a Python command line) as `workers` processes forming one
    localhost cluster (TF_CONFIG set per process; worker 0 is the chief).

    The chief's output goes to this process's stdout/stderr, the others' to
    `log_dir/worker-<i>.log` (default: discarded). The first process that fails
    takes the others down (a worker waiting in a collective operation for a dead
    peer would otherwise hang); every process is killed on return, on timeout and
    on Ctrl-C.

    Raises:
        WorkerLostError: a worker exited with an error or a signal.
        TimeoutError: the run took longer than `timeout` seconds.
    """
    configs = localhost_tf_configs(workers)
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        for i, config in enumerate(configs):
            child_env = dict(os.environ if env is None else env, TF_CONFIG=config)
            if i == 0:
                out = None
            elif log_dir:
                os.makedirs(log_dir, exist_ok=True)
                out = open(os.path.join(log_dir, f"worker-{i}.log"), "w")  # noqa: SIM115
                logs.append(out)
            else:
                out = subprocess.DEVNULL
            procs.append(
                subprocess.Popen(
                    list(argv),
                    env=child_env,
                    stdout=out,
                    stderr=None if out is None else subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            codes = [p.poll() for p in procs]
            failed = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                i, code = failed[0]
                how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
                raise WorkerLostError(
                    f"worker {i} of {workers} stopped with {how}; the other workers were "
                    "stopped too. Rerun the same command with the same --run_dir to resume "
                    "from the last completed epoch."
                )
            if all(c == 0 for c in codes):
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the {workers}-worker run took longer than {timeout} s")
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
        for p in procs:
            p.wait()
        for f in logs:
            f.close()


def python_command(*args: str) -> list[str]:
    """A command line that runs this Python interpreter."""
    return [sys.executable, *args]


def shard_by_data(ds: tf.data.Dataset) -> tf.data.Dataset:
    """Sets `ds` to be split among workers by element (AutoShardPolicy.DATA).

    Every worker runs the whole (deterministic, epoch-keyed) input pipeline and
    keeps its share of each global batch, so the cluster sees exactly the global
    batches one machine would see. TensorFlow's default (AUTO) would first try to
    give each worker different input *files*, which changes the batches and fails
    outright when a split has fewer files than there are workers. No effect on
    one machine.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)
