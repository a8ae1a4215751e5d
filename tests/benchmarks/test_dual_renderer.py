"""The dual-learning results section: "not measured yet" with the command, then
the table of a result file (both targets, the selection, the seeds) and the
README headline."""

from renderers import dual


def _s(mean, sd=0.0):
    return {"mean": mean, "sd": sd}


def _result(accuracy_ratio, fd_ratio, meeting):
    return {
        "date": "2026-01-01", "commit": "abc", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "font_digits", "target": "digits",
        "image_size": [28, 28, 1], "batch_size": 16, "seeds": [0, 1], "chosen_epochs": 10,
        "validation": {"target": "train[90%:]", "source": "train[90%:]"},
        "selection": {"5": {"accuracy_ratio": 0.8}, "10": {"accuracy_ratio": 0.93}},
        "summary": {
            "target_accuracy": _s(0.95, 0.01), "translated_accuracy": _s(0.88, 0.02),
            "untranslated_accuracy": _s(0.40, 0.03), "accuracy_ratio": _s(accuracy_ratio, 0.02),
            "fd_translated": _s(20.0, 1.0), "fd_untranslated": _s(80.0, 2.0),
            "fd_ratio": _s(fd_ratio, 0.01), "cycle_l1": _s(0.0312, 0.001),
            "target": {"accuracy_ratio": 0.9, "fd_ratio": 0.5, "seeds_meeting": meeting,
                       "seeds": 2},
        },
        "runs": [
            {"seed": 0, "accuracy_ratio": 0.91, "fd_ratio": 0.24, "cycle_l1": 0.03},
            {"seed": 1, "accuracy_ratio": 0.94, "fd_ratio": 0.26, "cycle_l1": 0.032},
        ],
    }  # fmt: skip


def test_unmeasured_section_gives_the_command(monkeypatch):
    monkeypatch.setattr(dual, "load", lambda name: None)
    text = dual.translation_table()
    assert "Not measured yet" in text and "benchmarks/quality_translation.py" in text
    assert dual.headline() == "not measured"


def test_result_renders_both_targets_the_selection_and_the_seeds(monkeypatch):
    monkeypatch.setattr(dual, "load", lambda name: _result(0.926, 0.25, 2))
    text = dual.translation_table()
    assert "| accuracy ratio translated / real | 0.926 ± 0.020 | ≥ 0.9 |" in text
    assert "| FD ratio translated / untranslated | 0.250 ± 0.010 | ≤ 0.5 |" in text
    assert "| … on translated font_digits test (%) | 88.0 ± 2.0 | |" in text
    assert "Seeds meeting both targets: 2 of 2." in text
    assert "10 epochs: 0.930" in text and "| 1 | 0.940 | 0.260 | 0.0320 |" in text
    assert "quality_translation.png" in text
    assert dual.headline().endswith("✓")
    monkeypatch.setattr(dual, "load", lambda name: _result(0.8, 0.6, 0))
    assert "kept 80.0%" in dual.headline() and dual.headline().endswith("✗")


def _pix2pix_result(cgan_fd, l1_fd, lower):
    def variant(fd, l1, ssim):
        return {
            "l1": _s(l1, 0.001),
            "ssim": _s(ssim, 0.01),
            "fd_translated": _s(fd, 0.5),
            "translated_accuracy": _s(0.7, 0.02),
            "target_accuracy": _s(0.9, 0.0),
            "accuracy_ratio": _s(0.78, 0.02),
            "fd_real_floor": _s(0.8, 0.0),
        }

    return {
        "date": "2026-01-01", "commit": "abc", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "dataset": "fashion_mnist", "image_size": [28, 28, 1],
        "batch_size": 32, "l1_weight": 100.0, "seeds": [0, 1],
        "validation": "train[90%:]", "chosen_epochs": {"l1_only": 5, "cgan_l1": 10},
        "selection": {
            "l1_only": {"2": {"fd_translated": 30.0}, "5": {"fd_translated": 25.0}},
            "cgan_l1": {"2": {"fd_translated": 20.0}, "10": {"fd_translated": 9.5}},
        },
        "summary": {
            "l1_only": variant(l1_fd, 0.08, 0.55), "cgan_l1": variant(cgan_fd, 0.09, 0.5),
            "target": {"cgan_fd_below_l1_only": lower, "seeds": 2},
        },
        "runs": [],
    }  # fmt: skip


def test_pix2pix_unmeasured_section_gives_the_command(monkeypatch):
    monkeypatch.setattr(dual, "load", lambda name: None)
    text = dual.pix2pix_table()
    assert "Not measured yet" in text and "benchmarks/quality_pix2pix.py" in text
    assert dual.pix2pix_headline() == "not measured"
    assert dual.SECTIONS["pix2pix-table"] is dual.pix2pix_table


def test_pix2pix_result_renders_both_variants_and_the_ablation(monkeypatch):
    monkeypatch.setattr(dual, "load", lambda name: _pix2pix_result(10.0, 25.0, 2))
    text = dual.pix2pix_table()
    assert "| measure | L1 only | cGAN + L1 |" in text
    assert "| Fréchet distance to real test images | 25.00 ± 0.50 | 10.00 ± 0.50 |" in text
    assert "| SSIM to the true image | 0.550 ± 0.010 | 0.500 ± 0.010 |" in text
    assert "in 2 of 2 seeds" in text and "L1 only 5, cGAN + L1 10" in text
    assert "cGAN + L1: 2 epochs 20.00, 10 epochs 9.50" in text
    assert "quality_pix2pix.png" in text
    assert dual.pix2pix_headline().endswith("✓")
    monkeypatch.setattr(dual, "load", lambda name: _pix2pix_result(30.0, 25.0, 0))
    assert "FD 30.0 (cGAN + L1) vs 25.0 (L1 only)" in dual.pix2pix_headline()
    assert dual.pix2pix_headline().endswith("✗")
