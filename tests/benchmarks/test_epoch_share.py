"""benchmarks/epoch_share.py: the pipeline epoch against its step alone and its
input alone, through the pipeline's own stages (smoke: nothing written); its
renderer section."""

import epoch_share
from renderers import speed


def test_smoke_measures_every_part_and_writes_nothing(monkeypatch, capsys, refuse_writes):
    refuse_writes()
    results = []
    measure = epoch_share.measure
    monkeypatch.setattr(
        epoch_share, "measure", lambda *a: results.append(measure(*a)) or results[0]
    )
    epoch_share.main(["--smoke", "--allow-dirty"])
    out = capsys.readouterr().out
    assert "input-bound share of an epoch" in out and "smoke run: nothing written" in out
    (r,) = results
    assert r["images"] == 512 and r["steps"] == 512 // r["batch_size"]
    assert set(r["median_s"]) == {"pipeline", "step_alone", "input_alone", "read", "shuffle_batch"}
    assert all(v > 0 for v in r["median_s"].values())
    assert 0.0 <= r["input_share"] < 1.0 and len(r["input_share_rounds"]) == r["rounds"]
    assert str(r["shuffle_buffer"]) in r["shuffle_windows_images_per_s"]


def test_renderer_not_measured_then_the_table(monkeypatch):
    monkeypatch.setattr(speed, "load", lambda name: None)
    assert "Not measured yet" in speed.input_share_section()
    result = {
        "date": "2026-12-07",
        "commit": "abc1234",
        "dirty": False,
        "tensorflow": "2.21.0",
        "cpu_count": 2,
        "pipeline": "rotation_fashion_mnist",
        "images": 12000,
        "steps": 187,
        "batch_size": 64,
        "rounds": 3,
        "first_epoch_s": 50.0,
        "images_per_s": {
            "pipeline": 250.0,
            "step_alone": 260.0,
            "input_alone": 5000.0,
            "read": 20000.0,
            "shuffle_batch": 90000.0,
        },
        "input_share": 1 - 250 / 260,
        "shuffle_buffer": 60000,
        "shuffle_windows_images_per_s": {"60000": 90000.0, "10000": 95000.0},
    }
    monkeypatch.setattr(speed, "load", lambda name: result if name == "epoch_share" else None)
    text = speed.input_share_section()
    assert "**3.8%**" in text and "✓" in text and "(rounds" not in text  # an older result
    result["input_share_rounds"] = [0.01, 0.038, 0.09]
    assert "**3.8%** (rounds 1.0 to 9.0%)" in speed.input_share_section()
    assert "shuffle window 10,000" in text and "abc1234" in text
    result["input_share"] = 0.2
    assert "✗" in speed.input_share_section()
