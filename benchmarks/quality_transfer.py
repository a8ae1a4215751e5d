"""Transfer learning benchmark (issue 26, section 1): Fashion-MNIST-pretrained
encoders transferred to scikit-learn's handwritten `digits` (upsampled to 28x28)
with 1, 5, 10 and all labels per class, in every `tfxlearn.transfer` mode,
against training the same architecture from scratch.

Encoders (one architecture: `conv_encoder` 32-64-128 with batch norm, the
MoCo pipeline's):
- supervised: trained on all 60,000 Fashion-MNIST labels for SUPERVISED_EPOCHS
  (`evaluation.supervised_encoder`, seed 0);
- MoCo: `pipelines/moco_fashion_mnist.py`'s benchmark config (`full=True`:
  8 epochs, the budget chosen there on the validation carve), seed 0;
  `--moco PATH` uses an encoder already trained instead (anything
  `transfer.load_encoder` takes, e.g. `saved_models/moco_fashion_mnist` or a
  `.keras` file), and `--supervised PATH` likewise;
- scratch: a fresh random initialisation per seed, fine-tuned end to end
  ("finetune" mode), the no-transfer reference.

Transfer: each of `transfer.MODES` (linear, finetune, gradual, discriminative,
lp_ft) on each pretrained encoder, with the low-shot step policy of
`evaluation.low_shot` (20 epochs, at least 300 steps of batch 64; LP-FT adds its
100 head-only steps). The pretrained encoders are trained once (seed 0); a seed
draws the labelled subset (`balanced_subset`), the head and the shuffling.

Choices on the validation carve only: the learning rate of every (encoder,
mode) pair among CANDIDATES, at 10 labels per class, seed 0, training on
`train[:90%]` and scoring on `train[90%:]` of digits inside
`forbid_splits("test")`; the chosen rate is then used at every label count.
The test split is read once the choices are made.

    python benchmarks/quality_transfer.py [--seeds 0,1,2] [--moco PATH] [--supervised PATH]
    python benchmarks/quality_transfer.py --smoke   # tiny, writes nothing

Resumable: progress is journaled in `runs/journal/quality_transfer/`
(`benchmarks/journal.py`): the pretrained encoders' weights (MoCo's Trainer
backs up each epoch there too), every selection score and every run's
accuracy, so rerunning the same command at the same commit after the run was
stopped continues where it stopped (`--restart` starts over).

The smoke run (every configuration, a few steps, on slices) used ~55 s of CPU
here; on shared cores its wall time is longer.

Estimated duration on 2 CPU cores, from measurements here (2026-12-06, the two
cores shared with other jobs, load average ~10, so probably pessimistic): a
300-step fine-tuning run on digits takes ~50 s, a linear one ~9 s, all labels
for 20 epochs (460 steps) ~57 s; supervised Fashion-MNIST ~100 s per epoch.
Selection 22 runs (~15 min), measurement 11 configurations x 4 label counts x
3 seeds = 132 runs (~90 min), supervised pretraining 5 epochs (~8 min), MoCo
8 epochs of 937 steps at ~0.27 s per step (measured: 40 steps of the full
config in 10.6 s), ~35 min, skipped with --moco: **about 2.5 hours** in all.
Results: benchmarks/results/quality_transfer.json and quality_transfer.png,
rendered into docs/transfer.md by benchmarks/renderers/transfer.py.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import RESULTS, begin, parse_seeds, write_result  # noqa: E402
from journal import session  # noqa: E402

from tfxlearn import evaluation, pipeline, transfer  # noqa: E402
from tfxlearn.data import forbid_splits  # noqa: E402
from tfxlearn.data.subsets import balanced_subset  # noqa: E402
from tfxlearn.training import EpochOrder  # noqa: E402

NAME = "quality_transfer"
TARGET = "digits"
IMAGE_SIZE = (28, 28, 1)
NUM_CLASSES = 10
LABELS_PER_CLASS = (1, 5, 10, None)  # None: all training labels
SELECT_LABELS_PER_CLASS = 10
SEEDS = (0, 1, 2)
SUPERVISED_EPOCHS = 5
EPOCHS, MIN_STEPS, BATCH_SIZE, HEAD_STEPS = 20, 300, 64, 100
CANDIDATES = {  # learning rates compared on the validation carve
    "linear": (1e-2, 1e-3),
    "finetune": (1e-3, 3e-4),
    "gradual": (1e-3, 3e-4),
    "discriminative": (1e-3, 3e-4),
    "lp_ft": (1e-3, 3e-4),
}
SCRATCH = ("scratch", "finetune")


def label_name(labels_per_class) -> str:
    return "all" if labels_per_class is None else str(labels_per_class)


def pretrain_supervised(moco_config: dict, smoke: bool):
    """Fashion-MNIST with every label, the MoCo pipeline's encoder architecture."""
    encoder = pipeline.components.build_encoder(moco_config)
    source = evaluation.EvalData("fashion_mnist", max_train=256 if smoke else None)
    return evaluation.supervised_encoder(
        encoder, source, epochs=1 if smoke else SUPERVISED_EPOCHS, seed=0
    )


def pretrain_moco(config: dict, run_dir: str):
    """MoCo trained with the pipeline's own Trainer (no evaluation, no export);
    a Trainer stopped part-way resumes from its backup in `run_dir`."""
    order = EpochOrder(seed=int(config.get("seed", 0)))
    ds = pipeline.components.transform(config, pipeline.components.example_gen(config), order)
    model, _ = pipeline.components.trainer(config, ds, order, run_dir, verbose=0)
    return model.encoder


def run(encoder, data, mode, labels_per_class, learning_rate, seed, budget) -> float:
    """Test accuracy (on `data.test`) of `encoder` transferred in `mode`."""
    images, labels = data.train
    if labels_per_class is not None:
        index = balanced_subset(labels, labels_per_class, NUM_CLASSES, seed)
        images, labels = images[index], labels[index]
    classifier = transfer.fit(
        encoder,
        (images, labels),
        mode,
        num_classes=NUM_CLASSES,
        learning_rate=learning_rate,
        seed=seed,
        **budget,
    )
    test_images, test_labels = data.test
    logits = classifier.predict(test_images.astype("float32") / 255.0, verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == test_labels))


def configurations(encoders: dict) -> list[tuple[str, str]]:
    """(encoder, mode) pairs measured: every mode of every pretrained encoder, then scratch."""
    return [(name, mode) for name in encoders for mode in transfer.MODES] + [SCRATCH]


def encoder_for(encoders: dict, name: str, seed: int):
    if name == "scratch":  # a fresh initialisation of the same architecture
        return evaluation.random_encoder(encoders["supervised"], seed=seed)
    return encoders[name]


def select(
    encoders, data, candidates, budget, labels_per_class, configs=None, journal=None
) -> dict:
    """`{"encoder/mode": {"scores": {rate: validation accuracy}, "chosen": rate}}`
    on `data.validation()` (seed 0, the test split forbidden), for `configs`
    (default: every configuration). A single candidate is chosen without a run.
    With `journal`, each score is recorded there (and not computed again)."""
    carve = data.validation()
    choices = {}
    with forbid_splits("test"):
        for name, mode in configurations(encoders) if configs is None else configs:
            if len(candidates[mode]) == 1:
                choices[f"{name}/{mode}"] = {"scores": {}, "chosen": float(candidates[mode][0])}
                continue
            scores = {}
            for rate in candidates[mode]:

                def score(name=name, mode=mode, rate=rate):
                    encoder = encoder_for(encoders, name, 0)
                    return run(encoder, carve, mode, labels_per_class, rate, 0, budget)

                key = f"selection/{name}/{mode}/{rate}"
                scores[str(rate)] = journal.value(key, score) if journal else score()
            chosen = max(scores, key=lambda r: (scores[r], -float(r)))  # ties: the smaller rate
            choices[f"{name}/{mode}"] = {"scores": scores, "chosen": float(chosen)}
            print(f"selection {name}/{mode}: {scores} -> {chosen}", flush=True)
    return choices


def summarize(runs: dict) -> dict:
    """`{config: {labels: {"mean", "sd", "values"}}}` of `{config: {labels: [acc per seed]}}`."""
    return {
        config: {
            labels: {
                "mean": float(np.mean(values)),
                "sd": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
                "values": values,
            }
            for labels, values in by_labels.items()
        }
        for config, by_labels in runs.items()
    }


def plot(summary: dict, label_names: list[str], path: str) -> str:
    from tfxlearn import viz

    panels = {}
    for config, by_labels in summary.items():
        name, mode = config.split("/")
        if name == "scratch":
            continue
        curves = panels.setdefault(f"{name}-pretrained", {})
        curves[mode] = (
            [by_labels.get(n, {}).get("mean") for n in label_names],
            [by_labels.get(n, {}).get("sd") for n in label_names],
        )
    scratch = summary.get("/".join(SCRATCH), {})
    for curves in panels.values():
        curves["from scratch"] = (
            [scratch.get(n, {}).get("mean") for n in label_names],
            [scratch.get(n, {}).get("sd") for n in label_names],
        )
    return viz.curve_panels(
        panels,
        path,
        x_labels=label_names,
        xlabel="labels per class",
        ylabel="digits test accuracy",
        title="Fashion-MNIST -> digits transfer",
    )


def option(argv: list[str], flag: str) -> str | None:
    if flag not in argv:
        return None
    at = argv.index(flag)
    if at + 1 >= len(argv):
        raise SystemExit(f"{flag} needs a value")
    value = argv[at + 1]
    del argv[at : at + 2]
    return value


def main(argv: list[str]) -> dict:
    """Runs the benchmark (after `common.begin`), resumable (`run_journaled`)."""
    with session(NAME, argv) as journal:
        return run_journaled(journal.argv, journal)


def timed(journal, key: str, compute):
    """`compute()` recorded under `key` with its seconds under `<key>/seconds`."""
    start = time.time()
    value = journal.value(key, compute)
    journal.value(f"{key}/seconds", lambda: round(time.time() - start, 1))
    return value


def run_journaled(argv: list[str], journal) -> dict:
    seeds, argv = parse_seeds(argv)
    seeds = list(SEEDS) if seeds == [None] else seeds
    moco_path, supervised_path = option(argv, "--moco"), option(argv, "--supervised")
    smoke = "--smoke" in argv
    started = time.time()
    moco_config = pipeline.load_config("moco_fashion_mnist", smoke=smoke, full=not smoke)
    budget = {"epochs": EPOCHS, "min_steps": MIN_STEPS, "batch_size": BATCH_SIZE}
    budget["head_steps"] = HEAD_STEPS
    label_counts, select_labels, candidates = LABELS_PER_CLASS, SELECT_LABELS_PER_CLASS, CANDIDATES
    data = evaluation.EvalData(TARGET, image_size=IMAGE_SIZE)
    if smoke:
        seeds, label_counts, select_labels = [0], (1,), 1
        budget = {"epochs": 1, "min_steps": 2, "batch_size": 16, "head_steps": 2}
        candidates = {mode: rates[:1] for mode, rates in CANDIDATES.items()}
        data = evaluation.EvalData(TARGET, image_size=IMAGE_SIZE, max_train=300, max_test=50)

    def build():  # the encoders' architecture, untrained
        return pipeline.components.build_encoder(moco_config)

    def kept(key: str, train):  # trained once; its weights kept in the journal
        start = time.time()
        model = journal.model(key, train, build)
        journal.value(f"{key}/seconds", lambda: round(time.time() - start, 1))
        return model

    encoders = {
        "supervised": transfer.load_encoder(supervised_path)
        if supervised_path
        else kept("supervised", lambda: pretrain_supervised(moco_config, smoke)),
    }
    moco_run = os.path.join(journal.dir, "moco_run")  # the Trainer's backups: resumable
    encoders["moco"] = (
        transfer.load_encoder(moco_path)
        if moco_path
        else kept("moco", lambda: pretrain_moco(moco_config, moco_run))
    )
    timings = {f"pretrain_{key}": journal.get(f"{key}/seconds") for key in ("supervised", "moco")}
    print(f"pretrained encoders in {timings}", flush=True)

    # 1. Learning rates on the validation carve (test split forbidden).
    selection = timed(
        journal,
        "selection",
        lambda: select(encoders, data, candidates, budget, select_labels, journal=journal),
    )
    timings["selection"] = journal.get("selection/seconds")

    # 2. Every configuration x label count x seed, on the test split.
    t0 = time.time()
    runs: dict = {}
    for seed in seeds:
        for labels_per_class in label_counts:
            for name, mode in configurations(encoders):
                config = f"{name}/{mode}"
                rate = selection[config]["chosen"]
                accuracy = journal.value(
                    f"seed {seed}/{label_name(labels_per_class)}/{config}",
                    lambda name=name, mode=mode, n=labels_per_class, rate=rate, s=seed: run(
                        encoder_for(encoders, name, s), data, mode, n, rate, s, budget
                    ),
                )
                runs.setdefault(config, {}).setdefault(label_name(labels_per_class), [])
                runs[config][label_name(labels_per_class)].append(accuracy)
                print(
                    f"seed {seed}, {label_name(labels_per_class)} labels/class, {config} "
                    f"(lr {rate:g}): test {100 * accuracy:.1f}%",
                    flush=True,
                )
    timings["measurement (this session)"] = round(time.time() - t0, 1)
    summary = summarize(runs)
    label_names = [label_name(n) for n in label_counts]
    payload = {
        "source": "fashion_mnist",
        "target": TARGET,
        "image_size": list(IMAGE_SIZE),
        "encoders": {
            "supervised": supervised_path or f"supervised_encoder, {SUPERVISED_EPOCHS} epochs",
            "moco": moco_path
            or f"pipelines/moco_fashion_mnist.py full config, "
            f"{moco_config['train']['epochs']} epochs",
            "scratch": "random_encoder(seed), fine-tuned end to end",
        },
        "labels_per_class": label_names,
        "modes": list(transfer.MODES),
        "budget": budget,
        "seeds": seeds,
        "selection": {
            "carve": {"train": "train[:90%]", "validation": "train[90%:]"},
            "labels_per_class": select_labels,
            "candidates": {mode: list(rates) for mode, rates in candidates.items()},
            "choices": selection,
        },
        "runs": runs,
        "summary": summary,
        "seconds": {**timings, "total (this session)": round(time.time() - started, 1)},
        "journal": journal.summary(),
    }
    if smoke:
        print("smoke run: nothing written")
        return payload
    png = plot(summary, label_names, os.path.join(RESULTS, f"{NAME}.png"))
    payload["plot"] = os.path.relpath(png, os.path.dirname(os.path.dirname(RESULTS)))
    write_result(NAME, payload)
    return payload


if __name__ == "__main__":
    main(begin(sys.argv[1:]))
