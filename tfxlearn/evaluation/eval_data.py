"""`EvalData`: the labelled TFDS dataset an evaluation protocol runs on."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from tfxlearn import data as tfx_data
from tfxlearn.data.splits import VALIDATION_FRACTION, validation_splits

_ROLES = ("train", "test")


@dataclasses.dataclass(frozen=True)
class EvalData:
    """A labelled TFDS dataset read once into memory for the evaluation protocols.

    The arrays are loaded on first use through `tfxlearn.data.load` and cached on
    this instance, so comparing several encoders on one `EvalData` reads the data
    once. Two equal `EvalData` objects do not share the cache; pass the same
    instance around.

    Args:
        name: TFDS name, e.g. "fashion_mnist" or "digits".
        train_split: TFDS split the probes are trained on.
        test_split: TFDS split accuracy is reported on.
        image_key: feature holding the (uint8 or float) images.
        label_key: feature holding the integer class labels.
        data_dir: TFDS data directory (None: TFDS's default / $TFDS_DATA_DIR).
        max_train: use only the first `max_train` training examples (in the
            split's stored order, so the subset is deterministic); None for all.
        max_test: the same for the test split.
    """

    name: str
    train_split: str = "train"
    test_split: str = "test"
    image_key: str = "image"
    label_key: str = "label"
    data_dir: str | None = None
    max_train: int | None = None
    max_test: int | None = None
    _cache: dict = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty TFDS dataset name, got {self.name!r}")
        for field in ("max_train", "max_test"):
            value = getattr(self, field)
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
                raise ValueError(f"{field} must be a positive int or None, got {value!r}")

    def arrays(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        """The `(images, labels)` arrays of the train or test split.

        Args:
            role: "train" or "test".

        Returns:
            `images` as stored (uint8 [n, H, W, C] for image datasets) and
            `labels` as int64 [n].

        Raises:
            ValueError: unknown `role`, or the split is empty.
        """
        if role not in _ROLES:
            raise ValueError(f"role must be one of {_ROLES}, got {role!r}")
        if role not in self._cache:
            split = self.train_split if role == "train" else self.test_split
            limit = self.max_train if role == "train" else self.max_test
            try:
                ds = tfx_data.load(self.name, split, data_dir=self.data_dir)
            except ValueError as e:  # unknown name, or a split that selects nothing
                raise ValueError(
                    f"cannot load the {role} split {split!r} of dataset {self.name!r}: {e}"
                ) from e
            if limit is not None:
                ds = ds.take(limit)
            try:
                images, labels = tfx_data.as_arrays(ds, self.image_key, self.label_key)
            except ValueError:
                raise ValueError(
                    f"the {role} split {split!r} of dataset {self.name!r} is empty"
                ) from None
            labels = np.asarray(labels)
            if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(
                    f"label_key {self.label_key!r} of {self.name!r} must hold integer class "
                    f"labels (one per example), got dtype {labels.dtype} shape {labels.shape}"
                )
            if labels.min() < 0:
                raise ValueError(f"labels of {self.name!r} must be >= 0, got {labels.min()}")
            self._cache[role] = (images, labels.astype(np.int64))
        return self._cache[role]

    def validation(self, fraction: float = VALIDATION_FRACTION) -> EvalData:
        """This dataset for choosing settings: the test split replaced by validation.

        The validation split is the last `fraction` of the training split (in
        stored order) and the training split is the rest
        (`tfxlearn.data.validation_splits`); `max_train` / `max_test` apply to
        the two new splits. Selection code takes the result, never `self`, so
        that its "test" accuracy is a validation accuracy.
        """
        train, validation = validation_splits(self.train_split, fraction)
        return dataclasses.replace(self, train_split=train, test_split=validation)

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """`(images, labels)` of the training split (see `arrays`)."""
        return self.arrays("train")

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """`(images, labels)` of the test split (see `arrays`)."""
        return self.arrays("test")

    @functools.cached_property
    def num_classes(self) -> int:
        """Number of classes: the largest label in either split, plus one."""
        return int(max(self.train[1].max(), self.test[1].max())) + 1
