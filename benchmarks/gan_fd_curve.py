"""Sample quality of the DCGAN pipeline as training goes on (issue 4).

Trains `pipelines/gan_fashion_mnist.py`'s full config (the benchmark's networks,
optimizers, seed and data order; only the number of epochs differs) and, every
`--every` epochs, measures `model_protocols.sample_quality` exactly as the
pipeline's evaluator does: Fréchet distance of 10,000 samples against the
10,000 test images in the features of tfxlearn's own Fashion-MNIST classifier,
with the train-vs-test floor. With `--generator_ema=DECAY` the paradigm keeps
a weight average of the generator (`generator_ema`) and both the average and the
trained generator are measured, on the same latent vectors: one training run
shows what the average adds.

    python benchmarks/gan_fd_curve.py                      # 20 epochs, every 2
    python benchmarks/gan_fd_curve.py --epochs=8 --every=4
    python benchmarks/gan_fd_curve.py --generator_ema=0.999

Results: benchmarks/results/gan_fd_curve.json and gan_fd_curve.png
(gan_fd_curve_ema.* with --generator_ema), rendered into docs/generative.md by
render_readme.py.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import RESULTS, begin, write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402
from tfxlearn.evaluation import model_protocols  # noqa: E402
from tfxlearn.training.callbacks import EpochOrder  # noqa: E402

TARGET_RATIO = 3.0


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs to train (default 20)")
    parser.add_argument("--every", type=int, default=2, help="measure every N epochs (default 2)")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per measurement")
    parser.add_argument(
        "--generator_ema",
        type=float,
        default=None,
        help="keep a moving average of the generator with this decay in [0, 1) and "
        "measure it next to the trained generator (writes gan_fd_curve_ema.*)",
    )
    args = parser.parse_args(argv)
    if args.generator_ema is not None and not 0.0 <= args.generator_ema < 1.0:
        parser.error(f"--generator_ema must be in [0, 1), got {args.generator_ema}")
    for name in ("epochs", "every", "samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.every > args.epochs:
        parser.error(f"--every ({args.every}) must be <= --epochs ({args.epochs})")
    return args


def plot(points: list[dict], floor: float, path: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    epochs = [p["epoch"] for p in points]
    averaged = "live_frechet_distance" in points[0]
    label = "generator weight average" if averaged else "generator"
    ax.plot(epochs, [p["frechet_distance"] for p in points], "o-", label=label)
    if averaged:
        live = [p["live_frechet_distance"] for p in points]
        ax.plot(epochs, live, "s--", color="tab:orange", label="trained generator")
    ax.axhline(TARGET_RATIO * floor, color="tab:green", ls="--", label="target: 3x floor")
    ax.axhline(floor, color="gray", ls=":", label="real train vs test (floor)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("Fréchet distance (log scale)")
    ax.set_title("DCGAN on Fashion-MNIST: sample quality during training", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv) -> None:
    args = parse(argv)
    config = pipeline.load_config("gan_fashion_mnist", full=True)
    config["train"]["epochs"] = args.epochs
    name = "gan_fd_curve"
    if args.generator_ema is not None:
        config["paradigm"]["args"]["generator_ema"] = args.generator_ema
        name = "gan_fd_curve_ema"
    order = EpochOrder(seed=int(config["seed"]))
    ds = pipeline.transform(config, pipeline.example_gen(config), order)
    # The trainer's model, built as `pipeline.trainer` builds it (same seed, nets,
    # optimizers), trained one epoch per `fit` call so it can be measured between.
    model = pipeline.build_model(config, pipeline.steps_per_epoch(ds))
    data = pipeline.eval_data(config)
    points, seconds = [], 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.fit(ds, epochs=epoch + 1, initial_epoch=epoch, callbacks=[order], verbose=2)
        seconds += time.perf_counter() - start
        if (epoch + 1) % args.every and epoch + 1 != args.epochs:
            continue
        q = model_protocols.sample_quality(
            model, data, seed=int(config["seed"]), samples=args.samples
        )
        point = {
            "epoch": epoch + 1,
            "frechet_distance": q["frechet_distance"],
            "fd_ratio_to_floor": q["fd_ratio_to_floor"],
            "class_entropy": q["class_entropy"],
            "training_seconds": seconds,
        }
        message = (
            f"epoch {epoch + 1}: Fréchet distance {q['frechet_distance']:.3f} "
            f"({q['fd_ratio_to_floor']:.1f}x the floor {q['real_floor']:.4f})"
        )
        if getattr(model, "generator_average", None) is not None:
            trained = SimpleNamespace(sample=functools.partial(model.sample, average=False))
            live = model_protocols.sample_quality(
                trained, data, seed=int(config["seed"]), samples=args.samples
            )
            point["live_frechet_distance"] = live["frechet_distance"]
            point["live_fd_ratio_to_floor"] = live["fd_ratio_to_floor"]
            point["live_class_entropy"] = live["class_entropy"]
            message += f"; trained generator {live['frechet_distance']:.3f}"
        points.append(point)
        print(message, flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    png = plot(points, q["real_floor"], os.path.join(RESULTS, f"{name}.png"))
    write_result(
        name,
        {
            "pipeline": config["name"],
            "config": config,
            "samples": args.samples,
            "real_floor": q["real_floor"],
            "classifier_test_accuracy": q["classifier_test_accuracy"],
            "points": points,
            "plot": os.path.relpath(png, os.path.dirname(os.path.dirname(RESULTS))),
        },
    )


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
