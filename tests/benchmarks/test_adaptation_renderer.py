"""The domain-adaptation results section: "not measured yet" with the command, then
the table of a result file (source-only, DANN, oracle, gap closed, selection), and
ADDA's row from its own result file, compared with the first file's baselines."""

from renderers import adaptation


def _summary(target, source):
    return {"target_test": {"mean": target, "sd": 0.01}, "source_test": {"mean": source, "sd": 0.0}}


def test_unmeasured_section_gives_the_command(monkeypatch):
    monkeypatch.setattr(adaptation, "load", lambda name: None)
    text = adaptation.adaptation_table()
    assert "Not measured yet" in text and "benchmarks/quality_adaptation.py" in text


def _dann_result():
    return {
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


def _adda_result(**changes):
    result = {
        "date": "2026-01-02", "commit": "def", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "font_digits", "target": "digits",
        "image_size": [28, 28, 1], "source_steps": 1000, "steps": 500, "batch_size": 64,
        "seeds": [0, 1], "chosen_learning_rate": 0.0002,
        "validation": {"split": "train[90%:]", "images": 144},
        "selection": {"0.0001@250": 0.5, "0.0002@500": 0.7, "0.0002@1000": 0.3},
        "summary": {
            "target_test": {"mean": 0.70, "sd": 0.02},
            "source_test": {"mean": 0.80, "sd": 0.01},
            "target_test_before": {"mean": 0.45, "sd": 0.01},
        },
        "runs": [{"target_test": 0.69}, {"target_test": 0.71}],
    }  # fmt: skip
    result.update(changes)
    return result


def test_result_renders_every_model_the_gap_and_the_selection(monkeypatch):
    results = {"quality_adaptation": _dann_result()}
    monkeypatch.setattr(adaptation, "load", results.get)
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
    assert "| ADDA | not measured yet" in text and "--methods adda" in text
    assert adaptation.adda_headline() == "not measured"


def test_adda_row_is_compared_with_the_baselines_of_the_dann_result(monkeypatch):
    results = {"quality_adaptation": _dann_result(), "quality_adaptation_adda": _adda_result()}
    monkeypatch.setattr(adaptation, "load", results.get)
    text = adaptation.adaptation_table()
    assert "| DANN (max λ = 0.3) | 55.0 ± 1.0 |" in text  # DANN's numbers unchanged
    assert "| ADDA (lr = 0.0002, 500 steps) | 70.0 ± 2.0 | 80.0 ± 1.0 |" in text
    # (0.70 - 0.46) / (0.82 - 0.46) = 2/3
    assert "gap closed by ADDA: 67%" in text and "45.0 ± 1.0%" in text
    assert "0.0002@500: 70.0%" in text
    assert "| adda | 69.0 | 71.0 |" in text
    assert adaptation.adda_headline() == (
        "font → handwritten digits, target accuracy 70.0% vs source-only 46.0%; "
        "gap closed 67% ✓ (target: ≥ 50%)"
    )
    assert adaptation.HEADLINES["adda"] is adaptation.adda_headline
    # Run on other seeds than the baselines: no gap is claimed.
    results["quality_adaptation_adda"] = _adda_result(seeds=[0])
    assert "gap closed by ADDA: —" in adaptation.adaptation_table()


def _simgan_result(**changes):
    def s(mean):
        return {"mean": mean, "sd": 0.01}

    result = {
        "date": "2026-01-03", "commit": "fed", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "font_digits", "target": "digits",
        "image_size": [28, 28, 1], "steps": 1000, "simgan_steps": 1000, "batch_size": 64,
        "seeds": [0, 1], "chosen_self_regularization": 0.3,
        "validation": {"split": "train[90%:]", "images": 144},
        "selection": {"0.1": 0.5, "0.3": 0.64, "1.0": 0.6},
        "summary": {
            "target_test": s(0.64), "source_test": s(0.8), "mean_change": s(0.071),
            "discriminator_realism_refined": s(0.45),
            "discriminator_realism_unrefined": s(0.1),
            "judge_realism_refined": s(0.3), "judge_realism_unrefined": s(0.02),
        },
        "runs": [{"target_test": 0.63}, {"target_test": 0.65}],
    }  # fmt: skip
    result.update(changes)
    return result


def test_simgan_row_reports_the_gap_the_change_and_the_realism(monkeypatch):
    results = {"quality_adaptation": _dann_result()}
    monkeypatch.setattr(adaptation, "load", results.get)
    assert "| SimGAN-refined source | not measured yet" in adaptation.adaptation_table()
    assert adaptation.simgan_headline() == "not measured"
    results["quality_adaptation_simgan"] = _simgan_result()
    text = adaptation.adaptation_table()
    assert "| SimGAN-refined source (λ = 0.3) | 64.0 ± 1.0 | 80.0 ± 1.0 |" in text
    # (0.64 - 0.46) / (0.82 - 0.46) = 1/2
    assert "gap closed by SimGAN-refined training: 50%" in text
    assert "mean per-pixel change |R(x) − x| on the source test images 0.071" in text
    assert "classifier 0.02 → 0.30" in text and "discriminator 0.10 → 0.45" in text
    assert "0.3: 64.0%" in text and "| simgan | 63.0 | 65.0 |" in text
    assert adaptation.simgan_headline() == (
        "font → handwritten digits, target accuracy 64.0% vs source-only 46.0%; "
        "gap closed 50% ✓ (target: ≥ 50%); mean pixel change 0.071"
    )
    results["quality_adaptation_simgan"] = _simgan_result(steps=500)
    assert "gap closed by SimGAN-refined training: —" in adaptation.adaptation_table()


def _blind_result():
    def m(value):
        return {"mean": value, "sd": 0.01, "values": [value]}

    def row(task, adversary, probe, auc, eo, dp):
        return {
            "task_accuracy": m(task),
            "adversary_balanced_accuracy": m(adversary),
            "probe_balanced_accuracy": m(probe),
            "probe_roc_auc": m(auc),
            "equal_opportunity_gap": m(eo),
            "demographic_parity_gap": m(dp),
        }

    return {
        "date": "2026-01-03", "commit": "fed", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "dataset": "adult", "attribute": "sex", "train_rows": 30162,
        "test_rows": 15060, "config": {"epochs": 10}, "seeds": [0, 1], "chosen_lambda": 3.0,
        "selection": {
            "validation": {"split": "train[90%:]", "rows": 3016},
            "scores": {
                "0": {"task_accuracy": 0.84, "probe_balanced_accuracy": 0.83},
                "3": {"task_accuracy": 0.83, "probe_balanced_accuracy": 0.70},
            },
        },
        "summary": {
            "lambda=0": row(0.845, 0.80, 0.83, 0.91, 0.06, 0.13),
            "chosen": row(0.835, 0.52, 0.70, 0.80, 0.03, 0.08),
            "target": {"rule": "...", "seeds_meeting": 0, "seeds": 2},
        },
    }  # fmt: skip


def test_blind_section_says_not_measured_then_renders_both_lambdas(monkeypatch):
    monkeypatch.setattr(adaptation, "load", lambda name: None)
    assert "benchmarks/quality_blind.py" in adaptation.blind_table()
    assert "Not measured yet" in adaptation.blind_table()
    assert adaptation.blind_headline() == "not measured"
    assert adaptation.SECTIONS["blind-table"] is adaptation.blind_table
    results = {"quality_blind": _blind_result()}
    monkeypatch.setattr(adaptation, "load", results.get)
    text = adaptation.blind_table()
    uncensored = "| λ = 0 (uncensored) | 84.5 ± 1.0 | 80.0 ± 1.0 | 83.0 ± 1.0 | 0.910 | 6.0 ± 1.0 |"
    assert uncensored in text
    assert "| λ = 3 (chosen) | 83.5 ± 1.0 | 52.0 ± 1.0 | 70.0 ± 1.0 | 0.800 | 3.0 ± 1.0 |" in text
    assert "met by 0 of 2 seeds" in text and "3016 rows" in text and "3: 83.0% / 70.0%" in text
    headline = adaptation.blind_headline()
    assert "84.5% → 83.5% (λ = 3)" in headline and "83.0% → 70.0% balanced ✗" in headline
    assert adaptation.HEADLINES["blind_representation"] is adaptation.blind_headline


def _cycada_result(**changes):
    def s(mean):
        return {"mean": mean, "sd": 0.01}

    result = {
        "date": "2026-01-04", "commit": "cab", "dirty": False, "tensorflow": "2.21.0",
        "cpu_count": 2, "source": "font_digits", "target": "digits",
        "image_size": [28, 28, 1], "steps": 1000, "source_steps": 1000, "pixel_steps": 1000,
        "feature_steps": 500, "max_feature_steps": 1000, "semantic_weight": 1.0,
        "batch_size": 64, "seeds": [0, 1], "chosen_learning_rate": 0.0001, "gap_closed": 0.6,
        "validation": {"split": "train[90%:]", "images": 144},
        "selection": {"0@0": 0.6, "0.0001@500": 0.7},
        "summary": {
            "source-only": {"target_test": s(0.45), "source_test": s(0.9)},
            "target oracle": {"target_test": s(0.85), "source_test": s(0.3)},
            "cycada": {
                "target_test": s(0.69), "source_test": s(0.8),
                "target_test_source_stage": s(0.44), "target_test_pixel": s(0.6),
                "semantic_loss": s(0.123), "cycle_l1": s(0.045),
            },
        },
        "runs": {"cycada": [{"target_test": 0.68}, {"target_test": 0.70}]},
    }  # fmt: skip
    result.update(changes)
    return result


def test_cycada_row_reports_its_gap_its_stages_and_adda(monkeypatch):
    results = {"quality_adaptation": _dann_result()}
    monkeypatch.setattr(adaptation, "load", results.get)
    text = adaptation.adaptation_table()
    assert "| CyCADA | not measured yet (`python benchmarks/quality_cycada.py" in text
    assert adaptation.HEADLINES["cycada"]() == "not measured"
    results["quality_cycada"] = _cycada_result()
    text = adaptation.adaptation_table()
    assert "| CyCADA (feature stage lr = 0.0001, 500 steps) | 69.0 ± 1.0 | 80.0 ± 1.0 |" in text
    assert "share of the gap closed 60% (target: ≥ 50%); ADDA not measured yet" in text
    assert "source classifier f_S 44.0 ± 1.0%" in text and "(pixel level) 60.0 ± 1.0%" in text
    assert "semantic loss 0.123, cycle L1 0.045" in text and "0@0: 60.0%" in text
    assert "| cycada | 68.0 | 70.0 |" in text
    results["quality_adaptation_adda"] = _adda_result()  # ADDA 70% > CyCADA 69%
    assert "ADDA 70.0 ± 2.0% ✗ (target: CyCADA ≥ ADDA)" in adaptation.adaptation_table()
    assert adaptation.cycada_headline() == (
        "font → handwritten digits, target accuracy 69.0% vs source-only 45.0%; "
        "gap closed 60% ✓ (target: ≥ 50%); ADDA 70.0%"
    )
    results["quality_cycada"] = _cycada_result(feature_steps=0)
    assert "| CyCADA (pixel level only: no feature stage chosen) |" in (
        adaptation.adaptation_table()
    )
