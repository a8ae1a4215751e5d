import tensorflow as tf

import tfxlearn


def _labelled_digits(op: str, images: int = 8, classes: int = 3):
    """One batch of `images` digits of the first `classes` classes through `op`
    (several images per class, so every anchor has a positive)."""
    ds = tfxlearn.data.load("digits", "train").filter(lambda e: e["label"] < classes)
    return tfxlearn.pretext.get(op)(ds.take(images).batch(images), seed=0)


EXAMPLES = {
    "siamese": {
        # The triplet loss: semi-hard negatives mined over the all-gathered global
        # batch, so the 2-replica parity test checks the distributed mining too.
        "build": lambda norm: tfxlearn.paradigms.get("siamese")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            embedding_dim=8,
            loss="triplet",
            margin=0.5,
        ),
        "data": lambda: _labelled_digits("class_triplets"),
        "inputs": lambda batch: batch[0][0],
        "bad_inputs": lambda batch: [
            (tf.concat([batch[0][0], batch[0][0]], axis=-1), "channel count"),
            (batch[0][0][0], "rank 4"),
        ],
    },
}
