import itertools

import numpy as np
import pytest

from tfxlearn.losses import TripletLoss, semi_hard_triplet_values


def _reference(embeddings, labels, margin):
    """Brute force over every (anchor, positive) pair: FaceNet's semi-hard negative
    (closest negative farther than the positive), else the farthest negative."""
    e = np.asarray(embeddings, np.float64)
    d = ((e[:, None] - e[None]) ** 2).sum(-1)
    values = []
    for a in range(len(e)):
        negatives = [n for n in range(len(e)) if labels[n] != labels[a]]
        terms = []
        for p in range(len(e)):
            if p == a or labels[p] != labels[a] or not negatives:
                continue
            farther = [d[a, n] for n in negatives if d[a, n] > d[a, p]]
            chosen = min(farther) if farther else max(d[a, n] for n in negatives)
            terms.append(max(0.0, d[a, p] - chosen + margin))
        values.append(np.mean(terms) if terms else 0.0)
    return np.array(values)


def test_closed_form_on_a_line():
    # 1-D embeddings: anchor 0 at 0, positive at 1 (d_ap = 1); negatives at 1.2 and 3
    # (d_an = 1.44 and 9). Semi-hard negative: 1.2, loss max(0, 1 - 1.44 + 0.5) = 0.06.
    e = np.array([[0.0], [1.0], [1.2], [3.0]], np.float32)
    labels = np.array([0, 0, 1, 1])
    values = semi_hard_triplet_values(e[:1], labels[:1], e, labels, [0], margin=0.5)
    np.testing.assert_allclose(values, [0.06], atol=1e-6)
    # With every negative closer than the positive, the farthest one is used:
    e2 = np.array([[0.0], [2.0], [0.5], [1.0]], np.float32)
    values = semi_hard_triplet_values(e2[:1], labels[:1], e2, labels, [0], margin=0.5)
    np.testing.assert_allclose(values, [4.0 - 1.0 + 0.5], atol=1e-6)


def test_agrees_with_brute_force():
    rng = np.random.default_rng(0)
    for margin in (0.0, 0.2, 1.0):
        e = rng.normal(size=(12, 3)).astype(np.float32)
        labels = rng.integers(0, 3, size=12)
        want = _reference(e, labels, margin)
        got = TripletLoss(margin).call(labels, e).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(float(TripletLoss(margin)(labels, e)), want.mean(), rtol=1e-4)


def test_anchor_subset_of_candidates_equals_whole_batch():
    # One replica's anchors against the all-gathered batch: the same per-anchor values.
    rng = np.random.default_rng(1)
    e = rng.normal(size=(10, 4)).astype(np.float32)
    labels = rng.integers(0, 2, size=10)
    whole = TripletLoss(0.3).call(labels, e).numpy()
    part = semi_hard_triplet_values(e[5:], labels[5:], e, labels, np.arange(5, 10), 0.3)
    np.testing.assert_allclose(part, whole[5:], rtol=1e-5)


def test_separated_classes_give_zero_and_edge_cases():
    e = np.array([[0, 0], [0, 0.1], [5, 5], [5, 5.1]], np.float32)
    assert float(TripletLoss(0.2)(np.array([0, 0, 1, 1]), e)) == 0.0
    # No negatives (one class) or no positives (all distinct): zero, not NaN.
    assert float(TripletLoss(0.2)(np.zeros(4, int), e)) == 0.0
    assert float(TripletLoss(0.2)(np.arange(4), e)) == 0.0
    # Collapsed embeddings cost exactly the margin.
    labels = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(float(TripletLoss(0.2)(labels, np.zeros((4, 2)))), 0.2, rtol=1e-6)


def test_permutation_invariance_and_config():
    rng = np.random.default_rng(2)
    e = rng.normal(size=(8, 3)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    base = TripletLoss(0.2).call(labels, e).numpy()
    for perm in itertools.islice(itertools.permutations(range(8)), 0, 40, 13):
        perm = np.array(perm)
        np.testing.assert_allclose(
            TripletLoss(0.2).call(labels[perm], e[perm]).numpy(), base[perm], rtol=1e-5
        )
    clone = TripletLoss.from_config(TripletLoss(margin=0.4).get_config())
    assert clone.margin == 0.4
    with pytest.raises(ValueError, match="margin"):
        TripletLoss(margin=-1)
    with pytest.raises(ValueError, match="embeddings"):
        TripletLoss()(labels, e[:, 0])
