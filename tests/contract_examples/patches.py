"""Patch-based pretext paradigms: relative patch location and jigsaw puzzles.

Their `call` takes patch sets [batch, 2 | 9, patch, patch, 1]; serving takes
whole images. Digits are upsampled to 16x16 so that the 3x3 grids of 4x4
patches fit (4 -> 2 -> 1 through the two pooling blocks of the tiny encoder).
"""

import tensorflow as tf

import tfxlearn


def _digits16(images: int = 4) -> tf.data.Dataset:
    ds = tfxlearn.data.load("digits", "train").take(images)
    return ds.map(
        lambda ex: {
            "image": tf.cast(tf.image.resize(ex["image"], [16, 16], "nearest"), tf.uint8),
            "index": tf.constant(0, tf.int64),
        }
    ).batch(images)


def _whole_images(batch):
    return tf.cast(next(iter(_digits16()))["image"], tf.float32) / 255.0


def _encoder(norm):
    return tfxlearn.nets.conv_encoder((None, None, 1), widths=(4, 8), norm=norm)


def _bad_inputs(batch):
    patches = batch[0]
    return [
        (tf.concat([patches, patches], axis=-1), "channel count"),
        (patches[:, 0], "rank 5"),
        (patches[:, :1], "patch count"),
    ]


EXAMPLES = {
    "relative_patch_location": {
        "build": lambda norm: tfxlearn.paradigms.get("relative_patch_location")(
            encoder=_encoder(norm), hidden=8
        ),
        "data": lambda: tfxlearn.pretext.relative_patch_location(
            _digits16(), patch_size=4, gap=1, jitter=1
        ),
        "serving_inputs": _whole_images,
        "bad_inputs": _bad_inputs,
    },
    "jigsaw": {
        "build": lambda norm: tfxlearn.paradigms.get("jigsaw")(
            encoder=_encoder(norm), num_permutations=10, hidden=8
        ),
        "data": lambda: tfxlearn.pretext.jigsaw(_digits16(), num_permutations=10, tile_size=4),
        "serving_inputs": _whole_images,
        "bad_inputs": _bad_inputs,
    },
}
