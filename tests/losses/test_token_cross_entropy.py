import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.losses import TokenCrossEntropy, token_cross_entropy
from tfxlearn.losses.token_cross_entropy import IGNORE
from tfxlearn.pretext.next_token import IGNORE as PRETEXT_IGNORE


def test_closed_form_with_ignored_positions():
    # Uniform logits over 4 classes: log 4 per scored token, whatever the target.
    targets = np.array([[0, 3, IGNORE], [2, IGNORE, IGNORE]])
    loss = TokenCrossEntropy()(targets, np.zeros((2, 3, 4), np.float32))
    np.testing.assert_allclose(float(loss), np.log(4), rtol=1e-6)
    # logits (log 1, log 3) -> P(class 1) = 3/4, P(class 0) = 1/4; mean over 3 tokens,
    # not over the 4 positions nor the 2 rows.
    logits = np.log(np.array([[[1.0, 3.0], [1.0, 3.0]], [[1.0, 3.0], [1.0, 3.0]]], np.float32))
    targets = np.array([[1, 0], [1, IGNORE]])
    want = -(np.log(0.75) + np.log(0.25) + np.log(0.75)) / 3
    np.testing.assert_allclose(float(TokenCrossEntropy()(targets, logits)), want, rtol=1e-6)


def test_per_token_values_are_zero_where_ignored_and_match_numpy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 5, 7)).astype(np.float32)
    targets = rng.integers(0, 7, size=(3, 5))
    targets[1, 2:] = IGNORE
    got = token_cross_entropy(targets, logits).numpy()
    shifted = logits - logits.max(-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    want = -np.take_along_axis(log_softmax, np.maximum(targets, 0)[..., None], -1)[..., 0]
    want[targets < 0] = 0
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert IGNORE == PRETEXT_IGNORE == -1  # the op pads targets with what the loss ignores


def test_replica_shares_sum_to_the_global_token_mean(two_replica_strategy):
    # Replica 0 holds 1 scored token, replica 1 holds 3: a per-replica mean would
    # weigh replica 0's token 3 times more.
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 5)).astype(np.float32)
    targets = np.array([[1, IGNORE, IGNORE], [0, 4, 2]])
    want = float(TokenCrossEntropy()(targets, logits))
    ds = tf.data.Dataset.from_tensors((targets, logits))
    batch = next(iter(two_replica_strategy.experimental_distribute_dataset(ds)))
    shares = two_replica_strategy.run(lambda t, z: TokenCrossEntropy()(t, z), args=batch)
    total = two_replica_strategy.reduce("SUM", shares, axis=None)
    np.testing.assert_allclose(float(total), want, rtol=1e-6)
    values = token_cross_entropy(targets, logits).numpy()
    np.testing.assert_allclose(want, values.sum() / 4, rtol=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="integer ids"):
        TokenCrossEntropy()(np.zeros((2, 3), np.float32), np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="sample_weight"):
        TokenCrossEntropy()(np.zeros((2, 3), np.int32), np.zeros((2, 3, 4)), np.ones((2, 3)))
