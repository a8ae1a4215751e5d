import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.relative_patch_location import OFFSETS, relative_patch_pairs

from ._common import fashion_mnist_images

GEOMETRY = {"patch_size": 8, "gap": 1, "jitter": 1}


def _pairs(image, rng, patch_size, gap, jitter):
    """The 8 (centre, neighbour) pairs of one image, float in [0, 1]."""
    height, width = image.shape[:2]
    step, extent = patch_size + gap, 3 * patch_size + 2 * gap + 2 * jitter
    out = []
    for offset in OFFSETS:
        origin = np.array(
            [rng.integers(0, height - extent + 1), rng.integers(0, width - extent + 1)]
        )
        centre = origin + jitter + step
        neighbour = centre + offset * step + rng.integers(-jitter, jitter + 1, size=2)
        out.append(
            [
                image[y : y + patch_size, x : x + patch_size].astype(np.float32) / 255.0
                for y, x in (centre, neighbour)
            ]
        )
    return np.asarray(out)


def numpy_per_sample(images: np.ndarray, batch: int, seed: int = 0, **geometry):
    """All 8 neighbour pairs per image, interleaved (grayscale: no colour dropping)."""
    geometry = {**GEOMETRY, **geometry}
    rng = np.random.default_rng(seed)
    for start in range(0, len(images), batch):
        pairs = [_pairs(image, rng, **geometry) for image in images[start : start + batch]]
        yield np.concatenate(pairs), np.tile(np.arange(8, dtype=np.int32), len(pairs))


def check(images):
    # Without jitter and spare room the crops are deterministic: exact agreement.
    exact = {"patch_size": 8, "gap": 2, "jitter": 0}
    want, want_labels = next(numpy_per_sample(images[:8], 8, **exact))
    got, got_labels = relative_patch_pairs(images[:8], tf.constant([0, 0]), **exact)
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(got_labels, want_labels)
    want, _ = next(numpy_per_sample(images[:8], 8))
    got, _ = relative_patch_pairs(images[:8], tf.constant([0, 0]), **GEOMETRY)
    assert got.shape == want.shape


def build_model():
    model = tfxlearn.paradigms.get("relative_patch_location")(
        encoder=tfxlearn.nets.conv_encoder((None, None, 1))
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "relative_patch_location",
    "op_args": {**GEOMETRY, "mode": "all"},
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
