"""benchmarks/quality_adversarial.py --smoke: both tiny pipelines through the
journal (run directories and exports kept there), the pictures, no result."""

import json
import os

import quality_adversarial


def test_smoke_runs_both_classifiers_draws_the_pictures_and_writes_nothing(
    refuse_writes, capsys, tmp_path, monkeypatch
):
    refuse_writes(quality_adversarial)
    monkeypatch.chdir(tmp_path)
    quality_adversarial.main(["--smoke"])
    out = capsys.readouterr().out
    written = out.split("smoke run: wrote ", 1)[1].split(" and pictures", 1)[0]
    with open(written) as f:
        payload = json.load(f)
    assert set(payload["runs"]["0"]) == {"standard", "adversarial"}
    for model in ("standard", "adversarial"):
        robust = payload["runs"]["0"][model]["robust"]
        assert 0.0 <= robust["clean_accuracy"] <= 1.0
    assert payload["journal"]["sessions"] == 1
    for picture in payload["pictures"].values():
        assert os.path.isfile(os.path.join(os.path.dirname(written), picture))
