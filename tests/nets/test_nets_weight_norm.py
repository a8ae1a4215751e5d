"""WeightNormDense (Salimans & Kingma, 2016): the formula, scale invariance of the
direction, the data-dependent initialization (once, training only, averaged over
replicas, kept through save / load), bad arguments, and its use in the SGAN nets."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.nets import WeightNormDense


def _inputs(n=64, d=12, seed=0):
    return np.random.default_rng(seed).normal(2.0, 3.0, size=(n, d)).astype("float32")


def _weights(layer):
    return layer.v.numpy(), layer.g.numpy(), layer.b.numpy()


def test_output_is_the_normalized_direction_scaled_by_g_plus_b():
    layer = WeightNormDense(5, activation="relu", data_init=False, init_scale=1.5)
    x = _inputs()
    y = layer(x, training=True).numpy()
    v, g, b = _weights(layer)
    np.testing.assert_allclose(g, 1.5)  # without data_init, g starts at init_scale
    expected = np.maximum(x @ (v / np.linalg.norm(v, axis=0)) * g + b, 0.0)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    # The length of v does not matter, only its direction.
    layer.v.assign(layer.v * 7.0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_data_init_sets_unit_statistics_on_the_first_training_batch_only():
    layer = WeightNormDense(6, init_scale=0.5)
    x = _inputs()
    layer(x, training=False)  # inference never initializes
    assert float(layer.initialized.numpy()) == 0.0
    first = layer(x, training=True).numpy()
    np.testing.assert_allclose(first.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(first.std(axis=0), 0.5, rtol=1e-4)
    assert float(layer.initialized.numpy()) == 1.0
    g, b = layer.g.numpy(), layer.b.numpy()
    # A later batch with other statistics leaves g and b alone.
    layer(x * 3.0 + 1.0, training=True)
    np.testing.assert_array_equal(layer.g.numpy(), g)
    np.testing.assert_array_equal(layer.b.numpy(), b)


def test_data_init_inside_a_compiled_step_and_gradients_reach_every_weight():
    layer = WeightNormDense(4)
    model = keras.Sequential([keras.Input((12,)), layer])
    x = _inputs(seed=1)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x, training=True) ** 2)
        return tape.gradient(loss, model.trainable_variables)

    grads = step(x)
    assert float(layer.initialized.numpy()) == 1.0
    assert [v.name for v in model.trainable_variables] == ["v", "g", "b"]
    assert all(g is not None for g in grads)
    assert float(tf.norm(grads[0])) > 0.0 and float(tf.norm(grads[1])) > 0.0
    y = model(x, training=False).numpy()
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-4)


def test_data_init_under_two_replicas_uses_both_replicas_statistics(two_replica_strategy):
    strategy = two_replica_strategy
    with strategy.scope():
        layer = WeightNormDense(3, init_scale=1.0)
        model = keras.Sequential([keras.Input((12,)), layer])
    # Replica 0 gets the first half of the batch, replica 1 the second: different
    # statistics, so a per-replica initialization would differ from this one.
    x = np.concatenate([_inputs(32, seed=2), _inputs(32, seed=3) * 4.0 - 5.0])
    dataset = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(x).batch(64)
    )

    @tf.function
    def step(batch):
        return strategy.run(lambda b: model(b, training=True), args=(batch,))

    step(next(iter(dataset)))
    assert float(layer.initialized.numpy()) == 1.0
    for var in (layer.g, layer.b):
        replicas = [v.numpy() for v in strategy.experimental_local_results(var.value)]
        assert len(replicas) == 2
        np.testing.assert_array_equal(replicas[0], replicas[1])
    y = model(x, training=False).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-3)


def test_initialized_state_survives_save_and_load(tmp_path):
    model = keras.Sequential([keras.Input((12,)), WeightNormDense(4, activation="tanh")])
    x = _inputs(seed=4)
    model(x, training=True)
    path = os.path.join(tmp_path, "wn.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.layers[0]
    assert isinstance(layer, WeightNormDense)
    assert float(layer.initialized.numpy()) == 1.0
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
    g = layer.g.numpy()
    loaded(x * 10.0, training=True)  # restored as initialized: no second init
    np.testing.assert_array_equal(layer.g.numpy(), g)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "units must be a positive integer"),
        ({"units": 2.0}, "units must be a positive integer"),
        ({"units": 3, "init_scale": 0.0}, "init_scale must be > 0"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WeightNormDense(**kwargs)


def test_weight_normalized_sgan_nets_train_and_initialize():
    disc = tfxlearn.nets.mlp_discriminator((8, 8, 1), hidden=(16, 8), weight_norm=True)
    head = tfxlearn.nets.classifier_head(3, weight_norm=True)
    norm_layers = [
        layer for layer in disc.layers + head.layers if isinstance(layer, WeightNormDense)
    ]
    assert [layer.name for layer in norm_layers] == ["hidden0", "hidden1", "head_logits"]
    assert not any(isinstance(layer, keras.layers.Dense) for layer in disc.layers)
    model = tfxlearn.paradigms.get("sgan")(
        generator=tfxlearn.nets.mlp_generator(latent_dim=4, output_shape=(8, 8, 1), hidden=(8,)),
        discriminator=disc,
        head=head,
        num_classes=3,
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-3),
        discriminator_optimizer=keras.optimizers.Adam(1e-3),
    )
    rng = np.random.default_rng(5)
    images = rng.uniform(size=(32, 8, 8, 1)).astype("float32")
    labels = np.where(np.arange(32) % 4 == 0, np.arange(32) % 3, -1)
    history = model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    assert all(float(layer.initialized.numpy()) == 1.0 for layer in norm_layers)
    # The logits start small (init_scale 0.1) so the first softmax is near uniform.
    assert head.layers[-1].init_scale == pytest.approx(0.1)
