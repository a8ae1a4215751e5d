"""benchmarks/quality_transfer.py: the smoke run (every configuration, nothing
written), the learning-rate choice on the validation carve with the test split
forbidden, and the summary."""

import os

import numpy as np
import pytest
import quality_transfer

from tfxlearn import evaluation, nets


def test_smoke_run_measures_every_configuration_and_writes_nothing(tfds_dir, refuse_writes):
    refuse_writes(quality_transfer)
    payload = quality_transfer.main(["--smoke"])
    assert set(payload["runs"]) == {
        f"{name}/{mode}"
        for name in ("supervised", "moco")
        for mode in quality_transfer.transfer.MODES
    } | {"scratch/finetune"}
    for by_labels in payload["summary"].values():
        assert 0.0 <= by_labels["1"]["mean"] <= 1.0
    assert "plot" not in payload


def test_learning_rates_are_chosen_on_the_validation_carve(tfds_dir):
    encoder = nets.conv_encoder((28, 28, 1), widths=(4, 8))
    data = evaluation.EvalData("digits", image_size=(28, 28, 1), max_train=200)
    budget = {"epochs": 1, "min_steps": 2, "batch_size": 16, "head_steps": 2}
    choices = quality_transfer.select(
        {"supervised": encoder},
        data,
        {"linear": (1e-2, 1e-3), "finetune": (1e-3,)},
        budget,
        1,
        configs=[("supervised", "linear"), ("scratch", "finetune")],
    )  # the test split is forbidden inside: reading it would raise
    linear = choices["supervised/linear"]
    assert set(linear["scores"]) == {"0.01", "0.001"}
    assert linear["chosen"] == float(
        max(linear["scores"], key=lambda r: (linear["scores"][r], -float(r)))
    )
    assert choices["scratch/finetune"] == {"scores": {}, "chosen": 1e-3}


def test_summary_and_plot(tmp_path):
    runs = {"moco/linear": {"1": [0.5, 0.7]}, "scratch/finetune": {"1": [0.4, 0.4]}}
    summary = quality_transfer.summarize(runs)
    assert summary["moco/linear"]["1"]["mean"] == 0.6
    assert np.isclose(summary["moco/linear"]["1"]["sd"], np.std([0.5, 0.7], ddof=1))
    path = quality_transfer.plot(summary, ["1", "5"], str(tmp_path / "p.png"))
    assert os.path.getsize(path) > 1000


def test_a_stopped_run_resumes_without_redoing_finished_runs(tfds_dir, tmp_path, monkeypatch):
    import common
    from journal import Journal

    monkeypatch.setitem(common.START, "dirty", False)
    calls = []

    def fake_run(encoder, data, mode, labels_per_class, learning_rate, seed, budget):
        calls.append((mode, seed))
        if len(calls) == 4:
            raise KeyboardInterrupt  # the session ends
        return 0.5

    monkeypatch.setattr(quality_transfer, "run", fake_run)
    root = str(tmp_path)
    journal = Journal(quality_transfer.NAME, ["--smoke"], root=root)
    with pytest.raises(KeyboardInterrupt):
        quality_transfer.run_journaled(["--smoke"], journal)
    journal.close()
    assert len(calls) == 4
    journal = Journal(quality_transfer.NAME, ["--smoke"], root=root)
    assert journal.resumed and "supervised" in journal and "moco" in journal
    payload = quality_transfer.run_journaled(["--smoke"], journal)
    configurations = len(payload["runs"])
    assert len(calls) == 4 + configurations - 3  # three finished runs were not redone
    assert payload["journal"]["sessions"] == 2
