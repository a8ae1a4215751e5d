"""Balanced accuracy, true-positive rates and the equal-opportunity / demographic
parity gaps on hand-counted examples, and the attribute_blindness protocol's refusals."""

import numpy as np
import pytest

from tfxlearn import evaluation
from tfxlearn.evaluation import fairness


def test_balanced_accuracy_is_the_mean_recall():
    labels = np.array([1, 1, 1, 1, 1, 1, 0, 0])
    # Always the majority class: accuracy 6/8 but balanced accuracy 1/2 (chance).
    assert evaluation.balanced_accuracy(labels, np.ones(8, int)) == 0.5
    predicted = np.array([1, 1, 1, 0, 0, 0, 0, 1])  # recall 3/6 and 1/2
    assert evaluation.balanced_accuracy(labels, predicted) == pytest.approx(0.5)
    predicted = np.array([1, 1, 1, 1, 1, 0, 0, 0])  # recall 5/6 and 2/2
    assert evaluation.balanced_accuracy(labels, predicted) == pytest.approx((5 / 6 + 1) / 2)


def test_equal_opportunity_gap_counts_true_positives_per_group():
    labels = np.array([1, 1, 1, 1, 0, 1, 1, 0])
    groups = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    predicted = np.array([1, 1, 1, 0, 1, 0, 1, 1])
    # group 0: 3 of 4 positives found; group 1: 1 of 2; negatives do not count.
    assert evaluation.true_positive_rates(labels, predicted, groups) == {0: 0.75, 1: 0.5}
    assert evaluation.equal_opportunity_gap(labels, predicted, groups) == pytest.approx(0.25)
    # Swapping the groups keeps the gap; equal rates give 0.
    assert evaluation.equal_opportunity_gap(labels, predicted, 1 - groups) == pytest.approx(0.25)
    assert evaluation.equal_opportunity_gap(labels, labels, groups) == 0.0
    # demographic parity: positive predictions 4/5 vs 2/3.
    assert evaluation.demographic_parity_gap(predicted, groups) == pytest.approx(4 / 5 - 2 / 3)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="labels must be integer ids"):
        evaluation.balanced_accuracy(np.array([0.5, 1.0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="one length"):
        evaluation.balanced_accuracy(np.array([0, 1]), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="two groups"):
        evaluation.equal_opportunity_gap(np.ones(3, int), np.ones(3, int), np.zeros(3, int))


def test_attribute_blindness_needs_the_paradigm_methods_and_tfds_data():
    data = evaluation.EvalData.from_arrays(
        (np.zeros([4, 3], np.float32), np.zeros(4, int)),
        (np.zeros([4, 3], np.float32), np.zeros(4, int)),
    )

    class Classifier:
        def classify(self, x):
            return np.zeros([len(x), 2])

    with pytest.raises(ValueError, match=r"attribute_logits\(\) method"):
        fairness.attribute_blindness(Classifier(), data)
    Classifier.attribute_logits = lambda self, x: np.zeros(len(x))
    with pytest.raises(ValueError, match="in-memory data"):
        fairness.attribute_blindness(Classifier(), data)
    assert evaluation.model_protocol("attribute_blindness") is fairness.attribute_blindness
