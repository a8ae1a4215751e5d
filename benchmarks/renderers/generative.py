"""Unsupervised and semi-supervised paradigms on Fashion-MNIST (docs/generative.md):
encoders as pretext, sample quality, the DCGAN's distance curve, model facts, seed
spread, anomaly detection by reconstruction error."""

from __future__ import annotations

from .common import (
    SPREAD_HEADER,
    accuracy,
    load,
    minutes,
    row_stamp,
    seed_runs,
    spread_rows,
    table,
)
from .image import PROTOCOLS, baseline_row, method_rows

GENERATIVE_ENCODERS = (
    "autoencoder",
    "denoising_autoencoder",
    "sparse_autoencoder",
    "vae",
    "latent_classifier",
)
SAMPLERS = ("gan", "conditional_gan", "infogan", "vae")


def generative_section() -> str:
    """Issue 4: unsupervised and semi-supervised paradigms on Fashion-MNIST."""
    base = load("quality_baselines_fashion_mnist")
    runs = {
        m: load(f"quality_{m}_fashion_mnist") for m in (*GENERATIVE_ENCODERS, *SAMPLERS, "sgan")
    }
    if base is None or not any(runs.values()):
        return "_No results yet: run `python benchmarks/quality_generative.py`._"
    out = []
    random_row = base["results"]["random-init"]
    header = ["encoder", *(f"{label} (%)" for _, label in PROTOCOLS)]
    header += ["gain over random-init", "training", "measured"]
    rows = [
        baseline_row("random-init", random_row, base),
        *method_rows({m: runs[m] for m in GENERATIVE_ENCODERS}, random_row),
        baseline_row(
            f"all labels ({base['supervised_epochs']} epochs)", base["results"]["all labels"], base
        ),
    ]
    lines = table(header, rows)
    out += [
        "Encoders as pretext (the same `conv_encoder`, protocols and baselines as the "
        "[image table](docs/image.md)):",
        "",
    ]
    out += lines

    lines = [
        "| generator | Fréchet distance | real-vs-real floor | ratio (target <= 3) "
        "| class entropy (max 2.303) | training | measured |",
        "|---|---|---|---|---|---|---|",
    ]
    classifier = None
    for method in SAMPLERS:
        r = runs[method]
        q = (r or {}).get("model_results", {}).get("sample_quality")
        if q is None:
            continue
        classifier = q["classifier_test_accuracy"]
        ok = "✓" if q["fd_ratio_to_floor"] <= 3 else "✗"
        lines.append(
            f"| {method} | {q['frechet_distance']:.2f} | {q['real_floor']:.3f} | "
            f"{q['fd_ratio_to_floor']:.0f}x {ok} | {q['class_entropy']:.3f} | "
            f"{r['config']['train']['epochs']} ep, {minutes(r)} | {row_stamp(r)} |"
        )
    if classifier is not None:
        out += ["", "Sample quality (10,000 samples against the 10,000 test images):", ""]
        out += lines
        out += [
            "",
            "The distance is computed in the 128-d penultimate features of a "
            "`conv_encoder` classifier trained by tfxlearn on Fashion-MNIST (test "
            f"accuracy {100 * classifier:.1f}%); "
            "the floor is 10,000 real training images against the test images.",
        ]
        out += gan_curve_lines(load("gan_fd_curve"), load("gan_fd_curve_ema"))

    facts = []
    for method, key, fact in (
        (
            "vae",
            "negative_elbo",
            lambda e: (
                f"VAE negative ELBO on the test split (latent size {e['latent_dim']}) | "
                f"{e['negative_elbo_nats']:.1f} nats per image"
            ),
        ),
        (
            "infogan",
            "code_clustering",
            lambda c: (
                "InfoGAN categorical code vs classes (best matching accuracy / NMI) | "
                f"{100 * c['accuracy']:.1f}% / {c['nmi']:.3f}"
            ),
        ),
    ):
        r = runs.get(method)
        if r and key in r.get("model_results", {}):
            facts.append(f"| {fact(r['model_results'][key])} | {row_stamp(r)} |")
    low_shot_random = accuracy(random_row, "low_shot/10")
    for method, label in (
        ("sgan", "semi-supervised GAN"),
        ("latent_classifier", "latent + classifier"),
    ):
        r = runs.get(method)
        if not r or "classification" not in r.get("model_results", {}):
            continue
        acc, baseline, which = classifier_vs_labels_alone(r, low_shot_random)
        target = SEMI_SUPERVISED_TARGETS[method]
        ok = "✓" if acc - baseline > 0 and acc - baseline >= target else "✗"
        facts.append(
            f"| {label}, 100 labels: test error vs {which} on the 100 labels alone | "
            f"{100 - acc:.1f}% vs {100 - baseline:.1f}% ({acc - baseline:+.1f} points) {ok} | "
            f"{row_stamp(r)} |"
        )
    spread = []
    for method in SEMI_SUPERVISED_TARGETS:
        seeded = seed_runs(f"quality_{method}_fashion_mnist", runs.get(method))
        if len(seeded) >= 2:

            def measures(r, method=method):
                acc, baseline, _ = classifier_vs_labels_alone(r, low_shot_random)
                label = "test-error reduction vs the stronger 100-label baseline (points)"
                return [(label, acc - baseline, SEMI_SUPERVISED_TARGETS[method], True)]

            spread += spread_rows(method, seeded, measures)
    for method in GENERATIVE_ENCODERS:
        r = runs.get(method)
        c = (r or {}).get("model_results", {}).get("latent_clustering")
        if c:
            facts.append(
                f"| {method} codes ({c['code_dim']}-d), k-means vs classes: NMI (PCA codes "
                f"of the same size) | {c['kmeans_nmi']:.3f} ({c['pca_kmeans_nmi']:.3f}) | "
                f"{row_stamp(r)} |"
            )
    if facts:
        out += ["", "| measurement | value | measured |", "|---|---|---|", *facts]
    if spread:
        out += [
            "",
            *SPREAD_HEADER,
            *spread,
            "",
            "By `python benchmarks/quality_generative.py "
            "--seeds 0,1,2 METHOD` (the whole pipeline per seed).",
        ]
    out += anomaly_table(load("quality_autoencoder_anomaly_fashion_mnist"))
    out += [
        "",
        "Every row: `python benchmarks/quality_generative.py METHOD` (the method's "
        "`pipelines/METHOD_fashion_mnist.py`, `get_config(full=True)`), TensorFlow "
        f"{base['tensorflow']}, {base['cpu_count']} CPU cores. The 2026-11-22 training "
        "times were measured while other jobs shared the two cores (alone is faster).",
    ]
    return "\n".join(out)


SEMI_SUPERVISED_TARGETS = {"sgan": 10.0, "latent_classifier": 0.0}  # points over the baseline


def classifier_vs_labels_alone(r: dict, low_shot_random: float) -> tuple[float, float, str]:
    """(own-classifier test accuracy, the stronger 100-label baseline's, which one it
    is) of a semi-supervised run: the stronger of its random-init rows (its own
    network, and variants such as the SGAN's without weight normalization), else
    the shared conv encoder's."""
    acc = 100 * r["model_results"]["classification"]["accuracy"]
    rows = {
        row: accuracy(v, "low_shot/10")
        for row, v in r["results"].items()
        if row.startswith("random-init") and accuracy(v, "low_shot/10") is not None
    }
    row, baseline = max(rows.items(), key=lambda kv: kv[1], default=(None, None))
    which = "the same classifier"
    if row is None:
        baseline = low_shot_random
    elif row != "random-init":
        which = f"the stronger baseline, the classifier {row.split(', ', 1)[1]},"
    return acc, baseline, which


def _curve_table(points: list[dict], rows: list[tuple[str, str, str]]) -> list[str]:
    """A table with one column per measured epoch; rows are (label, key, template)."""
    return [
        "| epochs | " + " | ".join(str(p["epoch"]) for p in points) + " |",
        "|---" * (len(points) + 1) + "|",
        *(
            f"| {label} | " + " | ".join(template.format(p[key]) for p in points) + " |"
            for label, key, template in rows
        ),
    ]


def gan_curve_lines(r, ema=None) -> list[str]:
    """The DCGAN's distance measured during training (`benchmarks/gan_fd_curve.py`),
    and, when it was run, the same with a generator weight average (`--generator_ema`)."""
    if not r or not r.get("points"):
        return []
    points = r["points"]
    floor = r["real_floor"]
    out = [
        "",
        "The DCGAN's distance during training (`python benchmarks/gan_fd_curve.py`: "
        "the benchmark's config and seed, measured every "
        f"{points[1]['epoch'] - points[0]['epoch'] if len(points) > 1 else 1} epochs; "
        f"{row_stamp(r)}). A ratio of 3 would be a distance of {3 * floor:.3f}:",
        "",
        *_curve_table(
            points,
            [
                ("Fréchet distance", "frechet_distance", "{:.2f}"),
                ("ratio to the floor", "fd_ratio_to_floor", "{:.0f}x"),
            ],
        ),
        "",
        "![DCGAN Fréchet distance against epochs](benchmarks/results/gan_fd_curve.png)",
    ]
    if ema and ema.get("points") and "live_frechet_distance" in ema["points"][0]:
        decay = ema["config"]["paradigm"]["args"]["generator_ema"]
        out += [
            "",
            "A moving average of the generator's weights did not help: "
            f"`python benchmarks/gan_fd_curve.py --generator_ema={decay}` trains the same "
            "config with the average kept and measures the average and the trained "
            f"generator of that run on the same latent vectors ({row_stamp(ema)}; "
            "keeping the average moves the random stream, so its trained generator "
            "is not the one above). The pipeline therefore serves the trained generator.",
            "",
            *_curve_table(
                ema["points"],
                [
                    (f"weight average ({decay}): distance", "frechet_distance", "{:.2f}"),
                    ("trained generator: distance", "live_frechet_distance", "{:.2f}"),
                ],
            ),
            "",
            f"![Weight average and trained generator]({ema['plot']})",
        ]
    return out


FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def anomaly_table(r) -> list[str]:
    """One row per left-out class: the autoencoder trained without it, ROC AUC of
    reconstruction-error anomaly scores for it, and the mean over the classes run."""
    runs = (r or {}).get("held_out")
    if not runs:
        return []
    lines = [
        "",
        "Anomaly detection by reconstruction error: the autoencoder pipeline trained "
        "with one class left out, ROC AUC of its reconstruction errors for that "
        "class against the nine others on the test split (0.5 is chance):",
        "",
        "| left-out class | ROC AUC | mean error, left-out / others | training | measured |",
        "|---|---|---|---|---|",
    ]
    for key, a in runs.items():
        lines.append(
            f"| {key} {FASHION_MNIST_CLASSES[int(key)]} | {a['auc']:.3f} | "
            f"{a['mean_error_anomaly']:.4f} / {a['mean_error_normal']:.4f} | "
            f"{r['config']['train']['epochs']} ep, {minutes(a)} | {row_stamp(a)} |"
        )
    aucs = [a["auc"] for a in runs.values()]
    lines.append(f"| mean of {len(aucs)} | {sum(aucs) / len(aucs):.3f} | | | |")
    return lines


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "generative": generative_section,
}
