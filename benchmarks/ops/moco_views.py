import math

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.moco_views import DEFAULTS, augment, crop_boxes

from ._common import fashion_mnist_images

ARGS = {"crop_scale": (0.2, 1.0)}  # the pipeline's augmentations (blur and noise off)


def _crop_and_resize(image: np.ndarray, box) -> np.ndarray:
    """tf.image.crop_and_resize (bilinear) of one image and box, in NumPy."""
    h, w = image.shape[:2]
    y1, x1, y2, x2 = box
    ys = y1 * (h - 1) + np.arange(h) * (y2 - y1) * (h - 1) / (h - 1)
    xs = x1 * (w - 1) + np.arange(w) * (x2 - x1) * (w - 1) / (w - 1)
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1i, x1i = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    dy, dx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = image[y0][:, x0] * (1 - dx) + image[y0][:, x1i] * dx
    bottom = image[y1i][:, x0] * (1 - dx) + image[y1i][:, x1i] * dx
    return top * (1 - dy) + bottom * dy


def _view(image: np.ndarray, rng: np.random.Generator, box=None) -> np.ndarray:
    a = {**DEFAULTS, **ARGS}
    x = image.astype(np.float32) / 255.0
    if box is None:
        area = rng.uniform(*a["crop_scale"])
        aspect = math.exp(rng.uniform(math.log(a["crop_ratio"][0]), math.log(a["crop_ratio"][1])))
        cw, ch = min(math.sqrt(area * aspect), 1.0), min(math.sqrt(area / aspect), 1.0)
        y1, x1 = rng.uniform() * (1 - ch), rng.uniform() * (1 - cw)
        box = (y1, x1, y1 + ch, x1 + cw)
        if a["flip"] and rng.uniform() < 0.5:
            box = (box[0], box[3], box[2], box[1])
    x = _crop_and_resize(x, box)
    if rng.uniform() < a["jitter_prob"]:
        x = np.clip(x * rng.uniform(1 - a["brightness"], 1 + a["brightness"]), 0, 1)
        mean = x.mean()
        x = np.clip((x - mean) * rng.uniform(1 - a["contrast"], 1 + a["contrast"]) + mean, 0, 1)
    return x.astype(np.float32)


def numpy_per_sample(images: np.ndarray, batch: int):
    """(queries, keys): two independent views per image, float in [0, 1]."""
    rng = np.random.default_rng(0)
    for start in range(0, len(images) - batch + 1, batch):
        chunk = images[start : start + batch]
        yield (
            np.stack([_view(image, rng) for image in chunk]),
            np.stack([_view(image, rng) for image in chunk]),
        )


def check(images):
    # Exact: the same crop boxes (incl. flips) give the same pixels.
    x = images[:8]
    seed = tf.constant([3, 4])
    boxes = crop_boxes(
        tf.random.experimental.stateless_split(seed, 8)[0], 8, (0.2, 1.0), (3 / 4, 4 / 3), True
    )
    got = augment(x, seed, crop_scale=(0.2, 1.0), jitter_prob=0.0)
    for image, box, view in zip(x, boxes.numpy(), got.numpy()):
        want = _crop_and_resize(image.astype(np.float32) / 255.0, box)
        np.testing.assert_allclose(view, want, atol=1e-5)
    # In distribution: same shapes, range and mean intensity.
    q, k = next(numpy_per_sample(images[:256], 256))
    tq, tk = tfxlearn.pretext.two_views(images[:256], seed)
    assert q.shape == tuple(tq.shape) and k.shape == tuple(tk.shape)
    assert q.min() >= 0 and q.max() <= 1
    np.testing.assert_allclose(q.mean(), float(tf.reduce_mean(tq)), rtol=0.15)


def build_model():
    model = tfxlearn.paradigms.get("moco")(encoder=tfxlearn.nets.conv_encoder(), queue_size=4096)
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "moco_views",
    "op_args": ARGS,
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[0].shape[0]),
    "build_model": build_model,
}
