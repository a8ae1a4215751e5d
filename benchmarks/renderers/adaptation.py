"""Domain adaptation results (docs/adaptation.md): target-test accuracy of
source-only, DANN and the target oracle (benchmarks/quality_adaptation.py)."""

from __future__ import annotations

from renderers.common import cell, load, not_measured, stamp

COMMAND = "python benchmarks/quality_adaptation.py --seeds 0,1,2"


def _mean_sd(summary) -> str:
    return f"{100 * summary['mean']:.1f} ± {100 * summary['sd']:.1f}"


def adaptation_table() -> str:
    r = load("quality_adaptation")
    if r is None:
        return not_measured(COMMAND, "about 15 minutes on 2 CPU cores")
    lines = [
        f"{r['source']} → {r['target']} ({r['image_size'][0]}x{r['image_size'][1]}), "
        f"{r['steps']} steps of {r['batch_size']} + {r['batch_size']} images, seeds "
        f"{', '.join(str(s) for s in r['seeds'])} (mean ± sd). Measured {stamp(r)}.",
        "",
        "| model | target test accuracy (%) | source test accuracy (%) |",
        "|---|---|---|",
    ]
    for name, s in r["summary"].items():
        label = f"DANN (max λ = {r['chosen_max_lambda']})" if name == "dann" else name
        lines.append(f"| {label} | {_mean_sd(s['target_test'])} | {_mean_sd(s['source_test'])} |")
    gap = r.get("gap_closed")
    lines += [
        "",
        "Share of the source-only → oracle gap closed by DANN: "
        + ("—" if gap is None else f"{100 * gap:.0f}%")
        + " (target: ≥ 50%).",
        "",
        f"max λ chosen on the labelled target validation carve `{r['validation']['split']}` "
        f"({r['validation']['images']} images; seed 0): "
        + ", ".join(f"{k}: {cell(100 * v)}%" for k, v in r["selection"].items())
        + ".",
    ]
    seeds = [
        "",
        "| model | " + " | ".join(f"seed {s}" for s in r["seeds"]) + " |",
        "|---|" + "---|" * len(r["seeds"]),
    ]
    for name, rows in r["runs"].items():
        seeds.append(f"| {name} | " + " | ".join(cell(100 * x["target_test"]) for x in rows) + " |")
    return "\n".join(lines + seeds)


def headline() -> str:
    """README: DANN's target-test accuracy against source-only and the oracle, and the
    share of the gap it closes (the issue's target: >= 50%)."""
    r = load("quality_adaptation")
    if r is None:
        return "not measured"
    s = r["summary"]
    gap = r.get("gap_closed")
    verdict = "" if gap is None else (" ✓" if gap >= 0.5 else " ✗")
    dann = cell(100 * s["dann"]["target_test"]["mean"])
    return (
        f"font → handwritten digits, target accuracy {dann}%"
        f" vs source-only {cell(100 * s['source-only']['target_test']['mean'])}%, oracle "
        f"{cell(100 * s['target oracle']['target_test']['mean'])}%; gap closed "
        + ("—" if gap is None else f"{100 * gap:.0f}%")
        + f"{verdict} (target: ≥ 50%)"
    )


PARADIGM_ROWS = (
    (
        "domain adaptation",
        "adaptation",
        "docs/adaptation.md",
        (("dann", "domain-adversarial training (Ganin & Lempitsky, ICML 2015)"),),
    ),
)
HEADLINES = {"dann": headline}
SECTIONS = {"adaptation-table": adaptation_table}
