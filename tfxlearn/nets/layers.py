"""Layers shared by the network factories."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="tfxlearn")
class WeightNormDense(keras.layers.Layer):
    """A dense layer with weight normalization (Salimans & Kingma, "Weight
    Normalization", NIPS 2016): y = act(g * (x . v) / ||v|| + b), each output
    unit's weight vector v divided by its Euclidean norm and scaled by its own
    learnt g, so the direction and the length of the weights are learnt apart.

    With `data_init` (the paper's data-dependent initialization) the first call
    in training mode sets g and b so that this layer's pre-activations on that
    batch have mean 0 and standard deviation `init_scale`, then marks the layer
    initialized (a saved, restored weight: a resumed run does not initialize
    again). Under a distribution strategy each replica's statistics are
    averaged. Without `data_init`, g starts at `init_scale` and b at 0.

    Args:
        units: output size.
        activation: a Keras activation for the output (None: linear).
        data_init: initialize g and b from the first training batch.
        init_scale: target standard deviation of the initial pre-activations
            (with `data_init`), else the initial g.
    """

    def __init__(
        self,
        units: int,
        activation=None,
        data_init: bool = True,
        init_scale: float = 1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}")
        if not float(init_scale) > 0.0:
            raise ValueError(f"init_scale must be > 0, got {init_scale!r}")
        self.units = units
        self.activation = keras.activations.get(activation)
        self.data_init = bool(data_init)
        self.init_scale = float(init_scale)

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(
                f"{self.name}: the last input dimension must be known, got {input_shape}"
            )
        self.v = self.add_weight(
            name="v",
            shape=(int(fan_in), self.units),
            initializer=keras.initializers.RandomNormal(stddev=0.05),
        )
        # "mean": the data-dependent initialization assigns g and b inside the
        # training step (replica context); each replica's values are averaged.
        self.g = self.add_weight(
            name="g",
            shape=(self.units,),
            initializer=keras.initializers.Constant(self.init_scale),
            aggregation="mean",
        )
        self.b = self.add_weight(
            name="b", shape=(self.units,), initializer="zeros", aggregation="mean"
        )
        self.initialized = self.add_weight(
            name="initialized",
            shape=(),
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
        )

    def _direction(self, x):
        norms = ops.sqrt(ops.sum(ops.square(self.v), axis=0) + 1e-12)
        return ops.matmul(x, self.v) / norms

    def _initialize_once(self, t):
        """Sets g and b from the statistics of the pre-activations `t` unless the
        layer is initialized. Written without a conditional branch (the values
        are chosen by `where` and assigned every training call) because a
        mirrored variable cannot be assigned inside control flow in a replica
        context; the statistics are averaged over the replicas first, so every
        replica assigns the same values."""
        axes = tuple(range(len(t.shape) - 1))
        mean = ops.mean(t, axis=axes)
        mean_square = ops.mean(ops.square(t), axis=axes)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            mean, mean_square = context.all_reduce("mean", [mean, mean_square])
        std = ops.sqrt(ops.maximum(mean_square - ops.square(mean), 0.0) + 1e-8)
        done = self.initialized > 0.5
        g = ops.where(done, self.g, self.init_scale / std)
        b = ops.where(done, self.b, -mean * self.init_scale / std)
        self.g.assign(ops.stop_gradient(g))
        self.b.assign(ops.stop_gradient(b))
        self.initialized.assign(1.0)

    def call(self, x, training=None):
        t = self._direction(x)
        if self.data_init and training:
            self._initialize_once(t)
        y = t * self.g + self.b
        return self.activation(y) if self.activation is not None else y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "data_init": self.data_init,
            "init_scale": self.init_scale,
        }
