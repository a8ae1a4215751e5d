"""SimGAN's own checks: the refiner's and discriminator's terms against closed forms
(local adversarial loss over patch maps, self-regularization L1), the history
returning past refined images with the paper's probability, the self-regularization
weight deciding how far the refiner moves from its input (the "refiner returns its
input unchanged" complaint, measured), clear errors for mismatched domains, and
the refiner served from a SavedModel loaded in a fresh process without tfxlearn."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import unpaired
from tfxlearn.export import export_saved_model
from tfxlearn.nets import patchgan_discriminator, resnet_generator

SHAPE = (8, 8, 1)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _map(kind, name="refiner", shape=SHAPE):
    """A fixed image map: "negate" x -> 1 - x or "identity"."""
    scale, offset = (-1.0, 1.0) if kind == "negate" else (1.0, 0.0)
    return keras.Sequential(
        [keras.Input(shape), keras.layers.Rescaling(scale, offset=offset)], name=name
    )


def _refiner(shape=SHAPE, filters=2):
    return resnet_generator(
        shape, filters=filters, downsamples=0, residual_blocks=1, norm="none", name="refiner"
    )


def _simgan(refiner=None, discriminator=None, **kwargs):
    return tfxlearn.paradigms.get("simgan")(
        refiner=refiner or _refiner(),
        discriminator=discriminator or patchgan_discriminator(SHAPE, widths=(2, 4)),
        **kwargs,
    )


def _images(seed, n=3):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype(np.float32)


def _batches(batch_size=8, steps=1):
    return unpaired.load_unpaired(
        "font_digits/tiny", "digits", batch_size=batch_size, image_size=SHAPE, seed=0
    ).take(steps)


def test_refiner_terms_are_the_patch_mean_log_loss_plus_weighted_l1():
    x = _images(0)
    model = _simgan(_map("negate"), self_regularization=3.0)
    terms = model.refiner_terms(x)
    logits = model.discriminator(1.0 - x).numpy()
    assert logits.shape[1:3] == (4, 4)  # a map of patch scores, not one score per image
    adversarial = _softplus(-logits).mean(axis=(1, 2, 3))
    change = np.abs(1.0 - 2.0 * x).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["adversarial"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(terms["change"], change, rtol=1e-5)
    np.testing.assert_allclose(terms["total"], adversarial + 3.0 * change, rtol=1e-5)
    sigmoid = 1.0 / (1.0 + np.exp(-logits))
    np.testing.assert_allclose(terms["realism"], sigmoid.mean(axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(model.realism(1.0 - x), sigmoid.mean(axis=(1, 2, 3)), rtol=1e-5)
    identity = _simgan(_map("identity")).refiner_terms(x)
    np.testing.assert_allclose(identity["change"], 0.0, atol=1e-7)


def test_discriminator_terms_are_the_patch_mean_cross_entropy():
    real, fake = _images(1), _images(2)
    model = _simgan()
    terms = model.discriminator_terms(real, fake)
    l_real = model.discriminator(real).numpy()
    l_fake = model.discriminator(fake).numpy()
    want = (_softplus(-l_real) + _softplus(l_fake)).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["d"], want, rtol=1e-5)


def test_the_history_returns_past_refined_images_with_the_papers_probability():
    model = _simgan(history_size=16, history_probability=0.5)
    history = model.image_history
    n, past, drawn = 40, 0, 0
    for step in range(12):
        # Images no earlier call has seen: each pixel is its (step, row) code.
        codes = (step * n + np.arange(n) + 1).astype(np.float32)
        images = np.broadcast_to(codes[:, None, None, None], (n, *SHAPE)).copy()
        out = history(images, seed=tf.constant([3, step], tf.int64)).numpy()
        returned = out[:, 0, 0, 0]
        assert np.all(out == returned[:, None, None, None])  # whole images, not mixtures
        if step == 0:  # the first 16 fill the buffer and come back unchanged
            np.testing.assert_array_equal(returned[:16], codes[:16])
            returned, codes = returned[16:], codes[16:]
        past += int(np.sum(returned != codes))
        drawn += len(codes)
        assert np.all(returned[returned != codes] < codes[returned != codes])  # earlier ones
    # Binomial(464, 0.5): sd 0.023 of the share; 4 sd either side.
    assert abs(past / drawn - 0.5) < 0.1, past / drawn


def test_the_step_feeds_the_discriminator_through_the_history():
    model = _simgan(history_size=6)
    model.compile()
    model.train_step(next(iter(_batches(batch_size=4))))
    assert int(model.image_history.stored.numpy()) == 4
    stored = model.image_history.buffer.numpy()[:4]
    assert np.abs(stored).sum() > 0 and stored.min() >= 0.0 and stored.max() <= 1.0


def _train(weight):
    keras.utils.set_random_seed(0)
    model = _simgan(_refiner(filters=4), self_regularization=weight, history_size=16)
    model.compile(
        refiner_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
    )
    data = _batches(batch_size=8, steps=6).cache()
    synthetic = np.concatenate([a.numpy() for a, _ in data])
    before = float(np.mean(np.abs(model.refine(synthetic) - synthetic)))
    model.fit(data.repeat(5), verbose=0)
    return before, float(np.mean(np.abs(model.refine(synthetic) - synthetic)))


def test_the_refiner_changes_its_input_unless_self_regularization_dominates():
    (start, free), (_, tied) = _train(0.1), _train(100.0)
    # A heavy L1 weight pulls the refiner towards the identity; a light one leaves it
    # free to move the pixels towards the real domain.
    assert tied < 0.5 * start, (start, tied)
    # (Measured: 0.43 at the start, 0.29 free, 0.19 tied after 30 steps.)
    assert free > 1.2 * tied and free > 0.02, (start, free, tied)


def test_domains_of_different_shapes_are_refused_without_a_resize():
    with pytest.raises(ValueError, match="differ in size or channel count.*image_size"):
        unpaired.load_unpaired("font_digits/tiny", "digits", batch_size=4)
    model = _simgan()
    model.compile()
    x = _images(3, 4)
    with pytest.raises(ValueError, match="synthetic_images .* real_images .* channel count.*"):
        model.train_step((x, np.zeros((4, 8, 8, 3), np.float32)))
    with pytest.raises(ValueError, match="differ in size.*image_size"):
        model.train_step((x, np.zeros((4, 16, 16, 1), np.float32)))
    with pytest.raises(ValueError, match="one size"):
        model.train_step((x, x[:2]))
    with pytest.raises(ValueError, match="synthetic_images, real_images"):
        model.train_step(x)


def test_mismatched_networks_and_arguments_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        _simgan(resnet_generator(SHAPE, 3, filters=2, downsamples=0, residual_blocks=1))
    with pytest.raises(ValueError, match="discriminator input shape"):
        _simgan(discriminator=patchgan_discriminator((8, 8, 3), widths=(2, 4)))
    with pytest.raises(ValueError, match="self_regularization"):
        _simgan(self_regularization=-1.0)
    with pytest.raises(ValueError, match="refiner_steps"):
        _simgan(refiner_steps=0)
    with pytest.raises(ValueError, match="probability"):
        _simgan(history_probability=1.5)


def test_two_refiner_steps_per_discriminator_step():
    model = _simgan(refiner_steps=2, history_size=4)
    model.compile()
    model.train_step(next(iter(_batches(batch_size=4))))
    assert int(model.refiner_optimizer.iterations.numpy()) == 2
    assert int(model.discriminator_optimizer.iterations.numpy()) == 1


def test_the_refiner_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _simgan()
    x = _images(6)
    path = export_saved_model(model, str(tmp_path), model_name="simgan")
    calls = {"serving_default": {"images": x}}
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)["serving_default"]
    np.testing.assert_allclose(got["refined"], model.refine(x), atol=1e-5)
