import math

import numpy as np
import pytest

from tfxlearn.evaluation.kneser_ney import KneserNey, modified_discounts

# Ids 0, 1 and 2; 2 is the end of a text and the start symbol.
SEQUENCES = [[0, 1, 2], [0, 2]]


def test_hand_computed_bigram_example():
    kn = KneserNey(SEQUENCES, 3, order=2, start=2, discounts=(0.5, 1.0, 1.5))
    # Unigram continuation counts: 0 follows {2}, 1 follows {0}, 2 follows {0, 1}:
    # a = (1, 1, 2), S = 4, gamma = (0.5 + 0.5 + 1.0) / 4 = 0.5, P0 = 1/3.
    p1 = np.array([0.5 / 4 + 0.5 / 3, 0.5 / 4 + 0.5 / 3, 1.0 / 4 + 0.5 / 3])
    # Context 0: c(0 1) = c(0 2) = 1, S = 2, gamma = (0.5 + 0.5) / 2.
    want = np.array([0.5 * p1[0], 0.5 / 2 + 0.5 * p1[1], 0.5 / 2 + 0.5 * p1[2]])
    np.testing.assert_allclose(kn.distribution([0]), want, rtol=1e-12)
    np.testing.assert_allclose(want, [0.1458333333, 0.3958333333, 0.4583333333], rtol=1e-9)
    # Context 2 (the start): c(2 0) = 2 discounted by D2 = 1, gamma = 1 / 2.
    assert kn.probability([2], 0) == pytest.approx((2 - 1) / 2 + 0.5 * p1[0], rel=1e-12)
    # Context 1: c(1 2) = 1, S = 1, gamma = 0.5.
    assert kn.probability([1], 2) == pytest.approx(0.5 + 0.5 * p1[2], rel=1e-12)
    # The first token of a text is predicted from the start symbol.
    log_probs = kn.sequence_log_probs([0, 1, 2])
    np.testing.assert_allclose(
        log_probs,
        np.log([kn.probability([2], 0), kn.probability([0], 1), kn.probability([1], 2)]),
    )


def test_distributions_sum_to_one_for_seen_and_unseen_contexts():
    rng = np.random.default_rng(0)
    vocabulary = 12
    sequences = [rng.integers(0, 11, rng.integers(1, 15)).tolist() + [11] for _ in range(60)]
    for order in (1, 2, 3, 4):
        kn = KneserNey(sequences, vocabulary, order=order, start=11)
        seen = sequences[0][:2]
        unseen = [5, 5, 5]  # most likely never seen as a trigram context
        for context in ([], seen, unseen, [11, 11], [3]):
            p = kn.distribution(context)
            assert p.shape == (vocabulary,) and np.all(p > 0)
            assert math.isclose(p.sum(), 1.0, rel_tol=1e-12), (order, context, p.sum())


def test_estimated_discounts_follow_chen_and_goodman():
    # n1 = 3, n2 = 2, n3 = 1, n4 = 1: Y = 3/7, D1 = 1 - 2Y(2/3), D2 = 2 - 3Y(1/2), D3 = 3 - 4Y.
    d = modified_discounts([1, 1, 1, 2, 2, 3, 4, 9])
    np.testing.assert_allclose(d, (3 / 7, 19 / 14, 9 / 7), rtol=1e-12)
    assert modified_discounts([1, 1, 5]) == (0.5, 1.0, 1.5)  # a count-of-count is 0
    # n1 = 1, n2 = 1, n3 = 1, n4 = 5: D3+ = 3 - 4 (1/3) 5 < 0 -> the default 1.5.
    np.testing.assert_allclose(modified_discounts([1, 2, 3, *[4] * 5])[2], 1.5)


def test_more_data_of_a_pattern_makes_it_more_likely():
    kn = KneserNey([[0, 1, 2]] * 20 + [[0, 0, 2]], 3, order=3, start=2)
    assert kn.probability([2, 0], 1) > 0.8 > kn.probability([2, 0], 0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"token ids must be in \[0, vocabulary_size=3\)"):
        KneserNey([[0, 3]], 3)
    with pytest.raises(ValueError, match="order must be an int >= 1"):
        KneserNey(SEQUENCES, 3, order=0)
    with pytest.raises(ValueError, match="at least one training token"):
        KneserNey([[]], 3)
    with pytest.raises(ValueError, match="discounts"):
        KneserNey(SEQUENCES, 3, discounts=(0.5, 2.5, 1.0))
    with pytest.raises(ValueError, match="token ids"):
        KneserNey(SEQUENCES, 3, start=2).sequence_log_probs([0, 7])
