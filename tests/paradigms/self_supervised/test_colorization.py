import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.paradigms.self_supervised.colorization import Colorization
from tfxlearn.pretext.colorization import ab_bins, colorization


def _batch(target="bins"):
    rgb = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3)).astype(np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(rgb).batch(4)
    return next(iter(colorization(ds, target=target)))


def _encoder(channels=1):
    return tfxlearn.nets.conv_encoder((8, 8, channels), widths=(4, 8))


def test_weighted_loss_is_the_mean_of_weighted_pixel_cross_entropies():
    keras.utils.set_random_seed(0)
    weights = np.random.default_rng(1).uniform(0.1, 2.0, len(ab_bins())).astype(np.float32)
    model = Colorization(_encoder(), decoder_widths=(4,), class_weights=list(weights))
    lightness, bins = _batch()
    logits = model(lightness)
    assert logits.shape == (4, 8, 8, len(ab_bins()))
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=bins, logits=logits).numpy()
    want = (ce * weights[bins.numpy()]).mean()
    got = model.compute_loss(lightness, bins, logits)
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("ab_loss", ["huber", "mse"])
def test_ab_mode_trains_and_serves_ab_in_lab_units(ab_loss):
    keras.utils.set_random_seed(0)
    model = Colorization(_encoder(), mode="ab", ab_loss=ab_loss, decoder_widths=(4,))
    lightness, ab = _batch("ab")
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(tf.data.Dataset.from_tensors((lightness, ab)), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    out = model.serving_outputs(lightness)
    assert out["ab"].shape == (4, 8, 8, 2) and out["embedding"].shape == (4, 8)
    np.testing.assert_allclose(out["ab"], model(lightness) * 110.0, rtol=1e-5, atol=1e-4)
    clone = Colorization.from_config(model.get_config())
    assert clone.mode == "ab" and clone.ab_loss == ab_loss


def test_bins_mode_serves_the_annealed_mean_inside_the_gamut():
    keras.utils.set_random_seed(0)
    model = Colorization(_encoder(), decoder_widths=(4,))
    lightness, _ = _batch()
    ab = model.serving_outputs(lightness)["ab"].numpy()
    bins = ab_bins()
    assert ab.shape == (4, 8, 8, 2)
    assert np.all(ab >= bins.min(0) - 1e-3) and np.all(ab <= bins.max(0) + 1e-3)


def test_constructor_errors_are_clear():
    with pytest.raises(ValueError, match="1 channel"):
        Colorization(_encoder(channels=3))
    with pytest.raises(ValueError, match="fixed input shape"):
        Colorization(tfxlearn.nets.conv_encoder((None, None, 1), widths=(4, 8)))
    with pytest.raises(ValueError, match="mode"):
        Colorization(_encoder(), mode="rgb")
    with pytest.raises(ValueError, match="num_bins"):
        Colorization(_encoder(), num_bins=313)
    with pytest.raises(ValueError, match="class_weights must be"):
        Colorization(_encoder(), class_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="class_weights apply"):
        Colorization(_encoder(), mode="ab", class_weights=[1.0] * len(ab_bins()))
    with pytest.raises(ValueError, match="ab_loss"):
        Colorization(_encoder(), mode="ab", ab_loss="l1")
    model = Colorization(_encoder(), decoder_widths=(4,))
    with pytest.raises(ValueError, match="tfxlearn.pretext.colorization"):
        model.compute_loss(np.zeros((1, 8, 8, 1)), None, None)
