"""Transfer learning: a pretrained encoder -> a classifier for a new labelled dataset.

    encoder = tfxlearn.transfer.load_encoder("saved_models/moco_fashion_mnist")
    classifier = tfxlearn.transfer.fit(encoder, (images, labels), mode="gradual")

`load_encoder` takes a Keras model or paradigm, a `.keras` file, a tfxlearn
SavedModel export or a `keras.applications` name; `fit` trains a head on it in
one of `MODES` (linear probe, fine-tuning, gradual unfreezing, discriminative
learning rates, LP-FT); `encoder_blocks` says how an encoder splits into the
blocks the last ones act on. See docs/transfer.md.
"""

from tfxlearn.transfer.blocks import Block, default_block_key, encoder_blocks, weighted_layers
from tfxlearn.transfer.fit import (
    BATCH_NORM,
    MODES,
    BlockwiseTrainer,
    discriminative_rates,
    fit,
    read_examples,
    unfreezing_schedule,
)
from tfxlearn.transfer.loading import ApplicationPreprocessing, copy_encoder, load_encoder

__all__ = [
    "MODES",
    "BATCH_NORM",
    "fit",
    "load_encoder",
    "encoder_blocks",
    "Block",
    "default_block_key",
    "weighted_layers",
    "unfreezing_schedule",
    "discriminative_rates",
    "BlockwiseTrainer",
    "ApplicationPreprocessing",
    "read_examples",
    "copy_encoder",
]
