"""Skip-gram training pairs with negative sampling (Mikolov, Chen, Corrado & Dean,
"Efficient Estimation of Word Representations in Vector Space", ICLR workshop
2013; Mikolov, Sutskever, Chen, Corrado & Dean, "Distributed Representations of
Words and Phrases and their Compositionality", NIPS 2013).

A batch of texts (verses) becomes (center word, context word, k noise words)
triples, all in TF ops over the whole batch:

1. tokenize (`tfxlearn.data.text.tokenize`) and map words to ids; words outside
   the vocabulary are dropped before windows are taken, as in word2vec and
   gensim;
2. subsampling of frequent words: a word of corpus frequency z = count / total
   is kept with probability min(1, (sqrt(z / t) + 1) t / z), `t` = `subsample`
   (the reference C implementation's form of the paper's 1 - sqrt(t / f)
   discard rule, which gensim uses too);
3. a dynamic window: each center position draws its window b uniformly from
   1..`window` and pairs with the words at most b positions away in the same
   text (so near words are sampled more often, as in the paper);
4. k noise words per pair from the unigram distribution raised to 3/4, by
   inverse-CDF search (O(log V) per draw).

Shortcut / bug guarded against: a noise word that is a true context word of the
same center. The TensorFlow word2vec tutorial's candidate sampler can draw the
positive itself as a negative; here every noise word equal to any word in the
center's (dynamic) window is redrawn until none is, so the model is never told
that a true context word is noise. (This needs a vocabulary larger than 2 *
`window` words, checked up front.) Pairs never cross the boundary between two
texts.

Output: batches of `batch_pairs` triples `{"center": int32 [n], "context": int32
[n], "negatives": int32 [n, k]}` (ids: word i of the vocabulary is i + 1; 0 is
never emitted), regrouped across text batches so every step sees the same
number of pairs (the strategy splits them evenly over replicas).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data.text import Vocabulary, id_table, resolve_vocabulary, tokenize
from tfxlearn.pretext.common import batch_seeds, images_of, regroup
from tfxlearn.registry import PRETEXT_OPS

NOISE_POWER = 0.75
#: Redraw rounds before giving up (each round keeps a draw with probability of at
#: least the noise mass outside one window; hundreds of rounds never happen).
MAX_REDRAWS = 100


def keep_probabilities(vocabulary: Vocabulary, subsample: float | None) -> np.ndarray:
    """Probability of keeping each id (float32 [size]; 0 for the OOV id 0)."""
    counts = vocabulary.count_array()
    if subsample is None:
        keep = np.ones_like(counts)
    else:
        threshold = float(subsample) * counts.sum()
        with np.errstate(divide="ignore"):
            keep = (np.sqrt(counts / threshold) + 1) * threshold / counts
    keep = np.minimum(keep, 1.0)
    keep[0] = 0.0
    return keep.astype(np.float32)


def noise_distribution(vocabulary: Vocabulary, power: float = NOISE_POWER) -> np.ndarray:
    """The noise distribution over ids (float64 [size], 0 for the OOV id):
    count ** power, normalized."""
    weights = vocabulary.count_array() ** power
    weights[0] = 0.0
    return weights / weights.sum()


def _cdf(probabilities: np.ndarray) -> tf.Tensor:
    cdf = np.cumsum(probabilities)
    cdf[-1] = 1.0
    return tf.constant(cdf, tf.float32)


def draw_noise(cdf: tf.Tensor, shape, seed: tf.Tensor) -> tf.Tensor:
    """Ids drawn from the distribution whose CDF over ids is `cdf` (int32 `shape`)."""
    u = tf.random.stateless_uniform(shape, seed)
    flat = tf.searchsorted(cdf, tf.reshape(u, [-1]), side="right")
    ids = tf.clip_by_value(flat, 1, tf.shape(cdf)[0] - 1)
    return tf.reshape(tf.cast(ids, tf.int32), shape)


def word_ids(texts: tf.Tensor, table: tf.lookup.StaticHashTable) -> tf.RaggedTensor:
    """Ids [batch, (words)] of the in-vocabulary words of each text (OOV dropped)."""
    ids = tf.ragged.map_flat_values(table.lookup, tokenize(texts))
    return tf.ragged.boolean_mask(ids, ids > 0)


def skip_gram_pairs(
    ids: tf.RaggedTensor,
    seed: tf.Tensor,
    *,
    keep: tf.Tensor,
    cdf: tf.Tensor,
    window: int,
    negatives: int,
) -> dict:
    """The (center, context, negatives) triples of one batch of id sequences.

    Args:
        ids: int32 ragged [batch, (words)], in-vocabulary ids (>= 1).
        seed: a stateless seed, int [2].
        keep: float32 [size], probability of keeping each id (subsampling).
        cdf: float32 [size], CDF of the noise distribution over ids.
        window: the largest window (words on each side).
        negatives: noise words per pair.

    Returns:
        {"center": int32 [n], "context": int32 [n], "negatives": int32 [n, k]},
        ordered by center position, then offset.
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
    in_window = tf.where(valid, tf.gather(tokens, clipped), -1)  # [count, 2 window]
    centers = tf.boolean_mask(tf.broadcast_to(tokens[:, None], tf.shape(valid)), valid)
    contexts = tf.boolean_mask(in_window, valid)
    owner = tf.boolean_mask(tf.broadcast_to(tf.range(count)[:, None], tf.shape(valid)), valid)
    windows = tf.gather(in_window, owner)  # [n, 2 window]: every true context of the center
    shape = tf.stack([tf.shape(centers)[0], negatives])

    def clashes(noise):
        return tf.reduce_any(tf.equal(noise[:, :, None], windows[:, None, :]), axis=-1)

    def redraw(round_, noise):
        fresh = draw_noise(cdf, shape, tf.random.experimental.stateless_fold_in(seeds[3], round_))
        return round_ + 1, tf.where(clashes(noise), fresh, noise)

    noise = draw_noise(cdf, shape, seeds[2])
    rounds, noise = tf.while_loop(
        lambda round_, noise: (round_ < MAX_REDRAWS) & tf.reduce_any(clashes(noise)),
        redraw,
        (tf.constant(0, tf.int64), noise),
    )
    tf.debugging.assert_equal(
        tf.reduce_any(clashes(noise)),
        False,
        message=f"skip_gram: noise words still clash with true context words after "
        f"{MAX_REDRAWS} redraws",
    )
    return {"center": centers, "context": contexts, "negatives": noise}


def _check(window, negatives, subsample, batch_pairs, vocabulary) -> None:
    for name, value in (("window", window), ("negatives", negatives)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"skip_gram: {name} must be an int >= 1, got {value!r}")
    if isinstance(batch_pairs, bool) or int(batch_pairs) != batch_pairs or batch_pairs < 2:
        raise ValueError(f"skip_gram: batch_pairs must be an int >= 2, got {batch_pairs!r}")
    if subsample is not None and not float(subsample) > 0:
        raise ValueError(f"skip_gram: subsample must be > 0 or None, got {subsample!r}")
    if len(vocabulary) <= 2 * window:
        raise ValueError(
            f"skip_gram: the vocabulary ({len(vocabulary)} words) must be larger than "
            f"2 * window = {2 * window} so every window leaves noise words to draw"
        )


def word_examples(
    ds: tf.data.Dataset,
    op: str,
    make_examples,
    *,
    vocabulary: Vocabulary,
    window: int,
    negatives: int,
    subsample: float | None,
    batch: int,
    text_key: str,
    seed: int,
) -> tf.data.Dataset:
    """The word2vec ops' common tail (skip-gram, CBOW): checks that `ds` yields
    string batches, maps each to `make_examples(word ids, seed, keep=, cdf=,
    window=, negatives=)` under per-batch stateless seeds, and regroups the
    examples into batches of `batch` (the last partial batch dropped)."""
    spec = images_of(ds.element_spec, text_key)
    if spec.dtype != tf.string or spec.shape.rank != 1:
        hint = " - call ds.batch(n) first" if spec.shape.rank == 0 else ""
        raise ValueError(
            f"{op}: ds must yield batches of strings [batch], got {spec.dtype.name} "
            f"of shape {spec.shape}{hint}"
        )
    table = id_table(vocabulary)
    keep = tf.constant(keep_probabilities(vocabulary, subsample))
    cdf = _cdf(noise_distribution(vocabulary))

    def make(seed_, element):
        return make_examples(
            word_ids(images_of(element, text_key), table),
            seed_,
            keep=keep,
            cdf=cdf,
            window=window,
            negatives=negatives,
        )

    examples = batch_seeds(ds, seed).map(make, num_parallel_calls=tf.data.AUTOTUNE)
    return regroup(examples, batch)


@PRETEXT_OPS.register("skip_gram")
def skip_gram(
    ds: tf.data.Dataset,
    *,
    vocabulary,
    window: int = 5,
    negatives: int = 5,
    subsample: float | None = 1e-3,
    batch_pairs: int = 1024,
    text_key: str = "text",
    seed: int = 0,
) -> tf.data.Dataset:
    """Skip-gram triples from a dataset of text batches.

    Args:
        ds: batches of strings [batch] (tensors, tuples with the text first, or
            dicts with `text_key`).
        vocabulary: a `tfxlearn.data.text.Vocabulary`, or a dict of
            `corpus_vocabulary` arguments ({"dataset": "bible_verses", "feature": "en"}).
        window: largest number of context words on each side (>= 1).
        negatives: noise words per pair, k (>= 1).
        subsample: the subsampling threshold t (word2vec's `-sample`), or None.
        batch_pairs: triples per output batch (>= 2; the last partial batch is dropped).
        text_key: the text's key in dict elements.
        seed: same seed -> same triples.

    Returns:
        A dataset of {"center", "context", "negatives"} batches (see the module doc).
    """
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"skip_gram: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    vocabulary = resolve_vocabulary(vocabulary)
    _check(window, negatives, subsample, batch_pairs, vocabulary)
    return word_examples(
        ds,
        "skip_gram",
        skip_gram_pairs,
        vocabulary=vocabulary,
        window=int(window),
        negatives=int(negatives),
        subsample=subsample,
        batch=int(batch_pairs),
        text_key=text_key,
        seed=seed,
    )
