"""Audio-visual correspondence paradigms: L3-Net and AVE-Net.

Pairs of 16x16 digit images and 0.1 s of 16 kHz audio (a tone whose pitch
depends on the digit) through `tfxlearn.pretext.audio_visual_correspondence`.
The tiny audio network is LogMel (16 bands) -> conv_encoder with the contract's
norm, so the 2-replica parity test sees synchronized batch norm everywhere.
"""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn

SAMPLES = 1_600  # 8 log-mel frames at the 10 ms hop
BANDS = 16


def _av_batches(examples: int = 4) -> tf.data.Dataset:
    ds = tfxlearn.data.load("digits", "train").take(examples).batch(examples)
    batch = next(iter(ds))
    labels = batch["label"].numpy()
    t = np.arange(SAMPLES) / 16_000
    audio = 0.5 * np.sin(2 * np.pi * (300 + 100 * labels[:, None]) * t[None]).astype(np.float32)
    images = tf.cast(tf.image.resize(batch["image"], [16, 16], "nearest"), tf.uint8)
    return tf.data.Dataset.from_tensors(
        {"image": images, "audio": audio, "index": np.arange(examples, dtype=np.int64)}
    )


def _audio_encoder(norm):
    frontend = tfxlearn.nets.LogMel(16_000, BANDS, name="log_mel")
    body = tfxlearn.nets.conv_encoder((8, BANDS, 1), widths=(4, 8), norm=norm, name="audio_conv")
    waveforms = keras.Input((SAMPLES,), name="audio")
    return keras.Model(waveforms, body(frontend(waveforms)), name="audio_encoder")


def _nets(norm):
    return {
        "encoder": tfxlearn.nets.conv_encoder((16, 16, 1), widths=(4, 8), norm=norm),
        "audio_encoder": _audio_encoder(norm),
    }


def _data():
    return tfxlearn.pretext.audio_visual_correspondence(_av_batches())


def _bad_inputs(batch):
    pairs = batch[0]
    images, audio = pairs["images"], pairs["audio"]
    return [
        ({"images": tf.concat([images, images], -1), "audio": audio}, "channel count"),
        ({"images": images, "audio": tf.stack([audio, audio], -1)}, "mono"),
        ({"images": images, "audio": audio[:, :800]}, "samples do not match"),
        ({"images": images, "audio": audio[:2]}, "audio/image count mismatch"),
        ({"images": images}, "takes a dict"),
        (images, "takes a dict"),
    ]


EXAMPLES = {
    "l3_net": {
        "build": lambda norm: tfxlearn.paradigms.get("l3_net")(**_nets(norm), hidden=8),
        "data": _data,
        "bad_inputs": _bad_inputs,
    },
    "ave_net": {
        "build": lambda norm: tfxlearn.paradigms.get("ave_net")(
            **_nets(norm), embedding_dim=8, hidden=8
        ),
        "data": _data,
        "bad_inputs": _bad_inputs,
    },
}
