"""Audio-visual synchronization (SyncNet): in-memory clips of 4 frames 16x16 at
20 fps with a 16 kHz track (800 samples per frame) holding a tone at a
"bounce" frame of each clip; the pretext op makes in-sync / shifted pairs of
2-frame windows (max_offset 1)."""

import numpy as np
import tensorflow as tf

import tfxlearn

FRAMES, SIZE, FPS, RATE, WINDOW, MAX_OFFSET = 4, 16, 20, 16_000, 2, 1
SPF = RATE // FPS


def clips_and_audio(count: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    clips = rng.integers(0, 256, size=(count, FRAMES, SIZE, SIZE, 1), dtype=np.uint8)
    audio = np.zeros((count, FRAMES * SPF), np.float32)
    time = np.arange(SPF // 2) / RATE
    for i in range(count):
        t = rng.integers(1, FRAMES - 1)
        audio[i, t * SPF : t * SPF + SPF // 2] = 0.5 * np.sin(2 * np.pi * (300 + 100 * i) * time)
    return clips, audio


def _data():
    clips, audio = clips_and_audio()
    ds = tf.data.Dataset.from_tensor_slices({"image": clips, "audio": audio}).batch(4)
    return tfxlearn.pretext.av_sync(
        ds, window=WINDOW, max_offset=MAX_OFFSET, fps=FPS, sample_rate=RATE
    )


def _build(norm):
    video = tfxlearn.nets.conv_encoder((SIZE, SIZE, WINDOW), widths=(4, 8), norm=norm)
    return tfxlearn.paradigms.get("av_sync")(
        video_encoder=video,
        window=WINDOW,
        max_offset=MAX_OFFSET,
        fps=FPS,
        sample_rate=RATE,
        embedding_dim=4,
        hidden=8,
        num_mel_bins=16,
        audio_widths=(4, 8),
        audio_norm=norm,
    )


def _bad_inputs(batch):
    inputs = batch[0]
    frames, audio = inputs["frames"], inputs["audio"]
    return [
        ({"frames": tf.concat([frames, frames], -1), "audio": audio}, "channel count"),
        ({"frames": frames[:, 0], "audio": audio}, "rank 5"),
        ({"frames": frames, "audio": audio[:, :-10]}, "length mismatch"),
        ({"frames": frames, "audio": tf.stack([audio, audio], -1)}, "stereo"),
        ({"frames": frames}, "missing"),
    ]


EXAMPLES = {
    "av_sync": {
        "build": _build,
        "data": _data,
        "bad_inputs": _bad_inputs,
    },
}
