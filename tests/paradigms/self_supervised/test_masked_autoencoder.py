import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.paradigms.self_supervised.masked_autoencoder import MaskedPixelMSE
from tfxlearn.pretext.masked_autoencoder import mask_images


def _batch(n=4):
    x = np.random.default_rng(0).integers(0, 256, (n, 8, 8, 1)).astype(np.uint8)
    return mask_images(x, tf.constant([0, 1]), patch_size=2)


def _model(**kwargs):
    return tfxlearn.paradigms.get("masked_autoencoder")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8)), decoder_widths=(4,), **kwargs
    )


def test_loss_is_the_mean_over_masked_pixels_only():
    inputs, targets = _batch()
    mask = np.asarray(inputs["mask"])
    rng = np.random.default_rng(1)
    prediction = rng.normal(size=targets.shape).astype(np.float32)
    loss = MaskedPixelMSE()
    value = float(loss({"target": targets, "mask": mask}, prediction))
    squared = (prediction - np.asarray(targets)) ** 2
    np.testing.assert_allclose(value, squared[mask == 1].mean(), rtol=1e-5)
    # Changing the prediction on visible pixels does not change the loss.
    changed = np.where(mask == 0, prediction + 100.0, prediction)
    np.testing.assert_allclose(float(loss({"target": targets, "mask": mask}, changed)), value)
    model = _model()
    model.compile(optimizer="sgd")
    pred = model(inputs)
    a = model.compute_loss(inputs, targets, pred)
    b = model.compute_loss(inputs, targets, tf.where(mask == 0, pred - 7.0, pred))
    np.testing.assert_allclose(float(a), float(b), rtol=1e-6)


def test_masked_pixels_see_the_mask_token_not_their_content():
    inputs, _ = _batch()
    model = _model()
    model.mask_token.assign([0.3])
    mask = inputs["mask"]
    scrambled = {"images": tf.where(mask > 0, 0.77, inputs["images"]), "mask": mask}
    np.testing.assert_allclose(model(inputs), model(scrambled), atol=1e-6)


def test_serving_reconstructs_nan_pixels_as_masked():
    inputs, targets = _batch()
    model = _model()
    model.mask_token.assign([0.3])
    with_nan = tf.where(inputs["mask"] > 0, np.nan, targets)
    out = model.serving_outputs(with_nan)
    np.testing.assert_allclose(out["reconstruction"], model(inputs), atol=1e-6)
    assert np.all(np.isfinite(out["embedding"]))
    whole = model.serving_outputs(targets)
    np.testing.assert_allclose(whole["embedding"], model.encoder(targets), atol=1e-6)


def test_fit_lowers_the_loss_and_plot(tmp_path):
    x = tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "train").take(64))[0]
    ds = tfxlearn.pretext.masked_autoencoder(
        tf.data.Dataset.from_tensor_slices(x).batch(32), patch_size=2
    )
    keras.utils.set_random_seed(0)
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(ds.cache().repeat(4), epochs=1, verbose=0)
    first = model.evaluate(ds, verbose=0)
    model.fit(ds.cache().repeat(8), epochs=1, verbose=0)
    assert model.evaluate(ds, verbose=0) < first and np.isfinite(history.history["loss"][0])
    plot = tfxlearn.pretext.get_plot("masked_autoencoder")
    path = plot(next(iter(ds)), str(tmp_path / "mae.png"), title="t", model=model)
    assert (tmp_path / "mae.png").stat().st_size > 0 and path.endswith("mae.png")
