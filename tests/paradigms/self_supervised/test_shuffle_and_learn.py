import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext import shuffle_and_learn, shuffle_and_learn_indices, shuffle_and_learn_tuples
from tfxlearn.pretext.shuffle_and_learn import high_motion_window_starts


def _coordinate_clips(batch=6, frames=16, size=8, still=0):
    """uint8 [batch, frames, size, size, 2]: channel 0 of frame t holds 10 * t (its
    index); channel 1 is still for the first `still` frames, then grows by 30 per frame
    (so only windows after `still` have high motion)."""
    t = np.arange(frames)
    index = 10 * t
    motion = np.where(t < still, 0, (t - still) * 30)
    frame = np.stack([index, motion], axis=-1).astype(np.uint8)  # [T, 2]
    clips = np.broadcast_to(frame[None, :, None, None, :], (batch, frames, size, size, 2))
    return np.ascontiguousarray(clips)


def _frame_index(frames):
    """The clip frame index a float frame of `_coordinate_clips` shows."""
    return np.rint(np.asarray(frames)[..., 0, 0, 0] * 255 / 10).astype(int)


def test_labels_say_whether_the_order_is_kept():
    clips = _coordinate_clips(batch=64)
    frames, labels = shuffle_and_learn_tuples(clips, tf.constant([3, 4]), window=8, min_motion=0)
    indices, labels_again = shuffle_and_learn_indices(
        clips, tf.constant([3, 4]), window=8, min_motion=0
    )
    assert frames.shape == (128, 3, 8, 8, 2) and frames.dtype == tf.float32
    labels, indices = labels.numpy(), indices.numpy()
    np.testing.assert_array_equal(labels_again, labels)
    # The frames are the clip frames the indices name, in slot order.
    np.testing.assert_array_equal(_frame_index(frames), indices)
    first, middle, last = indices.T
    in_order = (first < middle) & (middle < last)
    # Property: label 1 exactly when the middle frame lies between the outer ones.
    np.testing.assert_array_equal(labels, in_order.astype(np.int32))
    assert (first < last).all()
    # One positive then one negative per clip, sharing the outer frames.
    np.testing.assert_array_equal(labels, np.tile([1, 0], 64))
    np.testing.assert_array_equal(indices[0::2, [0, 2]], indices[1::2, [0, 2]])
    # Negatives take the middle frame from before and from after the interval.
    negatives = indices[1::2]
    assert (negatives[:, 1] < negatives[:, 0]).any() and (negatives[:, 1] > negatives[:, 2]).any()
    # All five frames of a clip come from one window of 8 frames.
    per_clip = indices.reshape(64, 6)
    assert (per_clip.max(1) - per_clip.min(1) <= 7).all()
    assert len(np.unique(per_clip.min(1))) > 4  # the window moves


def test_tuples_come_from_high_motion_windows():
    clips = _coordinate_clips(batch=32, still=8)  # frames 0..8 still in channel 1
    indices, _ = shuffle_and_learn_indices(clips, tf.constant([0, 1]), window=5, min_motion=0.9)
    assert indices.numpy().min() >= 8  # only windows within the moving part qualify
    starts = high_motion_window_starts(clips, tf.constant([0, 1]), 5, 0.9).numpy()
    assert set(starts) <= set(range(8, 12)) and len(set(starts)) > 1
    # min_motion=0: any window of the clip.
    starts = high_motion_window_starts(clips, tf.constant([0, 1]), 5, 0.0).numpy()
    assert starts.min() < 8
    # A clip without any motion falls back to any window (no NaN, no failure).
    still = np.zeros((4, 10, 4, 4, 1), np.uint8)
    starts = high_motion_window_starts(still, tf.constant([0, 1]), 5, 0.9).numpy()
    assert ((starts >= 0) & (starts <= 5)).all()


def test_dicts_and_tuples_of_clips_give_the_same_tuples():
    # Eager = Dataset.map and seeding: tests/pretext/test_pretext_contract.py.
    clips = np.random.default_rng(0).integers(0, 256, (12, 10, 8, 8, 1), np.uint8)
    ds = tf.data.Dataset.from_tensor_slices({"image": clips, "index": np.arange(12)}).batch(4)
    got = list(shuffle_and_learn(ds, window=6, seed=5).as_numpy_iterator())
    assert got[0][0].shape == (8, 3, 8, 8, 1) and got[0][1].dtype == np.int32
    tuples = tf.data.Dataset.from_tensor_slices((clips, np.arange(12))).batch(4)
    first = next(iter(shuffle_and_learn(tuples, window=6, seed=5)))
    np.testing.assert_array_equal(first[0], got[0][0])


def test_bad_inputs_have_clear_errors():
    clips = np.zeros((4, 4, 8, 8, 1), np.uint8)  # 4 frames: shorter than a 5-frame draw
    ds = tf.data.Dataset.from_tensor_slices(clips).batch(2)
    with pytest.raises(ValueError, match="fewer than the 5"):
        shuffle_and_learn(ds)
    long = tf.data.Dataset.from_tensor_slices(np.zeros((4, 6, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="window 8 is longer than the clips"):
        shuffle_and_learn(long)
    with pytest.raises(ValueError, match="window must be an int >= 5"):
        shuffle_and_learn(long, window=4)
    with pytest.raises(ValueError, match=r"min_motion must be in \[0, 1\]"):
        shuffle_and_learn(long, window=6, min_motion=1.5)
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        shuffle_and_learn(tf.data.Dataset.from_tensor_slices(np.zeros((4, 6, 8, 8, 1))))
    images = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="clip batches|single clips"):
        shuffle_and_learn(images)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        shuffle_and_learn(clips)
    with pytest.raises(ValueError, match="fewer than the 5"):
        shuffle_and_learn_tuples(clips, tf.constant([0, 0]), window=5)
    with pytest.raises(ValueError, match="rank 5"):
        shuffle_and_learn_indices(np.zeros((2, 8, 8)), tf.constant([0, 0]))


def test_paradigm_evaluates_the_frame_encoder_on_clips(tmp_path):
    encoder = tfxlearn.nets.conv_encoder((16, 16, 1), widths=(4, 8))
    model = tfxlearn.paradigms.get("shuffle_and_learn")(encoder=encoder, hidden=8)
    assert type(model).__name__ == "ShuffleAndLearn" and model.num_patches == 3
    clips = np.random.default_rng(1).integers(0, 256, (2, 8, 16, 16, 1), np.uint8)
    batch = shuffle_and_learn_tuples(clips, tf.constant([0, 0]), window=6)
    assert model(batch[0]).shape == (4, 2)
    clip_model = model.evaluation_encoder((8, 16, 16, 1), sample_frames=3)
    x = tf.cast(clips, tf.float32) / 255.0
    features = clip_model(x)
    assert features.shape == (2, 3 * 8)
    # The clip features are the frame encoder's features of frames 0, 4 (rounded 3.5), 7.
    want = tf.concat([encoder(x[:, t]) for t in (0, 4, 7)], axis=-1)
    np.testing.assert_allclose(features, want, atol=1e-5)
    keras.models.clone_model(clip_model)  # the random-init baseline clones it
    plot = tfxlearn.pretext.get_plot("shuffle_and_learn")
    path = plot(batch, str(tmp_path / "sal.png"), title="t", model=model)
    assert (tmp_path / "sal.png").stat().st_size > 0 and path.endswith("sal.png")
    assert tfxlearn.pretext.get("shuffle_and_learn") is shuffle_and_learn
