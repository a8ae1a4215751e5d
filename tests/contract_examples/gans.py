import numpy as np

import tfxlearn

from ._common import digits_batches
from .gan import _sgd_pair, tiny_gan_nets

# Tiny InfoGAN: 4-d noise + 3 categories + 2 continuous codes = 9 generator inputs.
_NOISE, _CATEGORIES, _CONTINUOUS = 4, 3, 2
# Tiny conditional GAN on the 10 digit classes: 4-d noise + one-hot label.
_CLASSES = 10


def _infogan(norm):
    generator, discriminator = tiny_gan_nets(norm, latent_dim=_NOISE + _CATEGORIES + _CONTINUOUS)
    return tfxlearn.paradigms.get("infogan")(
        generator,
        discriminator,
        num_categories=_CATEGORIES,
        num_continuous=_CONTINUOUS,
        q_hidden=8,
    )


def _infogan_serving(batch):
    rng = np.random.default_rng(0)
    return {
        "noise": rng.normal(size=(4, _NOISE)).astype("float32"),
        "categorical": np.array([0, 1, 2, 1], np.int32),
        "continuous": rng.uniform(-1, 1, size=(4, _CONTINUOUS)).astype("float32"),
    }


def _conditional_gan(norm):
    generator, discriminator = tiny_gan_nets(norm, latent_dim=4 + _CLASSES)
    return tfxlearn.paradigms.get("conditional_gan")(generator, discriminator, num_classes=_CLASSES)


def _conditional_serving(batch):
    return {
        "latent": np.random.default_rng(0).normal(size=(4, 4)).astype("float32"),
        "labels": np.array([0, 3, 9, 3], np.int32),
    }


def _conditional_bad_inputs(batch):
    images, labels = (np.asarray(t) for t in batch)
    return [
        ((np.concatenate([images, images], axis=-1), labels), "channel count"),
        ((images[0], labels), "rank 4"),
        ((images, labels + _CLASSES), r"labels must be class ids in \[0, 10\)"),
        ((images, labels - 20), r"labels must be class ids in \[0, 10\)"),
        ((images, labels.astype("float32")), "integer class ids"),
        (images, r"takes \(images, labels\)"),
    ]


EXAMPLES = {
    "infogan": {
        "build": _infogan,
        "data": lambda: digits_batches("images", images=4),
        "inputs": lambda batch: batch,
        "serving_inputs": _infogan_serving,
        "compile": _sgd_pair,
        "bad_inputs": lambda images: [
            (np.concatenate([images, images], axis=-1), "channel count"),
            (images[0], "rank 4"),
        ],
    },
    "conditional_gan": {
        "build": _conditional_gan,
        "data": lambda: digits_batches("class_labels", images=4),
        "inputs": lambda batch: batch,
        "serving_inputs": _conditional_serving,
        "compile": _sgd_pair,
        "bad_inputs": _conditional_bad_inputs,
    },
}
