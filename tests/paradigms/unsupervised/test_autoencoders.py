import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.paradigms.base_autoencoder import reconstruction_loss_values
from tfxlearn.paradigms.unsupervised.denoising_autoencoder import corrupt
from tfxlearn.paradigms.unsupervised.sparse_autoencoder import kl_sparsity, sparsity_penalty


def _digits(n=256):
    images, _ = tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "train").take(n))
    return images


def _encoder(norm="batch"):
    return tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16), norm=norm)


def _model(name, **kwargs):
    kwargs.setdefault("latent_dim", 6)
    kwargs.setdefault("decoder_widths", (16, 8))
    return tfxlearn.paradigms.get(name)(encoder=_encoder(), **kwargs)


def _fit(model, images, epochs, lr=3e-3, batch=64):
    ds = tfxlearn.pretext.images(tf.data.Dataset.from_tensor_slices(images).batch(batch))
    model.compile(optimizer=keras.optimizers.Adam(lr))
    model.fit(ds.cache(), epochs=epochs, verbose=0)
    return model


# --- denoising ---------------------------------------------------------------------------


def test_masking_noise_zeroes_the_requested_fraction_of_each_image():
    ones = tf.ones([6, 8, 8, 1])
    masked = corrupt(ones, "masking", 0.25, tf.constant([3, 4])).numpy()
    assert (masked.reshape(6, -1) == 0).sum(axis=1).tolist() == [16] * 6  # round(0.25 * 64)
    assert set(np.unique(masked)) == {0.0, 1.0}
    assert len({masked[i].tobytes() for i in range(6)}) == 6  # each image its own positions
    np.testing.assert_array_equal(masked, corrupt(ones, "masking", 0.25, tf.constant([3, 4])))
    assert not np.array_equal(masked, corrupt(ones, "masking", 0.25, tf.constant([3, 5])))
    # Salt and pepper: the same number of components, set to 0 or 1.
    grey = tf.fill([400, 8, 8, 1], 0.5)
    noisy = corrupt(grey, "salt_and_pepper", 0.5, tf.constant([1, 2])).numpy().reshape(400, -1)
    assert ((noisy != 0.5).sum(axis=1) == 32).all()
    assert abs((noisy == 1.0).mean() - 0.25) < 0.02 and abs((noisy == 0.0).mean() - 0.25) < 0.02
    # Gaussian: additive, unclipped, with the requested standard deviation.
    gaussian = corrupt(grey, "gaussian", 0.3, tf.constant([1, 2])).numpy() - 0.5
    assert abs(gaussian.mean()) < 0.01 and abs(gaussian.std() - 0.3) < 0.01
    assert gaussian.max() > 0.5  # not clipped to [0, 1]


def test_denoising_target_is_the_clean_image():
    images = tf.constant(_digits(8), tf.float32) / 255.0
    model = _model("denoising_autoencoder", noise="masking", noise_level=0.5)
    seed = tf.constant([0, 5])
    terms = model.loss_terms(images, seed)
    corrupted = corrupt(images, "masking", 0.5, seed)
    logits = model.decoder(model.codes(corrupted))
    np.testing.assert_allclose(terms["reconstruction"], reconstruction_loss_values(images, logits))
    against_noisy = reconstruction_loss_values(corrupted, logits)
    assert np.abs(terms["reconstruction"] - against_noisy).max() > 1e-3
    # The clean input is not what the encoder saw.
    clean_logits = model.decoder(model.codes(images))
    assert np.abs(reconstruction_loss_values(images, clean_logits) - terms["loss"]).max() > 1e-4


# --- sparse ------------------------------------------------------------------------------


def test_sparsity_penalties_match_their_closed_forms():
    rho = 0.05
    rho_hat = np.array([0.01, 0.05, 0.3, 0.9])
    want = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    np.testing.assert_allclose(kl_sparsity(rho, rho_hat), want, rtol=1e-6, atol=1e-12)
    assert float(kl_sparsity(rho, rho)) == pytest.approx(0.0, abs=1e-9)
    codes = np.random.default_rng(0).uniform(size=(10, 4)).astype(np.float32)
    mean = codes.mean(axis=0).astype(np.float64)
    kl = rho * np.log(rho / mean) + (1 - rho) * np.log((1 - rho) / (1 - mean))
    np.testing.assert_allclose(sparsity_penalty(codes, rho, "kl"), kl.sum(), rtol=1e-5)
    np.testing.assert_allclose(
        sparsity_penalty(codes, rho, "l1"), np.abs(mean - rho).sum(), rtol=1e-5
    )
    assert np.isfinite(float(sparsity_penalty(np.ones((3, 2), np.float32), rho, "kl")))


def test_sparse_penalty_drives_mean_activation_to_rho():
    images = _digits(256)
    floats = tf.constant(images, tf.float32) / 255.0
    trained, inference = {}, {}
    for weight in (0.0, 0.3):
        keras.utils.set_random_seed(0)
        model = _model("sparse_autoencoder", rho=0.05, sparsity_weight=weight)
        _fit(model, images, epochs=30, lr=1e-2, batch=32)
        # Batch statistics, as in training (what the penalty sees) ...
        trained[weight] = model.codes(floats, training=True).numpy().mean(axis=0)
        # ... and batch norm's moving statistics (what the evaluation sees).
        inference[weight] = float(model.encode(images).mean())
    assert np.abs(trained[0.3] - 0.05).max() < 0.01, trained  # every unit, not only on average
    assert abs(trained[0.0].mean() - 0.05) > 0.2, trained
    assert inference[0.3] < 0.12 < 0.3 < inference[0.0], inference
    # The penalty enters the loss with its weight.
    terms = model.loss_terms(tf.constant(images[:32], tf.float32) / 255.0, tf.constant([0, 0]))
    np.testing.assert_allclose(
        terms["loss"], terms["reconstruction"] + 0.3 * terms["sparsity"], rtol=1e-6
    )


# --- shared helpers ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["autoencoder", "denoising_autoencoder", "sparse_autoencoder"])
def test_fit_lowers_the_loss_and_helpers_have_the_right_shapes(name, tmp_path):
    images = _digits(128)
    model = _model(name)
    ds = tfxlearn.pretext.images(tf.data.Dataset.from_tensor_slices(images).batch(64))
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(ds, verbose=0, return_dict=True)
    model.fit(ds.cache(), epochs=8, verbose=0)
    after = model.evaluate(ds, verbose=0, return_dict=True)
    assert after["reconstruction"] < before["reconstruction"]
    codes = model.encode(images[:10], batch_size=4)
    assert codes.shape == (10, 6)
    recon = model.reconstruct(images[:10], batch_size=4)
    assert recon.shape == (10, 8, 8, 1) and recon.min() >= 0 and recon.max() <= 1
    np.testing.assert_allclose(
        model.reconstruct(images[:10].astype(np.float32) / 255.0), recon, atol=1e-6
    )
    errors = model.reconstruction_error(images[:10], batch_size=3)
    floats = images[:10].astype(np.float64) / 255.0
    np.testing.assert_allclose(errors, ((recon - floats) ** 2).mean(axis=(1, 2, 3)), rtol=1e-4)
    out = model.serving_outputs(tf.constant(floats, tf.float32))
    assert set(out) == {"embedding", "code", "reconstruction"}
    np.testing.assert_allclose(out["code"], codes, atol=1e-5)
    path = model.reconstructions_png(images[:6], str(tmp_path / "r.png"))
    assert (tmp_path / "r.png").stat().st_size > 0 and path.endswith("r.png")
    if name == "denoising_autoencoder":
        assert set(model.reconstruction_rows(floats[:2].astype(np.float32))) == {
            "input",
            "corrupted",
            "reconstruction",
        }


def test_bad_arguments_are_refused_clearly():
    cases = [
        ("autoencoder", {"latent_dim": 0}, "latent_dim"),
        ("autoencoder", {"latent_dim": -3}, "latent_dim"),
        ("autoencoder", {"latent_dim": 2.5}, "latent_dim"),
        ("autoencoder", {"reconstruction_loss": "l2"}, "reconstruction_loss"),
        ("denoising_autoencoder", {"noise": "pepper"}, "noise must be"),
        ("denoising_autoencoder", {"noise": "masking", "noise_level": 1.0}, r"\[0, 1\)"),
        ("denoising_autoencoder", {"noise": "masking", "noise_level": -0.1}, "noise_level"),
        ("denoising_autoencoder", {"noise": "gaussian", "noise_level": -1}, ">= 0"),
        ("sparse_autoencoder", {"rho": 0.0}, r"rho .* \(0, 1\)"),
        ("sparse_autoencoder", {"rho": 1.0}, "rho"),
        ("sparse_autoencoder", {"sparsity": "l1", "rho": -0.1}, r"\[0, 1\)"),
        ("sparse_autoencoder", {"sparsity_weight": -1.0}, "sparsity_weight"),
        ("sparse_autoencoder", {"sparsity": "l2"}, "sparsity must be"),
        ("sparse_autoencoder", {"code_activation": "relu"}, "sigmoid"),
        ("autoencoder", {"decoder": tfxlearn.nets.dense_decoder(5, (8, 8, 1))}, r"\[batch, 6\]"),
        ("autoencoder", {"decoder": tfxlearn.nets.dense_decoder(6, (4, 4, 1))}, "output shape"),
        ("autoencoder", {"decoder_widths": (8, 8, 8, 8)}, "divisible"),
    ]
    for name, kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            _model(name, **kwargs)
    # L1 with rho = 0 is the classic L1 activity penalty.
    assert _model("sparse_autoencoder", sparsity="l1", rho=0.0).code_activation == "relu"
    spatial = tfxlearn.nets.conv_encoder((None, None, 1), widths=(4,))
    with pytest.raises(ValueError, match="fixed input shape"):
        tfxlearn.paradigms.get("autoencoder")(encoder=spatial)
    model = _model("autoencoder")
    with pytest.raises(ValueError, match="batch_size"):
        model.encode(_digits(4), batch_size=0)
    with pytest.raises(ValueError, match="channel count"):
        model.reconstruct(np.zeros((2, 8, 8, 3), np.float32))
