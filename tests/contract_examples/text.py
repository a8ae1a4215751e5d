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


def _windows():
    ds = tf.data.Dataset.from_tensor_slices(_TEXTS).batch(4)
    windows = tfxlearn.pretext.get("next_token")(
        ds, vocabulary=_vocabulary(), length=8, batch_windows=4
    )
    # One batch of known length (the op's length is unknown: windows per text vary),
    # as for word2vec above. Its 4 windows hold different numbers of target tokens,
    # so the 2-replica parity checks the loss's global token count.
    return windows.take(1).apply(tf.data.experimental.assert_cardinality(1))


def _masked():
    ds = tf.data.Dataset.from_tensor_slices(_TEXTS).batch(4)
    batches = tfxlearn.pretext.get("masked_tokens")(
        ds, vocabulary=_vocabulary(), length=16, rate=0.3, seed=1
    )
    # One batch of 4 verses whose selected tokens differ in number per verse, so the
    # 2-replica parity checks the loss's global token count.
    return batches.take(1)


def _mlm_bad_inputs(batch):
    return [
        ({"inputs": batch["inputs"]}, "'inputs', 'targets'"),
        (tf.cast(batch["inputs"], tf.float32), "integer token ids"),
        (batch["inputs"][0], r"\[batch, length\]"),
        (tf.concat([batch["inputs"], batch["inputs"]], axis=1), "max_length=16"),
    ]


def _lm_bad_inputs(batch):
    return [
        ({"inputs": batch["inputs"]}, "'inputs', 'targets'"),
        (tf.cast(batch["inputs"], tf.float32), "integer token ids"),
        (batch["inputs"][0], r"\[batch, length\]"),
        (tf.concat([batch["inputs"], batch["inputs"]], axis=1), "max_length=8"),
    ]


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
    "language_model": {
        "build": lambda norm: tfxlearn.paradigms.get("language_model")(
            vocabulary=_vocabulary(), max_length=8, dim=8, depth=1, heads=2, dropout=0.0
        ),
        "data": _windows,
        "inputs": lambda batch: batch["inputs"],
        "serving_inputs": lambda batch: {
            "text": np.array(
                ["God created light", "", "unknown words only", " ".join(_TEXTS)]  # truncated
            )
        },
        "bad_inputs": _lm_bad_inputs,
    },
    "masked_language_model": {
        "build": lambda norm: tfxlearn.paradigms.get("masked_language_model")(
            vocabulary=_vocabulary(), max_length=16, dim=8, depth=1, heads=2, dropout=0.0
        ),
        "data": _masked,
        "inputs": lambda batch: batch["inputs"],
        "serving_inputs": lambda batch: {
            "text": np.array(["God created light", "", "unknown words only", " ".join(_TEXTS)])
        },
        "bad_inputs": _mlm_bad_inputs,
    },
}
