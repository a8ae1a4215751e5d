"""Contract example of the dual-learning paradigms: CycleGAN between 4 font-rendered
digits (`font_digits/tiny`, reduced to 8x8, domain A) and 4 of scikit-learn's
handwritten digits (domain B), so each of 2 replicas gets 2 of each domain; a
history of 4 images, so the step writes and reads it. pix2pix: Canny edges of 4 of
scikit-learn's handwritten digits (8x8) paired with the digits (`edge_pairs`).
Attention-guided CycleGAN: 4 blank texture crops (`textured_digits/blank_tiny`,
8x8 RGB) and 4 digits on textures (`textured_digits/tiny`), identity term on."""

import keras
import numpy as np

import tfxlearn

from ._common import tiny_translators


def unpaired_batches():
    return tfxlearn.data.unpaired.load_unpaired(
        "font_digits/tiny", "digits", batch_size=4, image_size=(8, 8, 1), seed=0
    ).take(1)


def tiny_cycle_gan(norm):
    del norm  # instance norm: per-image statistics, the same on 1 and 2 replicas
    return tfxlearn.paradigms.get("cycle_gan")(**tiny_translators(), history_size=4)


def textured_batches():
    return tfxlearn.data.unpaired.load_unpaired(
        "textured_digits/blank_tiny", "textured_digits/tiny", batch_size=4, image_size=(8, 8, 3)
    ).take(1)


def tiny_attention_cycle_gan(norm):
    del norm  # instance norm: per-image statistics, the same on 1 and 2 replicas
    nets = tfxlearn.nets
    shape = (8, 8, 3)

    def generator(name):
        return nets.resnet_generator(shape, filters=2, downsamples=1, residual_blocks=1, name=name)

    return tfxlearn.paradigms.get("attention_cycle_gan")(
        generator_ab=generator("generator_ab"),
        generator_ba=generator("generator_ba"),
        attention_ab=nets.attention_network(shape, filters=2, name="attention_ab"),
        attention_ba=nets.attention_network(shape, filters=2, name="attention_ba"),
        discriminator_a=nets.patchgan_discriminator(shape, widths=(2, 4), name="d_a"),
        discriminator_b=nets.patchgan_discriminator(shape, widths=(2, 4), name="d_b"),
        identity_weight=1.0,
        history_size=4,
    )


def edge_batches():
    digits = tfxlearn.data.load("digits", "train").take(4).batch(4)
    return tfxlearn.pretext.edge_pairs(digits, sigma=0.5)


def tiny_pix2pix(norm):
    del norm  # instance norm: per-image statistics, the same on 1 and 2 replicas
    nets = tfxlearn.nets
    return tfxlearn.paradigms.get("pix2pix")(
        generator=nets.unet_generator((8, 8, 1), widths=(2, 4)),
        discriminator=nets.patchgan_discriminator((8, 8, 2), widths=(2, 4)),
    )


def _compile(model):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
    )
    return model


def _bad_inputs(batch):
    images = np.asarray(batch[0])
    return [
        (np.concatenate([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


EXAMPLES = {
    "cycle_gan": {
        "build": tiny_cycle_gan,
        "data": unpaired_batches,
        "inputs": lambda batch: batch[0],
        "compile": _compile,
        "bad_inputs": _bad_inputs,
    },
    "attention_cycle_gan": {
        "build": tiny_attention_cycle_gan,
        "data": textured_batches,
        "inputs": lambda batch: batch[0],
        "compile": _compile,
        "bad_inputs": _bad_inputs,
    },
    "pix2pix": {
        "build": tiny_pix2pix,
        "data": edge_batches,
        "inputs": lambda batch: batch[0],
        "compile": _compile,
        "bad_inputs": _bad_inputs,
    },
}
