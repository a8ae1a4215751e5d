"""The LSTM encoder-decoder "composite model" (Srivastava, Mansimov &
Salakhutdinov, "Unsupervised Learning of Video Representations using LSTMs",
ICML 2015).

A conv frame encoder embeds each of the `context` input frames; an encoder
LSTM reads the frame features in order, and its final state (h, c) - the
representation - initializes two decoder LSTMs with their own weights:

- the reconstruction decoder re-creates the input frames in REVERSE order
  (the paper's choice: the last frame seen is the first to reconstruct, so
  the nearest target is the most recently encoded one, "short-range"
  dependencies first), and
- the prediction decoder generates the `future` frames that follow.

Each decoder step's LSTM output becomes pixels through a deconvolutional
frame decoder (logits); the loss is the per-pixel binary cross-entropy of
both, frames being intensities in [0, 1] (the paper's loss on Moving MNIST).
Reconstruction alone can memorize trivial details; prediction alone has
little reason to keep what it saw long ago: the composite of the two is what
the paper found to learn the best representation.

Differences from the paper, stated plainly: the paper feeds (patches of)
raw pixels or pre-trained CNN percepts to fully connected LSTMs with 2048
units and fully connected outputs; here the frames go through a (trainable)
conv encoder and the outputs through a conv-transpose decoder, which suits
32x32 frames and two CPU cores. The decoders are "unconditioned" (zero
inputs at every step, the variant the paper found about as good and simpler
to train: no teacher forcing), so `predict_frames` can roll the prediction
decoder out for any number of steps.

Representation for evaluation: `evaluation_encoder(input_shape)` - clips
[T, H, W, C] -> the encoder LSTM's final state on the first `context` frames
(h and c concatenated; options below).

Serving signature: `clips` (float32 [batch, context, H, W, C] in [0, 1]) ->
`embedding` (the concatenated state), `reconstruction` (the input frames in
reverse order) and `prediction` (the `future` next frames), both
probabilities in [0, 1].
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import BatchMean
from tfxlearn.nets.video import TakeFrames, encode_frames, sampled_frame_indices
from tfxlearn.paradigms.base import Paradigm
from tfxlearn.paradigms.base_frame_prediction import FramePredictor, check_clips, float_clips
from tfxlearn.registry import PARADIGMS

_FEATURES = ("state", "hidden", "frames_and_state")


def frame_decoder(
    input_dim: int,
    frame_shape: tuple,
    widths: tuple = (64, 32, 16),
    name: str = "frame_decoder",
) -> keras.Model:
    """A vector [input_dim] -> frame logits [H, W, C]: a dense layer to a coarse
    map, then one stride-2 4x4 transposed convolution + ReLU per width (each
    doubles the resolution), a resize if the sizes do not divide, a 3x3 conv
    to the channels. No batch norm: the decoders see one frame per step, and
    their outputs stay the same on one device and across replicas."""
    h, w, c = (int(d) for d in frame_shape)
    if not widths or min(int(x) for x in widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive ints, got {widths}")
    steps = len(widths)
    h0, w0 = math.ceil(h / 2**steps), math.ceil(w / 2**steps)
    inputs = keras.Input((int(input_dim),), name="state")
    x = keras.layers.Dense(h0 * w0 * int(widths[0]), activation="relu", name="project")(inputs)
    x = keras.layers.Reshape((h0, w0, int(widths[0])), name="coarse_map")(x)
    for i, width in enumerate(widths):
        x = keras.layers.Conv2DTranspose(
            int(width), 4, strides=2, padding="same", activation="relu", name=f"up{i}"
        )(x)
    if (h0 * 2**steps, w0 * 2**steps) != (h, w):
        x = keras.layers.Resizing(h, w, interpolation="bilinear", name="resize")(x)
    outputs = keras.layers.Conv2D(c, 3, padding="same", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def binary_cross_entropy_per_clip(frames: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Mean per-pixel binary cross-entropy of each clip [batch] (targets in [0, 1])."""
    values = tf.nn.sigmoid_cross_entropy_with_logits(labels=frames, logits=logits)
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


@PARADIGMS.register("composite_lstm")
@keras.saving.register_keras_serializable(package="tfxlearn")
class CompositeLstm(FramePredictor, Paradigm):
    """Encoder LSTM + input-reconstruction and future-prediction decoder LSTMs.

    Args:
        encoder: the frame encoder, a Keras model with a fixed input shape
            (H, W, C) mapping frames to feature vectors (e.g.
            `conv_encoder((32, 32, 1), pooling="flatten")`: flattening keeps
            where the sprite is, which the decoders need).
        context: input frames per clip (the pretext op's `context`).
        future: frames predicted (the pretext op's `future`).
        units: units of the three LSTMs.
        decoder_widths: filters of the frame decoders' upsampling steps.
        reconstruction_weight: weight of the reconstruction loss (the
            prediction loss has weight 1; 0 gives a pure future predictor).
        reconstruction_decoder, prediction_decoder: models [units] -> frame
            logits [H, W, C]; `frame_decoder(units, (H, W, C), decoder_widths)`
            each if omitted.

    Inputs of `call`: float clips [batch, frames, H, W, C] in [0, 1] (the
    context frames); outputs `{"reconstruction": logits [batch, frames, H, W,
    C] (the input reversed), "prediction": logits [batch, future, H, W, C]}`.
    Training batches are `(context frames, future frames)`, as
    `tfxlearn.pretext.frame_prediction` makes them.
    """

    pretext = "frame_prediction"
    sub_models = ("encoder", "reconstruction_decoder", "prediction_decoder")

    def __init__(
        self,
        encoder: keras.Model,
        context: int = 8,
        future: int = 8,
        units: int = 256,
        decoder_widths: tuple = (64, 32, 16),
        reconstruction_weight: float = 1.0,
        reconstruction_decoder: keras.Model | None = None,
        prediction_decoder: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        frame_shape = tuple(encoder.input_shape[1:])
        if len(frame_shape) != 3 or any(d is None for d in frame_shape):
            raise ValueError(
                "CompositeLstm needs a frame encoder with a fixed input shape (height, width, "
                f"channels) to decode back to, got {frame_shape}"
            )
        if len(encoder.output_shape) != 2:
            raise ValueError(
                f"encoder must map frames to feature vectors [batch, d], got output shape "
                f"{encoder.output_shape} (use pooling='avg' or 'flatten')"
            )
        for name, value in (("context", context), ("future", future), ("units", units)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not float(reconstruction_weight) >= 0:
            raise ValueError(f"reconstruction_weight must be >= 0, got {reconstruction_weight!r}")
        self.encoder = encoder
        self.context = int(context)
        self.future = int(future)
        self.units = int(units)
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        self.reconstruction_weight = float(reconstruction_weight)
        self.encoder_lstm = keras.layers.LSTM(self.units, return_state=True, name="encoder_lstm")
        self.reconstruction_lstm = keras.layers.LSTM(
            self.units, return_sequences=True, name="reconstruction_lstm"
        )
        self.prediction_lstm = keras.layers.LSTM(
            self.units, return_sequences=True, name="prediction_lstm"
        )
        self.reconstruction_decoder = reconstruction_decoder or frame_decoder(
            self.units, frame_shape, self.decoder_widths, name="reconstruction_decoder"
        )
        self.prediction_decoder = prediction_decoder or frame_decoder(
            self.units, frame_shape, self.decoder_widths, name="prediction_decoder"
        )
        for name, decoder in (
            ("reconstruction_decoder", self.reconstruction_decoder),
            ("prediction_decoder", self.prediction_decoder),
        ):
            if tuple(decoder.output_shape[1:]) != frame_shape:
                raise ValueError(
                    f"{name} must output frames {frame_shape}, got {decoder.output_shape[1:]}"
                )
        self.batch_mean = BatchMean()
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_bce")
        self.prediction_tracker = keras.metrics.Mean(name="prediction_bce")

    # ------------------------------------------------------------------ parts

    def encode_frames(self, clips: tf.Tensor, training=False) -> tf.Tensor:
        """[batch, T, H, W, C] -> frame features [batch, T, d] (all frames in one
        encoder batch, so batch norm sees every time step together)."""
        return encode_frames(self.encoder, clips, training=training)

    def encode(self, clips: tf.Tensor, training=False) -> list:
        """The encoder LSTM's final state [h, c] after reading `clips`."""
        _, h, c = self.encoder_lstm(self.encode_frames(clips, training), training=training)
        return [h, c]

    def decode(self, lstm, decoder, state: list, steps, training=False) -> tf.Tensor:
        """Frame logits [batch, steps, H, W, C] of an unconditioned decoder LSTM
        started from `state` (its inputs are zeros)."""
        batch = tf.shape(state[0])[0]
        inputs = tf.zeros(tf.stack([batch, steps, 1]), state[0].dtype)
        outputs = lstm(inputs, initial_state=state, training=training)
        flat = tf.reshape(outputs, [-1, self.units])
        frames = decoder(flat, training=training)
        return tf.reshape(frames, tf.concat([[batch, steps], tf.shape(frames)[1:]], axis=0))

    def call(self, clips, training=False):
        clips = tf.convert_to_tensor(clips)
        check_clips(clips, self.image_shape)
        state = self.encode(clips, training)
        return {
            "reconstruction": self.decode(
                self.reconstruction_lstm,
                self.reconstruction_decoder,
                state,
                tf.shape(clips)[1],
                training,
            ),
            "prediction": self.decode(
                self.prediction_lstm, self.prediction_decoder, state, self.future, training
            ),
        }

    # ------------------------------------------------------------------ training

    def loss_terms(self, x, y, y_pred) -> dict:
        """Per-clip BCE of the reversed-input reconstruction and of the prediction."""
        if y is None:
            raise ValueError(
                "CompositeLstm needs (context frames, future frames) batches; wrap the "
                "dataset with tfxlearn.pretext.frame_prediction"
            )
        y = tf.convert_to_tensor(y)
        check_clips(y, self.image_shape, "future frames")
        if y.shape[1] is not None and y.shape[1] != self.future:
            raise ValueError(
                f"future frames must hold future={self.future} frames, got shape {y.shape}"
            )
        reversed_input = tf.reverse(tf.convert_to_tensor(x), axis=[1])
        return {
            "reconstruction_bce": binary_cross_entropy_per_clip(
                reversed_input, y_pred["reconstruction"]
            ),
            "prediction_bce": binary_cross_entropy_per_clip(y, y_pred["prediction"]),
        }

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        terms = self.loss_terms(x, y, y_pred)
        values = terms["prediction_bce"] + self.reconstruction_weight * terms["reconstruction_bce"]
        loss = self.batch_mean(values, sample_weight)  # Keras scales it for the strategy
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        terms = self.loss_terms(x, y, y_pred)
        self.reconstruction_tracker.update_state(terms["reconstruction_bce"], sample_weight)
        self.prediction_tracker.update_state(terms["prediction_bce"], sample_weight)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    # ------------------------------------------------------------------ use

    def predict_frames(self, context_frames, future: int, batch_size: int = 64) -> np.ndarray:
        """Predicted future frames (probabilities, NumPy float32 [n, future, H, W, C])
        for context clips [n, T, H, W, C] (uint8 or float in [0, 1]); the prediction
        decoder is rolled out for `future` steps, which may differ from training's."""
        if isinstance(future, bool) or not isinstance(future, (int, np.integer)) or future < 1:
            raise ValueError(f"future must be a positive int, got {future!r}")
        frames = float_clips(context_frames)
        check_clips(frames, self.image_shape, "context_frames")
        out = []
        for i in range(0, len(frames), int(batch_size)):
            state = self.encode(tf.constant(frames[i : i + int(batch_size)]))
            logits = self.decode(self.prediction_lstm, self.prediction_decoder, state, int(future))
            out.append(tf.sigmoid(logits).numpy())
        return np.concatenate(out)

    def evaluation_encoder(
        self, input_shape: tuple, features: str = "state", sample_frames: int = 4
    ) -> keras.Model:
        """Clips [T, H, W, C] -> representation of the first `context` frames.

        Args:
            input_shape: per-example clip shape (T >= context, H, W, C).
            features: "state" - the encoder LSTM's final (h, c) concatenated
                (2 * units); "hidden" - h only; "frames_and_state" - also the
                frame features of `sample_frames` evenly spaced context frames.
            sample_frames: frames whose features "frames_and_state" adds.
        """
        clips, seen = self.context_input(input_shape)
        if features not in _FEATURES:
            raise ValueError(f"features must be one of {_FEATURES}, got {features!r}")
        frame_features = keras.layers.TimeDistributed(self.encoder, name="frame_features")(seen)
        _, h, c = self.encoder_lstm(frame_features)
        out = h if features == "hidden" else keras.layers.Concatenate(name="state")([h, c])
        if features == "frames_and_state":
            taken = TakeFrames(sampled_frame_indices(self.context, sample_frames), name="sampled")(
                frame_features
            )
            out = keras.layers.Concatenate(name="features")(
                [keras.layers.Flatten(name="sampled_features")(taken), out]
            )
        return keras.Model(clips, out, name="composite_lstm_encoder")

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, clips):
        check_clips(clips, self.image_shape)
        state = self.encode(clips)
        return {
            "embedding": tf.concat(state, axis=-1),
            "reconstruction": tf.sigmoid(
                self.decode(
                    self.reconstruction_lstm,
                    self.reconstruction_decoder,
                    state,
                    tf.shape(clips)[1],
                )
            ),
            "prediction": tf.sigmoid(
                self.decode(self.prediction_lstm, self.prediction_decoder, state, self.future)
            ),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "context": self.context,
            "future": self.future,
            "units": self.units,
            "decoder_widths": list(self.decoder_widths),
            "reconstruction_weight": self.reconstruction_weight,
        }
