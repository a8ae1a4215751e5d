import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.masked_autoencoder import mask_images

from ._common import fashion_mnist_images

PATCH, RATIO = 4, 0.75


def _one(image, rng):
    size = image.shape[0]
    grid = size // PATCH
    order = rng.permutation(grid * grid)
    patch_mask = np.zeros(grid * grid, np.float32)
    patch_mask[order[: int(round(RATIO * grid * grid))]] = 1.0
    mask = np.kron(patch_mask.reshape(grid, grid), np.ones((PATCH, PATCH), np.float32))[..., None]
    x = image.astype(np.float32) / 255.0
    return x * (1.0 - mask), mask, x


def numpy_per_sample(images: np.ndarray, batch: int):
    """Random 75% of the 4x4 patches masked per image, ({images, mask}, targets)."""
    rng = np.random.default_rng(0)
    for start in range(0, len(images), batch):
        masked, masks, targets = zip(*(_one(image, rng) for image in images[start : start + batch]))
        yield {"images": np.stack(masked), "mask": np.stack(masks)}, np.stack(targets)


def check(images):
    want, want_targets = next(numpy_per_sample(images[:8], 8))
    got, targets = mask_images(images[:8], tf.constant([0, 0]), PATCH, RATIO)
    np.testing.assert_allclose(targets, want_targets)
    mask = np.asarray(got["mask"])
    np.testing.assert_array_equal(mask.sum(axis=(1, 2, 3)), want["mask"].sum(axis=(1, 2, 3)))
    np.testing.assert_allclose(np.asarray(got["images"]), want_targets * (1 - mask), atol=1e-7)


def build_model():
    model = tfxlearn.paradigms.get("masked_autoencoder")(encoder=tfxlearn.nets.conv_encoder())
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "masked_autoencoder",
    "op_args": {"patch_size": PATCH, "mask_ratio": RATIO},
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
