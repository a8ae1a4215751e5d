"""The image-to-image networks: shapes, instance norm from Keras core, the
U-Net's skip connections, the PatchGAN's score map, and clear errors."""

import keras
import numpy as np
import pytest

from tfxlearn.nets import patchgan_discriminator, resnet_generator, unet_generator


def test_resnet_generator_keeps_the_size_and_maps_into_unit_range():
    net = resnet_generator((28, 28, 1), filters=4, downsamples=2, residual_blocks=2)
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype(np.float32)
    y = net(x).numpy()
    assert y.shape == (2, 28, 28, 1) and y.min() >= 0.0 and y.max() <= 1.0
    assert net.get_layer("down1").output.shape[1:3] == (7, 7)
    norms = [layer for layer in net.layers if "norm" in layer.name]
    assert norms and all(
        # Instance norm: one group per channel (groups=-1, resolved when built).
        isinstance(layer, keras.layers.GroupNormalization) and layer.groups == layer.input.shape[-1]
        for layer in norms
    )
    rgb = resnet_generator((8, 8, 1), output_channels=3, filters=2, residual_blocks=1)
    assert rgb.output_shape == (None, 8, 8, 3)


def test_instance_norm_makes_each_image_independent_of_the_batch():
    net = resnet_generator((8, 8, 1), filters=2, downsamples=1, residual_blocks=1)
    x = np.random.default_rng(1).random((3, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(net(x, training=True)[:1], net(x[:1], training=True), atol=1e-6)


def test_unet_generator_has_skip_connections():
    net = unet_generator((16, 16, 2), output_channels=1, widths=(4, 8, 8), dropout=0.5)
    assert net.output_shape == (None, 16, 16, 1)
    assert [layer.name for layer in net.layers if layer.name.startswith("skip")] == [
        "skip1",
        "skip0",
    ]
    assert net.get_layer("skip0").output.shape[-1] == 4 + 4  # decoder + encoder features


def test_patchgan_gives_one_score_per_patch():
    net = patchgan_discriminator((28, 28, 1), widths=(8, 16, 32))
    assert net.output_shape == (None, 7, 7, 1)
    pix2pix = patchgan_discriminator((32, 32, 4), widths=(4, 8, 8, 8))  # condition + image
    assert pix2pix.output_shape == (None, 4, 4, 1)
    # The first block is not normalized (pix2pix, DCGAN).
    assert "block0_norm" not in [layer.name for layer in net.layers]


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: resnet_generator((30, 30, 1), downsamples=2), "divisible"),
        (lambda: resnet_generator((28, 28, 1), norm="layer"), "norm must be"),
        (lambda: resnet_generator((28, 28)), "height, width, channels"),
        (lambda: unet_generator((28, 28, 1), widths=(4, 8, 16)), "divisible"),
        (lambda: unet_generator((16, 16, 1), dropout=1.0), "dropout"),
        (lambda: patchgan_discriminator((4, 4, 1), widths=(2, 2, 2, 2)), "too small"),
        (lambda: patchgan_discriminator((8, 8, 1), widths=()), "widths"),
    ],
)
def test_bad_arguments_are_refused(build, match):
    with pytest.raises(ValueError, match=match):
        build()
