"""Conditional GAN: the label conditions both players (one-hot into G, projection
in D), which variables each step updates, label checks and bad inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import unit_images

import tfxlearn
from tfxlearn.paradigms.base_gan import check_class_ids

CLASSES, NOISE = 5, 4


def _cgan(noise=NOISE, classes=CLASSES, **kwargs):
    generator = tfxlearn.nets.dcgan_generator(noise + classes, (8, 8, 1), widths=(8, 4))
    discriminator = tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8))
    return tfxlearn.paradigms.get("conditional_gan")(
        generator, discriminator, num_classes=classes, **kwargs
    )


def _batch(n=8, seed=0):
    return unit_images(n, seed=seed), (np.arange(n) % CLASSES).astype(np.int32)


def test_generator_output_depends_on_the_label():
    model = _cgan()
    latent = np.random.default_rng(0).normal(size=(1, NOISE)).astype(np.float32)
    latent = np.repeat(latent, CLASSES, axis=0)
    images = model.generate(latent, np.arange(CLASSES)).numpy()
    for a in range(CLASSES):
        for b in range(a + 1, CLASSES):
            assert np.abs(images[a] - images[b]).max() > 1e-6
    np.testing.assert_allclose(model.generate(latent[:2], [3, 3]).numpy()[0], images[3], atol=1e-6)
    assert model.latent_dim == NOISE


def test_projection_discriminator_matches_a_hand_computation():
    model = _cgan()
    images, labels = _batch(6)
    logits = model((images, labels)).numpy()
    features = model.discriminator(images, training=False).numpy()
    table = model.embedding.embeddings.numpy()
    head = model.head(features).numpy()[:, 0]
    np.testing.assert_allclose(
        logits, head + np.sum(table[labels] * features, axis=1), rtol=1e-5, atol=1e-5
    )
    other = model((images, (labels + 1) % CLASSES)).numpy()
    assert np.abs(other - logits).max() > 1e-6  # the label changes D's verdict


def test_sample_defaults_to_balanced_labels():
    model = _cgan()
    samples = model.sample(12, seed=2, batch_size=5)
    assert samples.shape == (12, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1
    latent = tf.random.stateless_normal([12, NOISE], [2, 7])
    want = model.generate(latent, np.arange(12) % CLASSES).numpy()
    np.testing.assert_allclose(samples, want, atol=1e-6)
    chosen = model.sample(3, seed=2, labels=[4, 4, 4])
    np.testing.assert_allclose(chosen[0], model.generate(latent[:1], [4])[0], atol=1e-6)
    grid = model.progress_images()
    assert grid.shape == (CLASSES * (64 // CLASSES), 8, 8, 1)
    np.testing.assert_array_equal(grid, model.progress_images())


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
def test_train_step_updates_each_player_only_with_its_own_optimizer(frozen):
    model = _cgan()
    images, labels = _batch()
    model((images[:2], labels[:2]))
    g_vars, d_vars = model.player_variables("generator"), model.player_variables("discriminator")
    assert {id(v) for v in model.embedding.trainable_weights} <= {id(v) for v in d_vars}
    assert {id(v) for v in g_vars + d_vars} == {id(v) for v in model.trainable_weights}
    g_before = [v.numpy().copy() for v in g_vars]
    d_before = [v.numpy().copy() for v in d_vars]
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0 if frozen == "generator" else 0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.0 if frozen == "discriminator" else 0.1),
    )
    model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(8), verbose=0)
    g_same = [np.array_equal(b, v.numpy()) for b, v in zip(g_before, g_vars)]
    d_same = [np.array_equal(b, v.numpy()) for b, v in zip(d_before, d_vars)]
    if frozen == "generator":
        assert all(g_same) and not any(d_same)
    else:
        assert all(d_same) and not any(g_same)


def test_labels_outside_the_class_count_are_refused():
    model = _cgan()
    images, labels = _batch(4)
    latent = np.zeros((2, NOISE), np.float32)
    for bad in ([0, CLASSES], [-1, 0]):
        with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 5\)"):
            model.generate(latent, bad)
        with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 5\)"):
            model.sample(2, labels=bad)
    with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 5\)"):
        model((images, labels + CLASSES))
    # Inside compiled code the same message comes from a tf.debugging assertion.
    generate = tf.function(lambda z, y: model.generate(z, y))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids in \[0, 5\)"):
        generate(tf.constant(latent), tf.constant([1, CLASSES]))
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
    )
    bad = tf.data.Dataset.from_tensor_slices((images, labels + CLASSES)).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids in \[0, 5\)"):
        model.fit(bad, verbose=0)
    with pytest.raises(ValueError, match="integer class ids"):
        check_class_ids(np.array([0.0, 1.0]), CLASSES)
    with pytest.raises(ValueError, match=r"vector \[batch\]"):
        check_class_ids(np.array([[0, 1]]), CLASSES)


def test_bad_construction_and_inputs_are_refused():
    for classes in (1, 0):
        with pytest.raises(ValueError, match="num_classes must be >= 2"):
            _cgan(classes=classes)
    with pytest.raises(ValueError, match="needs at least 1"):
        _cgan(noise=0)
    with pytest.raises(ValueError, match="embedding must map class ids"):
        _cgan(embedding=keras.layers.Embedding(CLASSES, 3))
    model = _cgan()
    images, labels = _batch(4)
    with pytest.raises(ValueError, match="one entry per example"):
        model((images, labels[:3]))
    with pytest.raises(ValueError, match=r"latent must be \[batch, 4\]"):
        model.generate(np.zeros((2, NOISE + CLASSES), np.float32), [0, 1])
    with pytest.raises(ValueError, match="labels must hold count=3"):
        model.sample(3, labels=[0, 1])
    model.compile()
    with pytest.raises(ValueError, match="class_labels"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(4), verbose=0)
