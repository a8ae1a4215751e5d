"""Masked language model: masked-token accuracy against the unigram baseline,
and linear probes of its mean-pooled features against random-init and
bag-of-words features.

The model is the `mlm_bible` pipeline's (paradigm `masked_language_model`, the
English side of `bible_verses`, WordPiece subwords learned on the training
texts). Measured on the 11 test books, which the model never
reads while training:

- masked-token prediction (`tfxlearn.evaluation.masked_tokens`): ~15% of the
  tokens of every test verse hidden by the mask id (fixed seed), accuracy
  and cross-entropy of the model and of the unigram baseline (the training
  texts' word frequencies, add-one smoothed; its accuracy is that of always
  guessing the most frequent word). Target (issue 27): above the unigram's
  accuracy.
- linear probes (`tfxlearn.evaluation.linear.probe_features`: L2 logistic
  regression, the penalty chosen on a random 10% of the probe's training
  verses) of the verse features for the testament (old / new: 6 and 5 test
  books) and for the book (11 classes), the probe trained on the verses of
  two chapters out of three and tested on every third chapter of each book
  (`chapter % 3 == 0`: train and test verses come from DISJOINT chapters,
  every book on both sides, the shortest test book has 3 chapters). Features
  compared: the trained model's mean-pooled final states; the same
  architecture at random initialization (seeded like the run); bag of tokens
  (log(1 + count) of each vocabulary entry and of the unknown token, over the
  model's own tokens).

Choices on validation only, under `forbid_splits("test")`: the model size
(`SIZES`: width x depth) and the number of epochs (1..`MAX_EPOCHS`, the best
epoch of each size's validation curve) by masked-token accuracy on the
validation carve `train[90%:]` (`tfxlearn.data.validation_splits`), the
vocabulary counted on `train[:90%]` alone. The chosen setting is then trained
on the whole training split once per seed.

    python benchmarks/quality_mlm.py [--seeds 0,1,2]
    python benchmarks/quality_mlm.py --smoke   # 500 verses, a tiny model; writes nothing

Resumable: progress is journaled in `runs/journal/quality_mlm/` (`benchmarks/journal.py`):
every fit backs up each epoch and every score is recorded, so rerunning the same
command at the same commit after the run was stopped continues where it stopped
(`--restart` starts over). The result records the sessions the run took.

Full run: estimated 3-6 hours on 2 otherwise idle CPU cores (not run here): a
step (64 verses of 64 positions) costs about what a language-model step of the
same size costs (`quality_lm.py`: 0.25-0.45 s at 128 wide, 0.5-0.95 s at 256),
~440 steps per epoch of the training split; selection is up to 15 epochs of
each of the two sizes on the carve with a validation scoring after each
(1.5-3 hours), measurement 3 seeds x the chosen epochs (1-3 hours), the probes
a few minutes per seed.
"""

from __future__ import annotations

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import common  # noqa: E402
import text_runs  # noqa: E402
from text_runs import curve, summary, texts, train  # noqa: E402

NAME = "quality_mlm"
PIPELINE = "mlm_bible"
#: Model sizes (dim, depth) tried on the validation carve.
SIZES = ((128, 2), (256, 2))
MAX_EPOCHS = 15
#: Every CHAPTER_FOLD-th chapter of each test book is the probes' test side.
CHAPTER_FOLD = 3
FEATURES = ("pretrained", "random_init", "bag_of_words")
TASKS = ("testament", "book")
SMOKE = {
    "sizes": ((32, 1),),
    "max_epochs": 1,
    "max_train": 500,
    "max_test": 100,
    "probe_every": 8,  # every 8th verse of the test books (~750) for the probes
}


def config_for(smoke: bool, size, epochs: int, seed: int, selection: bool) -> dict:
    """The pipeline's config at `size` and `epochs` (`text_runs.config_for`)."""
    return text_runs.config_for(PIPELINE, SMOKE if smoke else None, size, epochs, seed, selection)


def select(smoke: bool, journal, seed: int = 0) -> dict:
    """Size and epochs by validation masked-token accuracy (test split forbidden)."""
    from tfxlearn.data import forbid_splits
    from tfxlearn.evaluation.masked_tokens import masked_token_scores

    sizes = SMOKE["sizes"] if smoke else SIZES
    max_epochs = SMOKE["max_epochs"] if smoke else MAX_EPOCHS
    curves = {}
    with forbid_splits("test"):
        for size in sizes:
            config = config_for(smoke, size, max_epochs, seed, selection=True)
            train_texts, valid_texts = texts(config)
            label = f"{size[0]}x{size[1]}"

            def score(epoch, model, size=size, t=train_texts, v=valid_texts):
                scores = masked_token_scores(model, t, v, seed=seed)
                journal.record("selection/unigram", scores["unigram_accuracy"])
                print(
                    f"  {size} epoch {epoch}: validation masked-token accuracy "
                    f"{scores['model_accuracy']:.4f} (unigram {scores['unigram_accuracy']:.4f})",
                    flush=True,
                )
                return scores["model_accuracy"]

            def size_curve(config=config, key=f"selection/{label}", score=score):
                train(config, journal, key, score=score)
                return curve(journal, key, max_epochs)

            # one value per size: a journal carried to another machine keeps it
            curves[label] = journal.value(f"selection/{label}/curve", size_curve)
    unigram = journal.get("selection/unigram")
    key, best = max(curves.items(), key=lambda item: max(item[1]))
    dim, depth = (int(x) for x in key.split("x"))
    return {
        "dim": dim,
        "depth": depth,
        "epochs": int(best.index(max(best)) + 1),
        "validation_curves": curves,
        "validation_unigram_accuracy": unigram,
        "seed": int(seed),
    }


def probe_verses(smoke: bool) -> dict:
    """The test books' verses: texts, testament, book (0..10 in canonical order
    of the test books) and whether the verse is on the probes' test side."""
    import numpy as np

    from tfxlearn.data import load
    from tfxlearn.data.bible_verses import BOOKS, TEST_BOOKS

    rows = list(load("bible_verses", "test").as_numpy_iterator())
    if smoke:
        rows = rows[:: SMOKE["probe_every"]]
    test_book_index = {BOOKS.index(b): i for i, b in enumerate(TEST_BOOKS)}
    return {
        "texts": np.array([r["en"] for r in rows], dtype=object),
        "testament": np.array([r["testament"] for r in rows], np.int64),
        "book": np.array([test_book_index[int(r["book"])] for r in rows], np.int64),
        "test_side": np.array([r["chapter"] % CHAPTER_FOLD == 0 for r in rows]),
    }


def bag_of_words(model, texts):
    """log(1 + count) of each of the V + 1 classes (unknown and the vocabulary's
    words or pieces, as the model tokenizes), [n, V + 1]."""
    import numpy as np
    import tensorflow as tf

    from tfxlearn.data.text import tokens

    words = tokens(tf.constant(list(texts), tf.string), model.lookup, model.subwords)
    ids = model.lookup(words.flat_values).numpy()
    rows = words.value_rowids().numpy()
    counts = np.zeros((len(texts), len(model.vocabulary) + 1), np.float32)
    np.add.at(counts, (rows, ids), 1.0)
    return np.log1p(counts)


def pooled_features(model, texts, batch: int = 256):
    """The model's mean-pooled features [n, dim] (long verses truncated, quietly)."""
    import numpy as np

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for start in range(0, len(texts), batch):
            out.append(model.embed_texts(list(texts[start : start + batch]))["embedding"])
    return np.concatenate(out)


def probes(features, verses: dict, seed: int) -> dict:
    """Test accuracy of a linear probe per task, trained on the non-test chapters."""
    from tfxlearn.evaluation.linear import probe_features

    side = verses["test_side"]
    out = {}
    for task in TASKS:
        y = verses[task]
        result = probe_features(
            features[~side], y[~side], features[side], y[side], int(y.max()) + 1, seed=seed
        )
        out[task] = {"accuracy": result["accuracy"], "l2": result["l2"]}
    return out


def measure(smoke: bool, choice: dict, seed: int, verses: dict, journal) -> dict:
    """The chosen setting trained on the training split, scored on the test books."""
    import keras

    from tfxlearn.evaluation.masked_tokens import masked_token_scores
    from tfxlearn.pipeline.components import build_model

    size = (choice["dim"], choice["depth"])
    config = config_for(smoke, size, choice["epochs"], seed, selection=False)
    train_texts, test_texts = texts(config)
    model, seconds = train(config, journal, f"seed {seed}")
    # The same hidden tokens for every seed (seed 0 of the evaluation mask).
    row = masked_token_scores(model, train_texts, test_texts, seed=0)
    keras.utils.set_random_seed(int(seed))
    random_model = build_model(config)
    features = {
        "pretrained": pooled_features(model, verses["texts"]),
        "random_init": pooled_features(random_model, verses["texts"]),
        "bag_of_words": bag_of_words(model, verses["texts"]),
    }
    row["probes"] = {name: probes(x, verses, seed) for name, x in features.items()}
    row.update(seed=int(seed), train_seconds=seconds)
    cells = ", ".join(
        f"{task} {row['probes']['pretrained'][task]['accuracy']:.3f}" for task in TASKS
    )
    print(
        f"seed {seed}: masked-token accuracy {row['model_accuracy']:.4f} vs unigram "
        f"{row['unigram_accuracy']:.4f} over {row['masked_tokens']:,} tokens; probes {cells}",
        flush=True,
    )
    return row


def main(argv: list[str]) -> None:
    argv = common.begin(argv)
    with text_runs.journal(NAME, argv) as journal:
        smoke, seeds = text_runs.parse_args(journal.argv)
        print("selection on the validation carve train[90%:]", flush=True)
        choice = journal.value("choice", lambda: select(smoke, journal, seed=seeds[0]))
        print(f"chosen: {choice['dim']}x{choice['depth']}, {choice['epochs']} epochs", flush=True)
        verses = probe_verses(smoke)
        rows = [
            journal.value(
                f"seed {seed}/row", lambda s=seed: measure(smoke, choice, s, verses, journal)
            )
            for seed in seeds
        ]
        side = verses["test_side"]
        payload = {
            "choice": choice,
            "runs": rows,
            "probe_verses": {"train": int((~side).sum()), "test": int(side.sum())},
            "summary": {
                "model_accuracy": summary(r["model_accuracy"] for r in rows),
                "unigram_accuracy": rows[0]["unigram_accuracy"],  # deterministic
                "model_cross_entropy": summary(r["model_cross_entropy"] for r in rows),
                "unigram_cross_entropy": rows[0]["unigram_cross_entropy"],
                "probes": {
                    name: {
                        task: summary(r["probes"][name][task]["accuracy"] for r in rows)
                        for task in TASKS
                    }
                    for name in FEATURES
                },
            },
            "journal": journal.summary(),
        }
        common.finish(NAME, payload, smoke)


if __name__ == "__main__":
    main(sys.argv[1:])
