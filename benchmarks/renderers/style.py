"""docs/style.md: style transfer on scikit-image photographs
(benchmarks/quality_style.py), and the README row of `fast_style`."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

COMMAND = "python benchmarks/quality_style.py"
DURATION = "about 75 minutes on 2 CPU cores"


def style_section() -> str:
    r = load("quality_style")
    if r is None:
        return not_measured(COMMAND, DURATION)
    s = r["summary"]
    lines = [
        f"Extractor `{r['extractor']}` (content layer {', '.join(r['content_layers'])}; "
        f"style layers {', '.join(r['style_layers'])}); {s['pairs']} content x style pairs "
        f"at {r['settings']['size']}x{r['settings']['size']} pixels. Losses are the "
        "unweighted terms (style: the Gram-matrix loss summed over layers with weights "
        "1/L; content: the mean squared feature difference); *before* = the content image "
        "itself.",
        "",
        "| style | style weight, Gatys / fast (chosen on validation) | style loss before "
        "| Gatys | fast | content loss Gatys | fast | fast / Gatys total loss "
        "| fast images/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for style, choice in r["choices"].items():
        rows = [p for p in r["pairs"].values() if p["style"] == style]

        def mean(part, term, rows=rows):
            return sum(p[part][term] for p in rows) / len(rows)

        speed = ", ".join(
            f"{v:.0f} at {k}px" for k, v in r["images_per_second"].get(style, {}).items()
        )
        ratio = sum(p["fast_over_gatys"] for p in rows) / len(rows)
        lines.append(
            f"| {style} | {choice['style_weight']:g} / "
            f"{r['fast_choices'][style]['style_weight']:g} | {mean('before', 'style'):.3g} "
            f"| {mean('gatys', 'style'):.3g} | {mean('fast', 'style'):.3g} "
            f"| {mean('gatys', 'content'):.3g} | {mean('fast', 'content'):.3g} "
            f"| {ratio:.2f} | {speed} |"
        )
    lines += [
        "",
        f"Over all pairs: style loss {s['style_before']:.3g} before, {s['style_gatys']:.3g} "
        f"after Gatys et al.'s optimization, {s['style_fast']:.3g} from the fast network; "
        f"the fast network's total loss is {s['fast_over_gatys_mean']:.2f}x the "
        f"optimization's (median {s['fast_over_gatys_median']:.2f}).",
        "",
        f"![Content images (columns) x styles (rows), Gatys and fast]({r['plot']})",
        "",
        f"_Measured {stamp(r)}; `{r['command']}`._",
    ]
    return "\n".join(lines)


def headline() -> str:
    """README: the fast network's loss relative to per-image optimization."""
    r = load("quality_style")
    if r is None:
        return "not measured"
    s = r["summary"]
    return (
        f"style loss {s['style_before']:.2g} → {s['style_fast']:.2g} (Gatys "
        f"{s['style_gatys']:.2g}); total loss {s['fast_over_gatys_mean']:.2f}x Gatys"
    )


SECTIONS = {"style-transfer": style_section}
PARADIGM_ROWS = (
    (
        "style transfer",
        "style",
        "docs/style.md",
        (("fast_style", "fast style transfer, perceptual losses (Johnson et al. 2016)"),),
    ),
)
HEADLINES = {"fast_style": headline}
