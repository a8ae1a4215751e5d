"""Renders benchmarks/results/*.json into README.md between the result markers."""

from __future__ import annotations

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(os.path.dirname(HERE), "README.md")


def _load(name):
    path = os.path.join(HERE, "results", f"{name}.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _stamp(r):
    dirty = " (uncommitted changes)" if r.get("dirty") else ""
    return (
        f"{r['date']}, commit `{r['commit']}`{dirty}, TensorFlow {r['tensorflow']}, "
        f"{r['cpu_count']} CPU cores"
    )


def quality_section() -> str:
    r = _load("quality_rotation_fashion_mnist")
    if r is None:
        return "_No quality results yet: run `make bench`._"
    protocols = list(next(iter(r["results"].values())))
    lines = [
        "| encoder | " + " | ".join(f"{p} test acc (%)" for p in protocols) + " |",
        "|---|" + "---|" * len(protocols),
    ]
    for encoder, row in r["results"].items():
        cells = [f"{100 * row[p]['accuracy']:.1f}" for p in protocols]
        lines.append(f"| {encoder} | " + " | ".join(cells) + " |")
    t = r["config"]["train"]
    s = r["seconds"]
    lines += [
        "",
        f"Fashion-MNIST, `conv_encoder()` (3 blocks, 32/64/128, global average pooling); "
        f"rotation pretraining {t['epochs']} epochs at batch {t['batch_size']} images "
        f"(x4 rotations); all-labels baseline {r['config']['evaluation']['supervised_epochs']} "
        f"epochs. Wall time: training {s['trainer']:.0f} s, evaluation {s['evaluator']:.0f} s. "
        f"Measured {_stamp(r)} by `python benchmarks/quality.py`.",
    ]
    return "\n".join(lines)


def speed_section() -> str:
    r = _load("speed")
    if r is None:
        return "_No speed results yet: run `make bench`._"
    p, t = r["pretext_rotation"], r["training"]
    rows = [
        ("rotation op in tf.data, vectorized (samples/s)", f"{p['vectorized_samples_per_s']:,.0f}"),
        ("same op, per-sample NumPy (samples/s)", f"{p['numpy_per_sample_samples_per_s']:,.0f}"),
        (
            "same op, per-element tf.data map (samples/s)",
            f"{p['per_element_tf_samples_per_s']:,.0f}",
        ),
        ("**vectorized / NumPy**", f"**{p['speedup_vs_numpy']:.1f}x**"),
        ("vectorized / per-element map", f"{p['speedup_vs_per_element']:.1f}x"),
        (f"rotation train step (images/s, batch {t['global_batch']})", f"{t['images_per_s']:,.0f}"),
        ("achieved GFLOP/s (3 x forward FLOPs x images/s)", f"{t['achieved_gflops']:.1f}"),
        ("float32 matmul rate of this machine (GFLOP/s)", f"{t['matmul_gflops']:.1f}"),
        ("**training / matmul rate**", f"**{100 * t['fraction_of_matmul_rate']:.0f}%**"),
    ]
    lines = ["| measurement | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    lines += ["", f"Measured {_stamp(r)} by `python benchmarks/speed.py`."]
    return "\n".join(lines)


def render(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {marker}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main():
    with open(README) as f:
        text = f.read()
    text = render(text, "quality", quality_section())
    text = render(text, "speed", speed_section())
    with open(README + ".tmp", "w") as f:
        f.write(text)
    os.replace(README + ".tmp", README)
    print(f"rendered results into {README}")


if __name__ == "__main__":
    main()
