"""Progress bars for tfxlearn's long steps other than `fit` (dataset generation,
feature extraction, probes, benchmarks): one tqdm bar on stderr with a count, a
rate and an ETA. `TFXLEARN_PROGRESS=0` turns them off (e.g. in logs)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

import keras
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


class StepProgress(keras.callbacks.Callback):
    """A Keras callback drawing one bar over `total` training steps (with ETA),
    for `fit` calls that run quietly (`verbose=0`) inside a longer stage."""

    def __init__(self, total: int, desc: str):
        super().__init__()
        self.total, self.desc, self.bar = int(total), desc, None

    def on_train_begin(self, logs=None):
        self.bar = tqdm(
            total=self.total,
            desc=self.desc,
            unit="step",
            disable=not enabled(),
            mininterval=0.5,
            dynamic_ncols=True,
            leave=False,
        )

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(1)

    def on_train_end(self, logs=None):
        self.bar.close()
