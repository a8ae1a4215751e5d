"""`EvalData`: the labelled TFDS dataset an evaluation protocol runs on."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import tensorflow as tf

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
        image_size: (height, width, channels) to resize the images to (bilinear;
            1 <-> 3 channels), for images of another size than the encoder's or
            of several sizes (a folder of your own: name "folder:/path").
    """

    name: str
    train_split: str = "train"
    test_split: str = "test"
    image_key: str = "image"
    label_key: str = "label"
    data_dir: str | None = None
    max_train: int | None = None
    max_test: int | None = None
    image_size: tuple | None = None
    in_memory: dict | None = dataclasses.field(default=None, repr=False, compare=False, hash=False)
    _cache: dict = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def from_arrays(
        cls,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        name: str = "arrays",
        **options,
    ) -> EvalData:
        """An `EvalData` over in-memory `(images, labels)` pairs instead of TFDS.

        Args:
            train: `(images [n, H, W, C] uint8 in [0, 255] or float in [0, 1],
                labels [n] ints >= 0)` the probes are trained on.
            test: the same for the split accuracy is reported on.
            name: a name for messages and reports.
            **options: other fields (`max_train`, `max_test`, ...).

        Splits are "train" and "test" and may be sliced as in TFDS
        ("train[:90%]"), so `validation()` and `forbid_splits` work as on TFDS data.
        """
        memory = {}
        for role, pair in (("train", train), ("test", test)):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ValueError(f"{role} must be an (images, labels) pair, got {type(pair)}")
            images, labels = np.asarray(pair[0]), np.asarray(pair[1])
            if images.ndim < 2 or len(images) != len(labels):
                raise ValueError(
                    f"{role}: images {images.shape} and labels {labels.shape} must hold the "
                    "same number of examples"
                )
            memory[role] = (images, labels)
        if memory["train"][0].shape[1:] != memory["test"][0].shape[1:]:
            raise ValueError(
                f"train images {memory['train'][0].shape[1:]} and test images "
                f"{memory['test'][0].shape[1:]} differ in shape"
            )
        return cls(name, in_memory=memory, **options)

    @classmethod
    def from_dataset(
        cls,
        train: tf.data.Dataset,
        test: tf.data.Dataset,
        name: str = "dataset",
        image_key: str = "image",
        label_key: str = "label",
        **options,
    ) -> EvalData:
        """An `EvalData` over unbatched `tf.data.Dataset`s of `{image_key, label_key}`
        dicts or `(image, label)` tuples, read into memory once."""

        def read(ds, role):
            if not isinstance(ds, tf.data.Dataset):
                raise TypeError(f"{role} must be a tf.data.Dataset, got {type(ds).__name__}")
            if isinstance(ds.element_spec, tuple):
                ds = ds.map(lambda image, label: {image_key: image, label_key: label})
            elif not isinstance(ds.element_spec, dict) or {image_key, label_key} - set(
                ds.element_spec
            ):
                raise ValueError(
                    f"{role} elements must be (image, label) tuples or dicts with "
                    f"{image_key!r} and {label_key!r}, got {ds.element_spec}"
                )
            try:
                return tfx_data.as_arrays(ds, image_key, label_key)
            except ValueError:
                raise ValueError(f"the {role} dataset is empty") from None

        return cls.from_arrays(read(train, "train"), read(test, "test"), name, **options)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty TFDS dataset name, got {self.name!r}")
        if self.image_size is not None:
            object.__setattr__(
                self, "image_size", tfx_data.folder.check_image_size(self.image_size)
            )
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
            images, labels = (self._read_memory if self.in_memory else self._read_tfds)(
                role, split, limit
            )
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

    def _read_tfds(self, role: str, split: str, limit: int | None):
        try:
            ds = tfx_data.load(
                self.name,
                split,
                data_dir=self.data_dir,
                image_size=self.image_size,
                image_key=self.image_key,
            )
        except ValueError as e:  # unknown name, or a split that selects nothing
            raise ValueError(
                f"cannot load the {role} split {split!r} of dataset {self.name!r}: {e}"
            ) from e
        if limit is not None:
            ds = ds.take(limit)
        try:
            return tfx_data.as_arrays(ds, self.image_key, self.label_key)
        except tf.errors.InvalidArgumentError:
            raise ValueError(
                f"the {role} split {split!r} of dataset {self.name!r} holds images of "
                "different sizes: pass image_size=(height, width, channels) to resize them "
                "(a pipeline config's dataset.image_size)"
            ) from None
        except ValueError:
            raise ValueError(
                f"the {role} split {split!r} of dataset {self.name!r} is empty"
            ) from None

    def _read_memory(self, role: str, split: str, limit: int | None):
        tfx_data.splits.check_allowed(self.name, split)
        sizes = {k: len(v[1]) for k, v in self.in_memory.items()}
        base, start, stop = tfx_data.splits.select(split, sizes)
        if limit is not None:
            stop = min(stop, start + limit)
        if stop <= start:
            raise ValueError(f"the {role} split {split!r} of {self.name!r} is empty")
        images, labels = self.in_memory[base]
        return images[start:stop], labels[start:stop]

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
