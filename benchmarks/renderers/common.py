"""What several renderers need: a result file, its stamp and flags, a number cell,
an accuracy in percent, and the run-to-run spread table of seeded reruns."""

from __future__ import annotations

import contextlib
import json
import os
import re

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
    if _RECORDING is not None:
        _RECORDING.append(result)
    return result


_RECORDING: list | None = None


@contextlib.contextmanager
def recording_loads():
    """Collects, into the list it yields, every result `load` returns inside the
    block: which files a headline read, so its caller can flag a stale one."""
    global _RECORDING
    outer, _RECORDING = _RECORDING, []
    try:
        yield _RECORDING
    finally:
        _RECORDING = outer


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


def accuracy(row, protocol):
    """The accuracy (%) of a results row under `protocol`, None when not measured."""
    entry = row.get(protocol)
    return None if entry is None else 100 * entry["accuracy"]


def row_stamp(r):
    """The short stamp of a table row: date, commit and flags."""
    return f"{r['date']}, `{r['commit']}`" + flags(r)


def minutes(r):
    """The training time of a result, in minutes."""
    return f"{r['seconds']['trainer'] / 60:.1f} min"


def seed_runs(stem: str, main: dict | None) -> list[tuple[int, dict]]:
    """(seed, result) of result file `stem`'s run and its `--seeds` reruns
    (`stem_seed<N>.json`), by seed."""
    runs = [] if main is None else [(main["config"].get("seed", 0), main)]
    for file in sorted(os.listdir(RESULTS)):
        m = re.fullmatch(rf"{re.escape(stem)}_seed(\d+)\.json", file)
        if m:
            runs.append((int(m.group(1)), load(file[: -len(".json")])))
    return sorted(runs, key=lambda pair: pair[0])


def spread_rows(method: str, seeded: list, measures) -> list[str]:
    """Table rows (per seed, mean ± sd, runs meeting the target) of `seeded` runs;
    `measures(result)` -> [(measure, value, target, value is a gain)]."""
    rows = []
    seeds = ", ".join(str(seed) for seed, _ in seeded)
    per_run = [measures(r) for _, r in seeded]
    for i, (label, _, target, is_gain) in enumerate(per_run[0]):
        values = [m[i][1] for m in per_run]
        fmt = "{:+.1f}" if is_gain else "{:.1f}"
        cells = ", ".join("—" if v is None else fmt.format(v) for v in values)
        known = [v for v in values if v is not None]
        if not known:
            continue
        mean = sum(known) / len(known)
        sd = (sum((v - mean) ** 2 for v in known) / max(len(known) - 1, 1)) ** 0.5
        met = sum(v >= target for v in known)
        rows.append(
            f"| {method} | {label} | {'+' if is_gain else '>= '}{target:.0f} | {seeds} | "
            f"{cells} | {fmt.format(mean)} ± {sd:.1f} | {met} of {len(known)} |"
        )
    return rows


SPREAD_HEADER = [
    "| method | measure | target | seeds | per seed | mean ± sd | runs meeting the target |",
    "|---|---|---|---|---|---|---|",
]


def gain_value(results: dict, method: str, protocol: str) -> float | None:
    """Points of `method` over random-init under `protocol`; None if either is missing."""
    have, base = (accuracy(results.get(row, {}), protocol) for row in (method, "random-init"))
    return None if have is None or base is None else have - base


def table_row(cells) -> str:
    """One Markdown table line; an empty cell is written `| |`."""
    return "|" + "".join(f" {c} |" if c else " |" for c in cells)


def table(header: list[str], rows) -> list[str]:
    """A Markdown table's lines: the header row, its rule, one line per row of cells."""
    return [table_row(header), "|---" * len(header) + "|", *map(table_row, rows)]


def gain_cell(a, b, target=None) -> str:
    """`a - b` in points with its sign ("—" when either is missing); with a `target`,
    marked ✓ when the gain is positive and at least `target`, else ✗."""
    if a is None or b is None:
        return "—"
    if target is None:
        return f"{a - b:+.1f}"
    return f"{a - b:+.1f} " + ("✓" if a - b >= target and a - b > 0 else "✗")


def not_measured(command: str, duration: str) -> str:
    """The body of a section whose benchmark has not been run yet: the command and
    how long it takes."""
    return f"_Not measured yet: run `{command}` ({duration})._"
