import keras
import numpy as np
import scipy.ndimage
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.exemplar import DEFAULTS, affine_matrices, exemplar_views, transform

from ._common import fashion_mnist_images

VIEWS = 8


def _matrix(angle, scale, shift, size):
    """scipy's (row, col) matrix + offset of the op's transform (see affine_matrices)."""
    m = np.asarray(
        affine_matrices(
            size, size, tf.constant([angle]), tf.constant([scale]), tf.constant([shift])
        )
    )[0]
    a0, a1, a2, b0, b1, b2 = m[:6]
    return np.array([[b1, b0], [a1, a0]]), np.array([b2, a2])


def _view(image, rng):
    size = image.shape[0]
    rotate = np.radians(DEFAULTS["rotate"])
    angle = rng.uniform(-rotate, rotate)
    scale = np.exp(rng.uniform(*np.log(DEFAULTS["scale"])))
    shift = rng.uniform(-DEFAULTS["translate"], DEFAULTS["translate"], 2) * size
    # The affine matrix in NumPy (as affine_matrices computes it, without TF).
    cos, sin, inv = np.cos(angle), np.sin(angle), 1.0 / scale
    a0, a1, b0, b1 = cos * inv, -sin * inv, sin * inv, cos * inv
    c = (size - 1) / 2.0
    ox, oy = c + shift[0], c + shift[1]
    matrix = np.array([[b1, b0], [a1, a0]])
    offset = np.array([c - (b0 * ox + b1 * oy), c - (a0 * ox + a1 * oy)])
    x = image[..., 0].astype(np.float32) / 255.0
    x = scipy.ndimage.affine_transform(x, matrix, offset=offset, order=1, mode="nearest")
    p = np.exp(rng.uniform(*np.log(DEFAULTS["power"])))
    x = np.clip(np.clip(x, 0, 1) ** p * rng.uniform(*DEFAULTS["multiply"]), -1, 2)
    return np.clip(x + rng.uniform(*DEFAULTS["add"]), 0.0, 1.0)[..., None]


def numpy_per_sample(images: np.ndarray, batch: int):
    """VIEWS augmented views per image (scipy.ndimage.affine_transform per view)."""
    rng = np.random.default_rng(0)
    for start in range(0, len(images), batch):
        out, labels = [], []
        for i, image in enumerate(images[start : start + batch]):
            for _ in range(VIEWS):
                out.append(_view(image, rng))
                labels.append(start + i)
        yield np.stack(out).astype(np.float32), np.asarray(labels, np.int32)


def check(images):
    # The geometry agrees with scipy exactly (up to float rounding) ...
    x = images[:4].astype(np.float32)
    params = [
        (0.3, 0.8, (2.0, -1.5)),
        (-0.2, 1.3, (0.0, 3.0)),
        (0.0, 1.0, (1.0, 1.0)),
        (1.0, 0.7, (0, 0)),
    ]
    m = affine_matrices(
        28,
        28,
        tf.constant([p[0] for p in params]),
        tf.constant([p[1] for p in params]),
        tf.constant([p[2] for p in params], tf.float32),
    )
    got = np.asarray(transform(x, m, "nearest"))
    for i, (angle, scale, shift) in enumerate(params):
        matrix, offset = _matrix(angle, scale, shift, 28)
        want = scipy.ndimage.affine_transform(
            x[i, ..., 0], matrix, offset=offset, order=1, mode="nearest"
        )
        np.testing.assert_allclose(got[i, ..., 0], want, atol=1e-2)
    # ... and the random views match in shape, labels and value range.
    want, want_labels = next(numpy_per_sample(images[:8], 8))
    views, labels = exemplar_views(images[:8], np.arange(8), tf.constant([0, 0]), views=VIEWS)
    assert views.shape == want.shape
    np.testing.assert_array_equal(labels, want_labels)
    assert float(tf.reduce_min(views)) >= 0.0 and float(tf.reduce_max(views)) <= 1.0


def build_model():
    model = tfxlearn.paradigms.get("exemplar")(
        encoder=tfxlearn.nets.conv_encoder(), num_classes=8192
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "exemplar",
    "op_args": {"num_classes": 8192, "views": VIEWS},
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
