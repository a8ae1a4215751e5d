"""Pretext generation on tf.data service workers.

A pipeline's Transform stage (shuffle, batch, pretext labels) can run on the
workers of TensorFlow's own tf.data service (`tf.data.experimental.service`)
instead of in the training process, so pretext generation scales with the
number of data workers, independently of the trainer:

    with LocalDataService(workers=2) as service:          # or an existing dispatcher
        ds = on_service(source, make_batches, service.target)
        model.fit(ds, ...)

`on_service` uses distributed-epoch processing (`ShardingPolicy.DYNAMIC`): the
dispatcher hands out the elements of `source` in splits, each worker runs
`make_batches` (shuffle, batch, pretext op) on the splits it gets, and every
example is processed exactly once per epoch. Each `iter()` starts a new job,
so every epoch is a fresh pass; Keras makes a new iterator for each epoch of a
dataset whose length it knows and `fit` is given no `steps_per_epoch` (Keras
3.15 `EpochIterator`; the spare iterator it makes at the end of an epoch is
dropped before it is read, so it starts no work on the workers: measured).

What is kept and what is not, compared with the local pipeline:

- **Kept:** the multiset of examples of each epoch, and for pretext ops whose
  labels follow from the example alone (rotation's "all" mode, colorization,
  masking with per-example seeds) the multiset of (example, label) pairs.
- **Not kept:** the order (which worker serves which split is decided at run
  time), hence also which examples share a batch; a pretext op that draws its
  randomness per batch (jigsaw permutations, patch offsets, augmentations)
  draws from the same distribution but not the same values, and a resumed run
  does not retrace the data order of an uninterrupted one. (The pipeline
  regroups the workers' batches into full ones on the trainer side, so every
  epoch has the same number of steps; the last partial batch is dropped, as
  locally.)
- **Refused:** pretext ops that build their batches from the whole dataset
  (`batches_itself`, e.g. semi_supervised's labelled/unlabelled mix): a worker
  only sees its splits.

Why the service shuffles with `shuffle_per_job` rather than the local path's
`EpochOrder.shuffle`: a dataset is serialized for the workers once, when
`distribute` registers it, and a `tf.Variable` it reads (EpochOrder's epoch
counter) is written into that graph with its value at that moment — it does
not fail, it freezes (measured, TF 2.21, in-process and separate-process
workers), so every epoch would get epoch 0's key. Nor can the epoch enter as
data (`Dataset.range(epochs).flat_map(...)`): distributed-epoch mode then
splits the epochs, not the examples, so each worker makes whole epochs and a
Keras epoch mixes two. And `Dataset.shuffle` cannot do it either: every job
rebuilds the dataset on the workers from the same graph, so once a global
seed is set (`keras.utils.set_random_seed`) each worker repeats the same
order every epoch (measured). `shuffle_per_job` draws each permutation from
fresh entropy on the worker, so every epoch (every job) is reshuffled.

The source must be splittable element by element: `source_in_memory` turns a
TFDS split (one TFRecord file here, which DYNAMIC sharding could only hand out
whole) into `from_tensor_slices` over arrays.

See https://www.tensorflow.org/api_docs/python/tf/data/experimental/service.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import tensorflow as tf

_service = tf.data.experimental.service
_TARGET = re.compile(r"^(grpc|grpc\+loas)://[^\s/:]+:\d+$")

# A worker in its own process: registers with the dispatcher, says so, and
# serves until its parent closes stdin (or dies), so it never outlives the parent.
_WORKER_MAIN = """
import sys
import tensorflow as tf
service = tf.data.experimental.service
worker = service.WorkerServer(service.WorkerConfig(dispatcher_address=sys.argv[1], port=0))
print("ready", flush=True)
sys.stdin.read()
worker.stop()
"""


def check_target(target: str) -> str:
    """A dispatcher address as `grpc://host:port` (a bare `host:port` gets the
    `grpc://` prefix); anything else is refused with a clear error."""
    if not isinstance(target, str) or not target:
        raise ValueError(f"data service dispatcher must be 'grpc://host:port', got {target!r}")
    if "://" not in target:
        target = f"grpc://{target}"
    if not _TARGET.match(target):
        raise ValueError(f"data service dispatcher must be 'grpc://host:port', got {target!r}")
    return target


class LocalDataService:
    """A tf.data service dispatcher and `workers` workers on this machine, on
    ports the OS picks; stopped on exit from the `with` block (also on errors).

    The dispatcher runs in this process. The workers run in this process too,
    or with `processes=True` each in a child process of its own, as a deployed
    worker does: its own tf.data runtime and CPU accounting, and every element
    crosses gRPC (an in-process worker may hand elements to a consumer in the
    same process without RPC, `target_workers="AUTO"`). A worker process exits
    when this object stops it or when this process dies.
    """

    def __init__(self, workers: int = 2, *, processes: bool = False, start_timeout: float = 120):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        self.workers = workers
        self.processes = bool(processes)
        self.start_timeout = float(start_timeout)
        self._dispatcher = None
        self._workers: list = []  # WorkerServers, or (Popen, stderr file) pairs

    @property
    def target(self) -> str:
        if self._dispatcher is None:
            raise RuntimeError("the data service is not running: use it in a `with` block")
        return self._dispatcher.target

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the worker processes (empty for in-process workers)."""
        return [proc.pid for proc, _ in self._workers] if self.processes else []

    def __enter__(self) -> LocalDataService:
        try:
            self._dispatcher = _service.DispatchServer(_service.DispatcherConfig(port=0))
            address = self._dispatcher.target.split("://", 1)[1]
            for _ in range(self.workers):
                if self.processes:
                    self._workers.append(self._start_process(address))
                else:
                    config = _service.WorkerConfig(dispatcher_address=address, port=0)
                    self._workers.append(_service.WorkerServer(config))
            if self.processes:
                for proc, log in self._workers:
                    self._wait_ready(proc, log)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start_process(self, address: str):
        log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the worker lives; closed in stop)
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_MAIN, address],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "1")},
        )
        return proc, log

    def _wait_ready(self, proc, log) -> None:
        deadline = time.monotonic() + self.start_timeout
        line = ""
        while time.monotonic() < deadline and not line:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline().decode().strip() or "EOF"
        if line != "ready":
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(
                f"tf.data service worker process {proc.pid} did not start "
                f"(within {self.start_timeout:.0f} s); its stderr ends with:\n{tail}"
            )

    def stop(self) -> None:
        """Stops the workers, then the dispatcher (idempotent)."""
        workers, self._workers = self._workers, []
        for worker in workers:
            if not self.processes:
                worker.stop()
                continue
            proc, log = worker
            try:
                proc.stdin.close()  # the worker stops itself on EOF
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            proc.stdout.close()
            log.close()
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None


def source_in_memory(ds: tf.data.Dataset) -> tf.data.Dataset:
    """`ds` (finite, of dict/tuple elements) as `from_tensor_slices` over NumPy
    arrays: a source the tf.data service can split element by element."""
    if ds.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError("the data service source must be finite, got an infinite dataset")
    batches = [tf.nest.flatten(b) for b in ds.batch(65_536).as_numpy_iterator()]
    if not batches:
        raise ValueError("the data service source is empty")
    arrays = [np.concatenate(parts) for parts in zip(*batches)]
    return tf.data.Dataset.from_tensor_slices(tf.nest.pack_sequence_as(ds.element_spec, arrays))


def shuffle_per_job(ds: tf.data.Dataset, buffer_size: int) -> tf.data.Dataset:
    """Shuffles `ds` in windows of `buffer_size` consecutive elements (as
    `EpochOrder.shuffle` does locally), each permutation drawn from fresh
    entropy where the dataset runs: on a service worker, anew for every job.

    `RandomShuffle` with `seed = seed2 = 0` "is seeded by a random seed" (TF op
    docs), never by the global seed, which would otherwise make every job on a
    worker repeat the same order (see the module docstring). The data order on
    the service is not reproducible anyway; this keeps it changing per epoch.
    """
    if isinstance(buffer_size, bool) or int(buffer_size) < 1:
        raise ValueError(f"buffer_size must be >= 1, got {buffer_size!r}")

    def permute(window):
        count = tf.shape(tf.nest.flatten(window)[0])[0]
        order = tf.raw_ops.RandomShuffle(value=tf.range(count), seed=0, seed2=0)
        return tf.nest.map_structure(lambda t: tf.gather(t, order), window)

    return ds.batch(int(buffer_size)).map(permute).unbatch()


def on_service(
    source: tf.data.Dataset,
    make_batches: Callable[[tf.data.Dataset], tf.data.Dataset],
    target: str,
    *,
    job_name: str | None = None,
    threads_per_worker: int | None = None,
    compression: str | None = "AUTO",
) -> tf.data.Dataset:
    """`make_batches(source)`, computed on the tf.data service at `target`
    (distributed-epoch mode: each element of `source` goes to one worker once per
    epoch). `job_name` lets several consumers share one job (each then gets part
    of the data); by default every iteration is its own job.
    `threads_per_worker`: a private thread pool of that size for this dataset on
    each worker (by default tf.data sizes its pool to the worker's machine).
    `compression`: "AUTO" (TF's default, snappy) or None; workers on the
    trainer's own machine are faster without it (measured: 11k -> 18k rotation
    examples/s with one in-process worker), remote ones may not be.
    `make_batches` must not read a `tf.Variable` that changes between epochs:
    the workers see its value at this call (see the module docstring)."""
    target = check_target(target)
    ds = make_batches(source)
    if threads_per_worker is not None:
        if isinstance(threads_per_worker, bool) or int(threads_per_worker) < 1:
            raise ValueError(f"threads_per_worker must be >= 1, got {threads_per_worker!r}")
        options = tf.data.Options()
        options.threading.private_threadpool_size = int(threads_per_worker)
        ds = ds.with_options(options)
    return ds.apply(
        _service.distribute(
            processing_mode=_service.ShardingPolicy.DYNAMIC,
            service=target,
            job_name=job_name,
            compression=compression,
        )
    )
