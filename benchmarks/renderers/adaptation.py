"""Domain adaptation results (docs/adaptation.md): target-test accuracy of
source-only, DANN, ADDA, SimGAN-refined training, CyCADA and the target oracle
(benchmarks/quality_adaptation.py, benchmarks/quality_cycada.py).

Representations blind to a sensitive attribute: `quality_blind`
(benchmarks/quality_blind.py), its own section (`blind-table`).

Three result files: `quality_adaptation` (source-only, DANN, oracle),
`quality_adaptation_adda` (ADDA, `--methods adda`) and
`quality_adaptation_simgan` (`--methods simgan`); ADDA's and SimGAN's rows are
compared with the first file's source-only and oracle rows when both were run
with the same source, seeds and steps, so each file can be measured again alone.
`quality_cycada` (benchmarks/quality_cycada.py) carries its own source-only and
oracle rows, measured alongside it, and is compared with ADDA's row."""

from __future__ import annotations

from renderers.common import cell, load, not_measured, stamp

COMMAND = "python benchmarks/quality_adaptation.py --seeds 0,1,2"
ADDA_COMMAND = "python benchmarks/quality_adaptation.py --seeds 0,1,2 --methods adda"
ADDA_TIME = "about 20 minutes on 2 CPU cores"
SIMGAN_COMMAND = "python benchmarks/quality_adaptation.py --seeds 0,1,2 --methods simgan"
SIMGAN_TIME = "about 45 minutes on 2 CPU cores (estimated)"
CYCADA_COMMAND = "python benchmarks/quality_cycada.py --seeds 0,1,2"
CYCADA_TIME = "about 75 minutes on 2 CPU cores (estimated)"


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
    a = load("quality_adaptation_adda")
    if a is None:
        lines.append(f"| ADDA | not measured yet (`{ADDA_COMMAND}`, {ADDA_TIME}) | — |")
    else:
        lines.append(
            f"| ADDA (lr = {a['chosen_learning_rate']:g}, {a['steps']} steps) | "
            f"{_mean_sd(a['summary']['target_test'])}"
            f" | {_mean_sd(a['summary']['source_test'])} |"
        )
    g = load("quality_adaptation_simgan")
    if g is None:
        lines.append(
            f"| SimGAN-refined source | not measured yet (`{SIMGAN_COMMAND}`, {SIMGAN_TIME}) | — |"
        )
    else:
        lines.append(
            f"| SimGAN-refined source (λ = {g['chosen_self_regularization']:g}) | "
            f"{_mean_sd(g['summary']['target_test'])}"
            f" | {_mean_sd(g['summary']['source_test'])} |"
        )
    c = load("quality_cycada")
    if c is None:
        lines.append(f"| CyCADA | not measured yet (`{CYCADA_COMMAND}`, {CYCADA_TIME}) | — |")
    else:
        lines.append(
            f"| CyCADA ({cycada_stages(c)}) | {_mean_sd(c['summary']['cycada']['target_test'])}"
            f" | {_mean_sd(c['summary']['cycada']['source_test'])} |"
        )
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
    if a is not None:
        adda_gap = gap_closed(a, r)
        lines += [
            "",
            "Share of the gap closed by ADDA: "
            + (
                "— (its source, seeds or steps differ from the baselines' run)"
                if adda_gap is None
                else f"{100 * adda_gap:.0f}%"
            )
            + f" (target: ≥ 50%); ADDA measured {stamp(a)}. Before adaptation (its own "
            f"source-only stage, {a['source_steps']} steps) its target test accuracy was "
            f"{_mean_sd(a['summary']['target_test_before'])}%. Adam learning rate and number "
            f"of adversarial steps (learning rate@steps) chosen on the same carve "
            f"({a['validation']['images']} images; seed 0): "
            + ", ".join(f"{k}: {cell(100 * v)}%" for k, v in a["selection"].items())
            + ".",
        ]
    if g is not None:
        simgan_gap = gap_closed(g, r, steps_key="steps")
        m = g["summary"]
        lines += [
            "",
            "Share of the gap closed by SimGAN-refined training: "
            + (
                "— (its source, seeds or steps differ from the baselines' run)"
                if simgan_gap is None
                else f"{100 * simgan_gap:.0f}%"
            )
            + f" (target: ≥ 50%); SimGAN measured {stamp(g)}. The refiner does not return its "
            f"input unchanged: mean per-pixel change |R(x) − x| on the source test images "
            f"{m['mean_change']['mean']:.3f} ± {m['mean_change']['sd']:.3f} (pixels in [0, 1]). "
            f'Realism (mean probability of "real"), unrefined → refined: an independent '
            f"real-vs-synthetic classifier {m['judge_realism_unrefined']['mean']:.2f} → "
            f"{m['judge_realism_refined']['mean']:.2f}, SimGAN's own discriminator "
            f"{m['discriminator_realism_unrefined']['mean']:.2f} → "
            f"{m['discriminator_realism_refined']['mean']:.2f}. Self-regularization weight λ "
            f"chosen on the same carve ({g['validation']['images']} images; seed 0): "
            + ", ".join(f"{k}: {cell(100 * v)}%" for k, v in g["selection"].items())
            + ".",
        ]
    if c is not None:
        lines += ["", cycada_note(c, a)]
    seeds = [
        "",
        "| model | " + " | ".join(f"seed {s}" for s in r["seeds"]) + " |",
        "|---|" + "---|" * len(r["seeds"]),
    ]
    for name, rows in r["runs"].items():
        seeds.append(f"| {name} | " + " | ".join(cell(100 * x["target_test"]) for x in rows) + " |")
    if a is not None and a["seeds"] == r["seeds"]:
        seeds.append(
            "| adda | " + " | ".join(cell(100 * x["target_test"]) for x in a["runs"]) + " |"
        )
    if g is not None and g["seeds"] == r["seeds"]:
        seeds.append(
            "| simgan | " + " | ".join(cell(100 * x["target_test"]) for x in g["runs"]) + " |"
        )
    if c is not None and c["seeds"] == r["seeds"]:
        seeds.append(
            "| cycada | "
            + " | ".join(cell(100 * x["target_test"]) for x in c["runs"]["cycada"])
            + " |"
        )
    return "\n".join(lines + seeds)


def cycada_stages(c: dict) -> str:
    """The chosen feature stage of a CyCADA result: its Adam rate and steps, or none."""
    if c["feature_steps"] == 0:
        return "pixel level only: no feature stage chosen"
    return f"feature stage lr = {c['chosen_learning_rate']:g}, {c['feature_steps']} steps"


def cycada_note(c: dict, adda: dict | None) -> str:
    """CyCADA's gap (against its own source-only and oracle rows), its stages' accuracies,
    the pixel stage's losses, the comparison with ADDA and the selection."""
    s = c["summary"]
    cy = s["cycada"]
    gap = c.get("gap_closed")
    if adda is None:
        versus = "ADDA not measured yet"
    else:
        better = cy["target_test"]["mean"] >= adda["summary"]["target_test"]["mean"]
        versus = (
            f"ADDA {_mean_sd(adda['summary']['target_test'])}% "
            + ("✓" if better else "✗")
            + " (target: CyCADA ≥ ADDA)"
        )
    return (
        f"CyCADA measured {stamp(c)}, with its own baselines on seeds "
        f"{', '.join(str(x) for x in c['seeds'])}: source-only "
        f"{_mean_sd(s['source-only']['target_test'])}%, oracle "
        f"{_mean_sd(s['target oracle']['target_test'])}%, CyCADA "
        f"{_mean_sd(cy['target_test'])}%; share of the gap closed "
        + ("—" if gap is None else f"{100 * gap:.0f}%")
        + f" (target: ≥ 50%); {versus}. Target test accuracy after each stage: source "
        f"classifier f_S {_mean_sd(cy['target_test_source_stage'])}%, classifier on the "
        f"translated source images (pixel level) {_mean_sd(cy['target_test_pixel'])}%, "
        f"after the feature stage {_mean_sd(cy['target_test'])}%. Pixel stage "
        f"({c['pixel_steps']} steps, semantic weight {c['semantic_weight']:g}): final "
        f"semantic loss {cy['semantic_loss']['mean']:.3f}, cycle L1 "
        f"{cy['cycle_l1']['mean']:.3f}. Feature stage (learning rate@steps; 0@0: none) "
        f"chosen on the same carve ({c['validation']['images']} images; seed 0): "
        + ", ".join(f"{k}: {cell(100 * v)}%" for k, v in c["selection"].items())
        + "."
    )


def cycada_headline() -> str:
    """README: CyCADA's target-test accuracy, the gap it closes and ADDA's accuracy."""
    c = load("quality_cycada")
    if c is None:
        return "not measured"
    s = c["summary"]
    gap = c.get("gap_closed")
    verdict = "" if gap is None else (" ✓" if gap >= 0.5 else " ✗")
    adapted = s["cycada"]["target_test"]["mean"]
    text = (
        f"font → handwritten digits, target accuracy {cell(100 * adapted)}%"
        f" vs source-only {cell(100 * s['source-only']['target_test']['mean'])}%; gap closed "
        + ("—" if gap is None else f"{100 * gap:.0f}%")
        + f"{verdict} (target: ≥ 50%)"
    )
    a = load("quality_adaptation_adda")
    if a is not None:
        text += f"; ADDA {cell(100 * a['summary']['target_test']['mean'])}%"
    return text


def gap_closed(adda: dict, baselines: dict | None, steps_key: str = "source_steps") -> float | None:
    """ADDA's (or SimGAN's, `steps_key="steps"`: its classifier's steps) share of the
    source-only -> oracle gap of `baselines` (the quality_adaptation result), None
    when they were run on other settings."""
    if baselines is None or any(
        adda[key] != baselines[key] for key in ("source", "target", "seeds", "batch_size")
    ):
        return None
    if adda[steps_key] != baselines["steps"]:
        return None
    low = baselines["summary"]["source-only"]["target_test"]["mean"]
    high = baselines["summary"]["target oracle"]["target_test"]["mean"]
    if high <= low:
        return None
    return (adda["summary"]["target_test"]["mean"] - low) / (high - low)


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


def adda_headline() -> str:
    """README: ADDA's target-test accuracy and the share of the gap it closes."""
    a = load("quality_adaptation_adda")
    if a is None:
        return "not measured"
    r = load("quality_adaptation")
    gap = gap_closed(a, r)
    verdict = "" if gap is None else (" ✓" if gap >= 0.5 else " ✗")
    adapted = a["summary"]["target_test"]["mean"]
    text = f"font → handwritten digits, target accuracy {cell(100 * adapted)}%"
    if r is not None:
        low = r["summary"]["source-only"]["target_test"]["mean"]
        text += f" vs source-only {cell(100 * low)}%"
    gap_text = "—" if gap is None else f"{100 * gap:.0f}%"
    return f"{text}; gap closed {gap_text}{verdict} (target: ≥ 50%)"


def simgan_headline() -> str:
    """README: the target-test accuracy of a classifier trained on SimGAN-refined
    source images, the gap it closes and the refiner's mean per-pixel change."""
    g = load("quality_adaptation_simgan")
    if g is None:
        return "not measured"
    r = load("quality_adaptation")
    gap = gap_closed(g, r, steps_key="steps")
    verdict = "" if gap is None else (" ✓" if gap >= 0.5 else " ✗")
    adapted = g["summary"]["target_test"]["mean"]
    text = f"font → handwritten digits, target accuracy {cell(100 * adapted)}%"
    if r is not None:
        low = r["summary"]["source-only"]["target_test"]["mean"]
        text += f" vs source-only {cell(100 * low)}%"
    gap_text = "—" if gap is None else f"{100 * gap:.0f}%"
    change = g["summary"]["mean_change"]["mean"]
    return f"{text}; gap closed {gap_text}{verdict} (target: ≥ 50%); mean pixel change {change:.3f}"


BLIND_COMMAND = "python benchmarks/quality_blind.py --seeds 0,1,2"
BLIND_TIME = "about 7 minutes on 2 CPU cores"
BLIND_METHODS = (("lambda=0", "λ = 0 (uncensored)"), ("chosen", "chosen λ"))


def _points(summary) -> str:
    return f"{100 * summary['mean']:.1f} ± {100 * summary['sd']:.1f}"


def blind_table() -> str:
    """Task accuracy, the adversary, the fresh probe and the equal-opportunity gap
    of blind_representation for λ = 0 and the chosen λ (benchmarks/quality_blind.py)."""
    r = load("quality_blind")
    if r is None:
        return not_measured(BLIND_COMMAND, BLIND_TIME)
    s, target = r["summary"], r["summary"]["target"]
    lines = [
        f"{r['dataset']}, attribute `{r['attribute']}`, {r['train_rows']} training / "
        f"{r['test_rows']} test rows, {r['config']['epochs']} epochs, seeds "
        f"{', '.join(str(x) for x in r['seeds'])} (mean ± sd). Measured {stamp(r)}.",
        "",
        "| model | task accuracy (%) | adversary balanced accuracy on "
        f"{r['attribute']} (%) | fresh probe balanced accuracy (%) | probe ROC AUC | "
        "equal-opportunity gap (points) | demographic-parity gap (points) |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in BLIND_METHODS:
        m = s[key]
        if key == "chosen":
            label = f"λ = {r['chosen_lambda']:g} (chosen)"
        lines.append(
            f"| {label} | {_points(m['task_accuracy'])} | "
            f"{_points(m['adversary_balanced_accuracy'])} | "
            f"{_points(m['probe_balanced_accuracy'])} | {m['probe_roc_auc']['mean']:.3f} | "
            f"{_points(m['equal_opportunity_gap'])} | {_points(m['demographic_parity_gap'])} |"
        )
    lines += [
        "",
        f"Target (fresh probe ≤ 55% balanced accuracy, chance 50%, while task accuracy "
        f"drops ≤ 2 points): met by {target['seeds_meeting']} of {target['seeds']} seeds.",
        "",
        f"λ chosen on the validation carve `{r['selection']['validation']['split']}` "
        f"({r['selection']['validation']['rows']} rows; seed {r['seeds'][0]}), task / probe: "
        + ", ".join(
            f"{w}: {cell(100 * v['task_accuracy'])}% / {cell(100 * v['probe_balanced_accuracy'])}%"
            for w, v in r["selection"]["scores"].items()
        )
        + ".",
    ]
    return "\n".join(lines)


def blind_headline() -> str:
    """README: task accuracy and the fresh probe on sex for λ = 0 and the chosen λ."""
    r = load("quality_blind")
    if r is None:
        return "not measured"
    s, target = r["summary"], r["summary"]["target"]
    verdict = " ✓" if target["seeds_meeting"] == target["seeds"] else " ✗"
    return (
        f"Adult, task accuracy {cell(100 * s['lambda=0']['task_accuracy']['mean'])}% → "
        f"{cell(100 * s['chosen']['task_accuracy']['mean'])}% (λ = {r['chosen_lambda']:g}); "
        f"fresh probe on {r['attribute']} "
        f"{cell(100 * s['lambda=0']['probe_balanced_accuracy']['mean'])}% → "
        f"{cell(100 * s['chosen']['probe_balanced_accuracy']['mean'])}% balanced{verdict} "
        "(target: ≤ 55% with ≤ 2 points lost)"
    )


PARADIGM_ROWS = (
    (
        "domain adaptation",
        "adaptation",
        "docs/adaptation.md",
        (
            ("dann", "domain-adversarial training (Ganin & Lempitsky, ICML 2015)"),
            ("adda", "adversarial discriminative domain adaptation (Tzeng et al., CVPR 2017)"),
            (
                "simgan",
                "refining synthetic images with a local adversarial loss and self-regularization "
                "(Shrivastava et al., CVPR 2017)",
            ),
            (
                "cycada",
                "cycle-consistent adversarial domain adaptation: pixel-level, then "
                "feature-level (Hoffman et al., ICML 2018)",
            ),
            (
                "blind_representation",
                "representations blind to a sensitive attribute (Edwards & Storkey, ICLR "
                "2016; Zhang et al., AIES 2018)",
            ),
        ),
    ),
)
HEADLINES = {
    "dann": headline,
    "adda": adda_headline,
    "simgan": simgan_headline,
    "blind_representation": blind_headline,
    "cycada": cycada_headline,
}
SECTIONS = {"adaptation-table": adaptation_table, "blind-table": blind_table}
