"""Speed (docs/benchmarks.md): pretext ops in tf.data, the train step against the
machine's matmul rate, tfxlearn against PyTorch and lightly, train_step overhead."""

from __future__ import annotations

from .common import load, stamp, table


def op_speed_section() -> str:
    r = load("op_speed")
    if r is None:
        return "_No op speed results yet: run `make bench`._"
    header = ["pretext op", "vectorized in tf.data (samples/s)", "per-sample NumPy (samples/s)"]
    header += ["**speed-up**", "train step it feeds (samples/s)", "op / train step"]
    rows = (
        [
            name,
            f"{o['op_samples_per_s']:,.0f}",
            f"{o['numpy_samples_per_s']:,.0f}",
            f"**{o['speedup_vs_numpy']:.1f}x**",
            f"{o['train_samples_per_s']:,.0f}",
            f"{o['op_over_train']:.0f}x",
        ]
        for name, o in sorted(r["ops"].items())
    )
    lines = table(header, rows)
    lines += [
        "",
        f"Batches of {next(iter(r['ops'].values()))['batch_images']} input images, "
        f"{next(iter(r['ops'].values()))['input_images']:,} images per op. Measured "
        f"{stamp(r)} by `python benchmarks/op_speed.py`.",
    ]
    return "\n".join(lines)


def speed_section() -> str:
    r = load("speed")
    if r is None:
        return "_No speed results yet: run `make bench`._"
    t = r["training"]
    rows = [
        (f"rotation train step (images/s, batch {t['global_batch']})", f"{t['images_per_s']:,.0f}"),
        ("achieved GFLOP/s (3 x forward FLOPs x images/s)", f"{t['achieved_gflops']:.1f}"),
        ("float32 matmul rate of this machine (GFLOP/s)", f"{t['matmul_gflops']:.1f}"),
        ("**training / matmul rate**", f"**{100 * t['fraction_of_matmul_rate']:.0f}%**"),
    ]
    lines = table(["measurement", "value"], rows)
    lines += ["", f"Measured {stamp(r)} by `python benchmarks/speed.py`."]
    return "\n".join(lines)


def lever_rows(steps: dict) -> list[str]:
    """The speed levers' table: each lever's median over its plain side's (same run)."""
    if not any("lever_ratio_to_tfxlearn" in t for t in steps.values()):
        return []
    header = ["lever / plain (same run)", "tfxlearn `jit_compile`", "tfxlearn `mixed_bfloat16`"]
    header += ["tfxlearn 1 inter-op thread", "tfxlearn without oneDNN"]
    header += ["PyTorch bf16 autocast / eager"]
    header += ["**tfxlearn bf16 / PyTorch bf16**"]
    rows = []
    for step, t in steps.items():
        ratios = t.get("lever_ratio_to_tfxlearn", {})
        keys = ("tfxlearn+jit", "tfxlearn+bf16", "tfxlearn+inter1", "tfxlearn+noonednn")
        keys += ("eager+bf16",)
        cells = [f"{ratios[k]:.2f}x" if k in ratios else "-" for k in keys]
        bf16 = t.get("bf16_ratio_to_eager_bf16")
        rows.append([step, *cells, f"**{bf16:.2f}x**" if bf16 else "-"])
    return ["", *table(header, rows)]


def peers_section() -> str:
    r, m = load("peers"), load("peers_moco")
    if r is None and m is None:
        return (
            "_Not measured yet: `make bench-peers` (needs `make peers` and a quiet machine; "
            "benchmarks/peers_speed.py, benchmarks/peers_moco.py)._"
        )
    lines = []
    if r is not None:
        header = [
            "train step (batch 256; MoCo 64 pairs of views)",
            "tfxlearn (images/s)",
            "PyTorch eager",
        ]
        header += ["PyTorch `torch.compile`", "**tfxlearn / eager**", "**tfxlearn / compile**"]
        lines += table(
            header,
            (
                [
                    step,
                    *(f"{t['median'][k]:,.0f}" for k in ("tfxlearn", "eager", "compile")),
                    f"**{t['ratio_to_eager']:.2f}x**",
                    f"**{t['ratio_to_compile']:.2f}x**",
                ]
                for step, t in r["train_steps"].items()
            ),
        )
        lines += lever_rows(r["train_steps"])
        pipes = r.get("input_pipelines")
        if pipes:
            workers = f"PyTorch `Dataset` + `DataLoader` ({pipes['dataloader_workers']} workers)"
            header = ["pretext input pipeline", "tfxlearn tf.data op (samples/s)", workers]
            rows = (
                [
                    op,
                    *(f"{o['median'][k]:,.0f}" for k in ("tf.data", "DataLoader")),
                    f"**{o['ratio_to_dataloader']:.1f}x**",
                ]
                for op, o in pipes["ops"].items()
            )
            lines += ["", *table([*header, "**tfxlearn / PyTorch**"], rows)]
        v = r["versions"]
        lines += [
            "",
            f"Medians of {r['rounds']} alternating rounds, each measurement in a fresh process; "
            f"PyTorch {v['torch']}, torchvision {v['torchvision']}. Measured {stamp(r)} by "
            "`python benchmarks/peers_speed.py`.",
        ]
    if m is not None:
        measures = ("validation_knn", "validation_linear_probe", "test_knn", "test_linear_probe")
        header = ["MoCo, same training seconds each", "seed", "steps"]
        header += [m.replace("_", " ").replace("knn", "kNN") for m in measures]
        rows = (
            [
                library,
                seed,
                f"{curve[-1]['steps']:,.0f}",
                *(f"{100 * curve[-1][k]:.1f}%" for k in measures),
            ]
            for library, runs in m["curves"].items()
            for seed, curve in runs.items()
        )
        lines += ["", *table(header, rows)]
        for seed, reach in m["time_to_lower_final_validation_knn"].items():
            times = ", ".join(
                f"{lib} {reach[lib] / 60:.1f} min" if reach[lib] is not None else f"{lib} never"
                for lib in ("tfxlearn", "lightly")
            )
            lines.append(
                f"\nSeed {seed}: time to reach {100 * reach['target_validation_knn']:.1f}% "
                f"validation kNN: {times}."
            )
        lines += [
            "",
            "![MoCo accuracy against training time](benchmarks/results/peers_moco.png)",
            "",
            f"Budget {m['budget_seconds'] / 60:.0f} min of training each. Measured {stamp(m)} by "
            "`python benchmarks/peers_moco.py`.",
        ]
    return "\n".join(lines)


def peers_headline() -> str:
    """README: tfxlearn's ratios to the PyTorch peers (docs/benchmarks.md has the tables)."""
    r, m = load("peers"), load("peers_moco")
    if r is None and m is None:
        return "_Not measured yet: `make bench-peers` (benchmarks/peers_speed.py, peers_moco.py)._"
    parts = []
    if r is not None:
        steps = r["train_steps"]
        parts.append(
            "train steps of the same network at "
            + ", ".join(f"{t['ratio_to_eager']:.2f}x ({step})" for step, t in steps.items())
            + " PyTorch eager's speed and "
            + ", ".join(f"{t['ratio_to_compile']:.2f}x" for t in steps.values())
            + " `torch.compile`'s"
        )
        bf16 = {
            step: t.get("lever_ratio_to_tfxlearn", {}).get("tfxlearn+bf16")
            for step, t in steps.items()
        }
        if all(bf16.values()):
            parts.append(
                "`train.precision: mixed_bfloat16` speeds them up "
                + ", ".join(f"{v:.2f}x" for v in bf16.values())
                + " (against PyTorch's bfloat16 autocast: "
                + ", ".join(f"{t['bf16_ratio_to_eager_bf16']:.2f}x" for t in steps.values())
                + ")"
            )
        ops = r["input_pipelines"]["ops"]
        parts.append(
            "pretext input pipelines "
            + ", ".join(f"{o['ratio_to_dataloader']:.1f}x ({op})" for op, o in ops.items())
            + " a PyTorch `DataLoader`'s"
        )
    if m is not None:
        ratios = [
            reach["tfxlearn"] / reach["lightly"]
            for reach in m["time_to_lower_final_validation_knn"].values()
            if reach["tfxlearn"] is not None and reach["lightly"]
        ]
        if ratios:
            parts.append(
                "MoCo reaches the lower of the two final kNN accuracies in "
                + ", ".join(f"{x:.2f}x" for x in ratios)
                + " lightly's training time (per seed)"
            )
    stamps = " and ".join(stamp(x) for x in (r, m) if x is not None)
    return (
        "Against the PyTorch peers on this machine, in ratios measured side by side: "
        + "; ".join(parts)
        + f". Measured {stamps}; the tables are in "
        "[benchmarks](docs/benchmarks.md#side-by-side-with-the-pytorch-peers)."
    )


def step_overhead_section() -> str:
    r = load("step_overhead")
    if r is None:
        return "_No step-overhead results yet: run `python benchmarks/step_overhead.py`._"
    steps = next(iter(r["results"].values()))["steps"]
    header = ["paradigm", "our train_step, as `fit` runs it (images/s)"]
    header += ["bare forward+backward+update (images/s)", "step overhead (target < 10%)"]
    header += [f"`fit` call of {steps} steps, setup included (images/s)"]
    header += ["overhead with `fit`'s setup"]
    rows = []
    for name, o in r["results"].items():
        ok = "✓" if o["overhead"] < 0.10 else "✗"
        bare, fit = f"{o['bare_images_per_s']:,.0f}", f"{o['fit_images_per_s']:,.0f}"
        if "step_images_per_s" not in o:  # older result: fit only
            rows.append([name, "—", bare, "—", fit, f"{100 * o['overhead']:+.1f}%"])
            continue
        step = f"{o['step_images_per_s']:,.0f}"
        overhead = f"{100 * o['overhead']:+.1f}% {ok}"
        rows.append([name, step, bare, overhead, fit, f"{100 * o['fit_overhead']:+.1f}%"])
    lines = table(header, rows)
    lines += [
        "",
        "Fashion-MNIST-sized images in batches of each pipeline's size ("
        + ", ".join(f"{name} {o['batch_size']}" for name, o in r["results"].items())
        + "), each paradigm with the networks of its full pipeline config, one device; best of "
        f"{r.get('repeats', 3)} alternating runs. Measured {stamp(r)} by "
        "`python benchmarks/step_overhead.py`.",
    ]
    return "\n".join(lines)


def input_share_section() -> str:
    r = load("epoch_share")
    if r is None:
        return (
            "_Not measured yet: `python benchmarks/epoch_share.py` (a quiet machine, ~8 minutes)._"
        )
    ips, share = r["images_per_s"], r["input_share"]
    ok = "✓" if share < 0.05 else "✗"
    rounds = r.get("input_share_rounds")
    spread = f" (rounds {100 * min(rounds):.1f} to {100 * max(rounds):.1f}%)" if rounds else ""
    rows = [
        ("whole pipeline epoch (`fit` over the Transform's data)", f"{ips['pipeline']:,.0f}"),
        ("train step alone (the epoch's batches in memory)", f"{ips['step_alone']:,.0f}"),
        (
            f"**input-bound share of the epoch** (target < 5%) {ok}",
            f"**{100 * share:.1f}%**{spread}",
        ),
        (
            "input alone: the whole Transform (cache, shuffle, batch, op)",
            f"{ips['input_alone']:,.0f}",
        ),
        ("input alone: reading the source (ExampleGen, uncached)", f"{ips['read']:,.0f}"),
        (
            f"input alone: cached source, shuffle window {r['shuffle_buffer']:,}, batch",
            f"{ips['shuffle_batch']:,.0f}",
        ),
    ]
    rows += [
        (f"input alone: cached source, shuffle window {int(b):,}, batch", f"{v:,.0f}")
        for b, v in r["shuffle_windows_images_per_s"].items()
        if int(b) != r["shuffle_buffer"]
    ]
    lines = table(["`" + r["pipeline"] + "`, one epoch", "input images/s"], rows)
    lines += [
        "",
        f"{r['images']:,} training images, {r['steps']} steps of {r['batch_size']} an epoch; "
        f"medians of {r['rounds']} alternating rounds after a warm-up epoch (which took "
        f"{r['first_epoch_s']:.0f} s with the cache fill and tracing). Measured {stamp(r)} by "
        "`python benchmarks/epoch_share.py`.",
    ]
    return "\n".join(lines)


def precision_section() -> str:
    r = load("precision_rotation_fashion_mnist")
    if r is None:
        return "_Not measured yet: `python benchmarks/precision.py --seeds 0,1,2` (~45 minutes)._"
    s = r["summary"]

    def pm(d, scale=100.0, unit="%"):
        return f"{scale * d['mean']:.1f} ± {scale * d['sd']:.1f}{unit}"

    rows = [
        [
            precision,
            pm(s[precision]["linear_probe"]),
            pm(s[precision]["knn"]),
            pm(s[precision]["trainer_seconds"], 1.0, " s"),
        ]
        for precision in ("float32", "mixed_bfloat16")
    ]
    d = s["difference"]
    ok = "✓" if s["meets_target"] else "✗"
    rows.append(
        [
            f"**bfloat16 - float32, paired by seed** (target ≥ -0.3 points) {ok}",
            f"**{100 * d['linear_probe']['mean']:+.2f} ± {100 * d['linear_probe']['sd']:.2f}**",
            f"{100 * d['knn']['mean']:+.2f} ± {100 * d['knn']['sd']:.2f}",
            f"{s['trainer_speedup']['mean']:.2f}x float32's speed",
        ]
    )
    header = [f"`{r['pipeline']}`, `train.precision`", "linear probe (validation)"]
    header += ["kNN (validation)", "Trainer"]
    lines = table(header, rows)
    lines += [
        "",
        f"Seeds {', '.join(map(str, r['seeds']))}; pretrained on the training split minus "
        "its last 10%, measured on that carve with the test split forbidden (keeping the "
        f"lever is a choice). The Trainer's seconds are as measured, whatever else ran "
        "on the machine; the train-step speed of the lever is in the lever table above "
        f"(quiet, alternating rounds). Measured {stamp(r)} by `python benchmarks/precision.py`.",
    ]
    return "\n".join(lines)


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "op_speed": op_speed_section,
    "speed": speed_section,
    "peers": peers_section,
    "input_share": input_share_section,
    "precision": precision_section,
    "peers-headline": peers_headline,
    "step_overhead": step_overhead_section,
}
