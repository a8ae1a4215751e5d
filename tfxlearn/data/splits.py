"""Validation splits carved from the training split, and a guard that keeps the
test split out of every selection run.

Every choice behind a published number (a hyperparameter, a budget, a layer, a
seed) is made on a validation split; the test split is read once, for the final
number (docs/architecture.md section 18). Two pieces make that structural:

- `validation_splits(train_split, fraction)`: the TFDS split strings of the
  carve. The validation split is the **last** `fraction` of the training split
  in its stored order (TFDS's percent slicing, so it needs no seed and is the
  same in every process and on every machine); the rest is the new training
  split. The same carve serves the method and its baselines.
- `forbid_splits("test")`: while active, `tfxlearn.data.load` refuses any split
  whose base name is forbidden (`"test"`, `"test[:50%]"`, `"train+test"`), with
  `ForbiddenSplitError`. Selection runs (`benchmarks/selection.py`) run inside it,
  so a selection that reads the test split fails instead of silently tuning on it.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading

VALIDATION_FRACTION = 0.1  # the documented default carve: the last 10% of `train`

_state = threading.local()


class ForbiddenSplitError(RuntimeError):
    """A split was read while `forbid_splits` forbids it (a selection run read test).

    A `RuntimeError`, not a `ValueError`, so that callers which turn a bad split
    name into a friendlier `ValueError` do not swallow it.
    """


def base_names(split: str) -> set[str]:
    """The split names a TFDS split string reads: `"train[:90%]+test"` -> {train, test}."""
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty TFDS split string, got {split!r}")
    return {re.sub(r"\[.*\]$", "", part.strip()) for part in split.split("+")}


def validation_splits(
    train_split: str = "train", fraction: float = VALIDATION_FRACTION
) -> tuple[str, str]:
    """`(train, validation)` TFDS split strings carved from `train_split`.

    Args:
        train_split: a whole TFDS split name ("train"), not already sliced.
        fraction: share of `train_split` held out for validation, in (0, 0.5].

    Returns:
        e.g. `("train[:90%]", "train[90%:]")` for the defaults.

    Raises:
        ValueError: `train_split` is sliced or combined, or `fraction` is outside
            (0, 0.5] or not a whole percent.
    """
    if not isinstance(train_split, str) or not re.fullmatch(r"[A-Za-z0-9_]+", train_split):
        raise ValueError(
            f"train_split must be a whole split name such as 'train' (no slice or '+'), "
            f"got {train_split!r}"
        )
    percent = fraction * 100
    if not 0 < fraction <= 0.5 or abs(percent - round(percent)) > 1e-9:
        raise ValueError(
            f"fraction must be a whole percent in (0, 0.5] (e.g. 0.1), got {fraction!r}"
        )
    keep = 100 - round(percent)
    return f"{train_split}[:{keep}%]", f"{train_split}[{keep}%:]"


def select(split: str, sizes: dict[str, int]) -> tuple[str, int, int]:
    """`(split name, start, stop)` of a one-part TFDS split string over in-memory
    splits of `sizes` ("train", "train[:90%]", "test[10:20]"); percent bounds
    are rounded to the closest example, as TFDS does.

    Raises:
        ValueError: a combined split ("a+b"), an unknown name or a bad slice.
    """
    match = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*(?:\[(-?\d*)(%?):(-?\d*)(%?)\])?\s*", split)
    if not match:
        raise ValueError(
            f"split {split!r}: in-memory data takes 'name' or 'name[start:stop]' "
            "(ints or percents), not combined splits"
        )
    name, start, start_pct, stop, stop_pct = match.groups()
    if name not in sizes:
        raise ValueError(f"split {split!r}: no split {name!r}; splits: {sorted(sizes)}")
    n = sizes[name]

    def bound(text, percent, default):
        if not text:
            return default
        value = int(text)
        value = int(math.floor(n * value / 100 + 0.5)) if percent else value
        return max(0, min(n, value + n if value < 0 else value))

    return name, bound(start, start_pct, 0), bound(stop, stop_pct, n)


@contextlib.contextmanager
def forbid_splits(*names: str):
    """Within the block, `tfxlearn.data.load` raises `ForbiddenSplitError` for `names`.

    Nested blocks add to the forbidden set. The set is per thread (tf.data's own
    threads never call `load`).
    """
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"forbid_splits needs one or more split names, got {names!r}")
    previous = getattr(_state, "forbidden", frozenset())
    _state.forbidden = previous | frozenset(names)
    try:
        yield
    finally:
        _state.forbidden = previous


def check_allowed(dataset: str, split: str) -> None:
    """Raises `ForbiddenSplitError` if `split` reads a split `forbid_splits` forbids."""
    forbidden = getattr(_state, "forbidden", frozenset())
    read = base_names(split) & forbidden
    if read:
        raise ForbiddenSplitError(
            f"split {split!r} of dataset {dataset!r} reads {sorted(read)}, which this "
            "selection run may not read: choices are made on the validation split carved "
            "from the training split (tfxlearn.data.splits.validation_splits); the test "
            "split is read once, for the final number"
        )
