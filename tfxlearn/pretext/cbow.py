"""Continuous bag-of-words examples with negative sampling (Mikolov, Chen,
Corrado & Dean, "Efficient Estimation of Word Representations in Vector Space",
ICLR workshop 2013, section 3.1; negative sampling: Mikolov, Sutskever, Chen,
Corrado & Dean, NIPS 2013): predict a center word from the words around it.

The same corpus treatment as the `skip_gram` op (its helpers: tokenization
with out-of-vocabulary words dropped, subsampling of frequent words, the
dynamic window b drawn uniformly from 1..`window` per center, the unigram^3/4
noise distribution), all in TF ops over a batch of texts; but one example per
center position instead of one per (center, context) pair:

- `context`: the in-window words of the center (at most 2 * `window`, never
  across two texts), padded with 0 (never a word id: out-of-vocabulary words
  are dropped), so the model averages the non-zero ids (word2vec's and
  gensim's `cbow_mean=1`);
- `center`: the word to predict;
- `negatives`: k noise words, each redrawn while it equals the center (the
  true target; word2vec and gensim skip such a draw instead).

A center with no context word (a one-word text after subsampling) gives no
example.

Output: batches of `batch_examples` examples `{"center": int32 [n], "context":
int32 [n, 2 window], "negatives": int32 [n, k]}`, regrouped across text batches
(the last partial batch is dropped). Seeded: batch i uses the seed [seed, i].
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data.text import resolve_vocabulary
from tfxlearn.pretext.skip_gram import (
    MAX_REDRAWS,
    draw_noise,
    word_examples,
)
from tfxlearn.registry import PRETEXT_OPS


def cbow_examples(
    ids: tf.RaggedTensor,
    seed: tf.Tensor,
    *,
    keep: tf.Tensor,
    cdf: tf.Tensor,
    window: int,
    negatives: int,
) -> dict:
    """The (center, context, negatives) examples of one batch of id sequences.

    Args:
        ids: int32 ragged [batch, (words)], in-vocabulary ids (>= 1).
        seed: a stateless seed, int [2].
        keep: float32 [size], probability of keeping each id (subsampling).
        cdf: float32 [size], CDF of the noise distribution over ids.
        window: the largest window (words on each side).
        negatives: noise words per example.

    Returns:
        {"center": int32 [n], "context": int32 [n, 2 window] (0 = no word),
        "negatives": int32 [n, k]}, in text order.
    """
    seed = tf.cast(seed, tf.int64)
    seeds = [tf.random.experimental.stateless_fold_in(seed, i) for i in range(4)]
    values = ids.flat_values
    kept = tf.random.stateless_uniform(tf.shape(values), seeds[0]) < tf.gather(keep, values)
    ids = tf.ragged.boolean_mask(ids, ids.with_flat_values(kept))
    tokens, rows = ids.flat_values, ids.value_rowids()
    count = tf.shape(tokens)[0]
    reach = tf.random.stateless_uniform(
        [count], seeds[1], minval=1, maxval=window + 1, dtype=tf.int32
    )
    offsets = tf.constant([d for d in range(-window, window + 1) if d != 0], tf.int32)
    positions = tf.range(count)[:, None] + offsets[None, :]  # [count, 2 window]
    inside = (positions >= 0) & (positions < count)
    clipped = tf.clip_by_value(positions, 0, tf.maximum(count - 1, 0))
    valid = (
        inside
        & tf.equal(tf.gather(rows, clipped), rows[:, None])
        & (tf.abs(offsets)[None, :] <= reach[:, None])
    )
    context = tf.where(valid, tf.gather(tokens, clipped), 0)
    has_context = tf.reduce_any(valid, axis=1)
    centers = tf.boolean_mask(tokens, has_context)
    context = tf.boolean_mask(context, has_context)
    shape = tf.stack([tf.shape(centers)[0], negatives])

    def clashes(noise):
        return tf.equal(noise, centers[:, None])

    def redraw(round_, noise):
        fresh = draw_noise(cdf, shape, tf.random.experimental.stateless_fold_in(seeds[3], round_))
        return round_ + 1, tf.where(clashes(noise), fresh, noise)

    noise = draw_noise(cdf, shape, seeds[2])
    _, noise = tf.while_loop(
        lambda round_, noise: (round_ < MAX_REDRAWS) & tf.reduce_any(clashes(noise)),
        redraw,
        (tf.constant(0, tf.int64), noise),
    )
    tf.debugging.assert_equal(
        tf.reduce_any(clashes(noise)),
        False,
        message=f"cbow: noise words still equal the center after {MAX_REDRAWS} redraws",
    )
    return {"center": centers, "context": context, "negatives": noise}


@PRETEXT_OPS.register("cbow")
def cbow(
    ds: tf.data.Dataset,
    *,
    vocabulary,
    window: int = 5,
    negatives: int = 5,
    subsample: float | None = 1e-3,
    batch_examples: int = 1024,
    text_key: str = "text",
    seed: int = 0,
) -> tf.data.Dataset:
    """CBOW examples from a dataset of text batches.

    Args:
        ds: batches of strings [batch] (tensors, tuples with the text first, or
            dicts with `text_key`).
        vocabulary: a `tfxlearn.data.text.Vocabulary`, or a dict of
            `corpus_vocabulary` arguments ({"dataset": "bible_verses", "feature": "en"}).
        window: largest number of context words on each side (>= 1).
        negatives: noise words per example, k (>= 1).
        subsample: the subsampling threshold t (word2vec's `-sample`), or None.
        batch_examples: examples per output batch (>= 2).
        text_key: the text's key in dict elements.
        seed: same seed -> same examples.

    Returns:
        A dataset of {"center", "context", "negatives"} batches (see the module doc).
    """
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"cbow: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    vocabulary = resolve_vocabulary(vocabulary)
    for name, value, low in (("window", window, 1), ("negatives", negatives, 1)):
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f"cbow: {name} must be an int >= {low}, got {value!r}")
    if isinstance(batch_examples, bool) or int(batch_examples) != batch_examples:
        raise ValueError(f"cbow: batch_examples must be an int >= 2, got {batch_examples!r}")
    if batch_examples < 2:
        raise ValueError(f"cbow: batch_examples must be an int >= 2, got {batch_examples!r}")
    if subsample is not None and not float(subsample) > 0:
        raise ValueError(f"cbow: subsample must be > 0 or None, got {subsample!r}")
    if len(vocabulary) < 2:
        raise ValueError("cbow: the vocabulary needs at least 2 words (noise must differ)")
    return word_examples(
        ds,
        "cbow",
        cbow_examples,
        vocabulary=vocabulary,
        window=int(window),
        negatives=int(negatives),
        subsample=subsample,
        batch=int(batch_examples),
        text_key=text_key,
        seed=seed,
    )
