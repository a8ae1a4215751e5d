"""Quality benchmark for adversarial examples and adversarial training on Fashion-MNIST.

Clean and robust test accuracy (FGSM; PGD with a random start, 20 steps of
2.5 * eps / 20) at eps 0.05, 0.1, 0.15 and 0.2 of two classifiers trained by the
same code (`pipelines/adversarial_training_fashion_mnist.py`, get_config(full=True),
5 epochs): the standard one (`attack="none"`) and the adversarially trained one
(Madry et al., ICLR 2018: PGD examples at eps 0.1 in every step).

Choices on validation only: the number of PGD steps per training example comes
from `python benchmarks/selection.py adversarial_training_steps` (the carve's
PGD-20 accuracy at eps 0.1; `benchmarks/results/select_adversarial_training_steps.json`),
run first by this script when that file does not exist. The training radius 0.1
is the measured one (issue 26), not a choice; the evaluation radii are a grid.
Every seed reruns both pipelines; the test split is read by each final run only.

    python benchmarks/quality_adversarial.py --seeds 0,1,2    # about 2 h on 2 quiet cores
    python benchmarks/quality_adversarial.py --smoke          # tiny run, < 1 min, no result

Resumable: each pipeline's run directory and export live in
`runs/journal/quality_adversarial/` (`benchmarks/journal.py`) and each finished
pipeline's scores are recorded there, so rerunning the same command at the same
commit after a stop continues (an unfinished pipeline from its Trainer's last
epoch backup; `--restart` starts over).

Results: benchmarks/results/quality_adversarial.json (per seed, mean and sd),
adversarial_examples.png (clean test images, their FGSM and PGD examples against
the standard classifier and PGD examples against the robust one, captions the
predicted classes) and adversarial_accuracy_vs_eps.png; docs/adversarial.md
renders them (benchmarks/renderers/adversarial.py).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import RESULTS, begin, parse_seeds, seeded, write_result  # noqa: E402
from journal import session  # noqa: E402

from tfxlearn import attacks, pipeline  # noqa: E402
from tfxlearn import data as tfx_data  # noqa: E402

PIPELINE = "adversarial_training_fashion_mnist"
SELECTION = "adversarial_training_steps"
MODELS = {"standard": "none", "adversarial": "pgd"}
PICTURE_EPS = 0.1
PICTURE_IMAGES = 8


def chosen_steps() -> int:
    """The PGD steps chosen on the validation carve (running the selection if needed)."""
    path = os.path.join(RESULTS, f"select_{SELECTION}.json")
    if not os.path.isfile(path):
        import selection

        selection.select(SELECTION, selection.SELECTIONS[SELECTION])
    with open(path) as f:
        return int(json.load(f)["chosen_options"]["steps"])


def run_models(seed, steps: int | None, smoke: bool, journal) -> dict:
    """Both classifiers of one seed: {model: {"robust", "history", "seconds", "export"}},
    each recorded in `journal` when its pipeline finished. The pipeline's run
    directory and export live in the journal: a run stopped part-way resumes from
    its Trainer's last epoch backup (its `seconds` then count the last session's
    part only)."""
    key = str(0 if seed is None else seed)
    out = {}
    for model, attack in MODELS.items():
        options = {"smoke": True} if smoke else {"full": True, "steps": steps}
        config = pipeline.load_config(PIPELINE, attack=attack, **options)
        seeded(config, PIPELINE, seed)
        config["export"]["model_name"] = f"{PIPELINE}_{model}"

        def run(config=config):
            result = pipeline.run(
                config,
                run_dir=os.path.join(
                    journal.dir, "runs", f"seed{key}_{config['export']['model_name']}"
                ),
                export_root=os.path.join(journal.dir, "exports"),
                verbose=2,
            )
            m = result.metrics
            print(m["table"])
            return {
                "robust": m["model_results"]["robust_accuracy"],
                "history": m["history"],
                "seconds": m["seconds"],
                "export": result.export_path,
                "config": config,
            }

        out[model] = journal.value(f"seed{key}/{model}", run)
    return out


def summary(runs: dict) -> dict:
    """{model: {metric: {"mean", "sd", "values"}}} over the seeds."""
    out = {}
    for model in MODELS:
        keys = [k for k in next(iter(runs.values()))[model]["robust"] if k != "examples"]
        out[model] = {}
        for key in keys:
            values = [r[model]["robust"][key] for r in runs.values()]
            out[model][key] = {
                "mean": statistics.fmean(values),
                "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                "values": values,
            }
    return out


def examples_picture(exports: dict, path: str, class_names) -> str:
    """Clean test images and their adversarial examples at PICTURE_EPS."""
    from tfxlearn import viz

    images, labels = tfx_data.as_arrays(tfx_data.load("fashion_mnist", "test").take(PICTURE_IMAGES))
    images = images.astype(np.float32) / 255.0

    def predicted(export, x):
        logits = attacks.logits_function(export)(x)
        return [class_names[int(k)] for k in np.argmax(np.asarray(logits), axis=-1)]

    standard, robust = exports["standard"], exports["adversarial"]
    rows = {
        "clean (standard)": images,
        f"FGSM {PICTURE_EPS:g} vs standard": np.asarray(
            attacks.fgsm(standard, images, labels, PICTURE_EPS)
        ),
        f"PGD {PICTURE_EPS:g} vs standard": np.asarray(
            attacks.pgd(standard, images, labels, PICTURE_EPS, steps=20)
        ),
        f"PGD {PICTURE_EPS:g} vs adv. trained": np.asarray(
            attacks.pgd(robust, images, labels, PICTURE_EPS, steps=20)
        ),
    }
    models = [standard, standard, standard, robust]
    captions = {name: predicted(m, x) for (name, x), m in zip(rows.items(), models)}
    rows["PGD perturbation (standard)"] = attacks.perturbation_image(
        rows[f"PGD {PICTURE_EPS:g} vs standard"], images, PICTURE_EPS
    )
    return viz.image_rows(
        rows,
        path,
        title=(
            "Fashion-MNIST test images and L-inf adversarial examples (captions: predicted class)"
        ),
        captions=captions,
    )


def curve_picture(summary_: dict, eps: list, path: str) -> str:
    """Accuracy against eps (0 = clean) for each model and attack, mean +- sd over seeds."""
    import matplotlib.pyplot as plt

    from tfxlearn import viz  # noqa: F401  (selects the Agg backend)

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for model, style in (("standard", "--"), ("adversarial", "-")):
        for attack, marker in (("fgsm", "s"), ("pgd", "o")):
            keys = ["clean_accuracy"] + [f"{attack}@{e:g}" for e in eps]
            means = [100 * summary_[model][k]["mean"] for k in keys]
            sds = [100 * summary_[model][k]["sd"] for k in keys]
            ax.errorbar(
                [0.0, *eps],
                means,
                yerr=sds,
                linestyle=style,
                marker=marker,
                capsize=2,
                label=f"{model}, {attack.upper()}",
            )
    ax.set_xlabel("L-inf radius eps (pixels in [0, 1])")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Fashion-MNIST: accuracy under attack")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv) -> None:
    with session("quality_adversarial", argv) as journal:
        run(journal.argv, journal)


def run(argv, journal) -> None:
    seeds, argv = parse_seeds(argv)
    smoke = "--smoke" in argv
    steps = None if smoke else chosen_steps()
    out_dir = tempfile.mkdtemp(prefix="quality_adversarial_smoke_") if smoke else RESULTS
    runs = {}
    for seed in seeds:
        key = str(0 if seed is None else seed)
        runs[key] = run_models(seed, steps, smoke, journal)
    first = runs[next(iter(runs))]
    names = tfx_data.info("fashion_mnist").features["label"].names
    pictures = {
        "examples": examples_picture(
            {m: first[m]["export"] for m in MODELS},
            os.path.join(out_dir, "adversarial_examples.png"),
            names,
        ),
    }
    stats = summary(runs)
    eps = first["adversarial"]["config"]["evaluation"]["model_protocols"]["robust_accuracy"]["eps"]
    pictures["curve"] = curve_picture(
        stats, eps, os.path.join(out_dir, "adversarial_accuracy_vs_eps.png")
    )
    payload = {
        "pipeline": PIPELINE,
        "eps": eps,
        "train_eps": first["adversarial"]["config"]["paradigm"]["args"]["eps"],
        "train_steps": first["adversarial"]["config"]["paradigm"]["args"]["steps"],
        "eval": first["adversarial"]["config"]["evaluation"]["model_protocols"]["robust_accuracy"],
        "epochs": first["adversarial"]["config"]["train"]["epochs"],
        "selection": None if smoke else f"select_{SELECTION}",
        "seeds": list(runs),
        "runs": {
            seed: {m: {k: v for k, v in r[m].items() if k != "export"} for m in MODELS}
            for seed, r in runs.items()
        },
        "summary": stats,
        "pictures": {k: os.path.basename(v) for k, v in pictures.items()},
        "journal": journal.summary(),
    }
    if smoke:
        path = os.path.join(out_dir, "quality_adversarial.json")
        with open(path, "w") as f:
            json.dump(payload, f, indent=2, default=str)
        print(f"smoke run: wrote {path} and pictures in {out_dir} (not a result)")
    else:
        write_result("quality_adversarial", payload)


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
