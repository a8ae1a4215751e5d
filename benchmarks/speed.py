"""Speed benchmark (`make bench`): training throughput (images/s through the
rotation paradigm's train step) and achieved GFLOP/s, against this machine's
measured float32 matmul rate, in one process. The pretext ops' own speed is
measured by `op_speed.py`.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import begin, write_result  # noqa: E402

import tfxlearn  # noqa: E402

IMAGES = 20_000
BATCH = 256


def _best(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])

    @tf.function
    def chain():
        c = a
        for _ in range(repeats):
            c = tf.matmul(c, b) * 1e-3
        return c

    chain().numpy()
    seconds = _best(lambda: chain().numpy())
    return 2 * n**3 * repeats / seconds / 1e9


def model_forward_flops(model: keras.Model, input_shape) -> float:
    """Multiply-adds x 2 of the conv and dense layers for one example."""
    flops = 0.0
    for layer in model.encoder.layers + model.head.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_in = layer.input.shape[-1]
            flops += 2.0 * h * w * c_out * kh * kw * c_in
        elif isinstance(layer, keras.layers.Dense):
            flops += 2.0 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return flops


def training_throughput(images: np.ndarray, steps: int = 60) -> dict:
    keras.utils.set_random_seed(0)
    strategy = tfxlearn.training.default_strategy()
    with strategy.scope():
        model = tfxlearn.paradigms.get("rotation")(encoder=tfxlearn.nets.conv_encoder())
        model.compile(optimizer="adam")
    ds = tfxlearn.pretext.rotation(
        tf.data.Dataset.from_tensor_slices({"image": images}).batch(BATCH // 4, drop_remainder=True)
    ).cache()
    for _ in ds:  # fill the cache: time the train step, not the input
        pass
    model.fit(ds.take(5), epochs=1, verbose=0)  # trace + warm up
    start = time.perf_counter()
    model.fit(ds.take(steps), epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    per_s = steps * BATCH / seconds
    forward = model_forward_flops(model, images.shape[1:])
    achieved = 3 * forward * per_s / 1e9  # backward ~ 2x forward
    peak = matmul_gflops()
    return {
        "model": "rotation on conv_encoder() (widths 32/64/128), 28x28x1",
        "global_batch": BATCH,
        "replicas": strategy.num_replicas_in_sync,
        "images_per_s": per_s,
        "forward_mflops_per_image": forward / 1e6,
        "achieved_gflops": achieved,
        "matmul_gflops": peak,
        "fraction_of_matmul_rate": achieved / peak,
    }


def main():
    ds = tfxlearn.data.load("fashion_mnist", "train").take(IMAGES)
    images, _ = tfxlearn.data.as_arrays(ds)
    training = training_throughput(images)
    print("training:", {k: round(v, 3) if isinstance(v, float) else v for k, v in training.items()})
    write_result("speed", {"training": training})


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main()
