"""Dense-prediction pieces: an encoder's last feature map, and a decoder from a
feature map back to image resolution (colorization, masked autoencoding)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras


def feature_map(encoder: keras.Model, layer: str | None = None, name: str = "feature_map"):
    """A model sharing `encoder`'s weights that returns a spatial feature map.

    Args:
        encoder: a functional encoder, e.g. `conv_encoder()`.
        layer: name of the layer whose output is returned; by default the
            input of the encoder's pooling layer named "features" (the last
            feature map before global pooling).
        name: the returned model's name.

    Returns:
        A functional `keras.Model` from the encoder's input to [batch, h, w, c].
    """
    if layer is None:
        try:
            pooling = encoder.get_layer("features")
        except ValueError as e:
            raise ValueError(
                f"encoder {encoder.name!r} has no layer named 'features' (the global "
                "pooling of conv_encoder); pass layer= the name of the feature-map layer"
            ) from e
        output = pooling.input
    else:
        output = encoder.get_layer(layer).output
    if len(output.shape) != 4:
        raise ValueError(f"layer output must be a feature map [b, h, w, c], got {output.shape}")
    return keras.Model(encoder.input, output, name=name)


def conv_decoder(
    feature_shape: Sequence[int],
    output_shape: Sequence[int],
    widths: Sequence[int] = (64, 32),
    output_activation: str | None = None,
    name: str = "decoder",
) -> keras.Model:
    """Upsamples a feature map to `output_shape` (height, width, channels).

    Each step doubles the resolution (nearest-neighbour upsampling, 3x3 conv,
    batch norm, ReLU); steps are added until the map is at least the output
    size, then a bilinear resize makes it exactly that (e.g. 3x3 -> 24x24 ->
    28x28 for a 28x28 image pooled 3 times), and a 1x1 conv gives the channels.

    Args:
        feature_shape: (h, w, c) of the feature map.
        output_shape: (height, width, channels) of the prediction.
        widths: filters of the upsampling steps; the last width repeats if
            more steps are needed.
        output_activation: activation of the final 1x1 conv (None: logits).
        name: the model's name.
    """
    h, w, c = (int(d) for d in feature_shape)
    out_h, out_w, out_c = (int(d) for d in output_shape)
    if min(h, w, c, out_h, out_w, out_c) < 1:
        raise ValueError(f"shapes must be positive: {feature_shape} -> {output_shape}")
    if not widths:
        raise ValueError("widths must name at least one width")
    steps = max(0, math.ceil(math.log2(max(out_h / h, out_w / w))))
    inputs = keras.Input(shape=(h, w, c), name="feature_map")
    x = inputs
    for i in range(steps):
        width = int(widths[min(i, len(widths) - 1)])
        x = keras.layers.UpSampling2D(2, name=f"up{i}")(x)
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"up{i}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"up{i}_norm")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
    if (h * 2**steps, w * 2**steps) != (out_h, out_w):
        x = keras.layers.Resizing(out_h, out_w, interpolation="bilinear", name="resize")(x)
    outputs = keras.layers.Conv2D(out_c, 1, activation=output_activation, name="prediction")(x)
    return keras.Model(inputs, outputs, name=name)
