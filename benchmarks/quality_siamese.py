"""Siamese networks verified on classes never seen in training (issue 26 section 2).

For each dataset (Fashion-MNIST 28x28, scikit-learn `digits` 8x8) the classes
0-4 are the training classes and 5-9 the unseen ones. Three encoders of one
architecture (`nets.conv_encoder`) are compared on the test images of the
unseen classes by `evaluation.verification` (ROC AUC and equal error rate of
10,000 verification pairs, one-shot 5-way accuracy over 2,000 episodes;
features L2-normalized, Euclidean distance):

- `siamese`: the Siamese paradigm trained on pairs / triplets of the training
  classes (embedding: encoder -> MLP head -> L2 normalization);
- `random-init`: the same architecture, freshly initialised;
- `classifier`: the same encoder trained as a plain classifier (encoder +
  linear head, cross-entropy, `evaluation.supervised_encoder(classes=...)`)
  on the training classes, for the same number of epochs.

Choices on validation only. The loss (contrastive / triplet), its margin, and
for every encoder the representation it is compared by (the embedding or the
bare encoder features) are chosen on a class-disjoint validation carve of the
training classes: training on classes 0-2 of `train[:90%]`, verification (ROC
AUC) on classes 3-4 of `train[90%:]`, under `forbid_splits("test")`. The choice
is made once (with the first seed) and reused for every seed; the test split
is read once per seed, at the end.

    python benchmarks/quality_siamese.py                      # both datasets, seed 0
    python benchmarks/quality_siamese.py --seeds 0,1,2        # mean ± sd over seeds
    python benchmarks/quality_siamese.py --smoke --allow-dirty  # ~35 s, writes nothing

Time (estimated from ~300 training pairs/s measured on 2 shared cores): per
seed ~13 min on Fashion-MNIST and ~2 min on digits, plus one selection of ~30
and ~6 min; `--seeds 0,1,2` about 1.5 hours.

Result: benchmarks/results/quality_siamese.json (rendered by
benchmarks/renderers/siamese.py into docs/siamese.md).
"""

from __future__ import annotations

import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfxlearn  # noqa: E402
from tfxlearn import evaluation  # noqa: E402
from tfxlearn.data import forbid_splits, validation_splits  # noqa: E402

tf.get_logger().setLevel("ERROR")  # quiet: no retracing notes for each new encoder
warnings.filterwarnings("ignore", message=".*shuffle=True.*was passed")

TRAIN_CLASSES = (0, 1, 2, 3, 4)
UNSEEN_CLASSES = (5, 6, 7, 8, 9)
# The class-disjoint validation carve of the training classes.
PSEUDO_TRAIN, PSEUDO_UNSEEN = (0, 1, 2), (3, 4)
CANDIDATES = [
    ("contrastive", 0.5),
    ("contrastive", 1.0),
    ("contrastive", 1.5),
    ("triplet", 0.1),
    ("triplet", 0.2),
    ("triplet", 0.5),
]
OUTPUTS = ("embedding", "features")
METRICS = ("roc_auc", "eer", "one_shot_accuracy")

DATASETS = {
    "fashion_mnist": {
        "input_shape": (28, 28, 1),
        "widths": (32, 64, 128),
        "epochs": 5,
        "batch_size": 64,
        "learning_rate": 1e-3,
    },
    "digits": {
        "input_shape": (8, 8, 1),
        "widths": (32, 64),
        "epochs": 40,
        "batch_size": 32,
        "learning_rate": 1e-3,
    },
}
EVAL = {"pairs": 10_000, "ways": 5, "episodes": 2000}
SMOKE = {
    "datasets": {"digits": {**DATASETS["digits"], "widths": (8, 16), "epochs": 2}},
    "candidates": [("contrastive", 1.0), ("triplet", 0.2)],
    "eval": {"pairs": 500, "ways": 5, "episodes": 200},
}


def _subset(images, labels, classes):
    keep = np.isin(labels, classes)
    return images[keep], labels[keep]


def _encoder(cfg):
    return tfxlearn.nets.conv_encoder(cfg["input_shape"], widths=cfg["widths"], norm="batch")


def _siamese(cfg, loss="contrastive", margin=None):
    return tfxlearn.paradigms.get("siamese")(
        encoder=_encoder(cfg), embedding_dim=64, loss=loss, margin=margin
    )


def siamese_models(cfg, data, train_classes, seed, candidate):
    """`{output: model}` of the Siamese paradigm trained on `train_classes` of
    `data`'s training split with `candidate` = (loss, margin)."""
    images, labels = _subset(*data.train, train_classes)
    keras.utils.set_random_seed(seed)
    model = _siamese(cfg, *candidate)
    model.compile(optimizer=keras.optimizers.Adam(cfg["learning_rate"]))
    op = tfxlearn.pretext.get(model.pretext)
    ds = (
        tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))
        .shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        .batch(cfg["batch_size"], drop_remainder=True)
    )
    model.fit(op(ds, seed=seed).prefetch(tf.data.AUTOTUNE), epochs=cfg["epochs"], verbose=0)
    shape = cfg["input_shape"]
    return {"embedding": model.evaluation_encoder(shape), "features": model.encoder}


def baseline_models(cfg, data, train_classes, seed):
    """`{method: {output: model}}` of random-init (embedding network and bare encoder)
    and of the encoder trained as a plain classifier on `train_classes`."""
    keras.utils.set_random_seed(seed)
    architecture = _siamese(cfg)
    embedding = architecture.evaluation_encoder(cfg["input_shape"])
    classifier = evaluation.supervised_encoder(
        _encoder(cfg),
        data,
        epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        learning_rate=cfg["learning_rate"],
        seed=seed,
        classes=list(train_classes),
    )
    return {
        "random-init": {
            "embedding": evaluation.random_encoder(embedding, seed=seed),
            "features": evaluation.random_encoder(architecture.encoder, seed=seed),
        },
        "classifier": {"features": classifier},
    }


def verify(models, data, classes, ways, eval_cfg):
    args = {**eval_cfg, "ways": ways}
    return {
        method: {
            output: evaluation.verification(model, data, classes=list(classes), **args)
            for output, model in outputs.items()
        }
        for method, outputs in models.items()
    }


def _scores(result):
    return {
        m: {o: {k: r[k] for k in METRICS} for o, r in outs.items()} for m, outs in result.items()
    }


def _best(scores):
    return max(scores, key=lambda output: scores[output]["roc_auc"])


def select(name, cfg, candidates, eval_cfg, seed):
    """Loss, margin and each method's representation, by validation ROC AUC."""
    train, validation = validation_splits("train")
    data = evaluation.EvalData(name, train_split=train, test_split=validation)
    ways = len(PSEUDO_UNSEEN)
    with forbid_splits("test"):
        baselines = _scores(
            verify(
                baseline_models(cfg, data, PSEUDO_TRAIN, seed), data, PSEUDO_UNSEEN, ways, eval_cfg
            )
        )
        scores = {}
        for loss, margin in candidates:
            start = time.perf_counter()
            models = {"siamese": siamese_models(cfg, data, PSEUDO_TRAIN, seed, (loss, margin))}
            scores[f"{loss}/{margin}"] = _scores(
                verify(models, data, PSEUDO_UNSEEN, ways, eval_cfg)
            )["siamese"]
            print(
                f"  {name} validation {loss} margin {margin}: siamese ROC AUC "
                + " / ".join(
                    f"{o} {r['roc_auc']:.3f}" for o, r in scores[f"{loss}/{margin}"].items()
                )
                + f" ({time.perf_counter() - start:.0f} s)"
            )
    key = max(scores, key=lambda k: max(v["roc_auc"] for v in scores[k].values()))
    loss, margin = key.split("/")
    return {
        "candidates": scores,
        "baselines": baselines,
        "loss": loss,
        "margin": float(margin),
        "outputs": {
            "siamese": _best(scores[key]),
            **{method: _best(outputs) for method, outputs in baselines.items()},
        },
        "carve": {
            "train": f"classes {list(PSEUDO_TRAIN)} of {train}",
            "validation": f"classes {list(PSEUDO_UNSEEN)} of {validation}",
            "metric": "verification ROC AUC",
        },
    }


def measure(name, cfg, choice, eval_cfg, seed):
    """Test-split verification on the unseen classes, read once."""
    data = evaluation.EvalData(name)
    models = {
        "siamese": siamese_models(
            cfg, data, TRAIN_CLASSES, seed, (choice["loss"], choice["margin"])
        ),
        **baseline_models(cfg, data, TRAIN_CLASSES, seed),
    }
    chosen = {m: {choice["outputs"][m]: models[m][choice["outputs"][m]]} for m in models}
    result = verify(chosen, data, UNSEEN_CLASSES, eval_cfg["ways"], eval_cfg)
    return {m: {"output": o, **r[o]} for m, r in result.items() for o in r}


def summarize(per_seed):
    methods = next(iter(per_seed.values()))
    out = {}
    for method in methods:
        out[method] = {}
        for metric in METRICS:
            values = np.array([per_seed[s][method][metric] for s in per_seed], np.float64)
            out[method][metric] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                "values": values.tolist(),
            }
    beats = [
        all(
            per_seed[s]["siamese"]["roc_auc"] > per_seed[s][other]["roc_auc"]
            for other in ("random-init", "classifier")
        )
        for s in per_seed
    ]
    out["target"] = {
        "rule": "siamese ROC AUC above random-init and classifier on the unseen classes",
        "seeds_meeting": int(sum(beats)),
        "seeds": len(beats),
    }
    return out


def main(argv):
    argv = common.begin(argv)
    seeds, argv = common.parse_seeds(argv)
    seeds = [0 if s is None else s for s in seeds]
    smoke = "--smoke" in argv
    datasets = SMOKE["datasets"] if smoke else DATASETS
    candidates = SMOKE["candidates"] if smoke else CANDIDATES
    eval_cfg = SMOKE["eval"] if smoke else EVAL
    payload = {"datasets": {}, "seeds": seeds, "train_classes": list(TRAIN_CLASSES)}
    payload["unseen_classes"] = list(UNSEEN_CLASSES)
    payload["evaluation"] = eval_cfg
    for name, cfg in datasets.items():
        start = time.perf_counter()
        choice = select(name, cfg, candidates, eval_cfg, seeds[0])
        print(f"{name}: chose {choice['loss']} margin {choice['margin']}, {choice['outputs']}")
        per_seed = {}
        for seed in seeds:
            per_seed[str(seed)] = measure(name, cfg, choice, eval_cfg, seed)
            row = per_seed[str(seed)]
            print(
                f"{name} seed {seed} test (classes {list(UNSEEN_CLASSES)}): "
                + "; ".join(
                    f"{m} AUC {r['roc_auc']:.3f} EER {r['eer']:.3f} "
                    f"1-shot {r['one_shot_accuracy']:.3f}"
                    for m, r in row.items()
                )
            )
        payload["datasets"][name] = {
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
            "selection": choice,
            "per_seed": per_seed,
            "summary": summarize(per_seed),
            "seconds": time.perf_counter() - start,
        }
    if smoke:
        print("smoke run: nothing written")
        return
    common.write_result("quality_siamese", payload)


if __name__ == "__main__":
    main(sys.argv[1:])
