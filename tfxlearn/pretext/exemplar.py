"""Exemplar surrogate classes (Dosovitskiy, Springenberg, Riedmiller & Brox,
"Discriminative Unsupervised Feature Learning with Convolutional Neural
Networks", NIPS 2014).

Every seed image is its own class: the label of an example is the seed image's
position in the training split (the `index` that `tfxlearn.pipeline.example_gen`
adds), and its inputs are heavily augmented copies of the seed image. The
transformations follow the paper, scaled to whole small images instead of
32x32 patches: translation by up to `translate` of the image size, scaling by
a factor in `scale`, rotation by an arbitrary angle within `rotate` degrees
(one affine transform per image, `ImageProjectiveTransformV3` with per-image
matrices), and the paper's "contrast 2" on value (and saturation for colour
images): raising to a power in `power` (log-uniform), multiplying by a factor
in `multiply` and adding an offset in `add`; colour images also get a hue
shift in `hue` (the paper's "color"). With `views` > 1 each batch holds
`views` independent augmentations of each seed image, interleaved (seed 0's
views, then seed 1's, ...), like the four rotations of `tfxlearn.pretext.rotation`.

Shortcuts guarded against:
- Low-level statistics identify a seed image without understanding it: its
  exact pixel positions (translation, scaling and rotation move every pixel),
  its mean brightness and grey-level histogram (the power / multiply / add
  jitter changes them per view; hue too for colour). Only what survives the
  transformations - shape, parts, texture - tells the classes apart.
- Border artifacts. Rotating or shrinking leaves regions with no source pixel;
  a constant fill draws straight-edged wedges whose shape tells the transform
  (and, for natural images, differs from anything seen at evaluation). The
  default `fill_mode="nearest"` continues the border pixels instead: on
  Fashion-MNIST's black background it is identical to a black fill, and where a
  garment touches the border it extends it rather than cutting it with a
  telltale edge. "reflect" is available (it mirrors content, which can create
  duplicate object parts when zooming out).
- Batch-statistics leaks. The views of one seed are interleaved, so every
  slice of a batch (each replica's share) holds the same classes in the same
  proportions.
What it does not guard against: with thousands of classes and few views per
epoch the classifier can memorise idiosyncratic details of each seed image;
more views per image and fewer, longer-trained classes reduce that.
"""

from __future__ import annotations

import math

import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import check_range, image_batches_spec, images_of
from tfxlearn.registry import PRETEXT_OPS

DEFAULTS = {
    "translate": 0.2,  # fraction of the image size, each axis (paper: 0.2 of the patch)
    "scale": (0.7, 1.4),  # paper's scaling factors
    "rotate": 20.0,  # degrees, +- (paper: up to 20)
    "power": (0.25, 4.0),  # value (and saturation) raised to this power, log-uniform
    "multiply": (0.7, 1.4),
    "add": (-0.1, 0.1),
    "hue": 0.1,  # colour images: hue shift in [-hue, hue] (fraction of the colour wheel)
    "flip": False,  # horizontal flips (not in the paper)
    "fill_mode": "nearest",
}
_FILL_MODES = ("nearest", "reflect", "constant", "wrap")


def check_augmentation(**aug) -> dict:
    """Validates augmentation arguments (see `augment`); returns them completed with defaults."""
    unknown = set(aug) - set(DEFAULTS)
    if unknown:
        raise ValueError(
            f"exemplar: unknown augmentation argument(s) {sorted(unknown)}; "
            f"known: {sorted(DEFAULTS)}"
        )
    out = {**DEFAULTS, **aug}
    out["scale"] = check_range("exemplar", "scale", out["scale"], 1e-3)
    out["power"] = check_range("exemplar", "power", out["power"], 1e-3)
    out["multiply"] = check_range("exemplar", "multiply", out["multiply"], 0.0)
    out["add"] = check_range("exemplar", "add", out["add"], -1.0, 1.0)
    for name, high in (("translate", 1.0), ("rotate", 180.0), ("hue", 0.5)):
        if not 0.0 <= float(out[name]) <= high:
            raise ValueError(f"exemplar: {name} must be in [0, {high}], got {out[name]!r}")
        out[name] = float(out[name])
    if out["fill_mode"] not in _FILL_MODES:
        raise ValueError(
            f"exemplar: fill_mode must be one of {_FILL_MODES}, got {out['fill_mode']!r}"
        )
    out["flip"] = bool(out["flip"])
    return out


def affine_matrices(
    height: tf.Tensor,
    width: tf.Tensor,
    angle: tf.Tensor,
    scale: tf.Tensor,
    shift: tf.Tensor,
    flip: tf.Tensor | None = None,
) -> tf.Tensor:
    """Per-image projective-transform rows [batch, 8] for `ImageProjectiveTransformV3`.

    The forward transform rotates by `angle` (radians), scales by `scale`
    (mirrored horizontally where `flip`) about the image centre and then
    translates by `shift` ([batch, 2], (dx, dy) pixels).
    The returned rows map *output* pixel coordinates to input coordinates (the
    inverse), which is what the op expects.
    """
    angle = tf.cast(angle, tf.float32)
    cos, sin = tf.cos(angle), tf.sin(angle)
    inv = 1.0 / tf.cast(scale, tf.float32)
    mirror = tf.ones_like(inv) if flip is None else tf.where(flip, -1.0, 1.0)
    # Inverse of R(angle) @ diag(mirror * s, s) (y axis points down, hence the signs).
    a0, a1 = mirror * cos * inv, -mirror * sin * inv
    b0, b1 = sin * inv, cos * inv
    cx = (tf.cast(width, tf.float32) - 1.0) / 2.0
    cy = (tf.cast(height, tf.float32) - 1.0) / 2.0
    shift = tf.cast(shift, tf.float32)
    ox, oy = cx + shift[:, 0], cy + shift[:, 1]
    a2 = cx - (a0 * ox + a1 * oy)
    b2 = cy - (b0 * ox + b1 * oy)
    zeros = tf.zeros_like(a0)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def transform(images: tf.Tensor, matrices: tf.Tensor, fill_mode: str = "nearest") -> tf.Tensor:
    """Applies one projective transform per image (bilinear), float32 images."""
    shape = tf.shape(images)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=matrices,
        output_shape=shape[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode=fill_mode.upper(),
    )


def augment(images: tf.Tensor, seed: tf.Tensor, **aug) -> tf.Tensor:
    """One random exemplar transformation of every image (stateless: same seed, same views).

    Args:
        images: [batch, height, width, channels], uint8 in [0, 255] or float in [0, 1].
        seed: shape [2] integer seed.
        **aug: translate, scale, rotate, power, multiply, add, hue, flip,
            fill_mode (see `DEFAULTS`).

    Returns:
        float32 [batch, height, width, channels] in [0, 1].
    """
    aug = check_augmentation(**aug)
    x = to_float_images(tf.convert_to_tensor(images))
    shape = tf.shape(x)
    batch, height, width = shape[0], shape[1], shape[2]
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int32), 9)

    def uniform(s, low, high, n=None):
        return tf.random.stateless_uniform([batch] if n is None else [batch, n], s, low, high)

    rotate = math.radians(aug["rotate"])
    angle = uniform(seeds[0], -rotate, rotate)
    log_scale = uniform(seeds[1], math.log(aug["scale"][0]), math.log(aug["scale"][1]))
    size = tf.cast(tf.stack([width, height]), tf.float32)
    shift = uniform(seeds[2], -aug["translate"], aug["translate"], 2) * size
    flip = uniform(seeds[3], 0.0, 1.0) < 0.5 if aug["flip"] else None
    matrices = affine_matrices(height, width, angle, tf.exp(log_scale), shift, flip)
    x = transform(x, matrices, aug["fill_mode"])

    def photometric(values, s):  # the paper's "contrast 2" on [batch, h, w, k] in [0, 1]
        s = tf.random.experimental.stateless_split(s, 3)
        p = tf.exp(uniform(s[0], math.log(aug["power"][0]), math.log(aug["power"][1])))
        m = uniform(s[1], *aug["multiply"])
        a = uniform(s[2], *aug["add"])
        values = tf.pow(tf.clip_by_value(values, 0.0, 1.0), p[:, None, None, None])
        return tf.clip_by_value(values * m[:, None, None, None] + a[:, None, None, None], 0.0, 1.0)

    if images.shape[-1] == 3:
        hsv = tf.image.rgb_to_hsv(tf.clip_by_value(x, 0.0, 1.0))
        hue = tf.math.floormod(
            hsv[..., :1] + uniform(seeds[4], -aug["hue"], aug["hue"])[:, None, None, None], 1.0
        )
        sat = photometric(hsv[..., 1:2], seeds[5])
        val = photometric(hsv[..., 2:3], seeds[6])
        return tf.image.hsv_to_rgb(tf.concat([hue, sat, val], axis=-1))
    return photometric(x, seeds[6])


def exemplar_views(
    images: tf.Tensor, labels: tf.Tensor, seed: tf.Tensor, views: int = 1, **aug
) -> tuple[tf.Tensor, tf.Tensor]:
    """`views` augmentations of every image, interleaved per image.

    Args:
        images: [batch, height, width, channels].
        labels: [batch] surrogate class of each image (its index).
        seed: shape [2] integer seed.
        views: augmented copies per image.
        **aug: see `augment`.

    Returns:
        (views float32 [views * batch, height, width, channels] in [0, 1],
        labels int32 [views * batch]) where output v + views * i is a view of images[i].
    """
    images = tf.convert_to_tensor(images)
    repeated = tf.repeat(images, views, axis=0) if views > 1 else images
    labels = tf.cast(labels, tf.int32)
    labels = tf.repeat(labels, views, axis=0) if views > 1 else labels
    return augment(repeated, seed, **aug), labels


def _index_of(element, index_key: str) -> tf.Tensor:
    if isinstance(element, dict):
        if index_key not in element:
            raise ValueError(
                f"exemplar: dict elements have no {index_key!r} entry (keys: {sorted(element)}); "
                "the surrogate class of an image is its index - use tfxlearn.pipeline.example_gen "
                "(which adds 'index') or pass index_key="
            )
        return element[index_key]
    if isinstance(element, (tuple, list)) and len(element) >= 2:
        return element[1]
    raise ValueError(
        "exemplar: the surrogate class of an image is its index; elements must be dicts with "
        f"an {index_key!r} entry or (images, index) tuples, not bare image tensors"
    )


@PRETEXT_OPS.register("exemplar")
def exemplar(
    ds: tf.data.Dataset,
    *,
    num_classes: int | None = None,
    views: int = 1,
    seed: int = 0,
    image_key: str = "image",
    index_key: str = "index",
    **aug,
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (augmented views, surrogate class labels).

    Args:
        ds: batched dataset whose elements are dicts with images under
            `image_key` and the example index under `index_key` (as
            `tfxlearn.pipeline.example_gen` makes), or `(images, index)` tuples;
            images [batch, height, width, channels], uint8 or float in [0, 1].
        num_classes: number of surrogate classes (seed images); every index
            must lie in [0, num_classes) - checked when the batch is made.
        views: augmented views per seed image in each batch (a batch of B
            images becomes views * B examples, interleaved per image).
        seed: the views of batch i are drawn from the stateless seed [seed, i].
        image_key: key of the images in dict elements.
        index_key: key of the surrogate class (the example's index).
        **aug: augmentation arguments of `augment` (translate, scale, rotate,
            power, multiply, add, hue, flip, fill_mode).

    Returns:
        A dataset of `(images float32 in [0, 1], labels int32)`.
    """
    if num_classes is None or int(num_classes) < 2:
        raise ValueError(
            "exemplar: num_classes (the number of seed images, e.g. dataset.pretext_max_train) "
            f"must be an int >= 2, got {num_classes!r}"
        )
    num_classes = int(num_classes)
    if int(views) < 1:
        raise ValueError(f"exemplar: views must be >= 1, got {views!r}")
    views = int(views)
    aug = check_augmentation(**aug)
    image_batches_spec(ds, "exemplar", image_key)
    index_spec = _index_of(ds.element_spec, index_key)
    if index_spec.shape.rank != 1 or not index_spec.dtype.is_integer:
        raise ValueError(
            f"exemplar: the index must be an integer vector [batch], got {index_spec.dtype.name} "
            f"of shape {index_spec.shape}"
        )

    def make(batch_seed, element):
        index = _index_of(element, index_key)
        check = tf.debugging.assert_less(
            index,
            tf.cast(num_classes, index.dtype),
            message=f"exemplar: an index is >= num_classes={num_classes}; the surrogate classes "
            "are the first num_classes images (set dataset.pretext_max_train to num_classes)",
        )
        check_low = tf.debugging.assert_non_negative(index, message="exemplar: negative index")
        with tf.control_dependencies([check, check_low]):
            index = tf.identity(index)
        return exemplar_views(
            images_of(element, image_key), index, tf.cast(batch_seed, tf.int32), views, **aug
        )

    def make_indexed(i, element):  # the seeds of `batch_seeds`, in one map stage
        return make(tf.stack([tf.constant(seed, tf.int64), i]), element)

    return ds.enumerate().map(make_indexed, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
