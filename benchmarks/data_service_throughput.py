"""Pretext throughput of a pipeline's Transform stage on the tf.data service:
1 vs 2 local workers, pipeline alone (no training), against the local pipeline.

    .venv/bin/python benchmarks/data_service_throughput.py [--epochs N] [PIPELINE...]

Default pipelines: rotation_fashion_mnist (a cheap op) and
exemplar_fashion_mnist (heavy per-image augmentation). For each, one epoch of
the Transform output (the pipeline's own `transform` with `train.data_service`
set, full training split) is drained locally and on a service with 1 and 2
workers; examples/s is the best of N timed epochs after a warm-up epoch.

The scaling figure uses workers in separate processes
(`LocalDataService(processes=True)`), as a deployed service has them: each
worker has its own tf.data runtime, its CPU time can be counted apart from the
trainer's, and every element crosses gRPC, as from a remote worker. In-process
workers are measured too, for comparison: they share the trainer's process
and TF may hand their elements over without RPC, so they do not stand for a
real deployment. Each row also records the CPU seconds the trainer process and
the worker processes spent per 1000 examples and how busy the whole machine
(all processes, other jobs included) was: on a machine with few cores the
ratio says more about those cores than about the service.

Writes benchmarks/results/data_service.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorflow as tf  # noqa: E402
from common import begin, write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402
from tfxlearn.data import service  # noqa: E402
from tfxlearn.training import EpochOrder  # noqa: E402

PIPELINES = ("rotation_fashion_mnist", "exemplar_fashion_mnist")
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _drain(ds: tf.data.Dataset, worker_pids: list[int]) -> dict:
    pids = [os.getpid(), *worker_pids]
    cpu0, (busy0, total0) = [_cpu_seconds(p) for p in pids], _machine_ticks()
    start, count = time.perf_counter(), 0
    for element in ds:
        count += int(tf.shape(tf.nest.flatten(element)[0])[0])
    seconds = time.perf_counter() - start
    cpu = [_cpu_seconds(p) - c for p, c in zip(pids, cpu0)]
    busy1, total1 = _machine_ticks()
    return {
        "examples_per_second": count / seconds,
        "examples": count,
        "trainer_cpu_seconds_per_1k": 1000 * cpu[0] / count,
        "worker_cpu_seconds_per_1k": 1000 * sum(cpu[1:]) / count if worker_pids else None,
        "machine_busy_fraction": (busy1 - busy0) / max(total1 - total0, 1),
    }


def _measure(ds: tf.data.Dataset, epochs: int, worker_pids=()) -> dict:
    _drain(ds, list(worker_pids))  # warm-up: tracing, job start, caches
    return max((_drain(ds, list(worker_pids)) for _ in range(epochs)), key=_rate)


def _rate(row: dict) -> float:
    return row["examples_per_second"]


def measure(name: str, epochs: int) -> dict:
    config = pipeline.load_config(name)
    source = pipeline.example_gen(config)
    rows = {"local": _measure(pipeline.transform(config, source, EpochOrder(0)), epochs)}
    for processes in (True, False):
        for workers in (1, 2):
            config["train"]["data_service"] = {"local_workers": workers}
            with service.LocalDataService(workers, processes=processes) as svc:
                ds = pipeline.transform(config, source, EpochOrder(0), service_target=svc.target)
                label = f"{workers} worker{'s' if workers > 1 else ''}"
                label += "" if processes else ", in-process"
                rows[label] = _measure(ds, epochs, svc.worker_pids)
    for key, row in rows.items():
        worker_cpu = row["worker_cpu_seconds_per_1k"]
        print(
            f"{name:24s} {key:24s} {row['examples_per_second']:9.0f} examples/s   "
            f"CPU s/1k examples: trainer {row['trainer_cpu_seconds_per_1k']:.3f}"
            + (f", workers {worker_cpu:.3f}" if worker_cpu is not None else "")
            + f"   machine busy {100 * row['machine_busy_fraction']:.0f}%",
            flush=True,
        )
    rates = {key: row["examples_per_second"] for key, row in rows.items()}
    result = {
        "examples_per_second": rates,
        "ratio_2_vs_1_workers": rates["2 workers"] / rates["1 worker"],
        "ratio_2_vs_1_workers_in_process": rates["2 workers, in-process"]
        / rates["1 worker, in-process"],
        "rows": rows,
    }
    print(
        f"{name:24s} 2 vs 1 worker processes: {result['ratio_2_vs_1_workers']:.2f}x "
        f"(in-process: {result['ratio_2_vs_1_workers_in_process']:.2f}x)",
        flush=True,
    )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipelines", nargs="*", default=list(PIPELINES))
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per row (best)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    cores = os.cpu_count()
    load = os.getloadavg()
    print(
        f"machine: {cores} CPU cores, shared: the trainer process, the service workers "
        f"and other jobs (load average {load[0]:.1f} at start) all run on them",
        flush=True,
    )
    start = time.perf_counter()
    results = {name: measure(name, args.epochs) for name in args.pipelines}
    write_result(
        "data_service",
        {
            "pipelines": results,
            "workers": "separate processes (in-process rows for comparison)",
            "timed_epochs": args.epochs,
            "load_average_start": load[0],
            "load_average_end": os.getloadavg()[0],
            "seconds": time.perf_counter() - start,
            "note": " ".join(__doc__.split("\n\n")[3].split()),
        },
    )


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main()
