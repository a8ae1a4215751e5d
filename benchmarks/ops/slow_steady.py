"""slow_steady (Goroshin et al. / Jayaraman & Grauman tuples) on moving_digits/small
clips (16 frames 32x32): the vectorized op against the same work per clip in NumPy
(a triplet t, t+1, t+2 and a far frame >= min_gap away, from this clip or another
one; two tuples per clip, as in the pipeline)."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.slow_steady import slow_steady_tuples, valid_pairs

CLIPS = 4000  # the whole training split: 66 MB of uint8 frames
MIN_GAP, TUPLES = 4, 2


def moving_digit_clips(n: int) -> np.ndarray:
    """uint8 [n, 16, 32, 32, 1] training clips of moving_digits/small (n <= 4000)."""
    ds = tfxlearn.data.load("moving_digits/small", "train").take(min(int(n), CLIPS))
    return np.concatenate(list(ds.map(lambda ex: ex["video"]).batch(500).as_numpy_iterator()))


def numpy_per_sample(clips: np.ndarray, batch: int, seed: int = 0, given=None):
    """Per tuple: a (t, far) pair, a far clip (coin: this one or another), four
    frames as floats; `given` (the op's sources [n, 4, 2]) replaces the draws."""
    rng = np.random.default_rng(seed)
    pairs = valid_pairs(clips.shape[1], MIN_GAP)
    for first in range(0, len(clips) - batch + 1, batch):
        tuples = []
        for k in range(batch * TUPLES):
            home = k // TUPLES
            if given is None:
                t, f = pairs[rng.integers(len(pairs))]
                other = (home + 1 + rng.integers(batch - 1)) % batch
                far_clip = other if rng.random() < 0.5 else home
                source = [(home, t), (home, t + 1), (home, t + 2), (far_clip, f)]
            else:
                source = given[k]
            tuples.append(
                np.stack([clips[first + c, s].astype(np.float32) / 255.0 for c, s in source])
            )
        yield np.stack(tuples)


def check(clips):
    small = clips[:16]
    out = slow_steady_tuples(
        tf.constant(small), tf.constant([0, 0]), min_gap=MIN_GAP, tuples_per_clip=TUPLES
    )
    want = next(numpy_per_sample(small, 16, given=out["source"].numpy()))
    np.testing.assert_array_equal(out["frames"].numpy(), want)
    got = next(numpy_per_sample(small, 16))
    assert got.shape == tuple(out["frames"].shape)


def build_model():
    model = tfxlearn.paradigms.get("slow_steady")(
        encoder=tfxlearn.nets.conv_encoder((32, 32, 1), widths=(32, 64, 128))
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "slow_steady",
    "op_args": {"min_gap": MIN_GAP, "tuples_per_clip": TUPLES},
    "images": moving_digit_clips,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch.shape[0]),
    "build_model": build_model,
}
