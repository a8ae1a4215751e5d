"""Scores of a predicted change mask against the known one: does an attention map
(attention-guided CycleGAN, Mejjati et al., NeurIPS 2018) cover exactly the
region a translation has to change?

On `textured_digits` (digits drawn on texture crops, the exact digit `mask`
stored) removing the digit changes the digit's pixels and nothing else, so the
thresholded attention of the B -> A direction (digits on textures -> textures)
should be the digit mask.

- `mask_iou(predicted, truth)`: pooled intersection over union,
  sum_i |P_i & T_i| / sum_i |P_i | T_i| over the images (1.0 when both are empty).
- `mean_colour_distance(images)`: the baseline's per-pixel score without any
  learning, the mean absolute difference over channels between a pixel and the
  image's mean colour (the digit is the inverted texture, so it tends to sit far
  from the texture's mean colour).
- `best_threshold(scores, truth, thresholds)`: the threshold of the highest
  `mask_iou` (choose it on a validation carve, then apply it to the test split).
- `masked_images(name, split)`: float images in [0, 1] and bool masks of a
  dataset with a `mask` feature.
"""

from __future__ import annotations

import numpy as np

#: Candidate thresholds: 0.01 ... 0.04 (attention maps can be faint early in
#: training), then 0.05 ... 0.95 in steps of 0.05.
THRESHOLDS = (0.01, 0.02, 0.03, 0.04, *(float(t) for t in np.round(np.arange(0.05, 1.0, 0.05), 2)))


def mask_iou(predicted, truth) -> float:
    """Pooled IoU of bool masks [n, H, W(, 1)]: total intersection / total union."""
    predicted = np.asarray(predicted, bool)
    truth = np.asarray(truth, bool)
    if predicted.shape != truth.shape:
        raise ValueError(
            f"mask_iou: predicted {predicted.shape} and truth {truth.shape} shapes differ"
        )
    union = np.logical_or(predicted, truth).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(predicted, truth).sum() / union)


def mean_colour_distance(images) -> np.ndarray:
    """[n, H, W, 1]: mean over channels of |pixel - the image's mean colour|
    (images float in [0, 1], [n, H, W, C])."""
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"mean_colour_distance: images must be [n, H, W, C], got {images.shape}")
    mean = images.mean(axis=(1, 2), keepdims=True)
    return np.abs(images - mean).mean(axis=-1, keepdims=True)


def best_threshold(scores, truth, thresholds=THRESHOLDS) -> tuple[float, dict]:
    """(the threshold of the highest `mask_iou(scores > t, truth)`, {t: IoU})."""
    scores = np.asarray(scores, np.float32)
    table = {float(t): mask_iou(scores > t, truth) for t in thresholds}
    return max(table, key=table.get), table


def masked_images(
    name: str = "textured_digits",
    split: str = "test",
    max_images: int | None = None,
    data_dir: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(images float32 [n, H, W, C] in [0, 1], masks bool [n, H, W, 1]) of a dataset
    with "image" and "mask" features (the first `max_images`)."""
    from tfxlearn.data import load

    ds = load(name, split, data_dir=data_dir)
    if "mask" not in ds.element_spec:
        raise ValueError(f"{name} has no 'mask' feature (e.g. textured_digits has)")
    if max_images:
        ds = ds.take(int(max_images))
    batches = list(ds.map(lambda e: (e["image"], e["mask"])).batch(1024).as_numpy_iterator())
    images = np.concatenate([b[0] for b in batches]).astype(np.float32) / 255.0
    masks = np.concatenate([b[1] for b in batches]).astype(bool)
    return images, masks
