"""Relative patch location labels (Doersch, Gupta & Efros, "Unsupervised Visual
Representation Learning by Context Prediction", ICCV 2015).

A 3x3 grid of square patches is laid over each image; the model sees the
centre patch and one of its 8 neighbours and predicts where the neighbour is:
label 0..7 in reading order (top-left, top, top-right, left, right,
bottom-left, bottom, bottom-right).

Geometry (per image axis): patches of `patch_size` pixels, `gap` pixels apart
on the grid; the whole grid is placed at a random position inside the image
(when the image is larger than the grid needs), and the neighbour patch is
jittered by up to `jitter` pixels along each axis relative to its grid cell.
The grid with the jitter margin needs `3 * patch_size + 2 * gap + 2 * jitter`
pixels per side; larger settings are refused. The two patches never overlap
(`gap >= jitter` is required): their distance varies in [gap - jitter, gap + jitter].

Shortcuts guarded against (paper, section 3):
- Edge continuity / texture continuation: the gap keeps the patches apart, so
  low-level lines running from one patch into the other do not give the
  answer away.
- Exact alignment: the jitter of the neighbour patch changes its offset by a
  few pixels, so the exact pixel offset of continuing structures does not
  either.
- Chromatic aberration: lenses shift the colour channels relative to each
  other depending on the position in the frame, which reveals absolute patch
  position. With `color_dropping=True` each patch keeps one random channel,
  the others are replaced by low-amplitude Gaussian noise (the paper's
  colour dropping). For single-channel (grayscale, e.g. Fashion-MNIST) images
  this is a no-op - there is no colour to shift.
- Low-level intensity cues (optional `normalize=True`): each patch is
  standardized on its own (rescaled to the batch's mean/std so it stays in the
  range of whole images), so brightness/contrast matching across patches does
  not help.
- Batch-statistics leaks: in `mode="all"` the 8 pairs of an image are
  interleaved (image 0 with labels 0..7, then image 1, ...), so every slice of
  a batch - e.g. each replica's share - holds all 8 classes in equal numbers.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import image_batches_spec, images_of, map_batches
from tfxlearn.pretext.patches import (
    crop_patches,
    drop_colors,
    int_uniform,
    layout_canvas,
    normalize_patches,
)
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

NUM_POSITIONS = 8
LABEL_NAMES = (
    "top-left",
    "top",
    "top-right",
    "left",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
)
_SHORT_NAMES = ("TL", "T", "TR", "L", "R", "BL", "B", "BR")  # plot titles
# (row, column) step of each label's neighbour relative to the centre patch.
OFFSETS = np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)], np.int32)
_MODES = ("all", "random")


def check_geometry(
    height: int | None, width: int | None, patch_size: int, gap: int, jitter: int
) -> None:
    """Raises a clear ValueError unless the 3x3 patch grid fits the image."""
    for name, value, low in (("patch_size", patch_size, 1), ("gap", gap, 0), ("jitter", jitter, 0)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(
                f"relative_patch_location: {name} must be an int >= {low}, got {value!r}"
            )
    if gap < jitter:
        raise ValueError(
            f"relative_patch_location: gap ({gap}) must be >= jitter ({jitter}), otherwise "
            "the jittered neighbour patch can overlap the centre patch and share pixels"
        )
    need = 3 * patch_size + 2 * gap + 2 * jitter
    for side_name, side in (("height", height), ("width", width)):
        if side is not None and side < need:
            raise ValueError(
                f"relative_patch_location: 3 * patch_size + 2 * gap + 2 * jitter = "
                f"3 * {patch_size} + 2 * {gap} + 2 * {jitter} = {need} pixels do not fit the "
                f"image {side_name} of {side}; choose smaller patch_size, gap or jitter"
            )


def relative_patch_pairs(
    images: tf.Tensor,
    seed: tf.Tensor,
    *,
    patch_size: int = 8,
    gap: int = 1,
    jitter: int = 1,
    mode: str = "all",
    color_dropping: bool = True,
    normalize: bool = False,
) -> tuple[tf.Tensor, tf.Tensor]:
    """(centre, neighbour) patch pairs and their relative-position labels.

    Args:
        images: [batch, height, width, channels], uint8 in [0, 255] or float in [0, 1].
        seed: shape [2] integer seed (stateless: same seed, same pairs).
        patch_size, gap, jitter: the grid geometry (see the module docstring).
        mode: "all" - the 8 neighbours of every image, interleaved per image
            (8 * batch pairs); "random" - one random neighbour per image.
        color_dropping: colour dropping of each patch (no-op for 1 channel).
        normalize: standardize each patch (rescaled to the batch's mean/std).

    Returns:
        (pairs float32 [n, 2, patch_size, patch_size, channels] - centre
        first -, labels int32 [n]) with n = 8 * batch or batch.
    """
    if mode not in _MODES:
        raise ValueError(f"relative_patch_location: mode must be one of {_MODES}, got {mode!r}")
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(
            "relative_patch_location: images must be a batch [batch, height, width, channels], "
            f"got shape {images.shape}"
        )
    check_geometry(images.shape[1], images.shape[2], patch_size, gap, jitter)
    seed = tf.cast(seed, tf.int32)
    label_seed, origin_seed, jitter_seed, color_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 4)
    )
    shape = tf.shape(images)
    batch = shape[0]
    per_image = NUM_POSITIONS if mode == "all" else 1
    if mode == "all":
        labels = tf.tile(tf.range(NUM_POSITIONS, dtype=tf.int32), [batch])
    else:
        labels = int_uniform([batch], label_seed, 0, NUM_POSITIONS - 1)
    labels_2d = tf.reshape(labels, [batch, per_image])
    offsets = tf.gather(tf.constant(OFFSETS), labels_2d)  # [B, K, 2]

    step = patch_size + gap
    extent = 3 * patch_size + 2 * gap + 2 * jitter
    slack = tf.stack([shape[1], shape[2]]) - extent  # [2] >= 0
    # Random placement of the grid (one per pair) inside the image's spare room.
    origin = tf.stack(
        [
            int_uniform([batch, per_image], s, 0, slack[a])
            for a, s in enumerate(
                tf.unstack(tf.random.experimental.stateless_split(origin_seed, 2))
            )
        ],
        axis=-1,
    )  # [B, K, 2]
    centre = origin + jitter + step  # top-left corner of the centre cell
    shift = int_uniform([batch, per_image, 2], jitter_seed, -jitter, jitter)
    neighbour = centre + offsets * step + shift
    corners = tf.stack([centre, neighbour], axis=2)  # [B, K, 2 (patch), 2 (axis)]
    corners = tf.reshape(corners, [batch, 2 * per_image, 2])
    patches = crop_patches(images, corners[..., 0], corners[..., 1], patch_size)
    pairs = to_float_images(patches)
    pairs = tf.reshape(pairs, tf.stack([batch * per_image, 2, patch_size, patch_size, shape[3]]))
    if color_dropping:
        pairs = drop_colors(pairs, color_seed)
    if normalize:
        pairs = normalize_patches(pairs, reference=to_float_images(images))
    return pairs, labels


@PRETEXT_PLOTS.register("relative_patch_location")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 16) -> str:
    """Draws `examples` pairs of an output batch: each on a 3x3 layout with the
    centre patch in the middle and the neighbour at its labelled cell, titled
    with the label (and the model's prediction, if a model is given)."""
    from tfxlearn import viz

    pairs, labels = (np.asarray(t) for t in batch)
    pairs, labels = pairs[:examples], labels[:examples]
    titles = [_SHORT_NAMES[int(k)] for k in labels]
    if model is not None:
        predicted = np.asarray(model(pairs, training=False)).argmax(-1)
        titles = [f"{t} (pred {_SHORT_NAMES[int(p)]})" for t, p in zip(titles, predicted)]
    canvases = [
        layout_canvas([p[0], p[1]], [(1, 1), tuple(1 + OFFSETS[int(k)])], grid=3)
        for p, k in zip(pairs, labels)
    ]
    return viz.image_grid(np.stack(canvases), titles, path, title=title)


@PRETEXT_OPS.register("relative_patch_location")
def relative_patch_location(
    ds: tf.data.Dataset,
    *,
    patch_size: int = 8,
    gap: int = 1,
    jitter: int = 1,
    mode: str = "all",
    color_dropping: bool = True,
    normalize: bool = False,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (patch pairs, relative positions).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, channels], uint8 or float in [0, 1].
        patch_size: side of the square patches (>= 8 for the 3-block
            `conv_encoder`, which halves it three times).
        gap: pixels between neighbouring grid cells (guards edge continuity).
        jitter: max shift of the neighbour patch along each axis (guards exact
            alignment); needs `gap >= jitter`. The defaults (8, 1, 1) need
            3 * 8 + 2 * 1 + 2 * 1 = 28 pixels, exactly Fashion-MNIST's side.
        mode: "all" (8 pairs per image, the default) or "random" (one).
        color_dropping: colour dropping against chromatic aberration (no-op
            for 1-channel images).
        normalize: per-patch standardization against low-level intensity cues.
        seed: seed of the random placement, jitter, labels and colour drops,
            combined with the batch index (same seed, same pairs).
        image_key: key of the images in dict elements.

    Returns:
        A dataset of `(pairs float32 [n, 2, patch_size, patch_size, channels],
        labels int32 [n])`, the centre patch first, n = 8 * batch in mode "all".
    """
    if mode not in _MODES:
        raise ValueError(f"relative_patch_location: mode must be one of {_MODES}, got {mode!r}")
    spec = image_batches_spec(ds, "relative_patch_location", image_key)
    check_geometry(spec.shape[1], spec.shape[2], patch_size, gap, jitter)
    options = dict(
        patch_size=patch_size,
        gap=gap,
        jitter=jitter,
        mode=mode,
        color_dropping=color_dropping,
        normalize=normalize,
    )

    def make(batch_seed, element):
        return relative_patch_pairs(images_of(element, image_key), batch_seed, **options)

    return map_batches(ds, seed, make)


relative_patch_location.label_names = LABEL_NAMES
