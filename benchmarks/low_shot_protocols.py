"""Low-shot fine-tuning variants on Fashion-MNIST (issue 3's 10-labels-per-class row).

Pretrains each named method's encoder exactly as its pipeline's trainer does
(`pipelines/<method>_fashion_mnist.py`, get_config(full=True), same seed and data
order), then runs `evaluation.low_shot` with 10 labels per class under several
settings, for that encoder and for the random-init one (supervised from scratch),
on the labelled subsets of seeds 0..N-1:

- protocol: the benchmark table's setting (fine-tune everything, Adam 1e-3);
- fine-tune at 1e-4;
- LP-FT at 1e-3 and 3e-4: 300 head-only steps on the frozen encoder (Adam 1e-2),
  then everything (`head_steps`).

    python benchmarks/low_shot_protocols.py                         # moco, denoising_autoencoder
    python benchmarks/low_shot_protocols.py rotation --seeds=2

Results: benchmarks/results/low_shot_protocols.json, rendered into docs/image.md by
render_readme.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import begin, write_result  # noqa: E402

from tfxlearn import evaluation, pipeline  # noqa: E402
from tfxlearn.training.callbacks import EpochOrder  # noqa: E402

LABELS_PER_CLASS = 10
VARIANTS = {
    "protocol (fine-tune, 1e-3)": {},
    "fine-tune, 1e-4": {"learning_rate": 1e-4},
    "LP-FT, 1e-3": {"head_steps": 300, "head_learning_rate": 1e-2},
    "LP-FT, 3e-4": {"head_steps": 300, "head_learning_rate": 1e-2, "learning_rate": 3e-4},
}


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "methods", nargs="*", default=["moco", "denoising_autoencoder"], help="pipelines"
    )
    parser.add_argument("--seeds", type=int, default=3, help="labelled subsets (default 3)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    known = set(pipeline.available_pipelines())
    for method in args.methods:
        if f"{method}_fashion_mnist" not in known:
            parser.error(f"no pipeline {method}_fashion_mnist; known: {sorted(known)}")
    return args


def pretrained_encoder(method: str, data):
    config = pipeline.load_config(f"{method}_fashion_mnist", full=True)
    order = EpochOrder(seed=int(config["seed"]))
    ds = pipeline.transform(config, pipeline.example_gen(config), order)
    model = pipeline.build_model(config, pipeline.steps_per_epoch(ds))
    start = time.perf_counter()
    model.fit(ds, epochs=int(config["train"]["epochs"]), callbacks=[order], verbose=2)
    return pipeline.evaluation_encoder(config, model, data), time.perf_counter() - start


def measure(encoder, data, seeds: int, label: str) -> dict:
    out = {}
    for variant, options in VARIANTS.items():
        accuracies = []
        for seed in range(seeds):
            r = evaluation.low_shot(
                encoder, data, labels_per_class=LABELS_PER_CLASS, seed=seed, **options
            )
            accuracies.append(r["accuracy"])
            print(f"{label}, {variant}, seed {seed}: {100 * r['accuracy']:.2f}%", flush=True)
        out[variant] = {"accuracies": accuracies, "mean": sum(accuracies) / len(accuracies)}
    return out


def main(argv) -> None:
    args = parse(argv)
    config = pipeline.load_config(f"{args.methods[0]}_fashion_mnist", full=True)
    data = pipeline.eval_data(config)
    # The benchmark table's random-init encoder (`pipeline.baseline_encoders`).
    random_init = evaluation.random_encoder(
        pipeline.build_encoder(config), seed=int(config.get("seed", 0))
    )
    results, seconds = {}, {}
    results["random-init"] = measure(random_init, data, args.seeds, "random-init")
    for method in args.methods:
        encoder, seconds[method] = pretrained_encoder(method, data)
        results[method] = measure(encoder, data, args.seeds, method)
    write_result(
        "low_shot_protocols",
        {
            "labels_per_class": LABELS_PER_CLASS,
            "seeds": list(range(args.seeds)),
            "variants": VARIANTS,
            "results": results,
            "pretraining_seconds": seconds,
        },
    )


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
