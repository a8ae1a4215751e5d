"""Shared bits of the benchmarks: provenance and atomic result files.

Provenance identifies the code that ran: the commit and the dirty state are read
when the benchmark **starts** (`begin`, or on import of this module), a
benchmark refuses to start on a tree with uncommitted changes unless given
`--allow-dirty` (its rows are then marked dirty in the rendered tables), and
`write_result` fails if HEAD moved or the tree became dirty while it ran. The
`tfxlearn` it imports must be this checkout's (a benchmark run from a second
worktree with the editable install pointing elsewhere would measure other code).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
ALLOW_DIRTY = "--allow-dirty"


def _git(*args) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def code_state() -> dict:
    """`{"commit", "dirty"}` of the checkout now. Result files the benchmarks write
    do not count as changes (a second run after any write would be flagged)."""
    return {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(
            _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results")
        ),
    }


START = code_state()  # at import: before the benchmark has run anything
_allowed_dirty = False


def _print_usage() -> None:
    """Prints the running benchmark script's docstring and exits: `--help` must
    not start hours of training."""
    main = sys.modules.get("__main__")
    doc = (getattr(main, "__doc__", None) or "").strip()
    script = os.path.relpath(sys.argv[0], ROOT) if sys.argv and sys.argv[0] else "benchmark"
    print(doc or f"{script}: no usage text; see docs/benchmarks.md")
    print(f"\ncommon flags: --seeds 0,1,2 (reruns with those seeds), {ALLOW_DIRTY}")
    raise SystemExit(0)


def begin(argv: list[str]) -> list[str]:
    """Checks the checkout before a benchmark runs; returns `argv` without
    `--allow-dirty`. Exits with a message on a dirty tree (unless allowed) or when
    the imported tfxlearn is not this checkout's."""
    global _allowed_dirty
    argv = list(argv)
    if "--help" in argv or "-h" in argv:
        _print_usage()
    _allowed_dirty = ALLOW_DIRTY in argv
    argv = [a for a in argv if a != ALLOW_DIRTY]
    if START["dirty"] and not _allowed_dirty:
        raise SystemExit(
            f"the checkout at {START['commit']} has uncommitted changes (git status): "
            f"commit them first, or pass {ALLOW_DIRTY} (the rows are then marked dirty)"
        )
    import logging

    import tfxlearn  # before TensorFlow: it quiets TensorFlow's C++ INFO/WARNING logs

    # As `tfxlearn run` by default: TensorFlow's Python WARNING lines (e.g. a
    # decoder traced once per model, reported as "retracing") are not results.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    package = os.path.dirname(os.path.abspath(tfxlearn.__file__))
    if os.path.dirname(package) != ROOT:
        raise SystemExit(
            f"tfxlearn is imported from {package}, not from this checkout ({ROOT}): "
            f"run with PYTHONPATH={ROOT}"
        )
    return argv


def provenance() -> dict:
    """The stamp of a result: date, the commit and dirty state at start, versions.

    Raises:
        RuntimeError: HEAD moved, or the tree became dirty, since the start.
    """
    import tensorflow as tf

    now = code_state()
    if now["commit"] != START["commit"]:
        raise RuntimeError(
            f"HEAD moved from {START['commit']} to {now['commit']} while the benchmark ran: "
            "its results would be stamped with code that did not run; rerun it"
        )
    if now["dirty"] and not START["dirty"]:
        raise RuntimeError(
            f"the checkout at {START['commit']} was changed while the benchmark ran; rerun it"
        )
    return {
        "date": datetime.date.today().isoformat(),
        "commit": START["commit"],
        "dirty": START["dirty"],
        "allowed_dirty": bool(START["dirty"] and _allowed_dirty),
        "command": " ".join([os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
        if sys.argv and sys.argv[0]
        else "",
        "tensorflow": tf.__version__,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }


def parse_seeds(argv: list[str]) -> tuple[list[int | None], list[str]]:
    """`--seeds 0,1,2` out of `argv`: (the seeds, or [None] without the flag; the rest)."""
    argv = list(argv)
    if "--seeds" not in argv:
        return [None], argv
    at = argv.index("--seeds")
    if at + 1 >= len(argv):
        raise SystemExit("--seeds needs a value like 0,1,2")
    text = argv[at + 1]
    del argv[at : at + 2]
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        seeds = []
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise SystemExit(f"--seeds must be distinct non-negative integers like 0,1,2, got {text!r}")
    return seeds, argv


def seeded_model(config: dict, seed: int):
    """The config's model built with `seed` (Keras's global seed set first, so
    the initial weights are the seed's), for a benchmark that fits it itself."""
    import keras

    from tfxlearn.pipeline.components import build_model

    keras.utils.set_random_seed(int(seed))
    return build_model({**config, "seed": int(seed)})


def seeded(config: dict, name: str, seed: int | None) -> str:
    """Sets `config["seed"]` for a `--seeds` rerun; returns the result name: `name`
    for the pipeline's own seed, `name_seed<N>` for the others."""
    if seed is None or seed == config.get("seed", 0):
        return name
    config["seed"] = seed
    return f"{name}_seed{seed}"


def write_result(name: str, payload: dict) -> str:
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, f"{name}.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({**provenance(), **payload}, f, indent=2)
    os.replace(tmp, path)
    print(f"wrote {path}")
    return path


def budget_selection(
    seeds, validation, candidates, selection: dict, chosen, runs: list, summary: dict, started
) -> dict:
    """The closing keys of the result of a benchmark that chose a training budget
    (epochs) on a validation carve and then ran each seed: seeds, the carve,
    candidate_epochs, selection, chosen_epochs, runs, summary and the seconds
    since `started` (a `time.time()`)."""
    return {
        "seeds": seeds,
        "validation": validation,
        "candidate_epochs": list(candidates),
        "selection": selection,
        "chosen_epochs": chosen,
        "runs": runs,
        "summary": summary,
        "seconds": round(time.time() - started, 1),
    }


def finish(name: str, payload: dict, smoke: bool, write=None) -> str | None:
    """Writes `payload` as result `name` with `write` (default `write_result`; a
    script passes the one it imported, so a test can replace it); a smoke run
    writes nothing and says so."""
    if smoke:
        print("smoke run: nothing written")
        return None
    return (write or write_result)(name, payload)
