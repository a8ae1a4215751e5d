"""Slow and steady features: the tuple op (eager vs tf.data, properties, bad input),
the losses on hand-made embeddings, and the paradigm's loss and evaluation encoder."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import clip_dataset

import tfxlearn
from tfxlearn.paradigms.self_supervised.slow_steady import SlownessLoss, SteadinessLoss
from tfxlearn.pretext import slow_steady, slow_steady_tuples
from tfxlearn.pretext.slow_steady import valid_pairs

T, SIZE = 10, 8


def _clips(batch=6, frames=T):
    """uint8 clips whose pixel values encode (clip, frame): every frame is unique."""
    out = np.zeros((batch, frames, SIZE, SIZE, 1), np.uint8)
    for i in range(batch):
        for t in range(frames):
            out[i, t, 0, 0, 0] = i
            out[i, t, 0, 1, 0] = t
            out[i, t, 1:] = 10 * i + t
    return out


@pytest.mark.parametrize("far", ["same_clip", "other_clip"])  # "mixed": test_pretext_contract.py
def test_eager_equals_dataset_map(far):
    clips = _clips()
    ds = slow_steady(clip_dataset(clips), far=far, min_gap=2, tuples_per_clip=2, seed=5)
    batches = list(ds)
    assert len(batches) == 2
    for i, frames in enumerate(batches):
        eager = slow_steady_tuples(
            tf.constant(clips[3 * i : 3 * i + 3]),
            tf.constant([5, i]),
            far=far,
            min_gap=2,
            tuples_per_clip=2,
        )
        np.testing.assert_array_equal(frames.numpy(), eager["frames"].numpy())
        assert frames.shape == (6, 4, SIZE, SIZE, 1) and frames.dtype == tf.float32


@pytest.mark.parametrize("far", ["mixed", "same_clip", "other_clip"])
def test_triplets_are_consecutive_frames_of_one_clip_and_the_far_frame_is_far(far):
    clips = _clips(batch=8)
    gap = 3
    out = slow_steady_tuples(
        tf.constant(clips), tf.constant([1, 2]), far=far, min_gap=gap, tuples_per_clip=4
    )
    frames, source = out["frames"].numpy(), out["source"].numpy()
    assert source.shape == (32, 4, 2)
    # Each slot is the frame its source names (read back from the pixel code).
    np.testing.assert_array_equal(np.rint(frames[:, :, 0, 0, 0] * 255), source[..., 0])
    np.testing.assert_array_equal(np.rint(frames[:, :, 0, 1, 0] * 255), source[..., 1])
    home = np.repeat(np.arange(8), 4)
    np.testing.assert_array_equal(source[:, :3, 0], np.stack([home] * 3, 1))
    t = source[:, 0, 1]
    np.testing.assert_array_equal(source[:, :3, 1], t[:, None] + np.arange(3))
    f = source[:, 3, 1]
    assert ((f <= t - gap) | (f >= t + 2 + gap)).all()  # not within the window
    assert ((t >= 0) & (t <= T - 3)).all() and ((f >= 0) & (f < T)).all()
    same = source[:, 3, 0] == home
    if far == "same_clip":
        assert same.all()
    elif far == "other_clip":
        assert not same.any()
    else:
        assert same.any() and not same.all()


def test_valid_pairs_cover_every_far_frame_and_refuse_short_clips():
    pairs = valid_pairs(10, 4)
    want = {(t, f) for t in range(8) for f in range(10) if f <= t - 4 or f >= t + 6}
    assert set(map(tuple, pairs)) == want and len(pairs) == len(want)
    assert not pairs.flags.writeable
    with pytest.raises(ValueError, match="need at least 7"):
        valid_pairs(6, 4)


def test_bad_input_is_refused_clearly():
    clips = _clips(batch=4, frames=6)
    with pytest.raises(ValueError, match="clips have 6 frames.*need at least 7"):
        slow_steady(clip_dataset(clips), min_gap=4)
    with pytest.raises(ValueError, match="fewer than the 3"):
        slow_steady(clip_dataset(clips[:, :2]), min_gap=1)
    with pytest.raises(ValueError, match="expect batches of clips"):
        slow_steady(tf.data.Dataset.from_tensor_slices(clips[:, 0]).batch(2))  # images
    with pytest.raises(ValueError, match="far must be one of"):
        slow_steady(clip_dataset(clips), far="elsewhere", min_gap=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="min_gap must be an integer >= 1"):
            slow_steady(clip_dataset(clips), min_gap=bad)
        with pytest.raises(ValueError, match="tuples_per_clip must be an integer >= 1"):
            slow_steady(clip_dataset(clips), min_gap=2, tuples_per_clip=bad)
    with pytest.raises(TypeError, match="must be a tf.data.Dataset"):
        slow_steady(clips)
    dynamic = tf.data.Dataset.from_generator(
        lambda: iter([clips]), output_signature=tf.TensorSpec([None, None, SIZE, SIZE, 1], tf.uint8)
    )
    with pytest.raises(ValueError, match="frame count .* must be static"):
        slow_steady(dynamic)


def _reference(z, m_slow, m_steady):
    """Per-tuple losses written directly from the formulas (NumPy)."""
    z = np.asarray(z, np.float64)
    d = np.linalg.norm
    slow = 0.5 * (d(z[:, 0] - z[:, 1], axis=-1) ** 2 + d(z[:, 1] - z[:, 2], axis=-1) ** 2)
    slow += np.maximum(0, m_slow - d(z[:, 0] - z[:, 3], axis=-1)) ** 2
    v = z[:, 1] - z[:, 0]
    steady = d(z[:, 2] - z[:, 1] - v, axis=-1) ** 2
    steady += np.maximum(0, m_steady - d(z[:, 3] - z[:, 1] - v, axis=-1)) ** 2
    return slow, steady


def test_losses_on_hand_made_embeddings():
    z = np.array(
        [
            # Steady motion (3, 4) per step; far frame 1 away from z_t, 9 from the
            # extrapolated z_t+2: slowness 1/2 (25 + 25) + (2 - 1)^2 = 26, steadiness 0.
            [[0, 0], [3, 4], [6, 8], [0.6, 0.8]],
            # Static embedding, far frame exactly at the margin: both losses 0 but for
            # the steadiness negative: |z3 - z1 - 0| = 2 = margin -> 0 too.
            [[1, 1], [1, 1], [1, 1], [1, 3]],
            # Unsteady: velocity (1, 0) then (0, 1); far frame on z_t+1.
            # slowness 1/2 (1 + 1) + (2 - |(-1, 0)|)^2 = 1 + 1 = 2;
            # steadiness |(-1, 1)|^2 + (2 - |(0,0) - (1,0)|)^2 = 2 + 1 = 3.
            [[0, 0], [1, 0], [1, 1], [1, 0]],
        ],
        np.float32,
    )
    slow = SlownessLoss(margin=2.0, reduction=None)(None, z).numpy()
    steady = SteadinessLoss(margin=2.0, reduction=None)(None, z).numpy()
    np.testing.assert_allclose(slow, [26, 0, 2], atol=1e-5)
    np.testing.assert_allclose(steady, [0, 0, 3], atol=1e-5)
    # Keras's reduction: the mean over the batch.
    np.testing.assert_allclose(SlownessLoss(2.0)(None, z).numpy(), 28 / 3, rtol=1e-6)
    np.testing.assert_allclose(SteadinessLoss(2.0)(None, z).numpy(), 1.0, rtol=1e-6)
    # Random embeddings against the reference; invariant to translating all four.
    rng = np.random.default_rng(0)
    z = rng.normal(size=(16, 4, 5)).astype(np.float32) * 0.5
    want_slow, want_steady = _reference(z, 1.5, 2.5)
    got_slow = SlownessLoss(1.5, reduction=None)(None, z).numpy()
    got_steady = SteadinessLoss(2.5, reduction=None)(None, z).numpy()
    np.testing.assert_allclose(got_slow, want_slow, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_steady, want_steady, rtol=1e-5, atol=1e-6)
    moved = SlownessLoss(1.5, reduction=None)(None, z + 3.0).numpy()
    np.testing.assert_allclose(moved, got_slow, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="margin must be a number > 0"):
        SlownessLoss(margin=0)
    with pytest.raises(ValueError, match=r"\[batch, 4 \(t, t\+1, t\+2, far\), dim\]"):
        SlownessLoss()(None, z[:, :3])


def _model(**kwargs):
    keras.utils.set_random_seed(0)
    encoder = tfxlearn.nets.conv_encoder((SIZE, SIZE, 1), widths=(4, 8), norm="batch")
    kwargs.setdefault("embedding_dim", 6)
    return tfxlearn.paradigms.get("slow_steady")(encoder=encoder, **kwargs)


def test_paradigm_loss_is_the_weighted_sum_of_the_terms():
    model = _model(slowness_weight=0.3, steadiness_weight=2.0, steadiness_margin=0.5)
    frames = tf.constant(_clips(batch=4)[:, :4], tf.float32) / 255.0  # any 4 frames
    z = model(frames)
    assert z.shape == (4, 4, 6)
    loss = model.compute_loss(x=frames, y_pred=z).numpy()
    slow, steady = _reference(z.numpy(), 1.0, 0.5)
    np.testing.assert_allclose(loss, 0.3 * slow.mean() + 2.0 * steady.mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="cannot both be 0"):
        _model(slowness_weight=0, steadiness_weight=0)
    with pytest.raises(ValueError, match="steadiness_weight must be a number >= 0"):
        _model(steadiness_weight=-1)
    with pytest.raises(ValueError, match="embedding_dim"):
        _model(embedding_dim=-1)
    # embedding_dim=0: the losses act on the encoder's features.
    plain = _model(embedding_dim=0)
    assert plain.embedding is None and plain(frames).shape == (4, 4, 8)


def test_evaluation_encoder_is_the_clip_encoder_of_the_frame_encoder():
    model = _model()
    clips = tf.constant(_clips(batch=3), tf.float32) / 255.0
    evaluator = model.evaluation_encoder((T, SIZE, SIZE, 1), sample_frames=3)
    got = evaluator(clips).numpy()
    want = np.concatenate([model.encoder(clips[:, t]).numpy() for t in (0, 4, 9)], axis=-1)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert keras.models.clone_model(evaluator)(clips).shape == got.shape
    with pytest.raises(ValueError, match="input_shape must be \\(frames, H, W, C\\)"):
        model.evaluation_encoder((SIZE, SIZE, 1))


def test_training_reduces_the_loss_on_moving_clips():
    """End to end on small moving squares: two epochs of Adam lower the loss (the
    op, the model and Keras's loss reduction fit together)."""
    from contract_examples.video_dynamics import moving_squares

    clips = moving_squares(clips=8, frames=8, size=16)
    ds = slow_steady(clip_dataset(clips, batch=8), min_gap=2, tuples_per_clip=4).cache()
    keras.utils.set_random_seed(0)
    encoder = tfxlearn.nets.conv_encoder((16, 16, 1), widths=(8, 16), norm="batch")
    model = tfxlearn.paradigms.get("slow_steady")(encoder=encoder, embedding_dim=8)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(ds.repeat(30), epochs=2, verbose=0).history
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert {"slowness", "steadiness"} <= set(history)
