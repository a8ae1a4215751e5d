"""Jigsaw puzzle labels (Noroozi & Favaro, "Unsupervised Learning of Visual
Representations by Solving Jigsaw Puzzles", ECCV 2016).

Each image is cut into a 3x3 grid of tiles; the tiles are shuffled by one
permutation of a fixed set and the model predicts which one (label = index
of the permutation in the set). The set is chosen for large Hamming distance
between its permutations (the paper's greedy "maximal" algorithm), so that no
two puzzles differ by just a swap of two tiles.

Conventions. Tiles are numbered in reading order (0 = top-left, 8 =
bottom-right). Permutation `p = permutations[label]` puts the tile of grid
cell `p[s]` into slot `s`: `tiles[:, s] == grid_tiles[:, p[s]]`, and
`unshuffle(tiles, labels, permutations)` restores the grid order.

Shortcuts guarded against (paper, section 3.2):
- Edge continuity / low-level statistics of tile borders: each tile is a
  `tile_size` crop taken at a random position inside its grid cell
  (`cell = side // grid`), so neighbouring tiles are separated by a random gap
  (0 to 2 * (cell - tile_size) pixels; defaults: cell 9, tile 8 on 28x28) and do
  not line up exactly; the whole grid is also placed at a random position
  when the image is larger than the grid.
- Brightness/contrast matching between tiles: each tile is normalized
  independently (zero mean, unit std over its pixels), then rescaled to the
  batch's global mean/std so tiles stay in the value range of whole images,
  which the shared encoder also sees at evaluation.
- Ambiguous classes: maximal-Hamming permutation sets (average distance ~8 of
  9 tiles for 100 permutations) make every class a substantially different
  arrangement.
On small images the gaps are small: with 3x3 tiles of 8 pixels on 28x28
images the border matching above is still partly possible (measured: the
puzzle is 86% solved after 2 epochs while the features gain little), so
`pipelines/jigsaw_fashion_mnist.py` uses `grid=2, tile_size=10` (gaps of 0-8
pixels) instead.
The paper's chromatic-aberration counter-measures (grayscale images, colour
jitter per tile) are not applied; the benchmark images are grayscale.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.pretext.common import image_batches_spec, images_of, map_batches
from tfxlearn.pretext.patches import crop_patches, int_uniform, layout_canvas, normalize_patches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

_GRIDS = (2, 3)


def _check_set_args(size, seed, num_tiles) -> None:
    if num_tiles not in (g * g for g in _GRIDS):
        raise ValueError(
            f"permutation_set: num_tiles must be 4 (2x2 grid) or 9 (3x3 grid), got {num_tiles!r}"
        )
    total = math.factorial(num_tiles)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"permutation_set: size must be an int, got {size!r}")
    if not 2 <= size <= total:
        raise ValueError(
            f"permutation_set: size must be between 2 and {num_tiles}! = {total} "
            f"(the number of distinct permutations of {num_tiles} tiles), got {size}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"permutation_set: seed must be an int, got {seed!r}")


@functools.lru_cache(maxsize=4)
def _all_permutations(num_tiles: int) -> np.ndarray:
    perms = np.array(list(itertools.permutations(range(num_tiles))), np.uint8)
    perms.setflags(write=False)
    return perms


@functools.lru_cache(maxsize=16)
def _permutation_set(size: int, seed: int, num_tiles: int) -> np.ndarray:
    candidates = _all_permutations(num_tiles)  # [n!, n], lexicographic order
    # matches[s, v, k]: does candidate k put tile v into slot s? (29 MB for 9 tiles)
    matches = candidates.T[:, None, :] == np.arange(num_tiles, dtype=np.uint8)[None, :, None]
    # Summed Hamming distance to the chosen set = 9 * chosen - summed matches, so
    # the farthest candidate is the one with the fewest summed matches.
    summed = np.zeros(len(candidates), np.int32)
    chosen = np.empty(size, np.int64)
    chosen[0] = np.random.default_rng(seed).integers(len(candidates))
    for i in range(1, size):
        last = candidates[chosen[i - 1]]
        for slot in range(num_tiles):
            summed += matches[slot, last[slot]]
        summed[chosen[i - 1]] = np.iinfo(np.int32).max // 2  # never pick one twice
        chosen[i] = np.argmin(summed)  # ties: the lexicographically first
    result = candidates[chosen].astype(np.int32)
    result.setflags(write=False)
    return result


def permutation_set(size: int = 100, seed: int = 0, num_tiles: int = 9) -> np.ndarray:
    """A set of tile permutations with maximal average Hamming distance.

    The greedy algorithm of Noroozi & Favaro (2016, Algorithm 1, "maximal"):
    start from a random permutation, then repeatedly add the permutation (of
    all `num_tiles`! candidates) whose summed Hamming distance to the ones
    chosen so far is largest. Vectorized: one pass over the 9! x 9 candidate
    array per added permutation with a running sum of distances, so 100
    permutations take well under a second and 1000 a few seconds.

    The result depends only on (size, seed, num_tiles) and is cached in memory
    (`functools.lru_cache`), so every op call, the paradigm and the tests of a
    process share one computation. There is no on-disk cache: generation is
    deterministic and cheap next to training, and a file cache would need
    invalidation and a writable location for no measurable gain.

    Args:
        size: number of permutations (classes of the pretext task), 2..n!.
        seed: picks the first permutation (the rest follows deterministically).
        num_tiles: tiles per puzzle, 9 (3x3 grid) or 4 (2x2 grid).

    Returns:
        Read-only int32 array [size, num_tiles], distinct permutations.
    """
    _check_set_args(size, seed, num_tiles)
    return _permutation_set(int(size), int(seed), int(num_tiles))


def check_geometry(height: int | None, width: int | None, grid: int, tile_size: int) -> None:
    """Raises a clear ValueError unless a grid x grid set of tiles fits the image."""
    if grid not in _GRIDS:
        raise ValueError(f"jigsaw: grid must be one of {_GRIDS}, got {grid!r}")
    if isinstance(tile_size, bool) or not isinstance(tile_size, (int, np.integer)) or tile_size < 1:
        raise ValueError(f"jigsaw: tile_size must be an int >= 1, got {tile_size!r}")
    for side_name, side in (("height", height), ("width", width)):
        if side is not None and side // grid < tile_size:
            raise ValueError(
                f"jigsaw: tile_size {tile_size} does not fit the grid cells of the image: "
                f"image {side_name} {side} // grid {grid} = {side // grid} pixels per cell; "
                f"choose tile_size <= {side // grid} or a smaller grid"
            )


def jigsaw_tiles(
    images: tf.Tensor,
    seed: tf.Tensor,
    permutations: np.ndarray | tf.Tensor,
    *,
    grid: int = 3,
    tile_size: int = 8,
    permutations_per_image: int = 1,
    normalize: bool = True,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Shuffled tiles and the index of the permutation that shuffled them.

    Args:
        images: [batch, height, width, channels], uint8 or float in [0, 1].
        seed: shape [2] integer seed (stateless: same seed, same puzzles).
        permutations: int [num_permutations, grid * grid], e.g. `permutation_set()`.
        grid: tiles per side.
        tile_size: side of each tile (cropped at a random spot of its cell).
        permutations_per_image: puzzles per image (fresh crops and permutation
            each), interleaved per image.
        normalize: per-tile normalization (see the module docstring).

    Returns:
        (tiles float32 [n, grid * grid, tile_size, tile_size, channels] in
        slot order, labels int32 [n]) with n = permutations_per_image * batch.
    """
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(
            f"jigsaw: images must be a batch [batch, height, width, channels], got {images.shape}"
        )
    check_geometry(images.shape[1], images.shape[2], grid, tile_size)
    if int(permutations_per_image) < 1:
        raise ValueError(
            f"jigsaw: permutations_per_image must be >= 1, got {permutations_per_image!r}"
        )
    permutations = tf.convert_to_tensor(permutations, tf.int32)
    tiles_per_image = grid * grid
    if permutations.shape.rank != 2 or permutations.shape[1] != tiles_per_image:
        raise ValueError(
            f"jigsaw: permutations must be [num_permutations, {tiles_per_image}], "
            f"got shape {permutations.shape}"
        )
    seed = tf.cast(seed, tf.int32)
    label_seed, origin_seed, jitter_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 3)
    )
    shape = tf.shape(images)
    batch, k = shape[0], int(permutations_per_image)
    cell = tf.stack([shape[1], shape[2]]) // grid  # [2]
    slack = tf.stack([shape[1], shape[2]]) - grid * cell
    labels = int_uniform([batch, k], label_seed, 0, tf.shape(permutations)[0] - 1)
    origin = tf.stack(
        [
            int_uniform([batch, k, 1], s, 0, slack[a])
            for a, s in enumerate(
                tf.unstack(tf.random.experimental.stateless_split(origin_seed, 2))
            )
        ],
        axis=-1,
    )  # [B, K, 1, 2]
    cells = tf.constant([(r, c) for r in range(grid) for c in range(grid)], tf.int32)  # [T, 2]
    jitter = tf.stack(
        [
            int_uniform([batch, k, tiles_per_image], s, 0, cell[a] - tile_size)
            for a, s in enumerate(
                tf.unstack(tf.random.experimental.stateless_split(jitter_seed, 2))
            )
        ],
        axis=-1,
    )  # [B, K, T, 2]
    corners = origin + cells * cell + jitter  # [B, K, T, 2] in grid (reading) order
    slots = tf.gather(permutations, labels)  # [B, K, T]: slot s holds cell slots[s]
    corners = tf.gather(corners, slots, axis=2, batch_dims=2)  # slot order
    corners = tf.reshape(corners, [batch, k * tiles_per_image, 2])
    tiles = to_float_images(crop_patches(images, corners[..., 0], corners[..., 1], tile_size))
    tiles = tf.reshape(
        tiles, tf.stack([batch * k, tiles_per_image, tile_size, tile_size, shape[3]])
    )
    if normalize:
        tiles = normalize_patches(tiles, reference=to_float_images(images))
    return tiles, tf.reshape(labels, [-1])


def unshuffle(tiles, labels, permutations) -> tf.Tensor:
    """Puts shuffled tiles [n, T, ...] back into grid (reading) order.

    The inverse of the shuffle made by `jigsaw_tiles`: slot s holds grid cell
    `permutations[labels][s]`, so the tile of cell j is in slot argsort(p)[j].
    """
    permutations = tf.convert_to_tensor(permutations, tf.int32)
    inverse = tf.argsort(tf.gather(permutations, tf.cast(labels, tf.int32)), axis=-1)
    return tf.gather(tf.convert_to_tensor(tiles), inverse, axis=1, batch_dims=1)


def _grid_positions(grid: int) -> list[tuple[int, int]]:
    return [(r, c) for r in range(grid) for c in range(grid)]


def make_plot(permutations: np.ndarray):
    """A plot drawing puzzles (tiles in slot order) next to their solution (see `plot`)."""

    def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 8) -> str:
        from tfxlearn import viz

        tiles, labels = (np.asarray(t) for t in batch)
        tiles, labels = tiles[:examples], labels[:examples]
        grid = math.isqrt(tiles.shape[1])
        positions = _grid_positions(grid)
        restored = np.asarray(unshuffle(tiles, labels, permutations))
        predicted = None
        if model is not None:
            predicted = np.asarray(model(tiles, training=False)).argmax(-1)
        canvases, titles = [], []
        for i, label in enumerate(labels):
            canvases.append(layout_canvas(list(tiles[i]), positions, grid))
            titles.append(
                f"perm {label}" + ("" if predicted is None else f" / pred {predicted[i]}")
            )
            canvases.append(layout_canvas(list(restored[i]), positions, grid))
            titles.append("unshuffled")
        return viz.image_grid(np.stack(canvases), titles, path, title=title)

    return plot


@PRETEXT_PLOTS.register("jigsaw")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 8) -> str:
    num = model.num_permutations if model is not None else 100
    seed = model.permutation_seed if model is not None else 0
    grid = math.isqrt(np.asarray(batch[0]).shape[1])
    perms = permutation_set(num, seed, grid * grid)
    return make_plot(perms)(batch, path, title=title, model=model, examples=examples)


@PRETEXT_OPS.register("jigsaw")
def jigsaw(
    ds: tf.data.Dataset,
    *,
    num_permutations: int = 100,
    permutation_seed: int = 0,
    grid: int = 3,
    tile_size: int = 8,
    permutations_per_image: int = 1,
    normalize: bool = True,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of image batches into (shuffled tiles, permutation indices).

    Args:
        ds: batched dataset whose elements are dicts (TFDS, images under
            `image_key`), tuples (images first) or image tensors,
            [batch, height, width, channels], uint8 or float in [0, 1].
        num_permutations: size of the maximal-Hamming permutation set (the
            number of classes; the paper's default 100).
        permutation_seed: seed of the permutation set (the paradigm must be
            built with the same `num_permutations`; it stores both).
        grid: tiles per side (3 as in the paper, or 2).
        tile_size: side of each tile; must fit its cell, `side // grid`. The
            default 8 fits 28x28 images (cells of 9 pixels) and the 3-block
            `conv_encoder` (8 -> 4 -> 2 -> 1).
        permutations_per_image: puzzles made of each image (fresh crops and
            permutation each), interleaved per image.
        normalize: per-tile normalization (against brightness/contrast cues).
        seed: seed of the crops and permutation draws, combined with the batch
            index (same seed, same puzzles).
        image_key: key of the images in dict elements.

    Returns:
        A dataset of `(tiles float32 [n, grid**2, tile_size, tile_size,
        channels] in slot order, labels int32 [n])`, n = permutations_per_image * batch.
    """
    spec = image_batches_spec(ds, "jigsaw", image_key)
    check_geometry(spec.shape[1], spec.shape[2], grid, tile_size)
    permutations = permutation_set(num_permutations, permutation_seed, grid * grid)
    options = dict(
        grid=grid,
        tile_size=tile_size,
        permutations_per_image=permutations_per_image,
        normalize=normalize,
    )
    if int(permutations_per_image) < 1:
        raise ValueError(
            f"jigsaw: permutations_per_image must be >= 1, got {permutations_per_image!r}"
        )

    def make(batch_seed, element):
        return jigsaw_tiles(images_of(element, image_key), batch_seed, permutations, **options)

    return map_batches(ds, seed, make)
