"""TF Serving SavedModel export (docs/architecture.md section 10).

A trained paradigm becomes a SavedModel that TF Serving (or plain TensorFlow, in
a process that never imports `tfxlearn`) can load:

    path = tfxlearn.export.export_saved_model(model, "saved_models")
    # -> saved_models/<model_name>/<version>/

Layout is TF Serving's: one numeric directory per version under
`<export_root>/<model_name>/`, which is what `--model_base_path` points at. A
version is first written into a hidden temporary directory next to it (TF
Serving ignores non-numeric directories) and renamed into place, so a
half-written version is never visible; an existing version is never replaced
unless `overwrite=True`.

The SavedModel's `serving_default` signature takes by default the input
`images` (float32 `[batch, H, W, C]`, values in [0, 1]). Models served on such
images also get two signatures for what serving clients send (a client posting
0-255 pixels to `serving_default` would get silently wrong outputs):
`serving_uint8` (`images`: uint8 `[batch, H, W, C]`, scaled to [0, 1] in the
graph) and `serving_bytes` (`images`: a `[batch]` string tensor of encoded
PNG / JPEG / GIF / BMP images, decoded to C channels and resized to H x W with
bilinear interpolation in the graph); both return the same outputs as
`serving_default`. A paradigm whose
serving input is not an image batch (a generator takes `latent` vectors, a
conditional one also `labels`) names its inputs in `serving_input_specs()`.
The outputs are the ones the paradigm names in `serving_outputs(**inputs)`
(e.g. `embedding`, `logits`, `images`), computed in inference mode
(BatchNormalization uses its moving statistics - for a model trained under
MirroredStrategy the mean of the replicas' copies, see `nets/replicas.py` -
and dropout is off). Only standard TensorFlow ops are used; `standard_ops_only`
checks that. A description of the signature and the versions it was made with
is written to `assets.extra/tfxlearn.json` (TF Serving ignores `assets.extra`).
"""

from __future__ import annotations

import ctypes
import datetime
import errno
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from tfxlearn._version import __version__
from tfxlearn.atomic import remove_stale_tmp, tmp_dir_name
from tfxlearn.nets.replicas import average_replica_statistics

SIGNATURE_KEY = "serving_default"
"""Name of the exported signature (TF Serving's default)."""

UINT8_SIGNATURE_KEY = "serving_uint8"
"""Signature taking uint8 pixels [batch, H, W, C] (image models only)."""

BYTES_SIGNATURE_KEY = "serving_bytes"
"""Signature taking a [batch] string tensor of encoded images (image models only)."""

INPUT_NAME = "images"
"""Name of the signature's single input."""

METADATA_PATH = os.path.join("assets.extra", "tfxlearn.json")
"""Where, inside a version directory, the export description is written."""

_NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")
_VERSION_RE = re.compile(r"[0-9]+")


def export_saved_model(
    model: keras.Model,
    export_root: str | os.PathLike = "saved_models",
    model_name: str | None = None,
    version: int | None = None,
    overwrite: bool = False,
    metadata: dict | None = None,
) -> str:
    """Exports a model as a TF Serving SavedModel version, atomically.

    Args:
        model: a built tfxlearn paradigm (a `tfxlearn.paradigms.Paradigm`, whose
            `serving_outputs(images)` names the outputs), or a plain
            `keras.Model` with one image input `[batch, H, W, C]` (outputs
            `{"output": model(images)}`, or the model's own dict of outputs).
        export_root: the directory holding one directory per model (TF
            Serving's `--model_base_path` is `<export_root>/<model_name>`).
        model_name: directory name of the model; defaults to `model.name`.
            Must match `[A-Za-z0-9_.-]+`.
        version: a non-negative integer version; defaults to 1 + the highest
            existing numeric version (1 for the first export).
        overwrite: replace `version` if it already exists. On Linux the new and
            the old version directories are exchanged in one atomic step
            (`renameat2(RENAME_EXCHANGE)`), so a reader sees either version and
            never neither; elsewhere the old one is moved aside just before the
            new one is renamed in. The old one is deleted afterwards.
        metadata: extra JSON-serializable entries for `assets.extra/tfxlearn.json`
            (the pipeline records its run there, see `find_version`).

    Returns:
        The path of the written version directory,
        `<export_root>/<model_name>/<version>`.

    Raises:
        TypeError: `model` is neither a paradigm nor a one-image-input Keras model.
        ValueError: `model_name` or `version` is invalid, or the model is not built.
        FileExistsError: the version exists and `overwrite` is False.
    """
    specs, outputs_fn = _serving_parts(model)
    model_name = model.name if model_name is None else model_name
    if not isinstance(model_name, str) or not _NAME_RE.fullmatch(model_name):
        raise ValueError(
            f"model_name must match [A-Za-z0-9_.-]+ (it becomes a directory name), "
            f"got {model_name!r}"
        )
    if model_name in (".", ".."):
        raise ValueError(f"model_name cannot be {model_name!r}")

    model_dir = os.path.join(os.fspath(export_root), model_name)
    os.makedirs(model_dir, exist_ok=True)
    existing = _numeric_versions(model_dir)
    if version is None:
        version = max(existing, default=0) + 1
    elif isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"version must be a non-negative int, got {version!r}")
    final_dir = os.path.join(model_dir, str(version))
    # "001" and "1" are the same version for TF Serving.
    old_dir = os.path.join(model_dir, existing[version]) if version in existing else None
    if old_dir is not None and not overwrite:
        raise FileExistsError(
            f"{old_dir} already exists (version {version} of model {model_name!r}); "
            "pass overwrite=True to replace it, or a new version"
        )

    _ensure_built(model, specs, outputs_fn)
    # A model trained under MirroredStrategy: serve the mean of the replicas'
    # batch-norm statistics, not the first replica's (see nets/replicas.py).
    average_replica_statistics(model)
    remove_stale_tmp(model_dir)  # left by exports that were killed
    tmp_dir = os.path.join(model_dir, tmp_dir_name(str(version)))
    try:
        os.mkdir(tmp_dir)
        signature = _write_saved_model(model, tmp_dir, specs, outputs_fn)
        _write_metadata(model, tmp_dir, model_name, version, signature, metadata or {})
        _fsync_tree(tmp_dir)
        if old_dir is None:
            _rename_into_place(tmp_dir, final_dir)
        else:
            _swap_into_place(tmp_dir, old_dir, final_dir, model_dir, version)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    _fsync_dir(model_dir)
    return final_dir


def saved_model_dir(path: str | os.PathLike) -> str | None:
    """The SavedModel directory `path` names: `path` itself when it holds
    saved_model.pb, else its highest numeric version holding one (a TF Serving
    model directory); None when it is neither."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = _numeric_versions(path) if os.path.isdir(path) else {}
    for version in sorted(versions, reverse=True):
        candidate = os.path.join(path, versions[version])
        if os.path.isfile(os.path.join(candidate, "saved_model.pb")):
            return candidate
    return None


def load_serving_fn(
    path: str | os.PathLike, signature: str = SIGNATURE_KEY
) -> Callable[..., dict[str, tf.Tensor]]:
    """Loads the `serving_default` signature (or another one: `signature`) with
    plain `tf.saved_model.load`.

    Args:
        path: a version directory, or a model directory (then its highest
            numeric version is loaded).
        signature: the signature's name, e.g. "serving_uint8" or a paradigm's
            extra signature such as the Siamese network's "pair_score".

    Returns:
        The signature's concrete function: call it with its named inputs, e.g.
        `fn(images=batch)`; it returns a dict of output tensors. The loaded
        SavedModel object is kept alive as the function's `loaded_model` attribute.
    """
    found = saved_model_dir(path)
    if found is None:
        raise FileNotFoundError(
            f"{os.fspath(path)} holds no saved_model.pb and no numeric version directories "
            "holding one"
        )
    path = found
    loaded = tf.saved_model.load(path)
    if signature not in loaded.signatures:
        raise KeyError(f"{path} has no {signature!r} signature; it has {sorted(loaded.signatures)}")
    fn = loaded.signatures[signature]
    # The signature captures the loaded object's variables; keep it alive with it.
    fn.loaded_model = loaded
    return fn


def image_signature_input(path: str, needs: str) -> tuple[Any, str, tf.TensorSpec]:
    """The `serving_default` signature of the SavedModel directory `path` and its
    one input: (signature, input name, input spec). A ValueError naming `path`
    and what `needs` it (e.g. "an encoder") unless the signature exists and takes
    exactly one input of images [batch, H, W, C] of a fixed size."""
    try:
        signature = load_serving_fn(path)
    except KeyError as error:  # no serving_default: a ValueError like the others here
        raise ValueError(f"SavedModel {path!r}: {error.args[0]}") from None
    specs = signature.structured_input_signature[1]
    if len(specs) != 1:
        raise ValueError(f"SavedModel {path!r} takes {sorted(specs)}; {needs} takes one input")
    ((input_name, spec),) = specs.items()
    if spec.shape.rank != 4 or any(d is None for d in spec.shape[1:]):
        raise ValueError(
            f"SavedModel {path!r} input {input_name!r} has shape {spec.shape}; {needs} "
            "needs images [batch, H, W, C] of a fixed size"
        )
    return signature, input_name, spec


def standard_ops_only(path: str | os.PathLike) -> list[str]:
    """Lists the ops of a SavedModel that are not registered TensorFlow ops.

    Parses `saved_model.pb` and collects the op of every node, in the graphs and
    in their function libraries; calls of library functions are not ops. Every
    op is looked up in TensorFlow's op registry, the ops any TensorFlow runtime
    (TF Serving included) knows without custom kernels.

    Args:
        path: a SavedModel (version) directory.

    Returns:
        The sorted names of the ops not found in the registry; empty when the
        model uses only standard TensorFlow ops.
    """
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.framework import op_def_registry

    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(os.fspath(path), "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    ops: set[str] = set()
    functions: set[str] = set()
    for meta_graph in saved_model.meta_graphs:
        graph = meta_graph.graph_def
        ops.update(node.op for node in graph.node)
        for function in graph.library.function:
            functions.add(function.signature.name)
            ops.update(node.op for node in function.node_def)
    return sorted(op for op in ops - functions if op_def_registry.get(op) is None)


def _serving_parts(
    model: Any,
) -> tuple[dict[str, tf.TensorSpec], Callable[..., dict[str, tf.Tensor]]]:
    """Returns the named input specs and the inference-mode outputs function."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"export_saved_model takes a tfxlearn paradigm or a keras.Model, "
            f"got {type(model).__name__}"
        )
    if callable(getattr(model, "serving_outputs", None)):
        if callable(getattr(model, "serving_input_specs", None)):
            specs = dict(model.serving_input_specs())
        elif hasattr(model, "image_shape"):
            specs = {INPUT_NAME: _image_spec(model.image_shape)}
        else:
            specs = None
        if specs:
            for key, spec in specs.items():
                if not _NAME_RE.fullmatch(key) or not isinstance(spec, tf.TensorSpec):
                    raise TypeError(
                        f"{type(model).__name__}.serving_input_specs must map names matching "
                        f"[A-Za-z0-9_.-]+ to tf.TensorSpec, got {key!r}: {spec!r}"
                    )
            return specs, model.serving_outputs

    inputs = getattr(model, "inputs", None) if model.built else None
    if not inputs or len(inputs) != 1 or len(inputs[0].shape) != 4:
        found = "no known inputs" if not inputs else [tuple(x.shape) for x in inputs]
        raise TypeError(
            f"{type(model).__name__} is not a tfxlearn paradigm (no serving_outputs / "
            "image_shape), so it must be a keras.Model with exactly one image input "
            f"[batch, height, width, channels]; found {found}"
        )

    def outputs_fn(images: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = model(images, training=False)
        if isinstance(outputs, dict):
            return dict(outputs)
        if isinstance(outputs, (list, tuple)):
            return {f"output_{i}": output for i, output in enumerate(outputs)}
        return {"output": outputs}

    return {INPUT_NAME: _image_spec(inputs[0].shape[1:])}, outputs_fn


def _image_spec(image_shape) -> tf.TensorSpec:
    return tf.TensorSpec((None, *image_shape), tf.float32, name=INPUT_NAME)


def _ensure_built(model: keras.Model, specs: dict, outputs_fn: Callable) -> None:
    """Builds an unbuilt model with one inference-mode call on zero inputs."""
    if model.built:
        return
    unknown = {k: tuple(s.shape) for k, s in specs.items() if None in tuple(s.shape)[1:]}
    if unknown:
        raise ValueError(
            f"{type(model).__name__} is not built and its serving input shapes {unknown} are "
            "not fully known; call it on a batch (or fit it) before exporting"
        )
    zeros = {k: tf.zeros((1, *tuple(s.shape)[1:]), s.dtype) for k, s in specs.items()}
    if list(zeros) == [INPUT_NAME]:
        try:
            model(zeros[INPUT_NAME], training=False)
            return
        except Exception:  # e.g. a paradigm whose call() takes pairs, not images
            pass
    outputs_fn(**zeros)  # builds at least what serving uses


def _write_saved_model(
    model: keras.Model,
    directory: str,
    specs: dict[str, tf.TensorSpec],
    outputs_fn: Callable[..., dict[str, tf.Tensor]],
) -> dict[str, Any]:
    """Writes the SavedModel into `directory`; returns the signature description."""
    names = list(specs)
    specs = {k: tf.TensorSpec(s.shape, s.dtype, name=k) for k, s in specs.items()}

    def serve(*inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = outputs_fn(**dict(zip(names, inputs)))
        if not isinstance(outputs, dict) or not outputs:
            raise TypeError(
                f"{type(model).__name__}.serving_outputs must return a non-empty dict "
                f"of named tensors, got {type(outputs).__name__}"
            )
        for key in outputs:
            if not isinstance(key, str) or not _NAME_RE.fullmatch(key):
                raise ValueError(f"serving output names must match [A-Za-z0-9_.-]+, got {key!r}")
        return {key: _served(value) for key, value in outputs.items()}

    archive = keras.export.ExportArchive()
    if model.built:
        archive.track(model)  # also exposes `variables` on the reloaded object
    endpoint = archive.add_endpoint(SIGNATURE_KEY, serve, input_signature=list(specs.values()))
    pixel_signatures = {}
    image_shape = _known_image_shape(specs)
    if image_shape is not None:
        for key, (spec, to_float) in _pixel_inputs(image_shape).items():
            archive.add_endpoint(key, _composed(serve, to_float), input_signature=[spec])
            pixel_signatures[key] = {INPUT_NAME: _describe(spec)}
    extra_signatures = {}
    for key, (extra_specs, extra_fn) in _extra_signatures(model).items():
        extra_endpoint = archive.add_endpoint(
            key, _named(extra_fn, list(extra_specs)), input_signature=list(extra_specs.values())
        )
        outputs = extra_endpoint.get_concrete_function().structured_outputs
        extra_signatures[key] = {
            "inputs": {name: _describe(spec) for name, spec in extra_specs.items()},
            "outputs": {name: _describe(value) for name, value in sorted(outputs.items())},
        }
    archive.write_out(directory, verbose=False)

    concrete = endpoint.get_concrete_function()
    return {
        "signature": SIGNATURE_KEY,
        "inputs": {key: _describe(spec) for key, spec in specs.items()},
        "outputs": {
            key: _describe(value) for key, value in sorted(concrete.structured_outputs.items())
        },
        "pixel_signatures": pixel_signatures,
        **({"extra_signatures": extra_signatures} if extra_signatures else {}),
    }


def _extra_signatures(model: keras.Model) -> dict[str, tuple[dict[str, tf.TensorSpec], Callable]]:
    """A paradigm's further signatures, `serving_signatures() -> {name: ({input:
    TensorSpec}, outputs function)}` (e.g. a Siamese network's `pair_score`),
    checked and with each spec named after its input."""
    get = getattr(model, "serving_signatures", None)
    if not callable(get):
        return {}
    out = {}
    for key, value in dict(get()).items():
        reserved = (SIGNATURE_KEY, UINT8_SIGNATURE_KEY, BYTES_SIGNATURE_KEY)
        if not isinstance(key, str) or not _NAME_RE.fullmatch(key) or key in reserved:
            raise ValueError(
                f"{type(model).__name__}.serving_signatures: signature names must match "
                f"[A-Za-z0-9_.-]+ and differ from {reserved}, got {key!r}"
            )
        try:
            specs, fn = value
            specs = dict(specs)
        except (TypeError, ValueError):
            raise TypeError(
                f"{type(model).__name__}.serving_signatures()[{key!r}] must be "
                f"(input specs dict, outputs function), got {value!r}"
            ) from None
        if not specs or not all(
            isinstance(s, tf.TensorSpec) and _NAME_RE.fullmatch(k) for k, s in specs.items()
        ):
            raise TypeError(
                f"{type(model).__name__}.serving_signatures()[{key!r}]: inputs must map "
                f"names matching [A-Za-z0-9_.-]+ to tf.TensorSpec, got {specs!r}"
            )
        out[key] = ({k: tf.TensorSpec(s.shape, s.dtype, name=k) for k, s in specs.items()}, fn)
    return out


def _served(value) -> tf.Tensor:
    """An output as served: float32 where a mixed dtype policy computed it in
    bfloat16 / float16 (clients and TF Serving see the same dtypes either way)."""
    value = tf.convert_to_tensor(value)
    if value.dtype in (tf.bfloat16, tf.float16):
        value = tf.cast(value, tf.float32)
    return value


def _named(fn: Callable, names: list[str]) -> Callable:
    """`fn(**{name: input})` as a function of positional tensors (an endpoint's
    inputs), returning a dict of tensors."""

    def endpoint(*inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = fn(**dict(zip(names, inputs)))
        if not isinstance(outputs, dict) or not outputs:
            raise TypeError(f"a serving signature must return a dict of tensors, got {outputs!r}")
        return {key: _served(value) for key, value in outputs.items()}

    return endpoint


def _composed(serve: Callable, to_float: Callable) -> Callable:
    """`images -> serve(to_float(images))`, with exactly one tensor argument (an
    endpoint's Python signature must not carry non-tensor defaults)."""

    def endpoint(images: tf.Tensor) -> dict[str, tf.Tensor]:
        return serve(to_float(images))

    return endpoint


def _known_image_shape(specs: dict[str, tf.TensorSpec]) -> tuple[int, int, int] | None:
    """(H, W, C) when the only input is a float image batch of known size, else None."""
    if list(specs) != [INPUT_NAME]:
        return None
    spec = specs[INPUT_NAME]
    shape = tuple(spec.shape)
    if spec.dtype != tf.float32 or len(shape) != 4 or None in shape[1:]:
        return None
    if shape[3] not in (1, 3, 4):  # what image decoders produce
        return None
    return tuple(int(d) for d in shape[1:])


def _pixel_inputs(image_shape: tuple[int, int, int]) -> dict[str, tuple[tf.TensorSpec, Callable]]:
    """`{signature: (input spec, to [0, 1] float images)}` for serving clients' pixels."""
    height, width, channels = image_shape

    def from_uint8(images: tf.Tensor) -> tf.Tensor:
        return tf.cast(images, tf.float32) / 255.0

    def decode(encoded: tf.Tensor) -> tf.Tensor:
        image = tf.io.decode_image(encoded, channels=channels, expand_animations=False)
        image = tf.image.convert_image_dtype(image, tf.float32)  # uint8 / uint16 -> [0, 1]
        image = tf.image.resize(image, (height, width), method="bilinear")
        return tf.ensure_shape(tf.clip_by_value(image, 0.0, 1.0), image_shape)

    def from_bytes(encoded: tf.Tensor) -> tf.Tensor:
        return tf.map_fn(
            decode, encoded, fn_output_signature=tf.TensorSpec(image_shape, tf.float32)
        )

    return {
        UINT8_SIGNATURE_KEY: (
            tf.TensorSpec((None, *image_shape), tf.uint8, name=INPUT_NAME),
            from_uint8,
        ),
        BYTES_SIGNATURE_KEY: (tf.TensorSpec((None,), tf.string, name=INPUT_NAME), from_bytes),
    }


def _describe(tensor: tf.Tensor | tf.TensorSpec) -> dict[str, Any]:
    shape = tensor.shape
    dims = None if shape.rank is None else [-1 if d is None else int(d) for d in shape]
    return {"dtype": tensor.dtype.name, "shape": dims}


def find_version(export_root: str | os.PathLike, model_name: str, **match) -> str | None:
    """The newest version directory of `<export_root>/<model_name>` whose
    `assets.extra/tfxlearn.json` has all the `match` entries, else None."""
    model_dir = os.path.join(os.fspath(export_root), model_name)
    if not os.path.isdir(model_dir):
        return None
    for _, name in sorted(_numeric_versions(model_dir).items(), reverse=True):
        path = os.path.join(model_dir, name)
        try:
            with open(os.path.join(path, METADATA_PATH), encoding="utf-8") as f:
                metadata = json.load(f)
        except (OSError, ValueError):
            continue
        if all(metadata.get(key) == value for key, value in match.items()):
            return path
    return None


def _write_metadata(
    model: keras.Model,
    directory: str,
    model_name: str,
    version: int,
    signature: dict,
    extra: dict,
) -> None:
    """Writes `assets.extra/tfxlearn.json`, the export's description for users."""
    metadata = {
        **extra,
        "model_name": model_name,
        "version": version,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "registered_name": keras.saving.get_registered_name(type(model)),
        **signature,
        **({"input_range": [0.0, 1.0]} if INPUT_NAME in signature["inputs"] else {}),
        "tfxlearn_version": __version__,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    path = os.path.join(directory, METADATA_PATH)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(metadata, f, indent=2, sort_keys=True)
        f.write("\n")


def _numeric_versions(model_dir: str) -> dict[int, str]:
    """Maps each numeric version in `model_dir` to its directory name."""
    versions = {}
    for name in os.listdir(model_dir):
        if _VERSION_RE.fullmatch(name) and os.path.isdir(os.path.join(model_dir, name)):
            versions[int(name)] = name
    return versions


def _rename_into_place(tmp_dir: str, final_dir: str) -> None:
    try:
        # Fails (rather than replacing) if another export created it meanwhile,
        # unless that directory is empty.
        os.rename(tmp_dir, final_dir)
    except OSError as e:
        if os.path.exists(final_dir):
            raise FileExistsError(
                f"{final_dir} was created by someone else during the export; pass "
                "overwrite=True to replace it, or a new version"
            ) from e
        raise


def _swap_into_place(
    tmp_dir: str, old_dir: str, final_dir: str, model_dir: str, version: int
) -> None:
    """Replaces `old_dir` by `tmp_dir` (as `final_dir`), then deletes the old one."""
    if old_dir == final_dir and _exchange(tmp_dir, final_dir):
        shutil.rmtree(tmp_dir, ignore_errors=True)  # now holds the old version
        return
    # Not atomic: the version is missing between the two renames. The old one
    # waits under a temporary name, which the next export removes if this
    # process is killed in between.
    trash = os.path.join(model_dir, tmp_dir_name(f"old-{version}"))
    os.rename(old_dir, trash)
    try:
        os.rename(tmp_dir, final_dir)
    except BaseException:
        os.rename(trash, old_dir)  # put the old version back
        raise
    shutil.rmtree(trash, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: str, b: str) -> bool:
    """Atomically exchanges the paths `a` and `b` with Linux's `renameat2(...,
    RENAME_EXCHANGE)` (kernel >= 3.15, glibc >= 2.28; see `man 2 rename`).

    Returns False where that is not available (another OS, an older C library,
    or a filesystem that does not support it); raises OSError for other failures.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    path, fd = ctypes.c_char_p, ctypes.c_int
    renameat2.argtypes = [fd, path, fd, path, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), a, None, b)


def _fsync_tree(directory: str) -> None:
    """Flushes every file and directory under `directory` to disk before the rename."""
    for root, _, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(root)


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a directory; the rename still holds
        return
    finally:
        os.close(fd)
