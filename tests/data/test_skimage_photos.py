"""The offline `skimage_photos` TFDS builder: features, splits, determinism, disjoint regions."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("skimage")

from tfxlearn.data import skimage_photos as sp  # noqa: E402


def test_crop_regions_are_disjoint_and_inside():
    for k, photo in enumerate(sp.load_photos().values()):
        height, width = photo.shape[:2]
        train = sp.crop_positions(k, photo.shape, "train")
        test = sp.crop_positions(k, photo.shape, "test")
        assert len(train) == sp.TRAIN_PER_PHOTO and len(test) == sp.TEST_PER_PHOTO
        boundary = int(np.floor(sp.TRAIN_FRACTION * height))
        assert (train[:, 0] + sp.CROP <= boundary).all() and (train[:, 0] >= 0).all()
        assert (test[:, 0] >= boundary).all() and (test[:, 0] + sp.CROP <= height).all()
        assert (train[:, 1] + sp.CROP <= width).all() and (test[:, 1] + sp.CROP <= width).all()


def test_positions_are_deterministic():
    shape = (300, 451, 3)
    np.testing.assert_array_equal(
        sp.crop_positions(2, shape, "train"), sp.crop_positions(2, shape, "train")
    )
    assert not np.array_equal(
        sp.crop_positions(2, shape, "train")[:100], sp.crop_positions(2, shape, "test")
    )
    with pytest.raises(ValueError, match="split"):
        sp.crop_rows(300, "validation")


def test_load_features_shapes_and_sizes():
    import tfxlearn.data as data

    info = data.info("skimage_photos")
    assert info.splits["train"].num_examples == 8 * sp.TRAIN_PER_PHOTO
    assert info.splits["test"].num_examples == 8 * sp.TEST_PER_PHOTO
    assert info.features["label"].names == list(sp.PHOTOS)
    batch = next(iter(data.load("skimage_photos", "test").batch(64)))
    assert batch["image"].shape == (64, 32, 32, 3) and batch["image"].dtype.name == "uint8"
    assert batch["lightness"].shape == (64, 32, 32, 1) and batch["lightness"].dtype.name == "uint8"
    from tfxlearn.pretext.colorization import rgb_to_lab

    expected = np.round(np.asarray(rgb_to_lab(batch["image"]))[..., :1] * 2.55)
    assert np.abs(expected - batch["lightness"].numpy()).max() <= 1
    assert set(np.unique(batch["label"].numpy())) <= set(range(8))


def test_colorization_pipeline_config_and_plot(tmp_path):
    """The smoke config reads RGB for the pretext and L for the probe; its plot draws a PNG."""
    import tensorflow as tf

    import tfxlearn
    from tfxlearn import pipeline
    from tfxlearn.pretext.colorization import colorization

    config = pipeline.load_config("colorization_skimage_photos", smoke=True)
    assert config["dataset"]["pretext_image_key"] == "image"
    assert config["dataset"]["image_key"] == "lightness"
    images = tfxlearn.data.as_arrays(tfxlearn.data.load("skimage_photos", "test").take(4))[0]
    batch = next(iter(colorization(tf.data.Dataset.from_tensors(images), seed=3)))
    encoder = tfxlearn.nets.conv_encoder((32, 32, 1), widths=(4, 8))
    model = tfxlearn.paradigms.get("colorization")(encoder=encoder, decoder_widths=(8, 4))
    plot = tfxlearn.pretext.get_plot("colorization")
    path = plot(batch, str(tmp_path / "examples.png"), model=model)
    assert (tmp_path / "examples.png").stat().st_size > 0 and path.endswith("examples.png")
