"""fast_style (Johnson et al., ECCV 2016): training lowers the perceptual loss,
the flips are seeded, the export stylizes any multiple-of-4 size, and bad styles,
layers and sizes are refused clearly."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.export import export_saved_model, load_serving_fn

FastStyle = tfxlearn.paradigms.get("fast_style")


def _stripes(size=16, channels=3):
    stripes = (np.arange(size)[None, :, None] % 4 < 2).astype(np.float32)
    return np.broadcast_to(stripes * np.linspace(0.9, 0.1, channels), (size, size, channels))


def _photos(n=8, size=16):
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, size)[None, :, None, None] * rng.uniform(0, 1, (n, 1, 1, 3))
    return np.clip(ramp.transpose(0, 2, 1, 3) + rng.normal(0, 0.05, (n, size, size, 3)), 0, 1)


def _model(**kwargs):
    keras.utils.set_random_seed(0)
    args = dict(
        transformer=tfxlearn.nets.transformation_net(widths=(4, 8, 8), residual_blocks=1),
        extractor=tfxlearn.nets.random_texture_extractor(widths=(6, 12), kernel_sizes=(3, 5)),
        style_image=_stripes(),
        style_size=None,
        style_weight=100.0,
    )
    return FastStyle(**{**args, **kwargs})


def test_training_lowers_the_loss_and_only_trains_the_transformer():
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    extractor_before = [w.numpy() for w in model.extractor.weights]
    images = _photos().astype(np.float32)
    before = model.style_losses(images)
    ds = tf.data.Dataset.from_tensor_slices(images).batch(4).repeat(8)
    history = model.fit(ds, epochs=1, verbose=0).history
    assert set(history) == {"loss", "content", "style", "tv"}
    after = model.style_losses(images)
    assert after["loss"].mean() < 0.7 * before["loss"].mean()
    np.testing.assert_allclose(after["identity_content"], 0, atol=1e-7)
    for w0, w in zip(extractor_before, model.extractor.weights):
        np.testing.assert_array_equal(w0, w.numpy())
    assert {id(w) for w in model.trainable_weights} == {
        id(w) for w in model.transformer.trainable_weights
    }


def test_flips_are_seeded_per_step_and_left_right():
    model = _model(seed=3)
    images = tf.constant(_photos(16).astype(np.float32))
    a = model.augment(images, tf.constant([3, 0], tf.int64)).numpy()
    b = model.augment(images, tf.constant([3, 0], tf.int64)).numpy()
    np.testing.assert_array_equal(a, b)
    flipped = [np.array_equal(x, y[:, ::-1]) for x, y in zip(a, images.numpy())]
    kept = [np.array_equal(x, y) for x, y in zip(a, images.numpy())]
    assert all(f or k for f, k in zip(flipped, kept)) and 0 < sum(flipped) < 16
    assert np.array_equal(_model(flip=False).augment(images, tf.constant([3, 0])), images)


def test_export_stylizes_any_multiple_of_4(tmp_path):
    model = _model()
    model(np.zeros((1, 8, 8, 3), np.float32))  # built, as after fit
    path = export_saved_model(model, str(tmp_path), model_name="fast_style")
    serve = load_serving_fn(path)
    for shape in [(2, 16, 16, 3), (1, 12, 24, 3)]:
        x = np.random.default_rng(1).uniform(size=shape).astype(np.float32)
        out = serve(images=tf.constant(x))
        assert set(out) == {"stylized"} and out["stylized"].shape == shape
        np.testing.assert_allclose(out["stylized"], model.stylize(x), atol=1e-5)


def test_named_style_images_are_loaded_as_rgb():
    model = _model(style_image="gravel", style_size=24)
    assert model.style.shape == (1, 24, 24, 3)
    assert model.get_config()["style_image"] == "gravel"


def test_bad_styles_layers_and_sizes_are_refused():
    with pytest.raises(ValueError, match="style_image has 1 channel.*have 3.*channels=3"):
        _model(style_image=_stripes(channels=1))
    with pytest.raises(ValueError, match="layer 'conv4_2' is not in model .*block2_relu"):
        _model(content_layers=["conv4_2"])
    with pytest.raises(ValueError, match="neither a file nor a scikit-image image"):
        _model(style_image="no_such_texture")
    model = _model()
    with pytest.raises(ValueError, match="multiple of 4"):
        model(np.zeros((1, 10, 12, 3), np.float32))
    with pytest.raises(ValueError, match="channel count"):
        model(np.zeros((1, 8, 8, 1), np.float32))
