"""Analytic tests of the retrieval metrics (nDCG, recall@k, chance levels)."""

import math

import numpy as np
import pytest

from tfxlearn.evaluation.retrieval import (
    chance_metrics,
    ndcg,
    ndcg_from_relevance,
    ranked_relevance,
    recall_at_k,
    retrieval_metrics,
)


def _labels(classes=5, per_class=10):
    return np.repeat(np.arange(classes), per_class)


def test_perfect_ranking_scores_one():
    labels = _labels()
    scores = (labels[:, None] == labels[None, :]).astype(float)  # same class -> 1
    for exclude_self in (False, True):
        metrics = retrieval_metrics(scores, labels, labels, ndcg_k=30, exclude_self=exclude_self)
        assert metrics == {"ndcg@30": 1.0, "recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0}
        assert ndcg(scores, labels, labels, k=None, exclude_self=exclude_self) == 1.0


def test_hand_computed_example():
    # One query (label 1) over 4 items scored 0.9, 0.8, 0.7, 0.1 with labels 0, 1, 1, 0:
    # ranked relevance 0, 1, 1, 0 ->
    # DCG = 1/log2(3) + 1/log2(4), ideal DCG = 1 + 1/log2(3).
    scores = np.array([[0.9, 0.8, 0.7, 0.1]])
    database = np.array([0, 1, 1, 0])
    np.testing.assert_array_equal(
        ranked_relevance(scores, np.array([1]), database), [[False, True, True, False]]
    )
    want = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg(scores, np.array([1]), database, k=None) == pytest.approx(want)
    assert want == pytest.approx(0.69342, abs=1e-5)
    # @1: DCG 0, ideal 1 -> 0; @2: (1/log2 3) / (1 + 1/log2 3).
    assert ndcg(scores, np.array([1]), database, k=1) == 0.0
    assert ndcg(scores, np.array([1]), database, k=2) == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    )
    assert recall_at_k(scores, np.array([1]), database, ks=(1, 2, 10)) == {1: 0.0, 2: 1.0, 10: 1.0}
    # Graded relevance straight from the definition: rel 3, 2, 0 vs ideal 3, 2, 0 -> 1;
    # reversed (0, 2, 3): (2/log2 3 + 3/2) / (3 + 2/log2 3).
    np.testing.assert_allclose(
        ndcg_from_relevance([[3, 2, 0], [0, 2, 3]]),
        [1.0, (2 / math.log2(3) + 1.5) / (3 + 2 / math.log2(3))],
    )


def test_worst_ranking_and_exclude_self():
    labels = np.array([0, 0, 1, 1])
    # Every query scores its own item highest, then the other class, then its classmate.
    scores = np.array([[9, 0, 5, 5], [0, 9, 5, 5], [5, 5, 9, 0], [5, 5, 0, 9]], dtype=float)
    # With the query itself: it is relevant and ranked first.
    assert recall_at_k(scores, labels, labels, ks=(1,)) == {1: 1.0}
    # Without it the single relevant item is last of 3: nDCG = (1/log2 4) / 1 = 0.5.
    assert ndcg(scores, labels, labels, k=None, exclude_self=True) == pytest.approx(0.5)
    assert recall_at_k(scores, labels, labels, ks=(1, 2, 3), exclude_self=True) == {
        1: 0.0,
        2: 0.0,
        3: 1.0,
    }


def test_ties_are_broken_by_database_order():
    scores = np.zeros((1, 3))
    np.testing.assert_array_equal(
        ranked_relevance(scores, np.array([2]), np.array([0, 1, 2])), [[False, False, True]]
    )


def test_chance_matches_the_expected_value_of_a_random_ranking():
    labels = _labels(classes=5, per_class=10)
    chance = chance_metrics(labels, labels, draws=200, seed=0, ks=(1,), exclude_self=True)
    # Top-1 of a random ranking is relevant with probability R / N = 9 / 49.
    assert chance["recall@1"] == pytest.approx(9 / 49, abs=0.01)
    # nDCG over the full list of a random ranking: E[DCG] = (R / N) * sum of all discounts.
    discounts = 1 / np.log2(np.arange(2, 51))
    expected_full = (9 / 49) * discounts.sum() / discounts[:9].sum()
    full = chance_metrics(labels, labels, draws=200, seed=1, ndcg_k=None, exclude_self=True)
    assert full["ndcg"] == pytest.approx(expected_full, abs=0.01)
    # Deterministic given the seed; a model's perfect ranking is far above chance.
    assert chance_metrics(labels, labels, draws=3, seed=4) == chance_metrics(
        labels, labels, draws=3, seed=4
    )


def test_bad_inputs_are_refused():
    labels = _labels(2, 3)
    with pytest.raises(ValueError, match="scores must be a matrix"):
        ndcg(np.zeros(6), labels, labels)
    with pytest.raises(ValueError, match="one entry per query"):
        ndcg(np.zeros((6, 5)), labels, labels)
    with pytest.raises(ValueError, match="square score matrix"):
        ndcg(np.zeros((6, 5)), labels, labels[:5], exclude_self=True)
    with pytest.raises(ValueError, match="NaN"):
        ndcg(np.full((6, 6), np.nan), labels, labels)
    with pytest.raises(ValueError, match="no query has a relevant item"):
        ndcg(np.zeros((2, 2)), np.array([0, 1]), np.array([2, 3]))
    with pytest.raises(ValueError, match="k must be a positive int"):
        ndcg(np.zeros((6, 6)), labels, labels, k=0)
    with pytest.raises(ValueError, match="ks must be positive"):
        recall_at_k(np.zeros((6, 6)), labels, labels, ks=(0,))
    with pytest.raises(ValueError, match="draws must be >= 1"):
        chance_metrics(labels, labels, draws=0)


def test_metrics_are_part_of_the_public_evaluation_api():
    import tfxlearn.evaluation as evaluation
    from tfxlearn.evaluation import retrieval

    for name in ("ndcg", "recall_at_k", "retrieval_metrics", "chance_metrics"):
        assert name in evaluation.__all__
        assert getattr(evaluation, name) is getattr(retrieval, name)
