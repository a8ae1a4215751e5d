"""The `dual_corpus` op: a parallel fraction and two disjoint monolingual halves,
split by index whatever the order of the examples."""

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.pretext import corpus_roles, dual_corpus
from tfxlearn.pretext.dual_corpus import MONOLINGUAL_A, MONOLINGUAL_B, PARALLEL

N = 100


def _corpus(order=None):
    index = np.arange(N) if order is None else order
    return tf.data.Dataset.from_tensor_slices(
        {
            "text": np.array([f"a{i}" for i in index]),
            "es": np.array([f"b{i}" for i in index]),
            "index": index.astype(np.int64),
        }
    )


def test_roles_split_the_indices_by_the_fraction_and_in_halves():
    roles = corpus_roles(np.arange(N), 0.1, seed=3)
    assert (roles == PARALLEL).sum() == 10
    assert (roles == MONOLINGUAL_A).sum() == (roles == MONOLINGUAL_B).sum() == 45
    assert not np.array_equal(roles, corpus_roles(np.arange(N), 0.1, seed=4))


def _texts(batches, key):
    return [t.decode() for b in batches for t in b[key].numpy()]


def test_the_halves_are_disjoint_and_the_pairs_aligned():
    batches = list(dual_corpus(_corpus(), batch_size=8, parallel_fraction=0.1, seed=1))
    assert len(batches) == 45 // 8
    a = {int(t[1:]) for t in _texts(batches, "a")}
    b = {int(t[1:]) for t in _texts(batches, "b")}
    pa = [int(t[1:]) for t in _texts(batches, "parallel_a")]
    pb = [int(t[1:]) for t in _texts(batches, "parallel_b")]
    assert pa == pb  # aligned pairs
    assert not a & b and not a & set(pa) and not b & set(pa)  # disjoint roles
    assert len(set(pa)) == 10  # every parallel pair is used, cycled


def test_the_split_depends_on_the_index_not_on_the_order():
    shuffled = np.random.default_rng(0).permutation(N)
    first = list(dual_corpus(_corpus(), batch_size=8, seed=1))
    second = list(dual_corpus(_corpus(shuffled), batch_size=8, seed=1))
    for key in ("a", "b"):
        assert {t for t in _texts(first, key)} <= set(
            _texts(list(dual_corpus(_corpus(shuffled), batch_size=1, seed=1)), key)
        )
    assert _texts(first, "parallel_a") == _texts(second, "parallel_a")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="parallel_fraction must be in \\(0, 1\\)"):
        dual_corpus(_corpus(), batch_size=8, parallel_fraction=1.0)
    with pytest.raises(ValueError, match="fewer than batch_size=64"):
        dual_corpus(_corpus(), batch_size=64)
    with pytest.raises(ValueError, match="keys 'text', 'es' and 'index'"):
        dual_corpus(_corpus().map(lambda ex: {"text": ex["text"]}), batch_size=8)
