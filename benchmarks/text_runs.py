"""What the text benchmarks (quality_lm, quality_mlm, quality_dual_translation)
share: their command line (`--smoke`, `--seeds`), a text pipeline's config at a
model size and epoch budget, on the validation carve or on the final splits;
its texts; training through the pipeline's own stages one epoch at a time; the
mean ± sd over seeds."""

from __future__ import annotations

import os
import statistics
import time

import common


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


def train(config: dict, on_epoch=None):
    """The config's model trained by the pipeline's own stages (ExampleGen,
    Transform, the paradigm compiled as the Trainer does), one epoch at a time;
    `on_epoch(epoch, model)` after each. Returns (model, training seconds)."""
    from tfxlearn.pipeline.components import build_model, example_gen, transform
    from tfxlearn.training import EpochOrder

    order = EpochOrder(seed=int(config["seed"]))
    ds = transform(config, example_gen(config), order)
    model = build_model(config)
    seconds = 0.0
    for epoch in range(int(config["train"]["epochs"])):
        start = time.perf_counter()
        model.fit(ds, initial_epoch=epoch, epochs=epoch + 1, callbacks=[order], verbose=0)
        seconds += time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
    return model, seconds
