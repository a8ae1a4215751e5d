"""Normalization layers of the nets, by name, and batch norm that follows an
encoder's (synchronized across replicas or not)."""

from __future__ import annotations

import keras

NORMS = ("batch", "sync_batch", "group", "none")


def norm_layer(norm: str, name: str) -> keras.layers.Layer | None:
    """The normalization layer `norm` names: "batch", "sync_batch" (statistics over
    the global batch under a tf.distribute strategy), "group" (instance norm);
    None for "none" (and any other name: callers validate against their own list)."""
    if norm == "batch":
        return keras.layers.BatchNormalization(name=name)
    if norm == "sync_batch":
        # Statistics over the global batch under a tf.distribute strategy.
        return keras.layers.BatchNormalization(synchronized=True, name=name)
    if norm == "group":
        # groups=-1 is instance normalization (the tensorflow-addons replacement).
        return keras.layers.GroupNormalization(groups=-1, name=name)
    return None


def synchronize_like(decoder: keras.Model, encoder: keras.Model) -> keras.Model:
    """The decoder with synchronized batch norm if the encoder's is (norm="sync_batch"),
    so that the loss is the same on one device and across replicas.

    Args:
        decoder: a functional model (e.g. `conv_decoder(...)`); rebuilt from its
            config with `synchronized=True` in every BatchNormalization layer.
        encoder: a model whose top-level layers are checked for synchronized batch norm.

    Returns:
        `decoder` itself if the encoder's batch norm is not synchronized, else the
        rebuilt (freshly initialised) decoder.
    """
    synced = any(
        isinstance(layer, keras.layers.BatchNormalization) and layer.synchronized
        for layer in encoder.layers
    )
    if not synced:
        return decoder
    config = decoder.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "BatchNormalization":
            layer["config"]["synchronized"] = True
    return keras.Model.from_config(config)
