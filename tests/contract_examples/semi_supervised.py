"""Contract examples of the semi-supervised paradigms.

Their batches come from `tfxlearn.pretext.semi_supervised` with the labelled
examples at the front of each global batch: 3 labelled + 5 unlabelled of 8
digits, so on 2 replicas one gets 3 labelled and 1 unlabelled examples, the
other none labelled and 4 unlabelled - the 2-replica parity test checks that
the subset means are global (not per-replica) means.
"""

import keras
import numpy as np

import tfxlearn


def semi_supervised_batches():
    ds = tfxlearn.data.load("digits", "train").take(64)
    ds = ds.enumerate().map(lambda i, e: {"image": e["image"], "label": e["label"], "index": i})
    batches = tfxlearn.pretext.semi_supervised(
        ds, batch_size=8, num_classes=10, labelled_per_class=1, labelled_fraction=0.375, seed=0
    )
    return batches.take(1)


def _sgd_pair(model):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
    )
    return model


def tiny_sgan(norm):
    return tfxlearn.paradigms.get("sgan")(
        generator=tfxlearn.nets.dcgan_generator(4, (8, 8, 1), widths=(8, 4), norm=norm),
        discriminator=tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
    )


def tiny_latent_classifier(norm):
    return tfxlearn.paradigms.get("latent_classifier")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
        latent_dim=4,
        decoder_widths=(8, 4),
    )


def _bad_inputs(batch):
    images = batch[0]
    return [
        (np.concatenate([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


EXAMPLES = {
    "sgan": {
        "build": tiny_sgan,
        "data": semi_supervised_batches,
        "compile": _sgd_pair,
        "bad_inputs": _bad_inputs,
    },
    "latent_classifier": {
        "build": tiny_latent_classifier,
        "data": semi_supervised_batches,
        "bad_inputs": _bad_inputs,
    },
}
