"""Where a pipeline epoch's time goes (issue 24 item 4): the input-bound share of
a whole training epoch against its train step alone, in one process.

The pipeline's own stages build the training data (ExampleGen -> Transform:
cache, epoch-keyed shuffle, batch, pretext op, prefetch) and the model (the
paradigm compiled as the Trainer does). Measured, over `--rounds` alternating
rounds after one warm-up epoch (which also fills the cache and traces the step):

- **pipeline epoch**: `model.fit` over the Transform's dataset, as `tfxlearn run`
  trains;
- **train step alone**: the same number of steps over the epoch's batches
  already in memory (the Transform's output cached, so no input work is left);
- **input alone**: one pass over the Transform's dataset without training.

The input-bound share is `1 - step alone / pipeline epoch` (the time an epoch
spends waiting for input; 0 when tf.data keeps up). Where the input time goes:
reading and decoding the source (ExampleGen alone, uncached), the cached source
through the shuffle window and batching (without the pretext op), and the whole
input (with the op); the shuffle window at the pipeline's buffer and at smaller
ones. Rates are images per second of input images (the rotation op turns each
into 4 samples). The machine is noisy: the medians over the rounds are kept.

    python benchmarks/epoch_share.py [--pipeline rotation_fashion_mnist]
        [--max-train 12000] [--rounds 7]
    python benchmarks/epoch_share.py --smoke --allow-dirty   # ~30 s, writes nothing

Time: ~8 minutes with the defaults on 2 idle cores (an epoch of 12,000 images
through the rotation step is ~20 s; 7 rounds of three measurements plus the
stage passes). Needs a quiet machine (it is a speed measurement). Each round's
own share is kept too: two 3-round runs of the same input path measured 0.3%
and 8.2% (the step alone varied by 8% between them), hence 7 rounds and the
spread in the table.

Results: benchmarks/results/epoch_share.json, rendered by render_readme.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import common  # noqa: E402

NAME = "epoch_share"
SHUFFLE_BUFFERS = (10_000, 1_000)  # besides the pipeline's own


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _drain(ds) -> None:
    for _ in ds:
        pass


def measure(pipeline: str, max_train: int, rounds: int, smoke: bool) -> dict:
    from tfxlearn.pipeline import load_config
    from tfxlearn.pipeline.components import build_model, example_gen, transform
    from tfxlearn.training import EpochOrder

    config = load_config(pipeline, smoke=smoke)
    config["dataset"]["max_train"] = int(max_train)
    buffer = int(config["train"].get("shuffle_buffer", 60_000))
    source = example_gen(config)
    images = int(source.reduce(0, lambda count, _: count + 1))
    order = EpochOrder(seed=int(config.get("seed", 0)))
    ds = transform(config, source, order)
    model = build_model(config)
    steps = int(ds.reduce(0, lambda count, _: count + 1))
    print(f"{pipeline}: {images:,} images, {steps} steps an epoch", flush=True)

    epoch = [0]

    def fit(data):
        kwargs = {"callbacks": [order], "shuffle": False, "verbose": 0}
        model.fit(data, initial_epoch=epoch[0], epochs=epoch[0] + 1, **kwargs)
        epoch[0] += 1

    first = _seconds(lambda: fit(ds))  # fills the cache, traces the step
    in_memory = ds.cache()
    _drain(in_memory)  # the epoch's batches in memory: the step alone has no input work
    fit(in_memory)  # warm-up on the cached batches

    batch_size = int(config["train"]["batch_size"])

    cached = source.cache()

    def shuffled(buffer_size):
        return order.shuffle(cached, buffer_size).batch(batch_size, drop_remainder=True)

    _drain(shuffled(buffer))  # fill the source cache before timing its passes
    times = {k: [] for k in ("pipeline", "step_alone", "input_alone", "read", "shuffle_batch")}
    # the pipeline's window, and the smaller ones that still differ from it here
    windows = {b: [] for b in (buffer, *SHUFFLE_BUFFERS) if b == buffer or b < min(buffer, images)}
    for r in range(rounds):
        times["pipeline"].append(_seconds(lambda: fit(ds)))
        times["step_alone"].append(_seconds(lambda: fit(in_memory)))
        times["input_alone"].append(_seconds(lambda: _drain(ds)))
        times["read"].append(_seconds(lambda: _drain(example_gen(config).batch(batch_size))))
        for b in windows:
            windows[b].append(_seconds(lambda b=b: _drain(shuffled(b))))
        times["shuffle_batch"].append(windows[buffer][-1])
        line = ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items())
        print(f"round {r + 1}/{rounds}: {line}", flush=True)
    median = {k: statistics.median(v) for k, v in times.items()}
    return {
        "pipeline": pipeline,
        "images": images,
        "steps": steps,
        "batch_size": batch_size,
        "rounds": rounds,
        "first_epoch_s": first,
        "seconds": times,
        "median_s": median,
        "images_per_s": {k: images / v for k, v in median.items()},
        "input_share": max(0.0, 1.0 - median["step_alone"] / median["pipeline"]),
        # each round's own share: the spread the medians smooth over
        "input_share_rounds": [
            1.0 - step / whole for step, whole in zip(times["step_alone"], times["pipeline"])
        ],
        "shuffle_buffer": buffer,
        "shuffle_windows_images_per_s": {
            str(b): images / statistics.median(v) for b, v in windows.items()
        },
    }


def main(argv=None) -> None:
    argv = common.begin(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", default="rotation_fashion_mnist")
    parser.add_argument("--max-train", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.max_train < 1:
        raise SystemExit("--rounds and --max-train must be >= 1")
    max_train, rounds = (512, 1) if args.smoke else (args.max_train, args.rounds)
    result = measure(args.pipeline, max_train, rounds, args.smoke)
    ips = result["images_per_s"]
    print(
        f"input-bound share of an epoch: {100 * result['input_share']:.1f}% "
        f"(pipeline {ips['pipeline']:,.0f} images/s, step alone {ips['step_alone']:,.0f}, "
        f"input alone {ips['input_alone']:,.0f})"
    )
    if args.smoke:
        print("smoke run: nothing written")
        return
    print(f"wrote {common.write_result(NAME, result)}")


if __name__ == "__main__":
    main()
