"""Callbacks of the training driver: atomic backup/resume, NaN stop, epoch-keyed data order."""

from __future__ import annotations

import inspect
import json
import os
import shutil

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.atomic import remove_stale_tmp, tmp_dir_name
from tfxlearn.distribute import average_replica_statistics, is_multi_worker
from tfxlearn.keras_private import BackupAndRestoreHooks, set_initial_epoch
from tfxlearn.training.multi_worker import is_chief


class AtomicBackupAndRestore(BackupAndRestoreHooks):
    """`keras.callbacks.BackupAndRestore` whose backups are atomic.

    Keras writes the weights and then the epoch counter in place, so a kill
    while writing leaves a torn or inconsistent backup. Here each backup (weights
    and training metadata together) is written to a fresh directory that is then
    renamed into place as `<backup_dir>/state`; the previous state is kept as
    `state.old` until the new one is in place, and restoring falls back to it.
    The backup is deleted only when training completes all its epochs (not when
    it stops early, e.g. on a non-finite loss), so the last good state survives;
    with `final_dir` the completed state is first renamed to `final_dir`, so a
    process killed after training (while evaluating or exporting) can reload the
    trained model instead of training again. Temporary directories of writers
    that were killed are removed by the next backup.

    The state also holds the positions of the model's random streams (the
    `keras.random.SeedGenerator`s of e.g. Dropout layers), which Keras's weight
    files leave out: without them a resumed run would draw the first epoch's
    dropout masks again and drift away from an uninterrupted one (measured on
    the SGAN smoke pipeline: weights differed by up to 9.8 after a resume).

    Keras's private save and load methods are reached through
    `tfxlearn.keras_private.BackupAndRestoreHooks` (`save_backup`, `load_backup`).
    """

    STATE = "state"

    def __init__(self, backup_dir: str, save_freq="epoch", skip_if=None, final_dir=None):
        """`skip_if`: optional callable; when it returns True no backup is written
        (the driver uses it so a state reached through a non-finite loss never
        replaces the last good one)."""
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=True)
        self._skip_if = skip_if
        self._final_dir = final_dir
        self._state = os.path.join(backup_dir, self.STATE)
        self._old = self._state + ".old"
        self.saved_epoch = 0  # epochs completed in the newest backup

    def load_backup(self):
        for path in (self._state, self._old):
            if saved_epoch(path) is not None:
                epoch = load_state(self.model, path)
                self._restore_seed_states(path)
                set_initial_epoch(self.model, epoch)
                self.epochs_done = epoch  # all done already: on_train_end sees it
                self.saved_epoch = epoch
                break
        _check_workers_agree(self.model.distribute_strategy, self.saved_epoch, self.backup_dir)

    def save_backup(self):
        if self._skip_if is not None and self._skip_if():
            return
        if not is_chief(self.model.distribute_strategy):
            # Multi-worker: the chief alone writes the shared backup directory.
            self.saved_epoch = self.epochs_done
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        remove_stale_tmp(self.backup_dir)
        tmp = os.path.join(self.backup_dir, tmp_dir_name("backup"))
        os.makedirs(tmp)
        try:
            weights = os.path.join(tmp, WEIGHTS)
            self.model.save_weights(weights)
            with open(weights, "rb") as f:
                os.fsync(f.fileno())
            with open(os.path.join(tmp, METADATA), "w") as f:
                metadata = {"epoch": self.epochs_done, "batch": self.last_batch}
                states = [keras.ops.convert_to_numpy(s).tolist() for s in seed_states(self.model)]
                json.dump({**metadata, SEEDS: states}, f)
                f.flush()
                os.fsync(f.fileno())
            if os.path.isdir(self._state):
                if os.path.isdir(self._old):
                    shutil.rmtree(self._old)
                os.rename(self._state, self._old)
            os.rename(tmp, self._state)
            self.saved_epoch = self.epochs_done
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(self._old, ignore_errors=True)

    def _restore_seed_states(self, path: str) -> None:
        """Puts the random streams back where the backup at `path` left them."""
        try:
            with open(os.path.join(path, METADATA)) as f:
                saved = json.load(f).get(SEEDS)
        except (OSError, ValueError):
            saved = None
        if saved is None:  # a backup written before seed states were kept in this order
            return
        states = seed_states(self.model)
        if len(states) != len(saved):
            raise ValueError(
                f"the backup in {path} holds {len(saved)} random-stream states but the model "
                f"has {len(states)} SeedGenerators: it was written by a different model"
            )
        for variable, state in zip(states, saved):
            variable.assign(np.asarray(state, dtype=variable.dtype))

    def on_train_end(self, logs=None):
        params = self.params or {}
        finished = self.epochs_done >= params.get("epochs", 0) and not self.model.stop_training
        chief = is_chief(self.model.distribute_strategy)  # it owns the shared directory
        if finished and chief and os.path.isdir(self.backup_dir):
            if self._final_dir is not None and saved_epoch(self._state) == params["epochs"]:
                shutil.rmtree(self._final_dir, ignore_errors=True)  # from a shorter run
                os.rename(self._state, self._final_dir)  # atomic: the trained state
            shutil.rmtree(self.backup_dir)


WEIGHTS = "latest.weights.h5"
METADATA = "training_metadata.json"
# Metadata entry: the SeedGenerator states, in `seed_states` order. Backups of
# earlier tfxlearn recorded them as "seed_generators" in another order (Keras's
# private layer walk); those are not restored, rather than given to the wrong layers.
SEEDS = "seed_states"


def seed_states(model: keras.Layer) -> list:
    """The state variables of the `keras.random.SeedGenerator`s in `model` (e.g. its
    Dropout layers'), in the order of `model.variables`, which the same
    model-building code reproduces (their names do not: Keras numbers them per
    process, so a backup matches them by position).

    Keras documents `Layer.variables` as `Layer.weights` plus the SeedGenerator
    states (tests/test_keras_private.py checks it); the states are the rest.
    """
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def saved_epoch(path: str) -> int | None:
    """Epochs completed in the saved state at `path`, or None if there is none."""
    try:
        with open(os.path.join(path, METADATA)) as f:
            return int(json.load(f)["epoch"])
    except (OSError, ValueError, KeyError):
        return None


def build_optimizer_for_restore(model: keras.Model) -> None:
    """Builds `model`'s optimizer(s) over the variables its first step would
    (`build_optimizers()` where a paradigm has several, or a stage its own
    list), so that saved optimizer state can be assigned before any step."""
    if hasattr(model, "build_optimizers"):  # two-player paradigms, training stages
        model.build_optimizers()
    elif getattr(model, "optimizer", None) is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def load_state(model: keras.Model, path: str) -> int:
    """Loads a state written by `AtomicBackupAndRestore` (weights and optimizer
    state) into a built, compiled `model`; returns its completed epochs."""
    build_optimizer_for_restore(model)
    model.load_weights(os.path.join(path, WEIGHTS))
    return saved_epoch(path)


def _check_workers_agree(strategy, epoch: int, backup_dir: str) -> None:
    """Multi-worker: every worker must resume from the same epoch, else their
    collective operations would pair up different steps. They disagree when the
    backup directory is not on a filesystem all of them share."""
    if not is_multi_worker(strategy):
        return

    @tf.function
    def every_workers_epoch(value):
        return tf.distribute.get_replica_context().all_gather(tf.reshape(value, [1]), axis=0)

    epochs = strategy.run(every_workers_epoch, args=(tf.constant(epoch, tf.int64),))
    epochs = strategy.experimental_local_results(epochs)[0].numpy()
    low, high = int(epochs.min()), int(epochs.max())
    if high != low:
        raise RuntimeError(
            f"the workers found different backups in {backup_dir} (epochs {low} to {high}): "
            "the run directory must be on a filesystem that every worker shares"
        )


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and remembers where it happened.

    `bad_step` is `(epoch, batch, value)`, 0-based, the batch within its epoch.
    The loss a step logs is computed before its update, so an update that makes
    the weights non-finite at the last step of an epoch would only show in the
    next epoch's first loss - after the epoch-end backup had saved the broken
    weights as the "last good" state. The weights (trainable and not, e.g.
    BatchNormalization's moving statistics) are therefore also checked at each
    epoch end, before the backup (this callback must come before it in the list).
    Paradigms that log no `loss` are checked on their `*_loss` entries.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0
        self.batch = 0
        self.bad_step: tuple[int, int, float] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batch = batch
        logs = logs or {}
        keys = ["loss"] if "loss" in logs else [k for k in logs if k.endswith("_loss")]
        for key in keys:
            value = float(logs[key])
            if not np.isfinite(value):
                self._stop(batch, value)
                return

    def on_epoch_end(self, epoch, logs=None):
        if self.bad_step is None and not self._weights_finite():
            self._stop(self.batch, float("nan"))

    def _weights_finite(self) -> bool:
        checks = [
            tf.reduce_all(tf.math.is_finite(w))
            for w in self.model.weights
            if keras.backend.is_float_dtype(w.dtype)
        ]
        return bool(tf.reduce_all(checks)) if checks else True

    def _stop(self, batch: int, value: float) -> None:
        self.bad_step = (self.epoch, batch, value)
        self.model.stop_training = True


class AverageReplicaStatistics(keras.callbacks.Callback):
    """At each epoch end and at the end of training, sets every replica's copy of
    the batch-norm moving statistics to their mean
    (`tfxlearn.distribute.average_replica_statistics`: Keras 3 lets each
    replica update its own copy and reads the first). Put it before the
    checkpoint callbacks so the checkpoints hold the averaged statistics."""

    def on_epoch_end(self, epoch, logs=None):
        average_replica_statistics(self.model)

    def on_train_end(self, logs=None):
        average_replica_statistics(self.model)


class EpochOrder(keras.callbacks.Callback):
    """Makes the shuffled order of each epoch a pure function of (seed, epoch).

    `tf.data`'s reshuffling advances with every iteration of a dataset object,
    so a run resumed at epoch 3 would see epoch 1's order again. `shuffle`
    keys the order on an epoch counter that this callback sets at the start of
    each epoch, so a resumed run reproduces an uninterrupted one exactly.

    Local datasets only: a dataset sent to tf.data service workers is
    serialized once, with the counter's value at that moment baked in, so
    every epoch there would get the same key (measured, TF 2.21). The service
    path shuffles with `tfxlearn.data.service.shuffle_per_job` instead.
    """

    def __init__(self, seed: int = 0):
        super().__init__()
        self.seed = int(seed)
        # Created outside any strategy scope: tf.data reads it on the host.
        with tf.init_scope():
            self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="data_epoch")

    def shuffle(self, ds: tf.data.Dataset, buffer_size: int) -> tf.data.Dataset:
        """Shuffles `ds` in windows of `buffer_size` with an order fixed by (seed, epoch).

        Each window of `buffer_size` consecutive elements is permuted with a
        stateless shuffle seeded by (seed, epoch, window index); with a
        buffer at least as large as the dataset this is a full permutation.
        """
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be >= 1, got {buffer_size}")
        cardinality = ds.cardinality()

        def permute(index, window):
            count = tf.shape(tf.nest.flatten(window)[0])[0]
            seed = tf.stack(
                [tf.constant(self.seed, tf.int64), self.epoch.read_value() * 1_000_003 + index]
            )
            order = tf.random.experimental.stateless_shuffle(tf.range(count), seed=seed)
            return tf.nest.map_structure(lambda t: tf.gather(t, order), window)

        out = ds.batch(buffer_size).enumerate().map(permute).unbatch()
        if cardinality >= 0:
            out = out.apply(tf.data.experimental.assert_cardinality(cardinality))
        return out

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch.assign(epoch)


class ProgressImages(keras.callbacks.Callback):
    """Draws the model's `progress_images()` after each epoch: a PNG grid in
    `plot_dir` (`<prefix>_epoch_<n>.png`) and an image summary in TensorBoard.

    Generative paradigms return a fixed, seeded set of samples (the same latent
    vectors every epoch), so the PNGs show one set of images improving.
    Models without `progress_images` are skipped.
    """

    def __init__(self, plot_dir: str, log_dir: str | None = None, prefix: str = "samples"):
        super().__init__()
        self.plot_dir = plot_dir
        self.log_dir = log_dir
        self.prefix = prefix
        self.paths: list[str] = []

    def on_epoch_end(self, epoch, logs=None):
        draw = getattr(self.model, "progress_images", None)
        if not callable(draw):
            return
        from tfxlearn import viz  # plotting is imported only when used

        images = np.asarray(draw())
        path = os.path.join(self.plot_dir, f"{self.prefix}_epoch_{epoch + 1:03d}.png")
        self.paths.append(
            viz.image_grid(images, None, path, title=f"{self.prefix}, epoch {epoch + 1}")
        )
        if self.log_dir:
            writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "images"))
            with writer.as_default():
                tf.summary.image(self.prefix, viz.tile(images)[None], step=epoch + 1)
            writer.close()


def _takes_argument(function, name: str) -> bool:
    """Whether `function` accepts keyword `name` (by name or through `**kwargs`)."""
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in parameters)


class FirstStage(keras.callbacks.Callback):
    """Runs a paradigm's first training stage, `model.<method>(data, **args)`, at the
    start of `fit` (e.g. ADDA's `pretrain_source` before its adversarial steps).

    The stage runs only while the model has taken no step of its own
    (`model.optimizer.iterations == 0`): a run resumed from a backup (restored by
    `AtomicBackupAndRestore`, which must come earlier in the callback list, as in
    `tfxlearn.training.train`) does not run it again over the restored weights.
    In a pipeline: `train.first_stage = {"method": ..., "args": {...}}`.

    `order`: the `EpochOrder` that shuffles `data`; it is handed to a stage
    method that takes Keras `callbacks` (by name or `**kwargs`), so each of the
    stage's epochs gets its own order (without it every stage epoch sees the
    order of epoch 0, since the stage runs before `fit` advances the counter;
    a method without a `callbacks` argument keeps that fixed order).
    """

    def __init__(self, data, method: str, order: EpochOrder | None = None, **args):
        super().__init__()
        if not isinstance(method, str) or not method:
            raise ValueError(f"first_stage method must be a method name, got {method!r}")
        self.data = data
        self.method = method
        self.order = order
        self.args = args
        self.ran = False

    def on_train_begin(self, logs=None):
        stage = getattr(self.model, self.method, None)
        if not callable(stage):
            raise ValueError(
                f"first_stage method {self.method!r}: {type(self.model).__name__} has no such "
                "method"
            )
        if int(self.model.optimizer.iterations.numpy()) > 0:
            return  # resumed: the restored weights include the first stage's result
        args = dict(self.args)
        if self.order is not None and _takes_argument(stage, "callbacks"):
            args["callbacks"] = [self.order, *args.get("callbacks", [])]
        stage(self.data, **args)
        self.ran = True
