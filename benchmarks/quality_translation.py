"""Unpaired image-to-image translation benchmark: CycleGAN (Zhu et al., ICCV 2017)
from font-rendered digits (`font_digits`, domain A) to scikit-learn's handwritten
`digits` upsampled to 28x28 (domain B), with the `cycle_gan_font_digits`
pipeline's networks and settings. The issue's targets, per seed:

- labels preserved: a classifier trained on real digits (train split) is at least
  90% as accurate on translated font_digits test images (with their labels) as on
  real digits test images (`accuracy_ratio` >= 0.9);
- looks like the target: the Fréchet distance of translated images to the real
  digits test images, in that classifier's features (tfxlearn's own feature
  space, `tfxlearn.evaluation.frechet`), is at most half that of the
  untranslated images (`fd_ratio` <= 0.5);
- and the cycle L1 (mean absolute pixel error of A -> B -> A) is reported.

Choices on validation only. The training budget (epochs) is chosen among
CANDIDATE_EPOCHS with seed 0 in one run evaluated after each candidate epoch
count, inside `forbid_splits("test")`: the model trains on digits
`train[:90%]` and font_digits `train[:90%]`; the target classifier is trained
on digits `train[:90%]` and measured on digits `train[90%:]` (the carve), the
translated images are font_digits `train[90%:]`. The criterion is the
validation `accuracy_ratio` (ties: fewer epochs). Then each seed trains on the
whole training splits for the chosen budget and is measured once on the test
splits. A picture grid (font_digits test images | translated | reconstructed)
of seed 0 is written next to the result.

    python benchmarks/quality_translation.py [--seeds 0,1,2]
    python benchmarks/quality_translation.py --smoke   # 8x8, tiny nets, writes nothing

Resumable: progress is journaled in `runs/journal/quality_translation/` (`benchmarks/journal.py`,
`scored_fit`): every fit backs up each epoch and every validation score and seed
row is recorded, so rerunning the same command at the same commit after the run
was stopped continues where it stopped (`--restart` starts over); the result
records the sessions the run took.

The smoke run (8x8 images, tiny nets, 32 images per domain, budgets of 1 and 2
epochs, one seed) takes 43 s of CPU time; measured 2.4 minutes of wall time on 2
cores at load average ~10 (other jobs running).

Time, estimated from a short timing (100 steps of the pipeline's networks at
commit time, 2 CPU cores shared with other jobs, load average ~14): 1.6 s per
step of 16 + 16 images, ~3 minutes to trace the first step, ~3 minutes per
evaluation (3,200 translated test images; the target classifier trained once per
split). Selection trains up to 20 epochs of 80 steps, each seed up to 20 epochs
of 89 steps: with 3 seeds at most ~6,900 steps, i.e. about 3.5 hours at that
load (an idle machine was not available to time), plus ~3 minutes to prepare
`font_digits` once. Result: benchmarks/results/quality_translation.json and
quality_translation.png, rendered into docs/dual.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import (  # noqa: E402
    RESULTS,
    begin,
    budget_selection,
    finish,
    parse_seeds,
    seeded_model,
    write_result,
)
from journal import scored_fit, session  # noqa: E402

from tfxlearn import pipeline  # noqa: E402
from tfxlearn.data import forbid_splits, load, unpaired, validation_splits  # noqa: E402
from tfxlearn.evaluation import EvalData  # noqa: E402
from tfxlearn.evaluation.model_protocols import translation  # noqa: E402

NAME = "quality_translation"
PIPELINE = "cycle_gan_font_digits"
SOURCE, TARGET = "font_digits", "digits"
CANDIDATE_EPOCHS = (5, 10, 20)
SEEDS = (0, 1, 2)
TARGETS = {"accuracy_ratio": 0.9, "fd_ratio": 0.5}
SMOKE_SHAPE = [8, 8, 1]


def config_for(smoke: bool) -> dict:
    """The pipeline's config; for --smoke its tiny nets at 8x8 and tiny data."""
    config = pipeline.load_config(PIPELINE, smoke=smoke)
    if smoke:
        config["dataset"]["image_size"] = SMOKE_SHAPE
        for key, net in config["nets"].items():
            net["args"]["input_shape"] = SMOKE_SHAPE
            if key.startswith("generator"):
                net["args"]["downsamples"] = 1
            else:
                net["args"]["widths"] = [4, 8]
    return config


def batches(config: dict, a: str, a_split: str, b_split: str, seed: int, max_images=None):
    """Unpaired (A, B) batches, B reshuffled every epoch (seeded)."""
    shape = tuple(config["dataset"]["image_size"])
    first = load(a, a_split, image_size=shape)
    second = load(TARGET, b_split, image_size=shape)
    if max_images:
        first, second = first.take(max_images), second.take(max_images)
    second = second.cache().shuffle(4096, seed=seed, reshuffle_each_iteration=True)
    return unpaired.unpaired_batches(
        first, second, batch_size=int(config["train"]["batch_size"]), seed=seed
    )


def evaluate(model, config, source, source_split, train_split, test_split, cache_dir, limit):
    data = EvalData(
        TARGET,
        train_split=train_split,
        test_split=test_split,
        image_size=tuple(config["dataset"]["image_size"]),
        max_train=limit,
        max_test=limit,
    )
    return translation(
        model,
        data,
        source=source,
        source_split=source_split,
        max_source=limit,
        classifier_epochs=config["evaluation"]["model_protocols"]["translation"][
            "classifier_epochs"
        ],
        cache_dir=cache_dir,
    )


def fitting(model, config, source, a_split, b_split, epochs, seed, limit=None):
    """`fit(callbacks)` for `journal.scored_fit`: `epochs` of unpaired batches."""
    ds = batches({**config, "seed": int(seed)}, source, a_split, b_split, seed, limit)
    return lambda callbacks: model.fit(
        ds, epochs=int(epochs), verbose=0, callbacks=callbacks, shuffle=False
    )


def report_selection(epochs, s):
    print(
        f"selection: {epochs} epochs: validation accuracy ratio "
        f"{s['accuracy_ratio']:.3f}, FD ratio {s['fd_ratio']:.3f}",
        flush=True,
    )


def picture(model, source, shape, path, count=10) -> str:
    """font_digits test images | translated | reconstructed (tfxlearn.viz)."""
    from tfxlearn import viz
    from tfxlearn.evaluation.translation import source_arrays

    images, labels = source_arrays(source, "test", shape)
    order = np.random.default_rng(0).permutation(len(images))[:count]
    images, labels = images[order], labels[order]
    rows, titles = [], []
    for x, y, z, label in zip(images, model.translate(images), model.reconstruct(images), labels):
        rows += [x, y, z]
        titles += [f"font {label}", "→ handwritten", "→ font again"]
    return viz.image_grid(
        np.stack(rows), titles, path, columns=6, title="CycleGAN: source | translated | cycled"
    )


def summarize(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, float)]
    out = {}
    for key in keys:
        values = [r[key] for r in runs]
        out[key] = {
            "mean": float(np.mean(values)),
            "sd": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
        }
    meets = [
        r["accuracy_ratio"] >= TARGETS["accuracy_ratio"] and r["fd_ratio"] <= TARGETS["fd_ratio"]
        for r in runs
    ]
    out["target"] = {**TARGETS, "seeds_meeting": int(sum(meets)), "seeds": len(runs)}
    return out


def main(argv: list[str]) -> None:
    with session(NAME, argv) as journal:
        run(journal.argv, journal)


def run(argv: list[str], journal) -> None:
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    seeds, argv = parse_seeds(argv)
    seeds = list(SEEDS) if seeds == [None] else seeds
    config = config_for(smoke)
    source, candidates, limit = SOURCE, CANDIDATE_EPOCHS, None
    if smoke:
        source, candidates, limit, seeds = "font_digits/tiny", (1, 2), 32, [0]
    shape = tuple(config["dataset"]["image_size"])
    started = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = scratch if smoke else os.environ.get("TFXLEARN_CACHE")
        b_train, b_validation = validation_splits("train")
        a_train, a_validation = validation_splits("train")

        # 1. The budget on the validation carves (seed 0, test splits forbidden),
        # one journal value (a journal carried to another machine keeps it).
        def select():
            model = seeded_model(config, 0)
            _, scores, _ = scored_fit(
                journal,
                "selection",
                model,
                fitting(model, config, source, a_train, b_train, max(candidates), 0, limit),
                at=candidates,
                score=lambda m, _: evaluate(
                    m, config, source, a_validation, b_train, b_validation, cache_dir, limit
                ),
                report=report_selection,
            )
            return scores

        with forbid_splits("test"):
            selection = journal.value("selection/scores", select)
        chosen = int(max(selection, key=lambda k: (selection[k]["accuracy_ratio"], -int(k))))
        print(f"chosen budget: {chosen} epochs", flush=True)

        # 2. Each seed on the whole training splits, measured once on the test
        # splits; a seed's row is one journal value, the picture the last seed's
        # (drawn in the session that finishes the run).
        def seed_row(seed):
            model = seeded_model(config, seed)
            model, _, train_seconds = scored_fit(
                journal,
                f"seed{seed}",
                model,
                fitting(model, config, source, "train", "train", chosen, seed, limit),
            )
            t0 = time.time()
            row = evaluate(model, config, source, "test", "train", "test", cache_dir, limit)
            if seed == seeds[-1]:
                grid_path = os.path.join(scratch if smoke else RESULTS, f"{NAME}.png")
                picture(model, source, shape, grid_path)
            return {
                "seed": seed,
                **row,
                "evaluation_seconds": round(time.time() - t0, 1),
                "train_seconds": round(train_seconds, 1),
            }

        runs = []
        for seed in seeds:
            row = journal.value(f"seed{seed}/row", lambda seed=seed: seed_row(seed))
            runs.append(row)
            print(
                f"seed {seed}: accuracy {100 * row['translated_accuracy']:.1f}% translated vs "
                f"{100 * row['target_accuracy']:.1f}% real (ratio {row['accuracy_ratio']:.3f}), "
                f"FD {row['fd_translated']:.2f} vs {row['fd_untranslated']:.2f} untranslated "
                f"(ratio {row['fd_ratio']:.3f}), cycle L1 {row['cycle_l1']:.4f}",
                flush=True,
            )
    payload = {
        "source": SOURCE,
        "target": TARGET,
        "pipeline": PIPELINE,
        "image_size": list(shape),
        "batch_size": int(config["train"]["batch_size"]),
        "picture_seed": seeds[-1],
        **budget_selection(
            seeds,
            {"target": b_validation, "source": a_validation},
            candidates,
            selection,
            chosen,
            runs,
            summarize(runs),
            started,
        ),
        "journal": journal.summary(),
    }
    finish(NAME, payload, smoke, write_result)


if __name__ == "__main__":
    main(begin(sys.argv[1:]))
