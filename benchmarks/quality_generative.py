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
  discriminator is "the same classifier trained on the 100 labels alone";
- `autoencoder_anomaly`: the autoencoder pipeline trained without class 0,
  scored by the ROC AUC of reconstruction-error anomaly scores for that class.

    python benchmarks/quality_generative.py                 # every method
    python benchmarks/quality_generative.py gan vae         # some

Results: benchmarks/results/quality_<method>_fashion_mnist.json, rendered into
README.md by render_readme.py.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import RESULTS, write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402

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
    # The autoencoder trained without class 0 (T-shirt/top, the first class: chosen
    # before any result), scored on reconstruction-error anomaly detection.
    "autoencoder_anomaly": "anomaly",
}
HELD_OUT_CLASS = 0
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


def bench_config(method: str) -> tuple[dict, dict | None]:
    mode = METHODS[method]
    source = "autoencoder" if mode == "anomaly" else method
    config = pipeline.load_config(f"{source}_fashion_mnist", full=True)
    evaluation = config["evaluation"]
    baselines = None
    if mode == "anomaly":
        config["name"] = f"{method}_fashion_mnist"
        config["dataset"]["exclude_classes"] = [HELD_OUT_CLASS]
        evaluation["protocols"] = {}
        evaluation["model_protocols"] = {"anomaly": {"held_out_class": HELD_OUT_CLASS}}
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


def run_method(method: str) -> None:
    config, baselines = bench_config(method)
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(
            config,
            runs_root="runs/bench",
            export_root=export_root,
            verbose=2,
            baselines=baselines,
        )
    m = result.metrics
    print(m["table"])
    name = config["paradigm"]["name"]
    write_result(
        f"quality_{method}_fashion_mnist",
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


def main(argv):
    methods = [a for a in argv if not a.startswith("--")] or list(METHODS)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; known: {', '.join(METHODS)}")
    for method in methods:
        run_method(method)


if __name__ == "__main__":
    main(sys.argv[1:])
