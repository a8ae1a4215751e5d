"""The fully connected semi-supervised-GAN networks (Salimans et al., 2016):
shapes, Gaussian noise only while training, bad arguments, and an SGAN step with them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn


def test_mlp_discriminator_features_and_noise_only_in_training():
    net = tfxlearn.nets.mlp_discriminator((8, 8, 1), hidden=(16, 6), input_noise=0.3, noise=0.5)
    images = np.random.default_rng(0).uniform(size=(5, 8, 8, 1)).astype("float32")
    assert net.output_shape == (None, 6)
    inference = [net(images, training=False).numpy() for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])  # deterministic
    training = [net(images, training=True).numpy() for _ in range(2)]
    assert not np.allclose(training[0], training[1])  # fresh noise on every call
    # The last hidden layer's noise is added after its ReLU: training features can go
    # below zero, inference features cannot.
    assert inference[0].min() >= 0.0 and min(t.min() for t in training) < 0.0


def test_mlp_discriminator_without_noise_is_a_plain_relu_mlp():
    net = tfxlearn.nets.mlp_discriminator((4, 4, 2), hidden=(3,), input_noise=0.0, noise=0.0)
    assert not any(isinstance(layer, keras.layers.GaussianNoise) for layer in net.layers)
    images = np.random.default_rng(1).normal(size=(2, 4, 4, 2)).astype("float32")
    dense = net.get_layer("hidden0")
    kernel, bias = (w.numpy() for w in dense.weights)
    expected = np.maximum(images.reshape(2, -1) @ kernel + bias, 0.0)
    np.testing.assert_allclose(net(images, training=True), expected, rtol=1e-5, atol=1e-6)


def test_mlp_generator_shapes_and_range():
    net = tfxlearn.nets.mlp_generator(latent_dim=7, output_shape=(6, 5, 2), hidden=(9, 4))
    images = net(np.random.default_rng(2).normal(size=(3, 7)).astype("float32"))
    assert images.shape == (3, 6, 5, 2)
    assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 1.0
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in net.layers)
    plain = tfxlearn.nets.mlp_generator(7, (6, 5, 2), hidden=(4,), norm="none")
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)


@pytest.mark.parametrize(
    "factory, kwargs, match",
    [
        ("mlp_discriminator", {"hidden": ()}, "hidden must be a non-empty"),
        ("mlp_discriminator", {"hidden": (4, 0)}, "hidden must be a non-empty"),
        ("mlp_discriminator", {"input_noise": -0.1}, "input_noise must be a standard deviation"),
        ("mlp_discriminator", {"noise": float("nan")}, "noise must be a standard deviation"),
        ("mlp_discriminator", {"input_shape": (8, 8)}, r"input_shape must be \(height"),
        ("mlp_generator", {"latent_dim": 0}, "latent_dim must be >= 1"),
        ("mlp_generator", {"norm": "layer"}, "norm must be one of"),
        ("mlp_generator", {"hidden": (-3,)}, "hidden must be a non-empty"),
    ],
)
def test_bad_arguments_are_refused(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(tfxlearn.nets, factory)(**kwargs)


def test_sgan_trains_with_the_mlp_networks(tmp_path):
    keras.utils.set_random_seed(0)
    model = tfxlearn.paradigms.get("sgan")(
        generator=tfxlearn.nets.mlp_generator(4, (8, 8, 1), hidden=(16,)),
        discriminator=tfxlearn.nets.mlp_discriminator((8, 8, 1), hidden=(16, 8)),
        num_classes=3,
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-3),
        discriminator_optimizer=keras.optimizers.Adam(1e-3),
    )
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(32, 8, 8, 1)).astype("float32")
    labels = np.where(np.arange(32) < 8, np.arange(32) % 3, -1).astype("int32")
    before = [w.numpy().copy() for w in model.discriminator.weights]
    history = model.fit(
        tf.data.Dataset.from_tensor_slices((images, labels)).batch(16), epochs=2, verbose=0
    )
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert any(
        not np.array_equal(a, b.numpy()) for a, b in zip(before, model.discriminator.weights)
    )
    assert model.classify(images).shape == (32, 3)
