"""Models to visualize from files: a `.keras` file or a TF Serving SavedModel export.

A pipeline's run directory is loaded by `tfxlearn.pipeline.load_trained` (the
pipeline package builds paradigms; this package does not import it).
"""

from __future__ import annotations

import os

import keras

from tfxlearn.export import SIGNATURE_KEY, image_signature_input, saved_model_dir


def load_model(path: str) -> keras.Model:
    """A Keras model to visualize, from `path`:

    - a `.keras` (or `.h5`) file: `keras.saving.load_model(path, compile=False)`;
    - a SavedModel directory (e.g. `saved_models/<name>/<version>`, a tfxlearn
      export): a functional model around its `serving_default` signature
      (`keras.layers.TFSMLayer`) whose outputs are layers named after the
      signature's outputs (`logits`, `embedding`, ...), so objectives can name
      them (`channel:embedding/3`); its inner layers are not reachable;
    - a TF Serving model directory (`saved_models/<name>`): its highest version.

    Raises:
        ValueError: `path` is none of these (the message says what was found).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file or directory path, got {type(path).__name__}")
    path = os.fspath(path)
    if os.path.isfile(path):
        if not path.endswith((".keras", ".h5")):
            raise ValueError(f"path {path!r} is a file but not a .keras / .h5 Keras model file")
        return keras.saving.load_model(path, compile=False)
    if not os.path.isdir(path):
        raise ValueError(f"path {path!r} does not exist")
    found = saved_model_dir(path)
    if found is None:
        raise ValueError(
            f"path {path!r} is a directory without saved_model.pb (nor numeric version "
            "directories holding one): expected a SavedModel, a TF Serving model "
            "directory, a .keras file or (for the CLI) a pipeline run directory"
        )
    path = found
    return _saved_model(path)


def _saved_model(path: str) -> keras.Model:
    _, input_name, spec = image_signature_input(path, "visualization")
    inputs = keras.Input(shape=tuple(spec.shape[1:]), name=input_name, dtype=spec.dtype)
    layer = keras.layers.TFSMLayer(path, call_endpoint=SIGNATURE_KEY, name="saved_model")
    outputs = layer(inputs)
    named = {key: keras.layers.Identity(name=key)(value) for key, value in sorted(outputs.items())}
    return keras.Model(inputs, named, name=os.path.basename(os.path.dirname(path)) or "saved_model")
