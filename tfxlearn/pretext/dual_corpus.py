"""Batches for dual learning on a sentence-aligned corpus (He et al., "Dual
Learning for Machine Translation", NIPS 2016): a small PARALLEL part and two
disjoint MONOLINGUAL halves of the rest.

The examples (aligned pairs: `a_key` in language A, `b_key` in language B,
`index_key` their position in the split) are split once, by index, with a
seeded permutation: the first `parallel_fraction` of them are the parallel
pairs; of the others, one half contributes only its A side and the other
half only its B side, so no monolingual A text has its translation among the
monolingual B texts (the dual game cannot recover the pairing).

Each batch is {"a": tf.string [batch_size] (monolingual A), "b": the same of
B, "parallel_a", "parallel_b": aligned pairs [batch_size]}: one pass over the
smaller monolingual half is one epoch; the parallel pairs are cycled, each pass
in a new (stateless, seeded) order. The `dual_translation` paradigm reads
"parallel_*" in its warm start and (weighted) in dual steps, "a"/"b" in the
game and to train its language models.

The op batches itself (`dual_corpus.batches_itself`): it takes unbatched
examples, as the pipeline's ExampleGen gives them with `dataset.image_key` A's
feature (as "text") and `dataset.pretext_features = {"es": "es"}`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.registry import PRETEXT_OPS

OP = "dual_corpus"
#: Roles of the examples, by index.
PARALLEL, MONOLINGUAL_A, MONOLINGUAL_B, ABSENT = 0, 1, 2, -1


def corpus_roles(indices: np.ndarray, parallel_fraction: float, seed: int) -> np.ndarray:
    """Role of each example by index (length max(index) + 1; ABSENT where no
    example has that index): a seeded permutation of the present indices, its
    first round(fraction * n) PARALLEL (at least one), the rest alternately
    MONOLINGUAL_A / MONOLINGUAL_B."""
    indices = np.asarray(indices, np.int64)
    roles = np.full(int(indices.max()) + 1 if indices.size else 0, ABSENT, np.int32)
    order = np.random.default_rng(int(seed)).permutation(np.sort(indices))
    parallel = max(1, int(round(float(parallel_fraction) * len(order))))
    roles[order[:parallel]] = PARALLEL
    rest = order[parallel:]
    roles[rest[0::2]] = MONOLINGUAL_A
    roles[rest[1::2]] = MONOLINGUAL_B
    return roles


@PRETEXT_OPS.register(OP)
def dual_corpus(
    ds: tf.data.Dataset,
    batch_size: int,
    parallel_fraction: float = 0.1,
    seed: int = 0,
    a_key: str = "text",
    b_key: str = "es",
    index_key: str = "index",
) -> tf.data.Dataset:
    """Dual-learning batches of an aligned corpus (see the module doc).

    Args:
        ds: unbatched dicts with `a_key`, `b_key` (tf.string scalars) and
            `index_key` (int); may be shuffled (the split is by index).
        batch_size: texts per batch, of each of the four streams.
        parallel_fraction: share of the examples kept as parallel pairs, in (0, 1).
        seed: seed of the split and of the parallel pairs' order.
        a_key, b_key, index_key: keys of the elements.
    """
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{OP}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = ds.element_spec
    if not isinstance(spec, dict) or not {a_key, b_key, index_key} <= set(spec):
        raise ValueError(
            f"{OP}: ds must yield unbatched dicts with keys {a_key!r}, {b_key!r} and "
            f"{index_key!r} (in a pipeline: dataset.pretext_features = {{{b_key!r}: ...}}); "
            f"got {spec}"
        )
    if spec[a_key].shape.rank != 0 or spec[b_key].shape.rank != 0:
        raise ValueError(
            f"{OP}: ds must yield single texts (tf.string scalars; the op batches itself), "
            f"got shapes {spec[a_key].shape} and {spec[b_key].shape}"
        )
    if isinstance(parallel_fraction, bool) or not 0.0 < float(parallel_fraction) < 1.0:
        raise ValueError(f"{OP}: parallel_fraction must be in (0, 1), got {parallel_fraction!r}")
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"{OP}: batch_size must be >= 1, got {batch_size}")
    indices = np.fromiter(ds.map(lambda ex: ex[index_key]).as_numpy_iterator(), np.int64)
    if indices.size == 0:
        raise ValueError(f"{OP}: ds is empty")
    roles = corpus_roles(indices, parallel_fraction, seed)
    counts = {role: int(np.sum(roles == role)) for role in (MONOLINGUAL_A, MONOLINGUAL_B)}
    batches = min(counts.values()) // batch_size
    if batches < 1:
        raise ValueError(
            f"{OP}: {len(indices)} examples leave monolingual halves of {counts[MONOLINGUAL_A]} "
            f"and {counts[MONOLINGUAL_B]} texts, fewer than batch_size={batch_size}"
        )
    role_table = tf.constant(roles)

    def role_of(ex):
        return tf.gather(role_table, tf.cast(ex[index_key], tf.int32))

    pairs = ds.filter(lambda ex: tf.equal(role_of(ex), PARALLEL))
    pairs = sorted(
        (int(ex[index_key]), ex[a_key], ex[b_key]) for ex in pairs.as_numpy_iterator()
    )  # in index order: the same arrays whatever the order of ds
    parallel_a = tf.constant([p[1] for p in pairs], tf.string)
    parallel_b = tf.constant([p[2] for p in pairs], tf.string)
    n_parallel = len(pairs)
    pass_seed = int(seed) % (2**31 - 1)

    def permutation(pass_number):
        seed_pair = tf.stack([tf.constant(pass_seed, tf.int64), pass_number])
        order = tf.random.experimental.stateless_shuffle(tf.range(n_parallel), seed=seed_pair)
        return tf.data.Dataset.from_tensor_slices(order)

    # Endless: the passes follow each other (a batch may span two passes).
    parallel = (
        tf.data.Dataset.counter()
        .flat_map(permutation)
        .batch(batch_size, drop_remainder=True)
        .map(lambda rows: (tf.gather(parallel_a, rows), tf.gather(parallel_b, rows)))
    )

    def side(role, key):
        # One lambda per line: AutoGraph cannot parse two on a line and warns.
        def has_role(ex):
            return tf.equal(role_of(ex), role)

        texts = ds.filter(has_role).map(lambda ex: ex[key])
        return texts.batch(batch_size, drop_remainder=True)

    def merge(a, b, pair):
        return {"a": a, "b": b, "parallel_a": pair[0], "parallel_b": pair[1]}

    return (
        tf.data.Dataset.zip(side(MONOLINGUAL_A, a_key), side(MONOLINGUAL_B, b_key), parallel)
        .map(merge)
        .take(batches)
        .apply(tf.data.experimental.assert_cardinality(batches))
    )


dual_corpus.batches_itself = True
