"""The Siamese networks' results (benchmarks/quality_siamese.py) for docs/siamese.md."""

from __future__ import annotations

from renderers.common import load, stamp

COMMAND = "python benchmarks/quality_siamese.py --seeds 0,1,2"
METHODS = ("siamese", "random-init", "classifier")
NAMES = {"fashion_mnist": "Fashion-MNIST", "digits": "digits (scikit-learn)"}


def _value(summary, method, metric, percent=True):
    stats = summary[method][metric]
    scale = 100.0 if percent else 1.0
    if len(stats["values"]) > 1:
        return f"{scale * stats['mean']:.1f} ± {scale * stats['sd']:.1f}"
    return f"{scale * stats['mean']:.1f}"


def siamese_section() -> str:
    r = load("quality_siamese")
    if r is None:
        return (
            "_Not measured yet: run `" + COMMAND + "` (Fashion-MNIST and digits, three "
            "seeds; about 1.5 hours on 2 CPU cores)._"
        )
    lines = [
        f"Verification on the unseen classes {r['unseen_classes']} (trained on "
        f"{r['train_classes']}); {len(r['seeds'])} seed(s) {r['seeds']}, mean ± sd. "
        "ROC AUC, equal error rate (EER) and one-shot 5-way accuracy in %; "
        "`representation`: what was compared (embedding or encoder features), "
        "chosen on validation.",
        "",
    ]
    for name, result in r["datasets"].items():
        summary, selection = result["summary"], result["selection"]
        lines += [
            f"**{NAMES.get(name, name)}** — chosen on validation: loss "
            f"`{selection['loss']}`, margin {selection['margin']:g} "
            f"({selection['carve']['train']} → {selection['carve']['validation']}, "
            f"{selection['carve']['metric']}).",
            "",
            "| encoder | representation | ROC AUC | EER | one-shot 5-way |",
            "|---|---|---|---|---|",
        ]
        for method in METHODS:
            lines.append(
                f"| {method} | {selection['outputs'][method]} | "
                f"{_value(summary, method, 'roc_auc')} | {_value(summary, method, 'eer')} | "
                f"{_value(summary, method, 'one_shot_accuracy')} |"
            )
        target = summary["target"]
        lines += [
            "",
            f"Target ({target['rule']}): met in {target['seeds_meeting']} of "
            f"{target['seeds']} seed(s).",
            "",
        ]
    lines.append(f"_{stamp(r)}; `{r['command']}`._")
    return "\n".join(lines)


def headline() -> str:
    """README: unseen-class ROC AUC on Fashion-MNIST, Siamese vs the better baseline."""
    r = load("quality_siamese")
    result = None if r is None else r["datasets"].get("fashion_mnist")
    if result is None:
        return "not measured"
    summary = result["summary"]
    best = max(("random-init", "classifier"), key=lambda m: summary[m]["roc_auc"]["mean"])
    met = summary["siamese"]["roc_auc"]["mean"] > summary[best]["roc_auc"]["mean"]
    return (
        f"unseen-class ROC AUC {_value(summary, 'siamese', 'roc_auc')}% vs "
        f"{_value(summary, best, 'roc_auc')}% {best} {'✓' if met else '✗'}"
    )


SECTIONS = {"siamese": siamese_section}
PARADIGM_ROWS = (
    (
        "metric learning",
        "siamese",
        "docs/siamese.md",
        (("siamese", "Siamese network, contrastive / triplet loss (Hadsell et al. 2006)"),),
    ),
)
HEADLINES = {"siamese": headline}
