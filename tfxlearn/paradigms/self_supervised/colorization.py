"""Colorization (Zhang, Isola & Efros, "Colorful Image Colorization", ECCV 2016).

`tfxlearn.pretext.colorization` splits RGB images into the CIE Lab lightness
L (the input) and the colour channels ab (the target). The encoder sees L
only; a decoder from its last feature map predicts, for every pixel, either a
distribution over the quantized ab bins (mode "bins", the paper's
classification, optionally with class-rebalancing weights that favour rare
saturated colours) or the ab values themselves (mode "ab", a regression that
tends to desaturated averages - the paper's baseline).

How this differs from the paper, honestly: the paper's network is a VGG-style
net with dilated convolutions keeping a 1/4-resolution output, trained on
1.3M ImageNet images at 224x224; here any functional encoder with a last
feature map (e.g. `conv_encoder`) is followed by `tfxlearn.nets.conv_decoder`
that upsamples to full resolution. The ab gamut has 261 bins of the sRGB cube
instead of the paper's 313 ImageNet bins (`tfxlearn.pretext.colorization.ab_bins`).

Serving signature: `images` (float32 [batch, H, W, 1], the Lab lightness
L / 100 in [0, 1], as the pretext op makes) -> `embedding` (the encoder) and
`ab` (float32 [batch, H, W, 2] in Lab units: the annealed mean over bins at
temperature 0.38 in "bins" mode, the regression output x 110 in "ab" mode).
`tfxlearn.pretext.lab_to_rgb(concat([100 * images, ab], -1))` gives colours.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets import conv_decoder, feature_map
from tfxlearn.nets.norm import synchronize_like
from tfxlearn.paradigms.base import Paradigm, check_images
from tfxlearn.pretext.colorization import AB_SCALE, ab_bins, annealed_mean
from tfxlearn.registry import PARADIGMS

_MODES = ("bins", "ab")
_AB_LOSSES = ("huber", "mse")
TEMPERATURE = 0.38  # the paper's annealed-mean temperature


class PixelCrossEntropy(keras.losses.Loss):
    """Per-pixel sparse cross-entropy, each pixel weighted by its target bin's weight.

    Each image's loss is the mean over its pixels; Keras's reduction averages
    the images (and scales for the strategy).
    """

    def __init__(self, class_weights=None, **kwargs):
        super().__init__(**kwargs)
        self.class_weights = (
            None if class_weights is None else tf.constant(class_weights, tf.float32)
        )

    def call(self, y_true, y_pred):
        y_true = tf.cast(y_true, tf.int32)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y_true, logits=tf.cast(y_pred, tf.float32)
        )
        if self.class_weights is not None:
            loss = loss * tf.gather(self.class_weights, y_true)
        return tf.reduce_mean(loss, axis=[1, 2])


class PixelRegression(keras.losses.Loss):
    """Mean (over pixels and both ab channels) squared or Huber error per image."""

    def __init__(self, kind: str = "huber", **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def call(self, y_true, y_pred):
        error = tf.cast(y_pred, tf.float32) - tf.cast(y_true, tf.float32)
        if self.kind == "mse":
            per_value = tf.square(error)
        else:  # Huber with delta 1 on ab / 110 targets
            absolute = tf.abs(error)
            quadratic = tf.minimum(absolute, 1.0)
            per_value = 0.5 * tf.square(quadratic) + (absolute - quadratic)
        return tf.reduce_mean(per_value, axis=[1, 2, 3])


@PARADIGMS.register("colorization")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Colorization(Paradigm):
    """Predicts the colour (ab) of every pixel from the lightness (L) of an image.

    Args:
        encoder: a functional Keras model with a fixed input shape (h, w, 1)
            whose last feature map `tfxlearn.nets.feature_map` finds (e.g.
            `conv_encoder((28, 28, 1))`).
        decoder: a model from that feature map to [h, w, num_bins] logits
            ("bins") or [h, w, 2] ab values ("ab"); `conv_decoder(feature_shape,
            ..., widths=decoder_widths)` if omitted.
        mode: "bins" (per-pixel classification over the ab bins) or "ab"
            (per-pixel regression of ab / 110); must match the pretext op's
            `target`.
        num_bins: number of ab bins (`len(ab_bins(10))` if omitted).
        class_weights: optional [num_bins] per-bin loss weights ("bins" mode),
            e.g. `tfxlearn.pretext.colorization.class_rebalancing_weights`.
        ab_loss: "huber" or "mse", the regression loss of "ab" mode.
        decoder_widths: filters of the default decoder's upsampling steps.
    """

    pretext = "colorization"
    sub_models = ("encoder", "decoder")

    def __init__(
        self,
        encoder: keras.Model,
        decoder: keras.Model | None = None,
        mode: str = "bins",
        num_bins: int | None = None,
        class_weights: list | None = None,
        ab_loss: str = "huber",
        decoder_widths: tuple = (64, 32),
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        if ab_loss not in _AB_LOSSES:
            raise ValueError(f"ab_loss must be one of {_AB_LOSSES}, got {ab_loss!r}")
        image_shape = tuple(encoder.input_shape[1:])
        if len(image_shape) != 3 or any(d is None for d in image_shape):
            raise ValueError(
                "Colorization needs an encoder with a fixed input shape (height, width, 1) "
                f"to decode back to, got {image_shape}"
            )
        if image_shape[-1] != 1:
            raise ValueError(
                "Colorization's encoder takes the lightness channel only: its input must have "
                f"1 channel, got input shape {image_shape}"
            )
        gamut = len(ab_bins(10))
        num_bins = gamut if num_bins is None else int(num_bins)
        if mode == "bins" and num_bins != gamut:
            raise ValueError(
                f"num_bins must be {gamut} (the ab bins of tfxlearn.pretext.colorization), "
                f"got {num_bins}"
            )
        if class_weights is not None:
            if mode != "bins":
                raise ValueError('class_weights apply to mode="bins" only')
            class_weights = [float(w) for w in class_weights]
            if len(class_weights) != num_bins or min(class_weights) < 0:
                raise ValueError(
                    f"class_weights must be {num_bins} non-negative weights (one per ab bin), "
                    f"got {len(class_weights)}"
                )
        self.encoder = encoder
        self.features = feature_map(encoder)
        out_channels = num_bins if mode == "bins" else 2
        if decoder is None:
            decoder = synchronize_like(
                conv_decoder(
                    tuple(self.features.output.shape[1:]),
                    image_shape[:2] + (out_channels,),
                    widths=decoder_widths,
                ),
                encoder,
            )
        if decoder.output_shape[-1] != out_channels:
            raise ValueError(
                f"decoder must output {out_channels} channels per pixel in mode {mode!r}, "
                f"got output shape {decoder.output_shape}"
            )
        self.decoder = decoder
        self.mode = mode
        self.num_bins = num_bins
        self.class_weights = class_weights
        self.ab_loss = ab_loss
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        if mode == "bins":
            self.loss_fn = PixelCrossEntropy(class_weights, name="pixel_cross_entropy")
            self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        else:
            self.loss_fn = PixelRegression(ab_loss, name=f"pixel_{ab_loss}")
            self.accuracy_tracker = None

    def call(self, images, training=False):
        check_images(images, self.image_shape)
        return self.decoder(self.features(images, training=training), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            raise ValueError(
                "Colorization needs (lightness, colour targets) batches; wrap the dataset "
                "with tfxlearn.pretext.colorization"
            )
        loss = self.loss_fn(y, y_pred, sample_weight)
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self.accuracy_tracker is not None:
            self.accuracy_tracker.update_state(y, y_pred, sample_weight)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def predict_ab(self, images, temperature: float = TEMPERATURE):
        """ab [batch, H, W, 2] in Lab units for lightness images [batch, H, W, 1] / 100."""
        prediction = self(images, training=False)
        if self.mode == "bins":
            return annealed_mean(prediction, temperature)
        return tf.cast(prediction, tf.float32) * AB_SCALE

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        return {"embedding": self.encoder(images, training=False), "ab": self.predict_ab(images)}

    def get_config(self):
        return {
            **super().get_config(),
            "mode": self.mode,
            "num_bins": self.num_bins,
            "class_weights": self.class_weights,
            "ab_loss": self.ab_loss,
            "decoder_widths": list(self.decoder_widths),
        }
