"""TFX-style pipelines as plain Python over tf.data.

ExampleGen (TFDS split -> dataset) -> Transform (pretext op) -> Trainer
(strategy, fit, checkpoints) -> Evaluator (protocols against both baselines,
blessing threshold) -> Pusher (SavedModel export, only if blessed).

A pipeline is described by plain data: `pipelines/<name>.py` defines
`get_config(smoke=False)` returning a dict (see `pipelines/rotation_fashion_mnist.py`).
Each run writes a run directory: `config.json` (the resolved config),
`metrics.json`, `plots/`, `tensorboard/`, `history.csv`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime
import importlib.util
import json
import os
import time
import uuid

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tfxlearn import data as tfx_data
from tfxlearn import evaluation, nets, paradigms, pretext, viz
from tfxlearn.export import export_saved_model, find_version
from tfxlearn.training import (
    EpochOrder,
    ProgressImages,
    default_strategy,
    is_chief,
    is_multi_worker,
    train,
)

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIPELINE_DIRS = (os.path.join(os.getcwd(), "pipelines"), os.path.join(_ROOT, "pipelines"))
_REQUIRED = ("name", "dataset", "paradigm", "pretext", "train", "evaluation", "export")


# ----------------------------------------------------------------------------- configs


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
    if "encoder" not in config and not config.get("nets"):
        raise ValueError("pipeline config needs an encoder entry or a nets entry")
    for key, net in net_configs(config).items():
        if not hasattr(nets, net.get("factory", "")):
            raise ValueError(f"config {key}.factory: no tfxlearn.nets.{net.get('factory')!r}")
    train_cfg = config["train"]
    if "optimizers" in train_cfg and not isinstance(train_cfg["optimizers"], dict):
        raise ValueError("config train.optimizers must map compile() argument names to configs")
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


# ----------------------------------------------------------------------------- stages


def example_gen(config: dict) -> tf.data.Dataset:
    """ExampleGen: the (unlabelled use of the) TFDS training split.

    Elements are `{"image": ..., "index": int64}`, `index` being the example's
    position in the split (exemplar networks use it as the surrogate class).
    Config keys of `dataset`: `max_train` limits both pretraining and
    evaluation; `pretext_max_train` limits only the pretraining set (taken
    first); `pretext_image_key` picks another feature than `image_key` for
    pretraining (e.g. RGB images for colorization while evaluation probes the
    lightness channel); `pretext_labels` keeps the class label as `label`
    (class-conditional and semi-supervised paradigms only: self-supervised
    pretraining never sees labels); `exclude_classes` drops those classes from
    pretraining (a held-out class for the anomaly protocol); `pretext_features`
    `{element key: dataset feature}` adds more features to each element (e.g.
    `{"audio": "audio"}` for the audio-visual pretext ops, whose clips or images
    come under "image" via `pretext_image_key`).
    """
    cfg = config["dataset"]
    ds = tfx_data.load(cfg["name"], cfg.get("train_split", "train"), data_dir=cfg.get("data_dir"))
    limits = [int(cfg[k]) for k in ("max_train", "pretext_max_train") if cfg.get(k)]
    if limits:
        ds = ds.take(min(limits))
    image_key = cfg.get("pretext_image_key", cfg.get("image_key", "image"))
    if cfg.get("exclude_classes"):  # e.g. the held-out class of the anomaly protocol
        excluded = tf.constant([int(c) for c in cfg["exclude_classes"]], tf.int64)
        key = cfg.get("label_key", "label")
        ds = ds.filter(
            lambda ex: tf.logical_not(tf.reduce_any(tf.equal(tf.cast(ex[key], tf.int64), excluded)))
        )
    label_key = cfg.get("label_key", "label") if cfg.get("pretext_labels") else None
    extra = dict(cfg.get("pretext_features") or {})
    missing = sorted({image_key, *extra.values()} - set(ds.element_spec))
    if missing:
        raise ValueError(
            f"dataset {cfg['name']!r} has no feature(s) {missing} (config dataset."
            f"pretext_image_key / pretext_features); its features: {sorted(ds.element_spec)}"
        )

    def element(i, ex):
        out = {"image": ex[image_key], "index": i}
        if label_key is not None:  # class-conditional and semi-supervised paradigms
            out["label"] = ex[label_key]
        for key, feature in extra.items():  # e.g. the audio of audio-visual pretext tasks
            out[key] = ex[feature]
        return out

    return ds.enumerate().map(element, num_parallel_calls=tf.data.AUTOTUNE)


def transform(
    config: dict, ds: tf.data.Dataset, order: EpochOrder, service_target: str | None = None
) -> tf.data.Dataset:
    """Transform: epoch-keyed shuffle, batch, pretext labels, prefetch.

    With `service_target` (a tf.data service dispatcher) the shuffle, batching
    and pretext labels run on the service's workers instead
    (`tfxlearn.data.service`, which says what that keeps and what it does not),
    reshuffled every epoch with fresh entropy instead of `order`'s (seed, epoch)
    key. `train.data_service` options used here: `threads_per_worker`, and
    `compression` ("AUTO" or None; default None for `local_workers`, else "AUTO").
    """
    train_cfg = config["train"]
    buffer = int(train_cfg.get("shuffle_buffer", 60_000))
    batch_size = int(train_cfg["batch_size"])
    op = pretext.get(config["pretext"]["name"])
    args = dict(config["pretext"].get("args", {}))
    args.setdefault("seed", int(config.get("seed", 0)))
    if service_target is not None:
        if getattr(op, "batches_itself", False):
            raise ValueError(
                f"pretext {config['pretext']['name']!r} builds its batches from the whole "
                "dataset and cannot run on the tf.data service (train.data_service): each "
                "service worker sees only part of the data"
            )

        def make_batches(source):
            # Not order.shuffle: its epoch variable would reach the workers frozen.
            shuffled = tfx_data.service.shuffle_per_job(source, buffer)
            return op(shuffled.batch(batch_size), **args)

        source = tfx_data.service.source_in_memory(ds)
        service_cfg = train_cfg.get("data_service") or {}
        ds = tfx_data.service.on_service(
            source,
            make_batches,
            service_target,
            threads_per_worker=service_cfg.get("threads_per_worker"),
            # Workers on this machine: compressing only costs CPU.
            compression=service_cfg.get(
                "compression", None if "local_workers" in service_cfg else "AUTO"
            ),
        )
        # Each worker ends its share of an epoch with a partial batch; regrouping into
        # full batches (slicing only) gives every epoch the same number of steps.
        full = tf.nest.flatten(next(iter(op(source.take(batch_size).batch(batch_size), **args))))
        ds = ds.unbatch().batch(int(full[0].shape[0]), drop_remainder=True)
        # Pretext ops make a fixed number of examples per image, so an epoch has as
        # many full batches as locally; telling Keras spares it guessing the length.
        steps = int(source.cardinality()) // batch_size
        ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
        return ds.prefetch(tf.data.AUTOTUNE)
    ds = order.shuffle(ds.cache(), buffer)
    if getattr(op, "batches_itself", False):  # e.g. semi_supervised: mixed batches
        return op(ds, batch_size=batch_size, **args).prefetch(tf.data.AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=True)
    return op(ds, **args).prefetch(tf.data.AUTOTUNE)


@contextlib.contextmanager
def data_service(config: dict):
    """The dispatcher address of `train.data_service` for the duration of a run:
    `{"dispatcher": "grpc://host:port"}` (an existing service), or
    `{"local_workers": N}` (a dispatcher and N workers started in this process and
    stopped afterwards); None when the config has no data service. Optional
    `threads_per_worker`: the size of each worker's thread pool for this data."""
    cfg = config["train"].get("data_service")
    if not cfg:
        yield None
    elif "dispatcher" in cfg:
        yield tfx_data.service.check_target(cfg["dispatcher"])
    else:
        with tfx_data.service.LocalDataService(int(cfg["local_workers"])) as service:
            yield service.target


def build_net(config: dict, key: str) -> keras.Model:
    """Builds the network `key` ("encoder", "generator", ...) of the config."""
    configs = net_configs(config)
    if key not in configs:
        raise ValueError(f"pipeline config defines no network {key!r}; it has {sorted(configs)}")
    cfg = configs[key]
    return getattr(nets, cfg["factory"])(**cfg.get("args", {}))


def build_encoder(config: dict) -> keras.Model:
    """The network evaluated as the representation: the `encoder` entry, else the net
    named by `evaluation.encoder_net` (e.g. a GAN's "discriminator")."""
    return build_net(config, config["evaluation"].get("encoder_net", "encoder"))


SCHEDULES = ("constant", "cosine")


def compile_args(train_cfg: dict, steps_per_epoch: int | None = None) -> dict:
    """Keyword arguments of the paradigm's `compile`: `train.optimizers` (two-player
    paradigms, e.g. {"generator_optimizer": {...}, "discriminator_optimizer": {...}}),
    else `optimizer=build_optimizer(train_cfg, steps_per_epoch)`."""
    if "optimizers" in train_cfg:
        return {
            key: keras.optimizers.get(copy.deepcopy(value))
            for key, value in train_cfg["optimizers"].items()
        }
    return {"optimizer": build_optimizer(train_cfg, steps_per_epoch)}


def build_optimizer(
    train_cfg: dict, steps_per_epoch: int | None = None
) -> keras.optimizers.Optimizer:
    """`train.optimizer` (a Keras optimizer config such as {"class_name": "SGD",
    "config": {"learning_rate": 0.03, "momentum": 0.9}}), else Adam at
    `train.learning_rate` (default 1e-3), held constant or, with
    `train.learning_rate_schedule: "cosine"`, decayed to 0 over the run's
    `train.epochs` x `steps_per_epoch` steps (Loshchilov & Hutter's cosine
    without restarts; `steps_per_epoch` is then required)."""
    if "optimizer" in train_cfg:
        return keras.optimizers.get(copy.deepcopy(train_cfg["optimizer"]))
    rate = float(train_cfg.get("learning_rate", 1e-3))
    if train_cfg.get("learning_rate_schedule", "constant") == "cosine":
        if steps_per_epoch is None or int(steps_per_epoch) < 1:
            raise ValueError(
                "train.learning_rate_schedule 'cosine' needs the number of steps per "
                f"epoch (a dataset of known length), got {steps_per_epoch!r}"
            )
        rate = keras.optimizers.schedules.CosineDecay(
            rate, decay_steps=int(train_cfg["epochs"]) * int(steps_per_epoch)
        )
    return keras.optimizers.Adam(rate)


def steps_per_epoch(ds: tf.data.Dataset) -> int | None:
    """Batches per epoch of a training dataset, None when tf.data cannot tell."""
    count = int(ds.cardinality())
    return count if count >= 0 else None


def build_model(config: dict, steps_per_epoch: int | None = None) -> keras.Model:
    """The config's paradigm with its networks, compiled as the trainer does
    (seeded by `config["seed"]`); `steps_per_epoch` is needed by a cosine
    `train.learning_rate_schedule`."""
    keras.utils.set_random_seed(int(config.get("seed", 0)))
    networks = {key: build_net(config, key) for key in net_configs(config)}
    model = paradigms.get(config["paradigm"]["name"])(
        **networks, **config["paradigm"].get("args", {})
    )
    model.compile(**compile_args(config["train"], steps_per_epoch))
    return model


def trainer(
    config: dict,
    ds: tf.data.Dataset,
    order: EpochOrder,
    run_dir: str,
    strategy: tf.distribute.Strategy | None = None,
    verbose="auto",
):
    """Trainer: builds the paradigm under the strategy and fits it (resumable)."""
    train_cfg = config["train"]
    steps = steps_per_epoch(ds)

    def build():
        return build_model(config, steps)

    images = ProgressImages(
        os.path.join(run_dir, "plots"), os.path.join(run_dir, "tensorboard"), prefix="samples"
    )
    return train(
        build,
        ds,
        epochs=int(train_cfg["epochs"]),
        run_dir=run_dir,
        strategy=strategy or default_strategy(),
        callbacks=[order],
        chief_callbacks=[images],
        verbose=verbose,
    )


def eval_data(config: dict) -> evaluation.EvalData:
    cfg = config["dataset"]
    return evaluation.EvalData(
        cfg["name"],
        train_split=cfg.get("train_split", "train"),
        test_split=cfg.get("test_split", "test"),
        image_key=cfg.get("image_key", "image"),
        label_key=label_keys(config)[0],
        data_dir=cfg.get("data_dir"),
        max_train=cfg.get("max_train"),
        max_test=cfg.get("max_test"),
    )


def baseline_encoders(config: dict, encoder: keras.Model, data: evaluation.EvalData) -> dict:
    """The two baselines of every report: random-init and (if configured) all labels."""
    cfg = config["evaluation"]
    seed = int(config.get("seed", 0))
    encoders = {"random-init": evaluation.random_encoder(encoder, seed=seed)}
    if cfg.get("supervised_epochs", 0):
        encoders["all labels"] = evaluation.supervised_encoder(
            encoder,
            data,
            epochs=int(cfg["supervised_epochs"]),
            seed=seed,
            batch_size=int(cfg.get("supervised_batch_size", 64)),
        )
    return encoders


def baseline_results(config: dict) -> dict:
    """`{row: {protocol: metrics}}` of the baselines, to share among several runs
    (`run(..., baselines=...)`) on the same dataset, encoder and protocols."""
    data = eval_data(config)
    encoders = baseline_encoders(config, build_encoder(config), data)
    return evaluation.compare(encoders, data, config["evaluation"].get("protocols"))


def evaluator(
    config: dict,
    encoder: keras.Model | None,
    data: evaluation.EvalData,
    baselines: dict | None = None,
    model: keras.Model | None = None,
) -> dict:
    """Evaluator: every encoder protocol for the pretrained encoder and both
    baselines (computed here unless given as `baselines`, see
    `baseline_results`), then every model protocol (`evaluation.model_protocols`,
    e.g. sample quality, negative ELBO) on the whole trained `model`."""
    cfg = config["evaluation"]
    name = config["paradigm"]["name"]
    protocols = cfg.get("protocols")
    results = {}
    if protocols:
        results = _encoder_results(config, encoder, data, baselines)
        for key in label_keys(config)[1:]:
            # Each further label gets its own baselines (the all-labels encoder is
            # trained on that label): columns "protocol@key".
            extra = _encoder_results(config, encoder, dataclasses.replace(data, label_key=key))
            for row, columns in extra.items():
                results.setdefault(row, {}).update(
                    {f"{protocol}@{key}": metrics for protocol, metrics in columns.items()}
                )
    model_results = {}
    for protocol, args in (cfg.get("model_protocols") or {}).items():
        if model is None:
            raise ValueError(f"model protocol {protocol!r} needs the trained model")
        model_results[protocol] = evaluation.model_protocol(protocol)(
            model, data, seed=int(config.get("seed", 0)), **dict(args)
        )
    blessed, reason = _blessing(cfg.get("blessing"), name, results, model_results)
    return {
        "results": results,
        "model_results": model_results,
        "blessed": blessed,
        "blessing": reason,
        "table": "\n\n".join(
            t
            for t in (
                evaluation.format_table(results) if results else "",
                evaluation.format_model_results(model_results) if model_results else "",
            )
            if t
        ),
    }


def _encoder_results(config, encoder, data, baselines=None):
    name = config["paradigm"]["name"]
    protocols = config["evaluation"].get("protocols")
    if baselines is None:
        encoders = {**baseline_encoders(config, encoder, data), name: encoder}
        results = evaluation.compare(encoders, data, protocols)
        return {k: results[k] for k in (*[r for r in results if r != name], name)}
    missing = [
        f"{row}/{p}" for row, v in baselines.items() for p in (protocols or {}) if p not in v
    ]
    if missing or "random-init" not in baselines:
        raise ValueError(
            f"baselines must hold a random-init row and every configured protocol; "
            f"missing: {missing or ['random-init']}"
        )
    return {**baselines, name: evaluation.compare({name: encoder}, data, protocols)[name]}


def _blessing(blessing, name, results, model_results) -> tuple[bool, str]:
    """Blessing: a minimum gain of an encoder protocol over random-init
    (`{"protocol", "min_gain_over_random"}`) or a bound on a model protocol's
    metric (`{"model_protocol", "metric", "min" and/or "max"}`)."""
    if not blessing:
        return True, "no blessing threshold configured"
    if blessing.get("model_protocol"):
        protocol, metric = blessing["model_protocol"], blessing["metric"]
        value = float(model_results[protocol][metric])
        ok = True
        bounds = []
        if "min" in blessing:
            ok &= value >= float(blessing["min"])
            bounds.append(f">= {blessing['min']}")
        if "max" in blessing:
            ok &= value <= float(blessing["max"])
            bounds.append(f"<= {blessing['max']}")
        return ok, f"{protocol}.{metric} = {value:.4g} (required {' and '.join(bounds)})"
    protocol = blessing["protocol"]
    gain = results[name][protocol]["accuracy"] - results["random-init"][protocol]["accuracy"]
    need = float(blessing.get("min_gain_over_random", 0.0))
    return gain >= need, (
        f"{protocol}: {name} is {100 * gain:+.1f} points over random-init "
        f"(threshold {100 * need:+.1f})"
    )


def pusher(
    config: dict, model: keras.Model, blessed: bool, run_id: str | None = None
) -> str | None:
    """Pusher: exports the SavedModel (TF Serving layout) only if blessed.

    With `run_id`, the version records it, and a rerun of the same run (e.g.
    after a crash between the export and the end of the run) finds that
    version instead of exporting the same model again.
    """
    if not blessed:
        return None
    cfg = config["export"]
    root, name = cfg.get("root", "saved_models"), cfg.get("model_name", config["name"])
    if run_id is not None:
        existing = find_version(root, name, run_id=run_id)
        if existing is not None:
            return existing
    metadata = {"run_id": run_id} if run_id is not None else None
    return export_saved_model(model, export_root=root, model_name=name, metadata=metadata)


def run_id_of(run_dir: str) -> str:
    """The run's id, created (atomically) at its first start and kept across restarts."""
    path = os.path.join(run_dir, "run_id")
    if not os.path.isfile(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(uuid.uuid4().hex)
        os.replace(tmp, path)
    with open(path) as f:
        return f.read().strip()


# ----------------------------------------------------------------------------- run


@dataclasses.dataclass
class RunResult:
    run_dir: str
    metrics: dict
    export_path: str | None
    plots: dict


def evaluation_encoder(config: dict, model: keras.Model, data: evaluation.EvalData):
    """The model the encoder protocols evaluate: `model.evaluation_encoder(shape of
    an evaluation input, **evaluation.encoder_options)` (a frame encoder becomes a
    clip encoder for clips, ...); `model.encoder` (or None) for models without it."""
    if not hasattr(model, "evaluation_encoder"):
        return getattr(model, "encoder", None)
    if not config["evaluation"].get("protocols"):
        return getattr(model, "encoder", None)
    shape = tuple(int(d) for d in data.test[0].shape[1:])
    return model.evaluation_encoder(shape, **config["evaluation"].get("encoder_options", {}))


def _plots(config, ds, model, encoder, data, history, plot_dir) -> dict:
    op = pretext.get(config["pretext"]["name"])
    path = os.path.join(plot_dir, "pretext_examples.png")
    title = f"{config['pretext']['name']} pretext: inputs and generated labels"
    batch = next(iter(ds))
    if hasattr(op, "plot"):
        # Ops whose inputs are not one image per label (patch pairs, tile sets,
        # masked images, views) draw themselves: op.plot(batch, path, title, model).
        plots = {"pretext_examples": op.plot(batch, path, title=title, model=model)}
    else:
        images, labels = batch if isinstance(batch, (tuple, list)) else (batch, None)
        plots = {}
        if tf.nest.flatten(images)[0].shape.rank == 4:  # one image per label
            plots["pretext_examples"] = viz.image_grid(
                images.numpy()[:32],
                None if labels is None else labels.numpy()[:32],
                path,
                label_names=getattr(op, "label_names", None),
                title=title if labels is not None else "training inputs",
            )
    plots["training_curves"] = viz.training_curves(
        history,
        os.path.join(plot_dir, "training_curves.png"),
        title=f"{config['paradigm']['name']} training",
    )
    test_images, test_labels = data.arrays("test")
    keep = slice(0, min(len(test_labels), 3000))
    info = tfx_data.info(config["dataset"]["name"], data_dir=config["dataset"].get("data_dir"))
    label_feature = info.features[label_keys(config)[0]]
    names = getattr(label_feature, "names", None)
    if encoder is not None:
        features = evaluation.extract_features(encoder, test_images[keep])
        plots["embedding"] = viz.embedding_plot(
            features,
            test_labels[keep],
            os.path.join(plot_dir, "embedding_pca.png"),
            class_names=names,
            title=f"{config['paradigm']['name']} encoder, test split (PCA)",
        )
    if callable(getattr(model, "plots", None)):
        # Paradigm-specific figures: reconstructions, latent maps, code sweeps,
        # class-activation maps, predicted frames... (clips for video datasets).
        images = tfx_data.to_float_images(tf.constant(test_images[keep])).numpy()
        plots.update(model.plots(plot_dir, images, test_labels[keep], class_names=names))
    return plots


def new_run_dir(config: dict, runs_root: str = "runs") -> str:
    """`<runs_root>/<pipeline name>/<date-time>`: where a new run of `config` goes."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(runs_root, config["name"], stamp)


def run(
    config: dict,
    *,
    runs_root: str = "runs",
    run_dir: str | None = None,
    export_root: str | None = None,
    strategy=None,
    verbose="auto",
    baselines: dict | None = None,
) -> RunResult:
    """Runs every stage; rerunning with the same `run_dir` resumes training.

    `baselines`: precomputed baseline rows (`baseline_results(config)`) to reuse
    instead of evaluating random-init and all-labels encoders again.

    Multi-worker (`strategy` a MultiWorkerMirroredStrategy): every worker calls
    `run` with the same config and `run_dir` (on a filesystem they share); all
    of them train, the chief alone evaluates, exports and writes plots and
    `metrics.json`; the other workers return a `RunResult` whose metrics are
    `{"chief": False}`.
    """
    config = copy.deepcopy(config)
    validate_config(config)
    if export_root is not None:
        config["export"]["root"] = export_root
    if run_dir is None and is_multi_worker(strategy):
        raise ValueError(
            "run_dir is required for a multi-worker run: every worker must use the same one"
        )
    if run_dir is None:
        run_dir = new_run_dir(config, runs_root)
    os.makedirs(run_dir, exist_ok=True)
    if is_chief(strategy):
        with open(os.path.join(run_dir, "config.json"), "w") as f:
            json.dump(config, f, indent=2)

    with data_service(config) as service_target:
        return _run_stages(config, run_dir, strategy, verbose, baselines, service_target)


def _run_stages(config, run_dir, strategy, verbose, baselines, service_target) -> RunResult:
    timings = {}
    start = time.perf_counter()
    order = EpochOrder(seed=int(config.get("seed", 0)))
    ds = transform(config, example_gen(config), order, service_target=service_target)
    timings["example_gen+transform"] = time.perf_counter() - start

    start = time.perf_counter()
    model, history = trainer(config, ds, order, run_dir, strategy=strategy, verbose=verbose)
    timings["trainer"] = time.perf_counter() - start

    if not is_chief(strategy):
        # Another worker of a multi-worker run: training is its whole job; the
        # chief evaluates, exports and writes the metrics.
        return RunResult(run_dir=run_dir, metrics={"chief": False}, export_path=None, plots={})

    start = time.perf_counter()
    data = eval_data(config)
    encoder = evaluation_encoder(config, model, data)
    report = evaluator(config, encoder, data, baselines=baselines, model=model)
    timings["evaluator"] = time.perf_counter() - start

    start = time.perf_counter()
    export_path = pusher(config, model, report["blessed"], run_id=run_id_of(run_dir))
    timings["pusher"] = time.perf_counter() - start

    plots = _plots(
        config, ds, model, encoder, data, history.history, os.path.join(run_dir, "plots")
    )
    metrics = {
        "pipeline": config["name"],
        "finished": datetime.datetime.now().isoformat(timespec="seconds"),
        "results": report["results"],
        "model_results": report["model_results"],
        "blessed": report["blessed"],
        "blessing": report["blessing"],
        "export_path": export_path,
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "seconds": timings,
        "tensorflow": tf.__version__,
        "devices": list((strategy or default_strategy()).extended.worker_devices),
        "workers": _worker_count(strategy),
    }
    tmp = os.path.join(run_dir, ".metrics.json.tmp")
    with open(tmp, "w") as f:
        json.dump(metrics, f, indent=2, default=_json_default)
    os.replace(tmp, os.path.join(run_dir, "metrics.json"))
    logging.info("run directory: %s", run_dir)
    return RunResult(
        run_dir=run_dir,
        metrics=dict(metrics, table=report["table"]),
        export_path=export_path,
        plots=plots,
    )


def _worker_count(strategy) -> int:
    if not is_multi_worker(strategy):
        return 1
    return strategy.cluster_resolver.cluster_spec().num_tasks("worker") + len(
        strategy.cluster_resolver.cluster_spec().as_dict().get("chief", [])
    )


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return str(value)
