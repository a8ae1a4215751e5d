"""The child of the fault soak (`benchmarks/fault_soak.py`, the parent): the process
that runs a small pipeline, is killed, and is restarted.

It logs the phases of its run to `events.jsonl` in its work directory (wrapping the
library's functions from outside: the library has no fault hooks), tells the
parent through the `fault-reached` file when the window of a random-time point has
opened, and for a targeted point stops there and waits to be killed. The points
are described in the parent's docstring; the parent starts this script as

    python benchmarks/fault_soak_child.py WORK_DIR --model rotation [--point P
        --occurrence N --at K]

and reads nothing of it but the events, the run directory and the exported models.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS = ("rotation", "sgan")
RANDOM_TIME = ("random", "epoch", "export:writing")  # killed after a random delay
POINTS = (
    "random",
    "epoch",
    "backup:weights_partial",
    "backup:weights",
    "backup:swap",
    "trained:rename",
    "evaluation",
    "export:writing",
    "export:saved_model",
    "export:rename",
    "export:done",
)
EPOCHS = 3
MARKER = "fault-reached"
EVENTS = "events.jsonl"
FIRST_STEP = "first_step"  # event: this process's first training step begins


def model_name(model: str) -> str:
    return f"fault_soak_{model}"


def child_config(model: str = "rotation") -> dict:
    """The pipeline config of a soak run: a smoke pipeline shrunk to 8x8 digits."""
    from tfxlearn import pipeline

    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if model == "rotation":
        config = pipeline.load_config("rotation_fashion_mnist", smoke=True)
        config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16]}
        config["evaluation"].update(
            protocols={"linear_probe": {}, "knn": {"k": 5}},
            supervised_epochs=1,
            blessing={"protocol": "linear_probe", "min_gain_over_random": -1.0},
        )
    else:
        config = pipeline.load_config("sgan_fashion_mnist", smoke=True)
        # Tiny DCGAN nets, the discriminator with dropout (a random stream the
        # backup must carry), whatever networks the pipeline itself uses.
        config["nets"] = {
            "generator": {
                "factory": "dcgan_generator",
                "args": {"latent_dim": 16, "output_shape": [8, 8, 1], "widths": [16, 8]},
            },
            "discriminator": {
                "factory": "dcgan_discriminator",
                "args": {
                    "input_shape": [8, 8, 1],
                    "widths": [8, 16],
                    "norm": "layer",
                    "dropout": 0.3,
                },
            },
        }
        # Constant rates: a schedule decayed over the smoke run's few steps would
        # leave the later epochs nothing to update, hiding resume differences.
        config["train"]["optimizers"] = {
            key: {"class_name": "Adam", "config": {"learning_rate": 1e-3, "beta_1": 0.5}}
            for key in ("generator_optimizer", "discriminator_optimizer")
        }
        config["evaluation"].update(
            protocols={"linear_probe": {}}, model_protocols={"classification": {}}
        )
    config["name"] = model_name(model)
    config["export"]["model_name"] = model_name(model)
    config["dataset"].update(name="digits", max_train=256, max_test=200)
    config["train"].update(epochs=EPOCHS, batch_size=32, shuffle_buffer=256)
    return config


def _event(work: str, name: str, opens: bool = False, **extra) -> None:
    """Appends a timestamped event to the work directory's log (the parent reads
    it to see where a kill landed); `opens`: also tell the parent that the
    window of a random-time point has opened (it kills after its delay)."""
    entry = {"event": name, "time": time.time(), "pid": os.getpid(), **extra}
    with open(os.path.join(work, EVENTS), "a") as f:
        f.write(json.dumps(entry) + "\n")
    if opens:
        with open(os.path.join(work, MARKER), "w") as f:
            f.write(str(os.getpid()))


def _install_probes(work: str, point: str | None, at: int) -> None:
    """Logs the phases of the run (wrapping library functions from outside);
    opens the kill window of `random` at the start of this process's first step,
    of `epoch` at the start of its `at`-th step."""
    import keras

    from tfxlearn import export, pipeline

    class Events(keras.callbacks.Callback):
        # Runs after the driver's backup callback: "epoch_end:N" means backup N is
        # committed, "train_end" means the trained state is.
        steps = 0

        def on_train_begin(self, logs=None):
            _event(work, "train_begin")

        def on_train_batch_begin(self, batch, logs=None):
            self.steps += 1
            if self.steps == 1:
                _event(work, FIRST_STEP, opens=point == "random")
            if point == "epoch" and self.steps == at:
                _event(work, f"step:{at}", opens=True)

        def on_epoch_end(self, epoch, logs=None):
            _event(work, f"epoch_end:{epoch + 1}")

        def on_train_end(self, logs=None):
            _event(work, "train_end", steps=self.steps)

    train = pipeline.train

    def train_with_events(*args, callbacks=(), **kwargs):
        return train(*args, callbacks=[*callbacks, Events()], **kwargs)

    pipeline.train = train_with_events

    def logged(module, name, begin, end):
        function = getattr(module, name)

        def wrapper(*args, **kwargs):
            _event(work, begin, opens=point == "export:writing" and begin == "export_write_begin")
            result = function(*args, **kwargs)
            _event(work, end)
            return result

        setattr(module, name, wrapper)

    logged(pipeline, "evaluator", "evaluation_begin", "evaluation_end")
    logged(pipeline, "export_saved_model", "export_begin", "export_end")
    logged(export, "_write_saved_model", "export_write_begin", "export_write_end")


def _stop_here(work: str) -> None:
    """Tells the parent the fault point is reached, then waits to be killed."""
    with open(os.path.join(work, MARKER), "w") as f:
        f.write(str(os.getpid()))
    while True:
        time.sleep(60)


def _in_backup(path) -> bool:
    return f"{os.sep}backup{os.sep}" in os.fspath(path)


def _install_fault(point: str, occurrence: int, at: int, work: str) -> None:
    """Makes the child stop at `point` (its `occurrence`-th time; for
    `backup:weights_partial` after the `at`-th array of the weights file)."""
    import h5py
    import keras

    from tfxlearn import export, pipeline

    calls = {"n": 0}

    def reached() -> bool:
        calls["n"] += 1
        return calls["n"] == occurrence

    if point == "backup:weights_partial":
        create_dataset = h5py.Group.create_dataset
        count = {"backup": 0, "arrays": 0}
        save = keras.Model.save_weights

        def save_counting(self, path, *args, **kwargs):
            if _in_backup(path):
                count["backup"] += 1
                count["arrays"] = 0
            return save(self, path, *args, **kwargs)

        def create_then_maybe_stop(self, *args, **kwargs):
            result = create_dataset(self, *args, **kwargs)
            if _in_backup(self.file.filename) and count["backup"] == occurrence:
                count["arrays"] += 1
                if count["arrays"] == at:
                    self.file.flush()  # what is written so far reaches the file
                    _stop_here(work)
            return result

        keras.Model.save_weights = save_counting
        h5py.Group.create_dataset = create_then_maybe_stop
    elif point == "backup:weights":
        save = keras.Model.save_weights

        def save_then_stop(self, path, *args, **kwargs):
            save(self, path, *args, **kwargs)
            if _in_backup(path) and reached():
                _stop_here(work)

        keras.Model.save_weights = save_then_stop
    elif point in ("backup:swap", "trained:rename"):
        rename = os.rename
        suffix = "state.old" if point == "backup:swap" else f"{os.sep}trained"

        def rename_then_stop(src, dst, *args, **kwargs):
            rename(src, dst, *args, **kwargs)
            if os.fspath(dst).endswith(suffix) and reached():
                _stop_here(work)

        os.rename = rename_then_stop
    elif point == "evaluation":
        evaluator = pipeline.evaluator

        def stop_first(*args, **kwargs):
            _stop_here(work)
            return evaluator(*args, **kwargs)

        pipeline.evaluator = stop_first
    elif point == "export:saved_model":
        write = export._write_saved_model

        def write_then_stop(*args, **kwargs):
            result = write(*args, **kwargs)
            _stop_here(work)
            return result

        export._write_saved_model = write_then_stop
    elif point == "export:rename":
        rename_into_place = export._rename_into_place

        def stop_first(*args, **kwargs):
            _stop_here(work)
            return rename_into_place(*args, **kwargs)

        export._rename_into_place = stop_first
    elif point == "export:done":
        export_saved_model = pipeline.export_saved_model

        def export_then_stop(*args, **kwargs):
            export_saved_model(*args, **kwargs)
            _stop_here(work)

        pipeline.export_saved_model = export_then_stop
    elif point not in RANDOM_TIME:
        raise ValueError(f"fault point must be one of {POINTS}, got {point!r}")


def child(work: str, model: str, point: str | None, occurrence: int, at: int) -> None:
    """Runs (or resumes) the soak pipeline `model` in `work`, logging its phases and,
    with a `point`, stopping there (`occurrence`, `at`: see `_install_fault`)."""
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    from tfxlearn import pipeline

    _event(work, "start")
    _install_probes(work, point, at)
    if point:
        _install_fault(point, occurrence, at, work)
    pipeline.run(
        child_config(model),
        run_dir=os.path.join(work, "run"),
        export_root=os.path.join(work, "models"),
        verbose=0,
    )
    _event(work, "done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", metavar="WORK_DIR")
    parser.add_argument("--model", choices=MODELS, default="rotation")
    parser.add_argument("--point", choices=POINTS)
    parser.add_argument("--occurrence", type=int, default=1)
    parser.add_argument("--at", type=int, default=1)
    args = parser.parse_args()
    child(args.work, args.model, args.point, args.occurrence, args.at)


if __name__ == "__main__":
    from common import begin

    sys.argv[1:] = begin(sys.argv[1:])
    main()
