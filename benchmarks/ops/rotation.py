import keras
import numpy as np

import tfxlearn
from tfxlearn.pretext.rotation import rotate_all

from ._common import fashion_mnist_images


def numpy_per_sample(images: np.ndarray, batch: int):
    """All 4 rotations per image, interleaved, float in [0, 1]."""
    for start in range(0, len(images), batch):
        out, labels = [], []
        for image in images[start : start + batch]:
            for k in range(4):
                out.append(np.rot90(image, k, axes=(0, 1)).astype(np.float32) / 255.0)
                labels.append(k)
        yield np.stack(out), np.asarray(labels, np.int32)


def check(images):
    want, want_labels = next(numpy_per_sample(images[:8], 8))
    got, got_labels = rotate_all(images[:8])
    np.testing.assert_allclose(np.asarray(got, np.float32) / 255.0, want)
    np.testing.assert_array_equal(got_labels, want_labels)


def build_model():
    model = tfxlearn.paradigms.get("rotation")(encoder=tfxlearn.nets.conv_encoder())
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "rotation",
    "op_args": {"mode": "all"},
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
