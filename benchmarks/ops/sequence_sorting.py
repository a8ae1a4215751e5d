"""sequence_sorting (OPN shuffles) on moving_digits/small clips (16 frames 32x32):
the vectorized op against the same work per clip in NumPy (motion energy,
high-motion window, four sorted frames, a shuffle from the 12 classes)."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.sequence_sorting import PERMUTATION_CLASSES, sequence_sorting_indices

from .shuffle_and_learn import eligible_windows, moving_digit_clips

WINDOW, MIN_MOTION = 10, 0.9


def numpy_per_sample(clips: np.ndarray, batch: int, seed: int = 0, given=None):
    """Per clip: the window, four frames, a class and a direction; `given` (the op's
    (indices [n, 4], labels)) replaces the random choices."""
    rng = np.random.default_rng(seed)
    for first in range(0, len(clips) - batch + 1, batch):
        frames, labels = [], []
        for i in range(first, first + batch):
            clip = clips[i]
            if given is None:
                start = rng.choice(eligible_windows(clip, WINDOW, MIN_MOTION))
                times = start + np.sort(rng.choice(WINDOW, 4, replace=False))
                label = int(rng.integers(0, len(PERMUTATION_CLASSES)))
                order = PERMUTATION_CLASSES[label]
                shown = times[3 - order if rng.random() < 0.5 else order]
            else:
                shown, label = given[0][i], int(given[1][i])
            frames.append(clip[shown].astype(np.float32) / 255.0)
            labels.append(label)
        yield np.stack(frames), np.array(labels, np.int32)


def check(clips):
    small = clips[:16]
    op = tfxlearn.pretext.sequence_sorting(
        tf.data.Dataset.from_tensor_slices(small).batch(16), window=WINDOW, min_motion=MIN_MOTION
    )
    frames, labels = next(iter(op))
    indices, labels_again = sequence_sorting_indices(small, tf.constant([0, 0]), window=WINDOW)
    want, want_labels = next(numpy_per_sample(small, 16, given=(indices.numpy(), labels.numpy())))
    np.testing.assert_array_equal(labels_again, labels)
    np.testing.assert_allclose(frames, want, atol=1e-6)
    got, _ = next(numpy_per_sample(small, 16))
    assert got.shape == tuple(frames.shape)


def build_model():
    model = tfxlearn.paradigms.get("sequence_sorting")(
        encoder=tfxlearn.nets.conv_encoder((32, 32, 1), widths=(32, 64, 128))
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "sequence_sorting",
    "op_args": {"window": WINDOW, "min_motion": MIN_MOTION},
    "images": moving_digit_clips,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
