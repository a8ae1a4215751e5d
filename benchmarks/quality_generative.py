"""Quality benchmark of the unsupervised and semi-supervised paradigms (issue 4).

Each method's pipeline (`pipelines/<method>_fashion_mnist.py`, get_config(full=True))
trains on Fashion-MNIST; then:

- autoencoders, VAE and latent + classifier: their encoder goes through the
  image self-supervision table's protocols (linear probe, kNN k=20, 10 labels
  per class), against the same shared baselines
  (`benchmarks/results/quality_baselines_fashion_mnist.json`, made by
  `benchmarks/quality.py`): the same `conv_encoder`;
- every method: its model protocols (`tfxlearn.evaluation.model_protocols`):
  sample quality (Fréchet distance in our own Fashion-MNIST classifier's
  features, 10,000 samples vs the 10,000 test images, with the train-vs-test
  floor), negative ELBO, own-classifier accuracy, code clustering;
- the semi-supervised GAN: the low-shot protocol on a random-init copy of its
  discriminator is "the same classifier trained on the 100 labels alone"; so is
  the same network without weight normalization (`BASELINE_VARIANTS`), and the
  table compares against the stronger of the two;
- `autoencoder_anomaly`: the autoencoder pipeline trained once per class with
  that class left out, scored by the ROC AUC of reconstruction-error anomaly
  scores for it (ten runs; `--held_out=C[,C...]` runs some classes only).

    python benchmarks/quality_generative.py                 # every method
    python benchmarks/quality_generative.py gan vae         # some
    python benchmarks/quality_generative.py --seeds 0,1,2 sgan  # other seeds: _seed<N>.json
    python benchmarks/quality_generative.py autoencoder_anomaly --held_out=0,3

Results: benchmarks/results/quality_<method>_fashion_mnist.json, rendered into
docs/generative.md by render_readme.py.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import RESULTS, begin, parse_seeds, provenance, seeded, write_result  # noqa: E402

from tfxlearn import evaluation, pipeline  # noqa: E402
from tfxlearn.progress import progress  # noqa: E402

ENCODER_PROTOCOLS = {"linear_probe": {}, "knn": {"k": 20}, "low_shot/10": {"labels_per_class": 10}}
# method -> how its encoder protocols are evaluated:
#   "shared": ENCODER_PROTOCOLS against the shared conv-encoder baselines;
#   "low_shot": low_shot/10 only, its own random-init baseline (the discriminator);
#   None: model protocols only.
METHODS = {
    "autoencoder": "shared",
    "denoising_autoencoder": "shared",
    "sparse_autoencoder": "shared",
    "vae": "shared",
    "latent_classifier": "shared",
    "gan": None,
    "infogan": None,
    "conditional_gan": None,
    "sgan": "low_shot",
    # The autoencoder trained without one class, scored on reconstruction-error
    # anomaly detection of that class; every class in turn (ANOMALY_CLASSES).
    "autoencoder_anomaly": "anomaly",
}
ANOMALY_CLASSES = tuple(range(10))
BASELINES = "quality_baselines_fashion_mnist"


def shared_baselines() -> dict:
    path = os.path.join(RESULTS, f"{BASELINES}.json")
    if not os.path.isfile(path):
        raise SystemExit(f"{path} is missing: run `python benchmarks/quality.py --baselines` first")
    with open(path) as f:
        stored = json.load(f)
    if stored["protocols"] != ENCODER_PROTOCOLS:
        raise SystemExit(f"{path} was made with other protocols: rerun benchmarks/quality.py")
    return {"random-init": stored["results"]["random-init"]}


def bench_config(method: str, held_out: int = 0) -> tuple[dict, dict | None]:
    """The benchmark's config of `method` (and its shared baselines, if any);
    `held_out` is the anomaly protocol's left-out class."""
    mode = METHODS[method]
    source = "autoencoder" if mode == "anomaly" else method
    config = pipeline.load_config(f"{source}_fashion_mnist", full=True)
    evaluation = config["evaluation"]
    baselines = None
    if mode == "anomaly":
        config["name"] = f"{method}_fashion_mnist"
        config["dataset"]["exclude_classes"] = [int(held_out)]
        evaluation["protocols"] = {}
        evaluation["model_protocols"] = {"anomaly": {"held_out_class": int(held_out)}}
    elif mode == "shared":
        evaluation["protocols"] = copy.deepcopy(ENCODER_PROTOCOLS)
        baselines = shared_baselines()
        if config.get("encoder") != _baseline_encoder():
            raise SystemExit(f"{method}: its encoder differs from the shared baselines' encoder")
    elif mode == "low_shot":
        evaluation["protocols"] = {"low_shot/10": {"labels_per_class": 10}}
        evaluation["supervised_epochs"] = 0
    else:
        evaluation["protocols"] = {}
    if evaluation.get("blessing", {}).get("protocol") not in evaluation["protocols"]:
        evaluation.pop("blessing", None)
    return config, baselines


def _baseline_encoder() -> dict:
    with open(os.path.join(RESULTS, f"{BASELINES}.json")) as f:
        return json.load(f)["encoder"]


def _run(config: dict, baselines: dict | None):
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(
            config,
            runs_root="runs/bench",
            export_root=export_root,
            verbose=2,
            baselines=baselines,
        )
    print(result.metrics["table"])
    return result


def run_anomaly(method: str, classes) -> None:
    """One training run per left-out class; a rerun of some classes keeps the
    stored rows of the others (each row carries its own date and commit)."""
    path = os.path.join(RESULTS, f"quality_{method}_fashion_mnist.json")
    runs = {}
    if os.path.isfile(path):
        with open(path) as f:
            runs = json.load(f).get("held_out", {})
    stamp = provenance()
    for held_out in classes:
        config, _ = bench_config(method, held_out)
        result = _run(config, None)
        runs[str(held_out)] = {
            **stamp,
            **result.metrics["model_results"]["anomaly"],
            "seconds": result.metrics["seconds"],
            "run_dir": result.run_dir,
        }
    config, _ = bench_config(method, classes[0])
    write_result(
        f"quality_{method}_fashion_mnist",
        {
            "pipeline": config["name"],
            "method": config["paradigm"]["name"],
            "config": config,
            "held_out": dict(sorted(runs.items(), key=lambda item: int(item[0]))),
        },
    )


# A baseline must not be weakened by the method's own architecture choice: the
# SGAN's discriminator is weight-normalized (the paper's), and the same network
# without weight normalization trained on the 100 labels alone is the stronger
# baseline. Each entry: row name -> {net: {arg: value}} changed in a copy.
BASELINE_VARIANTS = {
    "sgan": {
        "random-init, no weight norm": {
            "discriminator": {"weight_norm": False},
            "head": {"weight_norm": False},
        }
    }
}


def variant_baselines(config: dict, variants: dict) -> dict:
    """`{row: {protocol: metrics}}` of random-init variants of the method's
    evaluation encoder (BASELINE_VARIANTS), by the same protocols and seed."""
    data = pipeline.eval_data(config)
    rows = {}
    for row, changes in variants.items():
        variant = copy.deepcopy(config)
        for net, args in changes.items():
            variant["nets"][net]["args"].update(args)
        model = pipeline.build_model(variant)
        encoder = pipeline.evaluation_encoder(variant, model, data)
        seed = int(config.get("seed", 0))
        rows[row] = evaluation.compare(
            {row: evaluation.random_encoder(encoder, seed=seed)},
            data,
            config["evaluation"]["protocols"],
        )[row]
    return rows


def run_method(method: str, seed: int | None = None) -> None:
    config, baselines = bench_config(method)
    result_name = seeded(config, f"quality_{method}_fashion_mnist", seed)
    result = _run(config, baselines)
    m = result.metrics
    if method in BASELINE_VARIANTS:
        m["results"].update(variant_baselines(config, BASELINE_VARIANTS[method]))
    name = config["paradigm"]["name"]
    write_result(
        result_name,
        {
            "pipeline": config["name"],
            "method": name,
            "config": config,
            "results": m["results"],
            "model_results": m["model_results"],
            "history": m["history"],
            "seconds": m["seconds"],
            "run_dir": result.run_dir,
            "plots": result.plots,
        },
    )


def _held_out_classes(argv) -> tuple[int, ...]:
    values = [a.split("=", 1)[1] for a in argv if a.startswith("--held_out=")]
    if not values:
        return ANOMALY_CLASSES
    try:
        classes = tuple(int(c) for c in values[-1].split(","))
    except ValueError:
        raise SystemExit(f"--held_out takes class ids like 0,3; got {values[-1]!r}") from None
    if not classes or any(c not in ANOMALY_CLASSES for c in classes):
        raise SystemExit(f"--held_out classes must be in {list(ANOMALY_CLASSES)}; got {classes}")
    return classes


def main(argv):
    seeds, argv = parse_seeds(argv)
    methods = [a for a in argv if not a.startswith("--")] or list(METHODS)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; known: {', '.join(METHODS)}")
    classes = _held_out_classes(argv)
    if seeds != [None] and any(METHODS[m] == "anomaly" for m in methods):
        raise SystemExit("--seeds does not apply to autoencoder_anomaly")
    for method in progress(methods, total=len(methods), desc="generative methods", unit="method"):
        if METHODS[method] == "anomaly":
            run_anomaly(method, classes)
        else:
            for seed in seeds:
                run_method(method, seed)


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
