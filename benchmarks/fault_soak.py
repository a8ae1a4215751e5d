"""Fault soak: kill -9 a pipeline run at random and at targeted points, restart it,
and check that it resumes, finishes with the same results as an uninterrupted run,
and never leaves a corrupt checkpoint or a half-written SavedModel version visible.

    .venv/bin/python benchmarks/fault_soak.py [--trials=40] [--seed=0]

Two tiny but complete pipeline runs on scikit-learn digits (3 epochs with a
backup per epoch, evaluation, export): `rotation` (one optimizer, batch norm)
and `sgan` (two optimizers, latent noise keyed on the step, dropout - whose
random stream the backup must carry, see `AtomicBackupAndRestore`). First an
uninterrupted reference run of each measures its phases: the length of a training
step and of the SavedModel write, and its training window, from the beginning of
the first training step to the end of the export (seconds since the process was
started; `reference_training_window` in the results). Then every other trial is
`random` and the others go through the other points in turn (40 trials by
default: 20 random, each other point twice, once per pipeline). Each trial
starts one of the pipelines with one fault and SIGKILLs it there:

- `random`: at a time drawn uniformly over the reference's training window
  (stratified: a model's n random trials fall in the n slices of the window, one
  each; an epoch, a backup, evaluation, export: wherever it lands, recorded as
  `landed_after`, the last event the child logged before the kill). The delay
  is counted from the trial's own first training step, so the kill falls as far
  into its training as the drawn time falls into the reference's window:
  start-up (mostly importing TensorFlow) varies by seconds on a loaded machine,
  and delays counted from the process start used to land before training began;
- `epoch`: a random time into a random training step (from its start, up to
  1.5 step durations of the reference run: mostly inside the step, sometimes in
  the next one or in an epoch-end backup);
- `export:writing`: a random time into the writing of the SavedModel;
- targeted points, where the child (`fault_soak_child.py`) stops and waits to be
  killed (it wraps the library's own functions; the library has no fault hooks):
  `backup:weights_partial` (half of the weights file's arrays written),
  `backup:weights` (weights written, metadata and rename not yet),
  `backup:swap` (the old state moved aside, the new one not yet renamed in),
  `trained:rename` (the final state renamed to `trained/`, `backup/` not yet removed),
  `evaluation` (training finished, nothing evaluated or exported),
  `export:saved_model` (SavedModel written into the temporary directory),
  `export:rename` (the complete version about to be renamed into place),
  `export:done` (the version in place, `metrics.json` not yet written).

After each kill the state on disk is checked (every visible backup's metadata
parses and its weights and optimizer state load into a freshly built model and
are finite; every numeric SavedModel version loads and serves), the run is
restarted with the same run directory, and its metrics, history and exported
model are compared with the uninterrupted reference of the same model. Writes
benchmarks/results/fault_soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fault_soak_child import (  # noqa: E402 - the child's protocol: its models, points, files
    EPOCHS,
    EVENTS,
    FIRST_STEP,
    MARKER,
    MODELS,
    POINTS,
    RANDOM_TIME,
    child_config,
    model_name,
)

CHILD = os.path.join(HERE, "fault_soak_child.py")
TARGETED = tuple(p for p in POINTS if p != "random")
DEFAULT_TRIALS = 40  # every other one random: 20 random, each targeted point twice


def _start(work, model, point=None, occurrence=1, at=1):
    import common  # benchmarks/common.py: was the parent allowed to run on a dirty tree?

    command = [sys.executable, CHILD, work, "--model", model]
    if common._allowed_dirty:
        command.append(common.ALLOW_DIRTY)  # the child checks the tree too; same permission
    if point:
        command += ["--point", point, "--occurrence", str(occurrence), "--at", str(at)]
    # The child's output goes to a file (a pipe nobody reads could fill up and block it).
    with open(os.path.join(work, "child.log"), "a") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches every thread
        )


def _log_tail(work: str) -> str:
    with open(os.path.join(work, "child.log"), errors="replace") as f:
        return f.read()[-3000:]


def events(work: str) -> list[dict]:
    try:
        with open(os.path.join(work, EVENTS)) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def run_clean(work: str, model: str, timeout: float = 900) -> float:
    """Runs (or resumes) the pipeline to the end; returns its wall time."""
    os.makedirs(work, exist_ok=True)
    start = time.perf_counter()
    proc = _start(work, model)
    proc.wait(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"the run in {work} failed:\n{_log_tail(work)}")
    return time.perf_counter() - start


def run_and_kill(work, model, point, occurrence=1, at=1, delay=0.0, timeout=900) -> dict:
    """Starts a run with a fault and SIGKILLs it there; returns what happened.

    `delay`: for the random-time points (`random`, `epoch`, `export:writing`),
    seconds after their window opened (for `random` the first training step); the
    others are killed as soon as they stop.
    """
    os.makedirs(work, exist_ok=True)
    marker = os.path.join(work, MARKER)
    if os.path.exists(marker):
        os.remove(marker)
    proc = _start(work, model, point, occurrence, at)
    start = time.perf_counter()
    opened = None
    try:
        while proc.poll() is None:
            now = time.perf_counter()
            if opened is None and os.path.exists(marker):
                opened = now
            if opened is not None and (point not in RANDOM_TIME or now - opened >= delay):
                os.killpg(proc.pid, signal.SIGKILL)
                killed_at = time.time()
                proc.wait()
                log = [e for e in events(work) if e["time"] <= killed_at and e["pid"] == proc.pid]
                return {
                    "killed": True,
                    "after_seconds": round(now - start, 2),
                    "landed_after": log[-1]["event"] if log else None,
                }
            if now - start > timeout:
                raise TimeoutError(f"fault {point} never reached")
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # Finished before the kill (a random delay past the end of the run).
    if proc.returncode != 0:
        raise RuntimeError(f"the faulted run failed by itself:\n{_log_tail(work)}")
    return {
        "killed": False,
        "after_seconds": round(time.perf_counter() - start, 2),
        "landed_after": "done",
    }


_MODELS: dict = {}


def _fresh_model(config: dict):
    """A built, compiled model of `config` (built once per parent process and
    config), to load visible backups into exactly as a resumed run would."""
    key = json.dumps(config, sort_keys=True)
    if key not in _MODELS:
        from tfxlearn import pipeline
        from tfxlearn.training import EpochOrder
        from tfxlearn.training.driver import _built, first_batch

        def build():
            return pipeline.build_model(config, pipeline.steps_per_epoch(ds))

        ds = pipeline.transform(config, pipeline.example_gen(config), EpochOrder())
        _MODELS[key] = _built(build, first_batch(ds))
    return _MODELS[key]


def _serving_inputs(serve) -> dict:
    """Fixed, seeded inputs for every input of a serving signature."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    inputs = {}
    for name, spec in sorted(serve.structured_input_signature[1].items()):
        shape = [8 if d is None else d for d in spec.shape]
        if spec.dtype.is_floating:
            inputs[name] = tf.constant(rng.random(shape, dtype=np.float32), spec.dtype)
        else:
            inputs[name] = tf.constant(rng.integers(0, 2, shape), spec.dtype)
    return inputs


def check_visible_state(work: str, model: str, config: dict | None = None) -> list[str]:
    """Problems with what a reader could see now (an empty list when all is well).

    `config`: the run's pipeline config, if not `child_config(model)`.
    """
    import warnings

    import numpy as np
    import tensorflow as tf

    from tfxlearn.training.callbacks import METADATA, SEEDS, load_state

    problems = []
    run_dir = os.path.join(work, "run")
    for sub in ("backup/state", "backup/state.old", "trained"):
        path = os.path.join(run_dir, sub)
        if not os.path.isdir(path):
            continue
        try:
            with open(os.path.join(path, METADATA)) as f:
                metadata = json.load(f)
            if not 1 <= int(metadata["epoch"]) <= EPOCHS or SEEDS not in metadata:
                problems.append(f"{sub}: unexpected metadata {metadata}")
            net = _fresh_model(config or child_config(model))
            with warnings.catch_warnings():
                # Keras only warns when it skips state it cannot match (e.g. the
                # optimizer's): here that is a broken backup.
                warnings.simplefilter("error")
                load_state(net, path)
            bad = [v.path for v in net.weights if not np.isfinite(v.numpy()).all()]
            if bad:
                problems.append(f"{sub}: non-finite weights {bad[:3]}")
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            problems.append(f"{sub}: {type(error).__name__}: {error}")
    model_dir = os.path.join(work, "models", model_name(model))
    if os.path.isdir(model_dir):
        for name in sorted(os.listdir(model_dir)):
            if not name.isdigit():
                continue
            try:
                serve = tf.saved_model.load(os.path.join(model_dir, name)).signatures[
                    "serving_default"
                ]
                out = serve(**_serving_inputs(serve))
                if not all(np.isfinite(v.numpy()).all() for v in out.values()):
                    problems.append(f"version {name}: non-finite outputs")
            except Exception as error:  # noqa: BLE001
                problems.append(f"version {name}: {type(error).__name__}: {error}")
    return problems


def outcome(work: str, model: str) -> dict:
    """What a finished run produced: its metrics, history and model outputs."""
    import tensorflow as tf

    run_dir = os.path.join(work, "run")
    with open(os.path.join(run_dir, "metrics.json")) as f:
        metrics = json.load(f)
    model_dir = os.path.join(work, "models", model_name(model))
    versions = sorted(n for n in os.listdir(model_dir) if n.isdigit())
    serve = tf.saved_model.load(os.path.join(model_dir, versions[-1])).signatures["serving_default"]
    outputs = {k: v.numpy() for k, v in serve(**_serving_inputs(serve)).items()}
    leftovers = [os.path.join("models", n) for n in os.listdir(model_dir) if n.startswith(".")]
    if os.path.exists(os.path.join(run_dir, "backup")):  # removed once training completed
        leftovers.append("run/backup")
    return {
        "results": metrics["results"],
        "model_results": metrics["model_results"],
        "history": metrics["history"],
        "outputs": outputs,
        "versions": versions,
        "leftovers": leftovers,
    }


def differences(got: dict, want: dict) -> dict:
    """Largest differences between two outcomes."""
    import numpy as np

    def flat_numbers(tree, prefix=""):
        if isinstance(tree, dict):
            for key, value in tree.items():
                yield from flat_numbers(value, f"{prefix}{key}/")
        elif isinstance(tree, (list, tuple)):
            for i, value in enumerate(tree):
                yield from flat_numbers(value, f"{prefix}{i}/")
        elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
            yield prefix, float(tree)

    keys = ("results", "model_results", "history")
    a = dict(flat_numbers({k: got[k] for k in keys}))
    b = dict(flat_numbers({k: want[k] for k in keys}))
    a = {k: v for k, v in a.items() if "seconds" not in k}
    b = {k: v for k, v in b.items() if "seconds" not in k}

    def gap(x, y):
        if np.isnan(x) or np.isnan(y):
            return 0.0 if np.isnan(x) and np.isnan(y) else float("inf")
        return abs(x - y)

    gaps = {k: gap(a[k], b[k]) for k in b if k in a}
    worst = max(gaps, key=gaps.get, default=None)
    relative = {k: g / max(1.0, abs(b[k])) for k, g in gaps.items()}
    output_gaps = [np.abs(got["outputs"][k] - want["outputs"][k]) for k in want["outputs"]]
    return {
        "metrics": gaps[worst] if worst is not None else 0.0,
        "worst_metric": worst,
        "metrics_relative": max(relative.values(), default=0.0),
        "outputs": max(float(g.max()) for g in output_gaps),
        "outputs_relative": max(
            float((g / np.maximum(1.0, np.abs(want["outputs"][k]))).max())
            for g, k in zip(output_gaps, want["outputs"])
        ),
        "key_mismatch": sorted(set(a) ^ set(b))
        + sorted(set(got["outputs"]) ^ set(want["outputs"])),
    }


def trial(
    work: str,
    model: str,
    point: str,
    want: dict,
    *,
    occurrence: int = 1,
    at: int = 1,
    delay: float = 0.0,
    tol: float = 1e-4,
) -> dict:
    """One kill-check-restart-compare trial in the (new) directory `work`."""
    record = {"model": model, "point": point, "occurrence": occurrence}
    if point == "backup:weights_partial":
        record["at_array"] = at
    if point == "epoch":
        record["at_step"] = at
    if point in RANDOM_TIME:
        record["delay_seconds"] = round(delay, 2)
    record.update(run_and_kill(work, model, point, occurrence, at, delay))
    record["visible_state_problems"] = check_visible_state(work, model)
    restart = time.perf_counter()
    run_clean(work, model)
    record["restart_seconds"] = round(time.perf_counter() - restart, 1)
    got = outcome(work, model)
    diff = differences(got, want)
    record.update(
        max_metric_difference=diff["metrics"],
        worst_metric=diff["worst_metric"],
        max_relative_metric_difference=diff["metrics_relative"],
        max_relative_output_difference=diff["outputs_relative"],
        max_output_difference=diff["outputs"],
        key_mismatch=diff["key_mismatch"],
        versions=got["versions"],
        leftovers=got["leftovers"],
    )
    record["passed"] = (
        not record["visible_state_problems"]
        and not diff["key_mismatch"]
        and diff["metrics"] <= tol
        and diff["outputs"] <= tol
        and got["versions"] == ["1"]
        and not got["leftovers"]
    )
    return record


def reference(work: str, model: str) -> dict:
    """An uninterrupted run: its outcome, wall time, the lengths of its phases and
    its training window (`training_window`: seconds from the process start to the
    beginning of the first training step and to the end of the export)."""
    import h5py

    started = time.time()
    wall = run_clean(work, model)
    log = {e["event"]: e for e in events(work)}
    window = (log[FIRST_STEP]["time"] - started, log["export_end"]["time"] - started)
    steps = log["train_end"]["steps"]
    step = (log["train_end"]["time"] - log["train_begin"]["time"]) / steps
    writing = log["export_write_end"]["time"] - log["export_write_begin"]["time"]
    arrays = []
    with h5py.File(os.path.join(work, "run", "trained", "latest.weights.h5"), "r") as f:
        f.visititems(
            lambda name, obj: arrays.append(name) if isinstance(obj, h5py.Dataset) else None
        )
    return {
        "outcome": outcome(work, model),
        "seconds": wall,
        "steps": steps,
        "windows": {"step": step, "export:writing": writing},
        "training_window": window,
        "weight_arrays": len(arrays),
    }


def plan(trials: int, seed: int, refs: dict) -> list[dict]:
    """The trials: every other one `random` (the model alternating), in between
    every targeted point in turn (the model swapped each round); the occurrence /
    delay / array drawn from a seeded generator (reproducible).

    A model's n random delays are stratified: each falls in its own one of n
    equal slices of the reference's training window, the slices in a random
    order, so every delay is uniform over the window and together they cover it
    (10 independent draws can leave a whole epoch without a kill)."""
    rng = random.Random(seed)
    schedule = []
    for i in range(trials):
        if i % 2 == 0:
            schedule.append(("random", MODELS[i // 2 % len(MODELS)]))
        else:
            j = i // 2
            model = MODELS[(j // len(TARGETED) + j % len(TARGETED)) % len(MODELS)]
            schedule.append((TARGETED[j % len(TARGETED)], model))
    slices = {}
    for model in MODELS:
        n = schedule.count(("random", model))
        slices[model] = (n, rng.sample(range(n), n))
    out = []
    for point, model in schedule:
        ref = refs[model]
        spec = {"model": model, "point": point, "occurrence": 1, "at": 1, "delay": 0.0}
        if point == "random":  # counted from the window's start, the first training step
            first_step, export_end = ref["training_window"]
            n, order = slices[model]
            spec["delay"] = (order.pop() + rng.random()) / n * (export_end - first_step)
        elif point == "epoch":
            spec["at"] = rng.randint(1, ref["steps"])
            spec["delay"] = rng.uniform(0.0, 1.5 * ref["windows"]["step"])
        elif point == "export:writing":
            spec["delay"] = rng.uniform(0.0, ref["windows"]["export:writing"])
        elif point in ("backup:weights", "backup:weights_partial"):
            spec["occurrence"] = rng.randint(1, EPOCHS)
            if point == "backup:weights_partial":
                spec["at"] = rng.randint(1, ref["weight_arrays"] - 1)
        elif point == "backup:swap":  # the old state is moved aside from the 2nd backup on
            spec["occurrence"] = rng.randint(1, EPOCHS - 1)
        out.append(spec)
    return out


def soak(trials: int, seed: int, tol: float = 1e-4, work_root: str | None = None) -> dict:
    work_root = work_root or tempfile.mkdtemp(prefix="tfxlearn-fault-soak-")
    refs = {}
    for model in MODELS:
        refs[model] = reference(os.path.join(work_root, f"reference-{model}"), model)
        print(f"reference {model}: {refs[model]['seconds']:.1f} s", flush=True)
    records = []
    for i, spec in enumerate(plan(trials, seed, refs)):
        work = os.path.join(work_root, f"trial-{i:02d}")
        model = spec.pop("model")
        point = spec.pop("point")
        record = trial(work, model, point, refs[model]["outcome"], tol=tol, **spec)
        records.append(record)
        shutil.rmtree(work, ignore_errors=True)
        status = "passed" if record["passed"] else "FAILED"
        print(f"trial {i + 1:2d}/{trials} {model:8s} {point:22s} {status}  {json.dumps(record)}")
        sys.stdout.flush()
    shutil.rmtree(work_root, ignore_errors=True)
    return {
        "reference_seconds": {m: r["seconds"] for m, r in refs.items()},
        "reference_windows": {m: r["windows"] for m, r in refs.items()},
        "reference_training_window": {
            m: {"first_step": r["training_window"][0], "export_end": r["training_window"][1]}
            for m, r in refs.items()
        },
        "reference_steps": {m: r["steps"] for m, r in refs.items()},
        "trials": records,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=DEFAULT_TRIALS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.trials < 1:
        raise SystemExit(f"--trials must be >= 1, got {args.trials}")
    from common import write_result

    start = time.perf_counter()
    result = soak(args.trials, args.seed)
    records = result["trials"]

    def counts(key, values):
        return {
            v: {
                "trials": sum(r[key] == v for r in records),
                "passed": sum(r[key] == v and r["passed"] for r in records),
            }
            for v in values
        }

    landed: dict[str, int] = {}
    for r in records:
        if r["point"] in RANDOM_TIME:
            key = f"{r['point']} after {r['landed_after']}"
            landed[key] = landed.get(key, 0) + 1
    summary = {
        "trials": len(records),
        "passed": sum(r["passed"] for r in records),
        "killed": sum(r["killed"] for r in records),
        "by_point": counts("point", POINTS),
        "by_model": counts("model", MODELS),
        "random_kills_landed": dict(sorted(landed.items())),
        "max_metric_difference": max(r["max_metric_difference"] for r in records),
        "max_output_difference": max(r["max_output_difference"] for r in records),
        "wall_seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary, indent=2))
    write_result("fault_soak", {"summary": summary, **result})


if __name__ == "__main__":
    from common import begin

    sys.argv[1:] = begin(sys.argv[1:])
    main()
