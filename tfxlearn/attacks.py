"""L-infinity adversarial examples for image classifiers, and robust accuracy.

- **FGSM**, the fast gradient sign method (Goodfellow, Shlens & Szegedy,
  "Explaining and Harnessing Adversarial Examples", ICLR 2015):
  `x' = clip(x + eps * sign(grad_x L(f(x), y)))`, one step to the corner of the
  eps-ball that a linear model of the loss says is worst.
- **PGD**, projected gradient descent on the negative loss (Madry, Makelov,
  Schmidt, Tsipras & Vladu, "Towards Deep Learning Models Resistant to
  Adversarial Attacks", ICLR 2018): start at a uniformly random point of the
  eps-ball (random start), then `steps` signed-gradient steps of `step_size`,
  each followed by the projection back onto the eps-ball around `x` and the
  valid pixel range. With `restarts` > 1 the attack runs from several random
  starts and keeps, per example, the result of the highest loss.

The loss is the cross-entropy of the model's logits with the true label; the
examples of a batch are attacked together (one gradient of the summed loss per
step gives each example its own input gradient), so the model must treat the
examples of a batch independently: it is called in inference mode (batch norm
with its moving statistics, no dropout). Both attacks keep every pixel inside
`[x - eps, x + eps]` intersected with `clip` (the pixel range, [0, 1] for
tfxlearn images): the bounds are computed once and every iterate is clipped to
them, so the bound holds exactly as float32 arithmetic computes it.

`model` may be a Keras model (called with `training=False`), any callable from
images to logits (or to a dict holding `output`), or the path of a SavedModel
(e.g. a tfxlearn export, whose `serving_default` signature returns `logits`):
gradients flow through a loaded SavedModel's functions.

`robust_accuracy(model, data, eps=[...])` attacks a labelled dataset at several
radii; `tfxlearn.evaluation`'s `robust_accuracy` model protocol runs it for a
pipeline.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images

ATTACKS = ("fgsm", "pgd")
DEFAULT_CLIP = (0.0, 1.0)

# Madry et al.'s rule of thumb for the step size: 2.5 * eps / steps, long enough
# for the walk to cross the ball and come back from a random start.
STEP_SIZE_FACTOR = 2.5


# ---------------------------------------------------------------- argument checks


def check_clip(clip) -> tuple[float, float] | None:
    """`clip` as `(low, high)` floats with low < high, or None (no pixel range)."""
    if clip is None:
        return None
    try:
        low, high = (float(v) for v in clip)
    except (TypeError, ValueError):
        raise ValueError(f"clip must be a (low, high) pair or None, got {clip!r}") from None
    if not low < high:
        raise ValueError(f"clip must be (low, high) with low < high, got {clip!r}")
    return low, high


def check_eps(eps, clip=DEFAULT_CLIP) -> float:
    """A valid L-inf radius: a finite number > 0, and at most the width of `clip`."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise ValueError(f"eps must be a number > 0 (the L-inf radius), got {eps!r}")
    eps = float(eps)
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a finite number > 0 (the L-inf radius), got {eps!r}")
    clip = check_clip(clip)
    if clip is not None and eps > clip[1] - clip[0]:
        raise ValueError(
            f"eps={eps} is larger than the pixel range clip={clip}: every image is then "
            "within reach of every other"
        )
    return eps


def check_eps_list(eps, clip=DEFAULT_CLIP) -> list[float]:
    """One radius or a non-empty sequence of distinct radii, each checked by `check_eps`."""
    values = list(eps) if isinstance(eps, (list, tuple, np.ndarray)) else [eps]
    if not values:
        raise ValueError("eps must be a number > 0 or a non-empty list of them, got []")
    values = [check_eps(e, clip) for e in values]
    if len(set(values)) != len(values):
        raise ValueError(f"eps values must be distinct, got {values}")
    return values


def check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an int >= 1 (attack iterations), got {steps!r}")
    return int(steps)


def check_step_size(step_size, eps: float, steps: int) -> float:
    """`step_size` (a number > 0), or Madry et al.'s 2.5 * eps / steps when None."""
    if step_size is None:
        return STEP_SIZE_FACTOR * eps / steps
    if isinstance(step_size, bool) or not isinstance(
        step_size, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"step_size must be a number > 0 or None, got {step_size!r}")
    if not math.isfinite(float(step_size)) or float(step_size) <= 0:
        raise ValueError(f"step_size must be a finite number > 0 or None, got {step_size!r}")
    return float(step_size)


def check_restarts(restarts) -> int:
    if isinstance(restarts, bool) or not isinstance(restarts, (int, np.integer)) or restarts < 1:
        raise ValueError(f"restarts must be an int >= 1, got {restarts!r}")
    return int(restarts)


def _check_batch(images: tf.Tensor, labels: tf.Tensor, clip) -> tuple[tf.Tensor, tf.Tensor]:
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        images = to_float_images(images)
    if not images.dtype.is_floating:
        raise ValueError(f"images must be float (or uint8) images, got dtype {images.dtype.name}")
    if images.shape.rank is not None and images.shape.rank < 2:
        raise ValueError(f"images must be a batch [batch, ...], got shape {images.shape}")
    labels = tf.convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise ValueError(f"labels must be integer class ids, got dtype {labels.dtype.name}")
    if labels.shape.rank is not None and labels.shape.rank != 1:
        raise ValueError(f"labels must be a vector [batch] of class ids, got shape {labels.shape}")
    if (
        images.shape[0] is not None
        and labels.shape[0] is not None
        and images.shape[0] != labels.shape[0]
    ):
        raise ValueError(
            f"images and labels must have the same batch size, got {images.shape[0]} "
            f"and {labels.shape[0]}"
        )
    if clip is not None and tf.executing_eagerly() and int(tf.size(images)) > 0:
        low, high = float(tf.reduce_min(images)), float(tf.reduce_max(images))
        if low < clip[0] or high > clip[1]:
            raise ValueError(
                f"images must lie in the pixel range clip={clip}, got values in "
                f"[{low:.4g}, {high:.4g}] (uint8 images are scaled to [0, 1] by themselves)"
            )
    return images, tf.cast(labels, tf.int32)


# ---------------------------------------------------------------- the model


def logits_function(
    model, *, output: str = "logits", from_logits: bool = True
) -> Callable[[tf.Tensor], tf.Tensor]:
    """`images -> logits [batch, classes]` for a Keras model, a callable or a SavedModel.

    Args:
        model: a Keras model or layer (called with `training=False`), a callable
            returning logits or a dict holding `output`, or the path of a
            SavedModel (a version directory or a model directory of versions;
            its `serving_default` signature must take one image input).
        output: the key of the logits when the model returns a dict of several
            outputs (a dict of one output is that output).
        from_logits: False when the model returns probabilities (a final
            softmax); their logarithm is then used as logits.
    """
    if isinstance(model, (str, os.PathLike)):
        from tfxlearn.export import load_serving_fn  # only for SavedModels

        serve = load_serving_fn(model)
        inputs = sorted(serve.structured_input_signature[1])
        if len(inputs) != 1:
            raise ValueError(
                f"the SavedModel at {os.fspath(model)} takes inputs {inputs}; an attack needs "
                "a signature with one image input"
            )
        name = inputs[0]

        def call(images):
            return serve(**{name: images})

    elif isinstance(model, keras.layers.Layer):

        def call(images):
            return model(images, training=False)

    elif callable(model):
        call = model
    else:
        raise ValueError(
            f"model must be a Keras model, a callable or a SavedModel path, got "
            f"{type(model).__name__}"
        )

    def logits(images):
        out = call(images)
        if isinstance(out, dict) and output not in out and len(out) == 1:
            out = next(iter(out.values()))  # one output (a plain Keras model's export)
        if isinstance(out, dict):
            if output not in out:
                raise ValueError(
                    f"the model returns a dict without {output!r} (output); its keys: {sorted(out)}"
                )
            out = out[output]
        if isinstance(out, (list, tuple)):
            raise ValueError(
                "the model returns several outputs; pass a model (or callable) returning "
                "the class logits [batch, classes], or a dict and its key as `output`"
            )
        out = tf.convert_to_tensor(out)
        if out.shape.rank != 2:
            raise ValueError(
                f"the model must return class logits [batch, classes], got shape {out.shape}"
            )
        if not from_logits:
            out = tf.math.log(tf.maximum(tf.cast(out, tf.float32), 1e-12))
        return tf.cast(out, tf.float32)

    return logits


def loss_values(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Per-example cross-entropy [batch] of class `logits` with integer `labels`."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def input_gradient(logits_fn, images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """d(sum of the per-example losses) / d images: each example's own input gradient."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = tf.reduce_sum(loss_values(logits_fn(images), labels))
    gradient = tape.gradient(loss, images)
    if gradient is None:
        raise ValueError("the model's logits do not depend on its input images (no gradient)")
    return gradient


# ---------------------------------------------------------------- the attacks


def signed_gradient_steps(
    logits_fn,
    images: tf.Tensor,
    labels: tf.Tensor,
    *,
    eps,
    steps: int,
    step_size,
    start: tf.Tensor | None = None,
    clip=DEFAULT_CLIP,
) -> tf.Tensor:
    """The core of FGSM and PGD: `steps` signed-gradient ascent steps on the loss,
    each projected onto the L-inf ball of radius `eps` around `images` and the
    pixel range `clip`.

    No checks (see `fgsm` / `pgd`); works eagerly and inside `tf.function`
    (a `tf.while_loop`), e.g. in a training step.

    Args:
        logits_fn: images -> logits (see `logits_function`).
        images: float [batch, ...], inside `clip`.
        labels: int [batch].
        eps: the radius (a float or a scalar tensor).
        steps: number of steps (a Python int or a scalar int tensor).
        step_size: size of each signed step.
        start: the initial perturbation (e.g. uniform in [-eps, eps] for a
            random start), same shape as `images`; None starts at `images`.
        clip: the pixel range (low, high), or None.

    Returns:
        Adversarial images (no gradient flows back through them).
    """
    images = tf.stop_gradient(images)
    eps = tf.cast(eps, images.dtype)
    step_size = tf.cast(step_size, images.dtype)
    lower, upper = images - eps, images + eps
    if clip is not None:
        lower = tf.maximum(lower, tf.cast(clip[0], images.dtype))
        upper = tf.minimum(upper, tf.cast(clip[1], images.dtype))
    x = images if start is None else tf.clip_by_value(images + start, lower, upper)

    def body(i, x):
        gradient = input_gradient(logits_fn, x, labels)
        x = tf.clip_by_value(x + step_size * tf.sign(gradient), lower, upper)
        return i + 1, tf.stop_gradient(x)

    _, x = tf.while_loop(lambda i, _: i < steps, body, (tf.constant(0), x))
    return x


def uniform_start(shape, eps, seed) -> tf.Tensor:
    """A random start: uniform in [-eps, eps], drawn from a stateless `seed` ([2] ints)."""
    return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0) * eps


def _seed_pair(seed) -> tf.Tensor:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return tf.constant([int(seed), 0], tf.int64)
    seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
    if seed.shape != (2,):
        raise ValueError(f"seed must be an int or a pair of ints, got shape {seed.shape}")
    return seed


def fgsm(
    model,
    images,
    labels,
    eps: float,
    *,
    clip=DEFAULT_CLIP,
    from_logits: bool = True,
    output: str = "logits",
) -> tf.Tensor:
    """FGSM adversarial examples (Goodfellow et al., ICLR 2015).

    Args:
        model: a Keras classifier, a callable or a SavedModel path (`logits_function`).
        images: [batch, ...] float in `clip` (uint8 is scaled to [0, 1]).
        labels: int [batch], the true classes.
        eps: L-inf radius > 0.
        clip: the valid pixel range, or None.
        from_logits, output: see `logits_function`.

    Returns:
        float32 images `clip(x + eps * sign(grad))` of the same shape.
    """
    clip = check_clip(clip)
    eps = check_eps(eps, clip)
    images, labels = _check_batch(images, labels, clip)
    logits_fn = logits_function(model, output=output, from_logits=from_logits)
    return signed_gradient_steps(
        logits_fn, images, labels, eps=eps, steps=1, step_size=eps, clip=clip
    )


def pgd(
    model,
    images,
    labels,
    eps: float,
    *,
    steps: int = 20,
    step_size: float | None = None,
    random_start: bool = True,
    restarts: int = 1,
    seed=0,
    clip=DEFAULT_CLIP,
    from_logits: bool = True,
    output: str = "logits",
) -> tf.Tensor:
    """PGD adversarial examples with random start (Madry et al., ICLR 2018).

    Args:
        model: a Keras classifier, a callable or a SavedModel path (`logits_function`).
        images: [batch, ...] float in `clip` (uint8 is scaled to [0, 1]).
        labels: int [batch], the true classes.
        eps: L-inf radius > 0.
        steps: signed-gradient steps (>= 1).
        step_size: size of each step; default 2.5 * eps / steps.
        random_start: start from a uniform point of the eps-ball (else from `images`).
        restarts: random starts; per example the result of the highest loss is kept.
        seed: int or [2] ints, the stateless seed of the random starts.
        clip: the valid pixel range, or None.
        from_logits, output: see `logits_function`.

    Returns:
        float32 adversarial images of the same shape.
    """
    clip = check_clip(clip)
    eps = check_eps(eps, clip)
    steps = check_steps(steps)
    step_size = check_step_size(step_size, eps, steps)
    restarts = check_restarts(restarts)
    if restarts > 1 and not random_start:
        raise ValueError("restarts > 1 needs random_start=True (the runs would be identical)")
    images, labels = _check_batch(images, labels, clip)
    logits_fn = logits_function(model, output=output, from_logits=from_logits)
    return _pgd_best(
        logits_fn,
        images,
        labels,
        eps,
        steps,
        step_size,
        random_start,
        restarts,
        _seed_pair(seed),
        clip,
    )[0]


def _pgd_runs(logits_fn, images, labels, eps, steps, step_size, random_start, restarts, seed, clip):
    """Each restart's adversarial images, logits and per-example losses."""
    for r in range(restarts):
        start = None
        if random_start:
            run_seed = tf.random.experimental.stateless_fold_in(seed, r)
            start = uniform_start(tf.shape(images), eps, run_seed)
        adversarial = signed_gradient_steps(
            logits_fn,
            images,
            labels,
            eps=eps,
            steps=steps,
            step_size=step_size,
            start=start,
            clip=clip,
        )
        logits = logits_fn(adversarial)
        yield adversarial, logits, loss_values(logits, labels)


def _pgd_best(logits_fn, images, labels, eps, steps, step_size, random_start, restarts, seed, clip):
    """(highest-loss adversarial images over the restarts, whether every restart
    left the example correctly classified)."""
    best, best_loss, robust = None, None, None
    for adversarial, logits, losses in _pgd_runs(
        logits_fn, images, labels, eps, steps, step_size, random_start, restarts, seed, clip
    ):
        correct = tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), labels)
        if best is None:
            best, best_loss, robust = adversarial, losses, correct
            continue
        better = losses > best_loss
        mask = tf.reshape(better, [-1] + [1] * (images.shape.rank - 1))
        best = tf.where(mask, adversarial, best)
        best_loss = tf.where(better, losses, best_loss)
        robust = tf.logical_and(robust, correct)
    return best, robust


# ---------------------------------------------------------------- robust accuracy


def _batches(data, batch_size: int, image_key: str, label_key: str):
    """(images, labels) batches of a labelled dataset or an (images, labels) pair."""
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if isinstance(spec, dict):
            missing = [k for k in (image_key, label_key) if k not in spec]
            if missing:
                raise ValueError(
                    f"dataset elements have no {missing} key(s) (image_key / label_key); "
                    f"keys: {sorted(spec)}"
                )
            data = data.map(lambda e: (e[image_key], e[label_key]))
        elif not (isinstance(spec, tuple) and len(spec) >= 2):
            raise ValueError("data must yield (images, labels) tuples or dicts of both")
        else:
            data = data.map(lambda *e: (e[0], e[1]))
        if data.element_spec[0].shape.rank is not None and data.element_spec[0].shape.rank < 4:
            raise ValueError(
                f"data must be batched (images [batch, H, W, C]), got element shape "
                f"{data.element_spec[0].shape}: call .batch(n) first"
            )
        yield from data
        return
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(
            "data must be a batched tf.data.Dataset of (images, labels) or an "
            f"(images, labels) pair of arrays, got {type(data).__name__}"
        )
    images, labels = np.asarray(data[0]), np.asarray(data[1])
    if len(images) != len(labels):
        raise ValueError(f"images and labels differ in length: {len(images)} and {len(labels)}")
    for i in range(0, len(images), batch_size):
        yield images[i : i + batch_size], labels[i : i + batch_size]


def robust_accuracy(
    model,
    data,
    eps,
    *,
    attack: str = "pgd",
    steps: int = 20,
    step_size: float | None = None,
    random_start: bool = True,
    restarts: int = 1,
    seed: int = 0,
    clip=DEFAULT_CLIP,
    batch_size: int = 256,
    max_examples: int | None = None,
    from_logits: bool = True,
    output: str = "logits",
    image_key: str = "image",
    label_key: str = "label",
) -> dict:
    """Clean accuracy and accuracy under attack at each radius in `eps`.

    An example counts as robust at a radius when it is classified correctly
    both clean and after the attack (after every restart, with PGD's
    `restarts`), so robust accuracy never exceeds clean accuracy.

    Args:
        model: a Keras classifier, a callable or a SavedModel path (`logits_function`).
        data: a batched `tf.data.Dataset` of (images, labels) or of dicts
            (`image_key`, `label_key`), or an (images, labels) pair of arrays;
            uint8 images are scaled to [0, 1].
        eps: an L-inf radius > 0 or a list of them.
        attack: "pgd" or "fgsm".
        steps, step_size, random_start, restarts: PGD's (see `pgd`); ignored by FGSM.
        seed: seed of the random starts (each batch and restart folds in its index).
        clip: the valid pixel range, or None.
        batch_size: examples per batch when `data` is a pair of arrays.
        max_examples: attack only the first `max_examples` examples.
        from_logits, output: see `logits_function`.

    Returns:
        `{"attack", "eps": [...], "clean_accuracy", "robust_accuracy": [... one
        per eps], "examples", "steps", "step_size": [...], "restarts",
        "random_start"}` (FGSM: steps 1, step size eps, restarts 1, no random start).
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack must be one of {ATTACKS}, got {attack!r}")
    clip = check_clip(clip)
    radii = check_eps_list(eps, clip)
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if max_examples is not None and (isinstance(max_examples, bool) or int(max_examples) < 1):
        raise ValueError(f"max_examples must be a positive int or None, got {max_examples!r}")
    if attack == "fgsm":
        steps, sizes, restarts, random_start = 1, list(radii), 1, False
    else:
        steps = check_steps(steps)
        sizes = [check_step_size(step_size, e, steps) for e in radii]
        restarts = check_restarts(restarts)
        if restarts > 1 and not random_start:
            raise ValueError("restarts > 1 needs random_start=True (the runs would be identical)")
    logits_fn = logits_function(model, output=output, from_logits=from_logits)

    @tf.function(reduce_retracing=True)
    def clean_correct(images, labels):
        predicted = tf.argmax(logits_fn(images), axis=-1, output_type=tf.int32)
        return tf.equal(predicted, labels)

    @tf.function(reduce_retracing=True)
    def attacked_correct(images, labels, eps, step_size, seed):
        _, robust = _pgd_best(
            logits_fn, images, labels, eps, steps, step_size, random_start, restarts, seed, clip
        )
        return robust

    clean, robust, count = 0, [0] * len(radii), 0
    for index, (images, labels) in enumerate(_batches(data, int(batch_size), image_key, label_key)):
        if max_examples is not None and count >= max_examples:
            break
        if max_examples is not None:
            images, labels = images[: max_examples - count], labels[: max_examples - count]
        images, labels = _check_batch(images, labels, clip)
        images = tf.cast(images, tf.float32)
        correct = clean_correct(images, labels)
        clean += int(tf.reduce_sum(tf.cast(correct, tf.int32)))
        batch_seed = tf.random.experimental.stateless_fold_in(_seed_pair(seed), index)
        for i, (radius, size) in enumerate(zip(radii, sizes)):
            survived = tf.logical_and(
                correct,
                attacked_correct(
                    images, labels, tf.constant(radius), tf.constant(size), batch_seed
                ),
            )
            robust[i] += int(tf.reduce_sum(tf.cast(survived, tf.int32)))
        count += int(labels.shape[0])
    if count == 0:
        raise ValueError("data holds no examples")
    return {
        "attack": attack,
        "eps": radii,
        "clean_accuracy": clean / count,
        "robust_accuracy": [r / count for r in robust],
        "examples": count,
        "steps": steps,
        "step_size": sizes,
        "restarts": restarts,
        "random_start": bool(random_start),
    }


def perturbation_image(adversarial, images, eps: float) -> np.ndarray:
    """The perturbation `adversarial - images` mapped from [-eps, eps] to [0, 1]
    (grey = unchanged), for pictures."""
    delta = np.asarray(adversarial, np.float32) - np.asarray(images, np.float32)
    return np.clip(0.5 + delta / (2.0 * float(eps)), 0.0, 1.0)


__all__ = [
    "ATTACKS",
    "fgsm",
    "pgd",
    "robust_accuracy",
    "logits_function",
    "loss_values",
    "input_gradient",
    "signed_gradient_steps",
    "uniform_start",
    "check_eps",
    "check_eps_list",
    "check_steps",
    "check_step_size",
    "check_clip",
    "perturbation_image",
]
