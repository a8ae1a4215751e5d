"""Objectives of activation maximization: what an optimized input should excite.

An `Objective` maps the activations of some layers (and the images themselves)
to one score per image, `[batch]`; `render` maximizes it. Objectives compose
with arithmetic: `channel("block2_relu0", 5) + 0.5 * class_logit(3)`,
`-neuron(...)` (the negative direction), `a * (1 - t) + b * t` (interpolation),
`class_logit(3) - 0.1 * total_variation()` (a regularized objective). A list
of objectives given to `render` assigns one objective to each image of the batch.

The objectives follow Erhan et al. (2009, "Visualizing Higher-Layer Features of
a Deep Network") and Olah et al. (Distill 2017, "Feature Visualization"): a
neuron (one position of one channel), a channel (its spatial mean), a layer
("DeepDream", the mean of squared activations), a pre-softmax class logit, a
class probability, and the diversity term of Olah et al. (the negative cosine
similarity of Gram matrices between the images of a batch).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import tensorflow as tf

from tfxlearn.losses.style import gram_matrix
from tfxlearn.losses.total_variation import total_variation as tv_values
from tfxlearn.nets.layer_outputs import OUTPUT


class Objective:
    """One score per image from a dict of activations `{layer name: tensor}`.

    Args:
        fn: `fn(activations, images) -> [batch]` scores; `images` are the
            (untransformed) images in [0, 1] that `render` optimizes.
        layers: layer names whose outputs `fn` reads (`OUTPUT` for the model's output).
        name: a readable description (used in titles and errors).
        channels: `(layer, index, argument)` checks: `render` verifies each
            index against the layer's channel count before optimizing.
    """

    def __init__(
        self,
        fn: Callable[[dict, tf.Tensor], tf.Tensor],
        layers=(),
        name: str = "objective",
        channels=(),
    ):
        self.fn = fn
        self.layers = tuple(dict.fromkeys(layers))
        self.name = name
        self.channels = tuple(channels)

    def __call__(self, activations: dict, images: tf.Tensor) -> tf.Tensor:
        return self.fn(activations, images)

    def __repr__(self) -> str:
        return f"Objective({self.name})"

    def _combine(self, other: Objective, op, symbol: str) -> Objective:
        return Objective(
            lambda acts, images: op(self(acts, images), other(acts, images)),
            layers=self.layers + other.layers,
            name=f"{self.name} {symbol} {other.name}",
            channels=self.channels + other.channels,
        )

    def __add__(self, other):
        if isinstance(other, numbers.Number) and other == 0:
            return self  # sum([...]) starts at 0
        return self._combine(as_objective(other), tf.add, "+")

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine(as_objective(other), tf.subtract, "-")

    def __rsub__(self, other):
        return as_objective(other)._combine(self, tf.subtract, "-")

    def __neg__(self):
        return Objective(
            lambda acts, images: -self(acts, images),
            self.layers,
            f"-({self.name})",
            self.channels,
        )

    def __mul__(self, factor):
        if not isinstance(factor, numbers.Number):
            raise TypeError(f"an objective can be multiplied by a number, got {type(factor)}")
        factor = float(factor)
        return Objective(
            lambda acts, images: factor * self(acts, images),
            self.layers,
            f"{factor:g}*({self.name})",
            self.channels,
        )

    __rmul__ = __mul__


def as_objective(value) -> Objective:
    """An `Objective` as is; a number as a constant objective."""
    if isinstance(value, Objective):
        return value
    if isinstance(value, numbers.Number):
        constant = float(value)
        return Objective(
            lambda acts, images: tf.fill([tf.shape(images)[0]], constant), name=f"{constant:g}"
        )
    raise TypeError(f"objective must be an Objective or a number, got {type(value).__name__}")


def _check_layer(layer) -> str:
    if not isinstance(layer, str) or not layer:
        raise ValueError(f"layer must be a layer name (a non-empty string), got {layer!r}")
    return layer


def _check_index(index, argument: str) -> int:
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < 0:
        raise ValueError(f"{argument} must be a non-negative integer, got {index!r}")
    return int(index)


def _spatial_mean(x: tf.Tensor) -> tf.Tensor:
    """[batch, ..., channels] -> [batch, channels]: the mean over every position."""
    x = tf.convert_to_tensor(x)
    if x.shape.rank > 2:
        x = tf.reduce_mean(x, axis=list(range(1, x.shape.rank - 1)))
    return x


def channel(layer: str, index: int) -> Objective:
    """The mean activation of channel `index` of `layer` over all positions (a
    dense layer's unit `index` for a rank-2 output)."""
    layer, index = _check_layer(layer), _check_index(index, "channel")
    return Objective(
        lambda acts, images: _spatial_mean(acts[layer])[:, index],
        [layer],
        f"channel {layer}/{index}",
        [(layer, index, "channel")],
    )


def neuron(layer: str, index: int, y: int | None = None, x: int | None = None) -> Objective:
    """One neuron: channel `index` of `layer` at position (`y`, `x`), the centre
    of the feature map by default (Erhan et al. 2009's unit)."""
    layer, index = _check_layer(layer), _check_index(index, "neuron")
    for name, value in (("y", y), ("x", x)):
        if value is not None:
            _check_index(value, name)

    def fn(acts, images):
        a = tf.convert_to_tensor(acts[layer])
        if a.shape.rank == 2:
            return a[:, index]
        if a.shape.rank != 4:
            raise ValueError(
                f"neuron needs a [batch, height, width, channels] or [batch, units] output; "
                f"layer {layer!r} gives rank {a.shape.rank}"
            )
        h, w = a.shape[1], a.shape[2]
        row = h // 2 if y is None else y
        col = w // 2 if x is None else x
        if row >= h or col >= w:
            raise ValueError(
                f"neuron position (y={row}, x={col}) is outside layer {layer!r}'s "
                f"{h}x{w} feature map"
            )
        return a[:, row, col, index]

    where = "" if y is None and x is None else f" at ({y}, {x})"
    return Objective(fn, [layer], f"neuron {layer}/{index}{where}", [(layer, index, "neuron")])


def deepdream(layer: str) -> Objective:
    """The mean of squared activations of `layer` (Mordvintsev et al.'s DeepDream
    objective, Olah et al.'s "layer")."""
    layer = _check_layer(layer)
    return Objective(
        lambda acts, images: tf.reduce_mean(
            tf.reshape(tf.square(acts[layer]), [tf.shape(acts[layer])[0], -1]), axis=1
        ),
        [layer],
        f"deepdream {layer}",
    )


def class_logit(index: int, layer: str | None = None) -> Objective:
    """The pre-softmax logit `index` of the model's output (or of `layer`).
    The model must output logits, not probabilities."""
    key = OUTPUT if layer is None else _check_layer(layer)
    index = _check_index(index, "class index")
    return Objective(
        lambda acts, images: _spatial_mean(acts[key])[:, index],
        [key],
        f"logit {index}",
        [(key, index, "class index")],
    )


def class_probability(index: int, layer: str | None = None, log: bool = True) -> Objective:
    """The softmax probability of class `index` over the logits of the model's
    output (or of `layer`); `log=True` (default) maximizes its logarithm, which
    has the same maximum and does not saturate once the probability is near 1."""
    key = OUTPUT if layer is None else _check_layer(layer)
    index = _check_index(index, "class index")

    def fn(acts, images):
        logits = _spatial_mean(acts[key])
        scores = tf.nn.log_softmax(logits) if log else tf.nn.softmax(logits)
        return scores[:, index]

    return Objective(
        fn, [key], f"{'log ' if log else ''}p(class {index})", [(key, index, "class index")]
    )


def diversity(layer: str) -> Objective:
    """Olah et al.'s diversity term: for each image, minus the mean cosine
    similarity of its Gram matrix at `layer` with those of the other images of
    the batch (0 for a batch of one). Add it, weighted, to spread a batch."""
    layer = _check_layer(layer)

    def fn(acts, images):
        a = tf.convert_to_tensor(acts[layer])
        n = tf.shape(a)[0]
        if a.shape.rank == 4:  # the cosine ignores gram_matrix's 1 / positions
            features = tf.reshape(gram_matrix(a), [n, -1])
        else:
            features = tf.reshape(a, [n, -1])
        unit = tf.math.l2_normalize(features, axis=1)
        similarity = tf.matmul(unit, unit, transpose_b=True)
        others = tf.reduce_sum(similarity, axis=1) - tf.linalg.diag_part(similarity)
        count = tf.cast(tf.maximum(n - 1, 1), a.dtype)
        return -others / count

    return Objective(fn, [layer], f"diversity {layer}")


def l2() -> Objective:
    """The mean squared distance of the image from mid-grey (0.5): subtract it,
    weighted, as a penalty (`objective - 0.1 * l2()`)."""
    return Objective(
        lambda acts, images: tf.reduce_mean(
            tf.reshape(tf.square(images - 0.5), [tf.shape(images)[0], -1]), axis=1
        ),
        name="l2",
    )


def total_variation(images: tf.Tensor | None = None):
    """Total variation (`tfxlearn.losses.total_variation`, beta 1): the mean absolute
    difference between neighbouring pixels (0 for a constant image). Without
    `images`, an `Objective` to subtract as a penalty (`objective - 0.5 *
    total_variation()`); with `images` [batch, H, W, C], its value per image."""
    if images is not None:
        return tv_values(tf.convert_to_tensor(images, tf.float32))
    return Objective(lambda acts, images: tv_values(images), name="total variation")


_PARSERS = {
    "channel": (channel, 2),
    "neuron": (neuron, 2),
    "deepdream": (deepdream, 1),
    "logit": (class_logit, 1),
    "prob": (class_probability, 1),
    "diversity": (diversity, 1),
}


def parse(text: str) -> Objective:
    """An objective from the command line's notation: `channel:LAYER/INDEX`,
    `neuron:LAYER/INDEX`, `deepdream:LAYER`, `logit:INDEX`, `prob:INDEX`,
    `diversity:LAYER`; terms joined by `+`, each optionally `WEIGHT*TERM`
    (e.g. `logit:3+0.5*channel:block1_relu0/2`)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"objective must be text like 'channel:block2_relu0/5', got {text!r}")
    total = None
    for term in text.split("+"):
        term = term.strip()
        weight = 1.0
        if "*" in term:
            factor, term = term.split("*", 1)
            try:
                weight = float(factor)
            except ValueError:
                raise ValueError(f"objective {text!r}: weight {factor!r} is not a number") from None
        kind, _, argument = term.partition(":")
        if kind not in _PARSERS or not argument:
            raise ValueError(
                f"objective {text!r}: cannot parse {term!r}; expected one of "
                + ", ".join(
                    f"{k}:LAYER/INDEX"
                    if n == 2 and k not in ("logit", "prob")
                    else (f"{k}:INDEX" if k in ("logit", "prob") else f"{k}:LAYER")
                    for k, (_, n) in _PARSERS.items()
                )
            )
        factory, arity = _PARSERS[kind]
        if kind in ("logit", "prob"):
            objective = factory(_parse_int(argument, text, "class index"))
        elif arity == 2:
            layer, slash, index = argument.rpartition("/")
            if not slash or not layer:
                raise ValueError(f"objective {text!r}: {kind} needs LAYER/INDEX, got {argument!r}")
            objective = factory(layer, _parse_int(index, text, kind))
        else:
            objective = factory(argument)
        objective = objective if weight == 1.0 else weight * objective
        total = objective if total is None else total + objective
    return total


def _parse_int(text: str, whole: str, argument: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(
            f"objective {whole!r}: {argument} must be an integer, got {text!r}"
        ) from None
