"""Step-overhead benchmark (issue 4, `make bench`): images/s of each paradigm's
`train_step` under `model.fit` against the bare forward + backward + update of
the same networks, written as a plain `tf.function`, measured in the same run.

The bare step does the same network calls and gradient updates with nothing
else: no metric trackers, no input checks, no Keras loss reduction, no
strategy-aware noise; the ratio is what tfxlearn's step logic (and Keras's
`fit` loop) costs. Target of the issue: overhead under 10%.

Both run on the same cached batches (Fashion-MNIST-sized 28x28x1 random
images; speed does not depend on the pixel values) with the networks of the
method's full pipeline config, one device (no strategy), after a warm-up.

    python benchmarks/step_overhead.py [METHOD ...]
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

from tfxlearn import paradigms, pipeline  # noqa: E402

STEPS = 40
WARMUP = 5
REPEATS = 3


def _build(method: str):
    config = pipeline.load_config(f"{method}_fashion_mnist", full=True)
    keras.utils.set_random_seed(0)
    networks = {key: pipeline.build_net(config, key) for key in pipeline.net_configs(config)}
    model = paradigms.get(config["paradigm"]["name"])(
        **networks, **config["paradigm"].get("args", {})
    )
    model.compile(**pipeline.compile_args(config["train"]))
    return model, config


def _batches(config: dict, labelled: bool) -> tf.data.Dataset:
    batch = int(config["train"]["batch_size"])
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(batch, 28, 28, 1)).astype("float32")
    if not labelled:
        return tf.data.Dataset.from_tensors(images).repeat()
    labels = rng.integers(0, 10, size=batch).astype("int32")
    labels[batch // 2 :] = -1  # semi-supervised: half of each batch unlabelled
    return tf.data.Dataset.from_tensors((images, labels)).repeat()


def _time(fn, steps: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(steps)
        best = min(best, time.perf_counter() - start)
    return best


# --- bare steps: the same network calls and updates, nothing else --------------------


def _bare_gan(model):
    g, d, head = model.generator, model.discriminator, model.head
    g_opt, d_opt = model.generator_optimizer, model.discriminator_optimizer
    dim = model.latent_dim

    @tf.function
    def step(images):  # the element: an image batch
        n = tf.shape(images)[0]
        fake = g(tf.random.normal([n, dim]), training=True)
        with tf.GradientTape() as tape:
            logits = head(d(tf.concat([images, fake], 0), training=True))
            loss = tf.reduce_mean(tf.nn.softplus(-logits[:n])) + tf.reduce_mean(
                tf.nn.softplus(logits[n:])
            )
        variables = d.trainable_weights + head.trainable_weights
        d_opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        with tf.GradientTape() as tape:
            logits = head(d(g(tf.random.normal([n, dim]), training=True), training=True))
            loss = tf.reduce_mean(tf.nn.softplus(-logits))
        g_opt.apply_gradients(zip(tape.gradient(loss, g.trainable_weights), g.trainable_weights))

    return step


BARE = {"gan": _bare_gan}


def measure(method: str) -> dict:
    model, config = _build(method)
    labelled = config["pretext"]["name"] == "semi_supervised"
    data = _batches(config, labelled)
    batch = int(config["train"]["batch_size"])
    element = next(iter(data))
    model(element[0] if labelled else element)
    model.fit(data, steps_per_epoch=WARMUP, epochs=1, verbose=0)
    fit_seconds = _time(lambda s: model.fit(data, steps_per_epoch=s, epochs=1, verbose=0), STEPS)

    bare = BARE[method](model)

    def run_bare(steps):
        for _ in range(steps):
            bare(element)
        model.trainable_weights[0].numpy()  # wait for the last step

    run_bare(WARMUP)
    bare_seconds = _time(run_bare, STEPS)
    fit_rate = STEPS * batch / fit_seconds
    bare_rate = STEPS * batch / bare_seconds
    return {
        "batch_size": batch,
        "steps": STEPS,
        "fit_images_per_s": fit_rate,
        "bare_images_per_s": bare_rate,
        "overhead": bare_rate / fit_rate - 1.0,
    }


def main(argv):
    methods = argv or list(BARE)
    unknown = sorted(set(methods) - set(BARE))
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; known: {', '.join(BARE)}")
    results = {}
    for method in methods:
        results[method] = measure(method)
        r = results[method]
        print(
            f"{method:>20}: fit {r['fit_images_per_s']:7.0f} img/s, bare "
            f"{r['bare_images_per_s']:7.0f} img/s, overhead {100 * r['overhead']:+.1f}%"
        )
    write_result("step_overhead", {"results": results, "repeats": REPEATS})


if __name__ == "__main__":
    main(sys.argv[1:])
