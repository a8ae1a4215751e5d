import itertools

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext import (
    sequence_sorting,
    sequence_sorting_frames,
    sequence_sorting_indices,
    unsort,
)
from tfxlearn.pretext.sequence_sorting import NUM_CLASSES, PERMUTATION_CLASSES, class_of


def _coordinate_clips(batch=6, frames=16, size=4, still=0):
    """uint8 [batch, frames, size, size, 2]: channel 0 of frame t holds 10 * t; channel
    1 is still for the first `still` frames, then grows by 30 per frame."""
    t = np.arange(frames)
    frame = np.stack([10 * t, np.where(t < still, 0, (t - still) * 30)], -1).astype(np.uint8)
    return np.ascontiguousarray(
        np.broadcast_to(frame[None, :, None, None, :], (batch, frames, size, size, 2))
    )


def _frame_index(frames):
    return np.rint(np.asarray(frames)[..., 0, 0, 0] * 255 / 10).astype(int)


def test_twelve_classes_pair_each_permutation_with_its_time_reversal():
    assert PERMUTATION_CLASSES.shape == (12, 4) and NUM_CLASSES == 12
    members = {tuple(p) for p in PERMUTATION_CLASSES} | {tuple(3 - p) for p in PERMUTATION_CLASSES}
    assert members == set(itertools.permutations(range(4)))  # 12 pairs cover all 24
    assert class_of((0, 1, 2, 3)) == class_of((3, 2, 1, 0)) == 0
    assert class_of((1, 0, 2, 3)) == class_of((2, 3, 1, 0))
    assert class_of((1, 0, 2, 3)) != class_of((3, 2, 0, 1))
    with pytest.raises(ValueError, match="permutation of 0..3"):
        class_of((0, 0, 1, 2))


def test_applying_the_inverse_permutation_restores_time_order_up_to_reversal():
    clips = _coordinate_clips(batch=256)
    frames, labels = sequence_sorting_frames(clips, tf.constant([4, 2]), window=8, min_motion=0)
    indices, labels_again = sequence_sorting_indices(
        clips, tf.constant([4, 2]), window=8, min_motion=0
    )
    indices, labels = indices.numpy(), labels.numpy()
    np.testing.assert_array_equal(labels_again, labels)
    assert frames.shape == (256, 4, 4, 4, 2) and frames.dtype == tf.float32
    np.testing.assert_array_equal(_frame_index(frames), indices)  # frames = named frames
    restored = _frame_index(unsort(frames, labels))
    steps = np.diff(restored, axis=-1)
    forward, backward = (steps > 0).all(-1), (steps < 0).all(-1)
    # Property: un-permuting by the class gives time order or its exact reversal.
    assert (forward | backward).all()
    assert forward.any() and backward.any()  # both members of a class are shown
    # ... and the class is the one of the slot order that was shown.
    ranks = np.argsort(np.argsort(indices, axis=-1), axis=-1)
    np.testing.assert_array_equal([class_of(r) for r in ranks], labels)
    assert set(labels) == set(range(12)) and labels.dtype == np.int32
    # All four frames come from one window of 8 frames.
    assert (np.ptp(indices, axis=-1) <= 7).all()


def test_frames_come_from_high_motion_windows():
    clips = _coordinate_clips(batch=64, still=8)
    indices, _ = sequence_sorting_indices(clips, tf.constant([0, 0]), window=4, min_motion=0.9)
    assert indices.numpy().min() >= 8
    indices, _ = sequence_sorting_indices(clips, tf.constant([0, 0]), window=4, min_motion=0.0)
    assert indices.numpy().min() < 8


def test_bad_inputs_have_clear_errors():
    short = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="fewer than the 4"):
        sequence_sorting(short)
    clips = tf.data.Dataset.from_tensor_slices(np.zeros((4, 6, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="window 8 is longer than the clips"):
        sequence_sorting(clips)
    with pytest.raises(ValueError, match="window must be an int >= 4"):
        sequence_sorting(clips, window=3)
    with pytest.raises(ValueError, match="min_motion must be"):
        sequence_sorting(clips, window=6, min_motion="high")
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        sequence_sorting(tf.data.Dataset.from_tensor_slices(np.zeros((4, 6, 8, 8, 1))))
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        sequence_sorting([np.zeros((2, 6, 8, 8, 1))])
    with pytest.raises(ValueError, match="fewer than the 4"):
        sequence_sorting_indices(np.zeros((2, 3, 4, 4, 1)), tf.constant([0, 0]), window=4)


def test_paradigm_fuses_pairs_and_evaluates_clips(tmp_path):
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4,))
    model = tfxlearn.paradigms.get("sequence_sorting")(encoder=encoder, hidden=5)
    clips = np.random.default_rng(1).integers(0, 256, (2, 6, 8, 8, 1), np.uint8)
    batch = sequence_sorting_frames(clips, tf.constant([0, 0]), window=6)
    assert model(batch[0]).shape == (2, 12)
    assert model.pair.output_shape[-1] == 5 and model.head.input_shape[-1] == 6 * 5
    # The pair layer sees (frame i, frame j) features: swapping two frames changes the logits.
    swapped = tf.gather(batch[0], [1, 0, 2, 3], axis=1)
    assert not np.allclose(model(swapped), model(batch[0]))
    clip_model = model.evaluation_encoder((6, 8, 8, 1), sample_frames=2)
    assert clip_model(tf.cast(clips, tf.float32)).shape == (2, 2 * 4)
    plot = tfxlearn.pretext.get_plot("sequence_sorting")
    path = plot(batch, str(tmp_path / "opn.png"), title="t", model=model)
    assert (tmp_path / "opn.png").stat().st_size > 0 and path.endswith("opn.png")
