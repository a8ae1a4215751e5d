"""Layer-wise linear probe: which layer of a frozen encoder holds the class information.

A pretext task shapes the last layers of an encoder for itself; the features a
downstream task needs may sit lower. Zhang et al. (ECCV 2016), Noroozi & Favaro
(ECCV 2016) and Gidaris et al. (ICLR 2018) report a linear probe per layer for
this reason, and Goyal et al. ("Scaling and Benchmarking Self-Supervised Visual
Representation Learning", ICCV 2019) average-pool each layer's feature map to a
small grid before the probe. `layerwise_probe` does the same with tfxlearn's
linear probe, and picks the layer on the probe's validation split (never on the
test split), so the reported accuracy is one a user could obtain without
looking at test labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import check_encoder
from tfxlearn.evaluation.linear import DEFAULT_L2_GRID, linear_probe

_BLOCK_RELU = re.compile(r"^block(\d+)_relu(\d+)$")


class GridAveragePooling(keras.layers.Layer):
    """Averages a [batch, H, W, C] map over a grid x grid partition of its cells
    (the bins of adaptive average pooling: rows floor(i H / g) to ceil((i + 1) H / g)),
    flattened to [batch, grid * grid * C]. `grid=1` is global average pooling."""

    def __init__(self, grid: int = 1, **kwargs):
        super().__init__(**kwargs)
        if int(grid) < 1:
            raise ValueError(f"grid must be >= 1, got {grid}")
        self.grid = int(grid)

    def call(self, x):
        g = self.grid
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        tf.debugging.assert_greater_equal(
            tf.minimum(h, w), g, message=f"grid {g} is larger than the feature map"
        )
        cells = []
        for i in range(g):
            r0, r1 = (i * h) // g, -((-(i + 1) * h) // g)
            for j in range(g):
                c0, c1 = (j * w) // g, -((-(j + 1) * w) // g)
                cells.append(tf.reduce_mean(x[:, r0:r1, c0:c1, :], axis=[1, 2]))
        return tf.concat(cells, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.grid * self.grid * input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "grid": self.grid}


def default_probe_layers(encoder: keras.Model) -> list[str]:
    """The last activation of each block of a `tfxlearn.nets.conv_encoder`
    (`block{b}_relu{c}` with the largest c), in block order.

    Raises:
        ValueError: the encoder has no such layers (name them with `layers=`).
    """
    last: dict[int, tuple[int, str]] = {}
    for layer in encoder.layers:
        match = _BLOCK_RELU.match(layer.name)
        if match:
            block, conv = int(match.group(1)), int(match.group(2))
            if block not in last or conv > last[block][0]:
                last[block] = (conv, layer.name)
    if not last:
        raise ValueError(
            f"encoder {encoder.name!r} has no block{{b}}_relu{{c}} layers (the blocks of "
            "tfxlearn.nets.conv_encoder); pass layers=[names of its layers to probe]"
        )
    return [last[b][1] for b in sorted(last)]


def layer_encoder(encoder: keras.Model, layer: str, grid: int = 1) -> keras.Model:
    """`encoder` cut at `layer`, whose [H, W, C] output is average-pooled to a
    grid x grid of cells (`GridAveragePooling`) and flattened; a layer with a
    vector output is returned as it is (grid must then be 1). The model shares
    the encoder's weights.

    Raises:
        ValueError: an unknown layer (the message lists the encoder's layers),
            grid < 1, a grid larger than the layer's map, or a layer whose
            output is neither a vector nor a feature map.
    """
    check_encoder(encoder)
    if int(grid) < 1:
        raise ValueError(f"grid must be >= 1, got {grid}")
    names = [lay.name for lay in encoder.layers]
    if layer not in names:
        raise ValueError(
            f"layers: encoder {encoder.name!r} has no layer {layer!r}; its layers: "
            + ", ".join(names)
        )
    output = encoder.get_layer(layer).output
    if len(output.shape) == 2:
        if int(grid) != 1:
            raise ValueError(f"layer {layer!r} outputs vectors {output.shape}: use grid=1")
        return keras.Model(encoder.input, output, name=f"{encoder.name}_{layer}")
    if len(output.shape) != 4:
        raise ValueError(
            f"layer {layer!r} outputs shape {output.shape}; a probe needs a vector "
            "[batch, d] or a feature map [batch, H, W, C]"
        )
    known = [d for d in output.shape[1:3] if d is not None]
    if known and int(grid) > min(known):
        raise ValueError(
            f"grid {grid} is larger than layer {layer!r}'s {output.shape[1]}x"
            f"{output.shape[2]} feature map"
        )
    pooled = GridAveragePooling(int(grid), name=f"{layer}_grid{int(grid)}")(output)
    return keras.Model(encoder.input, pooled, name=f"{encoder.name}_{layer}_grid{int(grid)}")


def layerwise_probe(
    encoder: keras.Model,
    data: EvalData,
    *,
    layers: Sequence[str] | None = None,
    grid: int = 1,
    l2: Sequence[float] = DEFAULT_L2_GRID,
    **probe_options,
) -> dict:
    """A linear probe (`linear_probe`) of each of `layers`, pooled to a grid x grid
    of cells; the layer with the best validation accuracy is the result.

    Args:
        encoder: a functional Keras model (its top-level layers can be probed).
        data: the labelled dataset.
        layers: names of the layers to probe; default `default_probe_layers`
            (the blocks of `tfxlearn.nets.conv_encoder`).
        grid: cells per side of the average pooling of each feature map (1:
            global average pooling; Goyal et al. pool to a few thousand features).
        l2: the probe's penalty grid; at least two values, as the validation
            split that chooses the penalty also chooses the layer.
        **probe_options: other `linear_probe` arguments (validation_fraction,
            max_iter, seed, batch_size).

    Returns:
        `{"accuracy": test accuracy of the chosen layer, "layer": its name,
        "validation_accuracy", "train_accuracy", "l2", "dims": its feature
        count, "layers": {name: that layer's linear_probe metrics and "dims"}}`.

    Raises:
        ValueError: fewer than two l2 values, no layers, duplicate or unknown
            layer names, or a grid that does not fit a layer (all checked
            before any probe runs).
    """
    grid_values = [float(v) for v in np.atleast_1d(l2)]
    if len(grid_values) < 2:
        raise ValueError(
            f"l2 must list at least two penalties, got {l2!r}: the validation split "
            "that chooses the penalty also chooses the layer"
        )
    check_encoder(encoder)
    names = list(default_probe_layers(encoder) if layers is None else layers)
    if not names:
        raise ValueError("layers must name at least one layer")
    if len(set(names)) != len(names):
        raise ValueError(f"layers has duplicates: {names}")
    cut = {name: layer_encoder(encoder, name, grid) for name in names}
    per_layer = {}
    for name, model in cut.items():
        metrics = linear_probe(model, data, l2=grid_values, **probe_options)
        per_layer[name] = {**metrics, "dims": int(model.output_shape[-1])}
    # The first layer wins ties: the cheaper, lower one.
    best = max(names, key=lambda n: (per_layer[n]["validation_accuracy"], -names.index(n)))
    chosen = per_layer[best]
    return {
        "accuracy": chosen["accuracy"],
        "layer": best,
        "validation_accuracy": chosen["validation_accuracy"],
        "train_accuracy": chosen["train_accuracy"],
        "l2": chosen["l2"],
        "dims": chosen["dims"],
        "grid": int(grid),
        "layers": per_layer,
    }
