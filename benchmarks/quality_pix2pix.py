"""Paired image-to-image translation benchmark: pix2pix (Isola et al., CVPR 2017)
from Canny edge maps of Fashion-MNIST (scikit-image, the `edge_pairs` op) back to
the images, with the `pix2pix_fashion_mnist` pipeline's networks and settings,
cGAN + L1 (`adversarial_weight=1`, `l1_weight=100`) next to its L1-only ablation
(`adversarial_weight=0`, the paper's table 1 baseline), same code, same seeds.

Measured on the test split's edge maps (`model_protocols.paired_translation`):
the L1 and SSIM (`tf.image.ssim`) of each output to its true image, the Fréchet
distance of the outputs to the real test images in the features of a
Fashion-MNIST classifier (`tfxlearn.evaluation.sample_quality_classifier`), and
that classifier's accuracy on the outputs (with the true labels) against its
accuracy on the real images. The issue's target, the paper's ablation: cGAN + L1
has a lower Fréchet distance than L1 alone (per seed, the two trained on the
same seed). L1 alone is expected to win on L1 (it minimises nothing else) and
to give blurrier images (higher FD).

Choices on validation only. Each variant's training budget (epochs) is chosen
among CANDIDATE_EPOCHS with seed 0 in one run evaluated after each candidate
epoch count, inside `forbid_splits("test")`: the model trains on
`train[:90%]`, the classifier is trained on `train[:90%]` and the edge maps of
`train[90%:]` (the carve) are translated. The criterion is the validation
Fréchet distance (ties: fewer epochs), the same for both variants. Then each
seed trains each variant on the whole training split for its chosen budget and
is measured once on the test split. A picture grid (edges | L1 only | cGAN + L1
| real) of seed 0 is written next to the result.

    python benchmarks/quality_pix2pix.py [--seeds 0,1,2]
    python benchmarks/quality_pix2pix.py --smoke   # 8x8, tiny nets, writes nothing

Resumable: progress is journaled in `runs/journal/quality_pix2pix/` (`benchmarks/journal.py`,
`scored_fit`): every fit backs up each epoch and every validation score and seed
row is recorded, so rerunning the same command at the same commit after the run
was stopped continues where it stopped (`--restart` starts over); the result
records the sessions the run took.

The smoke run (8x8 images, tiny nets, 64 training and 64 validation / test
images, budgets of 1 and 2 epochs, one seed) takes 30 s of CPU time; measured
2.3 minutes of wall time on 2 cores at load average ~10 (other jobs running),
4 minutes under pytest.

Time, estimated from a short timing at commit time (the pipeline's networks,
20 steps of 32 edge / image pairs after tracing, 2 CPU cores shared with other
jobs at load average ~10-12): 0.29 s per cGAN + L1 step, 0.15 s per L1-only
step (no discriminator update, no gradient through it), ~50 s to trace. An
epoch is 1,687 steps on train[:90%], 1,875 on train. Selection trains 4 epochs
per variant (~50 minutes for both); each seed at most 4 epochs per variant
(~55 minutes), plus ~2-3 minutes per evaluation (10,000 test edge maps
translated, the classifier trained once per split and cached). 3 seeds: at
most about 4 hours at that load (less on an idle machine). Result:
benchmarks/results/quality_pix2pix.json and quality_pix2pix.png, rendered into
docs/dual.md.
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
from tfxlearn.data import forbid_splits, load, to_float_images, validation_splits  # noqa: E402
from tfxlearn.evaluation import EvalData  # noqa: E402
from tfxlearn.evaluation.model_protocols import paired_translation  # noqa: E402
from tfxlearn.pretext import canny_edges, edge_pairs  # noqa: E402

NAME = "quality_pix2pix"
PIPELINE = "pix2pix_fashion_mnist"
DATASET = "fashion_mnist"
VARIANTS = {"l1_only": 0.0, "cgan_l1": 1.0}  # adversarial_weight
CANDIDATE_EPOCHS = (1, 2, 4)
SEEDS = (0, 1, 2)
SMOKE_SHAPE = [8, 8, 1]


def config_for(smoke: bool, adversarial_weight: float) -> dict:
    """The pipeline's config for one variant; for --smoke its tiny nets at 8x8."""
    config = pipeline.load_config(
        PIPELINE, smoke=smoke, adversarial_weight=float(adversarial_weight)
    )
    if smoke:
        config["dataset"]["image_size"] = SMOKE_SHAPE
        config["nets"]["generator"]["args"]["input_shape"] = SMOKE_SHAPE
        config["nets"]["discriminator"]["args"].update(input_shape=[8, 8, 2], widths=[4, 8])
        config["pretext"]["args"]["sigma"] = 0.5
        config["evaluation"]["model_protocols"]["paired_translation"]["edges"]["sigma"] = 0.5
    return config


def batches(config: dict, split: str, seed: int, limit=None):
    """(edges, images) batches of `split`, reshuffled every epoch (seeded)."""
    ds = load(DATASET, split, image_size=config["dataset"].get("image_size"))
    if limit:
        ds = ds.take(int(limit))
    ds = ds.cache().shuffle(60_000, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(int(config["train"]["batch_size"]), drop_remainder=True)
    return edge_pairs(ds, **config["pretext"]["args"], seed=seed)


def evaluate(model, config, train_split, test_split, cache_dir, limit):
    protocol = config["evaluation"]["model_protocols"]["paired_translation"]
    data = EvalData(
        DATASET,
        train_split=train_split,
        test_split=test_split,
        image_size=config["dataset"].get("image_size"),
        max_train=limit,
        max_test=limit,
    )
    return paired_translation(
        model,
        data,
        edges=protocol["edges"],
        classifier_epochs=protocol["classifier_epochs"],
        cache_dir=cache_dir,
    )


def fitting(model, config, split, epochs, seed, limit=None):
    """`fit(callbacks)` for `journal.scored_fit`: `epochs` of (edges, image) batches."""
    ds = batches({**config, "seed": int(seed)}, split, seed, limit)
    return lambda callbacks: model.fit(
        ds, epochs=int(epochs), verbose=0, callbacks=callbacks, shuffle=False
    )


def picture(models: dict, shape, path, count=10) -> str:
    """Test edge maps | L1 only | cGAN + L1 | real images (tfxlearn.viz)."""
    from tfxlearn import viz

    ds = load(DATASET, "test", image_size=shape).take(count).batch(count)
    images = to_float_images(next(iter(ds))["image"]).numpy()
    edges = canny_edges(images, **models["edges"]).numpy()
    columns = [("edges", edges)]
    columns += [
        (label, models[key].translate(edges))
        for key, label in (("l1_only", "L1 only"), ("cgan_l1", "cGAN + L1"))
    ]
    columns.append(("real", images))
    rows, titles = [], []
    for i in range(len(images)):
        for label, column in columns:
            rows.append(column[i])
            titles.append(label)
    return viz.image_grid(
        np.stack(rows), titles, path, columns=2 * len(columns),
        title="pix2pix: edges | L1 only | cGAN + L1 | real",
    )  # fmt: skip


def summarize(runs: list[dict]) -> dict:
    """Mean and sd of every score per variant, and the seeds where cGAN + L1 has the
    lower Fréchet distance."""
    out = {}
    for variant in VARIANTS:
        rows = [r[variant] for r in runs]
        keys = [k for k, v in rows[0].items() if isinstance(v, float)]
        out[variant] = {
            key: {
                "mean": float(np.mean([r[key] for r in rows])),
                "sd": float(np.std([r[key] for r in rows], ddof=1)) if len(rows) > 1 else 0.0,
            }
            for key in keys
        }
    lower = [r["cgan_l1"]["fd_translated"] < r["l1_only"]["fd_translated"] for r in runs]
    out["target"] = {"cgan_fd_below_l1_only": int(sum(lower)), "seeds": len(runs)}
    return out


def main(argv: list[str]) -> None:
    with session(NAME, argv) as journal:
        run(journal.argv, journal)


def run(argv: list[str], journal) -> None:
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    seeds, argv = parse_seeds(argv)
    seeds = list(SEEDS) if seeds == [None] else seeds
    candidates, limit = CANDIDATE_EPOCHS, None
    if smoke:
        candidates, limit, seeds = (1, 2), 64, [0]
    configs = {variant: config_for(smoke, weight) for variant, weight in VARIANTS.items()}
    shape = configs["cgan_l1"]["dataset"].get("image_size") or [28, 28, 1]
    started = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = scratch if smoke else os.environ.get("TFXLEARN_CACHE")
        train_carve, validation = validation_splits("train")

        # 1. Each variant's budget on the validation carve (seed 0, test split
        # forbidden); each variant's scores one journal value (a journal carried
        # to another machine keeps them).
        selection, chosen = {}, {}
        with forbid_splits("test"):
            for variant, config in configs.items():

                def select(variant=variant, config=config):
                    def report(epochs, s):
                        print(
                            f"selection {variant}: {epochs} epochs: validation FD "
                            f"{s['fd_translated']:.2f}, L1 {s['l1']:.4f}, SSIM {s['ssim']:.3f}",
                            flush=True,
                        )

                    model = seeded_model(config, 0)
                    _, scores, _ = scored_fit(
                        journal,
                        f"selection/{variant}",
                        model,
                        fitting(model, config, train_carve, max(candidates), 0, limit),
                        at=candidates,
                        score=lambda m, _: evaluate(
                            m, config, train_carve, validation, cache_dir, limit
                        ),
                        report=report,
                    )
                    return scores

                scores = journal.value(f"selection/{variant}/scores", select)
                selection[variant] = scores
                chosen[variant] = int(
                    min(scores, key=lambda k, s=scores: (s[k]["fd_translated"], int(k)))
                )
                print(f"chosen budget {variant}: {chosen[variant]} epochs", flush=True)

        # 2. Each seed and variant on the whole training split, measured once on
        # test; a seed's row is one journal value, the picture the last seed's
        # (drawn in the session that finishes the run).
        def seed_row(seed):
            row, models = {"seed": seed}, {}
            for variant, config in configs.items():
                model = seeded_model(config, seed)
                model, _, train_seconds = scored_fit(
                    journal,
                    f"seed{seed}/{variant}",
                    model,
                    fitting(model, config, "train", chosen[variant], seed, limit),
                )
                models[variant] = model
                t0 = time.time()
                scores = evaluate(model, config, "train", "test", cache_dir, limit)
                row[variant] = {
                    **scores,
                    "evaluation_seconds": round(time.time() - t0, 1),
                    "train_seconds": round(train_seconds, 1),
                }
            if seed == seeds[-1]:
                grid_path = os.path.join(scratch if smoke else RESULTS, f"{NAME}.png")
                edges = configs["cgan_l1"]["pretext"]["args"]
                picture({**models, "edges": edges}, shape, grid_path)
            return row

        runs = []
        for seed in seeds:
            row = journal.value(f"seed{seed}/row", lambda seed=seed: seed_row(seed))
            for variant in configs:
                scores = row[variant]
                print(
                    f"seed {seed} {variant}: L1 {scores['l1']:.4f}, SSIM {scores['ssim']:.3f}, "
                    f"FD {scores['fd_translated']:.2f} (real floor {scores['fd_real_floor']:.2f}), "
                    f"accuracy {100 * scores['translated_accuracy']:.1f}% generated vs "
                    f"{100 * scores['target_accuracy']:.1f}% real",
                    flush=True,
                )
            runs.append(row)
    payload = {
        "dataset": DATASET,
        "pipeline": PIPELINE,
        "image_size": list(shape),
        "batch_size": int(configs["cgan_l1"]["train"]["batch_size"]),
        "l1_weight": configs["cgan_l1"]["paradigm"]["args"]["l1_weight"],
        "edges": configs["cgan_l1"]["pretext"]["args"],
        "picture_seed": seeds[-1],
        **budget_selection(
            seeds, validation, candidates, selection, chosen, runs, summarize(runs), started
        ),
        "journal": journal.summary(),
    }
    finish(NAME, payload, smoke, write_result)


if __name__ == "__main__":
    main(begin(sys.argv[1:]))
