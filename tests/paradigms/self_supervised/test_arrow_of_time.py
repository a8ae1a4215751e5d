"""Arrow of time: the pretext op (eager vs tf.data, properties, bad input) and the
paradigm's class-activation maps and evaluation encoder."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import clip_dataset

import tfxlearn
from tfxlearn.pretext import arrow_of_time, reverse_clips, stack_differences
from tfxlearn.pretext.arrow_of_time import arrow_of_time_windows, moving_windows

T, SIZE = 12, 16


def _clips(batch=6, frames=T, still=()):
    """uint8 [batch, frames, 16, 16, 1]: a 4x4 square at a per-clip speed and
    direction, plus noise; frames listed in `still` repeat the previous frame."""
    rng = np.random.default_rng(1)
    out = np.zeros((batch, frames, SIZE, SIZE, 1), np.uint8)
    for i in range(batch):
        y, x = rng.integers(0, SIZE - 4, 2)
        dy, dx = rng.choice([-1, 1], 2)
        for t in range(frames):
            if t in still:
                out[i, t] = out[i, t - 1]
                continue
            out[i, t] = rng.integers(0, 30, (SIZE, SIZE, 1))
            out[i, t, y : y + 4, x : x + 4] = 220
            if not 0 <= y + dy <= SIZE - 4:
                dy = -dy
            if not 0 <= x + dx <= SIZE - 4:
                dx = -dx
            y, x = y + dy, x + dx
    return out


def _reference_inputs(clips, clip, start, label, window):
    """NumPy: the window's (reversed if label) frame differences, mean-removed, stacked."""
    frames = clips[clip, start : start + window].astype(np.float32) / 255.0
    if label:
        frames = frames[::-1]
    diffs = np.diff(frames, axis=0)  # [K-1, H, W, C]
    diffs = diffs - diffs.mean(axis=(1, 2), keepdims=True)
    return np.concatenate(list(diffs), axis=-1)


@pytest.mark.parametrize("mode", ["both"])  # "random": tests/pretext/test_pretext_contract.py
def test_eager_equals_dataset_map(mode):
    clips = _clips()
    ds = arrow_of_time(clip_dataset(clips), window=5, mode=mode, seed=7)
    for i, (inputs, labels) in enumerate(ds):
        eager = arrow_of_time_windows(
            tf.constant(clips[3 * i : 3 * i + 3]), tf.constant([7, i]), window=5, mode=mode
        )
        np.testing.assert_array_equal(inputs.numpy(), eager["inputs"].numpy())
        np.testing.assert_array_equal(labels.numpy(), eager["labels"].numpy())
    again = [y.numpy() for _, y in arrow_of_time(clip_dataset(clips), window=5, mode=mode, seed=7)]
    np.testing.assert_array_equal(np.concatenate(again), np.concatenate([y for _, y in ds]))


def test_reversing_a_reversed_clip_restores_it():
    clips = tf.constant(_clips(batch=4))
    labels = tf.constant([0, 1, 1, 0])
    once = reverse_clips(clips, labels)
    np.testing.assert_array_equal(once.numpy()[1], clips.numpy()[1, ::-1])
    np.testing.assert_array_equal(once.numpy()[0], clips.numpy()[0])
    np.testing.assert_array_equal(reverse_clips(once, labels).numpy(), clips.numpy())
    # The stacked differences of a reversed window: negated, in reverse time order.
    window = tf.cast(clips[:, :5], tf.float32) / 255.0
    fwd = stack_differences(window, remove_mean=False).numpy().reshape(4, SIZE, SIZE, 4)
    rev = stack_differences(window[:, ::-1], remove_mean=False).numpy().reshape(4, SIZE, SIZE, 4)
    np.testing.assert_allclose(rev, -fwd[..., ::-1], atol=1e-6)


@pytest.mark.parametrize("mode", ["random", "both"])
def test_label_says_whether_the_window_was_reversed(mode):
    clips = _clips(batch=8)
    out = arrow_of_time_windows(tf.constant(clips), tf.constant([3, 4]), window=6, mode=mode)
    inputs, labels = out["inputs"].numpy(), out["labels"].numpy()
    assert inputs.shape == ((16 if mode == "both" else 8), SIZE, SIZE, 5)
    for x, y, c, s in zip(inputs, labels, out["clip"].numpy(), out["start"].numpy()):
        assert 0 <= s <= T - 6
        np.testing.assert_allclose(x, _reference_inputs(clips, c, s, y, 6), atol=1e-6)
        # ... and not the other direction.
        assert not np.allclose(x, _reference_inputs(clips, c, s, 1 - y, 6), atol=1e-3)
    if mode == "both":  # each window forward then reversed, next to each other
        np.testing.assert_array_equal(labels, np.tile([0, 1], 8))
        np.testing.assert_array_equal(out["clip"].numpy()[::2], out["clip"].numpy()[1::2])
        np.testing.assert_array_equal(out["start"].numpy()[::2], out["start"].numpy()[1::2])
    else:  # random labels from the seed, both classes present
        assert set(labels) == {0, 1}


def test_windows_with_still_steps_are_never_used_and_still_clips_are_dropped():
    # Frames 1..4 repeat frame 0 (still steps 0->1 ... 3->4): windows of 5 frames
    # must start at 4 or later; a clip that never moves is dropped.
    clips = _clips(batch=4, still=(1, 2, 3, 4))
    clips[2] = clips[2, :1]  # clip 2: one frame repeated, no motion at all
    ok = moving_windows(tf.constant(clips), 5, 0.005).numpy()
    np.testing.assert_array_equal(ok[0], np.arange(T - 4) >= 4)
    assert not ok[2].any()
    for seed in range(5):
        out = arrow_of_time_windows(tf.constant(clips), tf.constant([seed, 0]), window=5)
        assert sorted(out["clip"].numpy()) == [0, 1, 3]
        assert (out["start"].numpy() >= 4).all()
    ds = arrow_of_time(clip_dataset(clips, batch=4), window=5)
    assert next(iter(ds))[0].shape[0] == 3


def test_global_brightness_changes_are_removed():
    clips = _clips(batch=3).astype(np.float32) / 255.0
    fade = clips * 0.5 + 0.04 * np.arange(T, dtype=np.float32)[None, :, None, None, None]
    a = arrow_of_time_windows(tf.constant(clips * 0.5), tf.constant([0, 0]), window=4)
    b = arrow_of_time_windows(tf.constant(fade), tf.constant([0, 0]), window=4)
    np.testing.assert_allclose(a["inputs"].numpy(), b["inputs"].numpy(), atol=1e-5)
    kept = arrow_of_time_windows(
        tf.constant(fade), tf.constant([0, 0]), window=4, remove_mean=False
    )["inputs"].numpy()
    labels = b["labels"].numpy()
    # Without the mean removal the fade's sign gives the label away.
    np.testing.assert_array_equal(kept.mean(axis=(1, 2, 3)) < 0, labels == 1)


def test_bad_input_is_refused_clearly():
    clips = _clips(batch=4, frames=6)
    with pytest.raises(ValueError, match="fewer than window=8"):
        arrow_of_time(clip_dataset(clips), window=8)
    images = tf.data.Dataset.from_tensor_slices(clips[:, 0]).batch(2)
    with pytest.raises(ValueError, match="expect batches of clips"):
        arrow_of_time(images, window=4)  # image batches, not clips
    with pytest.raises(ValueError, match="rank 5"):
        arrow_of_time(tf.data.Dataset.from_tensor_slices(clips[:, 0, :, :, 0]).batch(2))
    for window in (1, 0, 2.5, True, "8"):
        with pytest.raises(ValueError, match="window must be an integer >= 2"):
            arrow_of_time(clip_dataset(clips), window=window)
    with pytest.raises(ValueError, match="mode must be one of"):
        arrow_of_time(clip_dataset(clips), window=4, mode="forward")
    with pytest.raises(ValueError, match="min_motion"):
        arrow_of_time(clip_dataset(clips), window=4, min_motion=-1)
    with pytest.raises(TypeError, match="must be a tf.data.Dataset"):
        arrow_of_time(clips, window=4)
    with pytest.raises(ValueError, match="fewer than window=8"):
        arrow_of_time_windows(tf.constant(clips), tf.constant([0, 0]), window=8)


def _model(window=5, **kwargs):
    keras.utils.set_random_seed(0)
    encoder = tfxlearn.nets.conv_encoder((SIZE, SIZE, window - 1), widths=(4, 8), norm="batch")
    return tfxlearn.paradigms.get("arrow_of_time")(encoder=encoder, window=window, **kwargs)


def test_class_activation_map_resolves_the_logits_in_space():
    model = _model()
    clips = tf.constant(_clips(batch=4), tf.float32) / 255.0
    x = model.differences(clips)
    logits = model(x).numpy()
    bias = model.head.layers[-1].bias.numpy()
    for c in (0, 1):
        cam = model.class_activation_map(x, c, upsample=False).numpy()
        assert cam.shape == (4, 4, 4)  # 16x16 input, two pooling blocks
        # GAP + linear head: the logit is the map's spatial mean plus the bias.
        np.testing.assert_allclose(cam.mean(axis=(1, 2)) + bias[c], logits[:, c], atol=1e-5)
    full = model.class_activation_map(clips).numpy()  # clips accepted, predicted class
    assert full.shape == (4, SIZE, SIZE)
    predicted = logits.argmax(-1)
    for i, c in enumerate(predicted):
        np.testing.assert_allclose(full[i], model.class_activation_map(x, int(c)).numpy()[i])
    with pytest.raises(ValueError, match="class_index"):
        model.class_activation_map(x, 2)


def test_evaluation_encoder_is_a_plain_model_of_clips(tmp_path):
    model = _model()
    clips = tf.constant(_clips(batch=3), tf.float32) / 255.0
    model(model.differences(clips))
    evaluator = model.evaluation_encoder((T, SIZE, SIZE, 1))
    want = model.encoder(stack_differences(clips[:, :5]))
    np.testing.assert_allclose(evaluator(clips).numpy(), want.numpy(), atol=1e-6)
    clone = keras.models.clone_model(evaluator)  # the random-init baseline
    assert clone(clips).shape == want.shape
    with pytest.raises(ValueError, match="fewer than window=5"):
        model.evaluation_encoder((4, SIZE, SIZE, 1))
    with pytest.raises(ValueError, match="no options"):
        model.evaluation_encoder((T, SIZE, SIZE, 1), sample_frames=4)
    paths = model.plots(str(tmp_path), clips.numpy(), np.zeros(3))
    assert paths["class_activation_maps"].endswith(".png")


def test_paradigm_refuses_heads_and_encoders_without_cams():
    with pytest.raises(ValueError, match="linear head"):
        _model(head=tfxlearn.nets.classifier_head(2, hidden=8))
    encoder = tfxlearn.nets.conv_encoder((SIZE, SIZE, 4), widths=(4, 8), pooling="flatten")
    with pytest.raises(ValueError, match="global average pooling"):
        tfxlearn.paradigms.get("arrow_of_time")(encoder=encoder, window=5)
    encoder = tfxlearn.nets.conv_encoder((SIZE, SIZE, 4), widths=(4, 8))
    with pytest.raises(ValueError, match="not \\(window - 1\\) \\* channels"):
        tfxlearn.paradigms.get("arrow_of_time")(encoder=encoder, window=4)


def _squares(n, seed, speeds, frames=6):
    """Squares over noise moving at `speeds[t]` pixels per step, bouncing off the walls."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 20, (n, frames, SIZE, SIZE, 1)).astype(np.uint8)
    for i in range(n):
        dy, dx = [(0, 1), (1, 0), (0, -1), (-1, 0)][rng.integers(4)]
        y, x = rng.integers(0, SIZE - 4, 2)
        for t in range(frames):
            out[i, t, y : y + 4, x : x + 4] = 220
            if t == frames - 1:
                break
            s = speeds[t]
            if not 0 <= y + dy * s <= SIZE - 4:
                dy = -dy
            if not 0 <= x + dx * s <= SIZE - 4:
                dx = -dx
            y, x = y + dy * s, x + dx * s
    return out


@pytest.mark.parametrize("speeds, learnable", [((4, 3, 2, 1, 1), True), ((2,) * 5, False)])
def test_the_arrow_is_learned_where_the_world_has_one(speeds, learnable):
    """Decelerating squares (friction: irreversible) -> held-out accuracy ~1; constant
    speed with elastic bounces (reversible, like moving_digits) -> chance."""

    def data(seed, n):
        ds = tf.data.Dataset.from_tensor_slices(_squares(n, seed, speeds)).batch(16)
        return arrow_of_time(ds, window=6, mode="both")

    keras.utils.set_random_seed(0)
    encoder = tfxlearn.nets.conv_encoder((SIZE, SIZE, 5), widths=(8, 16))
    model = tfxlearn.paradigms.get("arrow_of_time")(encoder=encoder, window=6)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(data(0, 64).cache(), epochs=12, verbose=0)
    accuracy = model.evaluate(data(1, 64), verbose=0, return_dict=True)["accuracy"]
    if learnable:
        assert accuracy > 0.9
    else:
        assert 0.3 < accuracy < 0.7
