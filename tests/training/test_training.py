import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.training import EpochOrder, NonFiniteLossError, train

RESUME_SCRIPT = r"""
import os, sys
import numpy as np, keras, tensorflow as tf
run_dir, out, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
keras.utils.set_random_seed(0)
tf.config.experimental.enable_op_determinism()
import tfxlearn
from tfxlearn.training import EpochOrder, train

order = EpochOrder(seed=1)
ds = tfxlearn.data.load("digits", "train").take(192)
ds = tfxlearn.pretext.rotation(order.shuffle(ds, 192).batch(32))

class Kill(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == kill_after:
            os._exit(3)  # like a kill -9 right after the epoch's backup

def build():
    keras.utils.set_random_seed(0)  # after the data preparation, which may draw random numbers
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16))
    model = tfxlearn.paradigms.get("rotation")(encoder=encoder)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model

class Count(keras.callbacks.Callback):
    epochs = 0
    def on_epoch_begin(self, epoch, logs=None):
        Count.epochs += 1

callbacks = [order, Count()] + ([Kill()] if kill_after else [])
model, history = train(build, ds, epochs=3, run_dir=run_dir, callbacks=callbacks, verbose=0)
print("epochs run:", Count.epochs)
print("epochs in history:", len(history.history["loss"]))
np.savez(out, *[v.numpy() for v in model.weights])
"""


def _run(script, args, env):
    return subprocess.run(
        [sys.executable, script, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_weights(tmp_path, subprocess_env):
    script = tmp_path / "resume.py"
    script.write_text(RESUME_SCRIPT)
    killed = _run(script, [tmp_path / "a", tmp_path / "a.npz", 1], subprocess_env)
    assert killed.returncode == 3, killed.stderr[-3000:]
    assert os.path.isdir(tmp_path / "a" / "backup" / "state")
    resumed = _run(script, [tmp_path / "a", tmp_path / "a.npz", 0], subprocess_env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "epochs run: 2" in resumed.stdout  # epoch 1 was not redone
    assert "epochs in history: 3" in resumed.stdout  # but it is in the history
    assert not os.path.exists(tmp_path / "a" / "backup")  # removed once training completed
    straight = _run(script, [tmp_path / "b", tmp_path / "b.npz", 0], subprocess_env)
    assert straight.returncode == 0, straight.stderr[-3000:]
    assert "epochs run: 3" in straight.stdout
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert len(a.files) == len(b.files) > 0
    for key in a.files:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6)


def _build():
    model = tfxlearn.paradigms.get("rotation")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8))
    )
    model.compile(optimizer="adam")
    return model


def _digits_rotation(n=64, batch=16):
    return tfxlearn.pretext.rotation(tfxlearn.data.load("digits", "train").take(n).batch(batch))


def test_non_finite_loss_stops_with_step_and_keeps_last_good_state(tmp_path):
    factor = tf.Variable(1.0)
    poisoned = _digits_rotation().map(lambda x, y: (x * factor, y))

    class PoisonSecondEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            factor.assign(np.nan if epoch == 1 else 1.0)

    with pytest.raises(NonFiniteLossError, match=r"epoch 2, step 1;.*end of epoch 1"):
        train(
            _build,
            poisoned,
            epochs=3,
            run_dir=str(tmp_path),
            verbose=0,
            callbacks=[PoisonSecondEpoch()],
        )
    state = tmp_path / "backup" / "state"
    assert '"epoch": 1' in (state / "training_metadata.json").read_text()
    model = _build()
    model(np.zeros((1, 8, 8, 1), np.float32))
    model.load_weights(state / "latest.weights.h5")
    assert all(np.isfinite(w.numpy()).all() for w in model.weights)


def test_training_writes_tensorboard_and_history(tmp_path):
    model, history = train(_build, _digits_rotation(), epochs=2, run_dir=str(tmp_path), verbose=0)
    assert len(history.history["loss"]) == 2 and "accuracy" in history.history
    assert os.listdir(tmp_path / "tensorboard")
    assert (tmp_path / "history.csv").read_text().count("\n") == 3


def test_empty_dataset_is_refused(tmp_path):
    empty = _digits_rotation().take(0)
    with pytest.raises(ValueError, match="empty"):
        train(_build, empty, epochs=1, run_dir=str(tmp_path))
    filtered = _digits_rotation().filter(lambda x, y: False)  # unknown cardinality
    with pytest.raises(ValueError, match="empty"):
        train(_build, filtered, epochs=1, run_dir=str(tmp_path))


def test_batch_smaller_than_replica_count_is_refused(tmp_path, two_replica_strategy):
    one = tf.data.Dataset.from_tensor_slices((np.zeros((1, 8, 8, 1), np.float32), [0])).batch(1)
    with pytest.raises(ValueError, match=r"batch holds 1 example.*2 replicas"):
        train(_build, one, epochs=1, run_dir=str(tmp_path), strategy=two_replica_strategy)


def test_epoch_order_depends_only_on_seed_and_epoch():
    def order_at(epoch, seed=3):
        keeper = EpochOrder(seed=seed)
        keeper.on_epoch_begin(epoch)
        ds = keeper.shuffle(tf.data.Dataset.range(50), 50)
        assert ds.cardinality() == 50
        return list(ds.as_numpy_iterator())

    assert order_at(2) == order_at(2)
    assert order_at(1) != order_at(2)
    assert sorted(order_at(1)) == list(range(50))
    assert order_at(1, seed=4) != order_at(1)


def test_model_built_inside_the_strategy_scope(tmp_path, two_replica_strategy):
    model, _ = train(
        _build,
        _digits_rotation(),
        epochs=1,
        run_dir=str(tmp_path),
        strategy=two_replica_strategy,
        verbose=0,
    )
    assert model.distribute_strategy is two_replica_strategy
    assert isinstance(model.trainable_variables[0].value, tf.distribute.DistributedValues) or (
        keras.backend.backend() == "tensorflow"
    )


def _split_batch_norm_model():
    """A batch-norm-only model (no moving-average smoothing) and one global batch of
    4 whose first half (replica 0 of 2) is all 0 and second half all 10."""
    inputs = keras.Input((1, 1, 1))
    bn = keras.layers.BatchNormalization(momentum=0.0)
    model = keras.Model(inputs, bn(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([0.0, 0.0, 10.0, 10.0], np.float32).reshape(4, 1, 1, 1)
    return model, bn, tf.data.Dataset.from_tensors((x, np.zeros_like(x)))


def _copies(variable):
    return [float(np.squeeze(c.numpy())) for c in variable.value.values]


def test_driver_averages_replica_batch_norm_statistics(tmp_path, two_replica_strategy):
    # Keras 3 lets each replica update its own copy of the moving statistics and
    # reads the first; the driver averages them before every checkpoint.
    with two_replica_strategy.scope():
        plain, plain_bn, ds = _split_batch_norm_model()
    plain.fit(ds, epochs=1, verbose=0, shuffle=False)
    assert _copies(plain_bn.moving_mean) == [0.0, 10.0]  # the Keras behaviour worked around

    def build():
        return _split_batch_norm_model()[0]

    model, _ = train(
        build, ds, epochs=1, run_dir=str(tmp_path), strategy=two_replica_strategy, verbose=0
    )
    (bn,) = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert _copies(bn.moving_mean) == [5.0, 5.0]
    assert float(np.squeeze(bn.moving_mean.numpy())) == 5.0
    # The final checkpoint holds the averaged value too.
    fresh = build()
    fresh(np.zeros((1, 1, 1, 1), np.float32))
    tfxlearn.training.callbacks.load_state(fresh, str(tmp_path / "trained"))
    assert float(np.squeeze(fresh.layers[-1].moving_mean.numpy())) == 5.0


def test_export_serves_the_mean_of_the_replica_statistics(tmp_path, two_replica_strategy):
    with two_replica_strategy.scope():
        model, bn, ds = _split_batch_norm_model()
    model.fit(ds, epochs=1, verbose=0, shuffle=False)  # a user's own fit under the strategy
    assert _copies(bn.moving_mean) == [0.0, 10.0]
    path = tfxlearn.export.export_saved_model(model, str(tmp_path), "bn")
    assert _copies(bn.moving_mean) == [5.0, 5.0]
    served = tf.saved_model.load(path).signatures["serving_default"]
    x = np.array([5.0, 7.0], np.float32).reshape(2, 1, 1, 1)
    (out,) = served(images=tf.constant(x)).values()
    # Both halves were constant: moving variance 0, so y = (x - mean) / sqrt(eps).
    np.testing.assert_allclose(out.numpy().ravel(), [0.0, 2.0 / np.sqrt(1e-3)], rtol=1e-4)


def test_average_replica_statistics_bad_input_and_no_strategy():
    from tfxlearn.distribute import average_replica_statistics

    with pytest.raises(TypeError, match="keras.Layer"):
        average_replica_statistics("not a model")
    model, _, _ = _split_batch_norm_model()
    model(np.zeros((1, 1, 1, 1), np.float32))
    assert average_replica_statistics(model) == 0  # one copy: nothing to average


def test_average_replica_statistics_refuses_replica_context(two_replica_strategy):
    from tfxlearn.distribute import average_replica_statistics

    with two_replica_strategy.scope():
        model, _, _ = _split_batch_norm_model()
        model(np.zeros((1, 1, 1, 1), np.float32))
    with pytest.raises(RuntimeError, match="cross-replica context"):
        two_replica_strategy.run(lambda: average_replica_statistics(model))


class StagedModel(keras.Model):
    """A model whose first stage fits a part of it, recording each epoch's batches."""

    def __init__(self):
        super().__init__(name="staged")
        self.part = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        self.part.compile(optimizer="sgd", loss="mse")
        self.seen = []

    def call(self, x):
        return self.part(x)

    def stage(self, data, epochs=1, **fit_kwargs):
        seen = self.seen

        class Record(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                seen.append([int(x[0, 0]) for x, _ in data])

        callbacks = [*fit_kwargs.get("callbacks", []), Record()]
        self.part.fit(data, epochs=epochs, callbacks=callbacks, shuffle=False, verbose=0)

    def stage_without_callbacks(self, data, epochs=1):
        self.stage(data, epochs=epochs)


@pytest.mark.parametrize("method", ["stage", "stage_without_callbacks"])
def test_first_stage_epochs_each_get_their_own_order_when_the_stage_takes_callbacks(method):
    from tfxlearn.training.callbacks import FirstStage

    order = EpochOrder(seed=3)
    values = tf.data.Dataset.range(16).map(lambda i: (tf.fill([1], tf.cast(i, tf.float32)), 0.0))
    data = order.shuffle(values, 16).batch(1)
    model = StagedModel()
    model.compile(optimizer="sgd", loss="mse")
    stage = FirstStage(data, method, order=order, epochs=3)
    model.fit(data.take(1), epochs=1, callbacks=[order, stage], shuffle=False, verbose=0)
    first, second, third = model.seen
    assert sorted(first) == list(range(16))
    if method == "stage":
        assert first != second and second != third  # a new order each stage epoch
    else:  # no way to hand it the order: every stage epoch sees epoch 0's
        assert first == second == third


def _ran_out_warnings(ds, steps_per_epoch):
    import warnings

    from tfxlearn.training.driver import unknown_length_allowed

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with unknown_length_allowed(ds, steps_per_epoch):
            model.fit(ds, epochs=2, steps_per_epoch=steps_per_epoch, verbose=0)
    return [w for w in caught if "ran out of data" in str(w.message)]


def test_an_input_of_unknown_length_ends_its_epoch_without_a_warning():
    ds = tf.data.Dataset.from_tensor_slices((tf.ones((8, 2)), tf.ones((8, 1))))
    unknown = ds.filter(lambda x, y: True).batch(2)  # e.g. a text op's windows
    assert int(unknown.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY)
    assert _ran_out_warnings(unknown, None) == []
    # a steps_per_epoch the data cannot fill is a real mistake: still warned
    assert _ran_out_warnings(unknown, 10)
