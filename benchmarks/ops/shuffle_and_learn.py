"""shuffle_and_learn (Misra et al. tuples) on moving_digits/small clips (16 frames
32x32): the vectorized op against the same work per clip in NumPy (motion energy,
high-motion window, five sorted frames, one positive and one negative tuple)."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.shuffle_and_learn import shuffle_and_learn_indices

CLIPS = 4000  # the whole training split: 66 MB of uint8 frames
WINDOW, MIN_MOTION = 10, 0.9


def moving_digit_clips(n: int) -> np.ndarray:
    """uint8 [n, 16, 32, 32, 1] training clips of moving_digits/small (n <= 4000)."""
    ds = tfxlearn.data.load("moving_digits/small", "train").take(min(int(n), CLIPS))
    return np.concatenate(list(ds.map(lambda ex: ex["video"]).batch(500).as_numpy_iterator()))


def eligible_windows(clip: np.ndarray, window: int, min_motion: float) -> np.ndarray:
    """Starts of the windows with at least `min_motion` x the clip's largest motion."""
    floats = clip.astype(np.float32) / 255.0
    energy = np.abs(np.diff(floats, axis=0)).reshape(len(clip) - 1, -1).mean(-1)
    motion = np.array([energy[s : s + window - 1].sum() for s in range(len(clip) - window + 1)])
    best = motion.max()
    return np.flatnonzero(motion >= min_motion * best - 1e-6 * (1.0 + best))


def _tuples_of_clip(clip, rng, window=WINDOW, min_motion=MIN_MOTION):
    start = rng.choice(eligible_windows(clip, window, min_motion))
    a, b, c, d, e = start + np.sort(rng.choice(window, 5, replace=False))
    middle = e if rng.random() < 0.5 else a
    return [(b, c, d), (b, middle, d)]


def numpy_per_sample(clips: np.ndarray, batch: int, seed: int = 0, given=None):
    """Per clip: the window, the frames, the two tuples; `given` (indices [n, 3] of
    the op) replaces the random choices, to compare the outputs exactly."""
    rng = np.random.default_rng(seed)
    for first in range(0, len(clips) - batch + 1, batch):
        frames, labels = [], []
        for i in range(first, first + batch):
            if given is None:
                tuples = _tuples_of_clip(clips[i], rng)
            else:
                tuples = [given[2 * i], given[2 * i + 1]]
            for tup, label in zip(tuples, (1, 0)):
                frames.append(clips[i][list(tup)].astype(np.float32) / 255.0)
                labels.append(label)
        yield np.stack(frames), np.array(labels, np.int32)


def check(clips):
    small = clips[:16]
    op = tfxlearn.pretext.shuffle_and_learn(
        tf.data.Dataset.from_tensor_slices(small).batch(16), window=WINDOW, min_motion=MIN_MOTION
    )
    frames, labels = next(iter(op))
    indices, _ = shuffle_and_learn_indices(small, tf.constant([0, 0]), window=WINDOW)
    want, want_labels = next(numpy_per_sample(small, 16, given=indices.numpy()))
    np.testing.assert_array_equal(labels, want_labels)
    np.testing.assert_allclose(frames, want, atol=1e-6)
    # The op's windows are among the ones NumPy finds eligible.
    starts = indices.numpy().reshape(16, 6).min(1)
    for clip, start in zip(small, starts):
        eligible = eligible_windows(clip, WINDOW, MIN_MOTION)
        assert ((eligible <= start) & (start < eligible + WINDOW)).any()
    got, _ = next(numpy_per_sample(small, 16))
    assert got.shape == tuple(frames.shape)


def build_model():
    model = tfxlearn.paradigms.get("shuffle_and_learn")(
        encoder=tfxlearn.nets.conv_encoder((32, 32, 1), widths=(32, 64, 128))
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "shuffle_and_learn",
    "op_args": {"window": WINDOW, "min_motion": MIN_MOTION},
    "images": moving_digit_clips,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
