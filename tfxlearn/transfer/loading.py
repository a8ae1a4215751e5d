"""`load_encoder`: an encoder to transfer, from a model, a file, an export or a
`keras.applications` name.

Every encoder returned takes float images in [0, 1] (what tfxlearn's datasets
give after `to_float_images`) and returns a feature vector per image.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from tfxlearn.export import SIGNATURE_KEY, image_signature_input, saved_model_dir
from tfxlearn.keras_private import TrainableSavedModelLayer


@keras.saving.register_keras_serializable(package="tfxlearn")
class ApplicationPreprocessing(keras.layers.Layer):
    """[0, 1] images -> the input a `keras.applications` family expects:
    `keras.applications.<family>.preprocess_input(255 * images)` (for families
    that preprocess inside the model, e.g. MobileNetV3 and EfficientNet, that
    function is the identity on 0-255 pixels).

    Args:
        family: the module name under `keras.applications`, e.g. "resnet",
            "mobilenet_v3".
    """

    def __init__(self, family: str, **kwargs):
        super().__init__(**kwargs)
        module = getattr(keras.applications, family, None)
        if module is None or not callable(getattr(module, "preprocess_input", None)):
            raise ValueError(
                f"family must name a keras.applications module with preprocess_input, "
                f"got {family!r}"
            )
        self.family = family
        self._preprocess = module.preprocess_input

    def call(self, images):
        return self._preprocess(images * 255.0)

    def get_config(self) -> dict:
        return {**super().get_config(), "family": self.family}


def load_encoder(
    source,
    *,
    input_shape: Sequence[int] | None = None,
    weights: str | None = "imagenet",
    resize_to: Sequence[int] | None = None,
    output: str | None = None,
    name: str | None = None,
) -> keras.Model:
    """An encoder to transfer, from `source`:

    - a `keras.Model`: a tfxlearn paradigm (anything with a Keras `encoder`
      attribute) gives its `encoder`; any other model is used as it is;
    - a `.keras` / `.h5` file: loaded with `keras.saving.load_model`, then as above;
    - a SavedModel directory (a tfxlearn export `saved_models/<name>/<version>`,
      or `saved_models/<name>` for its highest version): a functional model
      around its `serving_default` signature (`keras.layers.TFSMLayer`,
      trainable), returning its `output` (default `embedding` when the export
      has it, else its only output). Its batch normalization is the exported
      inference-mode graph: fine-tuning it moves the weights, never the moving
      statistics; it is one block (`encoder_blocks`);
    - a `keras.applications` name, e.g. "MobileNetV3Small", "ResNet50": the
      backbone without its top, with global average pooling, `weights`
      ("imagenet" downloads them, so it needs internet; None: random; or the
      path of a local weights file), preceded by the family's preprocessing
      (`ApplicationPreprocessing`), a resize to `resize_to` (height, width)
      and, for 1-channel `input_shape`, a repeat to 3 channels.

    Args:
        source: one of the above.
        input_shape: (height, width, channels) of the images the encoder takes;
            required for a `keras.applications` name.
        weights: a `keras.applications` backbone's weights (see above).
        resize_to: (height, width) a `keras.applications` backbone sees (most
            need at least 32x32; Fashion-MNIST and digits are 28x28).
        output: the SavedModel output to use as features.
        name: the returned encoder's name (default: from the source).

    Returns:
        A Keras model mapping [0, 1] float images to features.

    Raises:
        ValueError: `source` is none of these, or an argument does not fit it
            (the message names it).
    """
    if isinstance(source, keras.Model):
        return _encoder_of(source)
    if not isinstance(source, str | os.PathLike):
        raise ValueError(
            f"source must be a keras.Model, a .keras file, a SavedModel directory or a "
            f"keras.applications name, got {type(source).__name__}"
        )
    text = os.fspath(source)
    if os.path.isfile(text):
        if not text.endswith((".keras", ".h5")):
            raise ValueError(f"source {text!r} is a file but not a .keras / .h5 Keras model")
        return _encoder_of(keras.saving.load_model(text, compile=False))
    if os.path.isdir(text):
        return _saved_model_encoder(text, output, name)
    if os.sep not in text and callable(getattr(keras.applications, text, None)):
        return _application_encoder(text, input_shape, weights, resize_to, name)
    raise ValueError(
        f"source {text!r} is neither an existing .keras file or SavedModel directory nor a "
        "keras.applications model name (e.g. 'MobileNetV3Small', 'ResNet50')"
    )


def _encoder_of(model: keras.Model) -> keras.Model:
    encoder = getattr(model, "encoder", None)
    return encoder if isinstance(encoder, keras.Model) else model


def _version_dir(path: str) -> str:
    found = saved_model_dir(path)
    if found is None:
        raise ValueError(
            f"source {path!r} is a directory without saved_model.pb (nor numeric version "
            "directories holding one): expected a SavedModel export"
        )
    return found


def _saved_model_encoder(path: str, output: str | None, name: str | None) -> keras.Model:
    path = _version_dir(path)
    signature, input_name, spec = image_signature_input(path, "an encoder")
    outputs = sorted(signature.structured_outputs)
    if output is None:
        if "embedding" in outputs:
            output = "embedding"
        elif len(outputs) == 1:
            output = outputs[0]
        else:
            raise ValueError(
                f"SavedModel {path!r} has outputs {outputs}: pass output=<one of them>"
            )
    if output not in outputs:
        raise ValueError(f"output {output!r} is not an output of {path!r}; it has {outputs}")
    del signature
    model_name = name or os.path.basename(os.path.dirname(os.path.abspath(path))) or "saved_model"
    inputs = keras.Input(shape=tuple(spec.shape[1:]), name=input_name, dtype=spec.dtype)
    layer = TrainableSavedModelLayer(
        path, call_endpoint=SIGNATURE_KEY, trainable=True, name=f"{model_name}_saved_model"
    )
    features = layer(inputs)[output]
    return keras.Model(inputs, features, name=model_name)


def _application_encoder(
    app: str,
    input_shape: Sequence[int] | None,
    weights: str | None,
    resize_to: Sequence[int] | None,
    name: str | None,
) -> keras.Model:
    if input_shape is None or len(tuple(input_shape)) != 3:
        raise ValueError(
            f"input_shape=(height, width, channels) is required for keras.applications "
            f"{app!r}, got {input_shape!r}"
        )
    input_shape = tuple(int(d) for d in input_shape)
    if input_shape[2] not in (1, 3):
        raise ValueError(f"input_shape must have 1 or 3 channels, got {input_shape}")
    size = input_shape[:2] if resize_to is None else tuple(int(d) for d in resize_to)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"resize_to must be (height, width), got {resize_to!r}")
    if weights not in (None, "imagenet") and not os.path.isfile(os.fspath(weights)):
        raise ValueError(
            f"weights must be 'imagenet', None or the path of a local weights file, got {weights!r}"
        )
    factory = getattr(keras.applications, app)
    family = factory.__module__.rsplit(".", 1)[-1]
    try:
        backbone = factory(
            include_top=False, weights=weights, input_shape=(*size, 3), pooling="avg"
        )
    except Exception as e:  # download failures, shape limits: say which argument
        hint = (
            " (weights='imagenet' downloads them: offline, pass weights=None or a local file)"
            if weights == "imagenet"
            else ""
        )
        raise ValueError(f"keras.applications.{app} could not be built: {e}{hint}") from e
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    if size != input_shape[:2]:
        x = keras.layers.Resizing(*size, name="resize")(x)
    if input_shape[2] == 1:
        x = keras.layers.Concatenate(name="gray_to_rgb")([x, x, x])
    x = ApplicationPreprocessing(family, name="preprocess")(x)
    features = backbone(x)
    return keras.Model(inputs, features, name=name or f"{app.lower()}_encoder")


def copy_encoder(encoder: keras.Model) -> keras.Model:
    """A copy of `encoder` with the same weights (`keras.models.clone_model` +
    `set_weights`); a loaded SavedModel layer is reloaded from its path (Keras
    refuses to rebuild one from its config in safe mode).

    Raises:
        ValueError: the model cannot be cloned (e.g. a subclassed model without
            `get_config`).
    """

    def clone(layer):
        if isinstance(layer, keras.layers.TFSMLayer):
            return type(layer)(
                layer.filepath,
                call_endpoint=layer.call_endpoint,
                trainable=layer.trainable,
                name=layer.name,
            )
        return layer.__class__.from_config(layer.get_config())

    try:
        copy = keras.models.clone_model(encoder, clone_function=clone)
    except Exception as e:  # clone_model raises various types for unclonable models
        raise ValueError(
            f"cannot copy encoder {encoder.name!r} with keras.models.clone_model ({e}); "
            "use a functional or Sequential model, or a subclassed model with get_config, "
            "or pass copy=False"
        ) from e
    copy.set_weights(encoder.get_weights())
    return copy
