"""Jigsaw puzzles (Noroozi & Favaro, "Unsupervised Learning of Visual
Representations by Solving Jigsaw Puzzles", ECCV 2016).

The "context-free network": one shared encoder embeds each of the 9 shuffled
tiles made by `tfxlearn.pretext.jigsaw` on its own (so no tile sees another's
pixels), the 9 feature vectors are concatenated in slot order and an MLP head
predicts which permutation of the maximal-Hamming set shuffled them. Solving
the puzzle needs to recognise what part of an object each tile shows.

The model must be built with the same `num_permutations` (and, for the
permutation-set identity, `permutation_seed`) as the pretext op; both are
stored in `get_config`.

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1], whole images)
-> `embedding`: the shared tile encoder's features.
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base_classifier import PatchSetClassifier
from tfxlearn.pretext.jigsaw import permutation_set
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("jigsaw")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Jigsaw(PatchSetClassifier):
    """Predicts the index of the permutation that shuffled a set of tiles.

    Args:
        encoder: the shared tile encoder, a Keras model mapping [n, h, w, C]
            tiles to features; `conv_encoder(input_shape=(None, None, C))` also
            encodes whole images.
        num_permutations: size of the permutation set (number of classes).
        permutation_seed: seed of the permutation set (see
            `tfxlearn.pretext.jigsaw.permutation_set`).
        grid: tiles per side (3: 9 tiles per puzzle, or 2).
        hidden: width of the head's hidden layer (0: linear head).
        head: a model mapping [batch, grid**2 * features] to `num_permutations`
            logits; an MLP with `hidden` units if omitted.

    Inputs of `call`: float [batch, grid**2, tile, tile, C], tiles in slot order.
    """

    pretext = "jigsaw"
    derived_arguments = ("num_classes", "num_patches")

    def __init__(
        self,
        encoder: keras.Model,
        num_permutations: int = 100,
        permutation_seed: int = 0,
        grid: int = 3,
        hidden: int = 512,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if grid not in (2, 3):
            raise ValueError(f"grid must be 2 or 3, got {grid!r}")
        # Validates the size (2 .. (grid**2)!) and seed with the op's own errors.
        permutation_set(num_permutations, permutation_seed, grid * grid)
        super().__init__(
            encoder=encoder,
            num_patches=grid * grid,
            num_classes=num_permutations,
            hidden=hidden,
            head=head,
            **kwargs,
        )
        self.num_permutations = int(num_permutations)
        self.permutation_seed = int(permutation_seed)
        self.grid = int(grid)

    @property
    def permutations(self):
        """The permutation set [num_permutations, grid**2] (cached, read-only)."""
        return permutation_set(self.num_permutations, self.permutation_seed, self.grid**2)

    def get_config(self):
        return {
            **super().get_config(),
            "num_permutations": self.num_permutations,
            "permutation_seed": self.permutation_seed,
            "grid": self.grid,
        }
