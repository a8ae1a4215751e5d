"""The TFX-style components of a pipeline, each a function of the config.

ExampleGen (`example_gen`: TFDS split -> dataset) -> Transform (`transform`:
shuffle, batch, pretext op) -> Trainer (`trainer`: strategy, fit, checkpoints)
-> Evaluator (`evaluator`: protocols against both baselines, blessing
threshold) -> Pusher (`pusher`: SavedModel export, only if blessed); plus the
builders of the networks, optimizers and model the Trainer uses.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os

import keras
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn import evaluation, nets, paradigms, pretext
from tfxlearn.export import export_saved_model, find_version
from tfxlearn.pipeline.config import label_keys, net_configs
from tfxlearn.training import (
    EpochOrder,
    FirstStage,
    ProgressImages,
    default_strategy,
    train,
)


def pretext_image_key(dataset: dict) -> str:
    """The feature pretraining reads as "image": `dataset.pretext_image_key`, else
    `dataset.image_key` ("image" by default)."""
    return dataset.get("pretext_image_key", dataset.get("image_key", "image"))


def example_gen(config: dict, data: evaluation.EvalData | None = None) -> tf.data.Dataset:
    """ExampleGen: the (unlabelled use of the) TFDS training split.

    Elements are `{"image": ..., "index": int64}` (`"text"` instead of `"image"`
    for a string feature, e.g. `image_key: "en"` of `bible_verses`; `"features"`
    for a numeric vector, e.g. `image_key: "features"` of `adult`), `index`
    being the example's position in the split (exemplar networks use it as the
    surrogate class).
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
    come under "image" via `pretext_image_key`). `image_size` (height, width,
    channels) resizes the images (a folder of your own, "folder:/path"). With
    `data` (an `EvalData`, e.g. `EvalData.from_arrays(...)`) its training split
    is used instead of loading `dataset.name`.
    """
    cfg = config["dataset"]
    image_key = pretext_image_key(cfg)
    if data is not None:  # your own data in Python: its training split, in memory
        images, labels = data.train
        ds = tf.data.Dataset.from_tensor_slices(
            {image_key: images, cfg.get("label_key", "label"): labels}
        )
    else:
        ds = tfx_data.load(
            cfg["name"],
            cfg.get("train_split", "train"),
            data_dir=cfg.get("data_dir"),
            image_size=cfg.get("image_size"),
            image_key=image_key,
        )
    limits = [int(cfg[k]) for k in ("max_train", "pretext_max_train") if cfg.get(k)]
    if limits:
        ds = ds.take(min(limits))
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

    input_key = input_key_of(ds.element_spec[image_key])

    def element(i, ex):
        out = {input_key: ex[image_key], "index": i}
        if label_key is not None:  # class-conditional and semi-supervised paradigms
            out["label"] = ex[label_key]
        for key, feature in extra.items():  # e.g. the audio of audio-visual pretext tasks
            out[key] = ex[feature]
        return out

    return ds.enumerate().map(element, num_parallel_calls=tf.data.AUTOTUNE)


def input_key_of(spec: tf.TensorSpec) -> str:
    """The element key ExampleGen gives the feature `dataset.image_key` (or
    `pretext_image_key`) names, from its per-example spec: "text" for strings (a
    corpus for word2vec, the key text ops read), "features" for a numeric vector
    (a row of tabular data such as `adult`, the key `sensitive_attribute` reads),
    else "image" (images, clips)."""
    if spec.dtype == tf.string:
        return "text"
    if spec.shape.rank == 1:
        return "features"
    return "image"


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


@contextlib.contextmanager
def dtype_policy(name: str):
    """Layers created inside take the Keras dtype policy `name` ("float32",
    "mixed_bfloat16": bfloat16 compute, float32 variables); the global policy is
    restored on exit, so baselines and later models stay float32."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def build_model(config: dict, steps_per_epoch: int | None = None) -> keras.Model:
    """The config's paradigm with its networks, compiled as the trainer does
    (seeded by `config["seed"]`, under the dtype policy `train.precision`,
    float32 by default); `steps_per_epoch` is needed by a cosine
    `train.learning_rate_schedule`."""
    keras.utils.set_random_seed(int(config.get("seed", 0)))
    with dtype_policy(config["train"].get("precision", "float32")):
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
    callbacks = [order]
    if train_cfg.get("first_stage"):  # e.g. ADDA's source pretraining, on the same batches
        stage = train_cfg["first_stage"]
        args = copy.deepcopy(stage.get("args", {}))
        callbacks.append(FirstStage(ds, stage["method"], order=order, **args))
    return train(
        build,
        ds,
        epochs=int(train_cfg["epochs"]),
        run_dir=run_dir,
        strategy=strategy or default_strategy(),
        callbacks=callbacks,
        chief_callbacks=[images],
        verbose=verbose,
    )


def check_image_shape(config: dict, ds: tf.data.Dataset) -> None:
    """Refuses `example_gen`'s images if the encoder cannot take them (the CLI and
    `run` call it before any step), naming the option that resizes them:
    `dataset.image_size`; and feature vectors (tabular rows) of another width
    than the encoder's `input_dim`. When `dataset.pretext_image_key` names
    another feature than `image_key`, only height and width are compared (the
    op turns that feature into the encoder's input, e.g. RGB into lightness)."""
    spec = ds.element_spec.get("image") if isinstance(ds.element_spec, dict) else None
    encoder = config.get("encoder") or {}
    features = ds.element_spec.get("features") if isinstance(ds.element_spec, dict) else None
    width = (encoder.get("args") or {}).get("input_dim")
    if features is not None and width is not None and features.shape[-1] != int(width):
        raise ValueError(
            f"dataset {config['dataset']['name']!r} has feature vectors of width "
            f"{features.shape[-1]}, but the encoder takes input_dim={width}: set "
            f"encoder.args.input_dim={features.shape[-1]}"
        )
    expected = (encoder.get("args") or {}).get("input_shape")
    if spec is None or expected is None or spec.shape.rank != len(expected):
        return  # clips, audio, or an encoder without a declared input shape
    got = tuple(spec.shape)
    cfg = config["dataset"]
    compared = len(expected)
    if pretext_image_key(cfg) != cfg.get("image_key", "image"):
        # The pretext op makes the encoder's input from another feature (colorization:
        # RGB -> lightness): its channels may differ, its height and width may not.
        compared = len(expected) - 1
    if any(e is not None and g != e for g, e in list(zip(got, expected))[:compared]):
        raise ValueError(
            f"dataset {config['dataset']['name']!r} has images of shape {got}, but the "
            f"encoder takes {tuple(expected)}: set dataset.image_size="
            f"{list(expected)} to resize them (--config.dataset.image_size="
            f"[{','.join(str(d) for d in expected)}])"
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
        image_size=cfg.get("image_size"),
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
            classes=cfg.get("supervised_classes"),  # e.g. a Siamese net's training classes
        )
    return encoders


def baseline_results(config: dict) -> dict:
    """`{row: {protocol: metrics}}` of the baselines, to share among several runs
    (`run(..., baselines=...)`) on the same dataset, encoder and protocols."""
    data = eval_data(config)
    encoders = baseline_encoders(config, build_encoder(config), data)
    return evaluation.compare(encoders, data, config["evaluation"].get("protocols"))


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
