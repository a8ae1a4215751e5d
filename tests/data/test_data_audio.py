"""Log-mel features, audio/video length checks, and the spoken_digits_av builder
(real espeak-ng synthesis and TFDS preparation of tiny configs)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from sklearn.datasets import load_digits

import tfxlearn
from tfxlearn.data import spoken_digits_av as sd
from tfxlearn.data.audio import (
    LogMelSpectrogram,
    check_audio_video_lengths,
    log_mel_spectrogram,
    num_audio_samples,
)

RATE = 16_000


def _sine(hz, seconds=1.0, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


# ---------------------------------------------------------------- log-mel


def test_log_mel_shape_is_documented_frames_by_bins():
    log_mel = LogMelSpectrogram()
    assert (log_mel.frame_length, log_mel.frame_step, log_mel.fft_length) == (400, 160, 512)
    assert log_mel.num_frames(16_000) == 98 == 1 + (16_000 - 400) // 160
    assert log_mel(np.zeros(16_000, np.float32)).shape == (98, 64)
    assert log_mel(np.zeros((3, 2, 25_600), np.float32)).shape == (3, 2, 158, 64)
    silence = log_mel(np.zeros((2, 16_000), np.float32))
    np.testing.assert_allclose(silence, np.log(1e-6), rtol=1e-6)


@pytest.mark.parametrize("band", [12, 30, 50])
def test_pure_sine_peaks_in_its_mel_band(band):
    log_mel = LogMelSpectrogram()
    hz = log_mel.mel_center_hertz()[band]
    spectrum = log_mel(_sine(hz)).numpy()
    assert np.all(np.argmax(spectrum, axis=-1) == band)
    # and the peak stands well above the bands an octave away
    mean = spectrum.mean(0)
    assert mean[band] - mean[np.abs(log_mel.mel_center_hertz() - 2 * hz).argmin()] > 5.0


def test_eager_and_dataset_map_agree():
    rng = np.random.default_rng(0)
    waveforms = (0.1 * rng.standard_normal((6, 8_000))).astype(np.float32)
    log_mel = LogMelSpectrogram(num_mel_bins=40)
    eager = log_mel(waveforms).numpy()
    ds = tf.data.Dataset.from_tensor_slices(waveforms).batch(4).map(log_mel)
    mapped = np.concatenate(list(ds.as_numpy_iterator()))
    np.testing.assert_allclose(mapped, eager, rtol=1e-5, atol=1e-5)
    assert mapped.shape == (6, 48, 40)
    # Unknown lengths (tf.function with a [None, None] signature) work too.
    traced = tf.function(log_mel, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    np.testing.assert_allclose(traced(waveforms).numpy(), eager, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        log_mel_spectrogram(waveforms, num_mel_bins=40).numpy(), eager, rtol=1e-6
    )


def test_int16_and_channel_axis_of_one_are_accepted():
    log_mel = LogMelSpectrogram()
    # broadband noise, so quantization error is small in every band
    wave = (0.2 * np.random.default_rng(0).standard_normal(16_000)).astype(np.float32)
    pcm = np.round(wave * 32768).astype(np.int16)
    np.testing.assert_allclose(log_mel(pcm), log_mel(wave), atol=1e-3)
    np.testing.assert_allclose(log_mel(wave[:, None]), log_mel(wave), rtol=1e-6)


def test_bad_audio_inputs_raise_clear_errors():
    log_mel = LogMelSpectrogram()
    stereo = np.stack([_sine(440.0), _sine(660.0)], axis=-1)  # tf.audio.decode_wav layout
    with pytest.raises(ValueError, match=r"expected mono.*\[16000, 2\].*2 channels"):
        log_mel(stereo)
    with pytest.raises(ValueError, match="sample_rate mismatch.*22050 Hz.*16000 Hz"):
        log_mel(_sine(440.0), sample_rate=22_050)
    log_mel(_sine(440.0), sample_rate=RATE)  # the matching rate is fine
    with pytest.raises(ValueError, match="fewer than one 400-sample"):
        log_mel(np.zeros(300, np.float32))
    with pytest.raises(ValueError, match="float .* or int16"):
        log_mel(np.zeros(16_000, np.int32))
    with pytest.raises(ValueError, match="upper_edge_hertz"):
        LogMelSpectrogram(8_000, upper_edge_hertz=7_500.0 * 2)
    with pytest.raises(ValueError, match="sample_rate must be a positive integer"):
        LogMelSpectrogram(16_000.5)


def test_audio_video_length_helpers():
    assert num_audio_samples(16, 10, RATE) == 25_600
    assert num_audio_samples(2997, 29.97, 48_000) == 4_800_000  # 100 s: 29.97 read as decimal
    check_audio_video_lengths(25_600, 16, fps=10, sample_rate=RATE)
    with pytest.raises(ValueError, match="audio/video length mismatch: 25599 .* 16 frames"):
        check_audio_video_lengths(25_599, 16, fps=10, sample_rate=RATE)
    with pytest.raises(ValueError, match="not a whole number"):
        num_audio_samples(16, 7, RATE)
    with pytest.raises(ValueError, match="num_frames must be a positive integer"):
        num_audio_samples(0, 10, RATE)


# ------------------------------------------------------- spoken_digits_av

TINY = dict(
    train_voices=("en-us", "en+f3"),
    test_voices=("en-gb-x-rp+f4",),
    speeds=(175,),
    pitches=(40, 60),
)


def _prepare(data_dir, **overrides):
    config = sd.SpokenDigitsAVConfig.make(**{**TINY, **overrides})
    builder = tfds.builder("spoken_digits_av", config=config, data_dir=str(data_dir))
    return tfxlearn.data.prepare(builder)


def _arrays(builder, split):
    batches = list(builder.as_dataset(split=split).batch(1000).as_numpy_iterator())
    return batches[0]


@pytest.fixture(scope="module")
def spoken(tfds_dir):
    return _prepare(tfds_dir)


def test_spoken_digits_shapes_voices_and_sizes(spoken):
    info = spoken.info
    assert info.features["audio"].sample_rate == RATE and info.metadata["sample_rate"] == RATE
    assert info.features["voice"].names == ["en-us", "en+f3", "en-gb-x-rp+f4"]
    # 10 digits x voices x 1 speed x 2 pitches x 1 image per utterance
    assert info.splits["train"].num_examples == 40 and info.splits["test"].num_examples == 20
    train, test = _arrays(spoken, "train"), _arrays(spoken, "test")
    assert train["image"].shape == (40, 28, 28, 1) and train["image"].dtype == np.uint8
    assert train["audio"].shape == (40, 16_000) and train["audio"].dtype == np.float32
    names = info.features["voice"].names
    train_voices = {names[i] for i in train["voice"]}
    test_voices = {names[i] for i in test["voice"]}
    assert train_voices == {"en-us", "en+f3"} and test_voices == {"en-gb-x-rp+f4"}
    assert set(train["speed"]) == {175} and set(train["pitch"]) == {40, 60}
    assert sorted(np.bincount(test["label"])) == [2] * 10


def test_spoken_waveforms_are_speech_at_16k(spoken):
    test = _arrays(spoken, "test")
    audio = test["audio"].astype(np.float64)
    assert np.abs(audio).max() <= 1.0
    for wave in audio:
        # Speech starts at sample 0 (leading silence cut), is loud for >= 0.15 s,
        # and the padded tail is exact silence.
        loud = np.flatnonzero(np.abs(wave) > 0.01 * np.abs(wave).max())
        assert loud[0] == 0 and (loud[-1] - loud[0]) / RATE > 0.15
        assert np.all(wave[-1_000:] == 0.0)
    # Speech-like spectrum after resampling to 16 kHz: most energy below 4 kHz.
    power = np.abs(np.fft.rfft(audio, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(16_000, 1 / RATE)
    assert (power[:, freqs < 4_000].sum(-1) / power.sum(-1)).min() > 0.8
    # Log-mel of the dataset inside Dataset.map, with the dataset's own rate.
    log_mel = LogMelSpectrogram()
    ds = spoken.as_dataset(split="test").batch(8)
    ds = ds.map(
        lambda ex: log_mel(ex["audio"], sample_rate=spoken.info.features["audio"].sample_rate)
    )
    features = next(iter(ds)).numpy()
    assert features.shape == (8, 98, 64)
    assert features[:, :10].mean() > np.log(1e-6) + 5  # speech at the start, not silence


def test_spoken_images_match_labels_and_splits_are_disjoint(spoken):
    target = load_digits().target
    train, test = _arrays(spoken, "train"), _arrays(spoken, "test")
    np.testing.assert_array_equal(target[train["image_index"]], train["label"])
    np.testing.assert_array_equal(target[test["image_index"]], test["label"])
    assert np.all(test["image_index"] % 5 == 4) and np.all(train["image_index"] % 5 != 4)
    assert train["image"].reshape(40, -1).max(1).min() > 100  # real, non-empty digits


def test_spoken_same_seed_same_arrays_other_seed_other_pairing(spoken, tmp_path):
    again = _prepare(tmp_path / "again")
    other = _prepare(tmp_path / "other", seed=1)
    for split in ("train", "test"):
        first, second, third = (_arrays(b, split) for b in (spoken, again, other))
        for key in first:
            np.testing.assert_array_equal(first[key], second[key], err_msg=key)
        np.testing.assert_array_equal(first["audio"], third["audio"])  # same speech
        assert not np.array_equal(first["image_index"], third["image_index"])  # other images


def test_missing_espeak_gives_the_apt_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="apt-get install -y espeak-ng"):
        _prepare(tmp_path / "tfds", seed=7)
    assert not list((tmp_path / "tfds").glob("spoken_digits_av/*/1.0.0"))


def test_voices_that_are_not_what_they_claim_are_rejected():
    with pytest.raises(ValueError, match="disjoint; both have \\['en-us'\\]"):
        sd.SpokenDigitsAVConfig.make(train_voices=("en-us",), test_voices=("en-us",))
    with pytest.raises(ValueError, match="no voice variant 'nosuch'"):
        sd.check_voices(["en-us+nosuch"])
    with pytest.raises(ValueError, match="espeak-ng failed for voice 'xx-nowhere'"):
        sd.synthesize("seven", "xx-nowhere", 175, 50)
    # espeak-ng ignores variants of en-gb: "en-gb+f3" is plain en-gb, a train voice.
    leaky = sd.SpokenDigitsAVConfig.make(
        train_voices=("en-gb",), test_voices=("en-gb+f3",), speeds=(175,), pitches=(50,)
    )
    with pytest.raises(ValueError, match="identical to train utterance"):
        sd.synthesize_all(leaky)
    with pytest.raises(ValueError, match="pitches must be integers in \\[0, 99\\]"):
        sd.SpokenDigitsAVConfig.make(pitches=(120,))


def test_synthesis_is_resampled_to_the_requested_rate():
    at_16k = sd.synthesize("seven", "en-us", 175, 50, sample_rate=16_000)
    at_22k = sd.synthesize("seven", "en-us", 175, 50, sample_rate=22_050)  # espeak's own rate
    assert at_16k.dtype == np.float32
    assert abs(at_16k.size - at_22k.size * 16_000 / 22_050) <= 1


def test_compressed_audio_info_round_trip(deprecation_records):
    from tfxlearn.data.audio import CompressedAudio

    feature = CompressedAudio(shape=(None,), sample_rate=8000)
    proto = feature.to_json_content()  # what TFDS writes into dataset_info
    back = CompressedAudio.from_json_content(proto)
    assert proto.dtype == "float32" and back.sample_rate == 8000
    assert back.tf_dtype == tf.float32
    assert deprecation_records() == []  # TFDS's Audio read `.dtype` itself: filtered
