"""docs/visualize.md: feature visualization of a Fashion-MNIST classifier
(benchmarks/feature_visualization.py)."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

COMMAND = "python benchmarks/feature_visualization.py --seeds 0,1,2"


def _pm(stats, digits=3):
    if stats["sd"]:
        return f"{stats['mean']:.{digits}f} ± {stats['sd']:.{digits}f}"
    return f"{stats['mean']:.{digits}f}"


def feature_visualization_section() -> str:
    r = load("feature_visualization")
    if r is None:
        return not_measured(COMMAND, "about 3 minutes per seed on 2 CPU cores")
    s = r["summary"]
    n = len(r["seeds"])
    classes = len(r["per_seed"][0]["conditions"]["noise start"]["p_a_per_class"])
    lines = [
        f"Mean ± sd over {n} seed(s) {r['seeds']}; p = the softmax probability of the "
        f"target class, averaged over the {classes} classes; model B was trained "
        "independently and never saw the optimization.",
        "",
        f"| images | p_A(target) | classes with p_A ≥ {r['target']} | p_B(target) "
        "| model B predicts the target |",
        "|---|---|---|---|---|",
    ]
    for name, row in s["conditions"].items():
        lines.append(
            f"| {name} | {_pm(row['p_a'])} | {_pm(row['classes_reaching_target'], 1)} "
            f"| {_pm(row['p_b'])} | {_pm(row['b_accuracy'])} |"
        )
    accuracy = r["per_seed"][0]["validation_accuracy"]
    channel = r["per_seed"][0]["channels"]["layer"]
    lines += [
        "",
        f"Validation accuracy (seed {r['seeds'][0]}): model A {100 * accuracy['a']:.1f}%, "
        f"model B {100 * accuracy['b']:.1f}%.",
        "",
        f"Channels of `{channel}` (pre-activation; regularized channel objective): the "
        f"optimized image's activation reaches or exceeds the channel's maximum over the "
        f"validation images in {_pm(s['channels_above_real_max'], 1)} of "
        f"{r['settings']['channels']} channels; mean margin (optimized minus real maximum) "
        f"{_pm(s['channel_margin'], 2)}.",
        "",
        "Diversity, mean pairwise cosine similarity of model A's features among "
        f"{r['settings']['diversity_images']} images of one class objective (lower = more "
        "diverse): " + "; ".join(f"{label} {_pm(v)}" for label, v in s["diversity"].items()) + ".",
        "",
        "![Optimized images per class and condition, the most probable real image, "
        f"channels]({r['plot']})",
        "",
        f"_Measured {stamp(r)}; `{r['command']}`._",
    ]
    return "\n".join(lines)


SECTIONS = {"feature-visualization": feature_visualization_section}
