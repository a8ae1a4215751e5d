"""Contract example of `dual_translation`: 4 English / Spanish verse pairs, a
dual-mode model (the game on both sides plus a supervised term, so one step
exercises sampling, the frozen language models, REINFORCE and the
reconstruction update); texts cut to 8 tokens."""

import numpy as np
import tensorflow as tf

import tfxlearn

EN = [
    "In the beginning God created the heavens and the earth.",
    "God said, let there be light, and there was light.",
    "God saw the light, and saw that it was good.",
    "The earth was formless and empty.",
]
ES = [
    "En el principio creó Dios los cielos y la tierra.",
    "Y dijo Dios: Sea la luz: y fué la luz.",
    "Y vió Dios que la luz era buena.",
    "Y la tierra estaba desordenada y vacía.",
]


def vocabularies():
    words = [tfxlearn.data.text.tokenize(np.array(side)).flat_values.numpy() for side in (EN, ES)]
    return [sorted({w.decode() for w in side}) for side in words]


def tiny_dual_translation(norm=None, mode="dual", **kwargs):
    del norm  # layer norm only: the same on 1 and 2 replicas
    vocabulary_a, vocabulary_b = vocabularies()
    args = {"max_length": 8, "dim": 8, "depth": 1, "heads": 2, "dropout": 0.0, **kwargs}
    if mode == "dual":
        args.setdefault("supervised_weight", 0.5)
    return tfxlearn.paradigms.get("dual_translation")(
        vocabulary_a=vocabulary_a, vocabulary_b=vocabulary_b, mode=mode, **args
    )


def batches():
    # Monolingual sides: the Spanish texts in another order than the English ones.
    batch = {
        "a": np.array(EN),
        "b": np.array(ES[1:] + ES[:1]),
        "parallel_a": np.array(EN),
        "parallel_b": np.array(ES),
    }
    return tf.data.Dataset.from_tensors(batch)


def _bad_inputs(batch):
    return [
        ({"a": batch["a"]}, "a, b"),
        ({"a": tf.constant([[1, 2]]), "b": batch["b"]}, r"raw texts tf.string \[batch\]"),
        ({"a": batch["a"][0], "b": batch["b"]}, r"raw texts tf.string \[batch\]"),
    ]


EXAMPLES = {
    "dual_translation": {
        "build": tiny_dual_translation,
        "data": batches,
        "inputs": lambda batch: {"a": batch["a"], "b": batch["b"]},
        "serving_inputs": lambda batch: {
            "text": np.array(["God said light", "", "unknown words only", " ".join(EN)])
        },
        "bad_inputs": _bad_inputs,
    },
}
