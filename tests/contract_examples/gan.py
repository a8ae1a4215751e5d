import keras
import numpy as np

import tfxlearn

from ._common import digits_batches


def _sgd_pair(model):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
    )
    return model


def tiny_gan_nets(norm, latent_dim=4):
    generator = tfxlearn.nets.dcgan_generator(latent_dim, (8, 8, 1), widths=(8, 4), norm=norm)
    discriminator = tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8), norm=norm)
    return generator, discriminator


def _latent(batch):
    return {"latent": np.random.default_rng(0).normal(size=(4, 4)).astype("float32")}


EXAMPLES = {
    "gan": {
        "build": lambda norm: tfxlearn.paradigms.get("gan")(*tiny_gan_nets(norm)),
        "data": lambda: digits_batches("images", images=4),
        "inputs": lambda batch: batch,
        "serving_inputs": _latent,
        "compile": _sgd_pair,
        "bad_inputs": lambda images: [
            (np.concatenate([images, images], axis=-1), "channel count"),
            (images[0], "rank 4"),
        ],
    },
}
