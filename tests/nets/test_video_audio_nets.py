"""Clip encoder, audio encoder and the clip helpers the video pretext ops share."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data.audio import LogMelSpectrogram
from tfxlearn.pretext import clips


def test_sampled_frame_indices_are_evenly_spaced_and_include_the_ends():
    assert tfxlearn.nets.sampled_frame_indices(16, 4) == [0, 5, 10, 15]
    assert tfxlearn.nets.sampled_frame_indices(8, 8) == list(range(8))
    assert tfxlearn.nets.sampled_frame_indices(5, 1) == [0]
    for frames, sample in ((4, 5), (4, 0), (0, 1)):
        with pytest.raises(ValueError, match="frames"):
            tfxlearn.nets.sampled_frame_indices(frames, sample)


def test_clip_encoder_concatenates_the_sampled_frames_features_in_order():
    frame_encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4,), norm="none")
    model = tfxlearn.nets.clip_encoder(frame_encoder, frames=6, sample_frames=3)
    clips_ = np.random.default_rng(0).uniform(size=(2, 6, 8, 8, 1)).astype("float32")
    got = model(clips_).numpy()
    want = np.concatenate([frame_encoder(clips_[:, t]).numpy() for t in (0, 2, 5)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Order matters: the reversed clip gives the frame features in reverse.
    reversed_ = model(clips_[:, ::-1].copy()).numpy()
    np.testing.assert_allclose(reversed_[:, :4], want[:, 8:], rtol=1e-5, atol=1e-6)
    clone = keras.models.clone_model(model)  # what the random-init baseline does
    assert clone.output_shape == model.output_shape == (None, 12)
    with pytest.raises(ValueError, match=r"frame_encoder must take frames"):
        tfxlearn.nets.clip_encoder(model, frames=6)


def test_audio_encoder_takes_waveforms_and_round_trips(tmp_path):
    model = tfxlearn.nets.audio_encoder(4000, widths=(4, 8))
    waves = np.random.default_rng(0).uniform(-1, 1, size=(3, 4000)).astype("float32")
    features = model(waves).numpy()
    assert features.shape == (3, 8) and np.isfinite(features).all()
    frontend = model.get_layer("log_mel")
    np.testing.assert_allclose(
        frontend(waves).numpy()[..., 0], LogMelSpectrogram()(waves).numpy(), rtol=1e-5
    )
    path = str(tmp_path / "audio.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)(waves).numpy(), features, rtol=1e-5)
    with pytest.raises(ValueError, match="num_samples"):
        tfxlearn.nets.audio_encoder(0)


def test_clip_helpers_check_batches_and_compute_differences():
    video = tf.cast(tf.reshape(tf.range(2 * 3 * 2 * 2), (2, 3, 2, 2, 1)), tf.uint8)
    np.testing.assert_allclose(clips.frame_differences(video).numpy(), 4 / 255.0, rtol=1e-6)
    np.testing.assert_allclose(clips.motion_energy(video).numpy(), 4 / 255.0, rtol=1e-6)
    ds = tf.data.Dataset.from_tensor_slices({"image": video}).batch(2)
    assert clips.clip_batches_spec(ds, "op", min_frames=3).shape[1] == 3
    with pytest.raises(ValueError, match="3 frames, fewer than the 4"):
        clips.clip_batches_spec(ds, "op", min_frames=4)
    with pytest.raises(ValueError, match=r"call ds.batch\(n\)"):
        clips.clip_batches_spec(ds.unbatch(), "op")
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        clips.clip_batches_spec(video, "op")
