"""Colorization labels (Zhang, Isola & Efros, "Colorful Image Colorization", ECCV 2016).

An RGB image is converted to CIE Lab; the lightness L is the input and the
colour channels ab are the target, either quantized into the in-gamut bins of
a grid of 10 in ab space (Q = 313 in the paper; the number here depends on how
densely the RGB cube is sampled, see `ab_bins`) for a per-pixel classification,
or kept continuous for a regression.

Shortcuts guarded against:
- Colour leaking into the input. The input is the Lab lightness only, which
  is by construction decorrelated from the chroma axes a and b (a plain RGB
  mean, or a single RGB channel, would still carry hue information through
  the channel weights).
- Desaturated "predict grey" solutions. A regression on ab is minimized by
  the mean colour, which is close to grey, so the network learns little about
  objects; the paper's classification over ab bins (target="bins") with class
  rebalancing (`class_rebalancing_weights`, passed as the paradigm's
  `class_weights`) rewards the rare saturated colours.
- Trivial targets. Grayscale images have a = b = 0 everywhere: there is
  nothing to predict, so single-channel (and any non-3-channel) input is
  refused rather than silently turned into a constant target.

Limitations: the gamut bins are computed from a regular sample of the sRGB
cube (not from the paper's ImageNet statistics), and the class-rebalancing
prior must be computed by the caller from their own data (`ab_bin_counts`).
Grayscale datasets such as MNIST or Fashion-MNIST cannot be used.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

from tfxlearn.data.color import lab_to_rgb, rgb_to_lab
from tfxlearn.pretext.common import image_batches_spec, images_of
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

AB_SCALE = 110.0  # |a|, |b| of sRGB colours stay below ~110
L_SCALE = 100.0
_TARGETS = ("bins", "ab")


@functools.lru_cache(maxsize=8)
def ab_bins(grid: int = 10, levels: int = 64) -> np.ndarray:
    """The in-gamut ab bin centres of a grid of spacing `grid` (read-only [Q, 2] float32).

    A bin (a multiple of `grid` in a and in b) is kept when some colour of a
    regular `levels`^3 sample of the sRGB cube rounds to it; bins are sorted
    by a, then b. Deterministic (no data needed); Q = 261 for grid 10 and 64
    levels (the paper's 313 bins came from its ImageNet gamut, which includes
    some slightly out-of-sRGB bins).
    """
    if int(grid) < 1 or int(levels) < 2:
        raise ValueError(f"ab_bins: grid must be >= 1 and levels >= 2, got {grid}, {levels}")
    axis = np.linspace(0.0, 1.0, int(levels), dtype=np.float32)
    cube = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    ab = rgb_to_lab(cube).numpy()[:, 1:].astype(np.float64)
    cells = np.unique(np.round(ab / grid).astype(np.int64), axis=0)  # sorted by a, then b
    bins = (cells * grid).astype(np.float32)
    bins.setflags(write=False)
    return bins


@functools.lru_cache(maxsize=8)
def _bin_lookup(bins_key: bytes, grid: int) -> tuple[np.ndarray, int]:
    """Table of the nearest bin of every grid point around the gamut, and its offset."""
    bins = np.frombuffer(bins_key, np.float32).reshape(-1, 2).astype(np.float64)
    reach = int(np.ceil((np.abs(bins).max() + 2 * grid) / grid))
    points = np.arange(-reach, reach + 1) * grid
    grid_ab = np.stack(np.meshgrid(points, points, indexing="ij"), axis=-1)
    distances = ((grid_ab[:, :, None, :] - bins[None, None]) ** 2).sum(-1)
    return distances.argmin(-1).astype(np.int32), reach


def quantize_ab(ab: tf.Tensor, bins: np.ndarray | None = None, grid: int = 10) -> tf.Tensor:
    """Index of the nearest bin of every ab value.

    Args:
        ab: float [..., 2] in Lab units.
        bins: [Q, 2] grid-aligned bin centres (`ab_bins(grid)` if omitted).
        grid: the bins' grid spacing.

    Returns:
        int32 [...]: the bin index, through a lookup table of the grid points
        (memory O(pixels), not O(pixels x Q)). Exact when the nearest grid
        point of a value is a bin - always for colours in the sampled gamut;
        otherwise the bin nearest to that grid point.
    """
    bins = ab_bins(grid) if bins is None else np.asarray(bins, np.float32)
    if bins.ndim != 2 or bins.shape[1] != 2:
        raise ValueError(f"quantize_ab: bins must be [Q, 2], got shape {bins.shape}")
    table, reach = _bin_lookup(np.ascontiguousarray(bins).tobytes(), int(grid))
    ab = tf.cast(tf.convert_to_tensor(ab), tf.float32)
    if ab.shape.rank is None or ab.shape[-1] != 2:
        raise ValueError(f"quantize_ab: ab must be [..., 2], got shape {ab.shape}")
    cells = tf.clip_by_value(tf.cast(tf.round(ab / grid), tf.int32) + reach, 0, 2 * reach)
    return tf.gather_nd(tf.constant(table), cells)


def ab_bin_counts(images: tf.Tensor, bins: np.ndarray | None = None, grid: int = 10) -> np.ndarray:
    """How many pixels of RGB `images` [..., 3] fall in each bin (the empirical prior)."""
    bins = ab_bins(grid) if bins is None else np.asarray(bins, np.float32)
    index = quantize_ab(rgb_to_lab(images)[..., 1:], bins, grid)
    return np.bincount(np.asarray(index).ravel(), minlength=len(bins))


def class_rebalancing_weights(
    bin_counts,
    lam: float = 0.5,
    sigma: float = 5.0,
    bins: np.ndarray | None = None,
) -> np.ndarray:
    """Per-bin loss weights that boost rare colours (Zhang et al. 2016, eq. 3-4).

    The empirical bin distribution p is smoothed with a Gaussian kernel of
    width `sigma` (ab units) over the bin centres into p~, mixed with a
    uniform distribution and inverted: w ~ ((1 - lam) p~ + lam / Q)^-1,
    normalized so that E_p~[w] = sum_q p~_q w_q = 1.

    Args:
        bin_counts: [Q] pixel counts per bin (e.g. from `ab_bin_counts`).
        lam: weight of the uniform distribution (the paper's 0.5).
        sigma: Gaussian smoothing width in ab units (the paper's 5).
        bins: [Q, 2] bin centres (`ab_bins(10)` if omitted).

    Returns:
        float32 [Q] weights.
    """
    counts = np.asarray(bin_counts, np.float64)
    bins = ab_bins(10) if bins is None else np.asarray(bins, np.float32)
    if counts.ndim != 1 or len(counts) != len(bins):
        raise ValueError(
            f"class_rebalancing_weights: bin_counts must be [Q] with Q = {len(bins)} bins, "
            f"got shape {counts.shape}"
        )
    if counts.sum() <= 0 or (counts < 0).any():
        raise ValueError("class_rebalancing_weights: bin_counts must be >= 0 with a positive sum")
    if not 0.0 <= lam <= 1.0 or sigma <= 0:
        raise ValueError(f"lam must be in [0, 1] and sigma > 0, got lam={lam}, sigma={sigma}")
    p = counts / counts.sum()
    centres = bins.astype(np.float64)
    sq = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    smoothed = np.exp(-sq / (2.0 * sigma**2)) @ p
    smoothed /= smoothed.sum()
    weights = 1.0 / ((1.0 - lam) * smoothed + lam / len(p))
    weights /= (smoothed * weights).sum()
    return weights.astype(np.float32)


def annealed_mean(logits: tf.Tensor, temperature: float = 0.38, grid: int = 10) -> tf.Tensor:
    """Point estimate of ab [..., 2] (Lab units) from per-bin logits [..., Q].

    The paper's annealed mean: the mean of the distribution re-tempered to
    temperature T (T=1: the mean, desaturated; T->0: the mode, patchy).
    """
    bins = tf.constant(ab_bins(grid))
    logits = tf.convert_to_tensor(logits)
    if logits.shape[-1] is not None and logits.shape[-1] != bins.shape[0]:
        raise ValueError(
            f"annealed_mean: logits must have {bins.shape[0]} bins in the last axis, "
            f"got shape {logits.shape}"
        )
    probs = tf.nn.softmax(tf.cast(logits, tf.float32) / temperature, axis=-1)
    return tf.tensordot(probs, bins, axes=[[-1], [0]])


@PRETEXT_OPS.register("colorization")
def colorization(
    ds: tf.data.Dataset,
    *,
    image_key: str = "image",
    target: str = "bins",
    grid: int = 10,
    seed: int = 0,
) -> tf.data.Dataset:
    """Turns a dataset of RGB image batches into (lightness, colour targets).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, 3] RGB, uint8 or float in [0, 1].
        image_key: key of the images in dict elements.
        target: "bins" - the int32 index of each pixel's ab bin (`ab_bins(grid)`,
            the paper's classification); "ab" - the ab values / 110 (regression).
        grid: ab bin spacing of the "bins" target.
        seed: unused - the op is deterministic; accepted because the pipeline
            passes every pretext op its seed.

    Returns:
        A dataset of `(L / 100 float32 [batch, H, W, 1], targets)` with targets
        int32 [batch, H, W] ("bins") or float32 [batch, H, W, 2] ("ab").
    """
    if target not in _TARGETS:
        raise ValueError(f"colorization: target must be one of {_TARGETS}, got {target!r}")
    spec = image_batches_spec(ds, "colorization", image_key)
    channels = spec.shape[-1]
    if channels != 3:
        raise ValueError(
            f"colorization needs RGB images (3 channels) from ds, got "
            f"{'an unknown number of' if channels is None else channels} channel"
            f"{'' if channels == 1 else 's'} (shape {spec.shape}); grayscale images cannot be "
            "colorized"
        )
    del seed  # deterministic: no randomness
    bins = ab_bins(grid) if target == "bins" else None

    def make(*element):  # tuple elements arrive unpacked
        images = images_of(element[0] if len(element) == 1 else element, image_key)
        lab = rgb_to_lab(images)
        lightness = lab[..., :1] / L_SCALE
        if target == "bins":
            return lightness, quantize_ab(lab[..., 1:], bins, grid)
        return lightness, lab[..., 1:] / AB_SCALE

    return ds.map(make, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


@PRETEXT_PLOTS.register("colorization")
def plot(batch, path: str, *, title: str | None = None, model=None, images: int = 8) -> str:
    """Rows of the lightness input, the `model`'s colorization (L + its predicted
    ab, annealed mean in "bins" mode) and the target colours (L + the target ab;
    the bin centres in "bins" mode, so slightly quantized)."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    lightness, targets = batch
    lightness = tf.cast(lightness[:images], tf.float32)
    targets = targets[:images]
    n = int(lightness.shape[0])
    if targets.dtype.is_integer:  # "bins": bin centres of the target bins
        target_ab = tf.gather(tf.constant(ab_bins(10)), targets)
    else:
        target_ab = tf.cast(targets, tf.float32) * AB_SCALE
    L = lightness * L_SCALE
    gray = np.repeat(np.asarray(lightness, np.float32), 3, axis=-1)
    rows = [gray]
    names = ["L input"] * n
    if model is not None:
        rows.append(np.asarray(lab_to_rgb(tf.concat([L, model.predict_ab(lightness)], -1))))
        names += ["colorized"] * n
    rows.append(np.asarray(lab_to_rgb(tf.concat([L, target_ab], -1))))
    names += ["original"] * n
    return viz.image_grid(
        np.concatenate(rows), names, path, columns=n, title=title or "colorization"
    )
