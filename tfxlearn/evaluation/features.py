"""Frozen features of an encoder, and the small checks every protocol shares."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData

# While `feature_cache()` is active: (id(encoder), id(data), role, batch_size)
# -> (encoder, data, features). The objects are kept so their ids stay unique.
_ACTIVE_CACHE: dict | None = None


def check_encoder(encoder: keras.Model, argument: str = "encoder") -> tuple[int, ...]:
    """Checks `encoder` is a single-input Keras model; returns its per-example input shape."""
    if not isinstance(encoder, keras.Model):
        raise TypeError(f"{argument} must be a keras.Model, got {type(encoder).__name__}")
    try:
        shape = encoder.input_shape
    except (AttributeError, ValueError):
        raise ValueError(
            f"{argument} {encoder.name!r} has no known input shape; build it first "
            "(e.g. a functional model with keras.Input, or call it once on a batch)"
        ) from None
    if isinstance(shape, list | dict) or (shape and isinstance(shape[0], tuple | list)):
        raise ValueError(f"{argument} must take a single image input, got input_shape {shape}")
    return tuple(shape[1:])


def check_images(images: np.ndarray, expected: tuple, argument: str = "images") -> None:
    """Raises a `ValueError` naming `argument` when the per-example shape is not `expected`."""
    got = tuple(images.shape[1:])
    if len(got) != len(expected) or any(
        w is not None and g != w for g, w in zip(got, expected, strict=False)
    ):
        raise ValueError(
            f"{argument} have per-example shape {got}, but the encoder takes {expected}; "
            "EvalData(image_size=(height, width, channels)) resizes them (a pipeline "
            "config's dataset.image_size)"
        )


def extract_features(
    encoder: keras.Model, images: np.ndarray | tf.Tensor, batch_size: int = 512
) -> np.ndarray:
    """Frozen features of `images` (inference mode: `training=False`).

    Images go through `tfxlearn.data.to_float_images` (uint8 -> [0, 1]) batch by
    batch, so a whole uint8 split never exists as float32 at once. Features of
    rank > 2 (e.g. a feature map) are flattened per example.

    Args:
        encoder: a single-input Keras model mapping images to features.
        images: [n, H, W, C] images, uint8 in [0, 255] or float in [0, 1].
        batch_size: examples per forward pass.

    Returns:
        float32 array [n, feature_dim].

    Raises:
        ValueError: `batch_size` < 1, no images, or images of the wrong shape.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    expected = check_encoder(encoder)
    images = np.asarray(images)
    if images.ndim == 0 or images.shape[0] == 0:
        raise ValueError("images is empty: need at least one image to extract features from")
    check_images(images, expected, "images")
    ds = (
        tf.data.Dataset.from_tensor_slices(images)
        .batch(int(batch_size))
        .map(tfx_data.to_float_images, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    forward = feature_function(encoder)
    batches = [forward(batch).numpy() for batch in ds]
    features = np.concatenate([b.reshape(b.shape[0], -1) for b in batches])
    return features.astype(np.float32, copy=False)


# encoder -> its compiled inference function (one trace per encoder and input shape).
_FEATURE_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feature_function(encoder: keras.Model):
    """`encoder(images, training=False)` as one `tf.function` per encoder, traced
    once for `[None, *input_shape]` float32 batches and reused by every protocol.

    `encoder.predict` traced its step again for every call (a new data adapter
    each time), which TensorFlow reports as excessive retracing when the
    evaluation probes several splits and encoders."""
    shape = check_encoder(encoder)
    cached = _FEATURE_FUNCTIONS.get(encoder)
    if cached is not None and cached[0] == shape:
        return cached[1]

    @tf.function(input_signature=[tf.TensorSpec((None, *shape), tf.float32)])
    def forward(images):
        return encoder(images, training=False)

    _FEATURE_FUNCTIONS[encoder] = (shape, forward)
    return forward


@contextlib.contextmanager
def feature_cache() -> Iterator[None]:
    """Within this block, each (encoder, data, split) is run through the encoder once.

    `compare` uses it so the linear probe and kNN share one feature extraction.
    Only valid while the encoders' weights do not change (nothing inside the
    protocols changes them: fine-tuning trains a copy).
    """
    global _ACTIVE_CACHE
    previous = _ACTIVE_CACHE
    _ACTIVE_CACHE = {} if previous is None else previous
    try:
        yield
    finally:
        _ACTIVE_CACHE = previous


def split_features(
    encoder: keras.Model, data: EvalData, role: str, batch_size: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """`(features, labels)` of the train or test split of `data` (cached inside `feature_cache`)."""
    if not isinstance(data, EvalData):
        raise TypeError(f"data must be an EvalData, got {type(data).__name__}")
    images, labels = data.arrays(role)
    key = (id(encoder), id(data), role, int(batch_size))
    if _ACTIVE_CACHE is not None and key in _ACTIVE_CACHE:
        return _ACTIVE_CACHE[key][2], labels
    check_encoder(encoder)
    try:
        features = extract_features(encoder, images, batch_size)
    except ValueError as e:
        raise ValueError(f"{data.name} {role} split: {e}") from None
    if _ACTIVE_CACHE is not None:
        _ACTIVE_CACHE[key] = (encoder, data, features)
    return features, labels
