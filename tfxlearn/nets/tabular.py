"""Encoders of feature vectors (tabular data, e.g. `tfxlearn.data.adult`)."""

from __future__ import annotations

from collections.abc import Sequence

import keras


def mlp_encoder(
    input_dim: int, hidden: Sequence[int] = (64,), name: str = "encoder"
) -> keras.Model:
    """A functional MLP from `features` [batch, input_dim] to ReLU features
    [batch, hidden[-1]] (Edwards & Storkey, ICLR 2016, and Zhang et al., AIES
    2018, use one or two such layers on Adult)."""
    if isinstance(input_dim, bool) or int(input_dim) != input_dim or int(input_dim) < 1:
        raise ValueError(f"input_dim must be an int >= 1, got {input_dim!r}")
    hidden = [int(h) for h in hidden]
    if not hidden or any(h < 1 for h in hidden):
        raise ValueError(f"hidden must be one or more widths >= 1, got {hidden}")
    inputs = keras.Input((int(input_dim),), name="features")
    x = inputs
    for i, width in enumerate(hidden):
        x = keras.layers.Dense(width, activation="relu", name=f"{name}_dense{i}")(x)
    return keras.Model(inputs, x, name=name)
