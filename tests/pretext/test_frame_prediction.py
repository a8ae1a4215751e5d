"""The frame_prediction pretext op, the frame_prediction model protocol and its PNG strip."""

import os

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.evaluation import frame_prediction as protocol
from tfxlearn.pretext import frame_prediction, split_clips


def _frame_index_clips(batch=6, frames=12, size=4):
    """uint8 clips whose frame t is filled with 10 * t + clip: every pixel tells
    which clip and frame it comes from."""
    t = np.arange(frames)[None, :, None, None, None]
    b = np.arange(batch)[:, None, None, None, None]
    return np.broadcast_to(10 * t + b, (batch, frames, size, size, 1)).astype(np.uint8)


def _frames_of(windows, clip_count):
    """Frame numbers of float windows made from `_frame_index_clips`."""
    values = np.rint(np.asarray(windows)[:, :, 0, 0, 0] * 255.0).astype(int)
    return (values - np.arange(clip_count)[:, None]) // 10


def _ds(clips, batch=3, element="dict"):
    if element == "dict":
        ds = tf.data.Dataset.from_tensor_slices({"image": clips, "index": np.arange(len(clips))})
    elif element == "tuple":
        ds = tf.data.Dataset.from_tensor_slices((clips, np.zeros(len(clips), np.int64)))
    else:
        ds = tf.data.Dataset.from_tensor_slices(clips)
    return ds.batch(batch)


@pytest.mark.parametrize("element", ["dict", "tuple", "tensor"])
def test_fixed_windows_are_the_first_frames_in_order_as_floats(element):
    clips = _frame_index_clips()
    out = list(frame_prediction(_ds(clips, element=element), context=5, future=3))
    context = np.concatenate([c for c, _ in out])
    future = np.concatenate([f for _, f in out])
    assert context.shape == (6, 5, 4, 4, 1) and future.shape == (6, 3, 4, 4, 1)
    assert context.dtype == np.float32 and future.dtype == np.float32
    assert context.min() >= 0.0 and future.max() <= 1.0
    np.testing.assert_array_equal(_frames_of(context, 6), np.tile(np.arange(5), (6, 1)))
    np.testing.assert_array_equal(_frames_of(future, 6), np.tile(np.arange(5, 8), (6, 1)))
    # The window is the clip itself, scaled: context then future, nothing else.
    np.testing.assert_allclose(
        np.concatenate([context, future], 1), clips[:, :8].astype(np.float32) / 255.0
    )


def test_random_windows_are_consecutive_disjoint_and_seeded():
    clips = _frame_index_clips(batch=64, frames=12)

    def windows(seed):
        out = list(
            frame_prediction(_ds(clips, 16), context=4, future=3, random_start=True, seed=seed)
        )
        context = np.concatenate([c for c, _ in out])
        future = np.concatenate([f for _, f in out])
        return _frames_of(context, 64), _frames_of(future, 64)

    context, future = windows(0)
    starts = context[:, 0]
    # Property: context + future is one consecutive run of frames of the same clip.
    np.testing.assert_array_equal(
        np.concatenate([context, future], 1), starts[:, None] + np.arange(7)[None, :]
    )
    assert starts.min() >= 0 and starts.max() <= 12 - 7
    assert len(np.unique(starts)) >= 4  # drawn, not fixed
    again = windows(0)
    np.testing.assert_array_equal(again[0], context)  # same seed, same windows
    assert not np.array_equal(windows(1)[0], context)


def test_eager_and_dataset_map_agree():
    clips = _frame_index_clips(batch=3, frames=10)
    starts = tf.constant([0, 3, 1])
    eager = split_clips(tf.constant(clips), 4, 2, starts)
    mapped = next(
        iter(tf.data.Dataset.from_tensors(clips).map(lambda c: split_clips(c, 4, 2, starts)))
    )
    for a, b in zip(eager, mapped):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(_frames_of(eager[0], 3)[:, 0], [0, 3, 1])
    # The op on a dataset equals the batch function called eagerly (fixed windows).
    got = next(iter(frame_prediction(_ds(clips, 3), context=4, future=2)))
    want = split_clips(clips, 4, 2)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Float clips pass through unscaled.
    floats = clips.astype(np.float32) / 255.0
    np.testing.assert_allclose(split_clips(floats, 4, 2)[1], want[1], atol=1e-7)


def test_bad_inputs_are_refused_early():
    clips = _frame_index_clips(batch=4, frames=6)
    with pytest.raises(ValueError, match="6 frames, fewer than the 7"):
        frame_prediction(_ds(clips), context=4, future=3)
    with pytest.raises(ValueError, match="call ds.batch"):
        frame_prediction(tf.data.Dataset.from_tensor_slices(clips), context=2, future=2)
    with pytest.raises(ValueError, match="context must be a positive int"):
        frame_prediction(_ds(clips), context=0, future=2)
    with pytest.raises(ValueError, match="future must be a positive int"):
        frame_prediction(_ds(clips), context=2, future=1.5)
    with pytest.raises(ValueError, match="random_start must be a bool"):
        frame_prediction(_ds(clips), context=2, future=2, random_start="yes")
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        frame_prediction(clips, context=2, future=2)
    with pytest.raises(ValueError, match="image key"):
        frame_prediction(_ds(clips), context=2, future=2, image_key="video")
    with pytest.raises(ValueError, match="fewer than context"):
        split_clips(clips, 5, 2)
    assert tfxlearn.pretext.get("frame_prediction") is frame_prediction


# ----------------------------------------------------------------------------- protocol


class _Oracle:
    """Predicts from the test clips it was given (the truth, or a fixed guess)."""

    def __init__(self, clips, context, future, mode):
        self.clips, self.context, self.future, self.mode = clips, context, future, mode

    def predict_frames(self, context_frames, future, batch_size=64):
        assert context_frames.shape[1] == self.context and future == self.future
        truth = self.clips[: len(context_frames), self.context : self.context + future]
        truth = truth.astype(np.float32) / 255.0
        if self.mode == "truth":
            return truth
        if self.mode == "copy_last":
            return np.repeat(context_frames[:, -1:], future, axis=1)
        return np.full_like(truth, 0.5)


@pytest.fixture(scope="module")
def tiny_data():
    return tfxlearn.evaluation.EvalData("moving_digits/tiny", image_key="video")


def test_protocol_against_oracles_and_the_copy_last_baseline(tiny_data):
    clips, _ = tiny_data.test
    assert clips.shape == (16, 8, 32, 32, 1)
    truth = protocol.frame_prediction(_Oracle(clips, 4, 4, "truth"), tiny_data)
    assert truth["mse"] == 0.0 and truth["mse_first"] == 0.0
    np.testing.assert_allclose(truth["bce"], truth["bce_floor"], rtol=1e-6)
    assert truth["mse_gain_over_copy_last"] == truth["copy_last_mse"] > 0
    assert truth["bce_gain_over_copy_last"] > 0
    assert (truth["clips"], truth["context"], truth["future"]) == (16, 4, 4)
    # A model that copies the last frame is exactly the baseline: no gain.
    copy = protocol.frame_prediction(_Oracle(clips, 4, 4, "copy_last"), tiny_data)
    assert copy["bce_gain_over_copy_last"] == 0.0 and copy["mse_gain_over_copy_last"] == 0.0
    assert copy["mse_last"] >= copy["mse_first"]  # the digit moves further away
    # Constant 0.5: BCE is log 2 per pixel whatever the truth; MSE by hand.
    flat = protocol.frame_prediction(_Oracle(clips, 4, 4, "half"), tiny_data, max_clips=5)
    np.testing.assert_allclose(flat["bce"], np.log(2.0), rtol=1e-6)
    want = np.mean(np.square(clips[:5, 4:8].astype(np.float64) / 255.0 - 0.5))
    np.testing.assert_allclose(flat["mse"], want, rtol=1e-6)
    assert flat["clips"] == 5


def test_protocol_refuses_bad_setups(tiny_data):
    with pytest.raises(ValueError, match="predict_frames"):
        protocol.frame_prediction(object(), tiny_data)
    clips, _ = tiny_data.test
    with pytest.raises(ValueError, match="fit the clips' 8 frames"):
        protocol.frame_prediction(_Oracle(clips, 4, 4, "truth"), tiny_data, context=6, future=4)
    with pytest.raises(ValueError, match="max_clips"):
        protocol.frame_prediction(_Oracle(clips, 4, 4, "truth"), tiny_data, max_clips=0)
    images = tfxlearn.evaluation.EvalData("moving_digits/tiny", image_key="video")
    images._cache["test"] = (clips[:, 0], np.zeros(16, np.int64))  # frames, not clips
    with pytest.raises(ValueError, match="clips"):
        protocol.frame_prediction(_Oracle(clips, 4, 4, "truth"), images)
    assert tfxlearn.evaluation.model_protocol("frame_prediction") is protocol.frame_prediction


def test_errors_by_hand():
    truth = np.zeros((1, 2, 1, 2, 1))
    truth[0, 1, 0, 0, 0] = 1.0
    predicted = np.full_like(truth, 0.25)
    errors = protocol.prediction_errors(truth, predicted)
    # BCE: three zeros cost -log 0.75, the one cost -log 0.25.
    np.testing.assert_allclose(errors["bce"], (3 * -np.log(0.75) - np.log(0.25)) / 4)
    np.testing.assert_allclose(errors["mse"], (3 * 0.0625 + 0.5625) / 4)
    np.testing.assert_allclose(errors["mse_first"], 0.0625)
    np.testing.assert_allclose(errors["mse_last"], (0.0625 + 0.5625) / 2)
    np.testing.assert_array_equal(
        protocol.copy_last_frame(np.arange(6).reshape(2, 3, 1, 1, 1), 2)[:, :, 0, 0, 0],
        [[2, 2], [5, 5]],
    )
    with pytest.raises(ValueError, match="must match"):
        protocol.prediction_errors(truth, predicted[:, :1])


def test_strip_png(tmp_path):
    rng = np.random.default_rng(0)
    context, future = rng.uniform(size=(3, 4, 8, 8, 1)), rng.uniform(size=(3, 2, 8, 8, 1))
    path = tfxlearn.viz.frame_prediction_strip(
        context, future, str(tmp_path / "strip.png"), predicted=future[::-1], max_clips=2
    )
    assert os.path.getsize(path) > 1000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="predicted must have the shape"):
        tfxlearn.viz.frame_prediction_strip(context, future, path, predicted=future[:, :1])
    with pytest.raises(ValueError, match="same clips"):
        tfxlearn.viz.frame_prediction_strip(context[:2], future, path)
