"""Audio features in TensorFlow core: log-mel spectrograms and audio/video length checks.

The audio-visual paradigms (L3-Net, AVE-Net, synchronization) feed their audio
sub-networks log-mel spectrograms. Arandjelovic & Zisserman ("Look, Listen and
Learn", ICCV 2017) use log-spectrograms of 1 s of 48 kHz audio; we use the 16 kHz
framing and bands of the VGGish front end (Hershey et al., "CNN Architectures
for Large-Scale Audio Classification", ICASSP 2017: 25 ms Hann windows, 10 ms
hop, 64 mel bands over 125-7500 Hz), on the power spectrum, with log offset 1e-6.

Built only from `tf.signal.stft` and `tf.signal.linear_to_mel_weight_matrix`
(https://www.tensorflow.org/api_docs/python/tf/signal), so it runs eagerly,
inside `Dataset.map` and in a `tf.function` with unknown lengths — not
tensorflow-io, whose native ops do not load against TF 2.21 (docs/architecture.md section 7).
It is vectorized: `[batch, samples]` is transformed in one call, so it maps over
a batched dataset (`ds.batch(n).map(log_mel)`) as docs/architecture.md section 6 asks. Measured
here (2 shared cores, 1 s clips): ~2,600 clips/s batched, ~3,200 per element —
the FFT dominates, so batching neither helps nor hurts this op.

This module lives in `tfxlearn.data` (not `tfxlearn.pretext`) because it is a
feature of the data, not a pretext label: the dataset builders use its length
helpers (`moving_digits` sizes its audio track with `num_audio_samples`), and
pretext ops, nets and paradigms may all import `tfxlearn.data` (imports point
down the layer stack, docs/architecture.md section 3), while `data` must not import `pretext`.
"""

from __future__ import annotations

import fractions
import numbers

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

DEFAULT_SAMPLE_RATE = 16_000

_STEREO_HINT = (
    "average the channels first (`tf.reduce_mean(audio, axis=-1)`) or pick one (`audio[..., 0]`)"
)


def num_audio_samples(num_frames: int, fps: float, sample_rate: int) -> int:
    """Audio samples that last exactly as long as `num_frames` video frames at `fps`.

    `num_frames / fps * sample_rate`, computed in exact rational arithmetic; raises
    `ValueError` when that is not a whole number of samples (no rounding, so the
    audio of a clip can never drift from its frames).
    """
    num_frames = _positive_int(num_frames, "num_frames")
    sample_rate = _positive_int(sample_rate, "sample_rate")
    if not isinstance(fps, numbers.Real) or isinstance(fps, bool) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    # str() so a decimal fps such as 29.97 means 2997/100, not its binary float.
    exact = fractions.Fraction(num_frames) / fractions.Fraction(str(fps)) * sample_rate
    if exact.denominator != 1:
        raise ValueError(
            f"{num_frames} frames at fps={fps} last {float(exact) / sample_rate} s = "
            f"{float(exact)} samples at sample_rate={sample_rate}, not a whole number; "
            "choose fps so that num_frames / fps * sample_rate is an integer"
        )
    return int(exact)


def check_audio_video_lengths(
    num_samples: int, num_frames: int, *, fps: float, sample_rate: int
) -> None:
    """Raises `ValueError` unless `num_samples == num_frames / fps * sample_rate` exactly.

    Use it on static shapes before pairing audio with video, e.g.
    `check_audio_video_lengths(audio.shape[-1], video.shape[-4], fps=10, sample_rate=16000)`:
    a clip whose audio is longer or shorter than its frames would silently shift
    every audio-visual synchronization label.
    """
    num_samples = _positive_int(num_samples, "num_samples")
    expected = num_audio_samples(num_frames, fps, sample_rate)
    if num_samples != expected:
        raise ValueError(
            f"audio/video length mismatch: {num_samples} audio samples but {num_frames} "
            f"frames at fps={fps} need {expected} samples at sample_rate={sample_rate} "
            f"({num_samples / sample_rate:.4f} s of audio vs {num_frames / fps:.4f} s of video)"
        )


class LogMelSpectrogram:
    """Log-mel spectrogram `[..., samples] -> [..., num_frames, num_mel_bins]` (float32).

    Steps: Hann-windowed STFT (`frame_length` samples, hop `frame_step`, FFT size
    the next power of two >= frame_length, no end padding), power spectrum,
    HTK-mel triangular filters from `tf.signal.linear_to_mel_weight_matrix`,
    then `log(mel + log_offset)`. With the defaults at 16 kHz (400-sample
    windows, 160-sample hop, 64 bins) one second (16,000 samples) gives
    `[98, 64]`: `num_frames(n) = 1 + (n - 400) // 160`.

    Input: mono float waveforms in [-1, 1] (int16 PCM is scaled by 1/32768),
    shape `[samples]` or `[batch..., samples]`. A trailing channel axis of size 1
    (`tf.audio.decode_wav`'s `[samples, 1]`) is dropped; 2..8 channels are
    rejected as multichannel audio. When the sample count is unknown (a
    `Dataset.map` over variable-length audio) the checks that need it are skipped.

    Args:
      sample_rate: the rate (Hz) the parameters are configured for; a call with
        a different `sample_rate=` raises instead of computing wrong mel bands.
      frame_seconds / step_seconds: STFT window and hop, in seconds.
      num_mel_bins, lower_edge_hertz, upper_edge_hertz: the mel filterbank.
      log_offset: added before the log so silence gives log(log_offset), not -inf.
    """

    def __init__(
        self,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        *,
        frame_seconds: float = 0.025,
        step_seconds: float = 0.010,
        num_mel_bins: int = 64,
        lower_edge_hertz: float = 125.0,
        upper_edge_hertz: float = 7500.0,
        log_offset: float = 1e-6,
    ):
        self.sample_rate = _positive_int(sample_rate, "sample_rate")
        if frame_seconds <= 0 or step_seconds <= 0:
            raise ValueError(
                f"frame_seconds and step_seconds must be > 0, got {frame_seconds}, {step_seconds}"
            )
        self.frame_length = int(round(frame_seconds * sample_rate))
        self.frame_step = int(round(step_seconds * sample_rate))
        if self.frame_length < 2 or self.frame_step < 1:
            raise ValueError(
                f"frame_seconds={frame_seconds} / step_seconds={step_seconds} give "
                f"{self.frame_length} / {self.frame_step} samples at {sample_rate} Hz; "
                "need a window of at least 2 samples and a hop of at least 1"
            )
        self.fft_length = int(2 ** np.ceil(np.log2(self.frame_length)))
        self.num_mel_bins = _positive_int(num_mel_bins, "num_mel_bins")
        nyquist = sample_rate / 2
        if not 0 <= lower_edge_hertz < upper_edge_hertz <= nyquist:
            raise ValueError(
                f"need 0 <= lower_edge_hertz < upper_edge_hertz <= {nyquist} (Nyquist at "
                f"{sample_rate} Hz), got {lower_edge_hertz}, {upper_edge_hertz}"
            )
        if log_offset <= 0:
            raise ValueError(f"log_offset must be > 0, got {log_offset}")
        self.lower_edge_hertz = float(lower_edge_hertz)
        self.upper_edge_hertz = float(upper_edge_hertz)
        self.log_offset = float(log_offset)
        # [fft_length // 2 + 1, num_mel_bins], computed once and embedded as a constant.
        self.mel_matrix = tf.signal.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins,
            num_spectrogram_bins=self.fft_length // 2 + 1,
            sample_rate=self.sample_rate,
            lower_edge_hertz=self.lower_edge_hertz,
            upper_edge_hertz=self.upper_edge_hertz,
        ).numpy()

    def num_frames(self, num_samples: int) -> int:
        """Spectrogram frames produced from `num_samples` samples."""
        num_samples = _positive_int(num_samples, "num_samples")
        if num_samples < self.frame_length:
            raise ValueError(
                f"{num_samples} samples are shorter than one {self.frame_length}-sample window"
            )
        return 1 + (num_samples - self.frame_length) // self.frame_step

    def mel_center_hertz(self) -> np.ndarray:
        """Centre frequency (Hz) of each mel band, HTK mel scale as TF uses."""

        def to_mel(hz):
            return 1127.0 * np.log1p(np.asarray(hz, np.float64) / 700.0)

        low, high = to_mel(self.lower_edge_hertz), to_mel(self.upper_edge_hertz)
        edges = np.linspace(low, high, 2 + self.num_mel_bins)
        return 700.0 * np.expm1(edges[1:-1] / 1127.0)

    def __call__(self, waveforms, sample_rate: int | None = None) -> tf.Tensor:
        """Log-mel spectrogram of mono `waveforms` `[..., samples]` recorded at `sample_rate`.

        Pass `sample_rate` (e.g. `info.features["audio"].sample_rate`) so a
        mismatch with the configured rate is caught instead of mislabelling
        every mel band.
        """
        if sample_rate is not None and sample_rate != self.sample_rate:
            raise ValueError(
                f"sample_rate mismatch: the audio is at {sample_rate} Hz but this "
                f"LogMelSpectrogram is configured for {self.sample_rate} Hz; resample the "
                f"audio (e.g. scipy.signal.resample_poly) or build LogMelSpectrogram("
                f"sample_rate={sample_rate})"
            )
        waveforms = _as_mono_float(waveforms, min_samples=self.frame_length)
        stft = tf.signal.stft(
            waveforms,
            frame_length=self.frame_length,
            frame_step=self.frame_step,
            fft_length=self.fft_length,
            window_fn=tf.signal.hann_window,
            pad_end=False,
        )
        power = tf.math.square(tf.math.abs(stft))
        mel = tf.tensordot(power, tf.constant(self.mel_matrix), axes=1)
        mel.set_shape(power.shape[:-1].concatenate([self.num_mel_bins]))
        return tf.math.log(mel + self.log_offset)

    def __repr__(self) -> str:
        return (
            f"LogMelSpectrogram(sample_rate={self.sample_rate}, frame_length={self.frame_length}, "
            f"frame_step={self.frame_step}, fft_length={self.fft_length}, "
            f"num_mel_bins={self.num_mel_bins}, {self.lower_edge_hertz}-{self.upper_edge_hertz} Hz)"
        )


def log_mel_spectrogram(waveforms, sample_rate: int = DEFAULT_SAMPLE_RATE, **kwargs) -> tf.Tensor:
    """Functional form: `LogMelSpectrogram(sample_rate, **kwargs)(waveforms)`."""
    return LogMelSpectrogram(sample_rate, **kwargs)(waveforms)


def _as_mono_float(waveforms, *, min_samples: int) -> tf.Tensor:
    waveforms = tf.convert_to_tensor(waveforms)
    if waveforms.dtype == tf.int16:
        waveforms = tf.cast(waveforms, tf.float32) / 32768.0
    elif waveforms.dtype.is_floating:
        waveforms = tf.cast(waveforms, tf.float32)
    else:
        raise ValueError(
            f"waveforms must be float (in [-1, 1]) or int16 PCM, got dtype {waveforms.dtype.name}"
        )
    shape = waveforms.shape
    if shape.rank == 0:
        raise ValueError("waveforms must have shape [..., samples], got a scalar")
    if shape.rank is not None and shape.rank >= 2 and shape[-1] == 1:
        waveforms = tf.squeeze(waveforms, -1)  # decode_wav's [samples, 1] mono layout
        shape = waveforms.shape
    samples = shape[-1] if shape.rank is not None else None
    if samples is not None:
        if shape.rank >= 2 and 2 <= samples <= 8:
            raise ValueError(
                f"expected mono audio [..., samples], got shape {shape.as_list()}: the last "
                f"axis of size {samples} looks like {samples} channels (stereo / "
                f"multichannel, as tf.audio.decode_wav returns); {_STEREO_HINT}"
            )
        if samples < min_samples:
            raise ValueError(
                f"waveforms have {samples} samples, fewer than one {min_samples}-sample "
                f"STFT window (shape {shape.as_list()})"
            )
    return waveforms


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class CompressedAudio(tfds.features.Audio):
    """`tfds.features.Audio` for in-memory float waveforms, zlib-compressed on disk.

    TFDS 4.9's `Audio` ignores `encoding=` when `_generate_examples` yields a NumPy
    array (it skips `Tensor.encode_example`, so the raw array meets a bytes
    feature and serialization fails); this subclass routes arrays through the
    `Tensor` encoder. Decoding is `Audio`'s own (zlib inflate -> float32
    `[samples]`), and `info.features["audio"].sample_rate` still carries the rate.
    Measured: bounce-tone tracks shrink ~30x, 1 s of padded speech ~2.2x.
    """

    def __init__(self, *, shape, sample_rate: int, doc=None):
        super().__init__(
            shape=shape,
            dtype=np.float32,
            sample_rate=sample_rate,
            encoding=tfds.features.Encoding.ZLIB,
            doc=doc,
        )

    def encode_example(self, audio):
        return tfds.features.Tensor.encode_example(self, np.asarray(audio, np.float32))

    @classmethod
    def from_json_content(cls, value) -> CompressedAudio:
        """Rebuilds the feature from `Audio.to_json_content`'s proto (dataset on disk)."""
        if isinstance(value, dict):
            return cls(shape=tuple(value["shape"]), sample_rate=value["sample_rate"])
        shape = tfds.core.features.feature.from_shape_proto(value.shape)
        return cls(shape=shape, sample_rate=value.sample_rate)


__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "LogMelSpectrogram",
    "log_mel_spectrogram",
    "num_audio_samples",
    "check_audio_video_lengths",
    "CompressedAudio",
]
