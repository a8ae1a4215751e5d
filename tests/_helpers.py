"""Helpers shared by the tests (importable as `_helpers`: pyproject.toml puts tests/ on
the pytest `pythonpath`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn import pipeline
from tfxlearn.evaluation.eval_data import EvalData

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_pipeline(config: dict, tmp_path) -> tuple:
    """Runs `config` quietly into `tmp_path/run`, exporting under
    `tmp_path/saved_models`; returns (the `pipeline.run` result, the run's
    metrics.json read back as a dict)."""
    result = pipeline.run(
        config,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    return result, json.loads((tmp_path / "run" / "metrics.json").read_text())


def tiny_rotation_config(min_gain: float = -1.0) -> dict:
    """The rotation pipeline's smoke config on `digits` (8x8), 2 epochs: a whole run in seconds."""
    config = pipeline.load_config("rotation_fashion_mnist", smoke=True)
    config["name"] = "rotation_digits_test"
    config["export"]["model_name"] = "rotation_digits_test"
    config["dataset"].update(name="digits", max_train=256, max_test=200)
    config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16]}
    config["train"].update(epochs=2, batch_size=32, shuffle_buffer=256)
    config["evaluation"].update(
        protocols={"linear_probe": {}, "knn": {"k": 5}},
        supervised_epochs=1,
        blessing={"protocol": "linear_probe", "min_gain_over_random": min_gain},
    )
    return config


# ------------------------------------------------------- SavedModel in a fresh process

_FRESH_PROCESS_CODE = """
import json, sys, numpy as np, tensorflow as tf
path, plan = sys.argv[1], json.loads(sys.argv[2])
loaded = tf.saved_model.load(path)
out = {}
for signature, files in plan.items():
    inputs = {name: tf.constant(np.load(file)) for name, file in files.items()}
    outputs = loaded.signatures[signature](**inputs)
    out[signature] = {key: value.numpy().tolist() for key, value in outputs.items()}
print(json.dumps(out, default=lambda b: b.decode("utf-8")))  # string outputs: UTF-8
assert "tfxlearn" not in sys.modules
"""


def fresh_process_outputs(path: str, calls: dict, env: dict, workdir) -> dict:
    """Calls signatures of the SavedModel at `path` in a child Python process that
    loads it with plain TensorFlow and never imports tfxlearn (as TF Serving does;
    the child asserts it), and returns what they gave.

    Args:
        path: the exported SavedModel directory.
        calls: `{signature name: {input name: array}}`, e.g.
            `{"serving_default": {"images": images}}`.
        env: the child's environment (the `subprocess_env` fixture).
        workdir: a directory (`tmp_path`) for the input files; the child runs there.

    Returns:
        `{signature name: {output name: np.ndarray}}` (string outputs as str).
    """
    plan = {}
    for i, (signature, inputs) in enumerate(calls.items()):
        plan[signature] = {}
        for j, (name, value) in enumerate(inputs.items()):
            file = os.path.join(str(workdir), f"fresh_process_input_{i}_{j}.npy")
            np.save(file, np.asarray(value))
            plan[signature][name] = file
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS_CODE, str(path), json.dumps(plan)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=str(workdir),
    )
    got = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        signature: {key: np.asarray(value) for key, value in outputs.items()}
        for signature, outputs in got.items()
    }


# ------------------------------------------------ audio-visual toy problem (L3-Net, AVE-Net)

SAMPLES = 1_600


def audio_net(norm="group"):
    frontend = tfxlearn.nets.LogMel(16_000, 16, name="log_mel")
    body = tfxlearn.nets.conv_encoder((8, 16, 1), widths=(8, 16), norm=norm, name="audio_conv")
    waveforms = keras.Input((SAMPLES,), name="audio")
    return keras.Model(waveforms, body(frontend(waveforms)), name="audio_encoder")


def image_net(norm="group"):
    return tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16), norm=norm)


def toy_examples(n=64, classes=4, seed=0):
    """Class c: an 8x8 image with a bright row c (plus noise) and a tone at
    (400 + 300 c) Hz (random phase and level): image and audio agree only in class."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    images = rng.integers(0, 60, (n, 8, 8, 1)).astype(np.uint8)
    images[np.arange(n), 2 * labels] = 255
    t = np.arange(SAMPLES) / 16_000
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    level = rng.uniform(0.2, 0.8, (n, 1))
    audio = level * np.sin(2 * np.pi * (400 + 300 * labels[:, None]) * t + phase)
    audio = (audio + 0.05 * rng.standard_normal(audio.shape)).astype(np.float32)
    return {"image": images, "audio": audio, "label": labels, "index": np.arange(n)}


def toy_pairs(n=64, batch=16, seed=0, repeat=1):
    ex = toy_examples(n, seed=seed)
    ds = tf.data.Dataset.from_tensor_slices({k: ex[k] for k in ("image", "audio", "index")})
    return tfxlearn.pretext.audio_visual_correspondence(ds.repeat(repeat).batch(batch), seed=seed)


def toy_eval_data(monkeypatch, seed=1):
    """An EvalData whose test split is freshly drawn toy examples."""
    ex = toy_examples(64, seed=seed)

    def fake_load(name, split, data_dir=None):
        return tf.data.Dataset.from_tensor_slices(
            {"image": ex["image"], "audio": ex["audio"], "label": ex["label"]}
        )

    monkeypatch.setattr(tfxlearn.evaluation.audio_visual.tfx_data, "load", fake_load)
    return EvalData("toy")


# ------------------------------------------------------------------------- tiny images


def uint8_images(batch: int = 6, size: int = 28, channels: int = 1, *, low: int = 0, seed: int = 0):
    """`batch` random square uint8 images (NHWC), pixels uniform in [low, 255].

    A test file fixes its own defaults once: `_images = partial(uint8_images, size=5)`."""
    rng = np.random.default_rng(seed)
    return rng.integers(low, 256, size=(batch, size, size, channels)).astype(np.uint8)


def unit_images(n: int = 8, shape: tuple[int, ...] = (8, 8, 1), seed: int = 0) -> np.ndarray:
    """`n` random float32 images of `shape`, pixels uniform in [0, 1)."""
    return np.random.default_rng(seed).uniform(size=(n, *shape)).astype(np.float32)


def coordinate_images(batch: int = 4, height: int = 28, width: int = 28) -> np.ndarray:
    """Float images whose pixel (y, x) holds (y, x): a tile's or patch's first pixel is its
    corner, so where a crop came from can be read off it."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    image = np.stack([rows, cols], axis=-1).astype(np.float32)
    return np.repeat(image[None], batch, axis=0)


def partly_labelled(labels, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A semi-supervised batch: `n` unit images, the first `len(labels)` labelled with
    `labels`, the rest -1 (unlabelled)."""
    full = np.full(n, -1, np.int32)
    full[: len(labels)] = labels
    return unit_images(n), full


def clip_dataset(clips, batch: int = 3) -> tf.data.Dataset:
    """Batches of TFDS-like video elements `{"image": clips, "index": int64}` from an array
    of clips `[count, frames, height, width, channels]`."""
    return tf.data.Dataset.from_tensor_slices(
        {"image": clips, "index": np.arange(len(clips), dtype=np.int64)}
    ).batch(batch)
