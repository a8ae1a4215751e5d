"""Video paradigms on motion: arrow of time and slow and steady features.

Tiny in-memory clips: 8 clips of 8 frames 16x16x1, a bright 4x4 square moving
1 pixel per frame in a different direction in each clip, over pixel noise
(every step moves, so the arrow-of-time op keeps every clip).
"""

import numpy as np
import tensorflow as tf
from _helpers import clip_dataset

import tfxlearn

CLIPS, FRAMES, SIZE, WINDOW = 8, 8, 16, 4


def moving_squares(clips: int = CLIPS, frames: int = FRAMES, size: int = SIZE) -> np.ndarray:
    """uint8 [clips, frames, size, size, 1]: a 4x4 square moving without touching a
    wall, over pixel noise (without it most frame differences are exactly 0, the
    first batch norm's outputs sit on the ReLU's kink there and rounding decides
    their gradients, which breaks the exact 1-vs-2-replica comparison)."""
    out = np.random.default_rng(0).integers(0, 40, (clips, frames, size, size, 1), np.uint8)
    steps = [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    for i in range(clips):
        dy, dx = steps[i % len(steps)]
        for t in range(frames):
            y, x = 6 + dy * (t - frames // 2), 6 + dx * (t - frames // 2)
            out[i, t, y : y + 4, x : x + 4] = 200 + 5 * i
    return out


def _clip_batches() -> tf.data.Dataset:
    return clip_dataset(moving_squares(), batch=CLIPS)


def _arrow_data():
    return tfxlearn.pretext.arrow_of_time(_clip_batches(), window=WINDOW, mode="both")


def _arrow_serving(batch):
    return {"clips": tf.cast(moving_squares()[:4, :WINDOW], tf.float32) / 255.0}


def _slow_data():
    return tfxlearn.pretext.slow_steady(_clip_batches(), min_gap=2)


def _slow_bad_inputs(batch):
    return [
        (tf.concat([batch, batch], axis=-1), "channel count"),
        (batch[:, 0], "rank 5"),
        (batch[:, :3], r"4 \(t, t\+1, t\+2, far\)"),
    ]


EXAMPLES = {
    "arrow_of_time": {
        "build": lambda norm: tfxlearn.paradigms.get("arrow_of_time")(
            encoder=tfxlearn.nets.conv_encoder((SIZE, SIZE, WINDOW - 1), widths=(4, 8), norm=norm),
            window=WINDOW,
        ),
        "data": _arrow_data,
        "serving_inputs": _arrow_serving,
    },
    "slow_steady": {
        "build": lambda norm: tfxlearn.paradigms.get("slow_steady")(
            encoder=tfxlearn.nets.conv_encoder((SIZE, SIZE, 1), widths=(4, 8), norm=norm),
            embedding_dim=8,
        ),
        "data": _slow_data,
        "inputs": lambda batch: batch,
        "serving_inputs": lambda batch: batch[:, 0],
        "bad_inputs": _slow_bad_inputs,
    },
}
