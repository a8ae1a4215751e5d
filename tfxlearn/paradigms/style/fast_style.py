"""Fast style transfer (Johnson, Alahi & Fei-Fei, "Perceptual Losses for
Real-Time Style Transfer and Super-Resolution", ECCV 2016).

A feed-forward image transformation network (`tfxlearn.nets.transformation_net`)
is trained to stylize any content image in one pass: for each training image x
it outputs y = f(x), and the perceptual loss (`tfxlearn.losses.PerceptualLoss`)
of y is computed through a frozen feature extractor - the content loss against
x's own features at the content layers, the style loss against the Gram
matrices of one fixed style image at the style layers, plus total variation.
No labels and no stylized targets: the extractor's statistics are the only
supervision. Gatys et al.'s optimization (`tfxlearn.style.transfer`) minimizes
the same loss for one image at a time; this network amortizes it.

The extractor is any functional Keras model on images in [0, 1]: VGG19 with
ImageNet weights as in the paper when they are available, else (offline, the
default) the random multi-scale network of Ustyuzhaninov et al. (ICLR 2017),
`tfxlearn.nets.default_extractor`. Its weights are never trained.

Training step: the images are flipped left-right at random (augmentation; one
stateless draw per global-batch position from the step's seed, so one device
and N replicas flip the same images), stylized, and the per-image loss is
reduced by `tfxlearn.losses.BatchMean`; only the transformation network is
updated. The style targets are recomputed from the style image each step (one
small forward pass), so they always match the extractor's current weights,
e.g. after loading a checkpoint.

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1], H and W
multiples of 4, any size) -> `stylized` (float32, same shape, in [0, 1]).
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import load_image, to_float_images
from tfxlearn.losses import BatchMean, PerceptualLoss
from tfxlearn.nets import default_layers, feature_model
from tfxlearn.paradigms.base import Paradigm, batched_numpy, check_images, global_batch_noise
from tfxlearn.registry import PARADIGMS

TERMS = ("loss", "content", "style", "tv")


def _style_value(style_image):
    """The config form of `style_image`: a string as is, an array as nested lists."""
    if isinstance(style_image, (str, os.PathLike)):
        return os.fspath(style_image)
    array = np.asarray(style_image)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    return np.asarray(array, np.float32).tolist()


@PARADIGMS.register("fast_style")
@keras.saving.register_keras_serializable(package="tfxlearn")
class FastStyle(Paradigm):
    """A feed-forward network trained to stylize images with one style (Johnson et al.).

    Args:
        transformer: a Keras model from images [batch, H, W, C] in [0, 1] to
            images of the same shape in [0, 1] (e.g. `tfxlearn.nets.transformation_net`).
        extractor: a functional Keras model on the same images whose layers the
            losses read (e.g. `tfxlearn.nets.random_texture_extractor()` or
            `vgg19_extractor()`); frozen.
        style_image: the style: a scikit-image image name ("brick", "gravel", ...)
            or an image file path (converted to the transformer's channel count),
            or an array [H, W, C] (uint8, or floats in [0, 1]) whose channel count
            must be the transformer's.
        style_size: resize the style image to this shorter side (None: as is).
        content_layers, style_layers: layer names of `extractor`
            (`tfxlearn.nets.default_layers(extractor)` if omitted).
        content_weight, style_weight, tv_weight: alpha, beta, gamma of the
            perceptual loss (a style weight much larger than the content's makes
            the network paint the texture whatever its input: the `style_transfer`
            protocol's `content_ratio` shows it).
        flip: random left-right flips of the training images.
        seed: seed of the flips.
    """

    sub_models = ("transformer", "extractor")

    def __init__(
        self,
        transformer: keras.Model,
        extractor: keras.Model,
        style_image="brick",
        style_size: int | None = 128,
        content_layers: list | None = None,
        style_layers: list | None = None,
        content_weight: float = 1.0,
        style_weight: float = 10.0,
        tv_weight: float = 0.01,
        flip: bool = True,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for argument, model in (("transformer", transformer), ("extractor", extractor)):
            if not isinstance(model, keras.Model):
                raise TypeError(f"{argument} must be a keras.Model, got {type(model).__name__}")
        shape = tuple(transformer.input_shape[1:])
        if len(shape) != 3 or shape[-1] is None:
            raise ValueError(
                f"transformer must take images [batch, H, W, C] with a known channel count, "
                f"got input shape {transformer.input_shape}"
            )
        if tuple(transformer.output_shape[1:]) != shape:
            raise ValueError(
                f"transformer must output images of its input shape {shape}, got output shape "
                f"{transformer.output_shape}"
            )
        channels = int(shape[-1])
        if extractor.input_shape[-1] != channels:
            raise ValueError(
                f"extractor takes {extractor.input_shape[-1]} channels but the transformer's "
                f"images have {channels}"
            )
        self.style_image = _style_value(style_image)
        self.style_size = None if style_size is None else int(style_size)
        named = isinstance(self.style_image, str)
        style = load_image(
            self.style_image if named else np.asarray(self.style_image, np.float32),
            size=self.style_size,
            channels=channels if named else None,
        )
        if style.shape[-1] != channels:
            raise ValueError(
                f"style_image has {style.shape[-1]} channel(s) but the content images (the "
                f"transformer's input) have {channels}; convert it, e.g. "
                f"tfxlearn.data.load_image(image, channels={channels})"
            )
        self.style = tf.constant(style[None])
        if content_layers is None or style_layers is None:
            default_content, default_style = default_layers(extractor)
            content_layers = default_content if content_layers is None else content_layers
            style_layers = default_style if style_layers is None else style_layers
        self.content_layers = (
            [content_layers] if isinstance(content_layers, str) else list(content_layers)
        )
        self.style_layers = [style_layers] if isinstance(style_layers, str) else list(style_layers)
        self.transformer = transformer
        self.extractor = extractor
        extractor.trainable = False
        self.perceptual = PerceptualLoss(
            feature_model(extractor, self.content_layers + self.style_layers),
            self.content_layers,
            self.style_layers,
            content_weight=content_weight,
            style_weight=style_weight,
            tv_weight=tv_weight,
        )
        self.content_weight = self.perceptual.content_weight
        self.style_weight = self.perceptual.style_weight
        self.tv_weight = self.perceptual.tv_weight
        self.flip = bool(flip)
        self.seed = int(seed)
        self.batch_mean = BatchMean()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in TERMS}

    # ------------------------------------------------------------------ forward

    @property
    def image_shape(self) -> tuple:
        return tuple(self.transformer.input_shape[1:])

    def _checked(self, images):
        images = to_float_images(tf.convert_to_tensor(images))
        check_images(images, self.image_shape)
        for axis, name in ((1, "height"), (2, "width")):
            size = images.shape[axis]
            if size is not None and size % 4:
                raise ValueError(
                    f"images {name} must be a multiple of 4 (the transformation network "
                    f"downsamples twice by 2), got shape {tuple(images.shape)}"
                )
        return images

    def call(self, images, training=False):
        """Stylized images [batch, H, W, C] in [0, 1]."""
        return self.transformer(self._checked(images), training=training)

    def loss_terms(self, images, stylized) -> dict:
        """Per-image {"loss", "content", "style", "tv"} [batch] of `stylized` images
        for the content `images`."""
        return self.perceptual(
            stylized,
            self.perceptual.content_targets(images),
            self.perceptual.style_targets(self.style),
        )

    # ------------------------------------------------------------------ steps

    def _images(self, data):
        return self._checked(data[0] if isinstance(data, (tuple, list)) else data)

    def augment(self, images, seed):
        """Random left-right flips, one stateless draw per global-batch position."""
        if not self.flip:
            return images
        draw = global_batch_noise(seed, tf.shape(images)[0], (), "uniform")
        return tf.where(draw[:, None, None, None] < 0.5, tf.reverse(images, axis=[2]), images)

    def train_step(self, data):
        images = self.augment(self._images(data), self.step_seed(0))
        variables = self.transformer.trainable_weights
        with tf.GradientTape() as tape:
            terms = self.loss_terms(images, self.transformer(images, training=True))
            loss = self.batch_mean(terms["loss"])  # Keras scales it for the strategy
            if self.losses:
                loss = loss + super().compute_loss(x=images, training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._track(terms)

    def test_step(self, data):
        images = self._images(data)
        return self._track(self.loss_terms(images, self.transformer(images, training=False)))

    def _track(self, terms):
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name])
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ------------------------------------------------------------------ NumPy helpers

    def stylize(self, images, batch_size: int = 32) -> np.ndarray:
        """Stylized images [n, H, W, C] in [0, 1] of images (uint8 or floats in [0, 1])."""
        return batched_numpy(lambda x: self(x, training=False), images, batch_size)

    def style_losses(self, images, batch_size: int = 32) -> dict:
        """Per-image loss terms ("loss", "content", "style", "tv"), each float [n], of
        the stylized images; of the images themselves ("identity_*": the loss
        before stylization, content 0); and of the style image resized to the
        images' size ("style_image_*": an output that ignores the content)."""
        images = np.asarray(images)
        out = {}
        for start in range(0, len(images), int(batch_size)):
            batch = self._checked(images[start : start + int(batch_size)])
            size = tf.shape(batch)[1:3]
            style = tf.image.resize(self.style, size, "bilinear", antialias=True)
            style = tf.repeat(tf.cast(style, batch.dtype), tf.shape(batch)[0], axis=0)
            outputs = {
                "": self.transformer(batch, training=False),
                "identity_": batch,
                "style_image_": style,
            }
            for prefix, output in outputs.items():
                terms = self.loss_terms(batch, output)
                for name in TERMS:
                    out.setdefault(prefix + name, []).append(terms[name].numpy())
        return {k: np.concatenate(v) for k, v in out.items()}

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's figure: the style image, test images and their stylizations."""
        from tfxlearn import viz  # plotting only when asked

        del labels, class_names
        shown = np.asarray(images)[:8]
        path = os.path.join(plot_dir, "stylized.png")
        rows = {"style": self.style.numpy(), "content": shown, "stylized": self.stylize(shown)}
        return {"stylized": viz.image_rows(rows, path, title="fast_style: test images")}

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        return {"stylized": self(images, training=False)}

    def get_config(self):
        return {
            **super().get_config(),
            "style_image": self.style_image,
            "style_size": self.style_size,
            "content_layers": list(self.content_layers),
            "style_layers": list(self.style_layers),
            "content_weight": self.content_weight,
            "style_weight": self.style_weight,
            "tv_weight": self.tv_weight,
            "flip": self.flip,
            "seed": self.seed,
        }
