"""font_digits (digits rendered from Debian fonts, the tiny config with the real
fonts) and the (source, target) batches of domain adaptation."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfxlearn
from tfxlearn.data import domains, font_digits


@pytest.fixture(scope="module")
def tiny():
    return {
        split: tfxlearn.data.as_arrays(tfxlearn.data.load("font_digits/tiny", split))
        for split in ("train", "test")
    }


def _fonts(split):
    ds = tfxlearn.data.load("font_digits/tiny", split).map(lambda e: e["font"])
    return {f.decode() for f in ds.as_numpy_iterator()}


def test_tiny_config_renders_every_digit_of_every_font(tiny):
    info = tfxlearn.data.info("font_digits/tiny")
    assert info.features["image"].shape == (28, 28, 1)
    for split, renders in (("train", 2), ("test", 1)):
        images, labels = tiny[split]
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28, 1)
        fonts = len(_fonts(split))
        assert len(labels) == fonts * 10 * renders
        np.testing.assert_array_equal(np.bincount(labels, minlength=10), fonts * renders)
        # white digits on black: ink present, borders mostly empty
        assert images.reshape(len(images), -1).max(axis=1).min() > 128
        assert images[:, 0, :, 0].mean() < images[:, 14, :, 0].mean()


def test_train_and_test_font_families_are_disjoint():
    train, test = _fonts("train"), _fonts("test")
    family = lambda name: next(f for f in font_digits.TEST_FAMILIES if name.startswith(f))  # noqa: E731
    assert {family(f) for f in test} == set(font_digits.TEST_FAMILIES)
    assert not any(f.startswith(font_digits.TEST_FAMILIES) for f in train)
    assert len(train) >= 40 and len(test) >= 10  # styles of many real font files


def test_renders_are_a_function_of_the_seed_only():
    config = font_digits.FontDigitsConfig(name="t")
    from PIL import ImageFont

    path = font_digits.font_files()[0]
    font = ImageFont.truetype(path, font_digits.GLYPH_POINTS)
    a = font_digits.render(font, 3, np.random.default_rng([1, 2, 3]), config)
    b = font_digits.render(font, 3, np.random.default_rng([1, 2, 3]), config)
    c = font_digits.render(font, 3, np.random.default_rng([1, 2, 4]), config)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_missing_font_packages_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install -y fonts-comic-neue"):
        font_digits.font_files(str(tmp_path))


def test_domain_pairs_batches_source_labels_with_unlabelled_target():
    pairs = domains.load_pair(
        "font_digits/tiny", "digits", batch_size=8, image_size=(28, 28, 1), seed=3
    )
    assert int(pairs.cardinality()) == 1438 // 8  # one pass over the target
    (source, target), labels = next(iter(pairs))
    assert source.shape == target.shape == (8, 28, 28, 1)
    assert source.dtype == target.dtype == tf.float32 and labels.dtype == tf.int32
    assert float(tf.reduce_min(target)) >= 0 and float(tf.reduce_max(source)) <= 1
    # target in stored order, and the target's labels never appear
    want = tfxlearn.data.load("digits", "train", image_size=(28, 28, 1)).take(8).batch(8)
    np.testing.assert_allclose(target, next(iter(want))["image"].numpy() / 255.0, atol=1e-6)
    # same seed, same batches; the source cycles through every example
    again = domains.load_pair(
        "font_digits/tiny", "digits", batch_size=8, image_size=(28, 28, 1), seed=3
    )
    np.testing.assert_array_equal(next(iter(again))[1], labels)
    counts = np.bincount(np.concatenate([b[1] for b in pairs.as_numpy_iterator()]))
    assert counts.min() > 0.8 * counts.max()  # balanced classes, several passes


def test_domains_of_different_sizes_are_refused_naming_image_size():
    with pytest.raises(ValueError, match="image_size"):
        domains.load_pair("font_digits/tiny", "digits", batch_size=4)
    source = tf.data.Dataset.from_tensor_slices(
        {"image": np.zeros([8, 8, 8, 1], np.uint8), "label": np.zeros(8, np.int64)}
    )
    with pytest.raises(ValueError, match="unbatched"):
        domains.domain_pairs(source.batch(2), source, batch_size=2)
    with pytest.raises(ValueError, match="must be labelled"):
        domains.domain_pairs(source.map(lambda e: {"image": e["image"]}), source, batch_size=2)


def test_domain_adaptation_op_in_a_pipeline_shape():
    target = tfxlearn.data.load("digits", "train").take(16)
    target = target.enumerate().map(lambda i, e: {"image": e["image"], "index": i})
    op = tfxlearn.pretext.get("domain_adaptation")
    assert op.batches_itself
    batches = op(target, batch_size=4, source="font_digits/tiny", image_size=(8, 8, 1))
    (source, tgt), labels = next(iter(batches))
    assert source.shape == tgt.shape == (4, 8, 8, 1) and labels.shape == (4,)
    assert tfds.builder("font_digits/tiny").info.splits["train"].num_examples > 0
