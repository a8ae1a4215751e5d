"""Style-transfer networks: the random multi-scale extractor (seeded, frozen), the
VGG19 code path with weights=None, the offline default, the transformation net."""

import os

import keras
import numpy as np
import pytest

from tfxlearn import nets


def test_random_texture_extractor_is_seeded_frozen_and_multi_scale():
    a = nets.random_texture_extractor(widths=(6, 12), kernel_sizes=(3, 5), seed=3)
    b = nets.random_texture_extractor(widths=(6, 12), kernel_sizes=(3, 5), seed=3)
    c = nets.random_texture_extractor(widths=(6, 12), kernel_sizes=(3, 5), seed=4)
    x = np.random.default_rng(0).uniform(size=(2, 16, 16, 3)).astype(np.float32)
    np.testing.assert_array_equal(a(x), b(x))
    assert not np.allclose(a(x), c(x))
    assert not a.trainable_weights
    names = [layer.name for layer in a.layers]
    assert {"block1_conv3", "block1_conv5", "block2_relu", "block1_pool"} <= set(names)
    assert a(x).shape == (2, 8, 8, 12)
    assert nets.default_layers(a) == (["block1_relu"], ["block1_relu", "block2_relu"])
    with pytest.raises(ValueError, match="multiple of len\\(kernel_sizes\\)"):
        nets.random_texture_extractor(widths=(5,), kernel_sizes=(3, 5))


def test_vgg19_code_path_with_weights_none():
    vgg = nets.vgg19_extractor(weights=None, input_shape=(32, 32, 3))
    content, style = nets.default_layers(vgg)
    assert content == ["block4_conv2"] and style[0] == "block1_conv1" and len(style) == 5
    features = nets.feature_model(vgg, content + style)
    out = features(np.zeros((1, 32, 32, 3), np.float32))
    assert out["block1_conv1"].shape == (1, 32, 32, 64) and out["block5_conv1"].shape[-1] == 512
    # Caffe preprocessing: RGB [0, 1] -> BGR [0, 255] minus the ImageNet means.
    pre = nets.CaffePreprocess()(np.array([[[[1.0, 0.5, 0.0]]]], np.float32))
    np.testing.assert_allclose(pre[0, 0, 0], [0 - 103.939, 127.5 - 116.779, 255 - 123.68])


def test_imagenet_weights_are_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="not on disk .*does not download"):
        nets.vgg19_extractor("imagenet")
    assert nets.default_extractor().name == "random_texture"
    assert not os.path.exists(tmp_path / "models")
    with pytest.raises(ValueError, match="RGB images"):
        nets.vgg19_extractor(None, input_shape=(None, None, 1))


def test_default_layers_of_another_model_lists_its_layers():
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="c")(inputs), name="mine")
    with pytest.raises(ValueError, match="pass content_layers and style_layers.*: .*c"):
        nets.default_layers(model)


def test_transformation_net_maps_any_multiple_of_4_into_the_unit_range():
    net = nets.transformation_net(widths=(4, 8, 8), residual_blocks=2, residual=True)
    names = [layer.name for layer in net.layers]
    assert "res2_add" in names and "down2_instance_norm" in names
    norm = net.get_layer("res1a_instance_norm")
    # groups=-1: one group per channel (instance normalization), resolved when built.
    assert isinstance(norm, keras.layers.GroupNormalization) and norm.groups == 8
    for size in [(8, 8), (12, 20)]:
        x = np.random.default_rng(0).uniform(size=(2, *size, 3)).astype(np.float32)
        y = net(x).numpy()
        assert y.shape == x.shape and y.min() >= 0 and y.max() <= 1
    # Residual output, last convolution at 0: the untrained network is the identity.
    x = np.random.default_rng(2).uniform(size=(1, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(net(x), np.clip(x, 1e-3, 1 - 1e-3), atol=1e-5)
    plain = nets.transformation_net(widths=(4, 8, 8), residual_blocks=1, residual=False)
    y = plain(x).numpy()
    assert y.shape == x.shape and not np.allclose(y, x, atol=1e-2)
    with pytest.raises(ValueError, match="3 positive channel counts"):
        nets.transformation_net(widths=(4, 8))
