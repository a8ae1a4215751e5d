import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.jigsaw import jigsaw_tiles, permutation_set
from tfxlearn.pretext.patches import MIN_STD

from ._common import fashion_mnist_images

TILE = 8


def _puzzle(image, label, permutations, rng, tile, reference):
    """One image's shuffled, per-tile normalized tiles (slot order)."""
    grid = 3
    cell = np.array(image.shape[:2]) // grid
    slack = np.array(image.shape[:2]) - grid * cell
    origin = np.array([rng.integers(0, slack[0] + 1), rng.integers(0, slack[1] + 1)])
    tiles = []
    for cell_index in permutations[label]:
        r, c = divmod(int(cell_index), grid)
        y = origin[0] + r * cell[0] + rng.integers(0, cell[0] - tile + 1)
        x = origin[1] + c * cell[1] + rng.integers(0, cell[1] - tile + 1)
        t = image[y : y + tile, x : x + tile].astype(np.float32) / 255.0
        t = (t - t.mean()) / max(t.std(), MIN_STD) * reference[1] + reference[0]
        tiles.append(t)
    return np.stack(tiles)


def numpy_per_sample(images: np.ndarray, batch: int, seed: int = 0, tile: int = TILE, labels=None):
    """One puzzle per image from the 100-permutation set."""
    permutations = permutation_set(100)
    rng = np.random.default_rng(seed)
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        floats = chunk.astype(np.float32) / 255.0
        reference = (floats.mean(), floats.std())
        chunk_labels = (
            rng.integers(0, len(permutations), len(chunk)) if labels is None else labels
        ).astype(np.int32)
        tiles = [
            _puzzle(image, label, permutations, rng, tile, reference)
            for image, label in zip(chunk, chunk_labels)
        ]
        yield np.stack(tiles), chunk_labels


def check(images):
    # 27x27 images with 9x9 tiles leave no room to move: exact agreement given the labels.
    small = images[:8, :27, :27]
    got, labels = jigsaw_tiles(small, tf.constant([0, 0]), permutation_set(100), tile_size=9)
    want, _ = next(numpy_per_sample(small, 8, tile=9, labels=labels.numpy()))
    np.testing.assert_allclose(got, want, atol=1e-4)
    want, _ = next(numpy_per_sample(images[:8], 8))
    got, _ = jigsaw_tiles(images[:8], tf.constant([0, 0]), permutation_set(100), tile_size=TILE)
    assert got.shape == want.shape


def build_model():
    model = tfxlearn.paradigms.get("jigsaw")(encoder=tfxlearn.nets.conv_encoder((None, None, 1)))
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "jigsaw",
    "op_args": {"num_permutations": 100, "tile_size": TILE},
    "images": fashion_mnist_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1].shape[0]),
    "build_model": build_model,
}
