"""The two baselines every evaluation report carries (docs/architecture.md section 9).

`random_encoder`: the encoder's architecture with a fresh random initialisation
(what the representation is worth before any learning); `supervised_encoder`:
the same architecture trained end to end with every training label (what
labels would buy). Both are new models; the encoder passed in is untouched.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import check_encoder
from tfxlearn.evaluation.finetuning import (
    check_training_args,
    clone_architecture,
    train_classifier,
)


def random_encoder(encoder: keras.Model, seed: int = 0) -> keras.Model:
    """A freshly initialised copy of `encoder`'s architecture (the "random" baseline).

    Calls `keras.utils.set_random_seed(seed)` before cloning, so the same seed
    gives the same weights (this also reseeds Python's, NumPy's and TF's global
    generators).

    Args:
        encoder: the model whose architecture is copied (left untouched).
        seed: seed of the initialisation.

    Returns:
        A new, untrained Keras model of the same architecture.
    """
    check_encoder(encoder)
    keras.utils.set_random_seed(int(seed))
    return clone_architecture(encoder)


def supervised_encoder(
    encoder: keras.Model,
    data: EvalData,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
    classes: Sequence[int] | None = None,
) -> keras.Model:
    """The "all labels" baseline: `encoder`'s architecture trained from scratch with labels.

    A freshly initialised copy (`random_encoder(encoder, seed)`) and a linear
    head are trained end to end with cross-entropy on the whole training
    split; the trained encoder (without the head) is returned, ready for the
    same protocols as a self-supervised one.

    Args:
        encoder: the model whose architecture is copied (left untouched).
        data: the labelled dataset.
        epochs: passes over the training split.
        batch_size: examples per step.
        learning_rate: Adam learning rate.
        seed: seed of the initialisation and shuffling.
        classes: train only on the examples of these classes (e.g. the classes
            a Siamese network was trained on, when the evaluation is on the
            others); None = every class.

    Returns:
        The trained encoder (a new Keras model).
    """
    check_training_args(epochs, batch_size, learning_rate)
    images, labels = data.train
    if classes is not None:
        keep = np.isin(labels, [int(c) for c in classes])
        if not keep.any():
            raise ValueError(f"classes {list(classes)} do not occur in the training split")
        images, labels = images[keep], labels[keep]
    fresh = random_encoder(encoder, seed)
    train_classifier(
        fresh,
        images,
        labels,
        data.num_classes,
        epochs=int(epochs),
        batch_size=int(batch_size),
        learning_rate=float(learning_rate),
        seed=int(seed),
        progress=f"all-labels baseline on {data.name}",
    )
    return fresh
