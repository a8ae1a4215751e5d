"""How much a model's predictions and representation depend on a sensitive attribute.

- `balanced_accuracy`: the mean of the per-class recalls, so a classifier that
  always answers the majority class scores 1 / classes (0.5 for a binary
  attribute) whatever the class balance; the measure of an attribute adversary
  or probe (Edwards & Storkey, ICLR 2016, report the adversary against the
  majority rate; the balanced form makes "chance" one number).
- `true_positive_rates` / `equal_opportunity_gap`: Hardt, Price & Srebro,
  "Equality of Opportunity in Supervised Learning", NeurIPS 2016: the
  predictor satisfies equal opportunity when P(ŷ = 1 | y = 1, s) is the same
  for every group s; the gap is max_s TPR_s − min_s TPR_s (Zhang et al., AIES
  2018, report it for their adversarially debiased Adult classifier).
- `demographic_parity_gap`: max_s P(ŷ = 1 | s) − min_s P(ŷ = 1 | s).
- `attribute_blindness`: the model protocol of `blind_representation`.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from tfxlearn.evaluation.eval_data import EvalData


def _ints(values, argument: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"{argument} must be integer ids [n], got dtype {values.dtype} shape {values.shape}"
        )
    return values.astype(np.int64)


def _same_length(*arrays) -> None:
    if len({len(a) for a in arrays}) != 1:
        raise ValueError(f"arrays must have one length, got {[len(a) for a in arrays]}")


def balanced_accuracy(labels, predicted) -> float:
    """Mean recall over the classes present in `labels`."""
    labels, predicted = _ints(labels, "labels"), _ints(predicted, "predicted")
    _same_length(labels, predicted)
    if len(labels) == 0:
        raise ValueError("balanced_accuracy needs at least one example")
    return float(np.mean([np.mean(predicted[labels == c] == c) for c in np.unique(labels)]))


def true_positive_rates(labels, predicted, groups, positive: int = 1) -> dict:
    """`{group: P(predicted == positive | labels == positive, group)}` over the
    groups that have positive examples."""
    labels, predicted = _ints(labels, "labels"), _ints(predicted, "predicted")
    groups = _ints(groups, "groups")
    _same_length(labels, predicted, groups)
    rates = {}
    for g in np.unique(groups):
        mask = (groups == g) & (labels == positive)
        if mask.any():
            rates[int(g)] = float(np.mean(predicted[mask] == positive))
    if len(rates) < 2:
        raise ValueError("the equal-opportunity gap needs positive examples in two groups")
    return rates


def equal_opportunity_gap(labels, predicted, groups, positive: int = 1) -> float:
    """max − min over the groups of the true-positive rate (Hardt et al., 2016)."""
    rates = true_positive_rates(labels, predicted, groups, positive)
    return max(rates.values()) - min(rates.values())


def demographic_parity_gap(predicted, groups, positive: int = 1) -> float:
    """max − min over the groups of the rate of positive predictions."""
    predicted, groups = _ints(predicted, "predicted"), _ints(groups, "groups")
    _same_length(predicted, groups)
    rates = [np.mean(predicted[groups == g] == positive) for g in np.unique(groups)]
    if len(rates) < 2:
        raise ValueError("the demographic-parity gap needs two groups")
    return float(max(rates) - min(rates))


def attribute_blindness(
    model: keras.Model, data: EvalData, *, seed: int = 0, attribute: str = "sex"
) -> dict:
    """The test split's task accuracy, the model's own adversary predicting the
    binary `attribute` (balanced accuracy; chance 0.5) and the task predictions'
    equal-opportunity and demographic-parity gaps between the attribute's groups.

    Needs `model.classify(features)` (task logits) and
    `model.attribute_logits(features)` (one logit per example), and a TFDS
    `data` holding `attribute` as a feature (e.g. `adult`'s "sex").
    """
    del seed
    for method in ("classify", "attribute_logits"):
        if not callable(getattr(model, method, None)):
            raise ValueError(
                f"model protocol 'attribute_blindness' needs a paradigm with a {method}() "
                f"method; {type(model).__name__} has none"
            )
    if data.in_memory is not None:
        raise ValueError(
            "model protocol 'attribute_blindness' reads the attribute from a TFDS dataset; "
            f"in-memory data {data.name!r} has labels only"
        )
    features, labels = data.test
    _, groups = dataclasses.replace(data, label_key=attribute).test
    predicted = np.argmax(np.asarray(model.classify(features)), axis=-1)
    guessed = (np.asarray(model.attribute_logits(features)).reshape(-1) > 0).astype(np.int64)
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "adversary_balanced_accuracy": balanced_accuracy(groups, guessed),
        "equal_opportunity_gap": equal_opportunity_gap(labels, predicted, groups),
        "demographic_parity_gap": demographic_parity_gap(predicted, groups),
        "examples": int(len(labels)),
    }
