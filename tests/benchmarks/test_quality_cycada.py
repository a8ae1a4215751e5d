"""benchmarks/quality_cycada.py --smoke: CyCADA's stages on tiny data and nets, the
feature stage chosen on the labelled target validation carve (or none), the
baselines and the gap, writing nothing."""

import quality_cycada


def test_smoke_selects_on_validation_reports_the_gap_and_writes_nothing(
    tfds_dir, capsys, monkeypatch
):
    written = []
    monkeypatch.setattr(quality_cycada, "write_result", lambda *a: written.append(a))
    quality_cycada.main(["--smoke"])
    out = capsys.readouterr().out
    assert "CyCADA selection: feature stage 0@0: validation" in out
    rate = quality_cycada.ADDA_CANDIDATES[0]
    assert f"CyCADA selection: feature stage {rate}@1: validation" in out
    assert f"CyCADA selection: feature stage {rate}@2: validation" in out
    assert "CyCADA chosen feature stage" in out
    assert "seed 0: source-only" in out and "pixel level" in out and "gap closed" in out
    assert "smoke run: nothing written" in out and not written
