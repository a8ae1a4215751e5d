"""MoCo time-to-accuracy: tfxlearn against lightly, same budget, same evaluation (issue 24).

Each library trains MoCo on the same Fashion-MNIST images for the same
wall-clock budget, one after the other on this machine (tfxlearn: the `moco`
paradigm as `pipelines/moco_fashion_mnist.py` configures it, with the learning
rate held constant; lightly: `benchmarks/peers/lightly_moco.py`, the same encoder
architecture and hyperparameters). At `--checkpoints` evenly spaced points of
training time (feature extraction not counted) each writes its encoder's
features; this script then evaluates every checkpoint with the same tfxlearn
code: weighted kNN (k = 20) and the L-BFGS linear probe.

Choices are made on validation only: pretraining uses the training split minus
the validation carve (`tfxlearn.data.validation_splits`), the curve is measured
on the carve (probes fitted on the first 10,000 pretraining images), and the test
split is read once per library, at the last checkpoint. Also reported: the
training time each library needs to reach the lower of the two final
validation kNN accuracies (interpolated between checkpoints).

    make peers
    python benchmarks/peers_moco.py [--budget 600] [--checkpoints 5] [--seeds 0]

Results: benchmarks/results/peers_moco.json and peers_moco.png.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PEERS_PYTHON = os.path.join(os.path.dirname(HERE), ".venv-peers", "bin", "python")
FIT_IMAGES = 10_000
LIBRARIES = ("tfxlearn", "lightly")


def train_tfxlearn(train_path, eval_path, out, budget, checkpoints, seed) -> dict:
    """tfxlearn's MoCo for `budget` training seconds (child process)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from tfxlearn import pipeline, pretext

    config = pipeline.load_config("moco_fashion_mnist")
    config["seed"] = seed
    config["train"]["optimizer"]["config"]["learning_rate"] = 2e-3  # constant: no step count
    model = pipeline.build_model(config)
    images = np.load(train_path)
    evals = dict(np.load(eval_path))
    batch = int(config["train"]["batch_size"])
    source = (
        tf.data.Dataset.from_tensor_slices({"image": images})
        .shuffle(len(images), seed=seed)
        .repeat()
        .batch(batch, drop_remainder=True)
    )
    ds = pretext.get("moco_views")(source, seed=seed, **config["pretext"]["args"])
    ds = ds.prefetch(tf.data.AUTOTUNE)
    marks = [budget * (k + 1) / checkpoints for k in range(checkpoints)]
    state = {"trained": 0.0, "steps": 0, "start": None}

    class Budget(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch_index, logs=None):
            if state["start"] is None:
                state["start"] = time.perf_counter()

        def on_train_batch_end(self, batch_index, logs=None):
            now = time.perf_counter()
            state["trained"] += now - state["start"]
            state["steps"] += 1
            state["start"] = now
            if state["trained"] < marks[0]:
                return
            marks.pop(0)
            names = ["fit", "validation"] + ([] if marks else ["test"])
            feats = {
                name: model.encoder.predict(evals[name].astype("float32") / 255.0, verbose=0)
                for name in names
            }
            np.savez(
                os.path.join(out, f"tfxlearn_{checkpoints - len(marks)}.npz"),
                train_seconds=state["trained"],
                steps=state["steps"],
                images=state["steps"] * batch,
                **feats,
            )
            state["start"] = time.perf_counter()
            if not marks:
                self.model.stop_training = True

    model.fit(ds, epochs=1, steps_per_epoch=10**9, verbose=0, callbacks=[Budget()])
    return {"steps": state["steps"], "train_seconds": state["trained"]}


def evaluate(path: str, labels: dict, num_classes: int = 10) -> dict:
    """kNN and linear-probe accuracies of one checkpoint's features (tfxlearn's code)."""
    import numpy as np

    from tfxlearn.evaluation.linear import probe_features
    from tfxlearn.evaluation.nearest_neighbors import knn_predict

    f = np.load(path)
    row = {key: float(f[key]) for key in ("train_seconds", "steps", "images")}
    targets = ["validation"] + (["test"] if "test" in f.files else [])
    for split in targets:
        knn = knn_predict(f["fit"], labels["fit"], f[split], num_classes=num_classes, k=20)
        row[f"{split}_knn"] = float(np.mean(knn == labels[split]))
        probe = probe_features(f["fit"], labels["fit"], f[split], labels[split], num_classes)
        row[f"{split}_linear_probe"] = probe["accuracy"]
    return row


def time_to_reach(curve: list[dict], target: float, key: str = "validation_knn"):
    """Training seconds at which `curve` first reaches `target` (linear between checkpoints)."""
    previous = {"train_seconds": 0.0, key: 0.1}  # chance before training
    for point in curve:
        if point[key] >= target:
            a, b = previous[key], point[key]
            fraction = 1.0 if b == a else (target - a) / (b - a)
            return previous["train_seconds"] + fraction * (
                point["train_seconds"] - previous["train_seconds"]
            )
        previous = point
    return None


def plot(curves: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key, title in zip(
        axes, ("validation_knn", "validation_linear_probe"), ("kNN (k=20)", "linear probe")
    ):
        for library, runs in curves.items():
            for seed, curve in runs.items():
                ax.plot(
                    [p["train_seconds"] / 60 for p in curve],
                    [100 * p[key] for p in curve],
                    marker="o",
                    label=f"{library} (seed {seed})",
                )
        ax.set(xlabel="training minutes", ylabel="validation accuracy (%)", title=title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=600.0, help="training seconds each")
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--max-train", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        train, evals, out, budget, checkpoints, seed = args.child
        print(
            json.dumps(
                train_tfxlearn(train, evals, out, float(budget), int(checkpoints), int(seed))
            )
        )
        return
    if not os.path.isfile(PEERS_PYTHON):
        raise SystemExit(f"{PEERS_PYTHON} is missing: run `make peers` first")
    if args.budget <= 0 or args.checkpoints < 1:
        raise SystemExit("--budget must be > 0 and --checkpoints >= 1")
    seeds = [int(s) for s in args.seeds.split(",")]
    import numpy as np
    from common import RESULTS, write_result

    import tfxlearn

    train_split, validation_split = tfxlearn.data.validation_splits("train")
    train_images, train_labels = tfxlearn.data.as_arrays(
        tfxlearn.data.load("fashion_mnist", train_split)
    )
    if args.max_train:
        train_images = train_images[: args.max_train]
    fit_labels = train_labels[: min(FIT_IMAGES, len(train_images))]
    val_images, val_labels = tfxlearn.data.as_arrays(
        tfxlearn.data.load("fashion_mnist", validation_split)
    )
    test_images, test_labels = tfxlearn.data.as_arrays(tfxlearn.data.load("fashion_mnist", "test"))
    labels = {"fit": fit_labels, "validation": val_labels, "test": test_labels}
    curves = {library: {} for library in LIBRARIES}
    runs = {library: {} for library in LIBRARIES}
    with tempfile.TemporaryDirectory() as tmp:
        train_path, eval_path = os.path.join(tmp, "train.npy"), os.path.join(tmp, "eval.npz")
        np.save(train_path, train_images)
        np.savez(
            eval_path,
            fit=train_images[: len(fit_labels)],
            validation=val_images,
            test=test_images,
        )
        for i, seed in enumerate(seeds):
            order = LIBRARIES if i % 2 == 0 else LIBRARIES[::-1]
            for library in order:
                out = os.path.join(tmp, f"{library}_seed{seed}")
                os.makedirs(out)
                common = [train_path, eval_path, out]
                if library == "tfxlearn":
                    command = [sys.executable, __file__, "--child", *common]
                    command += [str(args.budget), str(args.checkpoints), str(seed)]
                else:
                    command = [PEERS_PYTHON, os.path.join(HERE, "peers", "lightly_moco.py")]
                    command += [*common, "--budget", str(args.budget)]
                    command += ["--checkpoints", str(args.checkpoints), "--seed", str(seed)]
                print(f"seed {seed}: training {library} MoCo for {args.budget:.0f} s", flush=True)
                started = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
                runs[library][seed] = {
                    **json.loads(done.stdout.strip().splitlines()[-1]),
                    "wall_seconds": time.perf_counter() - started,
                }
                files = sorted(
                    glob.glob(os.path.join(out, f"{library}_*.npz")),
                    key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]),
                )
                curves[library][seed] = [evaluate(p, labels) for p in files]
                final = curves[library][seed][-1]
                print(
                    f"seed {seed}: {library}: {final['steps']:.0f} steps, validation kNN "
                    f"{final['validation_knn']:.3f}, linear probe "
                    f"{final['validation_linear_probe']:.3f}",
                    flush=True,
                )
    reach = {}
    for seed in seeds:
        target = min(curves[lib][seed][-1]["validation_knn"] for lib in LIBRARIES)
        reach[seed] = {
            "target_validation_knn": target,
            **{lib: time_to_reach(curves[lib][seed], target) for lib in LIBRARIES},
        }
    plot(curves, os.path.join(RESULTS, "peers_moco.png"))
    write_result(
        "peers_moco",
        {
            "budget_seconds": args.budget,
            "checkpoints": args.checkpoints,
            "seeds": seeds,
            "pretraining_images": int(len(train_images)),
            "fit_images": int(len(fit_labels)),
            "curves": {lib: {str(s): c for s, c in v.items()} for lib, v in curves.items()},
            "runs": {lib: {str(s): r for s, r in v.items()} for lib, v in runs.items()},
            "time_to_lower_final_validation_knn": {str(s): r for s, r in reach.items()},
        },
    )


if __name__ == "__main__":
    if "--child" not in sys.argv:
        from common import begin

        sys.argv[1:] = begin(sys.argv[1:])
    main()
