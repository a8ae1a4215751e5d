"""benchmarks/quality_blind.py: the smoke run (λ chosen on the validation carve
with the test split forbidden, then both models on the test split; nothing
written), and the choice / target rules on hand-made scores."""

import common
import pytest
import quality_blind

from tfxlearn.data import ForbiddenSplitError, check_allowed

METRICS = {
    "task_accuracy",
    "adversary_balanced_accuracy",
    "probe_balanced_accuracy",
    "probe_roc_auc",
    "equal_opportunity_gap",
    "true_positive_rate_female",
    "true_positive_rate_male",
    "demographic_parity_gap",
}


def test_smoke_run_selects_on_validation_measures_on_test_and_writes_nothing(tfds_dir, monkeypatch):
    monkeypatch.setattr(common, "write_result", lambda *a: pytest.fail("smoke wrote a result"))
    seen = []
    original = quality_blind.arrays

    def spy(name, split):
        try:
            check_allowed(name, "test")
            seen.append((split, "test allowed"))
        except ForbiddenSplitError:
            seen.append((split, "test forbidden"))
        return original(name, split)

    monkeypatch.setattr(quality_blind, "arrays", spy)
    payload = quality_blind.main(["--smoke", "--allow-dirty"])
    assert seen == [
        ("train[:90%]", "test forbidden"),
        ("train[90%:]", "test forbidden"),
        ("train", "test allowed"),
        ("test", "test allowed"),
    ]
    assert payload["selection"]["validation"]["split"] == "train[90%:]"
    assert set(payload["selection"]["scores"]) == {"0", "1", "10"}
    assert payload["chosen_lambda"] in quality_blind.SMOKE_CANDIDATES
    row = payload["per_seed"]["0"]
    for method in ("lambda=0", "chosen"):
        assert set(row[method]) == METRICS
        for key in METRICS - {"probe_roc_auc"}:
            assert 0.0 <= row[method][key] <= 1.0, (method, key)
    assert payload["summary"]["target"]["seeds"] == 1
    assert payload["test_rows"] == 256  # adult/tiny


def test_the_selection_cannot_read_the_test_split(tfds_dir, monkeypatch):
    monkeypatch.setattr(quality_blind, "validation_splits", lambda split: ("train", "test"))
    with pytest.raises(ForbiddenSplitError):
        quality_blind.select(quality_blind.SMOKE, (1.0,), seed=0)


def _scores(**rows):
    return {
        float(w): {"task_accuracy": acc, "probe_balanced_accuracy": probe}
        for w, (acc, probe) in ((k.replace("w", "").replace("_", "."), v) for k, v in rows.items())
    }


def test_choice_is_the_blindest_within_two_points_else_the_smallest_drop():
    scores = _scores(w0=(0.84, 0.84), w1=(0.835, 0.80), w3=(0.825, 0.70), w10=(0.80, 0.55))
    assert quality_blind.choose(scores) == 3.0  # 10 drops 4 points
    scores = _scores(w0=(0.84, 0.84), w1=(0.81, 0.80), w3=(0.79, 0.70))
    assert quality_blind.choose(scores) == 1.0  # none within 2 points: the smallest drop


def test_target_needs_both_a_blind_probe_and_a_small_accuracy_drop():
    def row(acc0, acc, probe):
        return {
            "lambda=0": {"task_accuracy": acc0, "probe_balanced_accuracy": 0.84},
            "chosen": {"task_accuracy": acc, "probe_balanced_accuracy": probe},
        }

    assert quality_blind.meets_target(row(0.84, 0.83, 0.54))
    assert not quality_blind.meets_target(row(0.84, 0.83, 0.60))  # probe still reads sex
    assert not quality_blind.meets_target(row(0.84, 0.81, 0.50))  # 3 points lost
