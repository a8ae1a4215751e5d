"""Progress bars for tfxlearn's long steps other than `fit` (dataset generation,
feature extraction, probes, benchmarks): one tqdm bar on stderr with a count, a
rate and an ETA. `TFXLEARN_PROGRESS=0` turns them off (e.g. in logs)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def enabled() -> bool:
    return os.environ.get("TFXLEARN_PROGRESS", "1") not in ("0", "false", "no")


def progress(
    iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it"
) -> Iterator[T]:
    """`iterable`, with a progress bar (count, rate, ETA when `total` is known)."""
    return iter(
        tqdm(
            iterable,
            total=total,
            desc=desc,
            unit=unit,
            disable=not enabled(),
            mininterval=0.5,
            dynamic_ncols=True,
            leave=False,
        )
    )
