"""The blocks of an encoder: the units that gradual unfreezing and discriminative
learning rates act on, bottom (input side) to top (feature side).

How blocks are found (`encoder_blocks`):

1. The encoder's layers are flattened (nested models are entered) in the order
   Keras lists them, which for functional models is topological, input first.
   Only layers that own weights count (convolutions, dense, normalisation, a
   loaded SavedModel); ReLU, pooling, reshaping own none and need no freezing.
2. Default grouping, by name: a layer's *block key* is its name up to and
   including the first number (and a letter right after it), e.g.
   `block2_conv0` -> `block2` (tfxlearn's `conv_encoder`), `conv3_block1_1_conv`
   -> `conv3` (ResNet stages), `block4a_expand_conv` -> `block4a`
   (EfficientNet), `expanded_conv_3_depthwise` -> `expanded_conv_3`
   (MobileNetV3), `block_5_project` -> `block_5` (MobileNetV2). Consecutive
   layers with the same key form one block; a layer whose name has no number
   (a stem `conv` / `conv_bn`, a loaded SavedModel) joins the block before it,
   or starts the first block.
3. Or explicit: `blocks=["stem", "block_1", ...]`, a list of name prefixes,
   one per block, bottom to top (every weighted layer must match one, its
   longest matching prefix), or `blocks=callable(layer) -> key` (consecutive
   layers with the same key form a block).

A SavedModel export loaded by `load_encoder` is one layer, hence one block.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import keras

_KEY = re.compile(r"^(.*?\d+[a-z]?)(?:_|$)")


@dataclasses.dataclass(frozen=True)
class Block:
    """A named group of weighted layers of an encoder."""

    name: str
    layers: tuple

    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        return [w for layer in self.layers for w in layer.trainable_weights]


def weighted_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The leaf layers of `model` that own weights, input side first (nested
    models entered; a layer without sub-layers is a leaf)."""
    found = []
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            found += weighted_layers(layer)
        elif layer.weights:
            found.append(layer)
    return found


def default_block_key(name: str) -> str | None:
    """`name` up to its first number (and a letter after it), e.g. `block2_conv0`
    -> `block2`; None when the name has no number."""
    match = _KEY.match(name)
    return match.group(1) if match else None


def encoder_blocks(
    encoder: keras.Model,
    blocks: Sequence[str] | Callable[[keras.layers.Layer], str | None] | None = None,
) -> list[Block]:
    """The blocks of `encoder`, bottom (input side) to top (see the module docstring).

    Args:
        encoder: a Keras model.
        blocks: None (group by name, `default_block_key`), a list of layer-name
            prefixes, one per block, bottom to top, or a function of a layer
            returning its block key (None: the block before it).

    Returns:
        The blocks, each with at least one weighted layer.

    Raises:
        ValueError: the encoder has no weighted layer; a prefix matches no
            layer; a weighted layer matches no prefix.
    """
    layers = weighted_layers(encoder)
    if not layers:
        raise ValueError(f"encoder {encoder.name!r} has no layer with weights to group into blocks")
    if blocks is None or callable(blocks):
        key_of = default_block_key if blocks is None else blocks
        groups: list[tuple[str, list]] = []
        for layer in layers:
            key = key_of(layer.name) if blocks is None else key_of(layer)
            if key is not None and not isinstance(key, str):
                raise ValueError(f"blocks(layer) must return a str or None, got {key!r}")
            if not groups or (key is not None and key != groups[-1][0]):
                groups.append((key or layer.name, []))
            groups[-1][1].append(layer)
        return [Block(name, tuple(members)) for name, members in groups]
    if isinstance(blocks, str) or not all(isinstance(p, str) and p for p in blocks):
        raise ValueError(
            f"blocks must be None, a callable or a list of non-empty layer-name prefixes, "
            f"got {blocks!r}"
        )
    prefixes = list(blocks)
    members: dict[str, list] = {p: [] for p in prefixes}
    unmatched = []
    for layer in layers:
        matching = [p for p in prefixes if layer.name.startswith(p)]
        if not matching:
            unmatched.append(layer.name)
            continue
        members[max(matching, key=len)].append(layer)
    if unmatched:
        raise ValueError(
            f"blocks: weighted layers {unmatched} of encoder {encoder.name!r} match none of "
            f"the prefixes {prefixes}"
        )
    empty = [p for p in prefixes if not members[p]]
    if empty:
        raise ValueError(
            f"blocks: prefixes {empty} match no weighted layer of encoder {encoder.name!r} "
            f"(its weighted layers: {[layer.name for layer in layers]})"
        )
    return [Block(p, tuple(members[p])) for p in prefixes]
