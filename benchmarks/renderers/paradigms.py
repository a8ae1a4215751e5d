"""The README's paradigm table: one headline number per paradigm, from the result files
the family pages render in full, with a link to that page."""

from __future__ import annotations

from .common import accuracy, flags, gain_value, load, recording_loads, seed_runs
from .generative import (
    GENERATIVE_ENCODERS,
    SAMPLERS,
    SEMI_SUPERVISED_TARGETS,
    classifier_vs_labels_alone,
)
from .image import METHODS, TARGETS
from .video import AV_TARGET, VIDEO_PIPELINES, VIDEO_TARGET, correspondence, dataset_variant

PAGES = {  # results page of each family, relative to the repository root
    "image": "docs/image.md",
    "generative": "docs/generative.md",
    "video": "docs/video.md",
}
PARADIGMS = (  # (family, results page, ((registry key, paradigm), ...)), in the README's order
    (
        "self-supervised, image",
        "image",
        (
            ("rotation", "rotation prediction (Gidaris et al., ICLR 2018)"),
            ("relative_patch_location", "relative patch location (Doersch et al., ICCV 2015)"),
            ("jigsaw", "jigsaw puzzles (Noroozi & Favaro, ECCV 2016)"),
            ("exemplar", "exemplar networks (Dosovitskiy et al., NIPS 2014)"),
            (
                "masked_autoencoder",
                "masked autoencoder, convolutional (He et al., CVPR 2022 style)",
            ),
            ("moco", "MoCo (He et al., CVPR 2020)"),
            ("colorization", "colorization (Zhang et al., ECCV 2016)"),
        ),
    ),
    (
        "unsupervised",
        "generative",
        (
            ("autoencoder", "autoencoder"),
            ("denoising_autoencoder", "denoising autoencoder (Vincent et al., ICML 2008)"),
            ("sparse_autoencoder", "sparse autoencoder"),
            ("vae", "VAE (Kingma & Welling, ICLR 2014)"),
            ("gan", "GAN / DCGAN (Goodfellow et al. 2014; Radford et al. 2016)"),
            ("infogan", "InfoGAN (Chen et al., NIPS 2016)"),
            ("conditional_gan", "conditional GAN (Mirza & Osindero 2014)"),
        ),
    ),
    (
        "semi-supervised",
        "generative",
        (
            ("sgan", "semi-supervised GAN (Salimans et al., NIPS 2016)"),
            ("latent_classifier", "latent code + classifier"),
        ),
    ),
    (
        "self-supervised, video",
        "video",
        (
            ("shuffle_and_learn", "Shuffle & Learn (Misra et al., ECCV 2016)"),
            ("odd_one_out", "Odd-One-Out (Fernando et al., CVPR 2017)"),
            ("sequence_sorting", "sequence sorting (Lee et al., ICCV 2017)"),
            ("arrow_of_time", "arrow of time (Wei et al., CVPR 2018)"),
            ("slow_steady", "slow and steady features (Jayaraman & Grauman 2016)"),
            ("composite_lstm", "composite LSTM (Srivastava et al., ICML 2015)"),
            ("next_frame_prediction", "next-frame prediction (Mathieu et al., ICLR 2016)"),
        ),
    ),
    (
        "self-supervised, audio-visual",
        "video",
        (
            ("av_sync", "audio-visual synchronization (Chung & Zisserman 2016)"),
            ("l3_net", "L3-Net correspondence (Arandjelovic & Zisserman, ICCV 2017)"),
            ("ave_net", "AVE-Net (Arandjelovic & Zisserman, ECCV 2018)"),
        ),
    ),
)


def _headline_cell(label: str, seeded: list, value, fmt: str, ok=None, note: str = "") -> str:
    """One headline: `label: value mark (note)`, or with several seeded runs the mean
    and how many of them meet the target. `value(result)` -> number or None;
    `ok(number)` -> whether the target is met (None: no target, no mark)."""
    values = [v for v in (value(r) for _, r in seeded) if v is not None]
    if not values:
        return "not measured"
    notes = [note] if note else []
    if any(flags(r) for _, r in seeded):
        notes.append("† rerun pending")
    if len(values) == 1:
        mark = "" if ok is None else (" ✓" if ok(values[0]) else " ✗")
        text = f"{label}: {fmt.format(values[0])}{mark}"
    else:
        text = f"{label}: {fmt.format(sum(values) / len(values))}, mean of {len(values)} seeds"
        if ok is not None:
            notes.insert(0, f"{sum(map(ok, values))} of {len(values)} ✓")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _probe_gain(random_row: dict):
    """value(result) for `_headline_cell`: the run's linear-probe gain over `random_row`."""

    def value(r):
        row = r["results"].get(r.get("method", ""))
        a, b = accuracy(row or {}, "linear_probe"), accuracy(random_row, "linear_probe")
        return None if a is None or b is None else a - b

    return value


def _headline(key: str, base: dict | None) -> str:
    """The one number the README's paradigm table shows for paradigm `key`."""
    random_row = (base or {}).get("results", {}).get("random-init", {})
    points = "{:+.1f} points"
    if key in SEMI_SUPERVISED_TARGETS:
        stem = f"quality_{key}_fashion_mnist"
        runs = seed_runs(stem, load(stem)) if base else []
        low_shot_random = accuracy(random_row, "low_shot/10")
        target = SEMI_SUPERVISED_TARGETS[key]

        def reduction(r):
            if "classification" not in (r.get("model_results") or {}):
                return None
            acc, baseline, _ = classifier_vs_labels_alone(r, low_shot_random)
            return acc - baseline

        return _headline_cell(
            "test-error reduction vs the 100 labels alone",
            runs,
            reduction,
            points,
            lambda v: v > 0 and v >= target,
            f"target +{target:.0f}" if target else "target: any reduction",
        )
    if key in METHODS or key in GENERATIVE_ENCODERS:  # latent_classifier: above
        stem = f"quality_{key}_fashion_mnist"
        seeded = seed_runs(stem, load(stem)) if base else []
        target = TARGETS["linear_probe"] if key in METHODS else None
        return _headline_cell(
            "linear probe vs random-init",
            seeded,
            _probe_gain(random_row),
            points,
            None if target is None else (lambda v: v >= target),
            "" if target is None else f"target +{target:.0f}",
        )
    if key == "colorization":
        r = load("quality_colorization_skimage_photos")
        seeded = [] if r is None else [(0, r)]
        return _headline_cell(
            "linear probe vs random-init",
            seeded,
            lambda r: gain_value(r["results"], "colorization", "linear_probe"),
            points,
        )
    if key in SAMPLERS:
        r = load(f"quality_{key}_fashion_mnist")

        def ratio(r):
            q = (r.get("model_results") or {}).get("sample_quality")
            return None if q is None else q["fd_ratio_to_floor"]

        return _headline_cell(
            "Fréchet distance / real-data floor",
            [] if r is None else [(0, r)],
            ratio,
            "{:.0f}x",
            lambda v: v <= 3,
            "target <= 3x",
        )
    family_headline = _family_headlines().get(key)
    if family_headline is not None:
        with recording_loads() as read:
            text = family_headline()
        if text != "not measured" and any(flags(r) for r in read):
            text += " († rerun pending)"
        return text
    name = next((n for n in VIDEO_PIPELINES if n.startswith(f"{key}_")), None)
    if name is None:
        return "not measured"
    main = load(f"quality_video_{name}")
    seeded = seed_runs(f"quality_video_{name}", main)
    if name.endswith("_spoken_digits_av"):
        target = AV_TARGET if key == "l3_net" else None
        return _headline_cell(
            "correspondence accuracy",
            seeded,
            correspondence,
            "{:.1f}%",
            None if target is None else (lambda v: v >= target),
            "chance 50%" + ("" if target is None else f", target >= {target:.0f}%"),
        )
    variant = "" if main is None else dataset_variant(main)
    return _headline_cell(
        f"direction probe vs random-init{variant}",
        seeded,
        lambda r: gain_value(r["results"], r["method"], "linear_probe@direction"),
        points,
        lambda v: v >= VIDEO_TARGET,
        f"target +{VIDEO_TARGET:.0f}",
    )


def _family_headlines() -> dict:
    """Registry key -> headline function, from the `HEADLINES` dict of every family
    renderer module (benchmarks/renderers/*.py): a new family gives its README
    rows (`PARADIGM_ROWS`: (family, page name, page path, ((key, paradigm), ...)))
    and headlines next to its own tables instead of editing this module."""
    import renderers

    found = {}
    for module in renderers.modules():
        found.update(getattr(module, "HEADLINES", {}))
    return found


def paradigms_section() -> str:
    """The README's paradigm table: one headline number per paradigm, with a link
    to the results page that has its full tables and measurement stamps."""
    base = load("quality_baselines_fashion_mnist")
    lines = [
        "| family | paradigm | registry key | headline result | results |",
        "|---|---|---|---|---|",
    ]
    rows = [(family, page, PAGES[page], paradigms) for family, page, paradigms in PARADIGMS]
    import renderers

    for module in renderers.modules():  # a family module's rows follow the built-in ones
        rows += list(getattr(module, "PARADIGM_ROWS", ()))
    for family, page, path, paradigms in rows:
        for key, paradigm in paradigms:
            headline = _headline(key, base)
            lines.append(f"| {family} | {paradigm} | `{key}` | {headline} | [{page}]({path}) |")
    lines += [
        "",
        "Points are percentage points of test accuracy (test error for the semi-supervised "
        "rows); ✓ / ✗: the issue's target met or missed. Each results page has the full "
        "tables, the baselines, and the date and commit of every measurement. † marks a "
        "result measured from uncommitted code (dirty) or before the code or settings it "
        "measures last changed (stale), e.g. a setting since chosen on validation: it stands "
        "until its rerun (`python benchmarks/render_readme.py --check` lists them).",
    ]
    return "\n".join(lines)


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "paradigms": paradigms_section,
}
