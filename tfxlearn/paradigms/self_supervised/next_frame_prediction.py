"""Convolutional next-frame prediction with the image gradient difference loss
(Mathieu, Couprie & LeCun, "Deep multi-scale video prediction beyond mean
square error", ICLR 2016), optionally adversarial.

The `context` input frames are stacked along the channels ([H, W, context *
C]) and a conv generator predicts the next `future` frames at once. The
paper's point is the loss: L2 (or L1) alone is minimized by the *average* of
the plausible futures - a blur - so it adds

- the image gradient difference loss (`tfxlearn.losses.GradientDifferenceLoss`,
  eq. 5), which asks the predicted frames to have the target's edge
  strengths, weight `gdl_weight` (paper: 1, alpha 1 or 2), and
- optionally an adversarial term: a discriminator sees the context frames
  stacked with either the true or the predicted future frames (the paper's
  D also conditions on the input) and the generator is also trained to fool
  it (non-saturating loss, weight `adversarial_weight`, paper: 0.05). Then
  each step first updates the discriminator, then the generator, each with its
  own optimizer (`AdversarialParadigm`).

Differences from the paper, stated plainly: the paper's generator is a
4-scale pyramid of fully convolutional nets at 32x32 (each scale refines the
upsampled prediction of the coarser one); here one scale, a conv encoder
(`encoder`, the representation evaluated) down to a small feature map and a
conv-transpose decoder back to pixels, which is enough for 32x32 moving
digits and two CPU cores. Frames are in [0, 1] with sigmoid outputs (the paper
uses tanh and [-1, 1]).

Representation for evaluation: `evaluation_encoder(input_shape)` - clips
[T, H, W, C] -> the encoder's features of the first `context` frames stacked.

Serving signature: `clips` (float32 [batch, context, H, W, C] in [0, 1]) ->
`embedding` (encoder features) and `prediction` (the next `future` frames,
probabilities in [0, 1]).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import (
    BatchMean,
    discriminator_loss_values,
    generator_loss_values,
    gradient_difference,
)
from tfxlearn.nets import feature_map
from tfxlearn.nets.video import StackFrames, unstack_frames
from tfxlearn.paradigms.base_adversarial import AdversarialParadigm
from tfxlearn.paradigms.base_frame_prediction import FramePredictor, check_clips, float_clips
from tfxlearn.registry import PARADIGMS

PIXEL_LOSSES = ("l2", "l1")
OUTPUT_ACTIVATIONS = ("linear", "sigmoid")


def map_decoder(
    feature_shape: tuple, output_shape: tuple, widths: tuple = (64, 32), name: str = "decoder"
) -> keras.Model:
    """Feature map [h, w, c] -> logits [H, W, C]: stride-2 4x4 transposed convs + ReLU
    (the last width repeats) until the map reaches the output size, a bilinear resize
    if the sizes do not divide, a 3x3 conv to the channels. No batch norm, so the
    decoder's outputs are the same on one device and across replicas."""
    h, w, c = (int(d) for d in feature_shape)
    out_h, out_w, out_c = (int(d) for d in output_shape)
    if not widths or min(int(x) for x in widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive ints, got {widths}")
    inputs = keras.Input((h, w, c), name="feature_map")
    x, size, i = inputs, (h, w), 0
    while size[0] < out_h or size[1] < out_w:
        width = int(widths[min(i, len(widths) - 1)])
        x = keras.layers.Conv2DTranspose(
            width, 4, strides=2, padding="same", activation="relu", name=f"up{i}"
        )(x)
        size, i = (size[0] * 2, size[1] * 2), i + 1
    if size != (out_h, out_w):
        x = keras.layers.Resizing(out_h, out_w, interpolation="bilinear", name="resize")(x)
    outputs = keras.layers.Conv2D(out_c, 3, padding="same", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def pixel_loss_per_clip(truth: tf.Tensor, predicted: tf.Tensor, kind: str = "l2") -> tf.Tensor:
    """Mean squared (l2) or absolute (l1) error per clip [batch]."""
    error = predicted - truth
    values = tf.square(error) if kind == "l2" else tf.abs(error)
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


@PARADIGMS.register("next_frame_prediction")
@keras.saving.register_keras_serializable(package="tfxlearn")
class NextFramePrediction(FramePredictor, AdversarialParadigm):
    """Predicts the next frames from stacked context frames; Lp + GDL (+ adversarial) loss.

    Args:
        encoder: a conv encoder of the stacked context frames, fixed input shape
            (H, W, context * C), e.g. `conv_encoder((32, 32, context))` for
            grayscale frames; its last feature map (`nets.feature_map`) feeds the
            decoder and its output is the representation.
        context: input frames.
        future: frames predicted at once (longer horizons: `predict_frames`
            feeds predictions back).
        decoder_widths: filters of the default decoder's upsampling steps.
        pixel_loss: "l2" (default) or "l1".
        gdl_weight: weight lambda_gdl of the gradient difference loss (0: none).
        gdl_alpha: its exponent (1 or 2 in the paper). Default 2: with alpha 1
            on sparse frames the GDL drives a randomly initialized generator
            to flat (blank) outputs within a few steps - each spurious edge
            costs its full size - and a flat output is a stationary point
            (the derivative TF gives |x| at 0 is 0), so training stalls there
            (measured on moving squares: L2 stuck at the all-black value);
            alpha 2 penalizes small spurious gradients only quadratically.
        discriminator: None (no adversarial term), or a model of the context
            and future frames stacked, [H, W, (context + future) * C], to
            features; a Dense(1) real/fake head is added.
        adversarial_weight: weight lambda_adv of the generator's adversarial
            loss (used with a discriminator).
        decoder: feature map -> logits [H, W, future * C]; `map_decoder` if omitted.
        head: the discriminator's real/fake head; Dense(1) if omitted.
        output_activation: "linear" (default): the decoder's outputs are the
            frames, clipped to [0, 1] only by `predict_frames` and serving;
            "sigmoid": squashed into [0, 1]. With an L2 loss on sparse frames
            (a small digit on black) a sigmoid output saturates: it learns
            black frames first and the gradient 2 (p - y) p (1 - p) of the
            missed digit pixels then vanishes (measured on moving squares:
            stuck at blank frames, no better than copying the last frame).
        seed: unused by the steps (no noise); kept for `AdversarialParadigm`.

    `compile(optimizer=...)` without a discriminator; with one,
    `compile(generator_optimizer=..., discriminator_optimizer=...)` or just
    `optimizer=` (the discriminator then gets a fresh copy of its config).
    """

    pretext = "frame_prediction"
    sub_models = ("encoder", "discriminator", "decoder", "head")

    def __init__(
        self,
        encoder: keras.Model,
        context: int = 4,
        future: int = 1,
        decoder_widths: tuple = (64, 32),
        pixel_loss: str = "l2",
        gdl_weight: float = 1.0,
        gdl_alpha: float = 2.0,
        discriminator: keras.Model | None = None,
        adversarial_weight: float = 0.05,
        decoder: keras.Model | None = None,
        head: keras.Model | None = None,
        output_activation: str = "linear",
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        for name, value in (("context", context), ("future", future)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        stacked = tuple(encoder.input_shape[1:])
        if len(stacked) != 3 or any(d is None for d in stacked) or stacked[-1] % context:
            raise ValueError(
                f"encoder must take stacked frames (height, width, context * channels) with a "
                f"fixed shape, context={context}; got input shape {stacked}"
            )
        if pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f"pixel_loss must be one of {PIXEL_LOSSES}, got {pixel_loss!r}")
        if not float(gdl_weight) >= 0 or not float(adversarial_weight) >= 0:
            raise ValueError(
                f"gdl_weight and adversarial_weight must be >= 0, got {gdl_weight!r}, "
                f"{adversarial_weight!r}"
            )
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}"
            )
        self.output_activation = output_activation
        if not float(gdl_alpha) > 0:
            raise ValueError(f"gdl_alpha must be > 0, got {gdl_alpha!r}")
        self.encoder = encoder
        self.context, self.future = int(context), int(future)
        self.channels = stacked[-1] // self.context
        self.frame_shape = (stacked[0], stacked[1], self.channels)
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        self.pixel_loss, self.gdl_weight = pixel_loss, float(gdl_weight)
        self.gdl_alpha, self.adversarial_weight = float(gdl_alpha), float(adversarial_weight)
        self.features = feature_map(encoder)
        target = (stacked[0], stacked[1], self.future * self.channels)
        self.decoder = decoder or map_decoder(
            tuple(self.features.output.shape[1:]), target, self.decoder_widths
        )
        if tuple(self.decoder.output_shape[1:]) != target:
            raise ValueError(f"decoder must output {target}, got {self.decoder.output_shape[1:]}")
        self.stack = StackFrames(name="stack_frames")
        self.discriminator = discriminator
        self.head = None
        if discriminator is not None:
            want = (stacked[0], stacked[1], (self.context + self.future) * self.channels)
            if tuple(discriminator.input_shape[1:]) != want:
                raise ValueError(
                    f"discriminator must take the context and future frames stacked {want}, "
                    f"got input shape {discriminator.input_shape[1:]}"
                )
            self.head = head or keras.Sequential(
                [keras.layers.Dense(1, name="real_fake")], name="head"
            )
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.pixel_tracker = keras.metrics.Mean(name=f"{pixel_loss}")
        self.gdl_tracker = keras.metrics.Mean(name="gdl")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.adversarial_tracker = keras.metrics.Mean(name="adversarial")

    @property
    def adversarial(self) -> bool:
        return self.discriminator is not None

    @property
    def roles(self):
        return ("generator", "discriminator") if self.adversarial else ("generator",)

    @property
    def image_shape(self) -> tuple:
        """Per-frame shape (H, W, C)."""
        return self.frame_shape

    # ------------------------------------------------------------------ compile

    def compile(
        self,
        optimizer=None,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss=None,
        **kwargs,
    ):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} computes its own loss; do not pass `loss` to compile()"
            )
        if optimizer is not None and generator_optimizer is not None:
            raise ValueError("pass optimizer= or generator_optimizer=, not both")
        chosen = generator_optimizer if generator_optimizer is not None else optimizer
        generator = keras.optimizers.get(chosen if chosen is not None else "adam")
        if not self.adversarial:
            if discriminator_optimizer is not None:
                raise ValueError(
                    "discriminator_optimizer given, but this NextFramePrediction has no "
                    "discriminator (pass discriminator= to train adversarially)"
                )
            keras.Model.compile(self, optimizer=generator, **kwargs)
            self.generator_optimizer, self.discriminator_optimizer = generator, None
            return
        if discriminator_optimizer is None:
            discriminator_optimizer = type(generator).from_config(generator.get_config())
        super().compile(
            generator_optimizer=generator,
            discriminator_optimizer=discriminator_optimizer,
            **kwargs,
        )

    def get_compile_config(self):
        if not self.adversarial:
            if not getattr(self, "compiled", False):
                return {}
            return {
                "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer)
            }
        return super().get_compile_config()

    def player_variables(self, role):
        if role == "generator":
            return self.encoder.trainable_weights + self.decoder.trainable_weights
        return self.discriminator.trainable_weights + self.head.trainable_weights

    # ------------------------------------------------------------------ parts

    def call(self, clips, training=False):
        """Predicted next `future` frames [batch, future, H, W, C] for context clips
        [batch, context, H, W, C]; with a linear output not yet clipped to [0, 1]
        (`predict_frames` and serving clip them)."""
        clips = tf.convert_to_tensor(clips)
        check_clips(clips, self.frame_shape)
        if clips.shape[1] is not None and clips.shape[1] != self.context:
            raise ValueError(
                f"clips must hold context={self.context} frames (axis 1), got shape {clips.shape}"
            )
        outputs = self.decoder(
            self.features(self.stack(clips), training=training), training=training
        )
        frames = unstack_frames(outputs, self.future)
        if self.output_activation == "sigmoid":
            return tf.sigmoid(frames)
        return frames

    def discriminate(self, context, future, training=False) -> tf.Tensor:
        """Real/fake logits [batch] of context frames followed by (true or predicted) frames."""
        both = self.stack(tf.concat([context, future], axis=1))
        return tf.reshape(self.head(self.discriminator(both, training=training)), [-1])

    # ------------------------------------------------------------------ steps

    def _batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                "NextFramePrediction needs (context frames, future frames) batches; wrap the "
                "dataset with tfxlearn.pretext.frame_prediction"
            )
        context, future = tf.convert_to_tensor(data[0]), tf.convert_to_tensor(data[1])
        check_clips(future, self.frame_shape, "future frames")
        if future.shape[1] is not None and future.shape[1] != self.future:
            raise ValueError(
                f"future frames must hold future={self.future} frames, got shape {future.shape}"
            )
        return context, future

    def generator_terms(self, context, future, predicted, training=False) -> dict:
        """Per-clip loss terms of the generator."""
        terms = {
            self.pixel_loss: pixel_loss_per_clip(future, predicted, self.pixel_loss),
            "gdl": gradient_difference(future, predicted, self.gdl_alpha),
        }
        loss = terms[self.pixel_loss] + self.gdl_weight * terms["gdl"]
        if self.adversarial:
            logits = self.discriminate(context, predicted, training=training)
            terms["adversarial"] = generator_loss_values(logits)
            loss = loss + self.adversarial_weight * terms["adversarial"]
        terms["loss"] = loss
        return terms

    def train_step(self, data):
        context, future = self._batch(data)
        terms = {}
        if self.adversarial:
            predicted = self(context, training=True)
            with tf.GradientTape() as tape:
                d_values = discriminator_loss_values(
                    self.discriminate(context, future, training=True),
                    self.discriminate(context, predicted, training=True),
                )
                d_loss = self.batch_mean(d_values)
            self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
            terms["d_loss"] = d_values
        with tf.GradientTape() as tape:
            predicted = self(context, training=True)
            terms.update(self.generator_terms(context, future, predicted, training=True))
            loss = self.batch_mean(terms["loss"])  # Keras scales it for the strategy
            if self.losses:  # regularization losses, scaled by Keras
                loss = loss + keras.Model.compute_loss(self, x=context, training=True)
        self.update("generator", tape, loss, self.player_variables("generator"))
        return self.track_terms(terms)

    def test_step(self, data):
        context, future = self._batch(data)
        predicted = self(context)
        terms = self.generator_terms(context, future, predicted)
        if self.adversarial:
            terms["d_loss"] = discriminator_loss_values(
                self.discriminate(context, future), self.discriminate(context, predicted)
            )
        return self.track_terms(terms)

    @property
    def metrics(self):
        trackers = [self.loss_tracker, self.pixel_tracker, self.gdl_tracker]
        if self.adversarial:
            trackers += [self.d_loss_tracker, self.adversarial_tracker]
        return trackers

    # ------------------------------------------------------------------ use

    def predict_frames(self, context_frames, future: int, batch_size: int = 64) -> np.ndarray:
        """Predicted frames (NumPy float32 [n, future, H, W, C] in [0, 1]) following
        clips [n, T >= context, H, W, C] (uint8 or float); predictions are fed back
        as context when `future` exceeds the frames the model predicts at once."""
        if isinstance(future, bool) or not isinstance(future, (int, np.integer)) or future < 1:
            raise ValueError(f"future must be a positive int, got {future!r}")
        frames = float_clips(context_frames)
        check_clips(frames, self.frame_shape, "context_frames")
        if frames.shape[1] < self.context:
            raise ValueError(
                f"context_frames hold {frames.shape[1]} frames, fewer than context={self.context}"
            )
        out = []
        for i in range(0, len(frames), int(batch_size)):
            seen = tf.constant(frames[i : i + int(batch_size), -self.context :])
            made = []
            while sum(int(p.shape[1]) for p in made) < int(future):
                predicted = tf.clip_by_value(self(seen), 0.0, 1.0)
                made.append(predicted)
                seen = tf.concat([seen, predicted], axis=1)[:, -self.context :]
            out.append(tf.concat(made, axis=1)[:, : int(future)].numpy())
        return np.concatenate(out)

    def evaluation_encoder(self, input_shape: tuple) -> keras.Model:
        """Clips [T >= context, H, W, C] -> encoder features of the first `context`
        frames stacked."""
        clips, seen = self.context_input(input_shape)
        stacked = StackFrames(name="stack_frames")(seen)
        return keras.Model(clips, self.encoder(stacked), name="next_frame_encoder")

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, clips):
        return {
            "embedding": self.encoder(self.stack(clips), training=False),
            "prediction": tf.clip_by_value(self(clips, training=False), 0.0, 1.0),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "context": self.context,
            "future": self.future,
            "decoder_widths": list(self.decoder_widths),
            "pixel_loss": self.pixel_loss,
            "gdl_weight": self.gdl_weight,
            "gdl_alpha": self.gdl_alpha,
            "adversarial_weight": self.adversarial_weight,
            "output_activation": self.output_activation,
        }
