"""Does training in bfloat16 keep the accuracy? The check behind `train.precision`.

`train.precision: "mixed_bfloat16"` (bfloat16 compute, float32 weights) is the
speed lever of issue 24 that `benchmarks/peers_speed.py` measures; issue 24 keeps
it only if the linear-probe accuracy drops by at most 0.3 points. For each seed,
the pipeline runs twice, in float32 and in mixed_bfloat16 (the order alternating
between seeds), on the training split minus the validation carve, with the
accuracies read on the carve and the test split forbidden (keeping a lever is a
choice, so the test split is not read: `selection.run_candidate`).

Reported per precision: linear-probe and kNN accuracy on the carve (mean ± sd over
seeds) and the Trainer's seconds; per seed, the paired difference bfloat16 -
float32 and the Trainer's speedup (float32 seconds / bfloat16 seconds).

    python benchmarks/precision.py [--seeds 0,1,2] [--pipeline rotation_fashion_mnist]
    python benchmarks/precision.py --smoke    # tiny configs; writes nothing

Results: benchmarks/results/precision_<pipeline>.json, rendered in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import common  # noqa: E402
import selection  # noqa: E402

from tfxlearn import pipeline  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16")
PROTOCOLS = ("linear_probe", "knn")
TARGET_DROP = 0.003  # issue 24: at most 0.3 points of linear-probe accuracy


def mean_sd(values: list[float]) -> dict:
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def summarize(runs: list[dict]) -> dict:
    """Per precision mean ± sd of each protocol and of the Trainer's seconds; the
    paired per-seed bfloat16 - float32 differences and Trainer speedups."""
    by = {p: [r for r in runs if r["precision"] == p] for p in PRECISIONS}
    seeds = sorted({r["seed"] for r in runs})
    pair = {s: {r["precision"]: r for r in runs if r["seed"] == s} for s in seeds}
    summary = {
        p: {
            **{k: mean_sd([r["validation"][k] for r in rows]) for k in PROTOCOLS},
            "trainer_seconds": mean_sd([r["trainer_seconds"] for r in rows]),
        }
        for p, rows in by.items()
    }
    summary["difference"] = {
        k: mean_sd(
            [
                pair[s]["mixed_bfloat16"]["validation"][k] - pair[s]["float32"]["validation"][k]
                for s in seeds
            ]
        )
        for k in PROTOCOLS
    }
    summary["trainer_speedup"] = mean_sd(
        [
            pair[s]["float32"]["trainer_seconds"] / pair[s]["mixed_bfloat16"]["trainer_seconds"]
            for s in seeds
        ]
    )
    summary["target_linear_probe_drop"] = TARGET_DROP
    summary["meets_target"] = summary["difference"]["linear_probe"]["mean"] >= -TARGET_DROP
    return summary


def config_for(name: str, precision: str, seed: int, smoke: bool) -> dict:
    config = pipeline.load_config(name, smoke=smoke, full=not smoke)
    config["seed"] = int(seed)
    config["train"]["precision"] = precision
    config["evaluation"]["protocols"] = {"linear_probe": {}, "knn": {"k": 20}}
    return config


def main(argv=None, run=selection.run_candidate) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    seeds, argv = common.parse_seeds(argv)
    seeds = [0, 1, 2] if seeds == [None] else seeds
    smoke = "--smoke" in argv
    name = "rotation_fashion_mnist"
    if "--pipeline" in argv:
        name = argv[argv.index("--pipeline") + 1]
    started = time.time()
    runs = []
    for i, seed in enumerate(seeds):
        for precision in PRECISIONS if i % 2 == 0 else PRECISIONS[::-1]:
            metrics = run(config_for(name, precision, seed, smoke))
            method = metrics["config"]["paradigm"]["name"]
            row = {
                "seed": seed,
                "precision": precision,
                "validation": {k: selection.metric_value(metrics, method, k) for k in PROTOCOLS},
                "trainer_seconds": float(metrics["seconds"]["trainer"]),
            }
            runs.append(row)
            print(
                f"seed {seed} {precision}: validation linear probe "
                f"{row['validation']['linear_probe']:.4f}, kNN {row['validation']['knn']:.4f}, "
                f"trainer {row['trainer_seconds']:.0f} s",
                flush=True,
            )
    summary = summarize(runs)
    drop = 100 * summary["difference"]["linear_probe"]["mean"]
    print(
        f"mixed_bfloat16 - float32: linear probe {drop:+.2f} points, trainer "
        f"{summary['trainer_speedup']['mean']:.2f}x faster "
        f"({'meets' if summary['meets_target'] else 'misses'} the -0.3-point target)"
    )
    payload = {
        "pipeline": name,
        "seeds": seeds,
        "validation": "train minus its last 10% (the carve); test split forbidden",
        "runs": runs,
        "summary": summary,
        "seconds": round(time.time() - started, 1),
    }
    common.finish(f"precision_{name}", payload, smoke, write=common.write_result)
    return payload


if __name__ == "__main__":
    sys.argv[1:] = common.begin(sys.argv[1:])
    main()
