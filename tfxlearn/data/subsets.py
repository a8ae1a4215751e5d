"""Deterministic labelled subsets (low-shot evaluation, semi-supervised training)."""

from __future__ import annotations

import numpy as np


def balanced_subset(
    labels: np.ndarray, labels_per_class: int, num_classes: int, seed: int = 0
) -> np.ndarray:
    """Indices of `labels_per_class` examples of each class, drawn with `seed`.

    Args:
        labels: int labels [n].
        labels_per_class: examples kept per class.
        num_classes: classes 0 .. num_classes - 1 must each have enough examples.
        seed: seed of the draw (NumPy `default_rng`), so a seed always picks
            the same examples.

    Returns:
        Sorted int64 indices into `labels`, `labels_per_class * num_classes` of them.

    Raises:
        ValueError: `labels_per_class` < 1, or a class has fewer examples.
    """
    if (
        isinstance(labels_per_class, bool)
        or not isinstance(labels_per_class, int | np.integer)
        or labels_per_class < 1
    ):
        raise ValueError(f"labels_per_class must be a positive int, got {labels_per_class!r}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(int(num_classes)):
        members = np.flatnonzero(labels == c)
        if len(members) < labels_per_class:
            raise ValueError(
                f"labels_per_class={labels_per_class}, but class {c} has only "
                f"{len(members)} training examples"
            )
        chosen.append(rng.choice(members, labels_per_class, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)
