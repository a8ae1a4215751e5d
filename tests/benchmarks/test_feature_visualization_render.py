"""benchmarks/feature_visualization.py's summary (mean ± sd over seeds) and its
renderer in docs/visualize.md."""

import feature_visualization
from renderers import visualize as renderer


def _seed_result(seed, p_a):
    condition = {
        "p_a": p_a,
        "p_a_per_class": [p_a, p_a],
        "classes_reaching_target": 2 if p_a >= 0.99 else 0,
        "p_b": 0.2,
        "p_b_per_class": [0.2, 0.2],
        "b_accuracy": 0.5,
    }
    return {
        "seed": seed,
        "validation_accuracy": {"a": 0.9, "b": 0.88},
        "conditions": {"noise start": dict(condition, p_a=0.1), "pixel, unregularized": condition},
        "channels": {
            "layer": "block2_conv0",
            "rows": [{"channel": 0, "optimized": 4.0, "real_max": 2.0}],
        },
        "diversity": {
            "without": {"mean_cosine": 0.9, "per_class": [0.9]},
            "with diversity term": {"mean_cosine": 0.5, "per_class": [0.5]},
        },
    }


def test_summary_and_rendering(monkeypatch):
    per_seed = [_seed_result(0, 0.995), _seed_result(1, 0.985)]
    summary = feature_visualization.summarize(per_seed)
    row = summary["conditions"]["pixel, unregularized"]
    assert abs(row["p_a"]["mean"] - 0.99) < 1e-9 and row["p_a"]["sd"] > 0
    assert row["classes_reaching_target"]["mean"] == 1.0
    assert summary["channels_above_real_max"]["mean"] == 1.0
    assert summary["channel_margin"]["mean"] == 2.0
    result = {
        "summary": summary,
        "per_seed": per_seed,
        "seeds": [0, 1],
        "target": 0.99,
        "settings": {"diversity_images": 4, "channels": 1},
        "plot": "benchmarks/results/feature_visualization.png",
        "date": "2026-01-01",
        "commit": "abc1234",
        "tensorflow": "2.21.0",
        "cpu_count": 2,
        "command": "benchmarks/feature_visualization.py --seeds 0,1",
    }
    monkeypatch.setattr(renderer, "load", lambda name: result)
    monkeypatch.setattr(renderer, "stamp", lambda r: "stamp")
    text = renderer.feature_visualization_section()
    assert "| pixel, unregularized | 0.990 ± 0.007 | 1.0 ± 1.4 | 0.200 | 0.500 |" in text
    assert (
        "validation images in 1.0 of 1 channels; mean margin (optimized minus real maximum) 2.00"
        in text
    )
    assert "without 0.900; with diversity term 0.500" in text
    assert "](benchmarks/results/feature_visualization.png)" in text


def test_not_measured_yet_gives_the_command(monkeypatch):
    monkeypatch.setattr(renderer, "load", lambda name: None)
    text = renderer.feature_visualization_section()
    assert text.startswith("_Not measured yet") and renderer.COMMAND in text
