"""Two augmented views per image for momentum contrast (He, Fan, Wu, Xie &
Girshick, "Momentum Contrast for Unsupervised Visual Representation Learning",
CVPR 2020; augmentations of the "MoCo v2" report, Chen, Fan, Girshick & He,
arXiv:2003.04297, scaled to 28x28 grayscale images).

Each image of a batch gets two independent draws of: random resized crop (area
fraction in `crop_scale`, aspect ratio in `crop_ratio`, resized back to the
input size), horizontal flip, brightness/contrast jitter, and optionally a
Gaussian blur and additive Gaussian noise. The first view is the *query*, the
second its *key*: the positive the query must pick out of the queue of
negatives. The op returns `(queries, keys)`, so Keras sees the key batch where a
label would be - it is the "generated label" of this pretext task.

Shortcuts guarded against:
- Identical pixels/positions. Two views of one image never share a crop box,
  scale or flip, so matching by pixel positions or by low-level local patterns
  at a fixed location does not work; the encoder has to recognise the same
  object at different positions and scales.
- Intensity histograms. Crops of one image share its grey-level distribution
  (the "colour histogram" shortcut of Chen et al., SimCLR, ICML 2020); the
  independent brightness and contrast jitter of each view changes that
  distribution, so it no longer identifies the source image.
- Exact edge/texture statistics (optional blur and noise): views differ in
  sharpness and pixel noise, so high-frequency fingerprints do not match.
The batch-norm statistics shortcut (a positive key normalised with the same
batch as its query) is a model-side leak; `tfxlearn.paradigms.MoCo` handles it
by shuffled batch-norm groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import check_range, image_batches_spec, images_of, map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

DEFAULTS = {
    "crop_scale": (0.2, 1.0),
    "crop_ratio": (3 / 4, 4 / 3),
    "flip": True,
    "jitter_prob": 0.8,
    "brightness": 0.4,
    "contrast": 0.4,
    "blur_prob": 0.0,
    "blur_sigma": (0.1, 1.0),
    "noise_std": 0.0,
}


def check_augmentation(**aug) -> dict:
    """Validates augmentation arguments (see `augment`); returns them completed with defaults."""
    unknown = set(aug) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"moco_views: unknown augmentation argument(s) {sorted(unknown)}")
    out = {**DEFAULTS, **aug}
    out["crop_scale"] = check_range("moco_views", "crop_scale", out["crop_scale"], 0.0, 1.0)
    if out["crop_scale"][0] <= 0:
        raise ValueError(f"moco_views: crop_scale must be > 0, got {out['crop_scale']!r}")
    out["crop_ratio"] = check_range("moco_views", "crop_ratio", out["crop_ratio"], 1e-6)
    out["blur_sigma"] = check_range("moco_views", "blur_sigma", out["blur_sigma"], 1e-6)
    for name in ("jitter_prob", "blur_prob"):
        if not 0.0 <= float(out[name]) <= 1.0:
            raise ValueError(f"moco_views: {name} must be in [0, 1], got {out[name]!r}")
    for name in ("brightness", "contrast"):
        if not 0.0 <= float(out[name]) < 1.0:
            raise ValueError(f"moco_views: {name} must be in [0, 1), got {out[name]!r}")
    if float(out["noise_std"]) < 0:
        raise ValueError(f"moco_views: noise_std must be >= 0, got {out['noise_std']!r}")
    out["flip"] = bool(out["flip"])
    return out


def crop_boxes(
    seed: tf.Tensor,
    batch: tf.Tensor,
    scale: Sequence[float],
    ratio: Sequence[float],
    flip: bool,
) -> tf.Tensor:
    """Random resized-crop boxes [batch, 4] (y1, x1, y2, x2), normalized coordinates.

    Area fraction ~ U(scale), log aspect ratio (width/height) ~ U(log ratio);
    sides are clipped to the image (instead of torchvision's rejection loop).
    A horizontal flip swaps x1 and x2, which `tf.image.crop_and_resize` reads as
    a mirrored crop.
    """
    seeds = tf.random.experimental.stateless_split(seed, 5)
    area = tf.random.stateless_uniform([batch], seeds[0], scale[0], scale[1])
    log_ratio = tf.random.stateless_uniform(
        [batch], seeds[1], math.log(ratio[0]), math.log(ratio[1])
    )
    aspect = tf.exp(log_ratio)
    w = tf.minimum(tf.sqrt(area * aspect), 1.0)
    h = tf.minimum(tf.sqrt(area / aspect), 1.0)
    y1 = tf.random.stateless_uniform([batch], seeds[2]) * (1.0 - h)
    x1 = tf.random.stateless_uniform([batch], seeds[3]) * (1.0 - w)
    y2, x2 = y1 + h, x1 + w
    if flip:
        mirrored = tf.random.stateless_uniform([batch], seeds[4]) < 0.5
        x1, x2 = tf.where(mirrored, x2, x1), tf.where(mirrored, x1, x2)
    return tf.stack([y1, x1, y2, x2], axis=1)


def gaussian_blur(images: tf.Tensor, sigma: tf.Tensor, radius: int) -> tf.Tensor:
    """Blurs image i with a Gaussian of std `sigma[i]` pixels (separable, reflect padding).

    Vectorized: the batch is folded into the channels of one depthwise
    convolution, so every image gets its own kernel in a single op.
    """
    shape = tf.shape(images)
    b, h, w, c = shape[0], shape[1], shape[2], shape[3]
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-tf.square(offsets)[None, :] / (2.0 * tf.square(sigma)[:, None]))
    kernel = kernel / tf.reduce_sum(kernel, axis=1, keepdims=True)  # [B, 2r+1]
    kernel = tf.transpose(tf.repeat(kernel, c, axis=0))  # [2r+1, B*C], b-major as below
    x = tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [1, h, w, b * c])
    x = tf.pad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    x = tf.nn.depthwise_conv2d(x, kernel[:, None, :, None], [1, 1, 1, 1], "VALID")
    x = tf.nn.depthwise_conv2d(x, kernel[None, :, :, None], [1, 1, 1, 1], "VALID")
    return tf.transpose(tf.reshape(x, [h, w, b, c]), [2, 0, 1, 3])


def augment(images: tf.Tensor, seed: tf.Tensor, **aug) -> tf.Tensor:
    """One random view of every image of a batch (stateless: same seed, same view).

    Args:
        images: [batch, height, width, channels], uint8 in [0, 255] or float in [0, 1].
        seed: shape [2] integer seed.
        **aug: crop_scale, crop_ratio, flip, jitter_prob, brightness (multiplicative
            factor in [1 - b, 1 + b]), contrast (factor in [1 - c, 1 + c] around the
            image mean), blur_prob, blur_sigma (pixels), noise_std (see `DEFAULTS`).

    Returns:
        float32 [batch, height, width, channels] in [0, 1].
    """
    aug = check_augmentation(**aug)
    x = to_float_images(tf.convert_to_tensor(images))
    shape = tf.shape(x)
    batch, size = shape[0], shape[1:3]
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int32), 8)
    boxes = crop_boxes(seeds[0], batch, aug["crop_scale"], aug["crop_ratio"], aug["flip"])
    x = tf.image.crop_and_resize(x, boxes, tf.range(batch), size)

    def per_image(s, low, high):
        return tf.random.stateless_uniform([batch, 1, 1, 1], s, low, high)

    if aug["jitter_prob"] > 0 and (aug["brightness"] > 0 or aug["contrast"] > 0):
        jitter = per_image(seeds[1], 0.0, 1.0) < aug["jitter_prob"]
        b, c = aug["brightness"], aug["contrast"]
        brightness = tf.where(jitter, per_image(seeds[2], 1.0 - b, 1.0 + b), 1.0)
        contrast = tf.where(jitter, per_image(seeds[3], 1.0 - c, 1.0 + c), 1.0)
        x = tf.clip_by_value(x * brightness, 0.0, 1.0)
        mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
        x = tf.clip_by_value((x - mean) * contrast + mean, 0.0, 1.0)
    if aug["blur_prob"] > 0:
        sigma = tf.random.stateless_uniform([batch], seeds[4], *aug["blur_sigma"])
        radius = max(1, math.ceil(2 * aug["blur_sigma"][1]))
        blurred = gaussian_blur(x, sigma, radius)
        x = tf.where(per_image(seeds[5], 0.0, 1.0) < aug["blur_prob"], blurred, x)
    if aug["noise_std"] > 0:
        noise = tf.random.stateless_normal(tf.shape(x), seeds[6], stddev=aug["noise_std"])
        x = tf.clip_by_value(x + noise, 0.0, 1.0)
    return x


def two_views(images: tf.Tensor, seed: tf.Tensor, **aug) -> tuple[tf.Tensor, tf.Tensor]:
    """Two independently augmented views of every image: (queries, keys), float in [0, 1]."""
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int32), 2)
    return augment(images, seeds[0], **aug), augment(images, seeds[1], **aug)


@PRETEXT_OPS.register("moco_views")
def moco_views(
    ds: tf.data.Dataset, *, seed: int = 0, image_key: str = "image", **aug
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (query views, key views).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, channels], uint8 or float in [0, 1].
        seed: the views of batch i are drawn from the stateless seed [seed, i].
        image_key: key of the images in dict elements.
        **aug: augmentation arguments of `augment` (crop_scale=(0.2, 1.0),
            crop_ratio, flip, jitter_prob, brightness, contrast, blur_prob,
            blur_sigma, noise_std).

    Returns:
        A dataset of `(queries, keys)`, each float32 [batch, height, width,
        channels] in [0, 1]; keys[i] is the positive of queries[i].
    """
    aug = check_augmentation(**aug)
    image_batches_spec(ds, "moco_views", image_key)

    def make(batch_seed, element):
        return two_views(images_of(element, image_key), tf.cast(batch_seed, tf.int32), **aug)

    return map_batches(ds, seed, make)


@PRETEXT_PLOTS.register("moco_views")
def plot(batch, path: str, *, title: str | None = None, model=None, pairs: int = 16) -> str:
    """Query/key pairs side by side; with a MoCo `model`, each pair is titled with
    the cosine similarity of its two projections (the positive logit)."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    queries, keys = (np.asarray(t, np.float32)[:pairs] for t in batch)
    n = len(queries)
    sides = np.concatenate([queries, np.ones_like(queries[:, :, :2]), keys], axis=2)
    if model is not None:
        q = np.asarray(model(queries, training=False))
        k = np.asarray(model(keys, training=False))
        labels = [f"cos {v:.2f}" for v in np.sum(q * k, axis=1)]
    else:
        labels = [f"pair {i}" for i in range(n)]
    return viz.image_grid(sides, labels, path, columns=4, title=title or "query | key")
