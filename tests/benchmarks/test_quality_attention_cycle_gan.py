"""benchmarks/quality_attention_cycle_gan.py: its --smoke run (tiny textured
digits, the smoke config's nets: epochs and thresholds chosen on the validation
carve with the test split forbidden, one seed measured on test) writes nothing;
the summary counts the seeds that reach the target; the renderer's section and
headline before and after a result."""

import quality_attention_cycle_gan
from renderers import dual


def test_smoke_run_selects_on_validation_and_writes_nothing(refuse_writes, capsys):
    refuse_writes(quality_attention_cycle_gan)
    quality_attention_cycle_gan.main(["--smoke"])
    out = capsys.readouterr().out
    assert "baseline (mean-colour distance): validation IoU" in out
    assert "seed 0: 1 epochs: validation IoU" in out and "seed 0: 2 epochs" in out
    assert "seed 0: chosen" in out and "test IoU" in out
    assert "smoke run: nothing written" in out


def _result():
    runs = [
        {"seed": 0, "chosen_epochs": 20, "threshold": 0.4, "test_iou": 0.74,
         "attention_inside": 0.9, "attention_outside": 0.05},
        {"seed": 1, "chosen_epochs": 40, "threshold": 0.5, "test_iou": 0.66,
         "attention_inside": 0.8, "attention_outside": 0.1},
    ]  # fmt: skip
    baseline = {"threshold": 0.3, "validation_iou": 0.41, "test_iou": 0.4}
    return {
        "date": "2026-01-01", "commit": "abc", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "dataset": "textured_digits", "domain_a": "textured_digits/blank",
        "batch_size": 16, "seeds": [0, 1], "test_images": 359,
        "validation": {"train": "train[:90%]", "split": "train[90%:]", "images": 144},
        "baseline": baseline, "runs": runs,
        "summary": quality_attention_cycle_gan.summarize(runs, baseline),
    }  # fmt: skip


def test_summary_and_renderer(monkeypatch):
    r = _result()
    assert r["summary"]["target"] == {"rule": "test IoU >= 0.7", "seeds_meeting": 1, "seeds": 2}
    assert abs(r["summary"]["attention_iou"]["mean"] - 0.70) < 1e-12
    monkeypatch.setattr(dual, "load", lambda name: None)
    assert "benchmarks/quality_attention_cycle_gan.py" in dual.attention_table()
    assert dual.attention_headline() == "not measured"
    assert dual.SECTIONS["attention-table"] is dual.attention_table
    assert dual.HEADLINES["attention_cycle_gan"] is dual.attention_headline
    monkeypatch.setattr(dual, "load", lambda name: r)
    text = dual.attention_table()
    assert "| attention-guided CycleGAN, B → A attention | 0.700 ± 0.057 | ≥ 0.7 |" in text
    assert "| baseline: distance to the image's mean colour | 0.400 | |" in text
    assert "| 1 | 40 | 0.5 | 0.660 | 0.80 / 0.10 |" in text
    assert "Seeds meeting the target: 1 of 2." in text
    headline = dual.attention_headline()
    assert "IoU 0.70" in headline and "baseline 0.40" in headline and headline.endswith("✗")
