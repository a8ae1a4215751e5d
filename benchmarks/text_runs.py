"""What the text benchmarks (quality_lm, quality_mlm, quality_dual_translation)
share: their command line (`--smoke`, `--seeds`, `--restart`), their journal
(a stopped run resumes), a text pipeline's config at a
model size and epoch budget, on the validation carve or on the final splits;
its texts; training through the pipeline's own stages one epoch at a time; the
mean ± sd over seeds."""

from __future__ import annotations

import os
import statistics

import common
from journal import session


def parse_args(argv: list[str]) -> tuple[bool, list[int]]:
    """(smoke, seeds) of a text benchmark's command line (after `common.begin`):
    `--smoke` and `--seeds 0,1,2` (default: seed 0); anything else is refused."""
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    seeds, argv = common.parse_seeds(argv)
    if argv:
        raise SystemExit(f"unknown arguments {argv}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return smoke, [0 if s is None else s for s in seeds]


journal = session  # the benchmark's Journal (benchmarks/journal.py)


def summary(values) -> dict:
    """{"mean", "sd"} of `values` (sd 0 for a single value)."""
    values = [float(v) for v in values]
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def config_for(
    pipeline: str, smoke: dict | None, size, epochs: int, seed: int, selection: bool
) -> dict:
    """`pipeline`'s config at `size` = (dim, depth) and `epochs`. `smoke`: None,
    or the benchmark's smoke settings (the smoke config's tiny model at `size`,
    `max_train` / `max_test` examples). With `selection`, trained and
    vocabulary-counted on `train[:90%]` and scored on `train[90%:]` (the
    validation carve)."""
    from tfxlearn.data import validation_splits
    from tfxlearn.pipeline import load_config

    dim, depth = size
    config = load_config(pipeline, smoke=bool(smoke), epochs=int(epochs), dim=dim, depth=depth)
    config["seed"] = int(seed)
    vocabulary_args = (config["paradigm"]["args"], config["pretext"]["args"])
    if smoke:
        config["paradigm"]["args"].update(dim=dim, depth=depth)
        config["dataset"].update(max_train=smoke["max_train"], max_test=smoke["max_test"])
        for args in vocabulary_args:
            args["vocabulary"] = {**args["vocabulary"], "max_examples": smoke["max_train"]}
    if selection:
        train, validation = validation_splits(config["dataset"]["train_split"])
        config["dataset"].update(train_split=train, test_split=validation)
        for args in vocabulary_args:
            args["vocabulary"] = {**args["vocabulary"], "split": train}
    return config


def texts(config: dict) -> tuple[list, list]:
    """(training texts, texts scored) of the config's splits."""
    from tfxlearn.pipeline.components import eval_data

    data = eval_data(config)
    return list(data.train[0]), list(data.test[0])


def train(config: dict, journal, key: str, score=None):
    """The config's model trained by the pipeline's own stages (ExampleGen,
    Transform, the paradigm compiled as the Trainer does), resumable through
    `journal` (its entries under `key`). `score(epoch, model)` after each epoch
    (1-based) returns a number recorded as `<key>/epoch<N>` (`curve` reads them
    back). Returns (model, training seconds: the epochs' own, scoring excluded)."""
    import keras

    from tfxlearn.pipeline.components import build_model, example_gen, transform
    from tfxlearn.training import EpochOrder

    order = EpochOrder(seed=int(config["seed"]))
    ds = transform(config, example_gen(config), order)
    model = build_model(config)
    trained = journal.trained(key, model)

    def on_epoch_end(epoch, logs=None):
        journal.record(f"{key}/epoch{epoch + 1}", float(score(epoch + 1, model)))

    def run(callbacks):
        scoring = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)] if score else []
        epochs = int(config["train"]["epochs"])
        model.fit(
            ds, epochs=epochs, callbacks=[order, *scoring, *callbacks], shuffle=False, verbose=0
        )

    trained.fit("train", run)
    return trained.model(), trained.seconds("train")


def curve(journal, key: str, epochs: int) -> list[float]:
    """The scores `train` recorded under `key`, epoch 1 to `epochs`."""
    return [journal.get(f"{key}/epoch{n}") for n in range(1, int(epochs) + 1)]
