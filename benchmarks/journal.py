"""A long benchmark's progress on disk, so a run that is stopped part-way resumes
where it stopped instead of starting over.

Some benchmarks train for longer than this machine keeps a job alive (the text
benchmarks take 2 to 25 hours; the sessions that run them end every few hours and
stop their jobs). With a `Journal`, rerunning the same command continues:

- finished pieces (a validation score, a seed's row) are recorded as JSON
  values (`value`, `record`) and not computed again;
- each training run (`Trained.fit`) backs up every epoch with
  `tfxlearn.training.AtomicBackupAndRestore`, so an unfinished fit continues at
  its last completed epoch (weights, optimizer and random-stream states);
- a finished fit leaves the model's weights behind (`states/<key>.npz`), which
  are loaded back when the next unfinished step needs the model; a model
  trained by other means is kept the same way (`model`).

A journal belongs to one command line at one clean commit: resuming from another
commit, another command line or a checkout with uncommitted changes is refused
(the result would be stamped with code that did not all run), unless `--restart`
discards it. The result written at the end carries `journal`: the number of
sessions the run took and the seconds each one ran. A resumed fit continues
from the saved state with the same data order (`EpochOrder`) and random
streams, but TensorFlow's kernels are not bit-reproducible across processes:
a resumed run is a valid run of the same code, not a replay of an
uninterrupted one.

Journals live in `runs/journal/<name>/` (ignored by git); `finish` removes one.

A journal also outlives the machine it ran on, at the cost of its unfinished
training: `python benchmarks/journal.py --carry` writes each one's recorded
values without its weights to `benchmarks/carried/<name>.json` (commit it), and
`python benchmarks/journal.py --restore benchmarks/carried/<name>.json`, in a
clean checkout of the journal's commit on another machine, puts it back. A
carried journal ends before the first training whose weights a later step
may still need (one no recorded value encloses) and keeps nothing recorded
after it, so that training and everything after it run again from the start,
as one run, rather than mixing the scores of two trainings. The weights of a
finished training go along when they are small (`CARRY_FILE`; the encoders a
later step reuses), so the cut moves past it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time

import common

RESTART = "--restart"
CARRIED = os.path.join(common.ROOT, "benchmarks", "carried")  # `carry`'s default
#: A carried journal takes a finished training's weights along (committed with
#: it) when the file is at most CARRY_FILE bytes, up to CARRY_TOTAL per journal:
#: the small encoders a later step reuses, not a language model's.
CARRY_FILE = 2 * 2**20
CARRY_TOTAL = 6 * 2**20
STATE = "journal.json"
LOCK = "lock"


def _lock(directory: str):
    """An exclusive lock on `directory` held while the returned file is open (by
    this process until it exits): two runs of one journal would overwrite each
    other's backups."""
    import fcntl

    os.makedirs(directory, exist_ok=True)
    handle = open(os.path.join(directory, LOCK), "a")  # noqa: SIM115 (held until close)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise SystemExit(
            f"{directory} is in use by another run of this benchmark: wait for it to end "
            "or stop it first"
        ) from None
    return handle


@contextlib.contextmanager
def session(name: str, argv: list[str]):
    """The `Journal` of benchmark `name` for this run: `runs/journal/<name>`, which
    rerunning the same command resumes, removed once the run completed; for
    `--smoke`, a temporary directory removed in any case."""
    root = tempfile.mkdtemp(prefix="journal-") if "--smoke" in argv else None
    try:
        journal = Journal(name, argv, root=root)
        try:
            yield journal
            journal.finish()
        finally:
            journal.close()
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


class Journal:
    """The progress of benchmark `name` run with `argv` (after `common.begin`)."""

    def __init__(self, name: str, argv: list[str], root: str | None = None):
        argv = list(argv)
        restart = RESTART in argv
        self.argv = [a for a in argv if a != RESTART]
        self.dir = os.path.join(root or os.path.join(common.ROOT, "runs", "journal"), name)
        self._path = os.path.join(self.dir, STATE)
        self._lock = _lock(self.dir)
        identity = {"commit": common.START["commit"], "argv": self.argv}
        saved = self._read()
        if saved is not None and not restart:
            if common.START["dirty"]:
                raise SystemExit(
                    f"{self.dir} holds a started run, and this checkout has uncommitted "
                    f"changes: a resumed run must run one commit's code; pass {RESTART} to "
                    "discard the journal"
                )
            if saved["identity"] != identity:
                was = saved["identity"]
                before, now = (" ".join(a) or "(no arguments)" for a in (was["argv"], self.argv))
                raise SystemExit(
                    f"{self.dir} holds a run of `{before}` at commit {was['commit']}; "
                    f"this is `{now}` at {identity['commit']}: check out {was['commit']} "
                    f"and rerun that command to resume it, or pass {RESTART} to discard it"
                )
        if saved is None or restart or common.START["dirty"]:
            for entry in os.listdir(self.dir):
                if entry != LOCK:
                    path = os.path.join(self.dir, entry)
                    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            saved = {"identity": identity, "values": {}, "sessions": []}
        # trainings: [key, number of values recorded when it started, event];
        # spans: [first, end) of the values recorded while a `value` was
        # computed, and the event it began at (`events` counts both)
        saved.setdefault("trainings", [])
        saved.setdefault("spans", [])
        saved.setdefault("events", 0)
        self._state = saved
        self._state["sessions"].append({"started": time.time(), "seconds": 0.0})
        self._started = time.perf_counter()
        self.resumed = len(self._state["sessions"]) > 1
        if self.resumed:
            print(
                f"resuming from {self.dir}: {len(self._state['values'])} finished "
                f"piece(s), session {len(self._state['sessions'])}",
                flush=True,
            )
        self._write()

    # ----------------------------------------------------------------- values

    def __contains__(self, key: str) -> bool:
        return key in self._state["values"]

    def get(self, key: str, default=None):
        return self._state["values"].get(key, default)

    def under(self, prefix: str) -> dict:
        """The recorded values whose keys start with `prefix`."""
        return {k: v for k, v in self._state["values"].items() if k.startswith(prefix)}

    def record(self, key: str, value):
        """Records `value` (JSON) under `key`, on disk before returning it."""
        self._state["values"][key] = value
        self._write()
        return value

    def value(self, key: str, compute):
        """The value recorded under `key`, or `compute()` recorded there."""
        values = self._state["values"]
        if key in values:
            return values[key]
        start, event = len(values), self._event()
        result = compute()
        self._state["spans"].append([start, len(values) + (key not in values), event])
        return self.record(key, result)

    # ----------------------------------------------------------------- models

    def trained(self, key: str, model) -> Trained:
        """The fits of `model` in order, resumable (see `Trained`)."""
        return Trained(self, key, model)

    def model(self, key: str, train, build):
        """A model trained once across sessions: `train()` makes it and its
        variables are kept (`states/<key>.npz`); in a later session `build()`
        makes the same architecture and they are loaded into it."""
        path = os.path.join(self.dir, "states", *key.split("/")) + ".npz"
        if key in self:
            model = build()
            load_weights(model, path)
            return model
        self._training(key)
        model = train()
        save_weights(model, path)
        self.record(key, True)
        return model

    # ----------------------------------------------------------------- result

    def summary(self) -> dict:
        """`{"sessions", "session_seconds"}` for the result file."""
        self._tick()
        return {
            "sessions": len(self._state["sessions"]),
            "session_seconds": [round(s["seconds"], 1) for s in self._state["sessions"]],
        }

    def finish(self) -> None:
        """Removes the journal (after the result is written)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        self.close()

    def close(self) -> None:
        """Lets another run open the journal (the process's exit does too)."""
        self._lock.close()

    def _training(self, key: str) -> None:
        """Marks where training `key` starts among the recorded values (`carried`)."""
        if all(t[0] != key for t in self._state["trainings"]):
            self._state["trainings"].append([key, len(self._state["values"]), self._event()])
            self._write()

    def _event(self) -> int:
        self._state["events"] += 1
        return self._state["events"]

    # ----------------------------------------------------------------- disk

    def _tick(self) -> None:
        self._state["sessions"][-1]["seconds"] = time.perf_counter() - self._started

    def _read(self) -> dict | None:
        try:
            with open(self._path) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except ValueError as error:  # written atomically, so only by hand
            raise SystemExit(f"{self._path} is not a journal ({error}); pass {RESTART}") from None

    def _write(self) -> None:
        self._tick()
        os.makedirs(self.dir, exist_ok=True)
        tmp = self._path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self._state, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path)


class Trained:
    """A model trained by a sequence of fits, each of which a stopped run resumes.

    `fit(name, run)` calls `run(callbacks)` unless fit `name` finished in an
    earlier session; `run` must pass `callbacks` (the epoch backup) to the one
    Keras `fit` it makes (a paradigm's stage method forwards them) and train
    the same model. Before an unfinished fit, and in `model()`, the weights the
    last finished fit left are loaded (once), so a resumed run continues from
    them; the fit's own backup, if any, then takes over at its last epoch.
    """

    def __init__(self, journal: Journal, key: str, model):
        self.journal = journal
        self.key = key
        self._model = model
        self._last_done = None  # the latest finished fit, its weights not loaded yet
        self._loaded = True

    def fit(self, name: str, run) -> None:
        from tfxlearn.training.callbacks import AtomicBackupAndRestore

        done = f"{self.key}/{name}"
        if done in self.journal:
            self._last_done, self._loaded = done, False
            return
        self.model()
        self.journal._training(done)
        backup = os.path.join(self.journal.dir, "fits", *done.split("/"))
        run([_epoch_seconds(self.journal, done), AtomicBackupAndRestore(backup)])
        save_weights(self._model, self._state_path(done))
        self.journal.record(done, True)
        self._last_done, self._loaded = done, True

    def seconds(self, name: str) -> float:
        """Wall seconds of fit `name`: the sum of its epochs' (each from its start
        to its last step; an epoch interrupted by a stop and run again counts once)."""
        return float(sum(self.journal.under(f"{self.key}/{name}/seconds/").values()))

    def model(self):
        """The model, with the weights of the last finished fit."""
        if not self._loaded:
            load_weights(self._model, self._state_path(self._last_done))
            self._loaded = True
        return self._model

    def _state_path(self, done: str) -> str:
        return os.path.join(self.journal.dir, "states", *done.split("/")) + ".npz"


def scored_fit(journal: Journal, key: str, model, fit, at=(), score=None, report=None):
    """`model` trained once across sessions by `fit(callbacks)` (one Keras `fit`
    that must pass `callbacks` on), with `score(model, epochs)` after each epoch
    count in `at`, each score recorded as `<key>/score/<epochs>`; `report(epochs, score)`
    prints it. Returns (the trained model, {"<epochs>": score} in epoch order,
    the training seconds).

    A stopped run resumes at its last backed-up epoch; the scores already
    recorded are kept (the scoring runs before the epoch's backup, so an epoch
    whose score was lost is trained again). Data shuffled by tf.data's own seeded
    `reshuffle_each_iteration` restarts its sequence of orders in a resumed
    process: the epochs after a resume see the first epochs' orders again."""
    import keras

    at = sorted({int(n) for n in at})

    def on_epoch_end(epoch, logs=None):
        if epoch + 1 in at:
            value = journal.value(f"{key}/score/{epoch + 1}", lambda: score(model, epoch + 1))
            if report:
                report(epoch + 1, value)

    scoring = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)] if at else []
    trained = journal.trained(key, model)
    trained.fit("fit", lambda callbacks: fit([*scoring, *callbacks]))
    scores = {str(n): journal.get(f"{key}/score/{n}") for n in at}
    return trained.model(), scores, trained.seconds("fit")


def _epoch_seconds(journal: Journal, key: str):
    """A callback recording each epoch's seconds, from its start to the end of its
    last step (what other callbacks do at the epoch's end is not training)."""
    import keras

    class EpochSeconds(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = self.end = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.end = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            journal.record(f"{key}/seconds/epoch{epoch + 1}", self.end - self.start)

    return EpochSeconds()


def save_weights(model, path: str) -> None:
    """`model.variables` (weights and random-stream states) and, once built, its
    optimizer's variables (a later `fit` of the same compiled model continues
    with them), by position, atomically."""
    import keras
    import numpy as np

    os.makedirs(os.path.dirname(path), exist_ok=True)
    arrays = {f"v{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.variables)}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        for i, v in enumerate(optimizer.variables):
            arrays[f"o{i}"] = keras.ops.convert_to_numpy(v)
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def load_weights(model, path: str) -> None:
    """Assigns what `save_weights` wrote to the same model's variables (built by
    the same code, so in the same order); refuses any other model's."""
    import numpy as np

    from tfxlearn.training.callbacks import build_optimizer_for_restore

    with np.load(path) as saved:
        weights = [saved[f"v{i}"] for i in range(sum(k.startswith("v") for k in saved.files))]
        slots = [saved[f"o{i}"] for i in range(sum(k.startswith("o") for k in saved.files))]
    pairs = [(model.variables, weights)]
    if slots:
        build_optimizer_for_restore(model)
        optimizer = getattr(model, "optimizer", None)
        pairs.append((optimizer.variables if optimizer is not None else [], slots))
    for variables, arrays in pairs:
        shapes = [tuple(v.shape) for v in variables]
        if len(arrays) != len(variables) or any(a.shape != s for a, s in zip(arrays, shapes)):
            raise ValueError(
                f"{path} holds {len(arrays)} arrays that do not match the model's "
                f"{len(variables)} variables: it was written by a different model"
            )
    for variables, arrays in pairs:
        for variable, array in zip(variables, arrays):
            variable.assign(array)


def carried(state: dict, weights: dict | None = None) -> dict:
    """Journal `state` as it can move to another machine: the values recorded
    before the first training that no recorded value encloses (its model may be
    needed later) and whose weights do not go along, and the marks that go with
    them; resuming it trains that one again from the start. `weights`: {key:
    bytes} of the finished trainings' weight files; one of at most `CARRY_FILE`
    bytes goes along (listed in `"carried_weights"`) while the journal's stay
    within `CARRY_TOTAL`."""
    keys = list(state["values"])
    cut, budget, taken = len(keys), CARRY_TOTAL, []
    for key, at, started in state["trainings"]:  # in the order they started
        enclosed = any(
            began < started and at < end for _, end, began in state["spans"]
        )  # a value whose computation began before the training was recorded after it began
        if at >= cut or enclosed:
            continue
        size = (weights or {}).get(key)
        if size is not None and size <= min(CARRY_FILE, budget):
            budget -= size
            taken.append(key)
            continue
        cut = at
    return {
        **state,
        "values": {k: state["values"][k] for k in keys[:cut]},
        "trainings": [t for t in state["trainings"] if t[1] < cut],
        "spans": [s for s in state["spans"] if s[1] <= cut],
        "carried_weights": [
            k for k in taken if any(t[0] == k and t[1] < cut for t in state["trainings"])
        ],
    }


def _states_path(directory: str, key: str) -> str:
    return os.path.join(directory, "states", *key.split("/")) + ".npz"


def carry(out: str, root: str | None = None) -> list[str]:
    """Writes each journal under `root` (default `runs/journal/`) as `carried`
    to `out/<name>.json`; returns one line per journal written."""
    root = root or os.path.join(common.ROOT, "runs", "journal")
    lines = []
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        try:
            with open(os.path.join(root, name, STATE)) as f:
                state = json.load(f)
        except (OSError, ValueError):
            continue
        for key in ("trainings", "spans"):
            state.setdefault(key, [])
        weights = {}
        for key, _, _ in state["trainings"]:
            if os.path.exists(_states_path(os.path.join(root, name), key)):
                weights[key] = os.path.getsize(_states_path(os.path.join(root, name), key))
        kept = carried(state, weights)
        os.makedirs(out, exist_ok=True)
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)  # an earlier carry's
        for key in kept["carried_weights"]:
            target = _states_path(os.path.join(out, name), key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(_states_path(os.path.join(root, name), key), target)
        path = os.path.join(out, f"{name}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(kept, f, indent=1)
        os.replace(path + ".tmp", path)
        lines.append(
            f"{path}: {len(kept['values'])} of {len(state['values'])} piece(s) and "
            f"{len(kept['carried_weights'])} trained model(s) kept; resume "
            f"with `python benchmarks/journal.py --restore {path}` in a clean checkout of "
            f"{state['identity']['commit']}"
        )
    return lines


def restore(path: str, root: str | None = None) -> str:
    """Puts carried journal `path` (`carry`) back as `root/<name>/` (default
    `runs/journal/`) in a clean checkout of its commit; returns the command that
    resumes it."""
    name = os.path.splitext(os.path.basename(path))[0]
    with open(path) as f:
        state = json.load(f)
    commit = state["identity"]["commit"]
    if common.START["dirty"] or common.START["commit"] != commit:
        raise SystemExit(
            f"{path} is a run at commit {commit}: restore it in a clean checkout of that "
            f"commit (git worktree add --detach DIR {commit}); this one is "
            f"{common.START['commit']}" + (" with uncommitted changes" * common.START["dirty"])
        )
    directory = os.path.join(root or os.path.join(common.ROOT, "runs", "journal"), name)
    if os.path.exists(os.path.join(directory, STATE)):
        raise SystemExit(f"{directory} holds a journal already: resume or remove it first")
    source = os.path.join(os.path.dirname(path), name)
    missing = [
        k for k in state.get("carried_weights", []) if not os.path.exists(_states_path(source, k))
    ]
    if missing:
        raise SystemExit(f"{path} lists weights missing under {source}/states: {missing}")
    os.makedirs(directory, exist_ok=True)
    for key in state.get("carried_weights", []):
        os.makedirs(os.path.dirname(_states_path(directory, key)), exist_ok=True)
        shutil.copyfile(_states_path(source, key), _states_path(directory, key))
    with open(os.path.join(directory, STATE), "w") as f:
        json.dump(state, f, indent=1)
    return " ".join(["python", f"benchmarks/{name}.py", *state["identity"]["argv"]])


def carried_status(directory: str | None = None) -> list[str]:
    """One line per carried journal in `directory` (default `benchmarks/carried/`):
    the commit to check out and the commands that restore and resume it."""
    directory = directory or CARRIED
    lines = []
    for entry in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if not entry.endswith(".json"):
            continue
        path = os.path.join(directory, entry)
        with open(path) as f:
            state = json.load(f)
        identity = state["identity"]
        name = entry[: -len(".json")]
        lines.append(
            f"{name}: at {identity['commit']}, {len(state['sessions'])} session(s), "
            f"{len(state['values'])} piece(s): in a clean checkout of {identity['commit']}, "
            f"`python benchmarks/journal.py --restore {os.path.relpath(path, common.ROOT)}` "
            f"then `{' '.join(['python', f'benchmarks/{name}.py', *identity['argv']])}`"
        )
    return lines


def status(root: str | None = None) -> list[str]:
    """One line per journal under `root` (default `runs/journal/`): the benchmark,
    the command and commit that resume it, the sessions so far, the pieces
    recorded and when it last wrote."""
    root = root or os.path.join(common.ROOT, "runs", "journal")
    lines = []
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        path = os.path.join(root, name, STATE)
        try:
            with open(path) as f:
                state = json.load(f)
        except (OSError, ValueError):
            continue
        identity = state["identity"]
        last = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(path)))
        lines.append(
            f"{name}: `{' '.join(['python', f'benchmarks/{name}.py', *identity['argv']])}`"
            + f" at {identity['commit']}, {len(state['sessions'])} session(s), "
            f"{len(state['values'])} piece(s) recorded, last written {last}"
        )
    return lines


if __name__ == "__main__":
    # python benchmarks/journal.py [DIR]: the runs waiting to be resumed;
    # --carry [OUT]: write them without weights to OUT (benchmarks/carried/);
    # --restore FILE...: put carried journals back in this checkout.
    import sys

    args = sys.argv[1:]
    if args[:1] == ["--carry"]:
        written = carry(args[1] if len(args) > 1 else CARRIED)
        print("\n".join(written) if written else "no journal: nothing to carry")
    elif args[:1] == ["--restore"]:
        if len(args) < 2:
            raise SystemExit("--restore needs carried journal files: benchmarks/carried/*.json")
        for path in args[1:]:
            print(f"restored {path}: resume with `{restore(path)}`")
    else:
        found = status(args[0] if args else None)
        print("\n".join(found) if found else "no journal: nothing to resume")
