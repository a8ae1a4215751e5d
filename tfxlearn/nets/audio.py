"""Audio sub-networks: log-mel spectrogram front end + a small conv net."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from tfxlearn.data.audio import DEFAULT_SAMPLE_RATE, LogMelSpectrogram
from tfxlearn.nets.conv import conv_encoder


@keras.saving.register_keras_serializable(package="tfxlearn")
class LogMel(keras.layers.Layer):
    """Keras layer: mono waveforms [batch, samples] -> log-mel [batch, frames, bins, 1]
    (`tfxlearn.data.audio.LogMelSpectrogram`, VGGish framing: 25 ms windows,
    10 ms hop, 64 bands). Keyword arguments go to `LogMelSpectrogram`."""

    def __init__(self, sample_rate: int = DEFAULT_SAMPLE_RATE, num_mel_bins: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.sample_rate = int(sample_rate)
        self.num_mel_bins = int(num_mel_bins)
        self.spectrogram = LogMelSpectrogram(self.sample_rate, num_mel_bins=self.num_mel_bins)

    def call(self, waveforms):
        return tf.expand_dims(self.spectrogram(waveforms), -1)

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else self.spectrogram.num_frames(int(samples))
        return (input_shape[0], frames, self.num_mel_bins, 1)

    def get_config(self):
        return {
            **super().get_config(),
            "sample_rate": self.sample_rate,
            "num_mel_bins": self.num_mel_bins,
        }


def audio_encoder(
    num_samples: int,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    widths: Sequence[int] = (32, 64, 128),
    num_mel_bins: int = 64,
    norm: str = "batch",
    name: str = "audio_encoder",
) -> keras.Model:
    """Waveforms [batch, num_samples] -> log-mel -> VGG-style conv blocks -> global
    average pooling (the audio sub-network of L3-Net / AVE-Net, scaled down).

    The log-mel is normalised by a BatchNormalization over its values (a learned
    offset/scale: log power has a large, recording-dependent offset).
    """
    if isinstance(num_samples, bool) or int(num_samples) < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    frontend = LogMel(sample_rate, num_mel_bins, name="log_mel")
    frames = frontend.spectrogram.num_frames(int(num_samples))
    body = conv_encoder((frames, num_mel_bins, 1), widths=widths, norm=norm, name=f"{name}_conv")
    waveforms = keras.Input((int(num_samples),), name="audio")
    x = frontend(waveforms)
    x = keras.layers.BatchNormalization(name="log_mel_norm")(x)
    return keras.Model(waveforms, body(x), name=name)
