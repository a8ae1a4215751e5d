"""odd_one_out (O3N questions, N = 6 subsequences of M = 4 frames) on
moving_digits/small clips (16 frames 32x32): the vectorized op against the same
work per clip in NumPy."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.odd_one_out import odd_one_out_indices, shuffles

from .shuffle_and_learn import moving_digit_clips

N, M = 6, 4


def numpy_per_sample(clips: np.ndarray, batch: int, seed: int = 0, given=None):
    """Per clip: N sorted subsets of M frames, one permuted (never the identity);
    `given` (the op's (indices [n, N, M], labels)) replaces the random choices."""
    rng = np.random.default_rng(seed)
    table = shuffles(M)
    for first in range(0, len(clips) - batch + 1, batch):
        frames, labels = [], []
        for i in range(first, first + batch):
            clip = clips[i]
            if given is None:
                shown = np.stack(
                    [np.sort(rng.choice(len(clip), M, replace=False)) for _ in range(N)]
                )
                label = int(rng.integers(0, N))
                shown[label] = shown[label][table[rng.integers(0, len(table))]]
            else:
                shown, label = given[0][i], int(given[1][i])
            frames.append(clip[shown].astype(np.float32) / 255.0)  # [N, M, H, W, C]
            labels.append(label)
        yield np.stack(frames), np.array(labels, np.int32)


def check(clips):
    small = clips[:16]
    options = dict(num_subsequences=N, subsequence_length=M)
    op = tfxlearn.pretext.odd_one_out(
        tf.data.Dataset.from_tensor_slices(small).batch(16), **options
    )
    frames, labels = next(iter(op))
    indices, labels_again = odd_one_out_indices(small, tf.constant([0, 0]), **options)
    np.testing.assert_array_equal(labels_again, labels)
    want, _ = next(numpy_per_sample(small, 16, given=(indices.numpy(), labels.numpy())))
    np.testing.assert_allclose(frames, want, atol=1e-6)
    got, _ = next(numpy_per_sample(small, 16))
    assert got.shape == tuple(frames.shape)


def build_model():
    model = tfxlearn.paradigms.get("odd_one_out")(
        encoder=tfxlearn.nets.conv_encoder((32, 32, 1), widths=(32, 64, 128))
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "odd_one_out",
    "op_args": {"num_subsequences": N, "subsequence_length": M},
    "images": moving_digit_clips,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
