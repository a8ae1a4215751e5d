"""Unpaired batches of two unlabelled image domains (unpaired translation, CycleGAN).

In a pipeline the configured `dataset` is domain **B** (the translation's
target, e.g. real handwritten digits): ExampleGen gives its training images
without labels. This op loads domain **A** by name (e.g. `font_digits`) and
pairs the two (`tfxlearn.data.unpaired.unpaired_batches`):

    (images_a, images_b)     float32 [batch_size, H, W, C] in [0, 1] each

Like `domain_adaptation`, it takes the unbatched examples and batches them
itself (`unpaired_domains.batches_itself`): one pass over B per epoch, A cycled
in stateless per-pass permutations of `seed`.

Shortcut guarded against: no labels of either domain reach the model (every
feature but the image is dropped), so nothing pairs an A image with a B image
of the same class - the translation is learnt from unpaired data, as in the
paper.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import load
from tfxlearn.data.unpaired import unpaired_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


@PRETEXT_OPS.register("unpaired_domains")
def unpaired_domains(
    ds: tf.data.Dataset,
    *,
    batch_size: int,
    domain_a: str,
    a_split: str = "train",
    image_size=None,
    max_a: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    image_key: str = "image",
) -> tf.data.Dataset:
    """(images of A, images of B) batches.

    Args:
        ds: domain B, unbatched dicts with `image_key` (ExampleGen's elements).
        batch_size: examples of each domain per batch.
        domain_a: TFDS name of domain A (e.g. "font_digits").
        a_split: its split (e.g. "train[:90%]" to keep a validation carve).
        image_size: (height, width, channels) A's images are resized to (B's own
            size, set by `dataset.image_size`, must match).
        max_a: keep only the first examples of A (smoke runs).
        seed: seed of A's permutations.
    """
    spec = ds.element_spec if isinstance(ds, tf.data.Dataset) else None
    if isinstance(spec, dict) and image_key in spec and spec[image_key].shape.rank != 3:
        raise ValueError(
            f"unpaired_domains: ds must yield single examples of domain B (images [height, "
            f"width, channels]), got image shape {spec[image_key].shape}; the op batches "
            "itself (batch_size), so do not batch ds first"
        )
    a = load(domain_a, a_split, data_dir=data_dir, image_size=image_size)
    if max_a:
        a = a.take(int(max_a))
    return unpaired_batches(a, ds, batch_size=batch_size, seed=seed, image_key=image_key)


unpaired_domains.batches_itself = True


@PRETEXT_PLOTS.register("unpaired_domains")
def plot(batch, path: str, *, title: str | None = None, model=None, count: int = 8) -> str:
    """Rows of A images and B images; with a trained `model` (`translate`,
    `reconstruct`), columns A | A -> B | A -> B -> A and B | B -> A | B -> A -> B;
    with a refiner (`refine`, SimGAN: A synthetic, B real), pairs A | refined A
    followed by B images."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    a, b = (np.asarray(t, np.float32)[: max(1, int(count))] for t in batch)
    if model is not None and callable(getattr(model, "refine", None)):
        refined = model.refine(a)
        rows = [image for pair in zip(a, refined) for image in pair] + list(b)
        titles = ["synthetic", "refined"] * len(a) + ["real"] * len(b)
        return viz.image_grid(
            np.stack(rows), titles, path, columns=6, title=title or "synthetic | refined; real"
        )
    if model is None or not callable(getattr(model, "translate", None)):
        images = np.concatenate([a, b])
        titles = ["A"] * len(a) + ["B"] * len(b)
        return viz.image_grid(images, titles, path, columns=len(a), title=title or "A | B")
    rows, titles = [], []
    for images, direction, names in ((a, "a_to_b", "A"), (b, "b_to_a", "B")):
        other = "B" if names == "A" else "A"
        translated = model.translate(images, direction)
        reconstructed = model.reconstruct(images, direction)
        for x, y, z in zip(images, translated, reconstructed):
            rows += [x, y, z]
            titles += [names, f"{names}->{other}", f"{names}->{other}->{names}"]
    return viz.image_grid(
        np.stack(rows), titles, path, columns=6, title=title or "translations and round trips"
    )
