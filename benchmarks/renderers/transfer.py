"""Transfer-learning results (benchmarks/quality_transfer.py) for docs/transfer.md:
digits test accuracy of Fashion-MNIST-pretrained encoders in every transfer mode
against training from scratch, by labels per class."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

NAME = "quality_transfer"
COMMAND = "python benchmarks/quality_transfer.py --seeds 0,1,2"
DURATION = "about 3-3.5 hours on 2 CPU cores; ~1.5 hours less with --moco PATH"
SCRATCH = "scratch/finetune"


def _cell(stats: dict | None) -> str:
    if stats is None:
        return "—"
    if len(stats["values"]) > 1:
        return f"{100 * stats['mean']:.1f} ± {100 * stats['sd']:.1f}"
    return f"{100 * stats['mean']:.1f}"


def transfer_table() -> str:
    r = load(NAME)
    if r is None:
        return not_measured(COMMAND, DURATION)
    labels = r["labels_per_class"]
    lines = [
        f"{r['source']} → {r['target']} ({r['image_size'][0]}x{r['image_size'][1]}), "
        f"test accuracy (%) by labels per class, seeds {', '.join(map(str, r['seeds']))} "
        f"(mean ± sd). Measured {stamp(r)}.",
        "",
        "| encoder | mode | learning rate | " + " | ".join(labels) + " |",
        "|---|---|---|" + "---|" * len(labels),
    ]
    choices = r["selection"]["choices"]
    for config, by_labels in r["summary"].items():
        name, mode = config.split("/")
        label = "from scratch" if config == SCRATCH else name
        cells = " | ".join(_cell(by_labels.get(n)) for n in labels)
        lines.append(f"| {label} | {mode} | {choices[config]['chosen']:g} | {cells} |")
    selection = r["selection"]
    lines += [
        "",
        f"Learning rates chosen on the validation carve ({selection['carve']['train']} → "
        f"{selection['carve']['validation']} of {r['target']}, "
        f"{selection['labels_per_class']} labels per class, seed 0) among "
        + "; ".join(f"{mode}: {rates}" for mode, rates in selection["candidates"].items())
        + ". Encoders: "
        + "; ".join(f"{name}: {what}" for name, what in r["encoders"].items())
        + ".",
    ]
    if r.get("plot"):
        lines += ["", f"![accuracy against labels per class]({r['plot']})"]
    return "\n".join(lines)


def headline() -> str:
    """README: the best transfer mode at 10 labels per class against from scratch."""
    r = load(NAME)
    if r is None:
        return "not measured"
    at = "10" if "10" in r["labels_per_class"] else r["labels_per_class"][0]
    scratch = r["summary"].get(SCRATCH, {}).get(at)
    best = max(
        (c for c in r["summary"] if c != SCRATCH and at in r["summary"][c]),
        key=lambda c: r["summary"][c][at]["mean"],
        default=None,
    )
    if best is None or scratch is None:
        return "not measured"
    gain = 100 * (r["summary"][best][at]["mean"] - scratch["mean"])
    return (
        f"digits, {at} labels/class: {best} {100 * r['summary'][best][at]['mean']:.1f}% vs "
        f"from scratch {100 * scratch['mean']:.1f}% ({gain:+.1f} points)"
    )


SECTIONS = {"transfer-table": transfer_table}
PARADIGM_ROWS = (
    (
        "transfer learning",
        "transfer",
        "docs/transfer.md",
        (
            (
                "transfer",
                "linear probe, fine-tuning, gradual unfreezing, discriminative rates, "
                "LP-FT (`tfxlearn.transfer`, not a registry paradigm)",
            ),
        ),
    ),
)
HEADLINES = {"transfer": headline}
