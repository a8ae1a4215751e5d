"""`run`: every component in order, in a run directory.

A run directory (default `runs/<name>/<date-time>`) holds `config.json`,
`run_id`, `history.csv`, `tensorboard/`, `plots/`, the training state and
`metrics.json`; rerunning with the same directory resumes.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import os
import time
import uuid

import numpy as np
import tensorflow as tf
from absl import logging

from tfxlearn import data as tfx_data
from tfxlearn import evaluation, pretext
from tfxlearn.evaluation import EvalData
from tfxlearn.pipeline.components import (
    check_image_shape,
    data_service,
    eval_data,
    evaluation_encoder,
    evaluator,
    example_gen,
    pusher,
    trainer,
    transform,
)
from tfxlearn.pipeline.config import label_keys, validate_config
from tfxlearn.training import (
    EpochOrder,
    default_strategy,
    is_chief,
    is_multi_worker,
)


@dataclasses.dataclass
class RunResult:
    run_dir: str
    metrics: dict
    export_path: str | None
    plots: dict


def new_run_dir(config: dict, runs_root: str = "runs") -> str:
    """`<runs_root>/<pipeline name>/<date-time>`: where a new run of `config` goes."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(runs_root, config["name"], stamp)


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


def run(
    config: dict,
    *,
    runs_root: str = "runs",
    run_dir: str | None = None,
    export_root: str | None = None,
    strategy=None,
    verbose="auto",
    baselines: dict | None = None,
    data=None,
) -> RunResult:
    """Runs every stage; rerunning with the same `run_dir` resumes training.

    `data`: an `EvalData` of your own (`EvalData.from_arrays(...)`,
    `EvalData.from_dataset(...)`, `EvalData("folder:/path", image_size=...)`) to
    pretrain on its training split and evaluate on it, instead of the config's
    `dataset` (whose `name` then records `data.name`).

    `baselines`: precomputed baseline rows (`baseline_results(config)`) to reuse
    instead of evaluating random-init and all-labels encoders again.

    Multi-worker (`strategy` a MultiWorkerMirroredStrategy): every worker calls
    `run` with the same config and `run_dir` (on a filesystem they share); all
    of them train, the chief alone evaluates, exports and writes plots and
    `metrics.json`; the other workers return a `RunResult` whose metrics are
    `{"chief": False}`.
    """
    config = copy.deepcopy(config)
    if data is not None:
        if not isinstance(data, EvalData):
            raise TypeError(
                f"data must be a tfxlearn.evaluation.EvalData (e.g. EvalData.from_arrays), "
                f"got {type(data).__name__}"
            )
        config["dataset"].update(name=data.name, image_key=data.image_key)
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
        return _run_stages(config, run_dir, strategy, verbose, baselines, service_target, data)


def evaluation_plan(config: dict) -> str:
    """What the Evaluator measures, in words, for its stage line."""
    cfg = config["evaluation"]
    parts = []
    if cfg.get("protocols"):
        parts.append(
            "the trained encoder, random-init and all-labels baselines "
            f"({', '.join(cfg['protocols'])})"
        )
    if cfg.get("model_protocols"):
        parts.append(f"the trained model ({', '.join(cfg['model_protocols'])})")
    return "; ".join(parts) or "no protocol configured"


def _stage(verbose, text: str) -> None:
    """One console line per stage (none with verbose=0)."""
    if verbose != 0:
        print(text, flush=True)


def _run_stages(
    config, run_dir, strategy, verbose, baselines, service_target, own_data=None
) -> RunResult:
    timings = {}
    chief = is_chief(strategy)
    cfg = config["dataset"]
    if chief:
        _stage(
            verbose,
            f"ExampleGen + Transform: {cfg['name']} {cfg.get('train_split', 'train')}"
            f", pretext {config['pretext']['name']}",
        )
    start = time.perf_counter()
    order = EpochOrder(seed=int(config.get("seed", 0)))
    examples = example_gen(config, own_data)
    check_image_shape(config, examples)
    ds = transform(config, examples, order, service_target=service_target)
    timings["example_gen+transform"] = time.perf_counter() - start

    if chief:
        _stage(
            verbose,
            f"Trainer: {config['paradigm']['name']}, {config['train']['epochs']} "
            f"epoch(s), run directory {run_dir}",
        )
    start = time.perf_counter()
    model, history = trainer(config, ds, order, run_dir, strategy=strategy, verbose=verbose)
    timings["trainer"] = time.perf_counter() - start

    if not is_chief(strategy):
        # Another worker of a multi-worker run: training is its whole job; the
        # chief evaluates, exports and writes the metrics.
        return RunResult(run_dir=run_dir, metrics={"chief": False}, export_path=None, plots={})

    _stage(verbose, f"Evaluator: {evaluation_plan(config)}")
    start = time.perf_counter()
    data = own_data if own_data is not None else eval_data(config)
    encoder = evaluation_encoder(config, model, data)
    report = evaluator(config, encoder, data, baselines=baselines, model=model)
    timings["evaluator"] = time.perf_counter() - start

    _stage(verbose, f"Pusher: {'export' if report['blessed'] else 'not blessed, no export'}")
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


def _plots(config, ds, model, encoder, data, history, plot_dir) -> dict:
    from tfxlearn import viz  # matplotlib: only when a run draws its plots

    op = pretext.get(config["pretext"]["name"])
    plot = pretext.get_plot(config["pretext"]["name"])
    path = os.path.join(plot_dir, "pretext_examples.png")
    title = f"{config['pretext']['name']} pretext: inputs and generated labels"
    batch = next(iter(ds))
    if plot is not None:
        # Ops whose inputs are not one image per label (patch pairs, tile sets,
        # masked images, views) have their own plot(batch, path, title, model).
        plots = {"pretext_examples": plot(batch, path, title=title, model=model)}
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
    names = None
    if data.in_memory is None:  # in-memory data of your own carries no class names
        info = tfx_data.info(config["dataset"]["name"], data_dir=config["dataset"].get("data_dir"))
        names = getattr(info.features[label_keys(config)[0]], "names", None)
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
