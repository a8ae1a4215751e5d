"""Attention-guided CycleGAN's own checks: the blend against its closed form
(zero attention returns the input, full attention the generator's output), the
attention in [0, 1], the cycle term of the blended translations, clear errors for
mismatched networks and batches, a few steps lowering the cycle loss, and both
directions (translation and attention) served from a SavedModel loaded in a fresh
process without tfxlearn. The contract (fit step, config round trip, export, 1 vs
2 replicas, bad inputs) is tests/paradigms/test_contract.py's, through
tests/contract_examples/dual.py."""

import keras
import numpy as np
import pytest
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import unpaired
from tfxlearn.export import export_saved_model
from tfxlearn.nets import (
    attention_blend,
    attention_network,
    patchgan_discriminator,
    resnet_generator,
)

SHAPE = (8, 8, 3)


def _constant_attention(value, name):
    """A fixed attention map: `value` everywhere (a 1x1 convolution with zero weights
    and bias `value`)."""
    images = keras.Input(SHAPE)
    conv = keras.layers.Conv2D(1, 1, kernel_initializer="zeros", name=f"{name}_conv")
    conv.build((None, *SHAPE))
    conv.bias.assign([value])
    return keras.Model(images, conv(images), name=name)


def _map(kind, name):
    """A fixed image map: "negate" x -> 1 - x or "identity"."""
    scale, offset = (-1.0, 1.0) if kind == "negate" else (1.0, 0.0)
    return keras.Sequential(
        [keras.Input(SHAPE), keras.layers.Rescaling(scale, offset=offset)], name=name
    )


def _model(g_ab=None, g_ba=None, a_ab=None, a_ba=None, **kwargs):
    def generator(name):
        return resnet_generator(SHAPE, filters=2, downsamples=1, residual_blocks=1, name=name)

    return tfxlearn.paradigms.get("attention_cycle_gan")(
        generator_ab=g_ab or generator("g_ab"),
        generator_ba=g_ba or generator("g_ba"),
        attention_ab=a_ab or attention_network(SHAPE, filters=2, name="a_ab"),
        attention_ba=a_ba or attention_network(SHAPE, filters=2, name="a_ba"),
        discriminator_a=patchgan_discriminator(SHAPE, widths=(2, 4), name="d_a"),
        discriminator_b=patchgan_discriminator(SHAPE, widths=(2, 4), name="d_b"),
        **kwargs,
    )


def _images(seed, n=3):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype(np.float32)


def test_blend_is_attention_times_generator_plus_the_rest_of_the_input():
    x = _images(0)
    g = resnet_generator(SHAPE, filters=2, downsamples=1, residual_blocks=1)
    a = attention_network(SHAPE, filters=2)
    blended = attention_blend(g, a)(x).numpy()
    mask, out = a(x).numpy(), g(x).numpy()
    assert mask.shape == (3, 8, 8, 1) and mask.min() >= 0.0 and mask.max() <= 1.0
    np.testing.assert_allclose(blended, mask * out + (1 - mask) * x, atol=1e-6)


def test_zero_attention_returns_the_input_and_full_attention_the_generator():
    x = _images(1)
    zero = _model(a_ab=_constant_attention(0.0, "zero_ab"), a_ba=_constant_attention(0.0, "z"))
    np.testing.assert_allclose(zero.translate(x, "a_to_b"), x, atol=1e-7)
    np.testing.assert_allclose(zero.translate(x, "b_to_a"), x, atol=1e-7)
    np.testing.assert_allclose(zero.attention(x, "a_to_b"), 0.0)
    # nothing changed, so the cycle and identity terms vanish whatever the generators
    terms = zero.generator_terms(x, _images(2))
    np.testing.assert_allclose(terms["cycle"], 0.0, atol=1e-7)
    full = _model(
        g_ab=_map("negate", "neg_ab"),
        g_ba=_map("negate", "neg_ba"),
        a_ab=_constant_attention(1.0, "one_ab"),
        a_ba=_constant_attention(0.5, "half_ba"),
        identity_weight=1.0,
    )
    np.testing.assert_allclose(full.translate(x, "a_to_b"), 1 - x, atol=1e-6)
    np.testing.assert_allclose(full.translate(x, "b_to_a"), 0.5, atol=1e-6)  # (1-x+x)/2
    a, b = x, _images(3)
    terms = full.generator_terms(a, b)
    # a -> 1 - a -> 0.5; b -> 0.5 -> 0.5: |0.5 - a| + |0.5 - b|
    want = np.abs(0.5 - a).mean(axis=(1, 2, 3)) + np.abs(0.5 - b).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["cycle"], want, rtol=1e-5)
    # identity: blend_ab(b) = 1 - b, blend_ba(a) = 0.5
    want_id = np.abs(1 - 2 * b).mean(axis=(1, 2, 3)) + np.abs(0.5 - a).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(terms["identity"], want_id, rtol=1e-5)


def test_a_few_steps_lower_the_cycle_loss_and_keep_the_attention_in_range():
    keras.utils.set_random_seed(0)
    model = _model(history_size=8)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
    )
    data = (
        unpaired.load_unpaired(
            "textured_digits/blank_tiny", "textured_digits/tiny", batch_size=8, image_size=SHAPE
        )
        .take(4)
        .cache()
    )
    before = model.evaluate(data, verbose=0, return_dict=True)
    model.fit(data.repeat(4), verbose=0)
    after = model.evaluate(data, verbose=0, return_dict=True)
    assert after["g_loss"] < before["g_loss"], (before, after)
    a, b = next(iter(data))
    for direction, images in (("a_to_b", a), ("b_to_a", b)):
        mask = model.attention(images, direction)
        assert mask.shape == (8, 8, 8, 1) and mask.min() >= 0.0 and mask.max() <= 1.0
        assert model.translate(images, direction).shape == (8, *SHAPE)


def test_mismatched_networks_and_batches_are_refused():
    one_channel = resnet_generator((8, 8, 1), filters=2, downsamples=1, name="g1")
    with pytest.raises(ValueError, match="generator_ab / attention_ab: attention input shape"):
        _model(a_ab=attention_network((8, 8, 1), filters=2))
    with pytest.raises(ValueError, match="generator_ba / attention_ba: generator must keep"):
        _model(g_ba=resnet_generator(SHAPE, output_channels=1, filters=2, downsamples=1))
    with pytest.raises(ValueError, match="one-channel map"):
        _model(a_ba=resnet_generator(SHAPE, filters=2, downsamples=1, name="three"))
    with pytest.raises(ValueError, match="generator_ba input shape .* does not match the domains"):
        _model(g_ab=one_channel, a_ab=attention_network((8, 8, 1), filters=2))
    with pytest.raises(TypeError, match="attention_ab must be a keras.Model"):
        _model(a_ab="attention")
    with pytest.raises(ValueError, match="cycle_weight"):
        _model(cycle_weight=-1.0)
    model = _model()
    model.compile()
    a = _images(4, 4)
    with pytest.raises(ValueError, match="images_b channel count"):
        model.train_step((a, np.zeros((4, 8, 8, 1), np.float32)))
    with pytest.raises(ValueError, match="one size"):
        model.train_step((a, a[:2]))
    with pytest.raises(ValueError, match="direction"):
        model.attention(a, "b_to_c")
    with pytest.raises(ValueError, match="channel count"):
        model.attention(a[..., :1], "a_to_b")


def test_translation_and_attention_load_in_a_fresh_process_without_tfxlearn(
    tmp_path, subprocess_env
):
    model = _model()
    a, b = _images(6), _images(7)
    path = export_saved_model(model, str(tmp_path), model_name="attention_cycle_gan")
    calls = {
        "serving_default": {"images": a},
        "a_to_b": {"images": a},
        "b_to_a": {"images": b},
    }
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)
    for key, images, direction in (
        ("serving_default", a, "a_to_b"),
        ("a_to_b", a, "a_to_b"),
        ("b_to_a", b, "b_to_a"),
    ):
        assert set(got[key]) == {"translated", "attention"}
        np.testing.assert_allclose(
            got[key]["translated"], model.translate(images, direction), atol=1e-5
        )
        np.testing.assert_allclose(
            got[key]["attention"], model.attention(images, direction), atol=1e-5
        )
