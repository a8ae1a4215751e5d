"""pix2pix's own checks: the PatchGAN's output size at 28x28, the loss terms against
closed forms (an undecided discriminator, a fixed generator), the L1-only ablation
leaving the discriminator untouched, clear errors for mismatched nets, training
lowering the L1, and the SavedModel (edges -> translated) loaded in a fresh process
without tfxlearn."""

import keras
import numpy as np
import pytest
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.export import export_saved_model
from tfxlearn.nets import patchgan_discriminator, unet_generator

SHAPE = (8, 8, 1)


def _pix2pix(generator=None, discriminator=None, **kwargs):
    return tfxlearn.paradigms.get("pix2pix")(
        generator=generator or unet_generator(SHAPE, widths=(2, 4)),
        discriminator=discriminator or patchgan_discriminator((8, 8, 2), widths=(2, 4)),
        **kwargs,
    )


def _images(seed, n=3, shape=SHAPE):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


def _identity(shape=SHAPE, name="generator"):
    return keras.Sequential([keras.Input(shape), keras.layers.Identity()], name=name)


def _undecided(channels=2):
    """A discriminator whose every patch score is 0 (D = 1/2 everywhere)."""
    return keras.Sequential(
        [
            keras.Input((8, 8, channels)),
            keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros"),
        ],
        name="discriminator",
    )


def test_patchgan_gives_a_7x7_map_at_28x28_for_edges_and_image():
    discriminator = patchgan_discriminator((28, 28, 2))  # edges + image, default widths
    assert discriminator.output_shape == (None, 7, 7, 1)
    model = tfxlearn.paradigms.get("pix2pix")(
        generator=unet_generator((28, 28, 1), widths=(4, 8)), discriminator=discriminator
    )
    x, y = _images(0, 2, (28, 28, 1)), _images(1, 2, (28, 28, 1))
    assert tuple(model.patch_scores(x, y).shape) == (2, 7, 7, 1)


def test_terms_match_the_closed_forms_for_an_undecided_discriminator():
    x, y = _images(0), _images(1)
    model = _pix2pix(_identity(), _undecided(), adversarial_weight=2.0, l1_weight=10.0)
    terms = model.generator_terms(x, y)
    l1 = np.abs(y - x).mean(axis=(1, 2, 3))  # G(x) = x
    np.testing.assert_allclose(terms["l1"], l1, rtol=1e-5)
    np.testing.assert_allclose(terms["adversarial"], np.log(2.0), rtol=1e-5)  # -log 1/2
    np.testing.assert_allclose(terms["total"], 2.0 * np.log(2.0) + 10.0 * l1, rtol=1e-5)
    d_terms = model.discriminator_terms(x, y, terms["fake"])
    # 1/2 [-log 1/2 - log(1 - 1/2)] = log 2 per pair.
    np.testing.assert_allclose(d_terms["d"], np.log(2.0), rtol=1e-5)


def test_adversarial_term_follows_the_patch_scores():
    # A discriminator scoring every patch c: the generator's term is softplus(-c).
    constant = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(
                1, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(1.5)
            ),
        ]
    )
    model = _pix2pix(_identity(), constant)
    terms = model.generator_terms(_images(0), _images(1))
    np.testing.assert_allclose(terms["adversarial"], np.log1p(np.exp(-1.5)), rtol=1e-5)
    d = model.discriminator_terms(_images(0), _images(1), terms["fake"])["d"]
    np.testing.assert_allclose(d, 0.5 * (np.log1p(np.exp(-1.5)) + np.log1p(np.exp(1.5))), rtol=1e-5)


def _batches(n=8, steps=1):
    digits = tfxlearn.data.load("digits", "train").take(n * steps).batch(n)
    return tfxlearn.pretext.edge_pairs(digits, sigma=0.5).take(steps).cache()


@pytest.mark.parametrize("adversarial_weight", [0.0, 1.0])
def test_l1_only_ablation_does_not_train_the_discriminator(adversarial_weight):
    keras.utils.set_random_seed(0)
    model = _pix2pix(adversarial_weight=adversarial_weight)
    model.compile()
    d_before = [w.numpy().copy() for w in model.discriminator.trainable_weights]
    g_before = [w.numpy().copy() for w in model.generator.trainable_weights]
    model.fit(_batches(), epochs=1, verbose=0)
    d_moved = any(
        not np.array_equal(a, w.numpy())
        for a, w in zip(d_before, model.discriminator.trainable_weights)
    )
    g_moved = any(
        not np.array_equal(a, w.numpy())
        for a, w in zip(g_before, model.generator.trainable_weights)
    )
    assert g_moved
    assert d_moved == bool(adversarial_weight)


def test_training_lowers_the_l1():
    keras.utils.set_random_seed(0)
    model = _pix2pix(unet_generator(SHAPE, widths=(8, 16)))
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-3),
        discriminator_optimizer=keras.optimizers.Adam(2e-4),
    )
    data = _batches(n=16, steps=2)
    before = model.evaluate(data, verbose=0, return_dict=True)["l1"]
    model.fit(data, epochs=25, verbose=0)
    after = model.evaluate(data, verbose=0, return_dict=True)["l1"]
    assert after < 0.7 * before, (before, after)


def test_bad_nets_and_weights_are_refused_clearly():
    with pytest.raises(ValueError, match="concatenated along the channels"):
        _pix2pix(discriminator=patchgan_discriminator(SHAPE, widths=(2, 4)))
    with pytest.raises(ValueError, match="keep the image size"):
        bigger = keras.Sequential([keras.Input(SHAPE), keras.layers.UpSampling2D()])
        _pix2pix(generator=bigger)
    with pytest.raises(ValueError, match="l1_weight must be a number >= 0"):
        _pix2pix(l1_weight=-1.0)
    with pytest.raises(ValueError, match="cannot both be 0"):
        _pix2pix(adversarial_weight=0.0, l1_weight=0.0)
    with pytest.raises(TypeError, match="discriminator must be a keras.Model"):
        _pix2pix(discriminator="patchgan")
    model = _pix2pix()
    with pytest.raises(ValueError, match="targets channel count"):
        model.train_step((_images(0), _images(1, shape=(8, 8, 2))))
    with pytest.raises(ValueError, match="batches of one size"):
        model.train_step((_images(0, 2), _images(1, 3)))
    with pytest.raises(TypeError, match="translate"):
        model.sample(4)


def test_export_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _pix2pix()
    edges = _images(6)
    path = export_saved_model(model, str(tmp_path), model_name="pix2pix")
    calls = {"serving_default": {"images": edges}}
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)["serving_default"]
    assert set(got) == {"translated"}
    np.testing.assert_allclose(got["translated"], model.translate(edges), atol=1e-5)
