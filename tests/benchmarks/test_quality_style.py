"""benchmarks/quality_style.py on a tiny setting (the choice on validation
content, Gatys and the fast pipeline, speed), and its renderer in docs/style.md."""

import os

import numpy as np
import quality_style
from renderers import style as renderer

TINY = {
    **quality_style.SMOKE,
    "contents": ["astronaut", "rocket"],
    "size": 16,
    "style_size": 16,
    "candidate_style_weights": [100.0, 1000.0],
    "fast_style_weights": [10.0, 100.0],
    "validation_steps": 2,
    "steps": 2,
    "speed_sizes": [16],
    "speed_batch": 2,
}


def test_validation_and_measured_content_are_disjoint_rows():
    validation = quality_style.content_images(TINY, "train")
    measured = quality_style.content_images(TINY, "test")
    assert validation.shape == measured.shape == (2, 16, 16, 3)
    assert not np.allclose(validation, measured)


def test_tiny_measurement_and_rendering(tfds_dir, monkeypatch):
    written = (
        set(os.listdir(quality_style.RESULTS)) if os.path.isdir(quality_style.RESULTS) else set()
    )
    result, figure = quality_style.measure(TINY, smoke=True)
    assert result["extractor"] == "random_texture"
    choice = result["choices"]["brick"]
    assert choice["style_weight"] in TINY["candidate_style_weights"]
    assert set(choice["candidates"]) == {"100", "1000"}
    assert set(result["pairs"]) == {"astronaut/brick", "rocket/brick"}
    fast_choice = result["fast_choices"]["brick"]
    assert set(fast_choice["candidates"]) == {"10", "100"}
    assert fast_choice["style_weight"] in (10.0, 100.0)
    assert all(row["transfer_ratio"] > 0 for row in fast_choice["candidates"].values())
    assert result["fast_test_crops"]["brick"]["transfer_ratio"] > 0
    pair = result["pairs"]["astronaut/brick"]
    assert pair["before"]["content"] == 0.0 and pair["fast_over_gatys"] > 0
    assert result["images_per_second"]["brick"]["16"] > 0
    assert set(figure) == {"content", "style", "brick: Gatys", "brick: fast"}
    assert figure["brick: fast"].shape == (2, 16, 16, 3)
    now = set(os.listdir(quality_style.RESULTS)) if os.path.isdir(quality_style.RESULTS) else set()
    assert now == written  # measuring writes nothing

    monkeypatch.setattr(renderer, "load", lambda name: None)
    assert "Not measured yet" in renderer.style_section()
    assert renderer.headline() == "not measured"
    stored = {
        **result,
        "settings": TINY,
        "plot": "benchmarks/results/quality_style.png",
        "command": "benchmarks/quality_style.py",
    }
    monkeypatch.setattr(renderer, "load", lambda name: stored)
    monkeypatch.setattr(renderer, "stamp", lambda r: "stamp")
    text = renderer.style_section()
    assert "| brick |" in text and "quality_style.png" in text
    assert "total loss" in renderer.headline()
