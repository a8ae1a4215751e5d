"""Audio-visual synchronization (SyncNet): the `av_sync` pretext op, the paradigm's
offset estimation and the `synchronization` model protocol."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.evaluation.synchronization import best_threshold, offset_errors
from tfxlearn.pretext.av_sync import (
    audio_events,
    av_sync,
    candidate_windows,
    delay_audio,
    sync_pairs,
)

T, SIZE, SPF, FPS, RATE = 12, 8, 1600, 10, 16_000
WINDOW, MAX_OFFSET = 4, 3


def _clips_audio(count=6, seed=0, events=None):
    """Clips whose pixels encode (clip, frame); audio chunks encode (clip, frame) too,
    plus a loud tone at `events[i]` frames (default: one random frame per clip)."""
    rng = np.random.default_rng(seed)
    clip_id = np.arange(count)[:, None, None, None, None]
    frame_id = np.arange(T)[None, :, None, None, None]
    clips = np.broadcast_to(10 * frame_id + clip_id, (count, T, SIZE, SIZE, 1)).astype(np.uint8)
    chunk = 1e-3 * (np.arange(count)[:, None] * T + np.arange(T)[None, :] + 1)  # [count, T]
    audio = np.repeat(chunk, SPF, axis=1).astype(np.float32)
    if events is None:
        events = [[int(rng.integers(0, T))] for _ in range(count)]
    for i, frames in enumerate(events):
        for t in frames:
            audio[i, t * SPF : t * SPF + SPF // 2] += 0.5
    return clips, audio


def _dataset(clips, audio, batch=3):
    return tf.data.Dataset.from_tensor_slices({"image": clips, "audio": audio}).batch(batch)


def _op(ds, **kwargs):
    args = dict(window=WINDOW, max_offset=MAX_OFFSET, fps=FPS, sample_rate=RATE, seed=5)
    return av_sync(ds, **{**args, **kwargs})


# ----------------------------------------------------------------------------- op


def test_labels_windows_and_shifts_are_consistent():
    """Shift 0 is in sync; the frames are the source window; the audio of offset s
    is the source audio at frames start + s ..; every window lies inside the clip."""
    clips, audio = _clips_audio(count=24, seed=1)
    seen = set()
    for seed in range(6):
        for n, (inputs, labels) in enumerate(_op(_dataset(clips, audio, 6), seed=seed)):
            frames, sound = inputs["frames"].numpy(), inputs["audio"].numpy()
            in_sync = labels["in_sync"].numpy()
            shift = labels["offset"].numpy() - MAX_OFFSET
            start = labels["start"].numpy()
            assert frames.shape == (12, WINDOW, SIZE, SIZE, 1) and frames.dtype == np.float32
            assert sound.shape == (12, WINDOW * SPF)
            np.testing.assert_array_equal(in_sync, shift == 0)
            np.testing.assert_array_equal(in_sync, np.tile([1, 0], 6))  # pairs, in sync first
            assert np.all(np.abs(shift) <= MAX_OFFSET)
            # offsets outside the clip are impossible
            assert np.all(start >= 0) and np.all(start + WINDOW <= T)
            assert np.all(start + shift >= 0) and np.all(start + shift + WINDOW <= T)
            for j in range(12):
                clip = 6 * n + j // 2
                want = clips[clip, start[j] : start[j] + WINDOW].astype(np.float32) / 255
                np.testing.assert_allclose(frames[j], want)
                lo = (start[j] + shift[j]) * SPF
                np.testing.assert_array_equal(sound[j], audio[clip, lo : lo + WINDOW * SPF])
            np.testing.assert_array_equal(frames[0::2], frames[1::2])  # pairs share the video
            seen.update(shift[1::2].tolist())
    assert seen == {s for s in range(-MAX_OFFSET, MAX_OFFSET + 1) if s != 0}


def _can_show(event, labels, j):
    """Whether a window valid for example j's pair shift shows `event` inside."""
    s = int(labels["offset"][j | 1]) - MAX_OFFSET  # the pair's shift limits the starts
    valid = range(max(0, -s), T - WINDOW - max(0, s) + 1)
    return any(t + 1 <= event <= t + WINDOW - 2 for t in valid)


def test_windows_prefer_visible_events():
    """With one event per clip the chosen window shows it inside (not at its edges);
    a clip without any event still gets a valid window."""
    events = [[2], [6], [9], [5], [], [7]]
    clips, audio = _clips_audio(events=events)
    audio[4] = 0.0  # silence: no event at all
    for seed in range(5):
        for n, (_, labels) in enumerate(_op(_dataset(clips, audio), seed=seed)):
            start = labels["start"].numpy()
            for j in range(6):
                clip = 3 * n + j // 2
                if events[clip] and _can_show(events[clip][0], labels, j):
                    assert start[j] + 1 <= events[clip][0] <= start[j] + WINDOW - 2
    got = audio_events(audio, T).numpy()
    assert [list(np.flatnonzero(row)) for row in got] == events


def test_events_key_overrides_audio_events():
    clips, audio = _clips_audio(events=[[2]] * 6)
    bounces = np.zeros((6, T), bool)
    bounces[:, 8] = True
    ds = tf.data.Dataset.from_tensor_slices(
        {"image": clips, "audio": audio, "bounces": bounces}
    ).batch(3)
    for _, labels in _op(ds, events_key="bounces"):
        start = labels["start"].numpy()
        for j in range(6):
            assert _can_show(8, labels, j) == (start[j] + 1 <= 8 <= start[j] + WINDOW - 2)


def test_tuples_int16_and_channel_axis_are_accepted():
    clips, audio = _clips_audio()
    ds = tf.data.Dataset.from_tensor_slices((clips, audio[..., None])).batch(3)
    inputs, _ = next(iter(_op(ds)))
    assert inputs["audio"].shape == (6, WINDOW * SPF)
    pcm = np.round(audio * 32767).astype(np.int16)
    inputs, _ = next(iter(_op(_dataset(clips, pcm))))
    assert inputs["audio"].dtype == tf.float32


def test_candidate_windows_and_delay():
    clips, audio = _clips_audio(count=2)
    video, sound = candidate_windows(
        clips, audio, window=WINDOW, max_offset=2, samples_per_frame=SPF
    )
    starts = range(2, T - WINDOW - 2 + 1)
    assert video.shape == (2, len(starts), WINDOW, SIZE, SIZE, 1)
    assert sound.shape == (2, len(starts), 5, WINDOW * SPF)
    for s_index, t0 in enumerate(starts):
        np.testing.assert_allclose(video[1, s_index], clips[1, t0 : t0 + WINDOW] / 255.0)
        for j, shift in enumerate(range(-2, 3)):
            lo = (t0 + shift) * SPF
            np.testing.assert_array_equal(sound[1, s_index, j], audio[1, lo : lo + WINDOW * SPF])
    delayed = delay_audio(audio, tf.constant([2, -1]), frames=T, samples_per_frame=SPF).numpy()
    np.testing.assert_array_equal(delayed[0, 2 * SPF :], audio[0, : (T - 2) * SPF])
    np.testing.assert_array_equal(delayed[0, : 2 * SPF], 0)
    np.testing.assert_array_equal(delayed[1, : (T - 1) * SPF], audio[1, SPF:])
    np.testing.assert_array_equal(delayed[1, (T - 1) * SPF :], 0)


@pytest.mark.parametrize(
    "clips_shape, audio_shape, kwargs, match",
    [
        ((2, 3, 8, 8, 1), (2, 3 * SPF), {}, "fewer than the 4 this op needs"),
        ((2, T, 8, 8, 1), (2, T * SPF - 160), {}, "audio/video length mismatch"),
        ((2, T, 8, 8, 1), (2, T * SPF), {"sample_rate": 8000}, "sample_rate / fps do not"),
        ((2, T, 8, 8, 1), (2, T * SPF), {"fps": 25}, "a 40000 Hz track"),
        ((2, T, 8, 8, 1), (2, T * SPF, 2), {}, "stereo"),
        ((2, T, 8, 8, 1), (2, T * SPF), {"max_offset": 9}, "max_offset=9 is too large"),
        ((2, T, 8, 8, 1), (2, T * SPF), {"fps": 7}, "whole number of audio samples"),
        ((T, 8, 8, 1), (T * SPF,), {}, "batch"),
    ],
)
def test_bad_input_is_refused_clearly(clips_shape, audio_shape, kwargs, match):
    ds = tf.data.Dataset.from_tensors(
        {"image": np.zeros(clips_shape, np.uint8), "audio": np.zeros(audio_shape, np.float32)}
    )
    with pytest.raises(ValueError, match=match):
        _op(ds, **kwargs)


def test_missing_audio_and_bad_arguments():
    clips, audio = _clips_audio()
    with pytest.raises(ValueError, match="without the audio key 'audio'"):
        _op(tf.data.Dataset.from_tensor_slices({"image": clips}).batch(2))
    with pytest.raises(ValueError, match="window must be an integer >= 1"):
        _op(_dataset(clips, audio), window=0)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        _op(clips)
    with pytest.raises(ValueError, match="length mismatch: 19000 audio samples"):
        sync_pairs(clips, audio[:, :19000], tf.constant([0, 0]), samples_per_frame=SPF)
    with pytest.raises(ValueError, match="every offset .* needs at least 13 frames"):
        candidate_windows(clips, audio, window=5, max_offset=4, samples_per_frame=SPF)


# ----------------------------------------------------------------------------- paradigm


def _model(window=WINDOW, max_offset=MAX_OFFSET, size=SIZE):
    video = tfxlearn.nets.conv_encoder((size, size, window), widths=(4, 8))
    return tfxlearn.paradigms.get("av_sync")(
        video_encoder=video,
        window=window,
        max_offset=max_offset,
        embedding_dim=8,
        hidden=8,
        num_mel_bins=16,
        audio_widths=(4, 8),
    )


def test_paradigm_refuses_mismatched_streams():
    video = tfxlearn.nets.conv_encoder((SIZE, SIZE, 3), widths=(4,))
    with pytest.raises(ValueError, match="multiple of 4"):
        tfxlearn.paradigms.get("av_sync")(video_encoder=video, window=4)
    audio = tfxlearn.nets.audio_encoder(16_000, widths=(4,))
    with pytest.raises(ValueError, match=r"waveforms \[batch, 4800\]"):
        tfxlearn.paradigms.get("av_sync")(video_encoder=video, audio_encoder=audio, window=3)
    with pytest.raises(ValueError, match="whole number of audio samples"):
        tfxlearn.paradigms.get("av_sync")(video_encoder=video, window=3, fps=7)


def test_estimate_offset_takes_the_minimum_mean_distance():
    clips, audio = _clips_audio(count=3)
    model = _model(max_offset=2)
    distances = model.offset_distances(clips, audio, batch_size=2)
    assert distances.shape == (3, 5) and np.all(distances >= 0)
    estimate = model.estimate_offset(clips, audio)
    np.testing.assert_array_equal(estimate, np.argmin(distances, -1) - 2)
    # by hand for clip 0, candidate +1: mean over windows of the pair distance
    video, sound = candidate_windows(
        clips[:1], audio[:1], window=WINDOW, max_offset=2, samples_per_frame=SPF
    )
    pairs = model({"frames": video[0], "audio": sound[0, :, 3]})["distance"].numpy()
    np.testing.assert_allclose(distances[0, 3], pairs.mean(), rtol=1e-5)


def test_evaluation_encoder_embeds_clips_by_windows():
    model = _model()
    encoder = model.evaluation_encoder((T, SIZE, SIZE, 1), windows=3)
    clips, _ = _clips_audio(count=2)
    features = encoder(clips.astype(np.float32) / 255).numpy()
    assert features.shape == (2, 3 * 8)
    first = model.video_encoder(model.stack(clips[:, :WINDOW].astype(np.float32) / 255))
    np.testing.assert_allclose(features[:, :8], first, rtol=1e-5, atol=1e-6)
    clone = keras.models.clone_model(encoder)  # the random-init baseline
    assert clone(clips.astype(np.float32)).shape == (2, 24)
    with pytest.raises(ValueError, match="do not match"):
        model.evaluation_encoder((T, 16, 16, 1))


def test_training_learns_to_synchronize():
    """A few epochs on clips where a flash and a tone mark the same frame: the
    offset estimate beats chance clearly."""
    rng = np.random.default_rng(0)
    count, frames, window, max_offset = 96, 10, 3, 2
    clips = np.zeros((count, frames, SIZE, SIZE, 1), np.uint8)
    audio = np.zeros((count, frames * SPF), np.float32)
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(SPF // 2) / RATE)
    for i in range(count):
        for t in rng.choice(np.arange(1, frames - 1), 2, replace=False):
            clips[i, t] = 255
            audio[i, t * SPF : t * SPF + SPF // 2] = tone
    ds = tf.data.Dataset.from_tensor_slices({"image": clips, "audio": audio}).batch(16)
    pairs = av_sync(ds, window=window, max_offset=max_offset, pairs_per_clip=2, seed=1).cache()
    keras.utils.set_random_seed(0)
    model = _model(window=window, max_offset=max_offset)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(pairs, epochs=8, verbose=0)
    assert history.history["sync_accuracy"][-1] > 0.8
    truth = np.arange(count) % (2 * max_offset + 1) - max_offset
    delayed = delay_audio(audio, truth, frames=frames, samples_per_frame=SPF).numpy()
    estimate = model.estimate_offset(clips, delayed)
    assert offset_errors(estimate, truth)["accuracy"] > 0.6  # chance: 0.2


# ----------------------------------------------------------------------------- protocol


def test_threshold_and_offset_errors():
    distances = np.array([0.1, 0.2, 0.3, 0.9, 1.0, 0.25])
    labels = np.array([1, 1, 1, 0, 0, 0])
    threshold = best_threshold(distances, labels)
    assert 0.3 < threshold < 0.9
    assert offset_errors([0, 2, -1], [0, 0, 1]) == {"mae_frames": 4 / 3, "accuracy": 1 / 3}


def test_synchronization_protocol_on_tiny_moving_digits():
    data = tfxlearn.evaluation.EvalData("moving_digits/tiny", image_key="video")
    model = _model(window=3, max_offset=2, size=32)
    results = tfxlearn.evaluation.model_protocol("synchronization")(model, data, seed=0)
    assert results["test_pairs"] == 32 and results["offset_clips"] == 16
    for key in ("sync_accuracy", "sync_auc", "offset_accuracy", "offset_accuracy_chance"):
        assert 0 <= results[key] <= 1
    assert 0 <= results["offset_mae_frames"] <= 4 and results["offset_mae_frames_chance"] > 0
    again = tfxlearn.evaluation.model_protocol("synchronization")(model, data, seed=0)
    assert again == results
    wrong = _model(window=3, max_offset=2, size=32)
    wrong.sample_rate = 8000
    with pytest.raises(ValueError, match="sample-rate mismatch"):
        tfxlearn.evaluation.model_protocol("synchronization")(wrong, data)
