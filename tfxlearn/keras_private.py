"""Every use of a private Keras / TensorFlow / TFDS API in tfxlearn, behind one version check.

tfxlearn needs a few things the public APIs of Keras 3.15, TensorFlow 2.21 and
TensorFlow Datasets 4.9 do not offer. Each access to a private name lives here,
in a small function or base class commented with the version it was written
for; the rest of the package calls these and never the private names
(`tests/test_keras_private.py` checks both: that each private dependency still
has the expected shape, and that no other module names them).

At import the module compares the installed versions with the ones it was
written for (`WRITTEN_FOR`: keras 3.15.x, tensorflow 2.21.x,
tensorflow_datasets 4.9.x) and on a mismatch warns once
(`PrivateAPIVersionWarning`): the overrides may then be wrong, and
`pytest tests/test_keras_private.py` says which one changed.

Private uses and where they serve (docs/architecture.md section 17):

- Keras `Trainer._maybe_symbolic_build`, `Trainer._symbolic_build`,
  `TensorFlowTrainer._make_function` (methods Keras calls): overridden in
  `TrainerHooks`, which forwards them to the public-named hooks
  `prepare_first_build`, `wrap_build` and `wrap_step_function`;
  `distribute.MultiWorkerFit` (the multi-worker `fit` fix) and
  `paradigms.base_adversarial.AdversarialParadigm` (building both optimizers)
  override those hooks. `symbolic_build(model, data_batch)` calls the build,
  `assigned_strategy(model)` reads `Trainer._distribute_strategy`.
- Keras `BackupAndRestore._load_model`, `_save_model`, `_current_epoch`,
  `_last_batch_seen` and `Model._initial_epoch`: `BackupAndRestoreHooks`
  forwards the two methods to `load_backup` / `save_backup` and exposes the
  counters as `epochs_done` / `last_batch`; `set_initial_epoch(model, epoch)`.
  `training.callbacks.AtomicBackupAndRestore` builds on it.
- Keras `Layer._flatten_layers`: `flatten_layers(layer)`, every layer once,
  sublayers of plain layers included (`distribute.average_replica_statistics`).
  Walking the public `Model.layers` recursively is not the same set: it misses
  the sublayers of layers that are not models (an `RNN`'s `LSTMCell`), so a
  batch norm inside a custom layer would be left unaveraged.
- Keras `TFSMLayer._add_existing_weight` and `Layer._track_variable`:
  `TrainableSavedModelLayer`, a `TFSMLayer` whose variables are named without
  the `:0` of TensorFlow variable names (Keras 3.15.1 keeps it, and an
  optimizer with slots, e.g. Adam, then fails: "'..._kernel:0_momentum' is not
  a valid scope name"), so a SavedModel export can be fine-tuned
  (`transfer.load_encoder`).
- TensorFlow `tf.__internal__.distribute.interim.maybe_merge_call` and
  `StrategyExtended._in_multi_worker_mode`: `cross_replica_call(...)`,
  `in_multi_worker_mode(strategy)` (`distribute.py`).
- TFDS `core.registered._DATASET_REGISTRY`: `register_tfds_builder(cls)`
  replaces a registered builder (`data/fashion_mnist.py`).

Replaced by public API: the `SeedGenerator`s that the backup records were found
with `Layer._flatten_layers` and `Layer._seed_generators`; their states are now
`Layer.variables` minus `Layer.weights` (Keras documents `variables` as the
weights plus the `SeedGenerator` states), `training.callbacks.seed_states`.

No other module overrides or reads these private names, so there are no
exceptions to list.
"""

from __future__ import annotations

import functools
import importlib.metadata
import warnings

import keras
import tensorflow as tf

# ----------------------------------------------------------------------------- versions

# Package (distribution name) -> the "major.minor" these overrides were written for.
WRITTEN_FOR = {"keras": "3.15", "tensorflow": "2.21", "tensorflow-datasets": "4.9"}


class PrivateAPIVersionWarning(UserWarning):
    """The installed Keras / TensorFlow / TFDS is not the one `keras_private` was written for."""


def installed_versions() -> dict[str, str | None]:
    """Installed version of each package of `WRITTEN_FOR` (None if not installed).

    TFDS is looked up in the package metadata, so this module does not import it.
    """
    versions: dict[str, str | None] = {"keras": keras.__version__, "tensorflow": tf.__version__}
    try:
        versions["tensorflow-datasets"] = importlib.metadata.version("tensorflow-datasets")
    except importlib.metadata.PackageNotFoundError:
        versions["tensorflow-datasets"] = None
    return versions


def version_mismatches(versions: dict[str, str | None] | None = None) -> list[str]:
    """`"package X (written for Y.x)"` for each installed version unlike `WRITTEN_FOR`."""
    versions = installed_versions() if versions is None else versions
    mismatches = []
    for package, wanted in WRITTEN_FOR.items():
        got = versions.get(package)
        if got is not None and got.split(".")[:2] != wanted.split("."):
            mismatches.append(f"{package} {got} (written for {wanted}.x)")
    return mismatches


def check_versions(versions: dict[str, str | None] | None = None) -> bool:
    """Warns (`PrivateAPIVersionWarning`) if the installed versions are not the
    ones this module was written for; returns True when they are."""
    mismatches = version_mismatches(versions)
    if mismatches:
        warnings.warn(
            f"tfxlearn.keras_private overrides private Keras / TensorFlow / TFDS APIs written "
            f"for keras 3.15.x, tensorflow 2.21.x and tensorflow_datasets 4.9.x; installed: "
            f"{', '.join(mismatches)}. Run tests/test_keras_private.py to see whether they "
            "still hold.",
            PrivateAPIVersionWarning,
            stacklevel=2,
        )
    return not mismatches


check_versions()  # once, at the first import

# ----------------------------------------------------------------------------- trainer


class TrainerHooks:
    """Mixin of `keras.Model` subclasses (put it before `keras.Model` in the bases)
    that forwards three private methods of Keras's TensorFlow trainer to hooks.

    Written for Keras 3.15.1: `TensorFlowTrainer._maybe_symbolic_build(iterator=None,
    data_batch=None)` (keras/src/backend/tensorflow/trainer.py) builds the model,
    its metrics and optimizer on the first batch of `fit` / `evaluate` via
    `Trainer._symbolic_build(iterator=None, data_batch=None)`
    (keras/src/trainers/trainer.py); `TensorFlowTrainer._make_function(step_function)`
    wraps a train / test step in the distributed function `fit` runs.
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras 3.15.1: TensorFlowTrainer._maybe_symbolic_build.
        return self.prepare_first_build(iterator, data_batch, super()._maybe_symbolic_build)

    def _symbolic_build(self, *args, **kwargs):
        # Keras 3.15.1: Trainer._symbolic_build.
        return self.wrap_build(functools.partial(super()._symbolic_build, *args, **kwargs))

    def _make_function(self, step_function):
        # Keras 3.15.1: TensorFlowTrainer._make_function.
        return super()._make_function(self.wrap_step_function(step_function))

    def prepare_first_build(self, iterator, data_batch, keras_build):
        """Builds the model on the first batch; `keras_build(iterator=, data_batch=)`
        is what Keras does (default). Override to change how the batch is read."""
        return keras_build(iterator=iterator, data_batch=data_batch)

    def wrap_build(self, build):
        """Runs `build()`, Keras's symbolic build (default). Override to act around it."""
        return build()

    def wrap_step_function(self, step_function):
        """The per-replica step function `fit` / `evaluate` distribute (default: as is)."""
        return step_function


def symbolic_build(model: keras.Model, data_batch) -> None:
    """Builds `model` (layers, compiled metrics and losses, optimizer) from one batch.

    Keras 3.15.1: `Trainer._symbolic_build(data_batch=...)`.
    """
    model._symbolic_build(data_batch=data_batch)


def assigned_strategy(model: keras.Model) -> tf.distribute.Strategy | None:
    """The strategy `model` was created under, or None (unlike the public
    `model.distribute_strategy`, which falls back to the current one).

    Keras 3.15.1: `Trainer._distribute_strategy`, set in `TensorFlowTrainer.__init__`.
    """
    return getattr(model, "_distribute_strategy", None)


# ----------------------------------------------------------------------------- backup


class BackupAndRestoreHooks(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` with its private hooks under public names.

    Written for Keras 3.15.1 (keras/src/callbacks/backup_and_restore.py):
    `on_train_begin` calls `_load_model()`, `on_epoch_end` / `on_train_batch_end`
    call `_save_model()`; `_current_epoch` holds the epochs completed and
    `_last_batch_seen` the last batch of the epoch.
    """

    def _load_model(self):
        # Keras 3.15.1: BackupAndRestore._load_model, called by on_train_begin.
        return self.load_backup()

    def _save_model(self):
        # Keras 3.15.1: BackupAndRestore._save_model, called at each save point.
        return self.save_backup()

    def load_backup(self) -> None:
        """Restores the backup (default: Keras's own)."""
        super()._load_model()

    def save_backup(self) -> None:
        """Writes a backup (default: Keras's own)."""
        super()._save_model()

    @property
    def epochs_done(self) -> int:
        """Epochs completed (Keras 3.15.1: `BackupAndRestore._current_epoch`)."""
        return self._current_epoch

    @epochs_done.setter
    def epochs_done(self, epochs: int) -> None:
        self._current_epoch = epochs

    @property
    def last_batch(self) -> int:
        """Last batch seen in the epoch (Keras 3.15.1: `BackupAndRestore._last_batch_seen`)."""
        return self._last_batch_seen


def set_initial_epoch(model: keras.Model, epoch: int) -> None:
    """Makes the running `fit` continue at `epoch` (what `BackupAndRestore` does on
    restore). Keras 3.15.1: `Trainer._initial_epoch`, read by `fit` after
    `on_train_begin`."""
    model._initial_epoch = epoch


# ----------------------------------------------------------------------------- layers


def flatten_layers(layer: keras.Layer) -> list[keras.Layer]:
    """`layer` and all its sublayers, recursively, each once (also a layer shared by
    several models), sublayers of plain (non-model) layers included.

    Keras 3.15.1: `Layer._flatten_layers(include_self=True, recursive=True)`.
    """
    return list(layer._flatten_layers(include_self=True, recursive=True))


class TrainableSavedModelLayer(keras.layers.TFSMLayer):
    """`keras.layers.TFSMLayer` whose tracked variables' names replace ":" by "_".

    Keras 3.15.1: `TFSMLayer.__init__` calls `self._add_existing_weight(v)` for
    every variable its endpoint uses; that method wraps `v` in a Keras variable
    named `v.name` with "/" replaced (but not ":") and tracks it with
    `Layer._track_variable`. Optimizer slots are named after the variable, and
    a ":" is not valid in a TensorFlow name scope.
    """

    def _add_existing_weight(self, weight):
        variable = keras.Variable(
            initializer=weight,
            trainable=weight.trainable,
            dtype=weight.dtype,
            shape=weight.shape,
            name=weight.name.replace("/", "_").replace(":", "_"),
        )
        self._track_variable(variable)


# ----------------------------------------------------------------------------- tf.distribute


def cross_replica_call(fn, strategy: tf.distribute.Strategy, *args, **kwargs):
    """Calls `fn(distribution, *args, **kwargs)` in cross-replica context: through
    `merge_call` inside a replica function, directly otherwise or where the
    strategy runs without merge calls (MultiWorkerMirroredStrategy).

    TensorFlow 2.21: `tf.__internal__.distribute.interim.maybe_merge_call`, the
    call Keras 3.15's TensorFlow optimizer makes for its updates.
    """
    return tf.__internal__.distribute.interim.maybe_merge_call(fn, strategy, *args, **kwargs)


def in_multi_worker_mode(strategy: tf.distribute.Strategy) -> bool:
    """True when `strategy` spans several workers.

    TensorFlow 2.21: `StrategyExtended._in_multi_worker_mode()` (defined by
    every strategy's `extended`).
    """
    return bool(strategy.extended._in_multi_worker_mode())


# ----------------------------------------------------------------------------- TFDS


def register_tfds_builder(builder_cls: type) -> None:
    """Registers `builder_cls` under its `name`, replacing a builder already
    registered there (TFDS's own registration refuses a taken name).

    TFDS 4.9: `tensorflow_datasets.core.registered._DATASET_REGISTRY`, the dict
    from name to builder class that `tfds.builder_cls` reads.
    """
    import tensorflow_datasets as tfds
    from tensorflow_datasets.core import registered

    registered._DATASET_REGISTRY[builder_cls.name] = builder_cls
    if tfds.builder_cls(builder_cls.name) is not builder_cls:
        raise RuntimeError(
            f"registering {builder_cls.__name__} as {builder_cls.name!r} did not replace "
            "the TFDS builder: tensorflow_datasets.core.registered changed "
            "(see tfxlearn/keras_private.py)"
        )
