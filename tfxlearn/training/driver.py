"""The training driver: strategy, checkpoints with resume, TensorBoard, NaN stop."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import warnings
from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from tfxlearn.distribute import is_multi_worker
from tfxlearn.training.callbacks import (
    AtomicBackupAndRestore,
    AverageReplicaStatistics,
    NonFiniteLossError,
    TerminateOnNonFinite,
    load_state,
    saved_epoch,
)
from tfxlearn.training.multi_worker import (
    WorkerLostError,
    is_chief,
    shard_by_data,
)
from tfxlearn.training.strategy import check_global_batch, default_strategy

TRAINED = "trained"
"""Run-directory entry holding the trained state once all epochs are done."""


@contextlib.contextmanager
def unknown_length_allowed(dataset, steps_per_epoch: int | None):
    """Silences Keras's "Your input ran out of data" warning where it is no
    warning: a tf.data input whose length tf.data cannot know in advance (e.g. the
    text ops, which cut each verse into as many windows as it needs) fitted
    without `steps_per_epoch` ends its first epoch when the data ends, as meant,
    and Keras (3.x, `EpochIterator.catch_stop_iteration`) warns there. With a
    known length, or a `steps_per_epoch` cap, the warning still shows: running
    out then is a real mistake."""
    unknown = (
        isinstance(dataset, tf.data.Dataset)
        and steps_per_epoch is None
        and int(dataset.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY)
    )
    with warnings.catch_warnings():
        if unknown:
            warnings.filterwarnings(
                "ignore", message="Your input ran out of data", category=UserWarning
            )
        yield


# What a collective operation raises on the workers that survive a lost peer.
_PEER_ERRORS = (
    tf.errors.UnavailableError,
    tf.errors.DeadlineExceededError,
    tf.errors.CancelledError,
    tf.errors.AbortedError,
)


def first_batch(ds: tf.data.Dataset, argument: str = "dataset"):
    """The first element of `ds`; a clear error if there is none."""
    if ds.cardinality() == 0:
        raise ValueError(f"{argument} is empty (cardinality 0): nothing to train on")
    for element in ds.take(1):
        return element
    raise ValueError(f"{argument} is empty: nothing to train on")


def batch_size_of(element) -> int:
    x = element[0] if isinstance(element, (tuple, list)) else element
    x = tf.nest.flatten(x)[0]
    return int(tf.shape(x)[0])


def train(
    model_fn: Callable[[], keras.Model],
    train_ds: tf.data.Dataset,
    *,
    epochs: int,
    run_dir: str,
    strategy: tf.distribute.Strategy | None = None,
    validation_data: tf.data.Dataset | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    chief_callbacks: Sequence[keras.callbacks.Callback] = (),
    steps_per_epoch: int | None = None,
    verbose="auto",
) -> tuple[keras.Model, keras.callbacks.History]:
    """Builds the model under a strategy and fits it, resumable after a kill.

    The run directory gets `backup/` (the resume state, written atomically at
    each epoch end and removed when training completes), `trained/` (the final
    state: a rerun after training finished, e.g. after a crash while exporting,
    reloads it instead of training again), `tensorboard/` and `history.csv`
    (the returned history is read from it, so it covers every epoch also after
    a restart). Calling `train` again with the same `run_dir` after a crash
    resumes from the last completed epoch.

    Under a multi-worker strategy (`tfxlearn.training.multi_worker_strategy`)
    every worker calls `train` with the same arguments: the input is split among
    the workers by element (`shard_by_data`), all workers write each backup and
    the chief's atomic rename commits it (so `run_dir` must be on a filesystem
    all workers share), and TensorBoard, `history.csv` and `chief_callbacks`
    run on the chief only. A lost worker makes the others fail with
    `WorkerLostError`; rerunning every worker resumes from the last backup.

    Args:
        model_fn: builds and compiles the model; called inside the strategy scope.
        train_ds: batched dataset of `(inputs, labels)` (as the pretext ops make).
        epochs: total epochs (a resumed run counts the ones already done).
        run_dir: where checkpoints and logs go.
        strategy: defaults to MirroredStrategy over the visible devices.
        validation_data: optional batched dataset evaluated after each epoch.
        callbacks: extra Keras callbacks (every worker runs them).
        chief_callbacks: extra callbacks that only write output (plots, logs): the
            chief runs them, other workers do not.
        steps_per_epoch: optional cap of steps per epoch.
        verbose: Keras progress output ("auto": a progress bar).

    Returns:
        (model, history).

    Raises:
        ValueError: empty dataset, or global batch smaller than the replica count.
        NonFiniteLossError: the loss became NaN/inf; the last good checkpoint is kept.
        WorkerLostError: (multi-worker) a peer stopped answering during training.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    strategy = strategy or default_strategy()
    batch = first_batch(train_ds, "train_ds")
    check_global_batch(batch_size_of(batch), strategy)
    os.makedirs(run_dir, exist_ok=True)
    multi_worker = is_multi_worker(strategy)
    chief = is_chief(strategy)
    if multi_worker:
        train_ds = shard_by_data(train_ds)
        if validation_data is not None:
            validation_data = shard_by_data(validation_data)

    with strategy.scope():
        model = _built(model_fn, batch)  # BackupAndRestore needs a built model.

    history_csv = os.path.join(run_dir, "history.csv")
    trained_dir = os.path.join(run_dir, TRAINED)
    if (saved_epoch(trained_dir) or 0) >= epochs:
        # Trained by an earlier process that was stopped afterwards (e.g. while
        # exporting): reload instead of training again.
        with strategy.scope():
            load_state(model, trained_dir)
        if chief:  # left by a process killed between promoting the state and cleaning up
            shutil.rmtree(os.path.join(run_dir, "backup"), ignore_errors=True)
        history = keras.callbacks.History()
        history.history = read_history(history_csv) if chief else {}
        if multi_worker:
            model = _local_copy(model_fn, batch, model)
        return model, history

    nan_stop = TerminateOnNonFinite()
    backup = AtomicBackupAndRestore(
        os.path.join(run_dir, "backup"),
        skip_if=lambda: nan_stop.bad_step is not None,
        final_dir=trained_dir,
    )
    # The CSV row of an epoch is written before its backup, so a run killed in
    # between repeats that epoch (read_history keeps the last row of each epoch)
    # instead of missing it.
    # Replica copies of the batch-norm statistics are averaged before the NaN check
    # and the backup read them (Keras 3 updates each copy separately).
    all_callbacks = [AverageReplicaStatistics(), nan_stop]
    if chief:
        all_callbacks.append(keras.callbacks.CSVLogger(history_csv, append=True))
    all_callbacks += [backup, *callbacks]
    if chief:
        all_callbacks += [
            keras.callbacks.TensorBoard(os.path.join(run_dir, "tensorboard"), write_graph=False),
            *chief_callbacks,
        ]
    try:
        with unknown_length_allowed(train_ds, steps_per_epoch):
            history = model.fit(
                train_ds,
                epochs=epochs,
                validation_data=validation_data,
                callbacks=all_callbacks,
                steps_per_epoch=steps_per_epoch,
                verbose=verbose if chief else 0,
                shuffle=False,  # tf.data input: shuffling is the pipeline's job (EpochOrder)
            )
    except _PEER_ERRORS as error:
        if not multi_worker:
            raise
        raise WorkerLostError(
            f"lost contact with another worker during training ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:300]}); the last complete backup (end of epoch "
            f"{backup.saved_epoch}) is in {backup.backup_dir}: restart every worker with the "
            "same run directory to resume from it"
        ) from error
    if multi_worker:
        model = _local_copy(model_fn, batch, model)
    if nan_stop.bad_step is not None:
        epoch, step, value = nan_stop.bad_step
        raise NonFiniteLossError(
            f"training stopped: the loss became {value} at epoch {epoch + 1}, step {step + 1}; "
            f"the last good state (end of epoch {backup.saved_epoch}) is kept in "
            f"{backup.backup_dir} and a rerun resumes from it"
        )
    if chief:  # every epoch, also those run before a restart
        history.history = read_history(history_csv)
    return model, history


def read_history(path: str) -> dict[str, list[float]]:
    """The per-epoch logs in `history.csv` (Keras's CSVLogger), one row per epoch:
    an epoch repeated after a restart counts once, with its last values."""
    import csv

    if not os.path.isfile(path):
        return {}
    rows: dict[int, dict] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rows[int(row.pop("epoch"))] = row

    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):  # "NA": CSVLogger's placeholder for absent keys
            return float("nan")

    keys = list(next(iter(rows.values()), {}))
    columns = {key: [number(rows[e].get(key)) for e in sorted(rows)] for key in keys}
    return {key: values for key, values in columns.items() if not all(map(math.isnan, values))}


def _built(model_fn, batch) -> keras.Model:
    model = model_fn()
    if not model.built:
        model(batch[0] if isinstance(batch, (tuple, list)) else batch)
    return model


def _local_copy(model_fn, batch, trained: keras.Model) -> keras.Model:
    """The trained weights in a model built outside the multi-worker strategy.

    Everything after training (evaluation, plots, export) runs on the chief
    alone, and a model built under MultiWorkerMirroredStrategy would turn its
    `predict` into collective operations that wait for the other workers. The
    copy has the weights (not the optimizer state, which only training needs).
    """
    local = _built(model_fn, batch)
    local.set_weights(trained.get_weights())
    return local
