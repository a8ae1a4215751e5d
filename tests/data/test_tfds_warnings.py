"""TFDS's own reads of its deprecated `.dtype` log nothing; a user's read still warns."""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import tfxlearn


def test_tfds_reading_dtype_itself_logs_nothing(deprecation_records):
    video = tfds.features.Video(shape=(2, 4, 4, 1))
    video.to_json_content()  # TFDS's Video reads self.dtype here
    decoded = video.decode_batch_example(
        tf.constant([[video.feature.encode_example(np.zeros((4, 4, 1), np.uint8))] * 2])
    )
    assert decoded.shape == (1, 2, 4, 4, 1)
    assert deprecation_records() == []


def test_a_users_own_dtype_read_still_warns(deprecation_records):
    assert tfds.features.Tensor(shape=(), dtype=np.int64).dtype == tf.int64
    assert deprecation_records() == ["`FeatureConnector.dtype` is deprecated (test)"]


def test_loading_a_video_dataset_is_quiet(deprecation_records, tfds_dir):
    ds = tfxlearn.data.load("moving_digits/tiny", "test", data_dir=tfds_dir)
    next(iter(ds))
    assert deprecation_records() == []
