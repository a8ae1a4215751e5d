"""Frame-prediction paradigms: the composite LSTM and the next-frame predictor.

Clips of 4 frames of 16x16 in memory: a bright 4x4 square moving 2 px per
frame in one of four directions (a different one per clip), through
`tfxlearn.pretext.frame_prediction` (2 context frames, 2 future ones).
"""

import numpy as np
import tensorflow as tf

import tfxlearn

CONTEXT, FUTURE = 2, 2


def moving_squares(clips: int = 4, frames: int = 4, size: int = 16, seed: int = 0) -> np.ndarray:
    """uint8 [clips, frames, size, size, 1]: a 4x4 square moving 1-2 px per frame
    along one of 8 directions from a random place, bouncing off the walls."""
    rng = np.random.default_rng(seed)
    out = np.zeros((clips, frames, size, size, 1), np.uint8)
    directions = np.array([(0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)])
    room = size - 4
    for i in range(clips):
        position = rng.integers(0, room + 1, 2)
        velocity = directions[i % 8] * rng.integers(1, 3)
        for t in range(frames):
            y, x = position
            out[i, t, y : y + 4, x : x + 4] = 150 + 10 * (i % 10)
            position = position + velocity
            for axis in range(2):  # reflect off the walls
                if position[axis] < 0 or position[axis] > room:
                    velocity[axis] = -velocity[axis]
                    position[axis] = (
                        -position[axis] if position[axis] < 0 else 2 * room - position[axis]
                    )
    return out


def _data():
    clips = moving_squares()
    ds = tf.data.Dataset.from_tensor_slices({"image": clips, "index": np.arange(len(clips))})
    return tfxlearn.pretext.frame_prediction(ds.batch(4), context=CONTEXT, future=FUTURE)


def _serving(batch):
    return {"clips": batch[0]}


def _bad_inputs(batch):
    clips = batch[0]
    return [
        (tf.concat([clips, clips], axis=-1), "channel count"),
        (clips[:, 0], "rank 5"),
    ]


def _next_frame_bad_inputs(batch):
    return [*_bad_inputs(batch), (batch[0][:, :1], "context=2 frames")]


EXAMPLES = {
    "composite_lstm": {
        "build": lambda norm: tfxlearn.paradigms.get("composite_lstm")(
            encoder=tfxlearn.nets.conv_encoder(
                (16, 16, 1), widths=(4, 8), norm=norm, pooling="flatten"
            ),
            context=CONTEXT,
            future=FUTURE,
            units=8,
            decoder_widths=(8, 4),
        ),
        "data": _data,
        "serving_inputs": _serving,
        "bad_inputs": _bad_inputs,
    },
    "next_frame_prediction": {
        "build": lambda norm: tfxlearn.paradigms.get("next_frame_prediction")(
            encoder=tfxlearn.nets.conv_encoder((16, 16, CONTEXT), widths=(4, 8), norm=norm),
            context=CONTEXT,
            future=FUTURE,
            decoder_widths=(8, 4),
        ),
        "data": _data,
        "serving_inputs": _serving,
        "bad_inputs": _next_frame_bad_inputs,
    },
}
