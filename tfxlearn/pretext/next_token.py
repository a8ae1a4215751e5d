"""Next-token windows for language models (Bengio, Ducharme, Vincent & Jauvin,
"A Neural Probabilistic Language Model", JMLR 2003; Radford, Narasimhan,
Salimans & Sutskever, "Improving Language Understanding by Generative
Pre-Training", 2018): the label of every position is the token after it.

A batch of texts (verses) becomes windows of at most `length` positions, all
in TF ops over the whole batch:

1. each text's token ids `tfxlearn.data.text.token_sequences`: its words (an
   out-of-vocabulary word is kept as the unknown id 0, a token to predict as
   the n-gram baseline predicts it) and the end-of-text id E = V + 1;
2. the sequence E, w_1 .. w_n, E (E first: the "start" input every text
   begins with) gives inputs E, w_1 .. w_n and targets w_1 .. w_n, E: n + 1
   predicted tokens, the end of the text included;
3. a text of more than `length` predictions is cut into consecutive windows
   of `length` (each predicted token is a target exactly once; a later
   window's first positions see no earlier context); windows never cross
   the boundary between two texts;
4. windows are padded to `length`: inputs with E (causal attention never lets
   a real position see them), targets with -1 (`IGNORE`: not scored).

Shortcut guarded against: a model that reads its own target. The targets are
the inputs shifted by one, so only a causal model may train on them (the
paradigm's decoder masks attention to later positions; its tests check that
changing a later token leaves earlier predictions unchanged). Deterministic:
no randomness, the seed is not used (shuffling is the pipeline's).

Output: batches of `batch_windows` windows `{"inputs": int32 [n, length],
"targets": int32 [n, length]}`, regrouped across text batches so every step
has the same number of windows (the strategy splits them evenly over
replicas); the last partial batch is dropped.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data.text import (
    end_id,
    id_table,
    prepend_to_rows,
    resolve_vocabulary,
    token_sequences,
)
from tfxlearn.pretext.common import images_of, regroup, text_batches_spec
from tfxlearn.registry import PRETEXT_OPS

#: Target of a padded position (`tfxlearn.losses.token_cross_entropy.IGNORE`).
IGNORE = -1


def next_token_windows(sequences: tf.RaggedTensor, length: int, end: int) -> dict:
    """The (inputs, targets) windows of token sequences.

    Args:
        sequences: int32 ragged [batch, (tokens)], each text's ids ending with
            the end-of-text id `end` (`token_sequences`).
        length: positions per window (>= 1).
        end: the end-of-text id, also the start input and the input padding.

    Returns:
        {"inputs": int32 [windows, length], "targets": int32 [windows, length]}
        in text order, targets -1 after a text's last token.
    """
    inputs = prepend_to_rows(sequences[:, :-1], end)
    targets = sequences
    rows = targets.value_rowids()
    position = tf.cast(tf.range(tf.size(targets.flat_values, out_type=tf.int64)), tf.int64)
    position -= tf.gather(targets.row_starts(), rows)
    windows_per_text = (targets.row_lengths() + length - 1) // length
    first_window = tf.cumsum(windows_per_text, exclusive=True)
    window = tf.gather(first_window, rows) + position // length
    count = tf.reduce_sum(windows_per_text)

    def pack(values, pad):
        ragged = tf.RaggedTensor.from_value_rowids(values, window, nrows=count)
        return ragged.to_tensor(default_value=pad, shape=[None, length])

    return {
        "inputs": pack(inputs.flat_values, end),
        "targets": pack(targets.flat_values, IGNORE),
    }


def _check(length, batch_windows) -> None:
    for name, value, low in (("length", length, 1), ("batch_windows", batch_windows, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"next_token: {name} must be an int >= {low}, got {value!r}")


@PRETEXT_OPS.register("next_token")
def next_token(
    ds: tf.data.Dataset,
    *,
    vocabulary,
    length: int = 128,
    batch_windows: int = 64,
    text_key: str = "text",
    seed: int = 0,
) -> tf.data.Dataset:
    """Next-token (inputs, targets) windows from a dataset of text batches.

    Args:
        ds: batches of strings [batch] (tensors, tuples with the text first, or
            dicts with `text_key`).
        vocabulary: a `tfxlearn.data.text.Vocabulary`, or a dict of
            `corpus_vocabulary` arguments ({"dataset": "bible_verses", "feature": "en"}).
        length: positions per window: the model's `max_length` (>= 1).
        batch_windows: windows per output batch (>= 2).
        text_key: the text's key in dict elements.
        seed: not used (the windows are deterministic); taken like every op's.

    Returns:
        A dataset of {"inputs", "targets"} batches (see the module doc).
    """
    del seed
    text_batches_spec(ds, "next_token", text_key)
    vocabulary = resolve_vocabulary(vocabulary)
    _check(length, batch_windows)
    table = id_table(vocabulary)
    end = end_id(len(vocabulary))

    def make(element):
        sequences = token_sequences(
            images_of(element, text_key), table, len(vocabulary), vocabulary.is_subword
        )
        return next_token_windows(sequences, length, end)

    windows = ds.map(make, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return regroup(windows, batch_windows)
