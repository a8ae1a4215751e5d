"""Run several protocols on several encoders and print the comparison table."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import keras
from absl import logging

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import feature_cache
from tfxlearn.evaluation.finetuning import fine_tune, low_shot
from tfxlearn.evaluation.layerwise import layerwise_probe
from tfxlearn.evaluation.linear import linear_probe
from tfxlearn.evaluation.nearest_neighbors import knn
from tfxlearn.evaluation.verification import verification
from tfxlearn.progress import progress

#: Protocol name -> function(encoder, data, **kwargs) -> metrics dict.
PROTOCOLS: dict[str, Callable[..., dict]] = {
    "linear_probe": linear_probe,
    "layerwise_probe": layerwise_probe,
    "knn": knn,
    "fine_tune": fine_tune,
    "low_shot": low_shot,
    "verification": verification,
}

DEFAULT_PROTOCOLS: dict[str, dict] = {"linear_probe": {}, "knn": {}}


def protocol(name: str) -> Callable[..., dict]:
    """The protocol function called `name`; a `/suffix` is ignored ("low_shot/100").

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    base = name.split("/", 1)[0] if isinstance(name, str) else name
    if base not in PROTOCOLS:
        raise ValueError(
            f"unknown protocol {name!r}; known protocols: {', '.join(PROTOCOLS)} "
            "(optionally with a '/label' suffix, e.g. 'low_shot/100')"
        )
    return PROTOCOLS[base]


def compare(
    encoders: Mapping[str, keras.Model],
    data: EvalData,
    protocols: Mapping[str, Mapping] | None = None,
) -> dict[str, dict[str, dict]]:
    """Evaluates every encoder with every protocol on `data`.

    Each encoder's frozen features are extracted once and shared by the
    frozen-feature protocols (linear probe, kNN); fine-tuning protocols train
    copies, so the encoders are unchanged afterwards. A progress bar counts the
    (encoder, protocol) runs; one log line (absl, INFO)
    per (encoder, protocol) reports the accuracy and the wall time, which is
    also added to the metrics as "seconds". Every report carries its two
    baselines (docs/architecture.md section 9): pass `random_encoder(enc)` and
    `supervised_encoder(enc, data, ...)` among `encoders`.

    Args:
        encoders: row name -> encoder, e.g. {"rotation": ..., "random": ...,
            "supervised": ...}.
        data: the labelled dataset.
        protocols: column name -> keyword arguments of that protocol. A column
            name is a key of `PROTOCOLS`, optionally with a "/label" suffix to
            run one protocol with several settings (e.g. {"low_shot/10":
            {"labels_per_class": 10}, "low_shot/100": {"labels_per_class": 100}}).
            Default: linear probe and kNN with their default settings.

    Returns:
        `{encoder_name: {protocol_name: metrics}}` in the given orders.

    Raises:
        ValueError: an unknown protocol name (checked before anything runs),
            or no encoders.
    """
    if protocols is None:
        protocols = DEFAULT_PROTOCOLS
    if not encoders:
        raise ValueError("encoders must name at least one encoder")
    if not protocols:
        raise ValueError("protocols must name at least one protocol")
    functions = {name: protocol(name) for name in protocols}
    for name, kwargs in protocols.items():
        if not isinstance(kwargs, Mapping):
            raise ValueError(
                f"protocols[{name!r}] must be a dict of keyword arguments, got {kwargs!r}"
            )
    results: dict[str, dict[str, dict]] = {}
    runs = [(e, p) for e in encoders for p in protocols]
    bar = progress(runs, total=len(runs), desc=f"evaluation on {data.name}", unit="probe")
    with feature_cache():
        for encoder_name, name in bar:
            start = time.perf_counter()
            metrics = dict(functions[name](encoders[encoder_name], data, **protocols[name]))
            metrics["seconds"] = time.perf_counter() - start
            logging.info(
                "%s / %s on %s: accuracy %.4f (%.1f s)",
                encoder_name,
                name,
                data.name,
                metrics.get("accuracy", float("nan")),
                metrics["seconds"],
            )
            results.setdefault(encoder_name, {})[name] = metrics
    return results


def format_table(results: Mapping[str, Mapping[str, Mapping]], metric: str = "accuracy") -> str:
    """A plain-text table: encoders as rows, protocols as columns.

    Metrics whose name contains "accuracy" are shown as percentages with one
    decimal; others with 4 significant digits. A missing value shows as "-".

    Args:
        results: the output of `compare`.
        metric: which metric of each protocol to show.

    Returns:
        The table, one line per encoder after a header line, no trailing newline.
    """
    columns: list[str] = []
    for per_protocol in results.values():
        columns += [name for name in per_protocol if name not in columns]

    def cell(value) -> str:
        if value is None:
            return "-"
        if "accuracy" in metric:
            return f"{100.0 * float(value):.1f}"
        return f"{float(value):.4g}"

    rows = [["encoder", *columns]]
    for encoder_name, per_protocol in results.items():
        rows.append(
            [
                str(encoder_name),
                *(cell(per_protocol.get(c, {}).get(metric)) for c in columns),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
