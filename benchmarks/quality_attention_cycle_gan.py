"""Attention-guided CycleGAN benchmark (Mejjati et al., NeurIPS 2018): does the
attention find the region a translation has to change?

Data: `textured_digits` (domain B: digits drawn on crops of scikit-image's
textures and photographs as in MNIST-M, the exact digit `mask` stored) and
`textured_digits/blank` (domain A: other crops of the same textures, no digit),
unpaired, with the `attention_cycle_gan_textured_digits` pipeline's networks and
settings. Removing the digit (B -> A) changes exactly the digit's pixels, so the
B -> A attention thresholded at t should be the mask.

Score: the pooled mask IoU (`tfxlearn.evaluation.attention_masks.mask_iou`) of
the thresholded B -> A attention against the stored masks of the test split.
The issue's target: IoU >= 0.7. Baseline, with no learning: the distance of each
pixel's colour from the image's mean colour (`mean_colour_distance`; the digit
is the inverted texture, so it tends to stand out from the texture's mean),
thresholded the same way. (Not the |translation - input| of a plain CycleGAN:
that would need a second model trained per seed.)

Choices on validation only, inside `forbid_splits("test")`: each seed trains on
`train[:90%]` of both domains; after each epoch count of CANDIDATE_EPOCHS the
B -> A attention of the carve `train[90%:]` of textured_digits (digits the model
never saw) is scored at every threshold of `attention_masks.THRESHOLDS`; the
(epochs, threshold) of the highest validation IoU is kept (ties: fewer epochs,
then the lower threshold) and that model's weights, restored, are scored once on
the test split at that threshold. The baseline's threshold is chosen on the same
carve. A picture grid (input | attention | translation | mask) of seed 0 is
written next to the result.

    python benchmarks/quality_attention_cycle_gan.py [--seeds 0,1,2]
    python benchmarks/quality_attention_cycle_gan.py --smoke   # tiny, writes nothing

Resumable: progress is journaled in `runs/journal/quality_attention_cycle_gan/`
(`benchmarks/journal.py`, `scored_fit`): each seed's fit backs up every epoch,
every validation score is recorded and the weights at each candidate epoch
count are kept, so rerunning the same command at the same commit after a stop
continues where it stopped (`--restart` starts over).

The smoke run (`textured_digits/tiny` / `blank_tiny`: 36 training, 4 validation,
20 test images, the smoke config's tiny nets, budgets of 1 and 2 epochs, one
seed) takes well under a minute.

Time, estimated from a short timing at commit time (the pipeline's networks at
28x28x3, batches of 16 pairs, 2 CPU cores shared with other jobs at load average
~5): 1.4 s per step after ~90 s of tracing; an epoch on train[:90%] is 80 steps
(~2 minutes), so CANDIDATE_EPOCHS up to 20 is ~40 minutes per seed (plus a few
seconds per validation scoring), 3 seeds about 2 hours at that load (less on an
idle machine). Result: benchmarks/results/quality_attention_cycle_gan.json and
quality_attention_cycle_gan.png, rendered into docs/dual.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import RESULTS, begin, parse_seeds, seeded_model, write_result  # noqa: E402
from journal import load_weights, save_weights, scored_fit, session  # noqa: E402

from tfxlearn import pipeline  # noqa: E402
from tfxlearn.data import forbid_splits, load, validation_splits  # noqa: E402
from tfxlearn.data.unpaired import unpaired_batches  # noqa: E402
from tfxlearn.evaluation.attention_masks import (  # noqa: E402
    best_threshold,
    mask_iou,
    masked_images,
    mean_colour_distance,
)

NAME = "quality_attention_cycle_gan"
PIPELINE = "attention_cycle_gan_textured_digits"
CANDIDATE_EPOCHS = (5, 10, 20)
SEEDS = (0, 1, 2)
TARGET_IOU = 0.7


def domains(config: dict) -> tuple[str, str]:
    """(domain A's dataset, domain B's dataset) of the pipeline's config."""
    return config["pretext"]["args"]["domain_a"], config["dataset"]["name"]


def batches(config: dict, split: str, seed: int):
    """(blank crops, digits on textures) batches of `split`, B reshuffled each epoch."""
    name_a, name_b = domains(config)
    b = load(name_b, split).cache().shuffle(4096, seed=seed, reshuffle_each_iteration=True)
    return unpaired_batches(
        load(name_a, split), b, batch_size=int(config["train"]["batch_size"]), seed=seed
    )


def attention_maps(model, images) -> np.ndarray:
    return np.asarray(model.attention(images, "b_to_a"), np.float32)


def validation_score(journal, seed, images, masks):
    """`score(model, epochs)` for `journal.scored_fit`: the validation IoU at every
    threshold, the best kept; the weights at that epoch count are kept in the
    journal (`weights_at`), to be restored if it is the chosen one."""

    def score(model, epochs):
        maps = attention_maps(model, images)
        threshold, table = best_threshold(maps, masks)
        save_weights(model, weights_at(journal, seed, epochs))
        return {"threshold": threshold, "iou": table[threshold]}

    return score


def weights_at(journal, seed, epochs) -> str:
    return os.path.join(journal.dir, "candidates", f"seed{seed}", f"epochs{epochs}.npz")


def picture(model, images, masks, path, count=8) -> str:
    """Rows of test images: input | B -> A attention | translation | true mask."""
    from tfxlearn import viz

    images, masks = images[:count], masks[:count]
    maps = attention_maps(model, images)
    translated = model.translate(images, "b_to_a")
    rows, titles = [], []
    for i in range(len(images)):
        for label, image in (
            ("input", images[i]),
            ("attention", np.repeat(maps[i], 3, axis=-1)),
            ("B -> A", translated[i]),
            ("mask", np.repeat(masks[i].astype(np.float32), 3, axis=-1)),
        ):
            rows.append(image)
            titles.append(label)
    return viz.image_grid(
        np.stack(rows), titles, path, columns=8,
        title="attention-guided CycleGAN: input | attention | B -> A | mask",
    )  # fmt: skip


def summarize(runs: list[dict], baseline: dict) -> dict:
    """Mean and sd of the test IoU over seeds, the baseline's, and the seeds that
    reach TARGET_IOU."""
    ious = [r["test_iou"] for r in runs]
    return {
        "attention_iou": {
            "mean": float(np.mean(ious)),
            "sd": float(np.std(ious, ddof=1)) if len(ious) > 1 else 0.0,
        },
        "baseline_iou": float(baseline["test_iou"]),
        "target": {
            "rule": f"test IoU >= {TARGET_IOU}",
            "seeds_meeting": int(sum(i >= TARGET_IOU for i in ious)),
            "seeds": len(ious),
        },
    }


def measure_seed(journal, config, seed, train_carve, candidates, validation, test, figure):
    """Seed `seed`'s row: trained for the largest candidate, the epochs and
    threshold chosen on the validation carve, the test mask IoU; with `figure`,
    the attention maps of the chosen model drawn there."""
    val_images, val_masks = validation
    test_images, test_masks = test
    model = seeded_model(config, seed)
    ds = batches(config, train_carve, seed)
    with forbid_splits("test"):
        model, scores, train_seconds = scored_fit(
            journal,
            f"seed{seed}",
            model,
            lambda callbacks: model.fit(
                ds, epochs=max(candidates), verbose=0, callbacks=callbacks, shuffle=False
            ),
            at=candidates,
            score=validation_score(journal, seed, val_images, val_masks),
            report=lambda n, s: print(
                f"seed {seed}: {n} epochs: validation IoU {s['iou']:.3f} "
                f"at threshold {s['threshold']}",
                flush=True,
            ),
        )
    chosen = min(scores, key=lambda k: (-scores[k]["iou"], int(k), scores[k]["threshold"]))
    threshold = scores[chosen]["threshold"]
    load_weights(model, weights_at(journal, seed, chosen))
    maps = attention_maps(model, test_images)
    if figure is not None:
        picture(model, test_images, test_masks, figure)
    return {
        "seed": seed,
        "selection": scores,
        "chosen_epochs": int(chosen),
        "threshold": threshold,
        "test_iou": mask_iou(maps > threshold, test_masks),
        "attention_inside": float(maps[test_masks].mean()),
        "attention_outside": float(maps[~test_masks].mean()),
        "train_seconds": round(train_seconds, 1),
    }


def main(argv: list[str]) -> None:
    with session(NAME, argv) as journal:
        run(journal.argv, journal)


def run(argv: list[str], journal) -> None:
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    seeds, argv = parse_seeds(argv)
    seeds = list(SEEDS) if seeds == [None] else seeds
    candidates = CANDIDATE_EPOCHS
    if smoke:
        candidates, seeds = (1, 2), [0]
    config = pipeline.load_config(PIPELINE, smoke=smoke)
    name_b = domains(config)[1]
    started = time.time()
    train_carve, validation = validation_splits("train")
    with forbid_splits("test"):
        val_images, val_masks = masked_images(name_b, validation)
        # The baseline's threshold, on the carve.
        base_threshold, base_table = best_threshold(mean_colour_distance(val_images), val_masks)
    test_images, test_masks = masked_images(name_b, "test")
    baseline = {
        "threshold": base_threshold,
        "validation_iou": base_table[base_threshold],
        "test_iou": mask_iou(mean_colour_distance(test_images) > base_threshold, test_masks),
    }
    print(
        f"baseline (mean-colour distance): validation IoU {baseline['validation_iou']:.3f} at "
        f"{base_threshold}, test IoU {baseline['test_iou']:.3f}",
        flush=True,
    )
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        figure = os.path.join(scratch if smoke else RESULTS, f"{NAME}.png")
        for seed in seeds:
            # a seed's row is one journal value (so a journal carried to another
            # machine keeps the finished seeds); the picture is the last seed's,
            # drawn in the session that finishes the run
            row = journal.value(
                f"seed{seed}/row",
                lambda seed=seed: measure_seed(
                    journal, config, seed, train_carve, candidates, (val_images, val_masks),
                    (test_images, test_masks), figure if seed == seeds[-1] else None,
                ),
            )  # fmt: skip
            runs.append(row)
            print(
                f"seed {seed}: chosen {row['chosen_epochs']} epochs, threshold "
                f"{row['threshold']}: test IoU {row['test_iou']:.3f} (baseline "
                f"{baseline['test_iou']:.3f}); mean attention {row['attention_inside']:.2f} "
                f"on the digit, {row['attention_outside']:.2f} off",
                flush=True,
            )
    payload = {
        "dataset": name_b,
        "domain_a": domains(config)[0],
        "pipeline": PIPELINE,
        "batch_size": int(config["train"]["batch_size"]),
        "seeds": seeds,
        "validation": {"train": train_carve, "split": validation, "images": len(val_images)},
        "test_images": len(test_images),
        "candidate_epochs": list(candidates),
        "baseline": baseline,
        "runs": runs,
        "picture_seed": seeds[-1],
        "summary": summarize(runs, baseline),
        "seconds": round(time.time() - started, 1),
        "journal": journal.summary(),
    }
    if smoke:
        print("smoke run: nothing written")
        return
    write_result(NAME, payload)


if __name__ == "__main__":
    main(begin(sys.argv[1:]))
