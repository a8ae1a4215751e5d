"""Faults (docs/faults.md): the kill -9 and restart soak of `benchmarks/fault_soak.py`."""

from __future__ import annotations

from .common import load, stamp


def fault_soak_section() -> str:
    """Issue 6: kill -9 and restart trials of a small pipeline run."""
    r = load("fault_soak")
    if r is None:
        return "_Not run yet: `python benchmarks/fault_soak.py`._"
    s = r["summary"]
    lines = ["| kill point | trials | passed |", "|---|---|---|"]
    for point, counts in s["by_point"].items():
        lines.append(f"| {point} | {counts['trials']} | {counts['passed']} |")
    lines.append(f"| **all** | **{s['trials']}** | **{s['passed']}** |")
    models = ", ".join(
        f"{model} {c['passed']}/{c['trials']}" for model, c in s.get("by_model", {}).items()
    )
    return "\n".join(lines) + (
        (f"\n\nBy pipeline: {models}." if models else "")
        + f"\n\n{s['killed']} of {s['trials']} trials were killed mid-run (a random delay can "
        "fall after the end). Largest difference from the uninterrupted run: "
        f"{s['max_metric_difference']:.2g} in any metric or history value, "
        f"{s['max_output_difference']:.2g} in the exported model's outputs. "
        f"Wall time {s['wall_seconds'] / 60:.1f} min. _{stamp(r)}._"
    )


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "fault_soak": fault_soak_section,
}
