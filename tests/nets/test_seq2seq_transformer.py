"""The encoder-decoder Transformer and its decoding functions
(`tfxlearn.nets.transformer`): greedy decoding takes the teacher-forced argmax
of its own prefix, sampling follows the inverse CDF of the uniform draws it is
given, lengths stop at the first end, padding of the source is not read, and
`sequence_log_likelihood` is the sum of the scored log-probabilities."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.nets import (
    Seq2SeqTransformer,
    greedy_decode,
    sample_decode,
    sequence_log_likelihood,
)
from tfxlearn.nets.transformer import decoder_inputs

SOURCE = tf.constant([[1, 2, 9, 0], [3, 9, 0, 0], [9, 0, 0, 0]])
MASK = tf.constant([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]]) > 0


def _model(**kwargs):
    keras.utils.set_random_seed(3)
    args = {"dim": 8, "depth": 1, "heads": 2, "dropout": 0.0, **kwargs}
    return Seq2SeqTransformer(10, 7, 6, **args)


def _teacher_forced_log_probs(model, tokens):
    logits = model(
        {"source": SOURCE, "source_mask": MASK, "target_inputs": decoder_inputs(model, tokens)}
    )
    return tf.nn.log_softmax(logits, axis=-1).numpy()


def test_greedy_decoding_is_the_argmax_of_its_own_prefix():
    model = _model()
    tokens, lengths = greedy_decode(model, SOURCE, MASK, 6)
    tokens, lengths = tokens.numpy(), lengths.numpy()
    log_probs = _teacher_forced_log_probs(model, tokens)
    end = model.start_id
    for row in range(3):
        n = lengths[row]
        np.testing.assert_array_equal(tokens[row, :n], log_probs[row, :n].argmax(-1))
        assert (tokens[row, n:] == end).all()
        assert n == 6 or tokens[row, n - 1] == end
        assert end not in tokens[row, : n - 1]


def test_sampling_follows_the_inverse_cdf_of_the_given_draws():
    model = _model()
    low = tf.zeros([3, 6])  # u = 0: the first class of nonzero probability (0)
    tokens, lengths = sample_decode(model, SOURCE, MASK, 6, low)
    np.testing.assert_array_equal(tokens.numpy(), np.zeros((3, 6)))
    np.testing.assert_array_equal(lengths.numpy(), [6, 6, 6])
    high = tf.fill([3, 6], 0.999999)  # the last class: the end, at once
    tokens, lengths = sample_decode(model, SOURCE, MASK, 6, high)
    np.testing.assert_array_equal(lengths.numpy(), [1, 1, 1])
    uniform = tf.random.stateless_uniform([3, 6], seed=[1, 2])
    a = sample_decode(model, SOURCE, MASK, 6, uniform)
    b = sample_decode(model, SOURCE, MASK, 6, uniform)
    np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
    # Each sampled token is the class where its step's CDF passes the draw.
    tokens = a[0].numpy()
    cdf = np.cumsum(np.exp(_teacher_forced_log_probs(model, tokens)), axis=-1)
    for row in range(3):
        for t in range(a[1].numpy()[row]):
            k = tokens[row, t]
            u = uniform.numpy()[row, t] * cdf[row, t, -1]
            assert (k == 0 or cdf[row, t, k - 1] <= u + 1e-5) and u <= cdf[row, t, k] + 1e-5


def test_padding_of_the_source_is_not_read():
    model = _model()
    padded = tf.where(MASK, SOURCE, 5)  # other padding ids
    a = greedy_decode(model, SOURCE, MASK, 6)
    b = greedy_decode(model, padded, MASK, 6)
    np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())


def test_sequence_log_likelihood_sums_the_scored_positions():
    model = _model()
    targets = tf.constant([[1, 2, 6, -1], [6, -1, -1, -1], [3, 3, 3, 6]])
    got = sequence_log_likelihood(model, SOURCE, MASK, targets).numpy()
    log_probs = _teacher_forced_log_probs(model, tf.maximum(targets, 0))
    for row in range(3):
        want = sum(
            log_probs[row, t, targets[row, t]] for t in range(4) if int(targets[row, t]) >= 0
        )
        assert got[row] == pytest.approx(want, rel=1e-5)


def test_config_round_trip_and_bad_arguments():
    model = _model()
    clone = Seq2SeqTransformer.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(
        greedy_decode(clone, SOURCE, MASK, 6)[0].numpy(),
        greedy_decode(model, SOURCE, MASK, 6)[0].numpy(),
    )
    with pytest.raises(ValueError, match="decoding length must be an int in \\[1, max_length=6\\]"):
        greedy_decode(model, SOURCE, MASK, 7)
    with pytest.raises(ValueError, match="target_classes must be >= 2"):
        Seq2SeqTransformer(10, 1, 6)
    with pytest.raises(ValueError, match="max_length must be an int >= 1"):
        Seq2SeqTransformer(10, 7, 0)
