"""Contract examples of the domain-adaptation paradigms: batches of 4 font-rendered
digits (`font_digits/tiny`, reduced to 8x8, labelled source) and 4 of
scikit-learn's handwritten digits (unlabelled target), so each of 2 replicas gets
2 of each domain. SimGAN refines the same font digits (synthetic, domain A of
`load_unpaired`) towards the same handwritten digits (real), with a history of 4
refined images, so the step writes and reads it. CyCADA's contract step is its
feature-level (ADDA) step on the same domain batches, with 8x8 translators."""

import keras
import numpy as np

import tfxlearn


def domain_batches():
    pairs = tfxlearn.data.domains.load_pair(
        "font_digits/tiny", "digits", batch_size=4, image_size=(8, 8, 1), seed=0
    )
    return pairs.take(1)


def tiny_dann(norm):
    return tfxlearn.paradigms.get("dann")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
        max_lambda=1.0,
        schedule_steps=2,
        domain_hidden=(8,),
    )


def tiny_adda(norm):
    return tfxlearn.paradigms.get("adda")(
        source_encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
        discriminator_hidden=(8, 8),
    )


def tiny_cycada(norm):
    nets = tfxlearn.nets

    def generator(name):
        # instance norm: per-image statistics, the same on 1 and 2 replicas
        return nets.resnet_generator(
            (8, 8, 1), filters=2, downsamples=1, residual_blocks=1, name=name
        )

    def discriminator(name):
        return nets.patchgan_discriminator((8, 8, 1), widths=(2, 4), name=name)

    return tfxlearn.paradigms.get("cycada")(
        source_encoder=nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        generator_st=generator("generator_st"),
        generator_ts=generator("generator_ts"),
        discriminator_s=discriminator("discriminator_s"),
        discriminator_t=discriminator("discriminator_t"),
        num_classes=10,
        discriminator_hidden=(8, 8),
        history_size=4,
    )


def _sgd_pair(model):
    model.compile(
        target_encoder_optimizer=keras.optimizers.SGD(learning_rate=0.1),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
    )
    return model


def _bad_inputs(batch):
    images = batch[0][0]
    return [
        (np.concatenate([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


def unpaired_batches():
    return tfxlearn.data.unpaired.load_unpaired(
        "font_digits/tiny", "digits", batch_size=4, image_size=(8, 8, 1), seed=0
    ).take(1)


def tiny_simgan(norm):
    del norm  # no normalization in the refiner, instance norm in D: per-image statistics
    return tfxlearn.paradigms.get("simgan")(
        refiner=tfxlearn.nets.resnet_generator(
            (8, 8, 1), filters=2, downsamples=0, residual_blocks=1, norm="none", name="refiner"
        ),
        discriminator=tfxlearn.nets.patchgan_discriminator((8, 8, 1), widths=(2, 4)),
        history_size=4,
    )


def _simgan_compile(model):
    model.compile(
        refiner_optimizer=keras.optimizers.SGD(learning_rate=0.1),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate=0.1),
    )
    return model


def _bad_refiner_inputs(batch):
    images = np.asarray(batch[0])
    return [
        (np.concatenate([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


def adult_batches():
    ds = tfxlearn.data.load("adult/tiny", "train").take(8).batch(4)
    return ds.map(lambda e: (e["features"], (e["label"], e["sex"])))


def tiny_blind_representation(norm):
    del norm  # an MLP encoder: no normalization layers
    return tfxlearn.paradigms.get("blind_representation")(
        encoder=tfxlearn.nets.mlp_encoder(tfxlearn.data.adult.feature_count(), hidden=(8,)),
        num_classes=2,
        adversary_weight=1.0,
        adversary_hidden=(4,),
    )


def _bad_features(batch):
    features = batch[0]
    return [
        (np.concatenate([features, features], axis=-1), "width does not match"),
        (features[0], "rank 2"),
    ]


EXAMPLES = {
    "dann": {
        "build": tiny_dann,
        "data": domain_batches,
        "inputs": lambda batch: batch[0][0],
        "bad_inputs": _bad_inputs,
    },
    "blind_representation": {
        "build": tiny_blind_representation,
        "data": adult_batches,
        "serving_inputs": lambda batch: {"features": batch[0].numpy()},
        "bad_inputs": _bad_features,
    },
    "adda": {
        "build": tiny_adda,
        "data": domain_batches,
        "inputs": lambda batch: batch[0][1],
        "compile": _sgd_pair,
        "bad_inputs": _bad_inputs,
    },
    "cycada": {
        "build": tiny_cycada,
        "data": domain_batches,
        "inputs": lambda batch: batch[0][1],
        "compile": _sgd_pair,
        "bad_inputs": _bad_inputs,
    },
    "simgan": {
        "build": tiny_simgan,
        "data": unpaired_batches,
        "inputs": lambda batch: batch[0],
        "compile": _simgan_compile,
        "bad_inputs": _bad_refiner_inputs,
    },
}
