"""Pipeline configs: finding, loading, validating and reading them.

A pipeline is `pipelines/<name>.py` whose `get_config(smoke=False, ...)` returns
plain data (docs/architecture.md section 8); `load_config` runs it and
`validate_config` checks the result up front, naming the bad entry.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os

from tfxlearn import data as tfx_data
from tfxlearn import evaluation, nets, paradigms, pretext

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIPELINE_DIRS = (os.path.join(os.getcwd(), "pipelines"), os.path.join(_ROOT, "pipelines"))
_REQUIRED = ("name", "dataset", "paradigm", "pretext", "train", "evaluation", "export")
SCHEDULES = ("constant", "cosine")
#: `train.precision`: Keras dtype policies the trainer builds the paradigm under.
PRECISIONS = ("float32", "mixed_bfloat16")


def available_pipelines() -> list[str]:
    names = set()
    for directory in PIPELINE_DIRS:
        if os.path.isdir(directory):
            names.update(
                f[:-3] for f in os.listdir(directory) if f.endswith(".py") and not f.startswith("_")
            )
    return sorted(names)


def load_config(name_or_path: str, smoke: bool = False, **options) -> dict:
    """`get_config(smoke, **options)` of `pipelines/<name>.py` (or of a .py file path)."""
    if name_or_path.endswith(".py"):
        path = name_or_path
    else:
        candidates = [os.path.join(d, f"{name_or_path}.py") for d in PIPELINE_DIRS]
        path = next((p for p in candidates if os.path.isfile(p)), None)
        if path is None:
            raise ValueError(
                f"unknown pipeline {name_or_path!r}; known: {', '.join(available_pipelines())}"
            )
    if not os.path.isfile(path):
        raise ValueError(f"pipeline file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"tfxlearn_pipeline_{os.getpid()}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "get_config"):
        raise ValueError(f"{path} defines no get_config(smoke=False)")
    config = module.get_config(smoke=smoke, **options)
    validate_config(config)
    return config


def selection_config(config: dict, fraction: float = tfx_data.splits.VALIDATION_FRACTION) -> dict:
    """`config` for choosing a setting: pretraining, baselines and evaluation see
    only the training split minus a validation carve, and "test" is the carve.

    The validation split is the last `fraction` of the training split in stored
    order (`tfxlearn.data.validation_splits`); the returned config records the
    carve under `selection`. Run it inside `tfxlearn.data.forbid_splits(<test
    split>)` (as `benchmarks/selection.py` does) and a read of the test split fails.
    """
    config = copy.deepcopy(config)
    cfg = config["dataset"]
    original = {
        "train_split": cfg.get("train_split", "train"),
        "test_split": cfg.get("test_split", "test"),
    }
    cfg["train_split"], cfg["test_split"] = tfx_data.validation_splits(
        original["train_split"], fraction
    )
    config["selection"] = {"validation_fraction": fraction, **original}
    return config


def validate_config(config: dict) -> None:
    """Checks a pipeline config early, naming the bad entry."""
    missing = [key for key in _REQUIRED if key not in config]
    if missing:
        raise ValueError(f"pipeline config misses {', '.join(missing)}")
    paradigms.get(config["paradigm"]["name"])
    pretext.get(config["pretext"]["name"])
    if "encoder" not in config and "nets" not in config:
        # `nets: {}`: a paradigm that builds its own layers (word2vec's tables).
        raise ValueError("pipeline config needs an encoder entry or a nets entry")
    for key, net in net_configs(config).items():
        if not hasattr(nets, net.get("factory", "")):
            raise ValueError(f"config {key}.factory: no tfxlearn.nets.{net.get('factory')!r}")
    train_cfg = config["train"]
    if "optimizers" in train_cfg and not isinstance(train_cfg["optimizers"], dict):
        raise ValueError("config train.optimizers must map compile() argument names to configs")
    stage = train_cfg.get("first_stage")
    if stage is not None and not (
        isinstance(stage, dict)
        and isinstance(stage.get("method"), str)
        and isinstance(stage.get("args", {}), dict)
        and set(stage) <= {"method", "args"}
    ):
        raise ValueError(
            "config train.first_stage must be {'method': <the paradigm's method name>, "
            f"'args': {{...}}}}, got {stage!r}"
        )
    schedule = train_cfg.get("learning_rate_schedule", "constant")
    if schedule not in SCHEDULES:
        raise ValueError(
            f"config train.learning_rate_schedule must be one of {SCHEDULES}, got {schedule!r}"
        )
    if schedule != "constant" and ("optimizer" in train_cfg or "optimizers" in train_cfg):
        raise ValueError(
            "config train.learning_rate_schedule applies to train.learning_rate; with "
            "train.optimizer / train.optimizers put the schedule in the optimizer config"
        )
    precision = train_cfg.get("precision", "float32")
    if precision not in PRECISIONS:
        raise ValueError(f"config train.precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "float32":
        supported = sorted(
            name for name in paradigms.names() if paradigms.get(name).mixed_precision
        )
        if config["paradigm"]["name"] not in supported:
            raise ValueError(
                f"config train.precision {precision!r}: paradigm "
                f"{config['paradigm']['name']!r} is not tested under it; the paradigms "
                f"that are: {', '.join(supported)}"
            )
    for key in ("epochs", "batch_size"):
        if int(train_cfg.get(key, 0)) < 1:
            raise ValueError(f"config train.{key} must be >= 1, got {train_cfg.get(key)!r}")
    service = train_cfg.get("data_service")
    if service:
        keys = set(service) if isinstance(service, dict) else set()
        if len(keys & {"dispatcher", "local_workers"}) != 1:
            raise ValueError(
                "config train.data_service must be {'dispatcher': 'grpc://host:port'} or "
                f"{{'local_workers': N}}, got {service!r}"
            )
        if "dispatcher" in service:
            try:
                tfx_data.service.check_target(service["dispatcher"])
            except ValueError as error:
                raise ValueError(f"config train.data_service: {error}") from None
        threads = service.get("threads_per_worker")
        if threads is not None and (isinstance(threads, bool) or int(threads) < 1):
            raise ValueError(
                f"config train.data_service.threads_per_worker must be >= 1, got {threads!r}"
            )
        if service.get("compression", "AUTO") not in ("AUTO", None):
            raise ValueError(
                "config train.data_service.compression must be 'AUTO' or None, "
                f"got {service['compression']!r}"
            )
        workers = service.get("local_workers", 1)
        if isinstance(workers, bool) or int(workers) < 1:
            raise ValueError(
                f"config train.data_service.local_workers must be >= 1, got {workers!r}"
            )
    for name in config["evaluation"].get("protocols", {}):
        evaluation.protocol(name)
    for name in config["evaluation"].get("model_protocols", {}):
        evaluation.model_protocol(name)
    blessing = config["evaluation"].get("blessing", {})
    if blessing.get("model_protocol"):
        if blessing["model_protocol"] not in config["evaluation"].get("model_protocols", {}):
            raise ValueError(
                "config evaluation.blessing.model_protocol must be one of "
                "evaluation.model_protocols"
            )
        if not blessing.get("metric") or not ({"min", "max"} & set(blessing)):
            raise ValueError("config evaluation.blessing needs metric and min or max")
    elif blessing and blessing.get("protocol") not in evaluated_protocols(config):
        raise ValueError(
            "config evaluation.blessing.protocol must be one of "
            f"{evaluated_protocols(config)} (evaluation.protocols, '@label_key' for the extra "
            f"evaluation.label_keys), got {blessing.get('protocol')!r}"
        )
    label_keys = config["evaluation"].get("label_keys")
    if label_keys is not None and (
        not isinstance(label_keys, (list, tuple))
        or not label_keys
        or not all(isinstance(k, str) and k for k in label_keys)
        or len(set(label_keys)) != len(label_keys)
    ):
        raise ValueError(
            f"config evaluation.label_keys must be a non-empty list of distinct feature names, "
            f"got {label_keys!r}"
        )
    if not isinstance(config["evaluation"].get("encoder_options", {}), dict):
        raise ValueError("config evaluation.encoder_options must be a dict of keyword arguments")
    features = config["dataset"].get("pretext_features", {})
    if not isinstance(features, dict) or "image" in features or "index" in features:
        raise ValueError(
            "config dataset.pretext_features must map element keys (not 'image' or 'index') "
            f"to dataset features, got {features!r}"
        )


def label_keys(config: dict) -> list[str]:
    """The label features the encoder protocols evaluate: `evaluation.label_keys`,
    else `[dataset.label_key]` ("label" by default). The first is the primary one."""
    keys = config["evaluation"].get("label_keys")
    return list(keys) if keys else [config["dataset"].get("label_key", "label")]


def evaluated_protocols(config: dict) -> list[str]:
    """Names of the encoder results: each protocol for the primary label key, and
    `protocol@key` for every further key of `label_keys`."""
    protocols = list(config["evaluation"].get("protocols", {}))
    keys = label_keys(config)
    return protocols + [f"{p}@{k}" for k in keys[1:] for p in protocols]


def net_configs(config: dict) -> dict:
    """`{constructor argument: {"factory", "args"}}` of the networks a paradigm is
    built from: the `encoder` entry (if any) and every entry of `nets`."""
    out = {"encoder": config["encoder"]} if "encoder" in config else {}
    out.update(config.get("nets", {}))
    return out


# Keys a config may gain by an override although its pipeline does not set them:
# the ones the stages read (`components.example_gen`, `eval_data`, `trainer`, ...).
OPTIONAL_KEYS = {
    "dataset": {
        "name",
        "train_split",
        "test_split",
        "image_key",
        "label_key",
        "data_dir",
        "max_train",
        "max_test",
        "image_size",
        "pretext_max_train",
        "pretext_image_key",
        "pretext_labels",
        "exclude_classes",
        "pretext_features",
    },
    "train": {
        "epochs",
        "batch_size",
        "learning_rate",
        "learning_rate_schedule",
        "optimizer",
        "optimizers",
        "shuffle_buffer",
        "data_service",
        "generator_ema",
        "first_stage",
        "precision",
    },
    "evaluation": {
        "protocols",
        "model_protocols",
        "supervised_epochs",
        "supervised_batch_size",
        "supervised_classes",
        "blessing",
        "label_keys",
        "encoder_options",
    },
    "export": {"root", "model_name"},
}


def parse_override(text: str) -> tuple[str, object]:
    """`"train.epochs=5"` -> `("train.epochs", 5)`. The value is read as JSON when
    it parses (numbers, true / false / null, lists, quoted strings), else it is
    the plain string (`dataset.name=folder:/data/images`)."""
    path, sep, raw = text.partition("=")
    if not sep or not path or any(not part for part in path.split(".")):
        raise ValueError(f"a config override is KEY.PATH=VALUE (e.g. train.epochs=5), got {text!r}")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return path, value


def apply_overrides(config: dict, overrides) -> dict:
    """A copy of `config` with each override (`"KEY.PATH=VALUE"` strings, or a
    `{path: value}` dict) set, checked like the rest of the config.

    A key must exist in the config, be one the stages read (`OPTIONAL_KEYS`), or
    sit under an `args` mapping (constructor arguments, checked when the object
    is built). A value must have the type of the value it replaces (an int may
    replace a float; a missing or None value takes any).

    Raises:
        ValueError: an unknown key (the message lists the known keys there) or a
            value of the wrong type, naming the key.
    """
    config = copy.deepcopy(config)
    items = overrides.items() if isinstance(overrides, dict) else map(parse_override, overrides)
    for path, value in items:
        parts = path.split(".")
        node = config
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                known = sorted(node) if isinstance(node, dict) else []
                raise ValueError(
                    f"config override {path!r}: {where!r} is not a section of this config; "
                    f"known keys there: {', '.join(known)}"
                )
            node = child
        key, parent = parts[-1], ".".join(parts[:-1])
        if key not in node:
            optional = OPTIONAL_KEYS.get(parent, set())
            if key not in optional and parts[-2:-1] != ["args"]:
                known = sorted(set(node) | optional)
                raise ValueError(
                    f"config override {path!r}: unknown key {key!r}; known keys of "
                    f"{parent or 'the config'}: {', '.join(known)}"
                )
        else:
            _check_type(path, node[key], value)
        node[key] = value
    validate_config(config)
    return config


def _check_type(path: str, old, new) -> None:
    if old is None or new is None:
        return
    if isinstance(old, bool) or isinstance(new, bool):
        ok = isinstance(old, bool) and isinstance(new, bool)
    elif isinstance(old, float):
        ok = isinstance(new, int | float)
    elif isinstance(old, list | tuple):
        ok = isinstance(new, list | tuple)
    else:
        ok = isinstance(new, type(old))
    if not ok:
        raise ValueError(
            f"config override {path!r}: expected a {type(old).__name__} like the "
            f"pipeline's {old!r}, got {type(new).__name__} {new!r}"
        )
