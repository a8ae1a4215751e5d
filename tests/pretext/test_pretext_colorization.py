from functools import partial

import numpy as np
import pytest
import tensorflow as tf
from _helpers import uint8_images

import tfxlearn
from tfxlearn.pretext.colorization import (
    AB_SCALE,
    ab_bin_counts,
    ab_bins,
    annealed_mean,
    class_rebalancing_weights,
    colorization,
    lab_to_rgb,
    quantize_ab,
    rgb_to_lab,
)

_images = partial(uint8_images, size=5, channels=3)


def _reference_lab(rgb):
    """Hand-written NumPy sRGB (D65) -> Lab, straight from the definitions."""
    rgb = np.asarray(rgb, np.float64)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array(
        [[0.4124564, 0.3575761, 0.1804375],
         [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]
    )  # fmt: skip
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    d = 6 / 29
    f = np.where(xyz > d**3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def test_known_colours_match_a_numpy_reference():
    colours = np.array(
        [[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0], [0.5, 0.25, 0.75], [0.01, 0.02, 0]],
        np.float32,
    )
    lab = rgb_to_lab(colours).numpy()
    np.testing.assert_allclose(lab[0], [100, 0, 0], atol=1e-3)
    np.testing.assert_allclose(lab[1], [53.24, 80.09, 67.20], atol=0.01)
    np.testing.assert_allclose(lab[4], [0, 0, 0], atol=1e-4)
    np.testing.assert_allclose(lab, _reference_lab(colours), atol=2e-3)
    # uint8 is scaled to [0, 1] first.
    np.testing.assert_allclose(rgb_to_lab((colours * 255).astype(np.uint8))[:2], lab[:2], atol=1e-3)


def test_lab_to_rgb_inverts_rgb_to_lab():
    x = _images(batch=8) / 255.0
    lab = rgb_to_lab(x)
    np.testing.assert_allclose(lab_to_rgb(lab), x, atol=1e-5)
    np.testing.assert_allclose(rgb_to_lab(lab_to_rgb(lab)), lab, atol=2e-3)


def test_bins_are_the_in_gamut_grid_points_and_quantization_is_nearest():
    bins = ab_bins(10)
    assert bins is ab_bins(10) and not bins.flags.writeable  # cached, read-only
    assert 250 <= len(bins) <= 313 and np.all(bins % 10 == 0)
    lab = rgb_to_lab(_images(batch=4, size=8)).numpy()
    got = quantize_ab(lab[..., 1:], bins).numpy()
    want = ((lab[..., None, 1:] - bins) ** 2).sum(-1).argmin(-1)
    np.testing.assert_array_equal(got, want)
    assert got.shape == (4, 8, 8) and got.dtype == np.int32
    assert np.array_equal(bins[quantize_ab(np.zeros(2))], [0, 0])  # grey -> the (0, 0) bin


@pytest.mark.parametrize("target", ["bins", "ab"])
def test_eager_and_dataset_map_agree(target):
    x = _images(batch=6)
    ds = colorization(tf.data.Dataset.from_tensor_slices({"image": x}).batch(3), target=target)
    got = list(ds.as_numpy_iterator())
    assert len(got) == 2
    for b, (lightness, targets) in enumerate(got):
        lab = rgb_to_lab(x[3 * b : 3 * b + 3]).numpy()
        assert lightness.shape == (3, 5, 5, 1) and lightness.dtype == np.float32
        np.testing.assert_allclose(lightness[..., 0], lab[..., 0] / 100, atol=1e-6)
        if target == "bins":
            assert targets.shape == (3, 5, 5) and targets.dtype == np.int32
            np.testing.assert_array_equal(targets, quantize_ab(lab[..., 1:]))
        else:
            assert targets.shape == (3, 5, 5, 2) and np.abs(targets).max() <= 1
            np.testing.assert_allclose(targets, lab[..., 1:] / AB_SCALE, atol=1e-6)
        # Property: L and the targets give back the colours (up to bin size).
        ab = ab_bins()[targets] if target == "bins" else targets * AB_SCALE
        rgb = lab_to_rgb(np.concatenate([lightness * 100, ab], -1)).numpy()
        tol = 0.15 if target == "bins" else 1e-4
        assert np.abs(rgb - x[3 * b : 3 * b + 3] / 255).mean() < tol


def test_accepts_tuples_and_tensors():
    x = _images(batch=4).astype(np.float32) / 255.0
    for ds in (
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        tf.data.Dataset.from_tensor_slices(x).batch(2),
    ):
        lightness, targets = next(iter(colorization(ds)))
        assert lightness.shape == (2, 5, 5, 1) and targets.shape == (2, 5, 5)


def test_grayscale_and_bad_inputs_are_refused():
    gray = tf.data.Dataset.from_tensor_slices(np.zeros((4, 5, 5, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="RGB.*got 1 channel.*grayscale images cannot"):
        colorization(gray)
    with pytest.raises(ValueError, match="from ds"):
        colorization(gray)
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        colorization(tf.data.Dataset.from_tensor_slices(_images()))
    with pytest.raises(ValueError, match="target"):
        colorization(gray, target="rgb")
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        colorization(_images())
    with pytest.raises(ValueError, match="3 channels"):
        rgb_to_lab(np.zeros((2, 2, 1), np.float32))


def test_rebalancing_weights_have_unit_mean_and_boost_rare_bins():
    bins = ab_bins()
    grey = int(np.flatnonzero((bins == 0).all(1))[0])
    counts = ab_bin_counts(_images(batch=4, size=8)) + 1
    counts[grey] += 10_000  # a common colour
    weights = class_rebalancing_weights(counts)
    assert weights.shape == (len(bins),) and np.all(weights > 0)
    p = counts / counts.sum()
    smoothed = np.exp(-((bins[:, None] - bins[None]) ** 2).sum(-1) / 50.0) @ p
    smoothed /= smoothed.sum()
    np.testing.assert_allclose((smoothed * weights).sum(), 1.0, rtol=1e-5)
    rare = int(np.argmin(counts))
    assert weights[rare] > weights[grey] and weights[grey] == weights.min()
    # lam = 1: uniform prior, all weights equal.
    np.testing.assert_allclose(class_rebalancing_weights(counts, lam=1.0), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="bin_counts"):
        class_rebalancing_weights(counts[:5])


def test_annealed_mean():
    bins = ab_bins()
    logits = np.full((2, len(bins)), -30.0, np.float32)
    logits[0, 7] = 30.0
    logits[1, [3, 4]] = 30.0
    got = annealed_mean(logits).numpy()
    np.testing.assert_allclose(got[0], bins[7], atol=1e-4)
    np.testing.assert_allclose(got[1], bins[[3, 4]].mean(0), atol=1e-4)


def test_registered():
    assert tfxlearn.pretext.get("colorization") is colorization
