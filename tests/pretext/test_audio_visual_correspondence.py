import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data.audio import LogMelSpectrogram
from tfxlearn.pretext import (
    audio_visual_correspondence,
    correspondence_pairs,
    cyclic_derangement,
)

SAMPLES = 1_600


def _examples(n=12, samples=SAMPLES):
    """Images and audio that identify their example: pixel (0, 0) of image i and
    audio sample 0 of clip i both hold i."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 8, 1), np.uint8)
    images[:, 0, 0, 0] = np.arange(n)
    audio = rng.uniform(-1, 1, (n, samples)).astype(np.float32)
    audio[:, 0] = np.arange(n)
    return {"image": images, "audio": audio, "index": np.arange(n, dtype=np.int64) + 100}


def _dataset(n=12, batch=4, **kwargs):
    return tf.data.Dataset.from_tensor_slices(_examples(n, **kwargs)).batch(batch)


def _eager(ds, **op_args):
    """The op's per-batch work called eagerly, outside tf.data."""
    out = []
    for i, element in enumerate(ds):
        seed = tf.constant([op_args.get("seed", 0), i], tf.int64)
        pairs = correspondence_pairs(
            element["image"], element["audio"], seed, op_args.get("mode", "all")
        )
        out.append((pairs["images"], pairs["audio"], pairs["labels"]))
    return out


@pytest.mark.parametrize("mode", ["random"])  # "all": tests/pretext/test_pretext_contract.py
def test_eager_equals_dataset_map(mode):
    ds = _dataset()
    mapped = list(audio_visual_correspondence(ds, mode=mode, seed=3))
    eager = _eager(ds, mode=mode, seed=3)
    assert len(mapped) == len(eager) == 3
    for (inputs, labels), (images, audio, want_labels) in zip(mapped, eager):
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_allclose(inputs["images"], tf.cast(images, tf.float32) / 255.0)
        np.testing.assert_array_equal(inputs["audio"], audio)


def test_matched_audio_belongs_to_the_same_example_and_mismatched_does_not():
    ds = _dataset(n=32, batch=8)
    for inputs, labels in audio_visual_correspondence(ds, seed=1, keep_indices=True):
        labels = labels.numpy()
        image_index = inputs["image_index"].numpy()
        audio_index = inputs["audio_index"].numpy()
        # The carried example index is that of the content (pixel / sample 0 hold i).
        content_image = np.round(inputs["images"].numpy()[:, 0, 0, 0] * 255).astype(int)
        content_audio = inputs["audio"].numpy()[:, 0].astype(int)
        np.testing.assert_array_equal(image_index - 100, content_image)
        np.testing.assert_array_equal(audio_index - 100, content_audio)
        np.testing.assert_array_equal(labels == 1, image_index == audio_index)
        # Mode "all": interleaved (1, 0) per image, balanced in every half-batch.
        np.testing.assert_array_equal(labels, np.tile([1, 0], 8))
        assert labels[:8].sum() == labels[8:].sum() == 4
        # Every audio clip appears once matched and once mismatched (a derangement).
        assert sorted(audio_index[labels == 0]) == sorted(audio_index[labels == 1])


def test_random_mode_labels_follow_the_sources_and_both_occur():
    ds = _dataset(n=64, batch=16)
    seen = []
    for inputs, labels in audio_visual_correspondence(ds, mode="random", seed=0, keep_indices=True):
        np.testing.assert_array_equal(
            labels.numpy() == 1, inputs["image_index"].numpy() == inputs["audio_index"].numpy()
        )
        assert inputs["images"].shape[0] == 16
        seen.extend(labels.numpy())
    assert 0.25 < np.mean(seen) < 0.75


@pytest.mark.parametrize("batch", [2, 3, 17])
def test_cyclic_derangement_is_one_cycle_without_fixed_points(batch):
    for s in range(5):
        source = cyclic_derangement(batch, tf.constant([s, 1])).numpy()
        assert sorted(source) == list(range(batch))
        assert (source != np.arange(batch)).all()
        # Following the permutation from 0 visits every position: a single cycle.
        visited, j = set(), 0
        while j not in visited:
            visited.add(j)
            j = source[j]
        assert len(visited) == batch


def test_log_mel_features_are_the_spectrograms_of_the_paired_audio():
    ds = _dataset(n=8, batch=4)
    waves = list(audio_visual_correspondence(ds, seed=2))
    mels = list(audio_visual_correspondence(ds, seed=2, audio_features="log_mel"))
    spectrogram = LogMelSpectrogram(16_000)
    for (w, lw), (m, lm) in zip(waves, mels):
        np.testing.assert_array_equal(lw, lm)
        assert m["audio"].shape == (8, spectrogram.num_frames(SAMPLES), 64, 1)
        np.testing.assert_allclose(m["audio"][..., 0], spectrogram(w["audio"]), atol=1e-5)


def test_tuple_elements_and_stereo_with_one_channel():
    examples = _examples(8)
    ds = tf.data.Dataset.from_tensor_slices(
        (examples["image"], examples["audio"][..., None])  # [samples, 1] mono layout
    ).batch(4)
    inputs, labels = next(iter(audio_visual_correspondence(ds)))
    assert inputs["audio"].shape == (8, SAMPLES)
    assert labels.shape == (8,)


def test_registered_with_label_names():
    assert tfxlearn.pretext.get("audio_visual_correspondence") is audio_visual_correspondence
    assert audio_visual_correspondence.label_names == ("mismatched", "matched")


def test_bad_input_is_refused_early():
    ex = _examples(8)
    images, audio = ex["image"], ex["audio"]
    # audio/image count mismatch (static shapes)
    bad = tf.data.Dataset.from_tensors({"image": images, "audio": audio[:6]})
    with pytest.raises(ValueError, match="audio/image count mismatch: 8 images but 6"):
        audio_visual_correspondence(bad)
    # ... and dynamic shapes: caught when the batch is made
    dynamic = tf.data.Dataset.from_generator(
        lambda: iter([{"image": images, "audio": audio[:6]}]),
        output_signature={
            "image": tf.TensorSpec([None, 8, 8, 1], tf.uint8),
            "audio": tf.TensorSpec([None, SAMPLES], tf.float32),
        },
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="audio/image count mismatch"):
        next(iter(audio_visual_correspondence(dynamic)))
    # stereo audio
    stereo = tf.data.Dataset.from_tensors({"image": images, "audio": np.stack([audio] * 2, -1)})
    with pytest.raises(ValueError, match="mono.*2 channels"):
        audio_visual_correspondence(stereo)
    # sample-rate mismatch, checked by LogMelSpectrogram
    ds = _dataset()
    with pytest.raises(ValueError, match="sample_rate mismatch: the audio is at 22050 Hz"):
        audio_visual_correspondence(ds, audio_features="log_mel", sample_rate=22_050)
    # missing keys
    with pytest.raises(ValueError, match="without the audio key 'audio'.*pretext_features"):
        audio_visual_correspondence(tf.data.Dataset.from_tensors({"image": images}))
    with pytest.raises(ValueError, match="without the image key 'frames'"):
        audio_visual_correspondence(ds, image_key="frames")
    # unbatched elements, a bare tensor, bad options
    with pytest.raises(ValueError, match="needs both the images and the audio"):
        audio_visual_correspondence(tf.data.Dataset.from_tensors(images))
    with pytest.raises(ValueError, match="mode must be one of"):
        audio_visual_correspondence(ds, mode="hard")
    with pytest.raises(ValueError, match="audio_features must be one of"):
        audio_visual_correspondence(ds, audio_features="mfcc")
    with pytest.raises(TypeError, match="must be a tf.data.Dataset"):
        audio_visual_correspondence(ex)
