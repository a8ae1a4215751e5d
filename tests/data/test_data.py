import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfxlearn
from tfxlearn.data.idx import read_idx


@pytest.mark.slow
def test_fashion_mnist_builder_matches_tfds_features_and_splits(tfds_dir):
    builder = tfds.builder("fashion_mnist")
    assert isinstance(builder, tfxlearn.data.fashion_mnist.FashionMnist)
    builder.download_and_prepare()
    info = builder.info
    assert str(info.version) == "3.0.1"
    assert info.features["image"].shape == (28, 28, 1)
    assert info.features["label"].num_classes == 10
    assert info.features["label"].names[0] == "T-shirt/top"
    assert info.splits["train"].num_examples == 60_000
    assert info.splits["test"].num_examples == 10_000
    ds = tfds.load("fashion_mnist", split="test")
    images, labels = tfxlearn.data.as_arrays(ds)
    assert images.shape == (10_000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert np.bincount(labels).tolist() == [1000] * 10  # the test split is balanced
    raw = read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    # TFDS stores the images in order; every IDX image is served unchanged.
    np.testing.assert_array_equal(
        np.sort(images.reshape(10_000, -1).sum(1)),
        np.sort(raw.reshape(10_000, -1).sum(1, dtype=np.int64)),
    )


def test_digits_builder(tfds_dir):
    train = tfxlearn.data.load("digits", "train")
    test = tfxlearn.data.load("digits", "test")
    x_train, y_train = tfxlearn.data.as_arrays(train)
    x_test, y_test = tfxlearn.data.as_arrays(test)
    assert x_train.shape == (1438, 8, 8, 1) and x_test.shape == (359, 8, 8, 1)
    assert x_train.dtype == np.uint8 and x_train.max() == 255
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_unknown_dataset_lists_known_names():
    with pytest.raises(ValueError, match="unknown dataset 'fashoin_mnist'.*digits.*fashion_mnist"):
        tfxlearn.data.load("fashoin_mnist", "train")


def test_missing_debian_files_say_how_to_install(tmp_path, subprocess_env):
    env = dict(
        subprocess_env,
        TFXLEARN_FASHION_MNIST_DIR=str(tmp_path / "nowhere"),
        TFDS_DATA_DIR=str(tmp_path / "tfds"),
    )
    code = "import tfxlearn, tensorflow_datasets as tfds; tfds.load('fashion_mnist', split='test')"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0
    assert "apt-get install -y dataset-fashion-mnist" in proc.stderr
    assert not os.path.exists(tmp_path / "tfds" / "fashion_mnist" / "3.0.1")


def test_idx_reader_rejects_corrupt_files(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(bad)
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(bad)
    good = tmp_path / "good.idx"
    good.write_bytes(b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03" + bytes(range(6)))
    np.testing.assert_array_equal(read_idx(good), np.arange(6).reshape(2, 3))


def test_generating_a_dataset_leaves_the_global_random_states_alone(tmp_path):
    """TFDS draws from Python's `random` while generating; Keras seeds its
    initializers from it: a seeded run must not depend on whether its data was
    generated on first use (prepare restores the states)."""
    import random

    import keras

    def draws():
        return random.random(), np.random.rand(), keras.initializers.GlorotUniform()((2, 2))

    keras.utils.set_random_seed(0)
    expected = draws()
    keras.utils.set_random_seed(0)
    builder = tfxlearn.data.prepare(tfds.builder("digits", data_dir=str(tmp_path)))
    assert builder.is_prepared()
    after = draws()
    assert after[:2] == expected[:2]
    np.testing.assert_array_equal(after[2], expected[2])
