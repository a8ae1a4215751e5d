"""Dual learning for machine translation (He et al., NIPS 2016) on the Bible
verses, English (World English Bible) <-> Spanish (Reina-Valera 1909): does
the dual game on monolingual text improve translators warm-started on 10% of
the parallel verses, and how much of the gap to training on 100% of them does
it recover?

Three arms, the same networks (pipeline `dual_translation_bible`: encoder-
decoder Transformers, frozen language models as referees), scored by
sacreBLEU (BLEU and chrF, both directions, greedy decoding; references and
hypotheses in the models' lower-cased word form,
`tfxlearn.evaluation.text_translation`) on the 11 test books:

- `warm start`: the language models on their monolingual halves, then the
  translators on the 10% parallel pairs (`DualTranslation.warm_start`);
- `warm start + dual`: the same, then the dual game on the monolingual halves
  (English side of one half, Spanish side of the other, the `dual_corpus` op);
- `100% parallel`: the same translators trained supervised on every
  training pair.

Target (issue 27): `warm start + dual` >= `warm start` + 1 BLEU (the mean of
the two directions); reported: the fraction of the gap to `100% parallel`
recovered, (dual - warm) / (full - warm), per direction and on the mean.

Choices on validation only, under `forbid_splits("test")`: models trained
on `train[:90%]` (vocabularies counted there too) and scored by mean BLEU on
the first `VALIDATION_VERSES` verses of the carve `train[90%:]`
(`tfxlearn.data.validation_splits`) after each epoch: the number of dual
epochs (0..`MAX_DUAL`, 0 = the warm start alone, after the `MAX_WARM` warm
epochs, a fixed budget whose validation curve is reported) and of
100%-parallel epochs (1..`MAX_FULL`). The chosen epochs are then trained on
the whole training split once per seed and the test books are translated
once per arm and seed.

    python benchmarks/quality_dual_translation.py [--seeds 0,1,2]
    python benchmarks/quality_dual_translation.py --smoke   # tiny; writes nothing

Resumable: progress is journaled in `runs/journal/quality_dual_translation/`
(`benchmarks/journal.py`): every fit backs up each epoch, every score is
recorded, so rerunning the same command at the same commit after the run was
stopped continues where it stopped (`--restart` starts over). The result records
the sessions the run took.

Full run: NOT run here; estimated 12-25 hours on 2 otherwise idle CPU
cores, per seed about half of it (selection once, then each seed). The
estimate is scaled from the smoke run, not measured on a full epoch: a
supervised step of 32 verse pairs at 48 tokens, 128 wide, 2 + 2 blocks, both
directions, ~0.3-0.6 s; a dual step (two sampled translations of 48 decoding
steps that recompute the decoder at each step, then four teacher-forced
passes and the language models) ~3-6 s; ~370 monolingual batches per epoch
(~12,000 verses per half). Per training run: language models 4 epochs and
warm start 6 epochs (~30-60 min), dual 2 epochs (~40-75 min), 100% parallel
10 epochs of ~830 batches (~45-80 min), validation translation after each
epoch (500 verses x 2 directions, ~2-4 min each), the test books once per arm
(~5,000 verses x 2 directions, ~15-30 min per arm).
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import common  # noqa: E402
import text_runs  # noqa: E402
from text_runs import summary  # noqa: E402

NAME = "quality_dual_translation"
PIPELINE = "dual_translation_bible"
MAX_WARM = 6
MAX_DUAL = 2
MAX_FULL = 10
VALIDATION_VERSES = 500
ARMS = ("warm start", "warm start + dual", "100% parallel")
SMOKE = {"max_warm": 1, "max_dual": 1, "max_full": 1, "verses": 8}


def config_for(smoke: bool, seed: int, selection: bool) -> dict:
    """The pipeline's config (smoke: its tiny one); with `selection`, trained and
    vocabulary-counted on `train[:90%]`, scored on `train[90%:]`."""
    from tfxlearn.data import validation_splits
    from tfxlearn.pipeline import load_config

    config = load_config(PIPELINE, smoke=smoke, seed=int(seed))
    if selection:
        train, validation = validation_splits(config["dataset"]["train_split"])
        config["dataset"].update(train_split=train, test_split=validation)
        args = config["paradigm"]["args"]
        for key in ("vocabulary_a", "vocabulary_b"):
            args[key] = {**args[key], "split": train}
    return config


def data(config: dict):
    """(dual_corpus batches, aligned batches {"a", "b"} of every training pair, order)."""
    from tfxlearn.pipeline.components import example_gen, transform
    from tfxlearn.training import EpochOrder

    order = EpochOrder(seed=int(config["seed"]))
    verses = example_gen(config)
    batches = transform(config, verses, order)
    size = int(config["train"]["batch_size"])
    aligned = (
        verses.cache()
        .shuffle(32_000, seed=int(config["seed"]))
        .batch(size, drop_remainder=True)
        .map(lambda ex: {"a": ex["text"], "b": ex["es"]})
    )
    return batches, aligned, order


def scored_texts(config: dict, limit: int | None):
    """The aligned verses scored: the config's test split (the carve in selection)."""
    from tfxlearn.evaluation.text_translation import aligned_texts

    cfg = config["dataset"]
    return aligned_texts(cfg["name"], cfg["test_split"], cfg["image_key"], "es", limit)


def bleu(model, texts) -> dict:
    from tfxlearn.evaluation.text_translation import translation_quality

    row = translation_quality(model, *texts)
    row["bleu"] = (row["bleu_ab"] + row["bleu_ba"]) / 2
    row["chrf"] = (row["chrf_ab"] + row["chrf_ba"]) / 2
    return row


def _scorer(journal, key: str, trained, texts, label):
    """Scores the model on the validation `texts` after each epoch, recorded in
    the journal as `<key>/epoch<N>` (before the epoch's backup is written)."""
    import keras

    def on_epoch_end(epoch, logs=None):
        value = journal.record(f"{key}/epoch{epoch + 1}", bleu(trained.model(), texts)["bleu"])
        print(f"  {label} epoch {epoch + 1}: validation BLEU {value:.2f}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def run_arms(config, warm, dual, full, journal, key, texts=None, lm_epochs=None) -> dict:
    """Trains the three arms, resumable through `journal` (entries under `key`);
    with `texts` (validation) scores after every epoch and returns the curves,
    else returns the models' scores on the test texts read once at the end
    (`scored_texts`). Every fit gets the data-order callback, so each epoch of
    every stage (language models, warm start, game, 100% parallel) sees its own
    shuffle."""
    from tfxlearn.pipeline.components import build_model

    first = config["train"]["first_stage"]["args"]
    lm_epochs = first["language_model_epochs"] if lm_epochs is None else lm_epochs
    batches, aligned, order = data(config)
    epochs = {"warm start": warm, "warm start + dual": dual, "100% parallel": full}
    result = {}

    def scorers(trained, arm, label):
        return [_scorer(journal, f"{key}/{arm}", trained, texts, label)] if texts else []

    def warm_start(trained, name, data, epochs, arm, label):
        trained.fit(
            name,
            lambda callbacks: trained.model().warm_start(
                data,
                epochs=epochs,
                optimizer=first["optimizer"],
                callbacks=[order, *scorers(trained, arm, label), *callbacks],
            ),
        )

    def test_score(trained, arm):
        if texts is None:
            result[arm] = journal.value(
                f"{key}/{arm}/test",
                # the config's max_test: the whole test split, or the smoke run's few
                lambda: bleu(trained.model(), scored_texts(config, config["dataset"]["max_test"])),
            )

    # Warm start, then the dual game, on one model.
    translators = journal.trained(f"{key}/translators", build_model(config))
    model = translators.model()
    if lm_epochs:
        translators.fit(
            "language models",
            lambda callbacks: model.fit_language_models(
                batches,
                epochs=lm_epochs,
                optimizer=first["language_model_optimizer"],
                callbacks=[order, *callbacks],
            ),
        )
    warm_start(translators, "warm start", batches, warm, "warm start", "warm")
    test_score(translators, "warm start")
    if dual:
        translators.fit(
            "dual",
            lambda callbacks: model.fit(
                batches,
                epochs=dual,
                callbacks=[order, *scorers(translators, "warm start + dual", "dual"), *callbacks],
                shuffle=False,
                verbose=0,
            ),
        )
    test_score(translators, "warm start + dual")
    # 100% parallel: the same translators, every training pair, supervised.
    full_config = {**config, "paradigm": {**config["paradigm"]}}
    full_config["paradigm"]["args"] = {**config["paradigm"]["args"], "mode": "supervised"}
    parallel = journal.trained(f"{key}/parallel", build_model(full_config))
    warm_start(parallel, "all pairs", aligned, full, "100% parallel", "full")
    test_score(parallel, "100% parallel")
    seconds = {
        "warm start": translators.seconds("language models") + translators.seconds("warm start"),
        "100% parallel": parallel.seconds("all pairs"),
    }
    seconds["warm start + dual"] = seconds["warm start"] + translators.seconds("dual")
    if texts is None:
        for arm in ARMS:
            result[arm] = {**result[arm], "train_seconds": seconds[arm]}
        return result
    return {
        arm: [journal.get(f"{key}/{arm}/epoch{n}") for n in range(1, epochs[arm] + 1)]
        for arm in ARMS
    }


def select(smoke: bool, journal, seed: int = 0) -> dict:
    """Epochs of each arm by validation BLEU (test split forbidden)."""
    from tfxlearn.data import forbid_splits

    limit = SMOKE["verses"] if smoke else VALIDATION_VERSES
    warm = SMOKE["max_warm"] if smoke else MAX_WARM
    dual = SMOKE["max_dual"] if smoke else MAX_DUAL
    full = SMOKE["max_full"] if smoke else MAX_FULL
    with forbid_splits("test"):
        config = config_for(smoke, seed, selection=True)
        texts = scored_texts(config, limit)
        curves = run_arms(config, warm, dual, full, journal, "selection", texts=texts)
    warm_curve = curves["warm start"]
    # The game starts from the last warm epoch (the fixed warm budget).
    dual_curve = [warm_curve[-1], *curves["warm start + dual"]]
    return {
        "warm_epochs": len(warm_curve),
        "best_warm_epoch": int(warm_curve.index(max(warm_curve)) + 1),
        "dual_epochs": int(dual_curve.index(max(dual_curve))),
        "full_epochs": int(curves["100% parallel"].index(max(curves["100% parallel"])) + 1),
        "validation_curves": curves,
        "validation_verses": len(texts[0]),
        "seed": int(seed),
    }


def gap_recovered(rows: dict, key: str) -> float | None:
    warm, dual, full = (rows[arm][key] for arm in ARMS)
    return (dual - warm) / (full - warm) if full != warm else None


def main(argv: list[str]) -> None:
    argv = common.begin(argv)
    with text_runs.journal(NAME, argv) as journal:
        smoke, seeds = text_runs.parse_args(journal.argv)
        print("selection on the validation carve train[90%:]", flush=True)
        choice = select(smoke, journal, seed=seeds[0])
        print(
            f"chosen: {choice['warm_epochs']} warm epochs, {choice['dual_epochs']} dual epochs, "
            f"{choice['full_epochs']} epochs on all pairs",
            flush=True,
        )
        runs = []
        for seed in seeds:
            config = config_for(smoke, seed, selection=False)
            epochs = (choice[k] for k in ("warm_epochs", "dual_epochs", "full_epochs"))
            rows = run_arms(config, *epochs, journal, f"seed {seed}")
            rows["seed"] = int(seed)
            for key in ("bleu", "bleu_ab", "bleu_ba", "chrf"):
                rows[f"gap_recovered_{key}"] = gap_recovered(rows, key)
            print(
                f"seed {seed}: BLEU "
                + ", ".join(f"{arm} {rows[arm]['bleu']:.2f}" for arm in ARMS)
                + f"; gap recovered {rows['gap_recovered_bleu']}",
                flush=True,
            )
            runs.append(rows)
        payload = {
            "choice": choice,
            "runs": runs,
            "summary": {
                **{f"{arm} bleu": summary(r[arm]["bleu"] for r in runs) for arm in ARMS},
                **{f"{arm} chrf": summary(r[arm]["chrf"] for r in runs) for arm in ARMS},
                "dual_gain_bleu": summary(
                    r["warm start + dual"]["bleu"] - r["warm start"]["bleu"] for r in runs
                ),
                "seeds_meeting_target": sum(
                    r["warm start + dual"]["bleu"] >= r["warm start"]["bleu"] + 1.0 for r in runs
                ),
            },
            "journal": journal.summary(),
        }
        common.finish(NAME, payload, smoke)


if __name__ == "__main__":
    main(sys.argv[1:])
