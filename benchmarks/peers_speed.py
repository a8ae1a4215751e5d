"""tfxlearn against its PyTorch peers, side by side on this machine (issue 24).

Train steps of the same networks (`conv_encoder()` + a head, Adam, batch 256,
Fashion-MNIST 28x28x1) in tfxlearn / Keras and in plain PyTorch
(`benchmarks/peers/torch_steps.py`, eager and `torch.compile`), for a supervised
step, the rotation step and the MoCo step; and the pretext input pipelines
(rotation, jigsaw, MoCo views with the benchmark pipelines' settings): tfxlearn's
vectorized tf.data ops against the PyTorch way, a per-image `Dataset` with
torchvision v2 transforms under a `DataLoader` with 2 workers
(`benchmarks/peers/torch_pipelines.py`), in output samples/s. Each measurement
runs in a fresh process, and the configurations alternate round by round (the
machine is noisy: the ratio of medians over the rounds is the result, not any
single rate). Both sides time their steps alone after 5 warm-up steps (the
tfxlearn step inside one `fit`, its setup not counted: a user pays it once per
training run, not per step).

Speed levers (issue 24), measured in the same rounds against the same peers:
tfxlearn with `jit_compile=True` (XLA), under the `mixed_bfloat16` dtype policy
(this CPU's AVX-512 BF16 / AMX), with one inter-op thread, and without oneDNN's
custom ops (`TF_ENABLE_ONEDNN_OPTS=0`, on by default); PyTorch eager
under `torch.autocast("cpu", torch.bfloat16)`, the bfloat16 peer. A lever's
ratio is its median over the plain tfxlearn median of the same run.

    make peers                                  # .venv-peers: torch, torchvision, lightly
    python benchmarks/peers_speed.py [--rounds 3] [--steps 40] [--batches 200]

Results: benchmarks/results/peers.json, rendered by render_readme.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PEERS_PYTHON = os.path.join(os.path.dirname(HERE), ".venv-peers", "bin", "python")
STEPS = ("supervised", "rotation", "moco")
KINDS = ("tfxlearn", "eager", "compile")  # the targets compare these
LEVERS = ("tfxlearn+jit", "tfxlearn+bf16", "tfxlearn+inter1", "tfxlearn+noonednn", "eager+bf16")
TF_LEVERS = ("", "jit", "bf16", "inter1", "noonednn")
BATCH = 256
WARMUP_STEPS = 5  # untimed steps first (tracing), on both sides
PIPELINES = ("rotation", "jigsaw", "moco_views")
PIPELINE_BATCH = 64  # input images per batch, as in the pipelines


def tf_step(step: str, images_path: str, steps: int, lever: str = "") -> dict:
    """images/s of tfxlearn's `step` (run in a child process of this script), with
    one speed `lever`: "" (none), "jit", "bf16", "inter1" or "noonednn" (the
    parent starts this process with TF_ENABLE_ONEDNN_OPTS=0)."""
    import keras
    import numpy as np
    import tensorflow as tf

    import tfxlearn

    if lever not in TF_LEVERS:
        raise ValueError(f"lever must be one of {TF_LEVERS}, got {lever!r}")
    if lever == "bf16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    if lever == "inter1":
        tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    images = np.load(images_path)[: BATCH * 8]
    encoder = tfxlearn.nets.conv_encoder()
    jit = lever == "jit"
    if step == "supervised":
        model = keras.Sequential([encoder, keras.layers.Dense(10)])
        model.compile(
            optimizer="adam",
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit,
        )
        labels = np.random.default_rng(0).integers(0, 10, len(images))
        ds = tf.data.Dataset.from_tensor_slices((images.astype("float32") / 255.0, labels))
        ds, per_step = ds.batch(BATCH, drop_remainder=True), BATCH
    elif step == "rotation":
        model = tfxlearn.paradigms.get("rotation")(encoder=encoder)
        model.compile(optimizer="adam", jit_compile=jit)
        source = tf.data.Dataset.from_tensor_slices({"image": images})
        ds, per_step = tfxlearn.pretext.rotation(source.batch(BATCH // 4)), BATCH
    else:  # moco, as the pipeline's step without shuffled BN (the peer has none)
        model = tfxlearn.paradigms.get("moco")(
            encoder=encoder, queue_size=4096, temperature=0.15, momentum=0.99, bn_groups=1
        )
        model.compile(optimizer=keras.optimizers.Adam(2e-3), jit_compile=jit)
        source = tf.data.Dataset.from_tensor_slices({"image": images})
        ds, per_step = tfxlearn.pretext.moco_views(source.batch(64, drop_remainder=True)), 64
    ds = ds.cache()
    for _ in ds:  # fill the cache: time the step, not the input
        pass
    ds = ds.repeat()
    # The steps alone, as the PyTorch loop is timed: inside one `fit`, from the end
    # of the warm-up steps (tracing included) to the end of the last timed step;
    # `fit`'s own setup and teardown, paid once per call, are not counted.
    clock = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch in (WARMUP_STEPS - 1, WARMUP_STEPS + steps - 1):
                clock.append(time.perf_counter())

    model.fit(ds.take(WARMUP_STEPS + steps), epochs=1, verbose=0, callbacks=[Clock()])
    seconds = clock[1] - clock[0]
    mode = "tfxlearn" + (f"+{lever}" if lever else "")
    return {"step": step, "mode": mode, "images_per_s": steps * per_step / seconds}


def tf_pipeline(op: str, images_path: str, batches: int) -> dict:
    """Output samples/s of tfxlearn's pretext op `op` in a tf.data pipeline (child process)."""
    import numpy as np
    import tensorflow as tf

    import tfxlearn

    images = np.load(images_path)
    args, per_image = {
        "rotation": ({"mode": "all"}, 4),
        "jigsaw": (
            {
                "num_permutations": 24,
                "permutation_seed": 0,
                "grid": 2,
                "tile_size": 10,
                "permutations_per_image": 2,
            },
            2,
        ),
        "moco_views": (
            {"crop_scale": (0.35, 1.0), "flip": True, "jitter_prob": 0.8},
            1,
        ),
    }[op]
    source = tf.data.Dataset.from_tensor_slices({"image": images}).repeat()
    ds = tfxlearn.pretext.get(op)(source.batch(PIPELINE_BATCH, drop_remainder=True), **args)
    iterator = iter(ds.prefetch(tf.data.AUTOTUNE))
    for _ in range(5):  # trace and fill the prefetch buffer
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    seconds = time.perf_counter() - start
    n_images = batches * PIPELINE_BATCH
    return {
        "op": op,
        "samples_per_s": n_images * per_image / seconds,
        "images_per_s": n_images / seconds,
    }


def measure(kind: str, step: str, images_path: str, steps: int) -> dict:
    """One measurement in a fresh process.

    kind: "tfxlearn" or a tfxlearn lever ("tfxlearn+jit", ...), "eager",
    "compile" or "eager+bf16" (train steps); "tf.data" or "DataLoader" (input
    pipelines, `step` is then the op and `steps` the batches).
    """
    if kind.startswith("tfxlearn"):
        lever = kind.partition("+")[2]
        command = [sys.executable, __file__, "--child", step, images_path, str(steps), lever]
    elif kind == "tf.data":
        command = [sys.executable, __file__, "--child-pipeline", step, images_path, str(steps)]
    elif kind == "DataLoader":
        script = os.path.join(HERE, "peers", "torch_pipelines.py")
        command = [PEERS_PYTHON, script, step, images_path, "--batches", str(steps)]
        command += ["--batch", str(PIPELINE_BATCH), "--workers", "2"]
    else:
        script = os.path.join(HERE, "peers", "torch_steps.py")
        command = [PEERS_PYTHON, script, step, kind, images_path, "--steps", str(steps)]
    env = dict(os.environ)
    if kind == "tfxlearn+noonednn":
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    out = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batches", type=int, default=200, help="input-pipeline batches timed")
    parser.add_argument("--no-levers", action="store_true", help="only the three plain kinds")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-pipeline", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, images_path, steps, lever = args.child
        print(json.dumps(tf_step(step, images_path, int(steps), lever)))
        return
    if args.child_pipeline:
        op, images_path, batches = args.child_pipeline
        print(json.dumps(tf_pipeline(op, images_path, int(batches))))
        return
    if not os.path.isfile(PEERS_PYTHON):
        raise SystemExit(f"{PEERS_PYTHON} is missing: run `make peers` first")
    if args.rounds < 1 or args.steps < 1 or args.batches < 1:
        raise SystemExit("--rounds, --steps and --batches must be >= 1")
    import numpy as np
    from common import write_result

    import tfxlearn

    images, _ = tfxlearn.data.as_arrays(
        tfxlearn.data.load("fashion_mnist", "train").take(PIPELINE_BATCH * 64)
    )
    versions = json.loads(
        subprocess.run(
            [
                PEERS_PYTHON,
                "-c",
                "import json, torch, torchvision; print(json.dumps("
                "{'torch': torch.__version__, 'torchvision': torchvision.__version__}))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    kinds = KINDS if args.no_levers else KINDS + LEVERS
    rates = {step: {kind: [] for kind in kinds} for step in STEPS}
    loaders = ("tf.data", "DataLoader")
    pipeline_rates = {op: {kind: [] for kind in loaders} for op in PIPELINES}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "images.npy")
        np.save(path, images)
        for r in range(args.rounds):
            for step in STEPS:
                order = kinds if r % 2 == 0 else kinds[::-1]
                for kind in order:
                    result = measure(kind, step, path, args.steps)
                    rates[step][kind].append(result["images_per_s"])
                    print(
                        f"round {r + 1}: {step} {kind}: {result['images_per_s']:.0f} images/s",
                        flush=True,
                    )
            for op in PIPELINES:
                for kind in loaders if r % 2 == 0 else loaders[::-1]:
                    result = measure(kind, op, path, args.batches)
                    pipeline_rates[op][kind].append(result["samples_per_s"])
                    print(
                        f"round {r + 1}: {op} input {kind}: "
                        f"{result['samples_per_s']:.0f} samples/s",
                        flush=True,
                    )
    table = {}
    for step in STEPS:
        medians = {kind: statistics.median(v) for kind, v in rates[step].items()}
        table[step] = {
            "images_per_s": rates[step],
            "median": medians,
            "ratio_to_eager": medians["tfxlearn"] / medians["eager"],
            "ratio_to_compile": medians["tfxlearn"] / medians["compile"],
        }
        levers = [k for k in LEVERS if k in medians]
        if levers:
            table[step]["lever_ratio_to_tfxlearn"] = {
                k: medians[k] / medians["tfxlearn" if k.startswith("tfxlearn") else "eager"]
                for k in levers
            }
            table[step]["bf16_ratio_to_eager_bf16"] = (
                medians["tfxlearn+bf16"] / medians["eager+bf16"]
            )
    pipelines = {}
    for op in PIPELINES:
        medians = {kind: statistics.median(v) for kind, v in pipeline_rates[op].items()}
        pipelines[op] = {
            "samples_per_s": pipeline_rates[op],
            "median": medians,
            "ratio_to_dataloader": medians["tf.data"] / medians["DataLoader"],
        }
    import tensorflow as tf

    write_result(
        "peers",
        {
            "rounds": args.rounds,
            "steps": args.steps,
            "batch": BATCH,
            "versions": {
                "tensorflow": tf.__version__,
                "keras": __import__("keras").__version__,
                **versions,
            },
            "train_steps": table,
            "input_pipelines": {
                "batch": PIPELINE_BATCH,
                "batches": args.batches,
                "dataloader_workers": 2,
                "ops": pipelines,
            },
        },
    )


if __name__ == "__main__":
    if not any(a.startswith("--child") for a in sys.argv[1:]):
        from common import begin

        sys.argv[1:] = begin(sys.argv[1:])
    main()
