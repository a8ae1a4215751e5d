"""Neural style transfer by optimizing the image (Gatys, Ecker & Bethge, "Image
Style Transfer Using Convolutional Neural Networks", CVPR 2016).

The output image x starts from the content image (or noise) and is optimized
to minimize the perceptual loss (`tfxlearn.losses.PerceptualLoss`): the content
loss at a deep layer of a fixed feature extractor against the content image,
the style loss on the Gram matrices of several layers against the style image,
and a total-variation penalty. L-BFGS (the paper's optimizer; SciPy's L-BFGS-B,
which also keeps the pixels in [0, 1]) or Adam (pixels clipped to [0, 1] after
each step).

The extractor is any functional Keras model on images in [0, 1]: by default
`tfxlearn.nets.default_extractor` - VGG19 with ImageNet weights when the Keras
cache holds them, else a random-weight multi-scale network (Ustyuzhaninov et
al., ICLR 2017), since no ImageNet weights are reachable offline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import load_image
from tfxlearn.losses import PerceptualLoss
from tfxlearn.nets import (
    default_extractor,
    default_layers,
    feature_model,
    random_texture_extractor,
    vgg19_extractor,
)
from tfxlearn.progress import progress

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise")


@dataclasses.dataclass
class StyleTransferResult:
    """What `transfer` returns.

    Attributes:
        images: float32 [n, H, W, C] in [0, 1], the stylized images.
        before: per-image loss terms {"loss", "content", "style", "tv"} [n] of the
            content images themselves (content loss 0).
        after: the same terms of `images`.
        history: the batch's total loss at each evaluation (L-BFGS) or step (Adam).
        content_layers, style_layers: the layers used.
        extractor: the extractor's name.
    """

    images: np.ndarray
    before: dict
    after: dict
    history: np.ndarray
    content_layers: list
    style_layers: list
    extractor: str


def _batch(images, size) -> np.ndarray:
    """[n, H, W, C] float32 from one image (name, path, array) or a list of them."""
    if isinstance(images, str) or (not isinstance(images, (list, tuple)) and np.ndim(images) < 4):
        return load_image(images, size=size)[None]
    loaded = [load_image(i, size=size) for i in images]
    if not loaded or len({i.shape for i in loaded}) != 1:
        raise ValueError(
            "content must be one image or a non-empty batch of one size, got sizes "
            f"{sorted({i.shape for i in loaded})}: pass size=..."
        )
    return np.stack(loaded)


def resolve_extractor(extractor, channels: int) -> keras.Model:
    """A Keras model from `extractor`: a model as is, None / "auto"
    (`default_extractor`), "random" (`random_texture_extractor`) or "vgg19"
    (ImageNet weights from the Keras cache)."""
    if isinstance(extractor, keras.Model):
        return extractor
    if extractor in (None, "auto"):
        return default_extractor((None, None, channels))
    if extractor == "random":
        return random_texture_extractor((None, None, channels))
    if extractor == "vgg19":
        return vgg19_extractor("imagenet", (None, None, channels))
    raise ValueError(
        f"extractor must be a keras.Model, None / 'auto', 'random' or 'vgg19', got {extractor!r}"
    )


def transfer(
    content,
    style,
    *,
    extractor=None,
    content_layers: Sequence[str] | None = None,
    style_layers: Sequence[str] | None = None,
    content_weight: float = 1.0,
    style_weight: float = 1000.0,
    tv_weight: float = 0.01,
    steps: int = 200,
    optimizer: str = "lbfgs",
    learning_rate: float = 0.02,
    init: str = "content",
    size=None,
    style_size=None,
    seed: int = 0,
    show_progress: bool = False,
) -> StyleTransferResult:
    """Stylizes `content` with the style of `style` by optimizing the image (Gatys et al.).

    Args:
        content: one image or a batch: an array [H, W, C] / [n, H, W, C] (uint8,
            or floats in [0, 1]), a scikit-image name ("astronaut") or a file
            path, or a list of these (one size).
        style: one style image (array, scikit-image name or path); it must have
            the content images' channel count (`tfxlearn.data.load_image(...,
            channels=3)` converts a grey texture).
        extractor: a functional Keras model on images in [0, 1], or None /
            "auto" / "random" / "vgg19" (see `resolve_extractor`).
        content_layers, style_layers: layer names of the extractor
            (`tfxlearn.nets.default_layers` of the built-in extractors if omitted).
        content_weight, style_weight, tv_weight: alpha, beta, gamma of the loss.
        steps: L-BFGS iterations or Adam steps.
        optimizer: "lbfgs" (SciPy L-BFGS-B in the box [0, 1]) or "adam".
        learning_rate: Adam's learning rate.
        init: "content" (start from the content image) or "noise" (seeded uniform).
        size: resize the content images (an int: the shorter side; or (H, W)).
        style_size: resize the style image (default: as given).
        seed: seed of the noise initialization.
        show_progress: a progress bar over Adam's steps (L-BFGS runs without one).

    Raises:
        ValueError: a style image whose channel count differs from the content's,
            a layer name the extractor does not have (the message lists its
            layers), or bad arguments - before any step.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    contents = _batch(content, size)
    style_array = load_image(style if isinstance(style, str) else np.asarray(style), style_size)
    if style_array.shape[-1] != contents.shape[-1]:
        raise ValueError(
            f"style image has {style_array.shape[-1]} channel(s) but the content images have "
            f"{contents.shape[-1]}: convert one, e.g. tfxlearn.data.load_image(style, "
            f"channels={contents.shape[-1]})"
        )
    model = resolve_extractor(extractor, int(contents.shape[-1]))
    if content_layers is None or style_layers is None:
        default_content, default_style = default_layers(model)
        content_layers = default_content if content_layers is None else content_layers
        style_layers = default_style if style_layers is None else style_layers
    content_layers = [content_layers] if isinstance(content_layers, str) else list(content_layers)
    style_layers = [style_layers] if isinstance(style_layers, str) else list(style_layers)
    loss = PerceptualLoss(
        feature_model(model, content_layers + style_layers),
        content_layers,
        style_layers,
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
    )
    content_t = tf.constant(contents)
    style_targets = loss.style_targets(tf.constant(style_array[None]))
    content_targets = loss.content_targets(content_t)

    def terms_of(images):
        return {k: v.numpy() for k, v in loss(images, content_targets, style_targets).items()}

    before = terms_of(content_t)
    if init == "content":
        start = contents
    else:
        start = tf.random.stateless_uniform(contents.shape, [int(seed), 0]).numpy()

    @tf.function
    def value_and_gradient(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            total = tf.reduce_sum(loss(images, content_targets, style_targets)["loss"])
        return total, tape.gradient(total, images)

    history = []
    if optimizer == "lbfgs":
        images = _lbfgs(value_and_gradient, start, steps, history)
    else:
        iterations = range(steps)
        if show_progress:
            iterations = progress(iterations, total=steps, desc="style transfer", unit="step")
        images = _adam(value_and_gradient, start, iterations, learning_rate, history)
    after = terms_of(tf.constant(images))
    return StyleTransferResult(
        images=images,
        before=before,
        after=after,
        history=np.asarray(history, np.float32),
        content_layers=content_layers,
        style_layers=style_layers,
        extractor=model.name,
    )


def _lbfgs(value_and_gradient, start, steps, history) -> np.ndarray:
    from scipy.optimize import minimize  # SciPy comes with scikit-learn

    shape = start.shape

    def fun(flat):
        value, gradient = value_and_gradient(tf.constant(flat.reshape(shape), tf.float32))
        history.append(float(value))
        return float(value), gradient.numpy().astype(np.float64).ravel()

    result = minimize(
        fun,
        np.asarray(start, np.float64).ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * int(np.prod(shape)),
        options={"maxiter": int(steps), "maxfun": 2 * int(steps) + 20},
    )
    return np.clip(result.x.reshape(shape), 0, 1).astype(np.float32)


def _adam(value_and_gradient, start, iterations, learning_rate, history) -> np.ndarray:
    images = tf.Variable(np.asarray(start, np.float32))
    adam = keras.optimizers.Adam(learning_rate)
    adam.build([images])
    for _ in iterations:
        value, gradient = value_and_gradient(tf.convert_to_tensor(images))
        adam.apply_gradients([(gradient, images)])
        images.assign(tf.clip_by_value(images, 0.0, 1.0))
        history.append(float(value))
    return images.numpy()
