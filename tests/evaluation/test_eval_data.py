"""EvalData over the user's own arrays or tf.data datasets."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn import data as tfx_data
from tfxlearn import evaluation


def _arrays(n, seed):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = (rng.random((n, 8, 8, 1)) * 60 + labels[:, None, None, None] * 60).astype(np.uint8)
    return images, labels


def test_from_arrays_probes_like_a_tfds_dataset():
    data = evaluation.EvalData.from_arrays(_arrays(60, 0), _arrays(30, 1), name="mine")
    assert data.num_classes == 3 and data.test[0].shape == (30, 8, 8, 1)
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4,))
    result = evaluation.linear_probe(encoder, data)
    assert result["accuracy"] > 0.6  # the classes differ in brightness


def test_in_memory_splits_slice_limit_and_carve_validation():
    data = evaluation.EvalData.from_arrays(_arrays(50, 0), _arrays(20, 1), max_test=7)
    assert len(data.test[0]) == 7
    chosen = data.validation()
    with tfx_data.forbid_splits("test"):
        train_x, _ = chosen.train
        val_x, _ = chosen.test
        with pytest.raises(tfx_data.ForbiddenSplitError):
            dataclasses.replace(data).test  # noqa: B018  (a fresh copy reads again)
    np.testing.assert_array_equal(np.concatenate([train_x, val_x]), _arrays(50, 0)[0])
    assert len(val_x) == 5
    assert tfx_data.splits.select("train[10:-10]", {"train": 50}) == ("train", 10, 40)
    with pytest.raises(ValueError, match="combined"):
        tfx_data.splits.select("train+test", {"train": 50, "test": 2})


def test_from_dataset_takes_tuples_or_dicts():
    x, y = _arrays(12, 0)
    tuples = tf.data.Dataset.from_tensor_slices((x, y))
    dicts = tf.data.Dataset.from_tensor_slices({"img": x, "cls": y})
    a = evaluation.EvalData.from_dataset(tuples, tuples)
    b = evaluation.EvalData.from_dataset(dicts, dicts, image_key="img", label_key="cls")
    for data in (a, b):
        np.testing.assert_array_equal(data.train[0], x)
        np.testing.assert_array_equal(data.test[1], y)


def test_bad_user_data_is_refused_with_the_reason():
    x, y = _arrays(10, 0)
    with pytest.raises(ValueError, match="same number of examples"):
        evaluation.EvalData.from_arrays((x, y[:5]), (x, y))
    with pytest.raises(ValueError, match="differ in shape"):
        evaluation.EvalData.from_arrays((x, y), (x[:, :4], y))
    with pytest.raises(ValueError, match="tuples or dicts"):
        ds = tf.data.Dataset.from_tensor_slices({"pixels": x, "label": y})
        evaluation.EvalData.from_dataset(ds, ds)
    with pytest.raises(ValueError, match="integer class labels"):
        evaluation.EvalData.from_arrays((x, y.astype(float)), (x, y)).train  # noqa: B018
