import collections

import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.data.text import build_vocabulary, count_words

_TEXTS = [
    "In the beginning God created the heavens and the earth.",
    "The earth was formless and empty; darkness was on the surface of the deep.",
    "God said, let there be light, and there was light.",
    "God saw the light, and saw that it was good.",
]


def _vocabulary():
    return build_vocabulary(collections.Counter(count_words([np.array(_TEXTS)])), min_count=1)


def _batches():
    ds = tf.data.Dataset.from_tensor_slices(_TEXTS).batch(4)
    pairs = tfxlearn.pretext.get("skip_gram")(
        ds, vocabulary=_vocabulary(), window=2, negatives=3, subsample=None, batch_pairs=32
    )
    # The op's length is unknown (pairs per text vary); one batch, said so, so that fit
    # does not run a step past the end. With an unknown length, the loss that fit reports
    # under a one-process MirroredStrategy counts that extra step (weights are unaffected;
    # a known issue, docs/text.md).
    return pairs.take(1).apply(tf.data.experimental.assert_cardinality(1))


def _bad_inputs(batch):
    return [
        ({"center": batch["center"], "context": batch["context"]}, "center', 'context'"),
        ({**batch, "center": tf.cast(batch["center"], tf.float32)}, "integer word ids"),
        ({**batch, "negatives": batch["negatives"][:, 0]}, "rank 2"),
    ]


EXAMPLES = {
    "word2vec": {
        "build": lambda norm: tfxlearn.paradigms.get("word2vec")(
            vocabulary=_vocabulary(), embedding_dim=8
        ),
        "data": _batches,
        "inputs": lambda batch: batch,
        "serving_inputs": lambda batch: {
            "text": np.array(["God created light", "the earth", "", "unknown words only"])
        },
        "bad_inputs": _bad_inputs,
    },
}
