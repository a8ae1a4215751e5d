"""Quality benchmark (`make bench`): the image self-supervision table on Fashion-MNIST.

Every method's pipeline (`pipelines/<method>_fashion_mnist.py`, get_config(full=True))
pretrains on all 60,000 training images; its frozen encoder is then evaluated on
the test split with the same protocols as the two baselines, which are computed
once by the same code and shared by every row:

- random-init: the same architecture, untrained (for low_shot/10 this is
  supervised-from-scratch on the same 100 labels);
- all labels: the same architecture trained with all 60,000 labels.

Protocols: frozen linear probe, weighted kNN (k=20, cosine), and low-shot
fine-tuning with 10 labels per class (the same 100 images for every encoder).

    python benchmarks/quality.py                    # baselines (if missing) + every method
    python benchmarks/quality.py moco jigsaw        # some methods (baselines reused)
    python benchmarks/quality.py --baselines        # recompute the baselines too
    python benchmarks/quality.py --seeds 0,1,2 moco # reruns with other seeds (_seed<N>.json)

Results: benchmarks/results/quality_baselines_fashion_mnist.json and
quality_<method>_fashion_mnist.json, rendered into docs/image.md by render_readme.py.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import RESULTS, begin, parse_seeds, seeded, write_result  # noqa: E402

from tfxlearn import evaluation, pipeline  # noqa: E402
from tfxlearn.progress import progress  # noqa: E402

METHODS = (
    "rotation",
    "relative_patch_location",
    "jigsaw",
    "exemplar",
    "masked_autoencoder",
    "moco",
)
PROTOCOLS = {"linear_probe": {}, "knn": {"k": 20}, "low_shot/10": {"labels_per_class": 10}}
# Low-shot fine-tuning of an encoder that has already seen every label says nothing.
ALL_LABELS_PROTOCOLS = ("linear_probe", "knn")
BASELINES = "quality_baselines_fashion_mnist"


def bench_config(method: str, protocols: dict = PROTOCOLS) -> dict:
    config = pipeline.load_config(f"{method}_fashion_mnist", full=True)
    config["evaluation"]["protocols"] = copy.deepcopy(protocols)
    return config


def baselines(
    recompute: bool = False,
    protocols: dict = PROTOCOLS,
    name: str = BASELINES,
    all_labels_protocols: tuple = ALL_LABELS_PROTOCOLS,
) -> dict:
    """The shared baseline rows, from the results file `name` unless missing or stale."""
    path = os.path.join(RESULTS, f"{name}.json")
    # Any method: the dataset and encoder are the same.
    config = bench_config("rotation", protocols)
    if not recompute and os.path.isfile(path):
        with open(path) as f:
            stored = json.load(f)
        if stored["protocols"] == protocols and stored["encoder"] == config["encoder"]:
            return stored["results"]
    start = time.perf_counter()
    data = pipeline.eval_data(config)
    encoders = pipeline.baseline_encoders(config, pipeline.build_encoder(config), data)
    results = evaluation.compare({"random-init": encoders["random-init"]}, data, protocols)
    labelled = {p: protocols[p] for p in all_labels_protocols}
    results.update(evaluation.compare({"all labels": encoders["all labels"]}, data, labelled))
    write_result(
        name,
        {
            "protocols": protocols,
            "encoder": config["encoder"],
            "supervised_epochs": config["evaluation"]["supervised_epochs"],
            "results": results,
            "table": evaluation.format_table(results),
            "seconds": time.perf_counter() - start,
        },
    )
    return results


def run_method(
    method: str, base: dict, protocols: dict = PROTOCOLS, prefix="quality", seed=None
) -> None:
    """Pretrains `method` at its full budget, evaluates it with `protocols` next to
    the random-init row of `base`, and writes `{prefix}_{method}_fashion_mnist.json`
    (`..._seed<N>.json` for a `--seeds` rerun with another seed than the pipeline's)."""
    config = bench_config(method, protocols)
    result_name = seeded(config, f"{prefix}_{method}_fashion_mnist", seed)
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(
            config,
            runs_root="runs/bench",
            export_root=export_root,
            verbose=2,
            baselines={k: v for k, v in base.items() if k == "random-init"},
        )
    m = result.metrics
    print(m["table"])
    name = config["paradigm"]["name"]
    write_result(
        result_name,
        {
            "pipeline": config["name"],
            "method": name,
            "config": config,
            "results": {name: m["results"][name]},
            "history": m["history"],
            "seconds": m["seconds"],
            "run_dir": result.run_dir,
        },
    )


def main(
    argv,
    protocols: dict = PROTOCOLS,
    baselines_name: str = BASELINES,
    all_labels_protocols: tuple = ALL_LABELS_PROTOCOLS,
    prefix: str = "quality",
):
    """`[--baselines] [--seeds 0,1,2] [METHOD ...]`: the baselines (if missing or asked
    for), then each method (once per seed; the baselines keep seed 0)."""
    seeds, argv = parse_seeds(argv)
    recompute = "--baselines" in argv
    methods = [a for a in argv if not a.startswith("--")] or list(METHODS)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; known: {', '.join(METHODS)}")
    base = baselines(recompute, protocols, baselines_name, all_labels_protocols)
    runs = [(m, s) for m in methods for s in seeds]
    for method, seed in progress(runs, total=len(runs), desc="quality runs", unit="run"):
        run_method(method, base, protocols, prefix, seed)


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
