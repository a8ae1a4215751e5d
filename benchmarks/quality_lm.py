"""Next-word language model: a small Transformer decoder against an interpolated
modified Kneser-Ney n-gram model, held-out perplexity on the same tokens.

Both read the English side of `bible_verses` with the same vocabulary
(WordPiece subwords learned on the training texts, the `lm_bible` pipeline's)
and the same token accounting (`tfxlearn.evaluation.perplexity`: every token
and each verse's end-of-text token is predicted and counted); the n-gram model
is counted on the same training verses the Transformer trains on. Target (issue
27): the Transformer's perplexity below the n-gram model's on the 11 held-out
test books.

Choices on validation only, under `forbid_splits("test")`: the model size
(`SIZES`: width x depth), the number of epochs (1..`MAX_EPOCHS`, the best
epoch of each size's validation curve) and the n-gram order (`KN_ORDERS`) are
chosen by perplexity on the validation carve `train[90%:]` (the last 10% of the
training split in stored order, `tfxlearn.data.validation_splits`), with the
vocabulary and the n-gram counts taken from `train[:90%]` alone. The chosen
setting is then trained on the whole training split once per seed and both
models are scored on the test books (the n-gram model is deterministic: one
value, also reported at every candidate order for reference).

    python benchmarks/quality_lm.py [--seeds 0,1,2]
    python benchmarks/quality_lm.py --smoke   # 500 verses, a tiny model; writes nothing

Resumable: progress is journaled in `runs/journal/quality_lm/` (`benchmarks/journal.py`):
every fit backs up each epoch and every score is recorded, so rerunning the same
command at the same commit after the run was stopped continues where it stopped
(`--restart` starts over). Each size's validation curve and each seed's row is
one journal value, so a journal carried to another machine (`journal.py
--carry`) keeps them. The result records the sessions the run took.

Full run: estimated 2-5 hours on 2 otherwise idle CPU cores (not run here).
Measured at the time of writing (20 steps of 64 windows of 64 positions, the
word vocabulary of 6,338 words used then; the subword one is 7,000 pieces):
0.45 CPU-seconds per step for the 128-wide model and 0.95 for the 256-wide one
(1.4 and 2.4 s of wall time on 2 cores shared with ~5 other jobs), i.e.
0.25-0.45 and 0.5-0.95 s per step on 2 idle cores, with ~400 steps per epoch of
the training split (~360 on the carve).
Selection: 10 epochs of each size on the carve plus validation scoring after
each epoch, 50-90 minutes; measurement: 3 seeds x the chosen epochs (up to
10), 50-90 minutes if the 128-wide model is chosen, 100-190 if the 256-wide
one is; n-gram counting and scoring, a few minutes. The smoke run took 96 s
of wall time on the loaded machine (27 s of CPU): under a minute on idle cores.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import common  # noqa: E402
import text_runs  # noqa: E402
from text_runs import curve, summary, texts, train  # noqa: E402

NAME = "quality_lm"
PIPELINE = "lm_bible"
#: Model sizes (dim, depth) tried on the validation carve.
SIZES = ((128, 2), (256, 2))
MAX_EPOCHS = 10
KN_ORDERS = (2, 3, 4)
SMOKE = {
    "sizes": ((32, 1),),
    "max_epochs": 1,
    "kn_orders": (2, 3),
    "max_train": 500,
    "max_test": 100,
}


def config_for(smoke: bool, size, epochs: int, seed: int, selection: bool) -> dict:
    """The pipeline's config at `size` and `epochs` (`text_runs.config_for`)."""
    return text_runs.config_for(PIPELINE, SMOKE if smoke else None, size, epochs, seed, selection)


def select(smoke: bool, journal, seed: int = 0) -> dict:
    """Size, epochs and n-gram order by validation perplexity (test split forbidden)."""
    from tfxlearn.data import forbid_splits
    from tfxlearn.evaluation.kneser_ney import KneserNey
    from tfxlearn.evaluation.perplexity import (
        model_token_log_probs,
        perplexity,
        python_token_sequences,
    )
    from tfxlearn.pipeline.components import build_model

    sizes = SMOKE["sizes"] if smoke else SIZES
    max_epochs = SMOKE["max_epochs"] if smoke else MAX_EPOCHS
    orders = SMOKE["kn_orders"] if smoke else KN_ORDERS
    curves, kn = {}, {}
    with forbid_splits("test"):
        for size in sizes:
            config = config_for(smoke, size, max_epochs, seed, selection=True)
            train_texts, valid_texts = texts(config)
            label = f"{size[0]}x{size[1]}"

            def score(epoch, model, valid_texts=valid_texts, size=size):
                sequences = python_token_sequences(valid_texts, model.vocabulary)
                value = perplexity(model_token_log_probs(model, sequences))
                print(f"  {size} epoch {epoch}: validation perplexity {value:.2f}", flush=True)
                return value

            def size_curve(config=config, key=f"selection/{label}", score=score):
                train(config, journal, key, score=score)
                return curve(journal, key, max_epochs)

            # one value per size: a journal carried to another machine keeps it
            curves[label] = journal.value(f"selection/{label}/curve", size_curve)
        # every size shares the carve's vocabulary
        words = list(build_model(config).vocabulary)
        train_ids = python_token_sequences(train_texts, words)
        valid_ids = python_token_sequences(valid_texts, words)
        for order in orders:
            model_kn = KneserNey(train_ids, len(words) + 2, order=order, start=len(words) + 1)
            kn[str(order)] = perplexity([model_kn.sequence_log_probs(s) for s in valid_ids])
            print(f"  Kneser-Ney order {order}: validation perplexity {kn[str(order)]:.2f}")
    key, best = min(curves.items(), key=lambda item: min(item[1]))
    dim, depth = (int(x) for x in key.split("x"))
    return {
        "dim": dim,
        "depth": depth,
        "epochs": int(best.index(min(best)) + 1),
        "kn_order": int(min(kn, key=kn.get)),
        "validation_curves": curves,
        "validation_kn": kn,
        "validation_tokens": int(sum(len(s) for s in valid_ids)),
        "seed": int(seed),
    }


def measure(smoke: bool, choice: dict, seed: int, journal) -> dict:
    """The chosen setting trained on the training split, both models on the test books."""
    from tfxlearn.evaluation.kneser_ney import KneserNey
    from tfxlearn.evaluation.perplexity import (
        compare_perplexity,
        perplexity,
        python_token_sequences,
    )

    size = (choice["dim"], choice["depth"])
    config = config_for(smoke, size, choice["epochs"], seed, selection=False)
    train_texts, test_texts = texts(config)
    model, seconds = train(config, journal, f"seed {seed}")
    row = compare_perplexity(model, train_texts, test_texts, order=choice["kn_order"])
    words = list(model.vocabulary)
    train_ids = python_token_sequences(train_texts, words)
    test_ids = python_token_sequences(test_texts, words)
    row["kn_perplexity_by_order"] = {
        str(order): perplexity(
            [
                KneserNey(
                    train_ids, len(words) + 2, order=order, start=len(words) + 1
                ).sequence_log_probs(s)
                for s in test_ids
            ]
        )
        for order in (SMOKE["kn_orders"] if smoke else KN_ORDERS)
    }
    row.update(seed=int(seed), train_seconds=seconds, train_tokens=sum(map(len, train_ids)))
    print(
        f"seed {seed}: Transformer {row['model_perplexity']:.2f}, Kneser-Ney order "
        f"{choice['kn_order']} {row['kn_perplexity']:.2f} over {row['test_tokens']:,} tokens",
        flush=True,
    )
    return row


def main(argv: list[str]) -> None:
    argv = common.begin(argv)
    with text_runs.journal(NAME, argv) as journal:
        smoke, seeds = text_runs.parse_args(journal.argv)
        print("selection on the validation carve train[90%:]", flush=True)
        choice = journal.value("choice", lambda: select(smoke, journal, seed=seeds[0]))
        print(
            f"chosen: {choice['dim']}x{choice['depth']}, {choice['epochs']} epochs, Kneser-Ney "
            f"order {choice['kn_order']}",
            flush=True,
        )
        rows = [
            journal.value(f"seed {seed}/row", lambda s=seed: measure(smoke, choice, s, journal))
            for seed in seeds
        ]
        payload = {
            "choice": choice,
            "runs": rows,
            "summary": {
                "model_perplexity": summary(r["model_perplexity"] for r in rows),
                "kn_perplexity": rows[0]["kn_perplexity"],  # deterministic
                "seeds_below_kn": sum(r["model_perplexity"] < r["kn_perplexity"] for r in rows),
            },
            "journal": journal.summary(),
        }
        common.finish(NAME, payload, smoke)


if __name__ == "__main__":
    main(sys.argv[1:])
