"""The private Keras / TensorFlow / TFDS APIs tfxlearn relies on (tfxlearn/keras_private.py).

One test per private dependency: it fails with a message naming the dependency
and the module to fix when a new Keras, TensorFlow or TFDS release renames it,
changes its signature or its behaviour. The last tests check that no module but
keras_private.py names these private APIs.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from _helpers import REPO
from tensorflow_datasets.core import registered

from tfxlearn import keras_private
from tfxlearn.data.fashion_mnist import FashionMnist
from tfxlearn.keras_private import BackupAndRestoreHooks, TrainerHooks
from tfxlearn.training.callbacks import seed_states

FIX = "update tfxlearn/keras_private.py for this release"


def _params(cls, name: str) -> list[tuple[str, object]]:
    method = getattr(cls, name, None)
    assert callable(method), f"{cls.__name__}.{name} is gone: {FIX}"
    return [(p.name, p.default) for p in inspect.signature(method).parameters.values()]


def _signature(cls, name: str, expected: list[tuple[str, object]]) -> None:
    got = _params(cls, name)
    assert got == expected, (
        f"{cls.__name__}.{name} has parameters {got}, expected {expected}: {FIX}"
    )


EMPTY = inspect.Parameter.empty


# ----------------------------------------------------------------------------- versions


def test_installed_versions_are_the_ones_the_overrides_were_written_for():
    mismatches = keras_private.version_mismatches()
    assert not mismatches, (
        f"installed {mismatches}: re-check every private API with this test file, then "
        "update WRITTEN_FOR in tfxlearn/keras_private.py"
    )


def test_another_version_warns_naming_the_module():
    with pytest.warns(keras_private.PrivateAPIVersionWarning, match="tfxlearn.keras_private"):
        ok = keras_private.check_versions(
            {"keras": "3.16.0", "tensorflow": "2.21.0", "tensorflow-datasets": "4.9.10"}
        )
    assert not ok
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        versions = {"keras": "3.15.1", "tensorflow": "2.21.0", "tensorflow-datasets": "4.9.10"}
        assert keras_private.check_versions(versions)


# ----------------------------------------------------------------------------- trainer


def test_keras_trainer_private_methods_keep_their_signatures():
    _signature(
        keras.Model,
        "_maybe_symbolic_build",
        [("self", EMPTY), ("iterator", None), ("data_batch", None)],
    )
    _signature(
        keras.Model, "_symbolic_build", [("self", EMPTY), ("iterator", None), ("data_batch", None)]
    )
    _signature(keras.Model, "_make_function", [("self", EMPTY), ("step_function", EMPTY)])


class RecordingModel(TrainerHooks, keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.calls = []

    def call(self, x):
        return self.dense(x)

    def prepare_first_build(self, iterator, data_batch, keras_build):
        self.calls.append("prepare_first_build")
        return super().prepare_first_build(iterator, data_batch, keras_build)

    def wrap_build(self, build):
        self.calls.append("wrap_build")
        return super().wrap_build(build)

    def wrap_step_function(self, step_function):
        self.calls.append("wrap_step_function")
        return super().wrap_step_function(step_function)


def test_keras_fit_calls_the_trainer_hooks(two_replica_strategy):
    """Keras's fit under a strategy builds through `_maybe_symbolic_build` ->
    `_symbolic_build` and makes its step with `_make_function`."""
    with two_replica_strategy.scope():
        model = RecordingModel()
        model.compile(optimizer="sgd", loss="mse")
    assert keras_private.assigned_strategy(model) is two_replica_strategy, (
        f"Trainer._distribute_strategy no longer holds the model's strategy: {FIX}"
    )
    x = np.ones((4, 2), np.float32)
    model.fit(x, x[:, :1], batch_size=4, epochs=1, verbose=0)
    for hook in ("prepare_first_build", "wrap_build", "wrap_step_function"):
        assert hook in model.calls, f"Keras's fit did not reach the {hook} hook: {FIX}"
    assert model.calls.index("prepare_first_build") < model.calls.index("wrap_build")
    assert keras_private.assigned_strategy(RecordingModel()) is None


def test_symbolic_build_builds_model_and_optimizer(two_replica_strategy):
    with two_replica_strategy.scope():
        model = RecordingModel()
        model.compile(optimizer="sgd", loss="mse")
        keras_private.symbolic_build(model, (tf.ones((2, 3)), tf.ones((2, 1))))
    assert model.built and model.optimizer.built, f"Trainer._symbolic_build changed: {FIX}"


# ----------------------------------------------------------------------------- backup


def test_backup_and_restore_private_members_keep_their_shape():
    cls = keras.callbacks.BackupAndRestore
    _signature(cls, "_load_model", [("self", EMPTY)])
    _signature(cls, "_save_model", [("self", EMPTY)])
    callback = cls("/tmp/unused-backup-dir")
    for counter in ("_current_epoch", "_last_batch_seen"):
        assert getattr(callback, counter, None) == 0, f"BackupAndRestore.{counter} is gone: {FIX}"


class _RecordingBackup(BackupAndRestoreHooks):
    def __init__(self, backup_dir):
        super().__init__(backup_dir, delete_checkpoint=False)
        self.saved, self.loaded = [], 0

    def load_backup(self):
        self.loaded += 1
        super().load_backup()

    def save_backup(self):
        self.saved.append((self.epochs_done, self.last_batch))
        super().save_backup()


def test_backup_and_restore_calls_the_hooks_and_resumes(tmp_path):
    """Keras's BackupAndRestore calls `_load_model` / `_save_model` with
    `_current_epoch` counting completed epochs, and the restore sets
    `Model._initial_epoch` so fit continues after them."""

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        m.compile(optimizer="sgd", loss="mse")
        return m

    x = np.ones((4, 2), np.float32)
    backup = _RecordingBackup(str(tmp_path / "backup"))
    stop = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(first, "stop_training", epoch == 1)
    )
    first = model()
    first.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[backup, stop])
    assert backup.loaded == 1 and backup.saved == [(1, 0), (2, 0)], (
        f"BackupAndRestore's private hooks / counters changed ({backup.saved}): {FIX}"
    )
    assert os.path.exists(tmp_path / "backup" / "training_metadata.json")

    resumed = _RecordingBackup(str(tmp_path / "backup"))
    history = model().fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[resumed])
    assert history.epoch == [2], f"the restore no longer sets Model._initial_epoch: {FIX}"


def test_set_initial_epoch_makes_fit_start_there():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    skip = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: keras_private.set_initial_epoch(model, 2)
    )
    x = np.ones((4, 2), np.float32)
    history = model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[skip])
    assert history.epoch == [2, 3], f"Trainer._initial_epoch is no longer read by fit: {FIX}"


# ----------------------------------------------------------------------------- layers


def _nested_model():
    shared = keras.layers.Dense(2, name="shared")
    inner = keras.Sequential([keras.Input((3, 2)), keras.layers.RNN(keras.layers.LSTMCell(2))])
    inputs = keras.Input((3, 2))
    x = inner(inputs)
    outputs = shared(shared(x))
    return keras.Model(inputs, outputs), inner, shared


def test_flatten_layers_finds_every_layer_once():
    _signature(
        keras.Layer,
        "_flatten_layers",
        [("self", EMPTY), ("include_self", True), ("recursive", True)],
    )
    model, inner, shared = _nested_model()
    layers = keras_private.flatten_layers(model)
    ids = [id(layer) for layer in layers]
    assert len(ids) == len(set(ids)), f"Layer._flatten_layers yields a layer twice: {FIX}"
    types = {type(layer) for layer in layers}
    assert model in layers and inner in layers and shared in layers
    # The cell inside the RNN (a plain layer, not a model) is what Model.layers misses.
    assert keras.layers.LSTMCell in types, f"Layer._flatten_layers skips sublayers: {FIX}"


def test_trainable_saved_model_layer_fine_tunes_with_adam(tmp_path):
    """TFSMLayer._add_existing_weight / Layer._track_variable: the variables the
    endpoint uses are the layer's weights, named without ":", and Adam (slots
    named after the variables) trains them."""
    _signature(keras.layers.TFSMLayer, "_add_existing_weight", [("self", EMPTY), ("weight", EMPTY)])
    _signature(keras.Layer, "_track_variable", [("self", EMPTY), ("variable", EMPTY)])
    from tfxlearn import export

    net = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3), keras.layers.GlobalAveragePooling2D()]
    )
    path = export.export_saved_model(net, tmp_path, model_name="net")
    layer = keras_private.TrainableSavedModelLayer(path, call_endpoint="serving_default")
    assert layer.trainable_weights and not any(":" in w.name for w in layer.weights), FIX
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, layer(inputs)["output"])
    x = np.ones((4, 4, 4, 1), "float32")
    before = model.predict(x, verbose=0)
    model.compile(keras.optimizers.Adam(0.1), "mse")
    model.fit(x, np.zeros((4, 2)), epochs=2, verbose=0)
    assert not np.allclose(model.predict(x, verbose=0), before), f"weights not used: {FIX}"


def test_variables_are_the_weights_plus_the_seed_generator_states():
    """Public replacement of Layer._flatten_layers + Layer._seed_generators in the backup."""
    inner = keras.Sequential(
        [keras.layers.Dropout(0.5), keras.layers.Dense(3), keras.layers.Dropout(0.5)]
    )
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dropout(0.2)])
    states = seed_states(model)
    private = [
        g.state for layer in model._flatten_layers() for g in getattr(layer, "_seed_generators", ())
    ]
    assert len(states) == 3 and {id(v) for v in states} == {id(v) for v in private}, (
        "Layer.variables is no longer Layer.weights plus the SeedGenerator states: "
        "update tfxlearn.training.callbacks.seed_states"
    )
    assert [v.path for v in seed_states(model)] == [v.path for v in states]  # a stable order


# ----------------------------------------------------------------------------- tf.distribute


def test_maybe_merge_call_runs_in_cross_replica_context(two_replica_strategy):
    interim = tf.__internal__.distribute.interim
    assert callable(getattr(interim, "maybe_merge_call", None)), (
        f"tf.__internal__.distribute.interim.maybe_merge_call is gone: {FIX}"
    )
    with two_replica_strategy.scope():
        variable = tf.Variable(0.0)

    def update(distribution, value):
        assert isinstance(distribution, tf.distribute.Strategy)
        distribution.extended.update(variable, lambda v, x: v.assign(x), args=(value,))

    @tf.function
    def step():
        keras_private.cross_replica_call(update, tf.distribute.get_strategy(), tf.constant(3.0))

    two_replica_strategy.run(step)
    values = [float(v) for v in two_replica_strategy.experimental_local_results(variable)]
    assert values == [3.0, 3.0], f"maybe_merge_call no longer updates every replica: {FIX}"


def test_in_multi_worker_mode(two_replica_strategy):
    assert callable(getattr(two_replica_strategy.extended, "_in_multi_worker_mode", None)), (
        f"StrategyExtended._in_multi_worker_mode is gone: {FIX}"
    )
    assert keras_private.in_multi_worker_mode(two_replica_strategy) is False
    assert keras_private.in_multi_worker_mode(tf.distribute.get_strategy()) is False


# ----------------------------------------------------------------------------- TFDS


def test_tfds_registry_is_the_dict_builder_cls_reads():
    assert isinstance(getattr(registered, "_DATASET_REGISTRY", None), dict), (
        f"tensorflow_datasets.core.registered._DATASET_REGISTRY is gone: {FIX}"
    )
    assert tfds.builder_cls("fashion_mnist") is FashionMnist

    class Replacement(FashionMnist, skip_registration=True):
        name = "fashion_mnist"

    try:
        keras_private.register_tfds_builder(Replacement)
        assert tfds.builder_cls("fashion_mnist") is Replacement
    finally:
        keras_private.register_tfds_builder(FashionMnist)
    assert tfds.builder_cls("fashion_mnist") is FashionMnist


# ----------------------------------------------------------------------------- only here

# The grep of issue 22: `grep -rn "<this pattern>" tfxlearn` lists keras_private.py only.
PRIVATE_PATTERN = re.compile(
    r"\._maybe_symbolic_build|_make_function|_symbolic_build|_load_model|_save_model"
    r"|_current_epoch|_last_batch_seen|_flatten_layers|_seed_generators|maybe_merge_call"
    r"|_DATASET_REGISTRY|_add_existing_weight|_track_variable"
)
# Private attributes read or written as attributes (ast), also those outside the grep.
PRIVATE_ATTRIBUTES = {
    "_maybe_symbolic_build",
    "_make_function",
    "_symbolic_build",
    "_load_model",
    "_save_model",
    "_current_epoch",
    "_last_batch_seen",
    "_initial_epoch",
    "_flatten_layers",
    "_seed_generators",
    "_distribute_strategy",
    "_in_multi_worker_mode",
    "_DATASET_REGISTRY",
    "__internal__",
    "_add_existing_weight",
    "_track_variable",
}
OWNER = os.path.join("tfxlearn", "keras_private.py")
# Documented exceptions (keras_private.py's module docstring lists them): none.
EXCEPTIONS: set[str] = set()


def _package_files():
    for directory, _, files in os.walk(os.path.join(REPO, "tfxlearn")):
        for file in sorted(files):
            if file.endswith(".py"):
                path = os.path.join(directory, file)
                yield os.path.relpath(path, REPO), path


def test_private_names_appear_only_in_keras_private():
    hits = []
    for relative, path in _package_files():
        if relative == OWNER or relative in EXCEPTIONS:
            continue
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if PRIVATE_PATTERN.search(line):
                    hits.append(f"{relative}:{number}: {line.strip()}")
    assert not hits, "private Keras/TF/TFDS names outside keras_private.py:\n" + "\n".join(hits)


def test_private_attributes_are_used_only_in_keras_private():
    hits = []
    for relative, path in _package_files():
        if relative == OWNER or relative in EXCEPTIONS:
            continue
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = node.name
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                name = node.value
            if name in PRIVATE_ATTRIBUTES:
                hits.append(f"{relative}:{node.lineno}: {name}")
    assert not hits, "private Keras/TF/TFDS attributes outside keras_private.py:\n" + "\n".join(
        hits
    )
