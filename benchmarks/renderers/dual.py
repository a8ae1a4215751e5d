"""Dual-learning results (docs/dual.md): CycleGAN font_digits -> digits
(benchmarks/quality_translation.py) and pix2pix Canny edges -> Fashion-MNIST,
cGAN + L1 next to L1 alone (benchmarks/quality_pix2pix.py), and the attention
masks of attention-guided CycleGAN on textured digits
(benchmarks/quality_attention_cycle_gan.py)."""

from __future__ import annotations

from renderers.common import cell, load, not_measured, stamp

COMMAND = "python benchmarks/quality_translation.py --seeds 0,1,2"
DURATION = "at most about 3.5 hours on 2 busy CPU cores"
PIX2PIX_COMMAND = "python benchmarks/quality_pix2pix.py --seeds 0,1,2"
PIX2PIX_DURATION = "at most about 4 hours on 2 busy CPU cores"
ATTENTION_COMMAND = "python benchmarks/quality_attention_cycle_gan.py --seeds 0,1,2"
ATTENTION_DURATION = "about 2 hours on 2 busy CPU cores"
PIX2PIX_VARIANTS = (("l1_only", "L1 only"), ("cgan_l1", "cGAN + L1"))


def _mean_sd(summary, key, scale=1.0, digits=1) -> str:
    s = summary[key]
    return f"{scale * s['mean']:.{digits}f} ± {scale * s['sd']:.{digits}f}"


def translation_table() -> str:
    r = load("quality_translation")
    if r is None:
        return not_measured(COMMAND, DURATION)
    s = r["summary"]
    target = s["target"]
    lines = [
        f"{r['source']} → {r['target']} ({r['image_size'][0]}x{r['image_size'][1]}), "
        f"{r['chosen_epochs']} epochs of {r['batch_size']} + {r['batch_size']} images, seeds "
        f"{', '.join(str(x) for x in r['seeds'])} (mean ± sd). Measured {stamp(r)}.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| classifier accuracy on real {r['target']} test (%) | "
        f"{_mean_sd(s, 'target_accuracy', 100)} | |",
        f"| … on translated {r['source']} test (%) | {_mean_sd(s, 'translated_accuracy', 100)} | |",
        f"| … on untranslated {r['source']} test (%) | "
        f"{_mean_sd(s, 'untranslated_accuracy', 100)} | |",
        f"| accuracy ratio translated / real | {_mean_sd(s, 'accuracy_ratio', 1, 3)} | "
        f"≥ {target['accuracy_ratio']} |",
        f"| Fréchet distance, translated | {_mean_sd(s, 'fd_translated', 1, 2)} | |",
        f"| Fréchet distance, untranslated | {_mean_sd(s, 'fd_untranslated', 1, 2)} | |",
        f"| FD ratio translated / untranslated | {_mean_sd(s, 'fd_ratio', 1, 3)} | "
        f"≤ {target['fd_ratio']} |",
        f"| cycle L1 (A → B → A, per pixel) | {_mean_sd(s, 'cycle_l1', 1, 4)} | |",
        "",
        f"Seeds meeting both targets: {target['seeds_meeting']} of {target['seeds']}.",
        "",
        f"Budget chosen on the validation carves (digits `{r['validation']['target']}`, "
        f"font_digits `{r['validation']['source']}`; seed 0) by the accuracy ratio: "
        + ", ".join(f"{k} epochs: {v['accuracy_ratio']:.3f}" for k, v in r["selection"].items())
        + f". Below, test images through seed {r.get('picture_seed', 0)}'s generators.",
        "",
        "![source | translated | cycled](benchmarks/results/quality_translation.png)",
    ]
    seeds = [
        "",
        "| seed | accuracy ratio | FD ratio | cycle L1 |",
        "|---|---|---|---|",
    ]
    for row in r["runs"]:
        seeds.append(
            f"| {row['seed']} | {row['accuracy_ratio']:.3f} | {row['fd_ratio']:.3f} | "
            f"{row['cycle_l1']:.4f} |"
        )
    return "\n".join(lines + seeds)


def headline() -> str:
    """README: the two targets' measures (accuracy ratio, FD ratio)."""
    r = load("quality_translation")
    if r is None:
        return "not measured"
    s = r["summary"]
    target = s["target"]
    met = target["seeds_meeting"] == target["seeds"]
    return (
        f"font → handwritten digits: classifier accuracy kept "
        f"{cell(100 * s['accuracy_ratio']['mean'])}% (target ≥ 90%), FD "
        f"{cell(100 * s['fd_ratio']['mean'])}% of untranslated (target ≤ 50%)"
        + (" ✓" if met else " ✗")
    )


def pix2pix_table() -> str:
    r = load("quality_pix2pix")
    if r is None:
        return not_measured(PIX2PIX_COMMAND, PIX2PIX_DURATION)
    s = r["summary"]
    target = s["target"]
    size = f"{r['image_size'][0]}x{r['image_size'][1]}"
    budgets = ", ".join(f"{label} {r['chosen_epochs'][key]}" for key, label in PIX2PIX_VARIANTS)
    rows = (
        ("L1 to the true image (per pixel)", "l1", 1, 4),
        ("SSIM to the true image", "ssim", 1, 3),
        ("Fréchet distance to real test images", "fd_translated", 1, 2),
        ("classifier accuracy on generated images (%)", "translated_accuracy", 100, 1),
        ("classifier accuracy on the real images (%)", "target_accuracy", 100, 1),
        ("accuracy ratio generated / real", "accuracy_ratio", 1, 3),
    )
    lines = [
        f"Canny edges → {r['dataset']} ({size}), λ = {r['l1_weight']:g}, batches of "
        f"{r['batch_size']}, epochs chosen on validation ({budgets}), seeds "
        f"{', '.join(str(x) for x in r['seeds'])} (mean ± sd). Measured {stamp(r)}.",
        "",
        "| measure | " + " | ".join(label for _, label in PIX2PIX_VARIANTS) + " |",
        "|---|---|---|",
    ]
    for name, key, scale, digits in rows:
        values = [_mean_sd(s[variant], key, scale, digits) for variant, _ in PIX2PIX_VARIANTS]
        lines.append(f"| {name} | " + " | ".join(values) + " |")
    floor = s["cgan_l1"].get("fd_real_floor")
    if floor:
        lines.append(f"| Fréchet distance, real train vs test (floor) | {floor['mean']:.2f} | |")
    lines += [
        "",
        f"cGAN + L1 has the lower Fréchet distance (the paper's ablation) in "
        f"{target['cgan_fd_below_l1_only']} of {target['seeds']} seeds.",
        "",
        f"Budgets chosen on `{r['validation']}` (seed 0) by the validation Fréchet distance: "
        + "; ".join(
            f"{label}: "
            + ", ".join(
                f"{k} epochs {v['fd_translated']:.2f}" for k, v in r["selection"][key].items()
            )
            for key, label in PIX2PIX_VARIANTS
        )
        + f". Below, test edge maps through seed {r.get('picture_seed', 0)}'s models.",
        "",
        "![edges | L1 only | cGAN + L1 | real](benchmarks/results/quality_pix2pix.png)",
    ]
    return "\n".join(lines)


def pix2pix_headline() -> str:
    """README: the ablation's Fréchet distances (cGAN + L1 vs L1 alone)."""
    r = load("quality_pix2pix")
    if r is None:
        return "not measured"
    s = r["summary"]
    target = s["target"]
    met = target["cgan_fd_below_l1_only"] == target["seeds"]
    return (
        f"edges → Fashion-MNIST: FD {cell(s['cgan_l1']['fd_translated']['mean'])} (cGAN + L1) vs "
        f"{cell(s['l1_only']['fd_translated']['mean'])} (L1 only), SSIM "
        f"{s['cgan_l1']['ssim']['mean']:.2f}" + (" ✓" if met else " ✗")
    )


def attention_table() -> str:
    r = load("quality_attention_cycle_gan")
    if r is None:
        return not_measured(ATTENTION_COMMAND, ATTENTION_DURATION)
    s = r["summary"]
    target = s["target"]
    base = r["baseline"]
    lines = [
        f"{r['dataset']} → {r['domain_a']} (B → A: remove the digit), batches of "
        f"{r['batch_size']} + {r['batch_size']}, {r['test_images']} test images, seeds "
        f"{', '.join(str(x) for x in r['seeds'])} (mean ± sd). Measured {stamp(r)}.",
        "",
        "| method | test mask IoU | target |",
        "|---|---|---|",
        f"| attention-guided CycleGAN, B → A attention | {_mean_sd(s, 'attention_iou', 1, 3)} "
        f"| ≥ {target['rule'].split()[-1]} |",
        f"| baseline: distance to the image's mean colour | {base['test_iou']:.3f} | |",
        "",
        f"Seeds meeting the target: {target['seeds_meeting']} of {target['seeds']}. "
        f"Baseline threshold {base['threshold']} (validation IoU "
        f"{base['validation_iou']:.3f}).",
        "",
        "| seed | epochs | threshold | test IoU | mean attention on / off the digit |",
        "|---|---|---|---|---|",
    ]
    for row in r["runs"]:
        lines.append(
            f"| {row['seed']} | {row['chosen_epochs']} | {row['threshold']} | "
            f"{row['test_iou']:.3f} | {row['attention_inside']:.2f} / "
            f"{row['attention_outside']:.2f} |"
        )
    lines += [
        "",
        f"Epochs and thresholds chosen on `{r['validation']['split']}` "
        f"({r['validation']['images']} images) per seed. Below, test images through "
        f"seed {r.get('picture_seed', r['seeds'][0])}'s chosen model.",
        "",
        "![input | attention | B → A | mask](benchmarks/results/quality_attention_cycle_gan.png)",
    ]
    return "\n".join(lines)


def attention_headline() -> str:
    """README: the test mask IoU against the target and the baseline."""
    r = load("quality_attention_cycle_gan")
    if r is None:
        return "not measured"
    s = r["summary"]
    target = s["target"]
    met = target["seeds_meeting"] == target["seeds"]
    return (
        f"textured digits: attention mask IoU {s['attention_iou']['mean']:.2f} (target ≥ 0.7; "
        f"mean-colour baseline {s['baseline_iou']:.2f})" + (" ✓" if met else " ✗")
    )


PARADIGM_ROWS = (
    (
        "dual learning",
        "dual",
        "docs/dual.md",
        (
            ("cycle_gan", "CycleGAN, unpaired translation (Zhu et al., ICCV 2017)"),
            (
                "attention_cycle_gan",
                "Attention-guided CycleGAN (Mejjati et al., NeurIPS 2018)",
            ),
            ("pix2pix", "pix2pix, paired translation (Isola et al., CVPR 2017)"),
        ),
    ),
)
HEADLINES = {
    "cycle_gan": headline,
    "attention_cycle_gan": attention_headline,
    "pix2pix": pix2pix_headline,
}
SECTIONS = {
    "translation-table": translation_table,
    "pix2pix-table": pix2pix_table,
    "attention-table": attention_table,
}
