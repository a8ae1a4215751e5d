"""The validation carve and the guard that keeps the test split out of selections."""

import numpy as np
import pytest

from tfxlearn import data as tfx_data
from tfxlearn import evaluation
from tfxlearn.data import splits


def test_validation_splits_carve_the_last_fraction_of_train():
    assert tfx_data.validation_splits() == ("train[:90%]", "train[90%:]")
    assert tfx_data.validation_splits("train", 0.25) == ("train[:75%]", "train[75%:]")
    assert splits.base_names("train[:90%]+test") == {"train", "test"}


@pytest.mark.parametrize(
    "split, fraction",
    [
        ("train[:50%]", 0.1),
        ("train+test", 0.1),
        ("", 0.1),
        ("train", 0.0),
        ("train", 0.6),
        ("train", 0.125),
    ],
)
def test_bad_carves_are_refused(split, fraction):
    with pytest.raises(ValueError, match="train_split|fraction"):
        tfx_data.validation_splits(split, fraction)


@pytest.mark.parametrize("split", ["test", "test[:10]", "train[:50%]+test", " test[10%:] "])
def test_a_forbidden_split_is_refused_before_anything_is_read(tfds_dir, split):
    with tfx_data.forbid_splits("test"), pytest.raises(tfx_data.ForbiddenSplitError, match="test"):
        tfx_data.load("digits", split)


def test_the_guard_ends_with_its_block_and_nests(tfds_dir):
    with tfx_data.forbid_splits("test"):
        tfx_data.load("digits", "train[90%:]")  # the carve itself is allowed
        with tfx_data.forbid_splits("train"), pytest.raises(tfx_data.ForbiddenSplitError):
            tfx_data.load("digits", "train[:10]")
        tfx_data.load("digits", "train[:10]")
        with pytest.raises(tfx_data.ForbiddenSplitError):
            tfx_data.load("digits", "test")
    assert len(list(tfx_data.load("digits", "test").take(1))) == 1
    with pytest.raises(ValueError, match="split names"), tfx_data.forbid_splits():
        pass


def test_eval_data_validation_splits_train_disjointly(tfds_dir):
    full = evaluation.EvalData("digits")
    chosen = full.validation()
    assert (chosen.train_split, chosen.test_split) == ("train[:90%]", "train[90%:]")
    with tfx_data.forbid_splits("test"):
        train_x, train_y = chosen.train
        val_x, val_y = chosen.test
        # A probe on the validation EvalData never reads test; `full.test` would.
        with pytest.raises(tfx_data.ForbiddenSplitError):
            full.test  # noqa: B018
    all_x, all_y = full.train
    assert len(train_x) + len(val_x) == len(all_x)
    np.testing.assert_array_equal(np.concatenate([train_x, val_x]), all_x)
    np.testing.assert_array_equal(np.concatenate([train_y, val_y]), all_y)
    assert 0.09 < len(val_x) / len(all_x) < 0.11
