"""Small convolutional encoders (the "same small conv encoder" of every benchmark)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfxlearn.nets.layers import WeightNormDense
from tfxlearn.nets.norm import NORMS, norm_layer

_POOLINGS = ("avg", "flatten")


def conv_encoder(
    input_shape: Sequence[int] = (28, 28, 1),
    widths: Sequence[int] = (32, 64, 128),
    convs_per_block: int = 1,
    norm: str = "batch",
    pooling: str = "avg",
    name: str = "encoder",
) -> keras.Model:
    """A VGG-style conv net: blocks of [3x3 conv -> norm -> ReLU] x n -> 2x2 max-pool.

    Args:
        input_shape: (height, width, channels) of the float images it takes.
            Height and width may be None: with global average pooling the same
            weights then encode patches and whole images (patch-based pretext
            tasks train on patches, evaluation feeds whole images).
        widths: filters of each block; one 2x2 max-pool per block.
        convs_per_block: 3x3 convolutions in each block.
        norm: "batch", "sync_batch" (cross-replica statistics), "group"
            (instance norm) or "none".
        pooling: how the last feature map becomes the representation: "avg"
            (global average pooling, size widths[-1]) or "flatten".
        name: the Keras model name.

    Returns:
        A functional `keras.Model` mapping images to a feature vector.
    """
    input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if (
        len(input_shape) != 3
        or input_shape[2] is None
        or min(d for d in input_shape if d is not None) < 1
    ):
        raise ValueError(
            f"input_shape must be (height, width, channels) with channels known, got {input_shape}"
        )
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive ints, got {widths}")
    if convs_per_block < 1:
        raise ValueError(f"convs_per_block must be >= 1, got {convs_per_block}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if pooling not in _POOLINGS:
        raise ValueError(f"pooling must be one of {_POOLINGS}, got {pooling!r}")
    known = [d for d in input_shape[:2] if d is not None]
    if known and min(known) < 2 ** len(widths):
        raise ValueError(
            f"input_shape {input_shape} is too small for {len(widths)} pooling blocks "
            f"(needs at least {2 ** len(widths)} pixels per side)"
        )

    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    for b, width in enumerate(widths):
        for c in range(convs_per_block):
            x = keras.layers.Conv2D(
                int(width), 3, padding="same", use_bias=norm == "none", name=f"block{b}_conv{c}"
            )(x)
            layer = norm_layer(norm, f"block{b}_norm{c}")
            if layer is not None:
                x = layer(x)
            x = keras.layers.ReLU(name=f"block{b}_relu{c}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
    if pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="features")(x)
    else:
        x = keras.layers.Flatten(name="features")(x)
    return keras.Model(inputs, x, name=name)


def classifier_head(
    num_classes: int, hidden: int = 0, weight_norm: bool = False, name: str = "head"
) -> keras.Model:
    """A linear (or one-hidden-layer MLP) head producing `num_classes` logits.

    With `weight_norm`, its layers are `WeightNormDense` (data-dependent
    initialization on the first training batch; the logits start with standard
    deviation 0.1, so the first softmax is close to uniform)."""
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    layers = []
    if weight_norm:
        if hidden:
            layers += [WeightNormDense(hidden, activation="relu", name=f"{name}_hidden")]
        layers += [WeightNormDense(num_classes, init_scale=0.1, name=f"{name}_logits")]
        return keras.Sequential(layers, name=name)
    if hidden:
        layers += [keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden")]
    layers += [keras.layers.Dense(num_classes, name=f"{name}_logits")]
    return keras.Sequential(layers, name=name)
