"""The transfer-learning results section: "not measured yet" with the command,
then the table of a result file (every configuration by labels per class, the
chosen learning rates, the plot) and the README headline."""

from renderers import transfer


def _stats(*values):
    mean = sum(values) / len(values)
    return {"mean": mean, "sd": 0.01, "values": list(values)}


def test_unmeasured_section_gives_the_command(monkeypatch):
    monkeypatch.setattr(transfer, "load", lambda name: None)
    assert "Not measured yet" in transfer.transfer_table()
    assert "benchmarks/quality_transfer.py" in transfer.transfer_table()
    assert transfer.headline() == "not measured"


def test_result_renders_every_configuration_and_the_headline(monkeypatch):
    result = {
        "date": "2026-01-01", "commit": "abc", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "fashion_mnist", "target": "digits",
        "image_size": [28, 28, 1], "labels_per_class": ["1", "10", "all"], "seeds": [0, 1],
        "encoders": {"supervised": "5 epochs", "moco": "20 epochs", "scratch": "random"},
        "selection": {
            "carve": {"train": "train[:90%]", "validation": "train[90%:]"},
            "labels_per_class": 10,
            "candidates": {"linear": [0.01, 0.001], "finetune": [0.001, 0.0003]},
            "choices": {
                "moco/linear": {"chosen": 0.01},
                "moco/finetune": {"chosen": 0.0003},
                "scratch/finetune": {"chosen": 0.001},
            },
        },
        "summary": {
            "moco/linear": {"1": _stats(0.3, 0.5), "10": _stats(0.7, 0.7)},
            "moco/finetune": {"1": _stats(0.2, 0.2), "10": _stats(0.8, 0.8),
                              "all": _stats(0.95, 0.95)},
            "scratch/finetune": {"1": _stats(0.1, 0.1), "10": _stats(0.6, 0.6),
                                 "all": _stats(0.9, 0.9)},
        },
        "plot": "benchmarks/results/quality_transfer.png",
    }  # fmt: skip
    monkeypatch.setattr(transfer, "load", lambda name: result)
    text = transfer.transfer_table()
    assert "| moco | linear | 0.01 | 40.0 ± 1.0 | 70.0 ± 1.0 | — |" in text
    assert "| from scratch | finetune | 0.001 | 10.0 ± 1.0 | 60.0 ± 1.0 | 90.0 ± 1.0 |" in text
    assert "train[:90%] → train[90%:]" in text and "linear: [0.01, 0.001]" in text
    assert "(benchmarks/results/quality_transfer.png)" in text  # root-relative, as every section
    assert transfer.headline() == (
        "digits, 10 labels/class: moco/finetune 80.0% vs from scratch 60.0% (+20.0 points)"
    )
    assert transfer.HEADLINES["transfer"] is transfer.headline
    assert transfer.SECTIONS["transfer-table"] is transfer.transfer_table
