"""The generator weight average of the adversarial paradigms (`generator_ema`): the
update rule, that sampling / serving use the average and training the live
generator, save / load, a 2-replica run, and bad arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import unit_images

import tfxlearn
from tfxlearn.export import export_saved_model, load_serving_fn


def _nets(latent_dim=4):
    generator = tfxlearn.nets.dcgan_generator(latent_dim, (8, 8, 1), widths=(8, 4))
    discriminator = tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8))
    return generator, discriminator


def _gan(**kwargs):
    model = tfxlearn.paradigms.get("gan")(*_nets(), **kwargs)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-2),
        discriminator_optimizer=keras.optimizers.Adam(1e-2),
    )
    return model


def _split(model):
    trainable = {id(w) for w in model.generator.trainable_weights}
    pairs = list(zip(model.generator_average.weights, model.generator.weights))
    return (
        [(m, w) for m, w in pairs if id(w) in trainable],
        [(m, w) for m, w in pairs if id(w) not in trainable],
    )


def test_average_follows_the_update_rule_step_by_step():
    model = _gan(generator_ema=0.5)
    assert model.generator_average is not model.generator
    for mean, weight in zip(model.generator_average.weights, model.generator.weights):
        np.testing.assert_array_equal(mean.numpy(), weight.numpy())  # starts as a copy
    images = tf.constant(unit_images(16))
    model.train_on_batch(images)  # builds everything
    for _ in range(3):
        before = [m.numpy() for m in model.generator_average.weights]
        model.train_on_batch(images)
        t = int(model.generator_optimizer.iterations.numpy())
        decay = min(0.5, (1 + t) / (10 + t))
        averaged, copied = _split(model)
        index = {id(m): i for i, m in enumerate(model.generator_average.weights)}
        for mean, weight in averaged:
            expected = decay * before[index[id(mean)]] + (1 - decay) * weight.numpy()
            np.testing.assert_allclose(mean.numpy(), expected, rtol=1e-5, atol=1e-6)
        for mean, weight in copied:  # batch-norm statistics: copied
            np.testing.assert_array_equal(mean.numpy(), weight.numpy())
    assert averaged and copied
    # The average lags the trained weights: it is not a second copy of them.
    assert any(not np.allclose(m.numpy(), w.numpy()) for m, w in averaged)


def test_sampling_uses_the_average_and_training_the_generator():
    model = _gan(generator_ema=0.9)
    images = tf.constant(unit_images(16))
    for _ in range(4):
        model.train_on_batch(images)
    latent = tf.random.stateless_normal([5, model.latent_dim], [1, 2])
    np.testing.assert_allclose(
        model.generate(latent).numpy(), model.generator_average(latent, training=False).numpy()
    )
    assert not np.allclose(
        model.generate(latent).numpy(), model.generator(latent, training=False).numpy()
    )
    assert model.sampling_generator(training=True) is model.generator
    np.testing.assert_allclose(  # average=False: the trained generator, same latents
        model.sample(6, seed=3, average=False),
        model.generator(tf.random.stateless_normal([6, model.latent_dim], [3, 7])).numpy(),
        atol=1e-6,
    )
    assert not np.allclose(model.sample(6, seed=3), model.sample(6, seed=3, average=False))
    # Without the option nothing changes: one generator.
    plain = _gan()
    assert plain.generator_average is None and plain.sampling_generator() is plain.generator


def test_the_average_is_saved_loaded_and_served(tmp_path):
    model = _gan(generator_ema=0.9)
    images = tf.constant(unit_images(16))
    for _ in range(3):
        model.train_on_batch(images)
    latent = tf.random.stateless_normal([3, model.latent_dim], [3, 4])
    expected = model.generate(latent).numpy()
    path = str(tmp_path / "gan.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.generator_ema == 0.9
    np.testing.assert_allclose(loaded.generate(latent).numpy(), expected, rtol=1e-6, atol=1e-6)
    served = load_serving_fn(export_saved_model(model, str(tmp_path / "export"), "gan"))
    np.testing.assert_allclose(served(latent=latent)["images"].numpy(), expected, atol=1e-6)


def test_every_adversarial_paradigm_takes_the_option():
    generator, discriminator = _nets(latent_dim=4 + 3)
    cgan = tfxlearn.paradigms.get("conditional_gan")(
        generator, discriminator, num_classes=3, generator_ema=0.99
    )
    latent = tf.zeros([2, 4])
    np.testing.assert_allclose(
        cgan.generate(latent, tf.constant([0, 2])).numpy(),
        cgan.generator_average(tf.concat([latent, tf.one_hot([0, 2], 3)], -1)).numpy(),
    )
    generator, discriminator = _nets(latent_dim=5 + 3 + 1)
    infogan = tfxlearn.paradigms.get("infogan")(
        generator, discriminator, num_categories=3, num_continuous=1, generator_ema=0.99
    )
    assert infogan.generator_average is not None
    assert infogan.get_config()["generator_ema"] == 0.99
    generator, discriminator = _nets()
    sgan = tfxlearn.paradigms.get("sgan")(
        generator, discriminator, num_classes=3, generator_ema=0.99
    )
    assert sgan.generator_average is not None


def test_two_replica_training_keeps_the_average_consistent(two_replica_strategy):
    with two_replica_strategy.scope():
        model = _gan(generator_ema=0.8)
    ds = tf.data.Dataset.from_tensor_slices(unit_images(32)).batch(8)
    before = [m.numpy() for m in model.generator_average.weights]
    model.fit(ds, epochs=1, verbose=0)
    averaged, copied = _split(model)
    index = {id(m): i for i, m in enumerate(model.generator_average.weights)}

    def copies(variable):
        values = [v.numpy() for v in variable.value.values]
        assert len(values) == 2  # mirrored on both replicas
        return values

    for mean, _ in averaged:  # the same average on both replicas, and it moved
        first, second = copies(mean)
        np.testing.assert_allclose(first, second)
    assert any(not np.allclose(copies(m)[0], before[index[id(m)]]) for m, _ in averaged)
    # Batch-norm statistics: Keras keeps each replica's own moving statistics (they
    # differ between the replicas); the average copies each replica's values.
    for mean, weight in copied:
        for got, want in zip(copies(mean), copies(weight)):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1, True])
def test_bad_decay_is_refused(bad):
    with pytest.raises((ValueError, TypeError), match="generator_ema"):
        tfxlearn.paradigms.get("gan")(*_nets(), generator_ema=bad)
