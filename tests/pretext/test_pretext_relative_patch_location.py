import numpy as np
import pytest
import tensorflow as tf
from _helpers import coordinate_images, uint8_images

import tfxlearn
from tfxlearn.pretext import relative_patch_location, relative_patch_pairs
from tfxlearn.pretext.relative_patch_location import OFFSETS


@pytest.mark.parametrize(
    "mode, geometry, shape",
    [
        ("all", dict(patch_size=8, gap=1, jitter=1), (28, 28)),
        ("random", dict(patch_size=8, gap=1, jitter=1), (28, 28)),
        ("all", dict(patch_size=5, gap=3, jitter=2), (30, 36)),  # room to move the grid
    ],
)
def test_label_matches_the_offset_of_the_neighbour(mode, geometry, shape):
    x = coordinate_images(batch=16, height=shape[0], width=shape[1])
    pairs, labels = relative_patch_pairs(
        x, tf.constant([3, 4]), mode=mode, color_dropping=False, **geometry
    )
    pairs, labels = pairs.numpy(), labels.numpy()
    p, step, jitter = (
        geometry["patch_size"],
        geometry["patch_size"] + geometry["gap"],
        geometry["jitter"],
    )
    assert pairs.shape == ((8 if mode == "all" else 1) * 16, 2, p, p, 2)
    centre, neighbour = pairs[:, 0, 0, 0], pairs[:, 1, 0, 0]  # (row, col) of the corners
    # Property: neighbour - centre is the label's grid step, up to the jitter.
    deviation = neighbour - centre - OFFSETS[labels] * step
    assert np.abs(deviation).max() <= jitter
    assert jitter == 0 or np.abs(deviation).max() == jitter  # the jitter is used
    # Patches are plain crops: contiguous coordinates inside the image.
    steps = pairs[:, :, :, 0, 0] - pairs[:, :, :1, 0, 0]  # rows down the first column
    np.testing.assert_array_equal(steps, np.broadcast_to(np.arange(p), steps.shape))
    assert pairs[..., 0].min() >= 0 and pairs[..., 0].max() <= shape[0] - 1
    assert pairs[..., 1].min() >= 0 and pairs[..., 1].max() <= shape[1] - 1
    # Never overlapping: the gap along the offset's axes stays >= gap - jitter >= 0.
    distance = np.abs(neighbour - centre)
    moved = OFFSETS[labels] != 0
    assert (distance[moved] >= p + geometry["gap"] - jitter).all()


def test_all_mode_interleaves_the_8_positions_per_image():
    pairs, labels = relative_patch_pairs(uint8_images(batch=6), tf.constant([0, 0]))
    assert pairs.shape == (48, 2, 8, 8, 1) and pairs.dtype == tf.float32
    np.testing.assert_array_equal(labels, np.tile(np.arange(8), 6))
    assert float(tf.reduce_min(pairs)) >= 0.0 and float(tf.reduce_max(pairs)) <= 1.0


def test_stateless_randomness():
    x = uint8_images(batch=32)
    a = relative_patch_pairs(x, tf.constant([1, 2]), mode="random")
    b = relative_patch_pairs(x, tf.constant([1, 2]), mode="random")
    c = relative_patch_pairs(x, tf.constant([1, 3]), mode="random")
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[1], c[1])
    assert set(np.unique(a[1])) <= set(range(8))


def test_color_dropping_keeps_one_channel_per_patch():
    x = uint8_images(batch=4, channels=3)
    kept, _ = relative_patch_pairs(x, tf.constant([5, 6]), color_dropping=False)
    dropped, _ = relative_patch_pairs(x, tf.constant([5, 6]), color_dropping=True)
    kept, dropped = kept.numpy(), dropped.numpy()
    same = np.all(np.isclose(kept, dropped), axis=(-3, -2))  # [n, 2, C]
    np.testing.assert_array_equal(same.sum(-1), 1)  # exactly one original channel
    assert len(np.unique(same.argmax(-1))) == 3  # all channels get kept somewhere
    noise = dropped[~np.broadcast_to(same[:, :, None, None, :], dropped.shape)]
    assert noise.std() < 0.2  # low-amplitude noise, no structure
    # Grayscale: colour dropping is a no-op.
    gray = uint8_images(batch=4)
    np.testing.assert_array_equal(
        relative_patch_pairs(gray, tf.constant([5, 6]), color_dropping=True)[0],
        relative_patch_pairs(gray, tf.constant([5, 6]), color_dropping=False)[0],
    )


def test_normalize_gives_every_patch_the_batch_statistics():
    x = uint8_images(batch=4)
    pairs, _ = relative_patch_pairs(x, tf.constant([0, 1]), normalize=True)
    reference = x.astype(np.float32) / 255.0
    np.testing.assert_allclose(pairs.numpy().mean(axis=(2, 3, 4)), reference.mean(), atol=1e-4)
    np.testing.assert_allclose(pairs.numpy().std(axis=(2, 3, 4)), reference.std(), rtol=1e-3)


@pytest.mark.parametrize("mode", ["all"])  # "random": tests/pretext/test_pretext_contract.py
def test_eager_and_dataset_map_agree(mode):
    x = uint8_images(batch=12)
    ds = tf.data.Dataset.from_tensor_slices({"image": x, "index": np.arange(12)}).batch(4)
    got = list(relative_patch_location(ds, mode=mode, seed=7).as_numpy_iterator())
    assert len(got) == 3
    for b, (pairs, labels) in enumerate(got):
        want, want_labels = relative_patch_pairs(
            x[4 * b : 4 * b + 4], tf.constant([7, b]), mode=mode
        )
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_allclose(pairs, want, atol=1e-7)


def test_accepts_tuples_tensors_and_tfds(tfds_dir):
    x = uint8_images(batch=4).astype(np.float32) / 255.0
    for ds in (
        tf.data.Dataset.from_tensor_slices((x, np.arange(4))).batch(2),
        tf.data.Dataset.from_tensor_slices(x).batch(2),
    ):
        pairs, labels = next(iter(relative_patch_location(ds)))
        assert pairs.shape == (16, 2, 8, 8, 1) and labels.dtype == tf.int32
    digits = tfxlearn.data.load("digits", "test").batch(4)
    pairs, _ = next(iter(relative_patch_location(digits, patch_size=2, gap=1, jitter=0)))
    assert pairs.shape == (32, 2, 2, 2, 1)


def test_bad_inputs_have_clear_errors():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 28, 28, 1), np.uint8))
    with pytest.raises(ValueError, match=r"3 \* patch_size \+ 2 \* gap \+ 2 \* jitter.*height"):
        relative_patch_location(ds.batch(2), patch_size=8, gap=2, jitter=1)
    with pytest.raises(ValueError, match="gap .* must be >= jitter"):
        relative_patch_location(ds.batch(2), patch_size=6, gap=0, jitter=1)
    with pytest.raises(ValueError, match="patch_size must be an int >= 1"):
        relative_patch_location(ds.batch(2), patch_size=0)
    with pytest.raises(ValueError, match="mode"):
        relative_patch_location(ds.batch(2), mode="some")
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        relative_patch_location(ds)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        relative_patch_location(np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match="width of 20"):
        relative_patch_pairs(np.zeros((2, 28, 20, 1)), tf.constant([0, 0]))


def test_registered_and_plot(tmp_path):
    assert tfxlearn.pretext.get("relative_patch_location") is relative_patch_location
    batch = relative_patch_pairs(uint8_images(batch=2), tf.constant([0, 0]))
    plot = tfxlearn.pretext.get_plot("relative_patch_location")
    path = plot(batch, str(tmp_path / "rpl.png"), title="t")
    assert (tmp_path / "rpl.png").stat().st_size > 0 and path.endswith("rpl.png")
