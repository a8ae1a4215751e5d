"""Activation maximization: optimize input images so that an objective grows.

`render(model, objective)` starts from random parameters (seeded), and for
`steps` steps draws the images from their parametrization, applies random
robustness transforms, runs the model (inference mode) and takes an Adam step up
the objective's gradient (Erhan et al. 2009; Olah et al., Distill 2017).
`dataset_examples` ranks real images by the same objective (the "dataset
examples" that Olah et al. show next to each visualization).

Objectives may read any layer of a Keras functional or Sequential model,
including layers of nested functional models (an encoder inside a classifier),
through `tfxlearn.nets.feature_model` (shared with style transfer).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.nets.layer_outputs import OUTPUT, feature_model, layer_names  # noqa: F401 (re-exported)
from tfxlearn.progress import progress
from tfxlearn.visualize import parametrizations
from tfxlearn.visualize import transforms as transforms_lib
from tfxlearn.visualize.objectives import Objective, as_objective


@dataclasses.dataclass
class Rendering:
    """What `render` returns.

    Attributes:
        images: [n, H, W, C] float32 in (0, 1), the optimized images.
        scores: [n] each image's objective on the untransformed final image.
        history: [steps] the batch's mean objective (on transformed images) per step.
        objectives: the objective of each image.
    """

    images: np.ndarray
    scores: np.ndarray
    history: np.ndarray
    objectives: list


def _check_channels(features: keras.Model, objectives: Sequence[Objective]) -> None:
    shapes = {name: tensor.shape for name, tensor in features.output.items()}
    for objective in objectives:
        for layer, index, argument in objective.channels:
            count = shapes[layer][-1]
            if count is not None and index >= count:
                where = "the model's output" if layer == OUTPUT else f"layer {layer!r}"
                raise ValueError(
                    f"{argument} {index} is out of range: {where} has {count} channels "
                    f"(0..{count - 1})"
                )


def _objectives(objective) -> list[Objective]:
    if isinstance(objective, (list, tuple)):
        if not objective:
            raise ValueError("objective must be an Objective or a non-empty list of them")
        return [as_objective(o) for o in objective]
    return [as_objective(objective)]


def _input_shape(model: keras.Model, image_shape) -> tuple[int, int, int]:
    shape = tuple(model.inputs[0].shape[1:]) if image_shape is None else tuple(image_shape)
    if len(shape) != 3 or any(d is None or int(d) < 1 for d in shape):
        raise ValueError(
            f"image_shape must be (height, width, channels); the model's input is "
            f"{tuple(model.inputs[0].shape)}: pass image_shape for an undefined size"
        )
    return tuple(int(d) for d in shape)


def render(
    model: keras.Model,
    objective,
    *,
    n: int | None = None,
    steps: int = 256,
    learning_rate: float = 0.05,
    param="fourier",
    transforms="standard",
    seed: int = 0,
    image_shape: Sequence[int] | None = None,
    show_progress: bool = True,
) -> Rendering:
    """Optimizes `n` images to maximize `objective` for `model`.

    Args:
        model: a Keras functional or Sequential model taking images in [0, 1].
        objective: an `Objective` (shared by all images), or a list of them
            (image i maximizes objective i mod len).
        n: images in the batch (default: 1, or the list's length).
        steps: optimization steps (Adam).
        learning_rate: Adam's learning rate.
        param: "fourier" (decorrelated, Olah et al.), "pixel", or an object from
            `tfxlearn.visualize.parametrizations`.
        transforms: "standard" (jitter, scale, rotate, jitter; see
            `transforms.standard`), None / [] for none, or a list of transforms.
        seed: the run is a function of this seed (initial images and each step's
            random transforms are stateless draws).
        image_shape: (H, W, C) when the model's input size is undefined.
        show_progress: a progress bar over the steps (`TFXLEARN_PROGRESS=0` hides it).

    Returns:
        A `Rendering` (images, per-image scores, history).

    Raises:
        ValueError: unknown layer names (listing the model's layers), a channel or
            class index out of range, or bad arguments, before any step.
    """
    objectives = _objectives(objective)
    n = len(objectives) if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    shape = _input_shape(model, image_shape)
    layers = [name for o in objectives for name in o.layers]
    features = feature_model(model, layers or [OUTPUT])
    _check_channels(features, objectives)
    param = parametrizations.get(param)
    if isinstance(transforms, str):
        if transforms != "standard":
            raise ValueError(f"transforms must be 'standard', None or a list, got {transforms!r}")
        transforms = transforms_lib.standard(min(shape[:2]))
    transforms = list(transforms or [])

    assignment = tf.one_hot(np.arange(n) % len(objectives), len(objectives))  # [n, K]

    def scores_of(images, transformed):
        acts = features(transformed, training=False)
        per = tf.stack([o(acts, images) for o in objectives], axis=1)  # [n, K]
        return tf.reduce_sum(per * assignment, axis=1)

    params = tf.Variable(param.initial((n, *shape), seed), name="visualize_params")
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build([params])

    @tf.function
    def step(index):
        with tf.GradientTape() as tape:
            images = param.images(params)
            seen = transforms_lib.compose(
                transforms, images, tf.stack([tf.constant(seed + 1, tf.int32), index])
            )
            scores = scores_of(images, seen)
            loss = -tf.reduce_sum(scores)
        optimizer.apply_gradients([(tape.gradient(loss, params), params)])
        return tf.reduce_mean(scores)

    history = []
    name = objectives[0].name if len(objectives) == 1 else f"{len(objectives)} objectives"
    steps_iter = range(steps)
    if show_progress:
        steps_iter = progress(steps_iter, total=steps, desc=f"visualize {name}", unit="step")
    for i in steps_iter:
        history.append(float(step(tf.constant(i, tf.int32))))
    images = param.images(params)
    final = scores_of(images, images)
    return Rendering(
        images=images.numpy().astype(np.float32),
        scores=final.numpy(),
        history=np.asarray(history, np.float32),
        objectives=[objectives[i % len(objectives)] for i in range(n)],
    )


def objective_scores(
    model: keras.Model, objective: Objective, images, batch_size: int = 256
) -> np.ndarray:
    """`objective` on each of `images` [n, H, W, C] (floats in [0, 1]), in inference mode."""
    objective = as_objective(objective)
    features = feature_model(model, objective.layers or [OUTPUT])
    _check_channels(features, [objective])
    images = np.asarray(images, np.float32)
    out = []
    for start in range(0, len(images), int(batch_size)):
        batch = tf.constant(images[start : start + int(batch_size)])
        out.append(objective(features(batch, training=False), batch).numpy())
    return np.concatenate(out) if out else np.zeros([0], np.float32)


def dataset_examples(
    model: keras.Model, objective: Objective, images, k: int = 8, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` real images that score highest on `objective`: (indices, scores),
    best first."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    scores = objective_scores(model, objective, images, batch_size)
    top = np.argsort(-scores, kind="stable")[:k]
    return top, scores[top]


def save_grid(
    images,
    path: str,
    *,
    captions: Sequence[str] | None = None,
    title: str | None = None,
    columns: int = 8,
) -> str:
    """Draws `images` [n, H, W, C] as a PNG grid (`tfxlearn.viz.image_grid`), each
    captioned; returns the path."""
    from tfxlearn import viz  # matplotlib only when a grid is drawn

    images = np.asarray(images)
    if captions is not None and len(captions) != len(images):
        raise ValueError(
            f"captions must have one entry per image ({len(images)}), got {len(captions)}"
        )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    labels = None if captions is None else list(range(len(images)))
    return viz.image_grid(
        images, labels, path, label_names=captions, columns=min(columns, len(images)), title=title
    )
