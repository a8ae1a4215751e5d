"""Gatys et al.'s style transfer (`tfxlearn.style.transfer`) on tiny images: the
loss falls with both optimizers, the style statistics move toward the style
image, and bad inputs are refused before any step."""

import numpy as np
import pytest

from tfxlearn import nets, style


def _images():
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 16)[None, :, None] * np.ones((16, 1, 3))
    content = np.stack([ramp, ramp.transpose(1, 0, 2)]).astype(np.float32)
    stripes = (np.arange(24)[None, :, None] % 6 < 3) * np.array([0.9, 0.3, 0.1])
    texture = np.clip(stripes + rng.normal(0, 0.05, (24, 24, 3)), 0, 1).astype(np.float32)
    return content, texture


@pytest.fixture(scope="module")
def extractor():
    return nets.random_texture_extractor(widths=(12, 24), kernel_sizes=(3, 5))


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_transfer_lowers_the_loss_and_matches_the_style(extractor, optimizer):
    content, texture = _images()
    result = style.transfer(
        content, texture, extractor=extractor, steps=30, optimizer=optimizer, learning_rate=0.05
    )
    assert result.images.shape == content.shape
    assert result.images.min() >= 0 and result.images.max() <= 1
    np.testing.assert_allclose(result.before["content"], [0, 0], atol=1e-7)
    assert np.all(result.after["loss"] < 0.5 * result.before["loss"])
    assert np.all(result.after["style"] < 0.5 * result.before["style"])
    assert result.history[-1] < result.history[0]
    assert result.content_layers == ["block1_relu"] and result.extractor == extractor.name


def test_noise_initialization_is_seeded(extractor):
    content, texture = _images()
    runs = [
        style.transfer(content[:1], texture, extractor=extractor, steps=3, init="noise",
                       optimizer="adam", seed=s).images
        for s in (0, 0, 1)
    ]  # fmt: skip
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_vgg19_path_with_weights_none():
    content, texture = _images()
    vgg = nets.vgg19_extractor(weights=None)
    result = style.transfer(np.tile(content[:1], (1, 2, 2, 1)), texture, extractor=vgg, steps=2)
    assert result.content_layers == ["block4_conv2"] and len(result.style_layers) == 5
    assert np.isfinite(result.after["loss"]).all()


def test_bad_inputs_are_refused(extractor):
    content, texture = _images()
    with pytest.raises(ValueError, match="style image has 1 channel.*content images have 3"):
        style.transfer(content, texture[..., :1], extractor=extractor, steps=1)
    with pytest.raises(ValueError, match="layer 'conv4_2' is not in model .*block1_relu"):
        style.transfer(content, texture, extractor=extractor, content_layers=["conv4_2"], steps=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        style.transfer(content, texture, extractor=extractor, optimizer="sgd")
    with pytest.raises(ValueError, match="extractor must be a keras.Model"):
        style.transfer(content, texture, extractor="resnet")
