import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.paradigms.base import global_batch_noise
from tfxlearn.paradigms.unsupervised.vae import kl_divergence, reparameterize


def _digits(n=256):
    return tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "train").take(n))


def _vae(latent_dim=4, **kwargs):
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16))
    return tfxlearn.paradigms.get("vae")(
        encoder=encoder, latent_dim=latent_dim, decoder_widths=(16, 8), **kwargs
    )


def test_kl_term_equals_the_closed_form():
    mean = np.array([[0.0, 0.0], [1.0, -2.0], [0.5, 3.0]])
    log_variance = np.array([[0.0, 0.0], [np.log(4.0), -1.0], [2.0, -3.0]])
    # By hand: 1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2).
    row1 = 0.5 * ((1 + 4 - 1 - np.log(4.0)) + (4 + np.exp(-1.0) - 1 + 1))
    row2 = 0.5 * ((0.25 + np.exp(2.0) - 1 - 2) + (9 + np.exp(-3.0) - 1 + 3))
    np.testing.assert_allclose(kl_divergence(mean, log_variance), [0.0, row1, row2], rtol=1e-12)
    # Monte-Carlo check of the same KL: E_q[log q(z) - log p(z)].
    rng = np.random.default_rng(0)
    sigma = np.exp(0.5 * log_variance[1])
    z = mean[1] + sigma * rng.normal(size=(200_000, 2))
    log_q = -0.5 * (((z - mean[1]) / sigma) ** 2 + log_variance[1])
    log_p = -0.5 * z**2
    assert abs((log_q - log_p).sum(axis=1).mean() - row1) < 0.03


def test_reparameterisation_has_the_posterior_mean_and_variance():
    n = 50_000
    mean = tf.constant([[2.0, -1.0, 0.0]]) * tf.ones([n, 1])
    log_variance = tf.math.log(tf.constant([[0.25, 4.0, 1.0]])) * tf.ones([n, 1])
    eps = global_batch_noise(tf.constant([0, 1]), n, (3,))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([mean, log_variance])
        z = reparameterize(mean, log_variance, eps)
    np.testing.assert_allclose(z.numpy().mean(axis=0), [2.0, -1.0, 0.0], atol=0.03)
    np.testing.assert_allclose(z.numpy().var(axis=0), [0.25, 4.0, 1.0], rtol=0.03)
    # Differentiable in both: dz/dmean = 1, dz/dlogvar = sigma * eps / 2.
    np.testing.assert_allclose(tape.gradient(z, mean), np.ones([n, 3]))
    expected = 0.5 * tf.exp(0.5 * log_variance) * eps
    np.testing.assert_allclose(tape.gradient(z, log_variance), expected, rtol=1e-6)


def test_loss_is_reconstruction_plus_beta_kl_in_nats_per_image():
    images = tf.constant(_digits(8)[0], tf.float32) / 255.0
    for beta in (0.0, 1.0, 4.0):
        terms = _vae(beta=beta).loss_terms(images, tf.constant([0, 0]))
        np.testing.assert_allclose(
            terms["loss"], terms["reconstruction"] + beta * terms["kl"], rtol=1e-6
        )
        # Summed over the 64 pixels: about 64 * log 2 nats at initialisation.
        assert 20 < float(tf.reduce_mean(terms["reconstruction"])) < 120


def test_negative_elbo_falls_with_training_and_sampling_helpers(tmp_path):
    images, labels = _digits(256)
    keras.utils.set_random_seed(0)
    model = _vae(latent_dim=2)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    ds = tfxlearn.pretext.images(tf.data.Dataset.from_tensor_slices(images).batch(64))
    start = model.negative_elbo(images, batch_size=100)
    model.fit(ds.cache(), epochs=12, verbose=0)
    trained = model.negative_elbo(images, batch_size=100)
    assert np.isfinite(start) and trained > 0 and trained < start - 3.0, (start, trained)
    assert trained == model.negative_elbo(images, batch_size=100)  # seeded
    averaged = model.negative_elbo(images, samples=4, batch_size=100)
    assert abs(averaged - trained) < 0.05 * trained
    logs = model.evaluate(ds, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "reconstruction", "kl"} and logs["kl"] > 0
    samples = model.sample(10, seed=3, batch_size=4)
    assert samples.shape == (10, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples, model.sample(10, seed=3), atol=1e-6)
    assert model.encode(images[:5]).shape == (5, 2)
    assert model.reconstruction_error(images[:5]).shape == (5,)
    out = model.serving_outputs(tf.constant(images[:5], tf.float32) / 255.0)
    assert set(out) == {"embedding", "code", "log_variance", "reconstruction"}
    np.testing.assert_allclose(out["code"], model.encode(images[:5]), atol=1e-5)
    paths = model.plots(str(tmp_path), images.astype(np.float32) / 255.0, labels)
    assert set(paths) == {"reconstructions", "samples", "latent_map"}
    assert all(os.path.getsize(p) > 0 for p in paths.values())
    np.testing.assert_allclose(model.progress_images(4), model.progress_images(4))
    wide = _vae(latent_dim=3)  # more than 2 dimensions: PCA of the means, no manifold
    wide.latent_map(images[:50], labels[:50], str(tmp_path / "map3.png"))
    with pytest.raises(ValueError, match="one label per image"):
        model.latent_map(images, labels[:5], str(tmp_path / "bad.png"))


def test_bad_arguments_are_refused_clearly():
    for latent_dim in (0, -1):
        with pytest.raises(ValueError, match="latent_dim"):
            _vae(latent_dim=latent_dim)
    with pytest.raises(ValueError, match="beta"):
        _vae(beta=-0.5)
    model = _vae()
    images = _digits(4)[0]
    with pytest.raises(ValueError, match="samples"):
        model.negative_elbo(images, samples=0)
    with pytest.raises(ValueError, match="count"):
        model.sample(0)
    with pytest.raises(ValueError, match="height, width, channels"):
        model.negative_elbo(images[:, :, :, 0])
    with pytest.raises(ValueError, match="channel count"):
        model.negative_elbo(np.concatenate([images, images], axis=-1))
