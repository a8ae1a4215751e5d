"""The README's Python examples run as written, on a slice of the data.

Each ```python block of README.md is executed in order (later blocks use names
from earlier ones, as a reader pasting them would), in a temporary directory,
after size substitutions that keep the test fast: the Fashion-MNIST training
split becomes its first 256 images, the probe's EvalData gets `max_train` /
`max_test`, and the video example uses the `tiny` moving_digits (32 clips of 8
frames) for `small`. A substitution that no longer matches as often as expected
fails the test, so an edit to the README cannot silently bypass it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re

import numpy as np
import tensorflow as tf
from _helpers import REPO

# (text in the README, what the test runs instead, how often the README has it)
SMALLER = (
    ('"fashion_mnist", split="train")', '"fashion_mnist", split="train[:256]")', 1),
    (
        'EvalData("fashion_mnist")',
        'EvalData("fashion_mnist", max_train=500, max_test=200)',
        1,
    ),
    ('"moving_digits/small"', '"moving_digits/tiny"', 2),
)


def readme_python() -> list[str]:
    with open(os.path.join(REPO, "README.md")) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


def _image_folder(root, per_class: int = 40) -> None:
    """The README's `my_images`: train/ and test/ with two classes of RGB PNGs of
    several sizes (dark and light squares with noise)."""
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for c, name in enumerate(("dark", "light")):
            os.makedirs(root / split / name)
            for k in range(per_class):
                side = 24 + k % 3 * 8
                pixels = rng.normal(60 + 130 * c, 30, (side, side, 3)).clip(0, 255)
                png = tf.io.encode_png(pixels.astype(np.uint8))
                tf.io.write_file(str(root / split / name / f"{k}.png"), png)


def test_readme_python_examples_run_and_export_servable_models(tmp_path, monkeypatch):
    blocks = readme_python()
    assert len(blocks) >= 4, "README.md lost its Python examples"
    code = "\n".join(blocks)
    for old, new, count in SMALLER:
        assert code.count(old) == count, f"README examples should contain {old!r} {count}x"
        code = code.replace(old, new)
    monkeypatch.chdir(tmp_path)
    _image_folder(tmp_path / "my_images")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    # The probe's result was printed: a dict with a test accuracy in [0, 1].
    accuracy = re.search(r"'accuracy': ([0-9.]+)", out.getvalue())
    assert accuracy and 0.0 <= float(accuracy.group(1)) <= 1.0, out.getvalue()[-2000:]
    # The exports are where the comments say, and serve.
    rotation = tf.saved_model.load(str(tmp_path / "saved_models" / "my_rotation" / "1"))
    images = tf.zeros([2, 28, 28, 1], tf.float32)
    served = rotation.signatures["serving_default"](images=images)
    assert all(v.shape[0] == 2 for v in served.values()), {k: v.shape for k, v in served.items()}
    gan = tf.saved_model.load(str(tmp_path / "saved_models" / "my_gan" / "1"))
    samples = gan.signatures["serving_default"](latent=tf.zeros([3, 64]))
    (images,) = samples.values()
    assert images.shape == (3, 28, 28, 1)
    o3n = tf.saved_model.load(str(tmp_path / "saved_models" / "my_o3n" / "1"))
    served = o3n.signatures["serving_default"](images=tf.zeros([2, 32, 32, 1], tf.float32))
    assert served["embedding"].shape[0] == 2, {k: v.shape for k, v in served.items()}
    # The probes printed a test accuracy (Fashion-MNIST's, the clip direction's, and
    # the kNN on the folder of images).
    assert len(re.findall(r"'accuracy': [0-9.]+", out.getvalue())) >= 3, out.getvalue()[-2000:]
