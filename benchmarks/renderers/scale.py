"""Scale (docs/scale.md): Transform-stage throughput on tf.data service workers."""

from __future__ import annotations

from .common import load, stamp


def data_service_section() -> str:
    """Issue 6: Transform-stage throughput locally and on 1 / 2 tf.data service workers."""
    r = load("data_service")
    if r is None:
        return "_Not measured yet: run `python benchmarks/data_service_throughput.py`._"
    columns = ("local", "1 worker", "2 workers", "1 worker, in-process", "2 workers, in-process")
    lines = [
        "| pipeline | "
        + " | ".join(columns)
        + " | 2 vs 1 worker processes | worker CPU s / 1k examples (1 worker) |",
        "|---" * (len(columns) + 3) + "|",
    ]
    for name, row in r["pipelines"].items():
        rates = " | ".join(f"{row['examples_per_second'][c]:,.0f}" for c in columns)
        cpu = row["rows"]["1 worker"]["worker_cpu_seconds_per_1k"]
        lines.append(f"| {name} | {rates} | {row['ratio_2_vs_1_workers']:.2f}x | {cpu:.2f} |")
    load_average = (
        f"load average {r['load_average_start']:.1f} at the start, "
        f"{r['load_average_end']:.1f} at the end"
    )
    return (
        "\n".join(lines)
        + f"\n\nExamples/s, best of {r['timed_epochs']} epochs; {load_average}. _{stamp(r)}._"
    )


SECTIONS = {  # marker name -> the function rendering what goes between its markers
    "data_service": data_service_section,
}
