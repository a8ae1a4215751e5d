"""Labelled source batches paired with unlabelled target batches (domain adaptation).

In a pipeline the configured `dataset` is the **target** domain: ExampleGen gives
its training images without labels (`dataset.pretext_labels` stays off) and the
Evaluator measures the adapted classifier on its test split. This op loads the
labelled **source** domain by name and pairs the two
(`tfxlearn.data.domains.domain_pairs`):

    ((source_images, target_images), source_labels)

Like `semi_supervised`, it takes the unbatched examples and batches them itself
(`domain_adaptation.batches_itself`): `batch_size` examples of each domain per
batch, one pass over the target per epoch, the source cycled in stateless
per-pass permutations of `seed`.

Shortcut guarded against: the target's labels never reach the model (ExampleGen
leaves them out, and `domain_pairs` drops any feature but the image).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data import load
from tfxlearn.data.domains import domain_pairs
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


@PRETEXT_OPS.register("domain_adaptation")
def domain_adaptation(
    ds: tf.data.Dataset,
    *,
    batch_size: int,
    source: str,
    source_split: str = "train",
    image_size=None,
    max_source: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    image_key: str = "image",
) -> tf.data.Dataset:
    """((source images, target images), source labels) batches.

    Args:
        ds: the target domain, unbatched dicts with `image_key` (ExampleGen's
            elements).
        batch_size: examples of each domain per batch.
        source: TFDS name of the labelled source domain (e.g. "font_digits").
        source_split: its split (e.g. "train[:90%]" to keep a validation carve).
        image_size: (height, width, channels) the source images are resized to
            (the target's own size, set by `dataset.image_size`, must match).
        max_source: keep only the first source examples (smoke runs).
        seed: seed of the source's permutations.
    """
    spec = ds.element_spec if isinstance(ds, tf.data.Dataset) else None
    if isinstance(spec, dict) and image_key in spec and spec[image_key].shape.rank != 3:
        raise ValueError(
            f"domain_adaptation: ds must yield single target examples (images [height, width, "
            f"channels]), got image shape {spec[image_key].shape}; the op batches itself "
            "(batch_size), so do not batch ds first"
        )
    src = load(source, source_split, data_dir=data_dir, image_size=image_size)
    if max_source:
        src = src.take(int(max_source))
    return domain_pairs(src, ds, batch_size=batch_size, seed=seed, image_key=image_key)


domain_adaptation.batches_itself = True


@PRETEXT_PLOTS.register("domain_adaptation")
def plot(batch, path: str, *, title: str | None = None, model=None, count: int = 16) -> str:
    """Source images titled with their labels, then target images titled "target"
    (with a trained `model`, both titled with its prediction as well)."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    (source, target), labels = batch
    half = max(1, int(count) // 2)
    source, target = (np.asarray(t, np.float32)[:half] for t in (source, target))
    labels = np.asarray(labels)[: len(source)]
    titles = [f"source {y}" for y in labels] + ["target"] * len(target)
    if model is not None and callable(getattr(model, "classify", None)):
        predicted = np.argmax(model.classify(np.concatenate([source, target])), axis=-1)
        titles = [f"{t} -> {p}" for t, p in zip(titles, predicted)]
    return viz.image_grid(
        np.concatenate([source, target]),
        titles,
        path,
        columns=8,
        title=title or "source (labelled) | target (unlabelled)",
    )
