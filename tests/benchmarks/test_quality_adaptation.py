"""benchmarks/quality_adaptation.py --smoke --methods adda / simgan: ADDA's selection of the
learning rate and the stopping step on the labelled target validation carve, then
its seeds, writing nothing; unknown methods are refused."""

import pytest
import quality_adaptation


def test_adda_smoke_selects_on_validation_and_writes_nothing(tfds_dir, capsys, monkeypatch):
    written = []
    monkeypatch.setattr(quality_adaptation, "write_result", lambda *a: written.append(a))
    quality_adaptation.main(["--smoke", "--methods", "adda"])
    out = capsys.readouterr().out
    for rate in quality_adaptation.ADDA_CANDIDATES:
        for steps in (2, 5, 8, 10):  # ADDA_CHECKPOINTS of the smoke run's 10 steps
            assert f"ADDA selection: learning_rate={rate} after {steps} steps" in out
    assert "ADDA chosen learning_rate" in out and "seed 0 adda: target test" in out
    assert "before adaptation" in out and "max_lambda" not in out  # DANN not run
    assert "smoke run: nothing written" in out and not written


def test_unknown_methods_are_refused():
    with pytest.raises(SystemExit, match="--methods takes a comma list of dann, adda"):
        quality_adaptation.main(["--smoke", "--methods", "cycada"])


def test_simgan_smoke_reports_change_and_realism_and_writes_nothing(tfds_dir, capsys, monkeypatch):
    written = []
    monkeypatch.setattr(quality_adaptation, "write_result", lambda *a: written.append(a))
    quality_adaptation.main(["--smoke", "--methods", "simgan"])
    out = capsys.readouterr().out
    for weight in quality_adaptation.SIMGAN_CANDIDATES:
        assert f"SimGAN selection: self_regularization={weight} target validation" in out
    assert "SimGAN chosen self_regularization" in out and "seed 0 simgan: target test" in out
    assert "mean per-pixel change" in out and "realism (judge)" in out
    assert "smoke run: nothing written" in out and not written
