"""Pretext-op speed (`make bench`): every op of benchmarks/ops/ in one run.

For each op: output examples/s of the vectorized op in a tf.data pipeline
(`ds.batch(B)` -> op), of a per-sample NumPy version of the same op, and of the
paradigm's train step fed from the cached op output. The op must be at least
5x faster than NumPy and faster than the train step it feeds (otherwise it is
the bottleneck). `python benchmarks/op_speed.py [op ...]` runs a subset and
merges the results into benchmarks/results/op_speed.json.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import RESULTS, begin, write_result  # noqa: E402
from ops import CASES  # noqa: E402

import tfxlearn  # noqa: E402

IMAGES = 8_192
BATCH = 64  # input images per op call, as in the pipelines
TRAIN_STEPS = 30


def _best(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _input(images: np.ndarray) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices(
        {"image": images, "index": np.arange(len(images), dtype=np.int64)}
    )
    return ds.batch(BATCH, drop_remainder=True)


def measure(name: str, case: dict) -> dict:
    images = case["images"](IMAGES)
    case["check"](images)
    op = tfxlearn.pretext.get(case["op"])
    make_input = case.get("input", _input)
    vectorized = op(make_input(images), **case.get("op_args", {}))
    samples = sum(case["samples"](b) for b in vectorized)

    def drain(ds):
        for _ in ds:
            pass

    t_op = _best(lambda: drain(vectorized))
    t_np = _best(lambda: drain(case["numpy_per_sample"](images, BATCH)), repeats=1)

    model = case["build_model"]()
    cached = vectorized.take(TRAIN_STEPS).cache()
    drain(cached)
    train_samples = sum(case["samples"](b) for b in cached)
    model.fit(cached.take(3), epochs=1, verbose=0)  # trace + warm up
    start = time.perf_counter()
    model.fit(cached, epochs=1, verbose=0)
    t_train = time.perf_counter() - start
    result = {
        "op_samples_per_s": samples / t_op,
        "numpy_samples_per_s": samples / t_np,
        "train_samples_per_s": train_samples / t_train,
        "input_images": len(tf.nest.flatten(images)[0]),
        "batch_images": BATCH,
    }
    result["speedup_vs_numpy"] = result["op_samples_per_s"] / result["numpy_samples_per_s"]
    result["op_over_train"] = result["op_samples_per_s"] / result["train_samples_per_s"]
    return result


def main(names):
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown op case(s) {unknown}; known: {sorted(CASES)}")
    path = os.path.join(RESULTS, "op_speed.json")
    ops = {}
    if names and os.path.isfile(path):
        with open(path) as f:
            ops = json.load(f).get("ops", {})
    for name in names or sorted(CASES):
        ops[name] = measure(name, CASES[name])
        print(name, {k: round(v, 2) for k, v in ops[name].items()})
    write_result("op_speed", {"ops": ops})


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
