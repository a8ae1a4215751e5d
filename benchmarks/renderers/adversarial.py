"""Adversarial examples and adversarial training (docs/adversarial.md):
`benchmarks/quality_adversarial.py`'s clean and robust accuracies, mean +- sd
over seeds, and its two pictures."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

COMMAND = "python benchmarks/quality_adversarial.py --seeds 0,1,2"


def _cell(stat: dict | None) -> str:
    if stat is None:
        return "—"
    if len(stat["values"]) > 1:
        return f"{100 * stat['mean']:.1f} ± {100 * stat['sd']:.1f}"
    return f"{100 * stat['mean']:.1f}"


def adversarial_section() -> str:
    r = load("quality_adversarial")
    if r is None:
        return not_measured(COMMAND, "about 2 hours on 2 quiet CPU cores")
    eps = r["eps"]
    columns = (
        ["clean"] + [f"FGSM {e:g}" for e in eps] + [f"PGD-{r['eval']['steps']} {e:g}" for e in eps]
    )
    keys = ["clean_accuracy"] + [f"fgsm@{e:g}" for e in eps] + [f"pgd@{e:g}" for e in eps]
    labels = {
        "standard": "standard training",
        "adversarial": f"adversarial training (PGD-{r['train_steps']}, eps {r['train_eps']:g})",
    }
    lines = [
        "| classifier | " + " | ".join(f"{c} (%)" for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for model, label in labels.items():
        stats = r["summary"].get(model, {})
        lines.append(f"| {label} | " + " | ".join(_cell(stats.get(k)) for k in keys) + " |")
    seeds = len(r["seeds"])
    lines += [
        "",
        f"Test accuracy (%), {'mean ± sd over ' + str(seeds) + ' seeds' if seeds > 1 else '1 seed'}"
        f" ({', '.join(r['seeds'])}); {r['epochs']} epochs each; an example counts as robust "
        "when it is classified correctly clean and attacked. PGD: random start, step "
        "2.5 eps / steps. Training PGD steps chosen on the validation carve "
        f"(`benchmarks/results/{r['selection']}.json`).",
        "",
        "![accuracy against eps](benchmarks/results/adversarial_accuracy_vs_eps.png)",
        "",
        "![clean and adversarial examples](benchmarks/results/adversarial_examples.png)",
        "",
        f"Measured {stamp(r)} by `{COMMAND}`.",
    ]
    return "\n".join(lines)


def headline() -> str:
    """README: PGD accuracy at the training radius, adversarially trained vs standard."""
    r = load("quality_adversarial")
    if r is None:
        return "not measured"
    key = f"pgd@{r['train_eps']:g}"
    adv = r["summary"].get("adversarial", {}).get(key)
    std = r["summary"].get("standard", {}).get(key)
    if adv is None or std is None:
        return "not measured"
    return f"PGD accuracy at eps {r['train_eps']:g}: {_cell(adv)}% vs {_cell(std)}% standard"


SECTIONS = {"adversarial-results": adversarial_section}
PARADIGM_ROWS = (
    (
        "supervised, robustness",
        "adversarial",
        "docs/adversarial.md",
        (("adversarial_training", "adversarial training, FGSM / PGD (Madry et al., ICLR 2018)"),),
    ),
)
HEADLINES = {"adversarial_training": headline}
