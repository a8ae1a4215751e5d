"""Speed benchmark (`make bench`): measured side by side in one process.

1. Pretext pipeline throughput (output samples/s) of the vectorized rotation op
   in tf.data against a per-sample NumPy implementation of the same op, and a
   per-element tf.data map for reference.
2. Training throughput (images/s through the rotation paradigm's train step)
   and achieved GFLOP/s, against this machine's measured float32 matmul rate.
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
from common import write_result  # noqa: E402

import tfxlearn  # noqa: E402
from tfxlearn.pretext.rotation import rotate_all  # noqa: E402

IMAGES = 20_000
BATCH = 256


def _best(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_rotation(images: np.ndarray, batch: int):
    """Per-sample NumPy version of the same op: all 4 rotations, interleaved, float."""
    for start in range(0, len(images), batch):
        out, labels = [], []
        for image in images[start : start + batch]:
            for k in range(4):
                out.append(np.rot90(image, k, axes=(0, 1)).astype(np.float32) / 255.0)
                labels.append(k)
        yield np.stack(out), np.asarray(labels, np.int32)


def pretext_throughput(images: np.ndarray) -> dict:
    samples = 4 * len(images)
    vectorized = tfxlearn.pretext.rotation(
        tf.data.Dataset.from_tensor_slices({"image": images}).batch(BATCH)
    )

    def per_element_map(image):
        rotated = tf.stack([tf.image.rot90(image, k) for k in range(4)])
        return tf.cast(rotated, tf.float32) / 255.0, tf.range(4, dtype=tf.int32)

    per_element = (
        tf.data.Dataset.from_tensor_slices(images)
        .map(per_element_map, num_parallel_calls=tf.data.AUTOTUNE)
        .unbatch()
        .batch(4 * BATCH)
    )

    def drain(ds):
        for _ in ds:
            pass

    def drain_numpy():
        for _ in numpy_rotation(images, BATCH):
            pass

    # Sanity: the NumPy version computes exactly what the op computes.
    want, want_labels = next(numpy_rotation(images[:8], 8))
    got, got_labels = rotate_all(images[:8])
    np.testing.assert_allclose(np.asarray(got, np.float32) / 255.0, want)
    np.testing.assert_array_equal(got_labels, want_labels)

    t_vec = _best(lambda: drain(vectorized))
    t_elem = _best(lambda: drain(per_element))
    t_np = _best(drain_numpy)
    result = {
        "images": len(images),
        "batch": BATCH,
        "vectorized_samples_per_s": samples / t_vec,
        "per_element_tf_samples_per_s": samples / t_elem,
        "numpy_per_sample_samples_per_s": samples / t_np,
    }
    result["speedup_vs_numpy"] = (
        result["vectorized_samples_per_s"] / result["numpy_per_sample_samples_per_s"]
    )
    result["speedup_vs_per_element"] = (
        result["vectorized_samples_per_s"] / result["per_element_tf_samples_per_s"]
    )
    return result


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
    pretext = pretext_throughput(images)
    print("pretext:", {k: round(v, 2) if isinstance(v, float) else v for k, v in pretext.items()})
    training = training_throughput(images)
    print("training:", {k: round(v, 3) if isinstance(v, float) else v for k, v in training.items()})
    write_result("speed", {"pretext_rotation": pretext, "training": training})


if __name__ == "__main__":
    main()
