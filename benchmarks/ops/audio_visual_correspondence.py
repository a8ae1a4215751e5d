"""audio_visual_correspondence with the log-mel feature extraction in tf.data,
against per-sample NumPy (pairing, then STFT + mel matrix + log for each pair)."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.data.audio import LogMelSpectrogram
from tfxlearn.pretext.audio_visual_correspondence import correspondence_pairs

BATCH = 64
MAX_EXAMPLES = 1_024  # 1 s clips: 64 MB of audio; spoken_digits_av's train split has 1,080
_SPECTROGRAM = LogMelSpectrogram(16_000)


def examples(n: int) -> dict:
    ds = tfxlearn.data.load("spoken_digits_av", "train").take(min(n, MAX_EXAMPLES))
    batch = next(iter(ds.batch(MAX_EXAMPLES)))
    return {"image": batch["image"].numpy(), "audio": batch["audio"].numpy()}


def make_input(ex: dict, batch: int = BATCH) -> tf.data.Dataset:
    n = len(ex["audio"])
    ds = tf.data.Dataset.from_tensor_slices({**ex, "index": np.arange(n, dtype=np.int64)})
    return ds.batch(batch, drop_remainder=True)


def numpy_log_mel(waveform: np.ndarray) -> np.ndarray:
    """One clip: Hann-windowed STFT (400 / 160 / FFT 512), power, mel matrix, log."""
    s = _SPECTROGRAM
    frames = np.lib.stride_tricks.sliding_window_view(waveform, s.frame_length)[:: s.frame_step]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(s.frame_length) / s.frame_length)
    power = np.abs(np.fft.rfft(frames * window, n=s.fft_length)) ** 2
    return np.log(power @ s.mel_matrix + s.log_offset).astype(np.float32)


def numpy_per_sample(ex: dict, batch: int, seed: int = 0, partners=None):
    """Per example: a matched and a mismatched pair (audio of the next example in a
    random cyclic order), images to float and the log-mel of each pair's audio."""
    rng = np.random.default_rng(seed)
    for start in range(0, len(ex["audio"]) - batch + 1, batch):
        images = ex["image"][start : start + batch]
        audio = ex["audio"][start : start + batch]
        if partners is None:
            order = rng.permutation(batch)
            other = np.empty(batch, np.int64)
            other[order] = np.roll(order, -1)
        else:
            other = partners
        pair_images, pair_audio, labels = [], [], []
        for i in range(batch):
            for j, label in ((i, 1), (other[i], 0)):
                pair_images.append(images[i].astype(np.float32) / 255.0)
                pair_audio.append(numpy_log_mel(audio[j])[..., None])
                labels.append(label)
        yield (
            {"images": np.stack(pair_images), "audio": np.stack(pair_audio)},
            np.array(labels, np.int32),
        )


def check(ex: dict) -> None:
    small = {k: v[:8] for k, v in ex.items()}
    pairs = correspondence_pairs(small["image"], small["audio"], tf.constant([0, 0]))
    partners = pairs["audio_source"].numpy()[1::2]
    want, want_labels = next(numpy_per_sample(small, 8, partners=partners))
    (got, got_labels) = next(
        iter(
            tfxlearn.pretext.audio_visual_correspondence(
                make_input(small, 8), audio_features="log_mel"
            )
        )
    )
    np.testing.assert_array_equal(got_labels, want_labels)
    np.testing.assert_allclose(got["images"], want["images"], atol=1e-6)
    # Compare powers (log of near-silent bands amplifies float32 FFT round-off).
    np.testing.assert_allclose(np.exp(got["audio"]), np.exp(want["audio"]), rtol=2e-3, atol=1e-5)


def build_model():
    model = tfxlearn.paradigms.get("l3_net")(
        encoder=tfxlearn.nets.conv_encoder((28, 28, 1), norm="group"),
        audio_encoder=tfxlearn.nets.conv_encoder(
            (_SPECTROGRAM.num_frames(16_000), 64, 1),
            widths=(16, 32, 64),
            norm="group",
            name="audio_encoder",
        ),
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "audio_visual_correspondence",
    "op_args": {"audio_features": "log_mel", "sample_rate": 16_000},
    "images": examples,
    "input": make_input,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
