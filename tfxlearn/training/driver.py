"""The training driver: strategy, checkpoints with resume, TensorBoard, NaN stop."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from tfxlearn.training.callbacks import (
    AtomicBackupAndRestore,
    NonFiniteLossError,
    TerminateOnNonFinite,
)
from tfxlearn.training.strategy import check_global_batch, default_strategy


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
    steps_per_epoch: int | None = None,
    verbose="auto",
) -> tuple[keras.Model, keras.callbacks.History]:
    """Builds the model under a strategy and fits it, resumable after a kill.

    The run directory gets `backup/` (the resume state, written atomically at
    each epoch end and removed when training completes), `tensorboard/` and
    `history.csv`. Calling `train` again with the same `run_dir` after a crash
    resumes from the last completed epoch.

    Args:
        model_fn: builds and compiles the model; called inside the strategy scope.
        train_ds: batched dataset of `(inputs, labels)` (as the pretext ops make).
        epochs: total epochs (a resumed run counts the ones already done).
        run_dir: where checkpoints and logs go.
        strategy: defaults to MirroredStrategy over the visible devices.
        validation_data: optional batched dataset evaluated after each epoch.
        callbacks: extra Keras callbacks.
        steps_per_epoch: optional cap of steps per epoch.
        verbose: Keras progress output ("auto": a progress bar).

    Returns:
        (model, history).

    Raises:
        ValueError: empty dataset, or global batch smaller than the replica count.
        NonFiniteLossError: the loss became NaN/inf; the last good checkpoint is kept.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    strategy = strategy or default_strategy()
    batch = first_batch(train_ds, "train_ds")
    check_global_batch(batch_size_of(batch), strategy)
    os.makedirs(run_dir, exist_ok=True)

    with strategy.scope():
        model = model_fn()
        if not model.built:
            inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
            model(inputs)  # BackupAndRestore needs a built model.

    nan_stop = TerminateOnNonFinite()
    backup = AtomicBackupAndRestore(
        os.path.join(run_dir, "backup"), skip_if=lambda: nan_stop.bad_step is not None
    )
    all_callbacks = [
        nan_stop,
        backup,
        keras.callbacks.TensorBoard(os.path.join(run_dir, "tensorboard"), write_graph=False),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv"), append=True),
        *callbacks,
    ]
    history = model.fit(
        train_ds,
        epochs=epochs,
        validation_data=validation_data,
        callbacks=all_callbacks,
        steps_per_epoch=steps_per_epoch,
        verbose=verbose,
        shuffle=False,  # tf.data input: shuffling is the pipeline's job (EpochOrder)
    )
    if nan_stop.bad_step is not None:
        epoch, step, value = nan_stop.bad_step
        raise NonFiniteLossError(
            f"training stopped: the loss became {value} at epoch {epoch + 1}, step {step + 1}; "
            f"the last good state (end of epoch {backup.saved_epoch}) is kept in "
            f"{backup.backup_dir} and a rerun resumes from it"
        )
    return model, history
