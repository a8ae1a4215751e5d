"""CycleGAN's own checks: the cycle and identity terms against closed forms
(zero for inverse generators), the histories fed in the step, clear errors for
mismatched domains, training lowering the losses, and both translation
directions served from a SavedModel loaded in a fresh process without tfxlearn."""

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


def _batches(batch_size=4, steps=1):
    return unpaired.load_unpaired(
        "font_digits/tiny", "digits", batch_size=batch_size, image_size=SHAPE, seed=0
    ).take(steps)


def _map(kind, name, shape=SHAPE):
    """A fixed image map: "negate" x -> 1 - x (its own inverse) or "identity"."""
    scale, offset = (-1.0, 1.0) if kind == "negate" else (1.0, 0.0)
    return keras.Sequential(
        [keras.Input(shape), keras.layers.Rescaling(scale, offset=offset)], name=name
    )


def _cycle_gan(g_ab=None, g_ba=None, shape_b=SHAPE, **kwargs):
    return tfxlearn.paradigms.get("cycle_gan")(
        generator_ab=g_ab or resnet_generator(SHAPE, filters=2, downsamples=1, residual_blocks=1),
        generator_ba=g_ba
        or resnet_generator(shape_b, output_channels=SHAPE[-1], filters=2, downsamples=1),
        discriminator_a=patchgan_discriminator(SHAPE, widths=(2, 4), name="d_a"),
        discriminator_b=patchgan_discriminator(shape_b, widths=(2, 4), name="d_b"),
        **kwargs,
    )


def _images(seed, n=3):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype(np.float32)


def test_cycle_and_identity_terms_are_zero_for_inverse_identity_free_generators():
    a, b = _images(0), _images(1)
    model = _cycle_gan(_map("negate", "g_ab"), _map("negate", "g_ba"))
    terms = model.generator_terms(a, b)
    np.testing.assert_allclose(terms["cycle"], 0.0, atol=1e-6)  # F(G(a)) = a
    # G(b) = 1 - b: the identity term is the mean |1 - 2b| of each image, both ways.
    want = np.abs(1 - 2 * b).mean(axis=(1, 2, 3)) + np.abs(1 - 2 * a).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["identity"], want, rtol=1e-5)
    identity = _cycle_gan(_map("identity", "g_ab"), _map("identity", "g_ba"))
    terms = identity.generator_terms(a, b)
    np.testing.assert_allclose(terms["cycle"], 0.0, atol=1e-7)
    np.testing.assert_allclose(terms["identity"], 0.0, atol=1e-7)


def test_cycle_term_of_generators_that_are_not_inverse():
    a, b = _images(2), _images(3)
    model = _cycle_gan(_map("negate", "g_ab"), _map("identity", "g_ba"))
    terms = model.generator_terms(a, b)
    # F(G(a)) = 1 - a and G(F(b)) = 1 - b.
    want = np.abs(1 - 2 * a).mean(axis=(1, 2, 3)) + np.abs(1 - 2 * b).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["cycle"], want, rtol=1e-5)
    scores_b = model.discriminator_b(1.0 - a).numpy()
    scores_a = model.discriminator_a(b).numpy()
    adversarial = ((scores_b - 1) ** 2).mean(axis=(1, 2, 3)) + ((scores_a - 1) ** 2).mean(
        axis=(1, 2, 3)
    )
    np.testing.assert_allclose(terms["adversarial"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(
        terms["total"], adversarial + 10.0 * want + 5.0 * terms["identity"].numpy(), rtol=1e-5
    )


def test_the_step_feeds_the_discriminators_through_the_histories():
    model = _cycle_gan(history_size=6)
    model.compile()
    batch = next(iter(_batches(batch_size=4)))
    model.train_step(batch)
    assert int(model.history_a.stored.numpy()) == 4 and int(model.history_b.stored.numpy()) == 4
    # The stored fakes are the generators' outputs of that step (before their update
    # they were F(b) and G(a); after it they differ only by one step).
    stored = model.history_b.buffer.numpy()[:4]
    assert np.abs(stored).sum() > 0 and stored.min() >= 0.0 and stored.max() <= 1.0


def test_training_lowers_the_cycle_loss():
    keras.utils.set_random_seed(0)
    model = _cycle_gan(history_size=8)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
    )
    data = _batches(batch_size=8, steps=8).cache()
    before = model.evaluate(data, verbose=0, return_dict=True)
    model.fit(data.repeat(4), verbose=0)
    after = model.evaluate(data, verbose=0, return_dict=True)
    assert after["cycle_l1"] < 0.7 * before["cycle_l1"], (before, after)
    assert after["g_loss"] < before["g_loss"], (before, after)


def test_domains_of_different_shapes_are_refused_without_a_resize():
    with pytest.raises(ValueError, match="differ in size or channel count.*image_size"):
        unpaired.load_unpaired("font_digits/tiny", "digits", batch_size=4)
    a = tf.data.Dataset.from_tensor_slices({"image": np.zeros((8, 8, 8, 1), np.uint8)})
    b = tf.data.Dataset.from_tensor_slices({"image": np.zeros((8, 8, 8, 3), np.uint8)})
    with pytest.raises(ValueError, match="channel count.*image_size"):
        unpaired.unpaired_batches(a, b, batch_size=4)
    with pytest.raises(ValueError, match="unbatched"):
        unpaired.unpaired_batches(a.batch(2), a, batch_size=4)


def test_mismatched_networks_and_batches_are_refused():
    with pytest.raises(ValueError, match="generator_ba output shape"):
        _cycle_gan(g_ba=resnet_generator(SHAPE, output_channels=3, filters=2, downsamples=1))
    with pytest.raises(ValueError, match="identity_weight"):
        _cycle_gan(shape_b=(8, 8, 3), g_ab=resnet_generator(SHAPE, 3, filters=2, downsamples=1))
    other = _cycle_gan(
        shape_b=(8, 8, 3),
        g_ab=resnet_generator(SHAPE, 3, filters=2, downsamples=1),
        identity_weight=0,
    )
    assert other.translate(_images(4), "a_to_b").shape == (3, 8, 8, 3)
    model = _cycle_gan()
    model.compile()
    a = _images(5, 4)
    with pytest.raises(ValueError, match="images_b channel count"):
        model.train_step((a, np.zeros((4, 8, 8, 3), np.float32)))
    with pytest.raises(ValueError, match="one size"):
        model.train_step((a, a[:2]))
    with pytest.raises(ValueError, match="images_a, images_b"):
        model.train_step(a)
    with pytest.raises(ValueError, match="direction"):
        model.translate(a, "b_to_c")
    with pytest.raises(ValueError, match="cycle_weight"):
        _cycle_gan(cycle_weight=-1.0)


def test_both_directions_load_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _cycle_gan()
    a, b = _images(6), _images(7)
    path = export_saved_model(model, str(tmp_path), model_name="cycle_gan")
    calls = {
        "serving_default": {"images": a},
        "a_to_b": {"images": a},
        "b_to_a": {"images": b},
    }
    got = {
        key: outputs["translated"]
        for key, outputs in fresh_process_outputs(path, calls, subprocess_env, tmp_path).items()
    }
    np.testing.assert_allclose(got["serving_default"], model.translate(a, "a_to_b"), atol=1e-5)
    np.testing.assert_allclose(got["a_to_b"], model.translate(a, "a_to_b"), atol=1e-5)
    np.testing.assert_allclose(got["b_to_a"], model.translate(b, "b_to_a"), atol=1e-5)
    round_trip = model.reconstruct(a, "a_to_b")
    np.testing.assert_allclose(
        round_trip, model.translate(model.translate(a, "a_to_b"), "b_to_a"), atol=1e-6
    )
