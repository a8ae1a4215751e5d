"""benchmarks/precision.py: the bfloat16-vs-float32 check of `train.precision`
(a real smoke run on the validation carve, nothing written; the paired summary on
hand-made runs)."""

import common
import precision
import pytest


def test_smoke_runs_both_precisions_on_the_carve_and_writes_nothing(refuse_writes, capsys):
    refuse_writes()
    payload = precision.main(["--smoke", "--seeds", "0"])
    assert [r["precision"] for r in payload["runs"]] == ["float32", "mixed_bfloat16"]
    for row in payload["runs"]:
        assert 0.0 <= row["validation"]["linear_probe"] <= 1.0 and row["trainer_seconds"] > 0
    assert "smoke run: nothing written" in capsys.readouterr().out


def _fake_run(scores):
    def run(config):
        seed, p = config["seed"], config["train"]["precision"]
        probe, seconds = scores[(seed, p)]
        return {
            "config": config,
            "results": {
                "rotation": {"linear_probe": {"accuracy": probe}, "knn": {"accuracy": 0.5}}
            },
            "seconds": {"trainer": seconds},
        }

    return run


def test_summary_pairs_seeds_and_applies_the_target(monkeypatch):
    monkeypatch.setattr(common, "write_result", lambda *a, **k: None)
    scores = {
        (0, "float32"): (0.850, 300.0),
        (0, "mixed_bfloat16"): (0.848, 100.0),
        (1, "float32"): (0.860, 300.0),
        (1, "mixed_bfloat16"): (0.854, 150.0),
    }
    payload = precision.main(["--seeds", "0,1"], run=_fake_run(scores))
    order = [(r["seed"], r["precision"]) for r in payload["runs"]]
    assert order == [(0, "float32"), (0, "mixed_bfloat16"), (1, "mixed_bfloat16"), (1, "float32")]
    s = payload["summary"]
    assert s["difference"]["linear_probe"]["mean"] == pytest.approx(-0.004)
    assert s["trainer_speedup"]["mean"] == pytest.approx(2.5)
    assert s["meets_target"] is False  # -0.4 points < -0.3
    scores[(1, "mixed_bfloat16")] = (0.860, 150.0)
    assert precision.main(["--seeds", "0,1"], run=_fake_run(scores))["summary"]["meets_target"]


def test_the_result_renders_with_the_paired_difference_and_the_verdict(tmp_path, monkeypatch):
    import json

    from renderers import common as render_common
    from renderers import speed

    scores = {(0, "float32"): (0.850, 300.0), (0, "mixed_bfloat16"): (0.849, 120.0)}
    monkeypatch.setattr(common, "write_result", lambda *a, **k: None)
    payload = precision.main(["--seeds", "0"], run=_fake_run(scores))
    stamped = {**common.provenance(), **payload}
    (tmp_path / "precision_rotation_fashion_mnist.json").write_text(json.dumps(stamped))
    monkeypatch.setattr(render_common, "RESULTS", str(tmp_path))
    body = speed.precision_section()
    assert "**-0.10 ± 0.00**" in body and "2.50x float32's speed" in body and "✓" in body
