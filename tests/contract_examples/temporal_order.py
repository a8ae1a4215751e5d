"""Temporal-order paradigms on clips: Shuffle & Learn, Odd-One-Out, sequence sorting.

Their `call` takes frame sets (tuples [batch, 3, H, W, 1], questions
[batch, N, M, H, W, 1], shuffled sequences [batch, 4, H, W, 1]); serving takes
single frames. The clips are tiny 8-frame 16x16 renders of a moving square,
built in memory.
"""

import numpy as np
import tensorflow as tf

import tfxlearn

FRAMES, SIZE = 8, 16


def _clips(count: int = 4) -> np.ndarray:
    """uint8 [count, 8, 16, 16, 1]: a 4x4 square moving 1 px/frame, a different
    start and direction per clip."""
    clips = np.zeros((count, FRAMES, SIZE, SIZE, 1), np.uint8)
    for i in range(count):
        dy, dx = ((1, 0), (0, 1), (-1, 1), (1, -1))[i % 4]
        y0, x0 = 4 + (i % 3), 4 + (i % 2)
        for t in range(FRAMES):
            y, x = y0 + dy * t // 2, x0 + dx * t
            clips[i, t, y % 12 : y % 12 + 4, x % 12 : x % 12 + 4] = 200 + 5 * i
    return clips


def _dataset(count: int = 4) -> tf.data.Dataset:
    clips = _clips(count)
    return tf.data.Dataset.from_tensor_slices(
        {"image": clips, "index": np.arange(count, dtype=np.int64)}
    ).batch(count)


def _encoder(norm):
    return tfxlearn.nets.conv_encoder((SIZE, SIZE, 1), widths=(4, 8), norm=norm)


def _bad_frame_sets(batch, rank, count_match):
    frames = batch[0]
    return [
        (tf.concat([frames, frames], axis=-1), "channel count"),
        (frames[:, 0], f"rank {rank}"),
        (frames[:, :1], count_match),
    ]


EXAMPLES = {
    "shuffle_and_learn": {
        "build": lambda norm: tfxlearn.paradigms.get("shuffle_and_learn")(
            encoder=_encoder(norm), hidden=8
        ),
        "data": lambda: tfxlearn.pretext.shuffle_and_learn(_dataset(), window=6),
        "serving_inputs": lambda batch: batch[0][:, 0],
        "bad_inputs": lambda batch: _bad_frame_sets(batch, 5, "patch count"),
    },
    "odd_one_out": {
        "build": lambda norm: tfxlearn.paradigms.get("odd_one_out")(
            encoder=_encoder(norm), num_subsequences=4, subsequence_length=3, hidden=8
        ),
        "data": lambda: tfxlearn.pretext.odd_one_out(
            _dataset(), num_subsequences=4, subsequence_length=3
        ),
        "serving_inputs": lambda batch: batch[0][:, 0, 0],
        "bad_inputs": lambda batch: [
            *_bad_frame_sets(batch, 6, "subsequence count"),
            (batch[0][:, :, :2], "frame count"),
        ],
    },
    "sequence_sorting": {
        "build": lambda norm: tfxlearn.paradigms.get("sequence_sorting")(
            encoder=_encoder(norm), hidden=8
        ),
        "data": lambda: tfxlearn.pretext.sequence_sorting(_dataset(), window=6),
        "serving_inputs": lambda batch: batch[0][:, 0],
        "bad_inputs": lambda batch: _bad_frame_sets(batch, 5, "frame count"),
    },
}
