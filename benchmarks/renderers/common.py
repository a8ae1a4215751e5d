"""What every renderer needs: a result file, its stamp and flags, a number cell."""

from __future__ import annotations

import json
import os

BENCHMARKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCHMARKS)
RESULTS = os.path.join(BENCHMARKS, "results")


def load(name):
    """benchmarks/results/<name>.json as a dict (with `_file` = name, for `flags`),
    or None when the benchmark has not been run yet."""
    path = os.path.join(RESULTS, f"{name}.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        result = json.load(f)
    result["_file"] = name  # for flags: which code the result measured
    return result


_FLAGS: dict[str, str] = {}


def flags(r) -> str:
    """ " (dirty)", " (stale)", " (dirty, stale)" or "": what `stale.problems` finds
    for the result file behind `r` (stale: the code or settings it measured changed
    since; an unknown commit counts as stale). Rendered next to every stamp."""
    name = r.get("_file")
    if name is None:
        return " (dirty)" if r.get("dirty") else ""
    if name not in _FLAGS:
        import stale

        found = stale.problems(name, r)
        words = ["dirty"] if "dirty" in found else []
        if any(p != "dirty" for p in found):
            words.append("stale")
        _FLAGS[name] = f" ({', '.join(words)})" if words else ""
    return _FLAGS[name]


def stamp(r):
    return (
        f"{r['date']}, commit `{r['commit']}`{flags(r)}, TensorFlow {r['tensorflow']}, "
        f"{r['cpu_count']} CPU cores"
    )


def cell(value):
    """A percentage or other number with one decimal, or an em dash when missing."""
    return "—" if value is None else f"{value:.1f}"
