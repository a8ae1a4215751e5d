"""Audio-visual synchronization, SyncNet (Chung & Zisserman, "Out of time:
automated lip sync in the wild", ACCV workshops 2016).

Two streams embed a short window of video and the audio of a window of the
same duration: the video stream sees the `window` frames stacked in channels
(SyncNet's early fusion of 5 frames; here a `conv_encoder` over
[H, W, window * C]), the audio stream a log-mel spectrogram of the waveform
through a small conv net that keeps *time* (max-pooling, then flatten - no
global pooling, which would discard when a sound happens, i.e. exactly the
information synchronization needs). Each stream ends in an MLP projection; the
embeddings are L2-normalised and compared by Euclidean distance.

Loss (the paper's contrastive loss): for a pair with label
`y = in_sync` and distance `d`, `0.5 * (y * d**2 + (1 - y) * max(margin - d,
0)**2)`: in-sync pairs are pulled together, shifted ones pushed at least
`margin` apart. The paper uses unnormalised features; normalising bounds the
distances to [0, 2], so one margin (1.0) and the in-sync decision threshold
`margin / 2` hold for any run. The pairs come from `tfxlearn.pretext.av_sync`
(in sync and shifted by +-1..max_offset frames, sharing the video window).

Offset estimation (as in the paper): `estimate_offset(clips, audio)`
slides the audio over every candidate offset in [-max_offset, max_offset]
frames, averages the distance over every video window of the clip and
returns the offset of minimum mean distance (the audio of video frame t is
at frame t + offset).

Evaluation: `evaluation_encoder((T, H, W, C))` embeds a clip by the video
stream's features of `windows` evenly spaced windows, concatenated in time
order (a plain functional model for the linear probe and its baselines);
`tfxlearn.evaluation.synchronization` measures in-sync accuracy and offset
error.

Serving signature: `frames` (float32 [batch, window, H, W, C] in [0, 1]) and
`audio` (float32 [batch, window * sample_rate / fps]) -> `distance`,
`video_embedding`, `audio_embedding`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import BatchMean
from tfxlearn.nets import LogMel, StackFrames, conv_encoder, sampled_frame_indices
from tfxlearn.paradigms.base import Paradigm
from tfxlearn.pretext.av_sync import (
    candidate_windows,
    check_window,
    samples_per_frame,
)
from tfxlearn.registry import PARADIGMS

_EPS = 1e-12


@keras.saving.register_keras_serializable(package="tfxlearn")
class ClipWindows(keras.layers.Layer):
    """Clips [batch, T, H, W, C] -> stacked windows [batch, len(starts), H, W, window * C]:
    frames `start .. start + window - 1` of each start, stacked in channels."""

    def __init__(self, starts, window: int, **kwargs):
        super().__init__(**kwargs)
        self.starts = [int(s) for s in starts]
        self.window = int(window)

    def call(self, clips):
        index = np.asarray(self.starts)[:, None] + np.arange(self.window)  # [n, window]
        taken = keras.ops.take(clips, index.reshape(-1), axis=1)  # [b, n * window, H, W, C]
        shape = keras.ops.shape(clips)
        taken = keras.ops.reshape(
            taken, (-1, len(self.starts), self.window, shape[2], shape[3], shape[4])
        )
        moved = keras.ops.transpose(taken, (0, 1, 3, 4, 2, 5))
        return keras.ops.reshape(
            moved, (-1, len(self.starts), shape[2], shape[3], self.window * shape[4])
        )

    def compute_output_shape(self, input_shape):
        b, _, h, w, c = input_shape
        return (b, len(self.starts), h, w, None if c is None else self.window * c)

    def get_config(self):
        return {**super().get_config(), "starts": self.starts, "window": self.window}


def sync_audio_encoder(
    num_samples: int,
    sample_rate: int = 16_000,
    num_mel_bins: int = 32,
    widths: Sequence[int] = (16, 32, 64),
    norm: str = "batch",
    name: str = "sync_audio_encoder",
) -> keras.Model:
    """Waveforms [batch, num_samples] -> log-mel [frames, bins, 1] -> batch-normalised
    -> conv blocks (3x3 conv, norm, ReLU, 2x2 max-pool) -> flattened features.

    Flattening (not global pooling) keeps where in the window each sound is:
    the timing that synchronization is about.
    """
    if isinstance(num_samples, bool) or int(num_samples) < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    frontend = LogMel(int(sample_rate), int(num_mel_bins), name="log_mel")
    frames = frontend.spectrogram.num_frames(int(num_samples))
    body = conv_encoder(
        (frames, int(num_mel_bins), 1),
        widths=tuple(int(w) for w in widths),
        norm=norm,
        pooling="flatten",
        name=f"{name}_conv",
    )
    waveforms = keras.Input((int(num_samples),), name="audio")
    x = frontend(waveforms)
    x = keras.layers.BatchNormalization(synchronized=norm == "sync_batch", name="log_mel_norm")(x)
    return keras.Model(waveforms, body(x), name=name)


def _projection(hidden: int, dim: int, name: str) -> keras.Model:
    layers = []
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden"))
    return keras.Sequential([*layers, keras.layers.Dense(dim, name=f"{name}_out")], name=name)


def _l2_normalize(x):
    return x * tf.math.rsqrt(tf.reduce_sum(tf.square(x), axis=-1, keepdims=True) + _EPS)


@PARADIGMS.register("av_sync")
@keras.saving.register_keras_serializable(package="tfxlearn")
class AvSync(Paradigm):
    """SyncNet: two-stream embeddings of a video window and an audio window, trained
    with the contrastive loss on in-sync vs shifted pairs.

    Args:
        video_encoder: Keras model of stacked frames [batch, H, W, window * C] ->
            features (e.g. `conv_encoder((H, W, window * C))`).
        audio_encoder: Keras model of waveforms [batch, window * sample_rate / fps]
            -> features that keep time; default `sync_audio_encoder(...)` built
            from `num_mel_bins`, `audio_widths` and `audio_norm`.
        window: video frames per example (the op's `window`).
        max_offset: largest shift in frames (the op's `max_offset`); offset
            estimation searches [-max_offset, max_offset].
        fps / sample_rate: frame rate of the clips and sample rate of the audio.
        embedding_dim / hidden: size of the embeddings and of the projections'
            hidden layer (0: linear projections).
        margin: contrastive margin on the distance of shifted pairs (embeddings
            are unit vectors, distances in [0, 2]); a pair is called in sync
            when its distance is below `margin / 2`.
        num_mel_bins / audio_widths / audio_norm: the default audio encoder.
        video_head / audio_head: the projections (built if omitted).

    Inputs of `call`: `{"frames": float [batch, window, H, W, C], "audio": float
    [batch, window * sample_rate / fps]}` (or a `(frames, audio)` tuple); output
    `{"distance", "video_embedding", "audio_embedding"}`.
    """

    pretext = "av_sync"
    sub_models = ("video_encoder", "audio_encoder", "video_head", "audio_head")

    def __init__(
        self,
        video_encoder: keras.Model,
        audio_encoder: keras.Model | None = None,
        window: int = 5,
        max_offset: int = 4,
        fps: float = 10,
        sample_rate: int = 16_000,
        embedding_dim: int = 64,
        hidden: int = 128,
        margin: float = 1.0,
        num_mel_bins: int = 32,
        audio_widths: Sequence[int] = (16, 32, 64),
        audio_norm: str = "batch",
        video_head: keras.Model | None = None,
        audio_head: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(video_encoder, keras.Model):
            raise TypeError(
                f"video_encoder must be a keras.Model, got {type(video_encoder).__name__}"
            )
        check_window(None, window, max_offset)
        self.window = int(window)
        self.max_offset = int(max_offset)
        self.fps = fps
        self.sample_rate = int(sample_rate)
        self.samples_per_frame = samples_per_frame(fps, self.sample_rate)
        self.num_samples = self.window * self.samples_per_frame
        if int(embedding_dim) < 1 or int(hidden) < 0:
            raise ValueError(
                f"embedding_dim must be >= 1 and hidden >= 0, got {embedding_dim}, {hidden}"
            )
        if not 0 < float(margin) <= 2:
            raise ValueError(f"margin must be in (0, 2] (unit embeddings), got {margin!r}")
        self.embedding_dim = int(embedding_dim)
        self.hidden = int(hidden)
        self.margin = float(margin)
        self.num_mel_bins = int(num_mel_bins)
        self.audio_widths = [int(w) for w in audio_widths]
        self.audio_norm = str(audio_norm)
        stacked = tuple(video_encoder.input_shape[1:])
        if len(stacked) != 3 or stacked[-1] is None or stacked[-1] % self.window:
            raise ValueError(
                f"video_encoder must take stacked frames [batch, H, W, window * C] with "
                f"window={self.window}: its channel count must be a multiple of {self.window}, "
                f"got input shape {video_encoder.input_shape}"
            )
        self.frame_shape = (*stacked[:2], stacked[-1] // self.window)
        if audio_encoder is None:
            audio_encoder = sync_audio_encoder(
                self.num_samples,
                self.sample_rate,
                self.num_mel_bins,
                self.audio_widths,
                norm=self.audio_norm,
            )
        if not isinstance(audio_encoder, keras.Model):
            raise TypeError(
                f"audio_encoder must be a keras.Model, got {type(audio_encoder).__name__}"
            )
        if tuple(audio_encoder.input_shape[1:]) != (self.num_samples,):
            raise ValueError(
                f"audio_encoder must take waveforms [batch, {self.num_samples}] (window="
                f"{self.window} frames of {self.samples_per_frame} samples at sample_rate="
                f"{self.sample_rate}, fps={fps}), got input shape {audio_encoder.input_shape}"
            )
        self.video_encoder = video_encoder
        self.audio_encoder = audio_encoder
        self.stack = StackFrames(name="stack_frames")
        self.video_head = video_head or _projection(self.hidden, self.embedding_dim, "video_head")
        self.audio_head = audio_head or _projection(self.hidden, self.embedding_dim, "audio_head")
        self.loss_reducer = BatchMean(name="contrastive")
        self.sync_accuracy = keras.metrics.Mean(name="sync_accuracy")
        self.positive_distance = keras.metrics.Mean(name="positive_distance")
        self.negative_distance = keras.metrics.Mean(name="negative_distance")

    # ------------------------------------------------------------------ model

    @property
    def encoder(self) -> keras.Model:
        """The video stream (stacked frames -> features)."""
        return self.video_encoder

    def _split(self, inputs, argument: str = "inputs"):
        if isinstance(inputs, dict):
            missing = [k for k in ("frames", "audio") if k not in inputs]
            if missing:
                raise ValueError(
                    f"AvSync takes {argument} {{'frames', 'audio'}}; missing {missing} (keys: "
                    f"{sorted(inputs)})"
                )
            return inputs["frames"], inputs["audio"]
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2:
            return inputs
        raise ValueError(
            f"AvSync takes {argument} {{'frames': [batch, {self.window}, H, W, C], 'audio': "
            f"[batch, {self.num_samples}]}} or a (frames, audio) tuple, got "
            f"{type(inputs).__name__}"
        )

    def check_frames(self, frames, argument: str = "frames") -> None:
        shape = tuple(frames.shape)
        want = (self.window, *self.frame_shape)
        if len(shape) != 5:
            raise ValueError(
                f"{argument} must be a batch of rank 5 [batch, {', '.join(map(str, want))}] "
                f"(window of {self.window} frames), got shape {shape}"
            )
        for got, expected in zip(shape[1:], want):
            if got is not None and expected is not None and got != expected:
                what = "channel count" if got == shape[-1] and expected == want[-1] else "shape"
                raise ValueError(
                    f"{argument} {what} does not match the model: got per-example shape "
                    f"{shape[1:]}, the model takes {want} (window, H, W, C)"
                )

    def check_audio(self, audio, argument: str = "audio") -> None:
        shape = tuple(audio.shape)
        if len(shape) == 3 and shape[-1] not in (1, None):
            raise ValueError(
                f"{argument} must be mono [batch, {self.num_samples}], got shape {shape}: "
                f"{shape[-1]} channels (stereo / multichannel); average or pick a channel"
            )
        if len(shape) != 2:
            raise ValueError(
                f"{argument} must be a batch of rank 2 [batch, {self.num_samples}], got {shape}"
            )
        if shape[1] is not None and shape[1] != self.num_samples:
            raise ValueError(
                f"{argument} length mismatch: {shape[1]} samples, but a window of "
                f"{self.window} frames at fps={self.fps} is {self.num_samples} samples at "
                f"sample_rate={self.sample_rate}"
            )

    def embed_video(self, frames, training=False):
        """Unit video embeddings of windows [batch, window, H, W, C]."""
        frames = tf.cast(frames, tf.float32)
        self.check_frames(frames)
        features = self.video_encoder(self.stack(frames), training=training)
        return _l2_normalize(self.video_head(features, training=training))

    def embed_audio(self, audio, training=False):
        """Unit audio embeddings of waveform windows [batch, window * samples_per_frame]."""
        audio = tf.cast(audio, tf.float32)
        self.check_audio(audio)
        features = self.audio_encoder(audio, training=training)
        return _l2_normalize(self.audio_head(features, training=training))

    def call(self, inputs, training=False):
        frames, audio = self._split(inputs)
        video = self.embed_video(frames, training=training)
        sound = self.embed_audio(audio, training=training)
        distance = tf.sqrt(tf.reduce_sum(tf.square(video - sound), axis=-1) + _EPS)
        return {"distance": distance, "video_embedding": video, "audio_embedding": sound}

    def _in_sync(self, y):
        if y is None:
            raise ValueError(
                "AvSync needs (inputs, labels) batches; wrap the dataset with "
                "tfxlearn.pretext.av_sync"
            )
        return tf.cast(y["in_sync"] if isinstance(y, dict) else y, tf.float32)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        positive = self._in_sync(y)
        distance = y_pred["distance"]
        per_pair = 0.5 * (
            positive * tf.square(distance)
            + (1.0 - positive) * tf.square(tf.nn.relu(self.margin - distance))
        )
        loss = self.loss_reducer(per_pair, sample_weight=sample_weight)
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, None, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        positive = self._in_sync(y)
        distance = y_pred["distance"]
        predicted = tf.cast(distance < self.margin / 2, tf.float32)
        self.sync_accuracy.update_state(tf.cast(tf.equal(predicted, positive), tf.float32))
        self.positive_distance.update_state(distance, sample_weight=positive)
        self.negative_distance.update_state(distance, sample_weight=1.0 - positive)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    # ------------------------------------------------------------------ offsets

    def offset_distances(self, clips, audio, batch_size: int = 16) -> np.ndarray:
        """Mean distance [b, 2 * max_offset + 1] between each clip's video windows
        (starts max_offset .. T - window - max_offset) and its audio shifted by
        `j - max_offset` frames (candidate j), averaged over the windows (SyncNet)."""
        clips = np.asarray(clips)
        audio = np.asarray(audio)
        if len(clips) != len(audio):
            raise ValueError(
                f"clips and audio must hold as many examples, got {len(clips)} and {len(audio)}"
            )
        out = []
        for i in range(0, len(clips), int(batch_size)):
            video, sound = candidate_windows(
                clips[i : i + batch_size],
                audio[i : i + batch_size],
                window=self.window,
                max_offset=self.max_offset,
                samples_per_frame=self.samples_per_frame,
            )
            out.append(self._candidate_distances(video, sound).numpy())
        return np.concatenate(out) if out else np.zeros((0, 2 * self.max_offset + 1), np.float32)

    @tf.function(reduce_retracing=True)
    def _candidate_distances(self, video, sound):
        shape = tf.shape(sound)  # [b, S, O, N]
        v = self.embed_video(tf.reshape(video, [-1, *video.shape[2:]]))
        a = self.embed_audio(tf.reshape(sound, [-1, self.num_samples]))
        v = tf.reshape(v, [shape[0], shape[1], 1, -1])
        a = tf.reshape(a, [shape[0], shape[1], shape[2], -1])
        distance = tf.sqrt(tf.reduce_sum(tf.square(v - a), axis=-1) + _EPS)
        return tf.reduce_mean(distance, axis=1)

    def estimate_offset(self, clips, audio, batch_size: int = 16) -> np.ndarray:
        """Estimated offset (int [b], in frames, in [-max_offset, max_offset]) of each
        clip's audio: the audio of video frame t is at frame t + offset (positive: the
        audio lags). The candidate with the minimum mean distance wins (SyncNet).

        Args:
            clips: [b, T, H, W, C] uint8 or float in [0, 1], T >= window + 2 * max_offset.
            audio: mono [b, T / fps * sample_rate].
        """
        distances = self.offset_distances(clips, audio, batch_size)
        return np.argmin(distances, axis=-1).astype(np.int64) - self.max_offset

    # ------------------------------------------------------------------ evaluation

    def evaluation_encoder(self, input_shape: tuple, windows: int = 3) -> keras.Model:
        """Clips [T, H, W, C] -> the video stream's features of `windows` evenly spaced
        windows (first and last included), concatenated in time order."""
        shape = tuple(int(d) for d in input_shape)
        if len(shape) != 4:
            raise ValueError(f"input_shape must be a clip shape (T, H, W, C), got {input_shape}")
        if shape[1:] != tuple(self.frame_shape):
            raise ValueError(
                f"clips of frames {shape[1:]} do not match the video encoder's frames "
                f"{tuple(self.frame_shape)}"
            )
        if shape[0] < self.window:
            raise ValueError(
                f"clips of {shape[0]} frames are shorter than the window of {self.window}"
            )
        starts = sampled_frame_indices(shape[0] - self.window + 1, min(int(windows), shape[0]))
        starts = sorted(set(starts))
        clips = keras.Input(shape, name="clips")
        stacked = ClipWindows(starts, self.window, name="clip_windows")(clips)
        features = keras.layers.TimeDistributed(self.video_encoder, name="window_features")(stacked)
        flat = keras.layers.Flatten(name="clip_features")(features)
        return keras.Model(clips, flat, name="av_sync_clip_encoder")

    # ------------------------------------------------------------------ serving

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return {
            "frames": tf.TensorSpec(
                (None, self.window, *self.frame_shape), tf.float32, name="frames"
            ),
            "audio": tf.TensorSpec((None, self.num_samples), tf.float32, name="audio"),
        }

    def serving_outputs(self, frames, audio):
        return self({"frames": frames, "audio": audio}, training=False)

    def get_config(self):
        return {
            **super().get_config(),
            "window": self.window,
            "max_offset": self.max_offset,
            "fps": self.fps,
            "sample_rate": self.sample_rate,
            "embedding_dim": self.embedding_dim,
            "hidden": self.hidden,
            "margin": self.margin,
            "num_mel_bins": self.num_mel_bins,
            "audio_widths": list(self.audio_widths),
            "audio_norm": self.audio_norm,
        }
