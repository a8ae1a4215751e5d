"""Gradient reversal (Ganin & Lempitsky, ICML 2015): identity forward, exactly
-lambda times the upstream gradient backward; the paper's lambda and learning-rate
schedules; the domain classifier head."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.nets import GradientReversal, domain_classifier, reversal_schedule
from tfxlearn.training import AnnealedLearningRate


def _forward_and_gradient(layer, x, upstream, **call_args):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, **call_args)
    return y, tape.gradient(y, x, output_gradients=upstream)


@pytest.mark.parametrize("lambda_", [0.0, 0.3, 1.0, 2.5])
def test_gradient_is_minus_lambda_times_upstream_exactly(lambda_):
    x = tf.random.stateless_normal([4, 7], seed=[1, 2])
    upstream = tf.random.stateless_normal([4, 7], seed=[3, 4])
    y, grad = _forward_and_gradient(GradientReversal(lambda_), x, upstream)
    np.testing.assert_array_equal(y.numpy(), x.numpy())  # identity forward
    np.testing.assert_array_equal(grad.numpy(), (-np.float32(lambda_) * upstream).numpy())


def test_lambda_is_settable_and_a_call_argument_overrides_it():
    layer = GradientReversal(1.0)
    x = tf.ones([2, 3])
    upstream = tf.fill([2, 3], 2.0)
    layer.lambda_ = 0.25
    np.testing.assert_array_equal(_forward_and_gradient(layer, x, upstream)[1], -0.5)
    # A tensor (the schedule's value at this step) overrides it, inside tf.function too.
    step = tf.function(lambda v, lam: _forward_and_gradient(layer, v, upstream, lambda_=lam)[1])
    np.testing.assert_array_equal(step(x, tf.constant(0.75)), -1.5)
    assert layer.lambda_ == 0.25


def test_negative_lambda_is_refused():
    with pytest.raises(ValueError, match="lambda_ must be >= 0"):
        GradientReversal(-0.1)
    layer = GradientReversal()
    with pytest.raises(ValueError, match="lambda_ must be >= 0"):
        layer.lambda_ = -1.0
    with pytest.raises(ValueError, match="lambda_ must be a number"):
        GradientReversal("1")


def test_config_round_trip():
    layer = GradientReversal(0.4, name="rev")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, GradientReversal) and clone.lambda_ == 0.4 and clone.name == "rev"


def test_reversal_schedule_values_of_the_paper():
    # lambda_p = 2 / (1 + exp(-10 p)) - 1
    assert reversal_schedule(0.0) == 0.0
    assert reversal_schedule(0.5) == pytest.approx(2 / (1 + math.exp(-5)) - 1)  # 0.98661
    assert reversal_schedule(0.1) == pytest.approx(0.46211716)  # tanh(0.5)
    assert reversal_schedule(1.0) == pytest.approx(0.9999092)
    assert reversal_schedule(3.0) == reversal_schedule(1.0)  # progress clipped to 1
    ps = np.linspace(0, 1, 11)
    got = reversal_schedule(tf.constant(ps)).numpy()
    np.testing.assert_allclose(got, [reversal_schedule(p) for p in ps], rtol=1e-6, atol=1e-7)
    assert np.all(np.diff(got) > 0)
    with pytest.raises(ValueError, match="gamma"):
        reversal_schedule(0.5, gamma=0)


def test_annealed_learning_rate_of_the_paper():
    schedule = AnnealedLearningRate(0.01, total_steps=100)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(50)) == pytest.approx(0.01 / 6**0.75)
    assert float(schedule(100)) == pytest.approx(0.01 / 11**0.75)
    assert float(schedule(1000)) == pytest.approx(0.01 / 11**0.75)
    optimizer = keras.optimizers.get(
        {
            "class_name": "SGD",
            "config": {
                "learning_rate": keras.saving.serialize_keras_object(schedule),
                "momentum": 0.9,
            },
        }
    )
    assert "AnnealedLearningRate" in str(optimizer.get_config()["learning_rate"])
    assert float(optimizer.learning_rate) == pytest.approx(0.01)  # step 0
    with pytest.raises(ValueError, match="total_steps"):
        AnnealedLearningRate(0.01, total_steps=0)


def test_domain_classifier_gives_one_logit():
    head = domain_classifier((16, 8))
    assert tuple(head(tf.zeros([3, 5])).shape) == (3, 1)
    with pytest.raises(ValueError, match="hidden"):
        domain_classifier((0,))
