"""Feature visualization of a Fashion-MNIST classifier, measured (issue 26 section 4).

Two classifiers of the same architecture (`conv_encoder` + a linear head, trained
by `evaluation.finetuning.train_classifier` on the training split minus its
validation carve, with different seeds: model A and model B) and, for each of
the 10 classes, images optimized by `tfxlearn.visualize.render` on model A to
maximize log p_A(class) (Erhan et al. 2009; Olah et al., Distill 2017), under:

- **noise start**: the Fourier parametrization's random initial images, not optimized;
- **pixel, unregularized**: free pixels, no transforms, no penalty (plain gradient ascent);
- **Fourier + transforms + TV**: Olah et al.'s decorrelated parametrization, random
  jitter / scale / rotation at each step and a total-variation penalty;
- **real images**: the validation images of that class (the carve, never the test split).

Measured per condition: p_A(target) (mean over classes; how many classes reach
0.99), and the classic transfer check: p_B(target) and how often model B, which
never saw the optimization, predicts the target class. Then the channels of model
A's last convolution: each channel's optimized activation against its maximum over
the validation images (`dataset_examples`). Then diversity: 4 images per class
with and without Olah et al.'s diversity term, scored by the mean pairwise cosine
similarity of model A's features within each class (lower = more diverse).

Every setting below is fixed in advance (none was chosen by looking at these
results); the test split is not read. `--seeds 0,1,2` repeats everything (both
classifiers' training and the renders) per seed; mean ± sd are reported.

    python benchmarks/feature_visualization.py --seeds 0,1,2   # ~3 min per seed on 2 cores
    python benchmarks/feature_visualization.py --smoke         # < 1 min, writes nothing

Results: benchmarks/results/feature_visualization.json and feature_visualization.png,
rendered into docs/visualize.md by render_readme.py (renderers/visualize.py).
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import RESULTS, begin, parse_seeds, write_result  # noqa: E402

NAME = "feature_visualization"
TARGET = 0.99  # class probability the issue asks each class objective to reach

SETTINGS = {
    "dataset": "fashion_mnist",
    "widths": [16, 32, 64],
    "epochs": 2,
    "batch_size": 128,
    "train_learning_rate": 1e-3,
    "steps": 256,
    "learning_rate": 0.05,
    "tv_weight": 0.5,
    "diversity_weight": 1.0,
    "diversity_images": 4,
    "channel_layer": "block2_conv0",
    "channels": 8,
    "max_train": None,
}
SMOKE = {**SETTINGS, "epochs": 1, "steps": 24, "max_train": 2048, "channels": 4}

CONDITIONS = {
    "noise start": None,
    "pixel, unregularized": {"param": "pixel", "transforms": None, "tv": 0.0},
    "Fourier + transforms + TV": {"param": "fourier", "transforms": "standard", "tv": None},
}


def classifiers(data, settings: dict, seed: int):
    """Models A (seed) and B (seed + 1000): encoder + linear head, trained alike."""
    from tfxlearn import nets
    from tfxlearn.evaluation.finetuning import train_classifier

    images, labels = data.train
    models = []
    for model_seed in (seed, seed + 1000):
        encoder = nets.conv_encoder(input_shape=(28, 28, 1), widths=settings["widths"])
        model, _ = train_classifier(
            encoder,
            images,
            labels,
            data.num_classes,
            epochs=settings["epochs"],
            batch_size=settings["batch_size"],
            learning_rate=settings["train_learning_rate"],
            seed=model_seed,
            progress=f"classifier (seed {model_seed})",
        )
        models.append(model)
    return models


def probabilities(model, images) -> np.ndarray:
    import tensorflow as tf

    out = [model(images[i : i + 256], training=False) for i in range(0, len(images), 256)]
    return tf.nn.softmax(np.concatenate(out)).numpy()


def class_images(model_a, settings: dict, condition: dict | None, seed: int, classes: int):
    """One image per class for `condition` (None: the unoptimized noise start)."""
    from tfxlearn import visualize

    if condition is None:
        param = visualize.Fourier()
        return param.images(param.initial((classes, 28, 28, 1), seed)).numpy()
    tv = settings["tv_weight"] if condition["tv"] is None else condition["tv"]
    objectives = [
        visualize.class_probability(c) - tv * visualize.total_variation()
        if tv
        else visualize.class_probability(c)
        for c in range(classes)
    ]
    return visualize.render(
        model_a,
        objectives,
        steps=settings["steps"],
        learning_rate=settings["learning_rate"],
        param=condition["param"],
        transforms=condition["transforms"],
        seed=seed,
    ).images


def transfer_rows(model_a, model_b, rendered: dict, real: tuple) -> dict:
    """p_A(target), p_B(target), B's accuracy for each condition and the real images."""
    rows = {}
    for name, images in [*rendered.items(), ("real images (validation)", real[0])]:
        targets = np.arange(len(images)) if images is not real[0] else real[1]
        pa = probabilities(model_a, images)[np.arange(len(images)), targets]
        pb_all = probabilities(model_b, images)
        pb = pb_all[np.arange(len(images)), targets]
        per_class_a = [float(pa[targets == c].mean()) for c in np.unique(targets)]
        per_class_b = [float(pb[targets == c].mean()) for c in np.unique(targets)]
        rows[name] = {
            "p_a": float(np.mean(per_class_a)),
            "p_a_per_class": per_class_a,
            "classes_reaching_target": int(sum(p >= TARGET for p in per_class_a)),
            "p_b": float(np.mean(per_class_b)),
            "p_b_per_class": per_class_b,
            "b_accuracy": float(np.mean(np.argmax(pb_all, axis=1) == targets)),
        }
    return rows


def channel_rows(model_a, settings: dict, real_images, seed: int) -> dict:
    """Each channel's optimized mean activation against its maximum over real images."""
    from tfxlearn import visualize

    layer = settings["channel_layer"]
    objectives = [visualize.channel(layer, c) for c in range(settings["channels"])]
    result = visualize.render(
        model_a,
        [o - settings["tv_weight"] * visualize.total_variation() for o in objectives],
        steps=settings["steps"],
        learning_rate=settings["learning_rate"],
        seed=seed,
    )
    rows = []
    for c, objective in enumerate(objectives):
        optimized = float(
            visualize.objective_scores(model_a, objective, result.images[c : c + 1])[0]
        )
        _, best = visualize.dataset_examples(model_a, objective, real_images, k=1)
        rows.append({"channel": c, "optimized": optimized, "real_max": float(best[0])})
    return {"layer": layer, "channels": rows, "images": result.images}


def diversity_rows(model_a, settings: dict, seed: int, classes: int) -> dict:
    """Mean pairwise cosine similarity of model A's features among the images of one
    class objective, without and with the diversity term."""
    from tfxlearn import visualize

    features = visualize.feature_model(model_a, ["features"])
    n = settings["diversity_images"]
    out = {}
    for label, weight in (("without", 0.0), ("with diversity term", settings["diversity_weight"])):
        similarities = []
        for c in range(classes):
            objective = (
                visualize.class_probability(c) - settings["tv_weight"] * visualize.total_variation()
            )
            if weight:
                objective = objective + weight * visualize.diversity("features")
            images = visualize.render(
                model_a,
                objective,
                n=n,
                steps=settings["steps"],
                learning_rate=settings["learning_rate"],
                seed=seed,
                show_progress=False,
            ).images
            f = features(images, training=False)["features"].numpy()
            f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
            s = f @ f.T
            similarities.append(float((s.sum() - np.trace(s)) / (n * (n - 1))))
        out[label] = {"mean_cosine": float(np.mean(similarities)), "per_class": similarities}
    return out


def measure(settings: dict, seed: int) -> tuple[dict, dict]:
    """One seed: (JSON-ready results, images for the figure)."""
    import keras

    from tfxlearn import data as tfx_data
    from tfxlearn.evaluation import EvalData

    keras.utils.set_random_seed(seed)
    data = EvalData(settings["dataset"], max_train=settings["max_train"]).validation()
    start = time.perf_counter()
    model_a, model_b = classifiers(data, settings, seed)
    train_seconds = time.perf_counter() - start
    real_images = tfx_data.to_float_images(data.test[0]).numpy()
    real = (real_images, data.test[1])
    classes = data.num_classes
    start = time.perf_counter()
    rendered = {
        name: class_images(model_a, settings, condition, seed, classes)
        for name, condition in CONDITIONS.items()
    }
    render_seconds = time.perf_counter() - start
    accuracy = {
        "a": float(np.mean(np.argmax(probabilities(model_a, real_images), 1) == real[1])),
        "b": float(np.mean(np.argmax(probabilities(model_b, real_images), 1) == real[1])),
    }
    channels = channel_rows(model_a, settings, real_images, seed)
    diversity = diversity_rows(model_a, settings, seed, classes)
    # The most probable real image of each class under model A, for the figure.
    pa = probabilities(model_a, real_images)
    best_real = np.stack(
        [
            real_images[np.flatnonzero(real[1] == c)[np.argmax(pa[real[1] == c, c])]]
            for c in range(classes)
        ]
    )
    result = {
        "seed": seed,
        "validation_accuracy": accuracy,
        "conditions": transfer_rows(model_a, model_b, rendered, real),
        "channels": {"layer": channels["layer"], "rows": channels["channels"]},
        "diversity": diversity,
        "seconds": {"train_both": train_seconds, "render_classes": render_seconds},
    }
    figure = {**rendered, "real (most probable)": best_real, "channels": channels["images"]}
    return result, figure


def summarize(per_seed: list[dict]) -> dict:
    """mean and sd over seeds of every headline number."""

    def stats(values):
        values = np.asarray(values, np.float64)
        return {
            "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        }

    names = list(per_seed[0]["conditions"])
    summary = {
        "conditions": {
            name: {
                key: stats([r["conditions"][name][key] for r in per_seed])
                for key in ("p_a", "p_b", "b_accuracy", "classes_reaching_target")
            }
            for name in names
        },
        # A ratio is meaningless for pre-activation channels whose real maximum is <= 0.
        "channels_above_real_max": stats(
            [
                sum(row["optimized"] >= row["real_max"] for row in r["channels"]["rows"])
                for r in per_seed
            ]
        ),
        "channel_margin": stats(
            [
                np.mean([row["optimized"] - row["real_max"] for row in r["channels"]["rows"]])
                for r in per_seed
            ]
        ),
        "diversity": {
            label: stats([r["diversity"][label]["mean_cosine"] for r in per_seed])
            for label in per_seed[0]["diversity"]
        },
    }
    return summary


def plot(figure: dict, path: str) -> str:
    from tfxlearn import viz

    return viz.image_rows(
        figure, path, title="Fashion-MNIST classifier A: one image per class (channels last row)"
    )


def main(argv: list[str]) -> None:
    argv = begin(argv)
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    seeds, argv = parse_seeds(argv)
    if argv:
        raise SystemExit(f"unknown arguments {argv}; usage: {__doc__.split(chr(10) * 2)[-2]}")
    seeds = [0] if seeds == [None] else seeds
    settings = SMOKE if smoke else SETTINGS
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    per_seed, figure = [], None
    for seed in seeds:
        print(f"seed {seed}: training classifiers A and B, then rendering", flush=True)
        result, images = measure(settings, seed)
        per_seed.append(result)
        figure = figure or images
    summary = summarize(per_seed)
    for name, row in summary["conditions"].items():
        print(
            f"{name:>28}: p_A {row['p_a']['mean']:.3f}  p_B {row['p_b']['mean']:.3f}  "
            f"B acc {row['b_accuracy']['mean']:.3f}"
        )
    if smoke:
        print("smoke run: nothing written")
        return
    png = plot(figure, os.path.join(RESULTS, f"{NAME}.png"))
    write_result(
        NAME,
        {
            "settings": settings,
            "seeds": seeds,
            "target": TARGET,
            "per_seed": per_seed,
            "summary": summary,
            "plot": os.path.relpath(png, os.path.dirname(os.path.dirname(RESULTS))),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
