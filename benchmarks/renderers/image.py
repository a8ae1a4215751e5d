"""Image paradigms on Fashion-MNIST and colorization (docs/image.md): the quality
table with its seed spread and low-shot variants, the layer-wise probe, colorization."""

from __future__ import annotations

import re

from .common import (
    SPREAD_HEADER,
    accuracy,
    cell,
    gain_cell,
    load,
    minutes,
    row_stamp,
    seed_runs,
    spread_rows,
    stamp,
    table,
)

METHODS = (
    "rotation",
    "relative_patch_location",
    "jigsaw",
    "exemplar",
    "masked_autoencoder",
    "moco",
)
PROTOCOLS = (
    ("linear_probe", "linear probe"),
    ("knn", "kNN k=20"),
    ("low_shot/10", "10 labels/class"),
)
TARGETS = {"linear_probe": 3.0, "knn": 0.0, "low_shot/10": 5.0}  # points over random-init


def accuracy_cells(row: dict) -> list[str]:
    """The row's accuracy (%) under each of the quality table's `PROTOCOLS`."""
    return [cell(accuracy(row, p)) for p, _ in PROTOCOLS]


def not_run(name: str) -> list[str]:
    """A quality-table row of a method without results (gain, training and stamp
    cells empty)."""
    return [name, *("not run" for _ in PROTOCOLS), "", "", ""]


def baseline_row(label: str, row: dict, base: dict) -> list[str]:
    """A quality-table row of a baseline (random-init, all labels) of `base`."""
    return [label, *accuracy_cells(row), "—", "—", row_stamp(base)]


def method_rows(runs: dict, random_row: dict, targets: dict | None = None) -> list[list[str]]:
    """Quality-table rows of `runs` (method -> result file or None): accuracy per
    protocol, gains over `random_row` (marked against `targets` when given), training
    and stamp; a method without results is "not run"."""
    rows = []
    for method, r in runs.items():
        if r is None or r["method"] not in r["results"]:
            rows.append(not_run(method))
            continue
        row = r["results"][r["method"]]
        gains = []
        for p, _ in PROTOCOLS:
            target = None if targets is None else targets[p]
            gains.append(gain_cell(accuracy(row, p), accuracy(random_row, p), target))
        training = f"{r['config']['train']['epochs']} ep, {minutes(r)}"
        rows.append([method, *accuracy_cells(row), " / ".join(gains), training, row_stamp(r)])
    return rows


def quality_section() -> str:
    base = load("quality_baselines_fashion_mnist")
    if base is None:
        return "_No quality results yet: run `make bench`._"
    random_row = base["results"]["random-init"]
    header = ["encoder", *(f"{label} (%)" for _, label in PROTOCOLS)]
    header += ["gain over random-init (probe / kNN / 10 labels)", "pretraining", "measured"]
    runs = {method: load(f"quality_{method}_fashion_mnist") for method in METHODS}
    rows = [
        baseline_row("random-init (10 labels/class: supervised from scratch)", random_row, base),
        *method_rows(runs, random_row, TARGETS),
        baseline_row(
            f"all labels ({base['supervised_epochs']} epochs supervised)",
            base["results"]["all labels"],
            base,
        ),
    ]
    lines = table(header, rows)
    lines += [
        "",
        "Fashion-MNIST test split; every encoder is `conv_encoder()` (3 conv blocks, "
        "32/64/128 filters, batch norm, global average pooling, 128-d features). ✓ marks "
        "the issue's targets: linear probe at least +3 points over random-init, kNN above "
        "it, 10 labels per class at least +5 over supervised-from-scratch on the same 100 "
        "images. Baselines by `python benchmarks/quality.py --baselines`, each method by "
        "`python benchmarks/quality.py METHOD` (its `pipelines/METHOD_fashion_mnist.py`, "
        "`get_config(full=True)`); TensorFlow "
        f"{base['tensorflow']}, {base['cpu_count']} CPU cores. Pretraining wall times "
        "include tf.data and were measured on the shared 2-core machine.",
    ]
    lines += _image_spread(random_row)
    lines += low_shot_lines(load("low_shot_protocols"))
    return "\n".join(lines)


def _image_spread(random_row: dict) -> list[str]:
    """Run-to-run spread of the image methods rerun with `quality.py --seeds`."""

    def measures(r):
        row = r["results"][r["method"]]
        return [
            (
                f"{label} gain (points)",
                None if accuracy(row, p) is None else accuracy(row, p) - accuracy(random_row, p),
                TARGETS[p],
                True,
            )
            for p, label in PROTOCOLS
        ]

    spread, stamps = [], set()
    for method in METHODS:
        seeded = seed_runs(
            f"quality_{method}_fashion_mnist", load(f"quality_{method}_fashion_mnist")
        )
        if len(seeded) >= 2:
            stamps.update(row_stamp(r) for _, r in seeded)
            spread += spread_rows(method, seeded, measures)
    if not spread:
        return []
    return [
        "",
        *SPREAD_HEADER,
        *spread,
        "",
        "Each seed reruns the method's pretraining and evaluation with `config['seed']` "
        "changed (weights, pretext draws, shuffling) against the same random-init row. "
        "Measured " + "; ".join(sorted(stamps)) + " by `python benchmarks/quality.py "
        "--seeds 0,1,2 METHOD`.",
    ]


def low_shot_lines(r) -> list[str]:
    """The 10-labels-per-class fine-tune under other settings (`low_shot_protocols.py`)."""
    if not r or not r.get("results"):
        return []
    variants = list(r["variants"])
    baseline = r["results"]["random-init"][variants[0]]["mean"]
    rows = []
    for encoder, by_variant in r["results"].items():
        cells = []
        for v in variants:
            mean = by_variant[v]["mean"]
            gain = "" if encoder == "random-init" else f" ({100 * (mean - baseline):+.1f})"
            cells.append(f"{100 * mean:.1f}{gain}")
        rows.append(f"| {encoder} | " + " | ".join(cells) + " |")
    return [
        "",
        f"The 10-labels-per-class column under other fine-tuning settings, mean of "
        f"{len(r['seeds'])} labelled subsets (seeds {r['seeds'][0]}-{r['seeds'][-1]}; "
        "the table above uses seed 0 only), in parentheses the gain over random-init "
        "under the table's own protocol (`python benchmarks/low_shot_protocols.py`; "
        f"{row_stamp(r)}). LP-FT trains the linear head on the frozen encoder for "
        "300 steps first (`low_shot(..., head_steps=300)`):",
        "",
        "| encoder | " + " | ".join(variants) + " |",
        "|---" * (len(variants) + 1) + "|",
        *rows,
        "",
        "LP-FT helps pretrained encoders and hurts the one trained from scratch; the "
        "target (+5 over random-init) is not reached under any of these settings.",
    ]


def _layer_label(name: str) -> str:
    match = re.match(r"block(\d+)_relu\d+$", name)
    return f"block {int(match.group(1)) + 1}" if match else name


def layerwise_section() -> str:
    """Linear probe per block (`layerwise_probe.py`), beside the encoder output's probe."""
    base = load("layerwise_baselines_fashion_mnist")
    if base is None:
        return "_No layer-wise results yet: run `python benchmarks/layerwise_probe.py`._"
    columns = [("layerwise_probe", "global average"), ("layerwise_probe/2x2", "2x2 grid")]
    layers = list(base["results"]["random-init"]["layerwise_probe"]["layers"])
    blocks = " / ".join(_layer_label(n).replace("block ", "") for n in layers)
    header = ["encoder", "encoder output (%)"]
    for _, label in columns:
        header += [f"{label}: block {blocks} (%)", f"{label}: chosen on validation (%)"]
    header.append("gain of the chosen layer over random-init (global / 2x2)")
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    random_row = base["results"]["random-init"]
    rows = [("random-init", random_row, base)]
    for method in METHODS:
        r = load(f"layerwise_{method}_fashion_mnist")
        if r is not None:
            rows.append((method, r["results"][r["method"]], r))
    rows.append(("all labels", base["results"]["all labels"], base))
    for name, row, _ in rows:
        cells = [name, cell(accuracy(row, "linear_probe"))]
        gains = []
        for protocol, _ in columns:
            m = row[protocol]
            per = " / ".join(f"{100 * m['layers'][n]['accuracy']:.1f}" for n in layers)
            cells += [per, f"{100 * m['accuracy']:.1f} ({_layer_label(m['layer'])})"]
            gain = 100 * (m["accuracy"] - random_row[protocol]["accuracy"])
            gains.append(f"{gain:+.1f} {'✓' if gain >= TARGETS['linear_probe'] else '✗'}")
        cells.append("—" if name in ("random-init", "all labels") else " / ".join(gains))
        lines.append("| " + " | ".join(cells) + " |")
    stamps = sorted({f"{r['date']}, `{r['commit']}`" for _, _, r in rows})
    labelled = base["results"]["all labels"]
    windows = [
        100 * (labelled[p]["accuracy"] - random_row[p]["accuracy"])
        for p in ("linear_probe", *(c for c, _ in columns))
    ]
    lines += [
        "",
        "All labels lead random-init by {:.1f} points on the encoder output, {:.1f} on "
        "the chosen globally averaged block and {:.1f} on the chosen 2x2 grid: the "
        "room a pretext task has to gain in, on this dataset and encoder.".format(*windows),
    ]
    lines += [
        "",
        "The linear probe of each block's last activation (before its max-pool), "
        "globally average pooled (32 / 64 / 128 features) or average pooled to a 2x2 "
        "grid (128 / 256 / 512), as Goyal et al. (ICCV 2019) probe each layer; "
        "`evaluation.layerwise_probe` picks the layer with the best accuracy on the "
        "probe's validation split (10% of the training split), never on the test split. "
        '"Encoder output" is the quality table\'s protocol (last block, max-pooled, '
        "globally averaged). Each method is pretrained again at the table's budget by "
        "`python benchmarks/layerwise_probe.py METHOD`, so its encoder-output column "
        "can differ from the table's by run-to-run noise. Measured " + "; ".join(stamps) + ".",
    ]
    return "\n".join(lines)


def colorization_section() -> str:
    r = load("quality_colorization_skimage_photos")
    if r is None:
        return "_No colorization results yet: run `python benchmarks/quality_colorization.py`._"
    lines = ["| encoder | linear probe (%) | kNN k=20 (%) |", "|---|---|---|"]
    for encoder, row in r["results"].items():
        lines.append(
            f"| {encoder} | {cell(accuracy(row, 'linear_probe'))} | {cell(accuracy(row, 'knn'))} |"
        )
    loss = r.get("history", {}).get("loss")
    if loss:
        lines += [
            "",
            "Colorization loss (class-rebalanced cross-entropy over the in-gamut ab bins): "
            f"{loss[0]:.2f} after epoch 1, {loss[-1]:.2f} after epoch {len(loss)}; pretraining "
            f"{r['seconds']['trainer'] / 60:.1f} min. ![inputs / predictions / originals]"
            "(benchmarks/results/colorization_examples.png)",
        ]
    lines += ["", f"Measured {stamp(r)} by `python benchmarks/quality_colorization.py`."]
    return "\n".join(lines)


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "quality": quality_section,
    "layerwise": layerwise_section,
    "colorization": colorization_section,
}
