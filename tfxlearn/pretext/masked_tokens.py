"""Masked tokens for masked language models (Devlin, Chang, Lee & Toutanova,
"BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding", NAACL 2019, section 3.1 "Task #1: Masked LM"): a fraction of
the tokens is hidden and the model, reading the whole sequence in both
directions, predicts them.

Token ids over a vocabulary of V words (`tfxlearn.data.text`): 0 the unknown
word, 1..V the words, then three special ids that are never selected:
E = V + 1 ends every text (`end_id`, the [SEP] of BERT), M = V + 2 the mask
(`mask_id`), P = V + 3 padding (`padding_id`). A model reads V + 4 input ids and
predicts V + 1 classes (the unknown word and the V words).

For every batch of texts, in TF ops over the whole batch (no per-example Python):

1. each text's tokens (`token_sequences`: words, then E), cut to its first
   `length` tokens (a longer text loses its end: the op truncates, it does not
   window);
2. each WORD token (unknown words included: a token to predict, as the
   n-gram and unigram baselines predict it; E never) is selected independently
   with probability `rate` (0.15): a Bernoulli draw per token, so a text may
   have none selected and the selected share of a batch is `rate` up to
   sampling noise;
3. a selected token is replaced by M with probability `mask_share` (0.8), by a
   uniformly drawn word id in 1..V with probability `random_share` (0.1), and
   kept with the rest (0.1), so the model cannot learn that only M positions
   matter;
4. targets: the original id at the selected positions, -1 (`IGNORE`, not
   scored) everywhere else;
5. padded to `length` with P (inputs) and -1 (targets).

Shortcut guarded against: a model that reads its own target. An M position
shows nothing of its token; a randomly replaced one shows a wrong word; a kept
one (10% of the selected) shows the right one, which the model cannot tell
from an unselected token. The scored positions are only the selected ones.

Seeded: batch i draws with the stateless seed [seed, i]
(`pretext.common.batch_seeds`), so the same seed gives the same masks.

Output: one batch per input batch, `{"inputs": int32 [batch, length],
"targets": int32 [batch, length]}`.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data.text import end_id, id_table, resolve_vocabulary, token_sequences
from tfxlearn.pretext.common import images_of, map_batches, text_batches_spec
from tfxlearn.registry import PRETEXT_OPS

#: Target of a position that is not scored.
IGNORE = -1


def mask_id(vocabulary_size: int) -> int:
    """The mask id M = V + 2 of a vocabulary of V words."""
    return int(vocabulary_size) + 2


def padding_id(vocabulary_size: int) -> int:
    """The padding id P = V + 3 of a vocabulary of V words."""
    return int(vocabulary_size) + 3


def mask_tokens(
    sequences: tf.RaggedTensor,
    seed,
    vocabulary_size: int,
    length: int,
    rate: float = 0.15,
    mask_share: float = 0.8,
    random_share: float = 0.1,
) -> dict:
    """The masked inputs and targets of token sequences (steps 1-5 of the module doc).

    Args:
        sequences: int32 ragged [batch, (tokens)], each text's ids ending with
            the end-of-text id (`token_sequences`).
        seed: a stateless seed, int [2].
        vocabulary_size: V.
        length: positions per row; longer sequences are cut to their first `length`.
        rate: the probability that a word token is selected.
        mask_share, random_share: of the selected tokens, the shares replaced by
            the mask id and by a random word (the rest are kept).

    Returns:
        {"inputs": int32 [batch, length], "targets": int32 [batch, length]}.
    """
    sequences = sequences[:, :length]
    ids = sequences.flat_values
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    shape = tf.shape(ids)
    words = ids <= vocabulary_size  # unknown (0) and words; not E
    selected = words & (tf.random.stateless_uniform(shape, seeds[0]) < rate)
    draw = tf.random.stateless_uniform(shape, seeds[1])
    random_words = tf.random.stateless_uniform(
        shape, seeds[2], minval=1, maxval=vocabulary_size + 1, dtype=tf.int32
    )
    masked = tf.where(
        selected & (draw < mask_share),
        tf.constant(mask_id(vocabulary_size), tf.int32),
        tf.where(selected & (draw >= 1.0 - random_share), random_words, ids),
    )
    targets = tf.where(selected, ids, tf.constant(IGNORE, tf.int32))
    pad = padding_id(vocabulary_size)
    return {
        "inputs": sequences.with_flat_values(masked).to_tensor(pad, shape=[None, length]),
        "targets": sequences.with_flat_values(targets).to_tensor(IGNORE, shape=[None, length]),
    }


@PRETEXT_OPS.register("masked_tokens")
def masked_tokens(
    ds: tf.data.Dataset,
    *,
    vocabulary,
    length: int = 64,
    rate: float = 0.15,
    mask_share: float = 0.8,
    random_share: float = 0.1,
    text_key: str = "text",
    seed: int = 0,
) -> tf.data.Dataset:
    """Masked-token (inputs, targets) batches from a dataset of text batches.

    Args:
        ds: batches of strings [batch] (tensors, tuples with the text first, or
            dicts with `text_key`).
        vocabulary: a `tfxlearn.data.text.Vocabulary`, or a dict of
            `corpus_vocabulary` arguments ({"dataset": "bible_verses", "feature": "en"}).
        length: positions per row, the model's `max_length` (>= 2).
        rate: probability that a word token is selected, in (0, 1].
        mask_share, random_share: shares of the selected tokens replaced by the
            mask id and by a random word (each in [0, 1], sum <= 1).
        text_key: the text's key in dict elements.
        seed: batch i uses the stateless seed [seed, i].

    Returns:
        A dataset of {"inputs", "targets"} batches (see the module doc).
    """
    text_batches_spec(ds, "masked_tokens", text_key)
    vocabulary = resolve_vocabulary(vocabulary)
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"masked_tokens: length must be an int >= 2, got {length!r}")
    for name, value, positive in (
        ("rate", rate, True),
        ("mask_share", mask_share, False),
        ("random_share", random_share, False),
    ):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not (0.0 < value <= 1.0 if positive else 0.0 <= value <= 1.0):
            bound = "(0, 1]" if positive else "[0, 1]"
            raise ValueError(f"masked_tokens: {name} must be a number in {bound}, got {value!r}")
    if mask_share + random_share > 1.0 + 1e-9:
        raise ValueError(
            f"masked_tokens: mask_share + random_share must be <= 1, got {mask_share} + "
            f"{random_share}"
        )
    table = id_table(vocabulary)
    size, subwords = len(vocabulary), vocabulary.is_subword
    end = end_id(size)
    assert end == size + 1  # the special ids above rely on it

    def make(batch_seed, element):
        sequences = token_sequences(images_of(element, text_key), table, size, subwords)
        return mask_tokens(sequences, batch_seed, size, length, rate, mask_share, random_share)

    return map_batches(ds, seed, make)
