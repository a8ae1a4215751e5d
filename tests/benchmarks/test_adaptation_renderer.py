"""The domain-adaptation results section: "not measured yet" with the command, then
the table of a result file (source-only, DANN, oracle, gap closed, selection)."""

import os
import sys

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "benchmarks")
)

from renderers import adaptation  # noqa: E402


def _summary(target, source):
    return {"target_test": {"mean": target, "sd": 0.01}, "source_test": {"mean": source, "sd": 0.0}}


def test_unmeasured_section_gives_the_command(monkeypatch):
    monkeypatch.setattr(adaptation, "load", lambda name: None)
    text = adaptation.adaptation_table()
    assert "Not measured yet" in text and "benchmarks/quality_adaptation.py" in text


def test_result_renders_every_model_the_gap_and_the_selection(monkeypatch):
    result = {
        "date": "2026-01-01", "commit": "abc", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "font_digits", "target": "digits",
        "image_size": [28, 28, 1], "steps": 1000, "batch_size": 64, "seeds": [0, 1],
        "chosen_max_lambda": 0.3, "gap_closed": 0.25,
        "validation": {"split": "train[90%:]", "images": 144},
        "selection": {"0.1": 0.5, "0.3": 0.6, "1.0": 0.55},
        "summary": {
            "source-only": _summary(0.46, 0.84),
            "dann": _summary(0.55, 0.86),
            "target oracle": _summary(0.82, 0.3),
        },
        "runs": {
            name: [{"target_test": 0.5}, {"target_test": 0.6}]
            for name in ("source-only", "dann", "target oracle")
        },
    }  # fmt: skip
    monkeypatch.setattr(adaptation, "load", lambda name: result)
    text = adaptation.adaptation_table()
    assert "| source-only | 46.0 ± 1.0 | 84.0 ± 0.0 |" in text
    assert "| DANN (max λ = 0.3) | 55.0 ± 1.0 |" in text
    assert "| target oracle | 82.0 ± 1.0 |" in text
    assert "gap closed by DANN: 25%" in text
    assert "0.3: 60.0%" in text and "144 images" in text
    assert "| dann | 50.0 | 60.0 |" in text
    headline = adaptation.headline()
    assert "target accuracy 55.0% vs source-only 46.0%, oracle 82.0%" in headline
    assert "gap closed 25% ✗" in headline
    assert adaptation.HEADLINES["dann"] is adaptation.headline
