import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import coordinate_images, uint8_images

import tfxlearn
from tfxlearn.pretext import jigsaw, jigsaw_tiles, permutation_set, unshuffle


def _hamming(perms):
    d = (perms[:, None, :] != perms[None, :, :]).sum(-1)
    return d[np.triu_indices(len(perms), 1)]


def test_permutation_set_is_distinct_far_apart_deterministic_and_cached():
    perms = permutation_set(100, seed=0)
    assert perms.shape == (100, 9) and perms.dtype == np.int32
    np.testing.assert_array_equal(np.sort(perms, axis=1), np.tile(np.arange(9), (100, 1)))
    assert len({tuple(p) for p in perms}) == 100
    assert _hamming(perms).mean() > 7.9  # paper: ~8 for the "maximal" set
    assert permutation_set(100, seed=0) is perms  # cached, and read-only
    assert not perms.flags.writeable
    assert not np.array_equal(permutation_set(100, seed=1), perms)
    # Greedy: a smaller set is a prefix of a larger one with the same seed.
    np.testing.assert_array_equal(permutation_set(10, seed=0), perms[:10])
    # A 2x2 grid has 4! = 24 permutations: the full set is all of them.
    assert len({tuple(p) for p in permutation_set(24, seed=0, num_tiles=4)}) == 24


def test_permutation_set_refuses_bad_sizes():
    with pytest.raises(ValueError, match=r"between 2 and 9! = 362880"):
        permutation_set(math.factorial(9) + 1)
    with pytest.raises(ValueError, match="between 2 and"):
        permutation_set(1)
    with pytest.raises(ValueError, match=r"between 2 and 4! = 24"):
        permutation_set(25, num_tiles=4)
    with pytest.raises(ValueError, match="num_tiles"):
        permutation_set(10, num_tiles=16)


@pytest.mark.parametrize("grid, shape", [(3, (28, 28)), (3, (31, 29)), (2, (20, 20))])
def test_unshuffling_by_the_label_restores_the_grid_order(grid, shape):
    perms = permutation_set(24 if grid == 2 else 50, num_tiles=grid * grid)
    x = coordinate_images(batch=8, height=shape[0], width=shape[1])
    tile = 8
    tiles, labels = jigsaw_tiles(
        x,
        tf.constant([1, 2]),
        perms,
        grid=grid,
        tile_size=tile,
        normalize=False,
        permutations_per_image=2,
    )
    assert tiles.shape == (16, grid * grid, tile, tile, 2) and labels.shape == (16,)
    restored = unshuffle(tiles, labels, perms).numpy()
    corners = restored[:, :, 0, 0]  # [n, T, 2] (row, col) of each tile's corner
    cell = np.array(shape) // grid
    cells = np.array([(r, c) for r in range(grid) for c in range(grid)])
    # Property: after un-permuting, tile j lies inside grid cell j (slack + jitter < cell).
    np.testing.assert_array_equal(corners // cell, np.broadcast_to(cells, corners.shape))
    assert (corners % cell + tile <= cell + np.array(shape) - grid * cell).all()
    # ... and the shuffled tiles are the grid tiles in the label's permutation order.
    slots = perms[labels.numpy()]
    np.testing.assert_array_equal(tiles.numpy()[:, :, 0, 0] // cell, cells[slots])
    # Tiles are plain crops (contiguous coordinates).
    steps = restored[:, :, :, 0, 0] - restored[:, :, :1, 0, 0]
    np.testing.assert_array_equal(steps, np.broadcast_to(np.arange(tile), steps.shape))


def test_tiles_are_jittered_and_normalized_independently():
    x = uint8_images(batch=16)
    perms = permutation_set(100)
    raw, labels = jigsaw_tiles(coordinate_images(16), tf.constant([0, 0]), perms, normalize=False)
    offsets = unshuffle(raw, labels, perms).numpy()[:, :, 0, 0] % 9
    assert len(np.unique(offsets)) == 3  # the crop moves inside its cell (0..2)
    tiles, labels = jigsaw_tiles(x, tf.constant([0, 0]), perms)
    reference = x.astype(np.float32) / 255.0
    np.testing.assert_allclose(tiles.numpy().mean(axis=(2, 3, 4)), reference.mean(), atol=1e-4)
    np.testing.assert_allclose(tiles.numpy().std(axis=(2, 3, 4)), reference.std(), rtol=1e-3)
    again, labels_again = jigsaw_tiles(x, tf.constant([0, 0]), perms)
    np.testing.assert_array_equal(again, tiles)  # stateless
    np.testing.assert_array_equal(labels_again, labels)
    _, other = jigsaw_tiles(x, tf.constant([0, 1]), perms)
    assert not np.array_equal(other, labels)


def test_bad_inputs_have_clear_errors():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 28, 28, 1), np.uint8))
    with pytest.raises(ValueError, match=r"tile_size 10 does not fit .* 28 // grid 3 = 9"):
        jigsaw(ds.batch(2), tile_size=10)
    with pytest.raises(ValueError, match="grid must be one of"):
        jigsaw(ds.batch(2), grid=4)
    with pytest.raises(ValueError, match="between 2 and"):
        jigsaw(ds.batch(2), num_permutations=400_000)
    with pytest.raises(ValueError, match="permutations_per_image"):
        jigsaw(ds.batch(2), permutations_per_image=0)
    with pytest.raises(ValueError, match=r"\.batch\(n\)"):
        jigsaw(ds)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        jigsaw(np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match=r"permutations must be \[num_permutations, 9\]"):
        jigsaw_tiles(np.zeros((2, 28, 28, 1)), tf.constant([0, 0]), np.zeros((5, 4), np.int32))


def test_paradigm_stores_the_permutation_set_and_plots(tmp_path):
    model = tfxlearn.paradigms.get("jigsaw")(
        encoder=tfxlearn.nets.conv_encoder((None, None, 1), widths=(4, 8)),
        num_permutations=30,
        permutation_seed=3,
        hidden=8,
    )
    config = model.get_config()
    assert (config["num_permutations"], config["permutation_seed"], config["grid"]) == (30, 3, 3)
    np.testing.assert_array_equal(model.permutations, permutation_set(30, 3))
    with pytest.raises(ValueError, match="between 2 and"):
        type(model)(encoder=keras.Sequential([]), num_permutations=1)
    batch = jigsaw_tiles(uint8_images(batch=2), tf.constant([0, 0]), permutation_set(30, 3))
    assert model(batch[0]).shape == (2, 30)
    plot = tfxlearn.pretext.get_plot("jigsaw")
    path = plot(batch, str(tmp_path / "jigsaw.png"), title="t", model=model)
    assert (tmp_path / "jigsaw.png").stat().st_size > 0 and path.endswith("jigsaw.png")
    assert tfxlearn.pretext.get("jigsaw") is jigsaw
