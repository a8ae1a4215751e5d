"""benchmarks/quality_translation.py: its --smoke run (8x8, tiny nets: the budget
chosen on the validation carves with the test splits forbidden, one seed measured)
writes nothing, and the summary counts the seeds meeting both targets."""

import quality_translation


def test_smoke_run_selects_on_validation_and_writes_nothing(refuse_writes, capsys):
    refuse_writes(quality_translation)
    quality_translation.main(["--smoke"])
    out = capsys.readouterr().out
    assert "selection: 1 epochs" in out and "selection: 2 epochs" in out
    assert "chosen budget" in out and "seed 0: accuracy" in out
    assert "smoke run: nothing written" in out


def test_summary_counts_the_seeds_meeting_both_targets():
    runs = [
        {"seed": 0, "accuracy_ratio": 0.95, "fd_ratio": 0.3, "cycle_l1": 0.02},
        {"seed": 1, "accuracy_ratio": 0.95, "fd_ratio": 0.6, "cycle_l1": 0.03},
        {"seed": 2, "accuracy_ratio": 0.85, "fd_ratio": 0.3, "cycle_l1": 0.04},
    ]
    summary = quality_translation.summarize(runs)
    assert summary["target"]["seeds_meeting"] == 1 and summary["target"]["seeds"] == 3
    assert abs(summary["cycle_l1"]["mean"] - 0.03) < 1e-12
    assert abs(summary["cycle_l1"]["sd"] - 0.01) < 1e-12
