import numpy as np

import tfxlearn

from ._common import digits_batches


def _build(name, **args):
    def build(norm):
        encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm)
        return tfxlearn.paradigms.get(name)(
            encoder=encoder, latent_dim=3, decoder_widths=(8, 4), **args
        )

    return build


def _bad_inputs(images):
    return [
        (np.concatenate([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


def _example(name, **args):
    return {
        "build": _build(name, **args),
        "data": lambda: digits_batches("images", images=4),
        "inputs": lambda batch: batch,
        "bad_inputs": _bad_inputs,
    }


EXAMPLES = {
    "autoencoder": _example("autoencoder", reconstruction_loss="mse"),
    "denoising_autoencoder": _example("denoising_autoencoder", noise="masking", noise_level=0.3),
    # rho_hat is the global-batch mean activation: the all-reduce keeps 2 replicas in line.
    "sparse_autoencoder": _example("sparse_autoencoder", rho=0.1, sparsity_weight=0.5),
    "vae": _example("vae", beta=1.0),
}
