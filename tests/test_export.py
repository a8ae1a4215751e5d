"""Tests of the TF Serving SavedModel export (docs/architecture.md section 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from functools import partial

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import unit_images

import tfxlearn
from tfxlearn import export

IMAGE_SHAPE = (8, 8, 1)


def _tiny_rotation(name: str | None = None) -> keras.Model:
    encoder = tfxlearn.nets.conv_encoder(input_shape=IMAGE_SHAPE, widths=(4, 8))
    model = tfxlearn.paradigms.get("rotation")(encoder=encoder, name=name)
    model(tf.zeros((2, *IMAGE_SHAPE)))  # build
    return model


_images = partial(unit_images, shape=IMAGE_SHAPE)


def _hidden_entries(directory: str) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith(".")]


@pytest.fixture
def model() -> keras.Model:
    return _tiny_rotation()


@pytest.mark.slow
def test_saved_model_cli_shows_named_signature(model, tmp_path, subprocess_env):
    path = export.export_saved_model(model, tmp_path)
    assert path == os.path.join(str(tmp_path), model.name, "1")
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "show", "--all", "--dir", path],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout
    section = out[out.index("signature_def['serving_default']") :]
    section = section[: section.index("Method name is")]
    assert "inputs['images'] tensor_info:" in section
    images_info = section[section.index("inputs['images']") :]
    assert "dtype: DT_FLOAT" in images_info.splitlines()[1]
    assert "shape: (-1, 8, 8, 1)" in images_info.splitlines()[2]
    assert section.count("inputs[") == 1
    assert "outputs['embedding'] tensor_info:" in section
    assert "outputs['logits'] tensor_info:" in section
    assert "shape: (-1, 4)" in section[section.index("outputs['logits']") :]


@pytest.mark.slow
def test_loads_in_a_fresh_process_without_tfxlearn(model, tmp_path, subprocess_env):
    path = export.export_saved_model(model, tmp_path / "models")
    x = _images()
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import tensorflow as tf

        path, work = sys.argv[1], sys.argv[2]
        loaded = tf.saved_model.load(path)
        fn = loaded.signatures["serving_default"]
        outputs = fn(images=tf.constant(np.load(work + "/x.npy")))
        assert "tfxlearn" not in sys.modules, "tfxlearn was imported"
        assert sorted(outputs) == ["embedding", "logits"], sorted(outputs)
        for name, value in outputs.items():
            np.save(f"{work}/{name}.npy", value.numpy())
        """
    )
    subprocess.run(
        [sys.executable, "-c", script, path, str(tmp_path)],
        env=subprocess_env,
        cwd=str(tmp_path),  # not the repo: nothing importable by accident
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    expected = model.serving_outputs(tf.constant(x))
    for name in ("embedding", "logits"):
        got = np.load(tmp_path / f"{name}.npy")
        np.testing.assert_allclose(got, np.asarray(expected[name]), atol=1e-5)


def test_serving_runs_in_inference_mode(model, tmp_path):
    # Non-trivial BatchNorm moving statistics make training and inference differ.
    for layer in model.encoder.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 0.3, np.float32))
            layer.moving_variance.assign(np.full(layer.moving_variance.shape, 4.0, np.float32))
    x = tf.constant(_images(8))
    fn = export.load_serving_fn(export.export_saved_model(model, tmp_path))
    got = fn(images=x)["embedding"].numpy()
    inference = model.encoder(x, training=False).numpy()
    training = model.encoder(x, training=True).numpy()  # (updates stats: compute last)
    np.testing.assert_allclose(got, inference, atol=1e-5)
    assert not np.allclose(got, training, atol=1e-3)


def test_metadata_describes_the_signature(model, tmp_path):
    path = export.export_saved_model(model, tmp_path, model_name="rot")
    with open(os.path.join(path, "assets.extra", "tfxlearn.json")) as f:
        meta = json.load(f)
    assert meta["model_class"].endswith(".Rotation")
    assert meta["model_name"] == "rot" and meta["version"] == 1
    assert meta["signature"] == "serving_default"
    assert meta["inputs"] == {"images": {"dtype": "float32", "shape": [-1, 8, 8, 1]}}
    assert meta["outputs"] == {
        "embedding": {"dtype": "float32", "shape": [-1, 8]},
        "logits": {"dtype": "float32", "shape": [-1, 4]},
    }
    assert meta["tfxlearn_version"] == tfxlearn.__version__
    assert meta["tensorflow_version"] == tf.__version__
    assert meta["created"]


def test_versions_are_numbered_and_never_overwritten_silently(model, tmp_path):
    first = export.export_saved_model(model, tmp_path, model_name="m")
    second = export.export_saved_model(model, tmp_path, model_name="m")
    assert os.path.basename(first) == "1" and os.path.basename(second) == "2"

    with pytest.raises(FileExistsError, match=r"overwrite=True"):
        export.export_saved_model(model, tmp_path, model_name="m", version=2)
    with pytest.raises(FileExistsError, match=r"m[/\\]2"):
        export.export_saved_model(model, tmp_path, model_name="m", version=2)

    other = _tiny_rotation()  # different weights
    x = tf.constant(_images())
    replaced = export.export_saved_model(other, tmp_path, model_name="m", version=2, overwrite=True)
    assert replaced == second
    got = export.load_serving_fn(replaced)(images=x)["logits"].numpy()
    np.testing.assert_allclose(got, other.serving_outputs(x)["logits"].numpy(), atol=1e-5)
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "2"]

    assert os.path.basename(export.export_saved_model(model, tmp_path, model_name="m")) == "3"
    assert export.export_saved_model(model, tmp_path, model_name="m", version=10).endswith("10")
    # A model directory loads its highest version.
    assert export.load_serving_fn(tmp_path / "m") is not None


def test_failed_export_leaves_nothing_behind(model, tmp_path, monkeypatch):
    real_write = export._write_saved_model

    def write_then_fail(*args, **kwargs):
        real_write(*args, **kwargs)  # a real, half-finished version on disk
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "_write_saved_model", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        export.export_saved_model(model, tmp_path, model_name="m")
    assert os.listdir(tmp_path / "m") == []


def test_failed_overwrite_keeps_the_old_version(model, tmp_path, monkeypatch):
    path = export.export_saved_model(model, tmp_path, model_name="m")
    before = sorted(os.listdir(path))

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(export, "_write_metadata", fail)
    with pytest.raises(RuntimeError, match="boom"):
        export.export_saved_model(model, tmp_path, model_name="m", version=1, overwrite=True)
    assert os.listdir(tmp_path / "m") == ["1"]
    assert sorted(os.listdir(path)) == before
    assert _hidden_entries(str(tmp_path / "m")) == []


def test_only_standard_ops(model, tmp_path):
    assert export.standard_ops_only(export.export_saved_model(model, tmp_path)) == []


@pytest.mark.parametrize("name", ["", "a b", "../escape", "a/b", "..", "naïve"])
def test_bad_model_name(model, tmp_path, name):
    with pytest.raises(ValueError, match="model_name"):
        export.export_saved_model(model, tmp_path, model_name=name)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("version", [-1, 1.5, "2", True])
def test_bad_version(model, tmp_path, version):
    with pytest.raises(ValueError, match="version"):
        export.export_saved_model(model, tmp_path, model_name="m", version=version)


def test_plain_keras_model(tmp_path):
    encoder = tfxlearn.nets.conv_encoder(input_shape=IMAGE_SHAPE, widths=(4,))
    fn = export.load_serving_fn(export.export_saved_model(encoder, tmp_path))
    x = tf.constant(_images())
    outputs = fn(images=x)
    assert list(outputs) == ["output"]
    np.testing.assert_allclose(outputs["output"], encoder(x, training=False), atol=1e-5)


def test_rejects_what_it_cannot_serve(tmp_path):
    with pytest.raises(TypeError, match="keras.Model"):
        export.export_saved_model(object(), tmp_path)
    inputs = [keras.Input((3,)), keras.Input((4,))]
    two_inputs = keras.Model(inputs, keras.layers.Concatenate()(inputs))
    with pytest.raises(TypeError, match="one image input"):
        export.export_saved_model(two_inputs, tmp_path)


def _rest_bodies(x_uint8: np.ndarray) -> dict[str, str]:
    """TF Serving REST `:predict` request bodies, built as a client builds them."""
    import base64

    pngs = [tf.io.encode_png(image).numpy() for image in x_uint8]
    return {
        "serving_default": json.dumps(
            {"signature_name": "serving_default", "instances": (x_uint8 / 255.0).tolist()}
        ),
        "serving_uint8": json.dumps(
            {"signature_name": "serving_uint8", "instances": x_uint8.tolist()}
        ),
        "serving_bytes": json.dumps(
            {
                "signature_name": "serving_bytes",
                "instances": [{"b64": base64.b64encode(png).decode("ascii")} for png in pngs],
            }
        ),
    }


@pytest.mark.slow
def test_pixel_signatures_serve_rest_bodies_like_the_float_path(model, tmp_path, subprocess_env):
    path = export.export_saved_model(model, tmp_path / "models")
    x = np.random.default_rng(1).integers(0, 256, (4, *IMAGE_SHAPE)).astype(np.uint8)
    for name, body in _rest_bodies(x).items():
        (tmp_path / f"{name}.json").write_text(body)
    # What TF Serving's REST API does with a row-format body: the instances become
    # the batch of the signature's single input, {"b64": ...} becomes bytes.
    script = textwrap.dedent(
        """
        import base64, json, sys
        import numpy as np
        import tensorflow as tf

        path, work = sys.argv[1], sys.argv[2]
        loaded = tf.saved_model.load(path)
        for name, dtype in [("serving_default", tf.float32), ("serving_uint8", tf.uint8),
                            ("serving_bytes", tf.string)]:
            body = json.load(open(f"{work}/{name}.json"))
            fn = loaded.signatures[body["signature_name"]]
            rows = body["instances"]
            if dtype == tf.string:
                batch = tf.constant([base64.b64decode(r["b64"]) for r in rows])
            else:
                batch = tf.constant(np.asarray(rows), dtype)
            out = fn(images=batch)
            np.save(f"{work}/{name}_embedding.npy", out["embedding"].numpy())
        assert "tfxlearn" not in sys.modules
        """
    )
    subprocess.run(
        [sys.executable, "-c", script, path, str(tmp_path)],
        env=subprocess_env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    want = np.load(tmp_path / "serving_default_embedding.npy")
    expected = model.serving_outputs(tf.constant(x / 255.0, tf.float32))["embedding"]
    np.testing.assert_allclose(want, np.asarray(expected), atol=1e-5)
    for name in ("serving_uint8", "serving_bytes"):
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_embedding.npy"), want, atol=1e-5)
    with open(os.path.join(path, export.METADATA_PATH)) as f:
        metadata = json.load(f)
    assert metadata["pixel_signatures"]["serving_bytes"]["images"]["dtype"] == "string"
    assert export.standard_ops_only(path) == []


def test_encoded_images_of_another_size_are_resized_in_the_graph(model, tmp_path):
    path = export.export_saved_model(model, tmp_path)
    loaded = tf.saved_model.load(path)
    big = np.full((16, 16, 3), 255, np.uint8)  # RGB, twice the size: gray and resized
    out = loaded.signatures["serving_bytes"](images=tf.constant([tf.io.encode_jpeg(big).numpy()]))
    ones = model.serving_outputs(tf.ones((1, *IMAGE_SHAPE)))["embedding"]
    np.testing.assert_allclose(out["embedding"], np.asarray(ones), atol=1e-3)


@pytest.mark.slow
def test_saved_model_cli_runs_the_uint8_signature(model, tmp_path, subprocess_env):
    path = export.export_saved_model(model, tmp_path)
    np.save(tmp_path / "pixels.npy", np.full((2, *IMAGE_SHAPE), 255, np.uint8))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    command = [cli, "run", "--dir", path, "--tag_set", "serve"]
    result = subprocess.run(
        [*command, "--signature_def", "serving_uint8", "--inputs", "images=pixels.npy"],
        cwd=str(tmp_path),
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Result for output key embedding" in result.stdout


def test_models_not_served_on_images_get_no_pixel_signatures(tmp_path):
    gan = tfxlearn.paradigms.get("gan")(
        generator=tfxlearn.nets.dcgan_generator(latent_dim=4, output_shape=(8, 8, 1)),
        discriminator=tfxlearn.nets.dcgan_discriminator(input_shape=(8, 8, 1)),
    )
    gan.sample(2)
    path = export.export_saved_model(gan, tmp_path)
    assert sorted(tf.saved_model.load(path).signatures) == ["serving_default"]


def _signature_model(tmp_path, name, specs, with_default=True):
    """A SavedModel whose `serving_default` (or only signature) takes `specs`."""
    module = tf.Module()
    module.scale = tf.Variable(2.0)

    @tf.function(input_signature=list(specs.values()))
    def serve(*args):
        return {"out": module.scale * tf.reduce_sum(tf.cast(args[0], tf.float32))}

    path = str(tmp_path / name)
    key = export.SIGNATURE_KEY if with_default else "other"
    tf.saved_model.save(module, path, signatures={key: serve})
    return path


def test_image_signature_input_names_the_one_image_input(tmp_path):
    specs = {"images": tf.TensorSpec([None, 8, 8, 3], tf.float32, name="images")}
    signature, name, spec = export.image_signature_input(
        _signature_model(tmp_path, "ok", specs), "an encoder"
    )
    assert name == "images" and spec.shape.as_list() == [None, 8, 8, 3]
    out = signature(images=tf.ones([1, 8, 8, 3]))["out"]  # the variables are kept alive
    assert float(out) == 2.0 * 8 * 8 * 3


@pytest.mark.parametrize(
    "specs, with_default, words",
    [
        (
            {"x": tf.TensorSpec([None, 8, 8, 3], tf.float32, name="x")},
            False,
            "no 'serving_default'",
        ),
        (
            {
                "a": tf.TensorSpec([None, 8, 8, 3], tf.float32, name="a"),
                "b": tf.TensorSpec([None, 8, 8, 3], tf.float32, name="b"),
            },
            True,
            r"takes \['a', 'b'\]; visualization takes one input",
        ),
        ({"x": tf.TensorSpec([None, 8], tf.float32, name="x")}, True, "visualization needs images"),
        ({"x": tf.TensorSpec([None, None, None, 3], tf.float32, name="x")}, True, "fixed size"),
    ],
)
def test_image_signature_input_refuses_what_is_not_one_image_input(
    tmp_path, specs, with_default, words
):
    path = _signature_model(tmp_path, "bad", specs, with_default)
    with pytest.raises(ValueError, match=words):
        export.image_signature_input(path, "visualization")
