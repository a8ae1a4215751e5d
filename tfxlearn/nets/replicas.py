"""Batch-norm moving statistics under `tf.distribute`: one value for all replicas.

Keras 3 (3.15, TensorFlow backend) creates `BatchNormalization`'s
`moving_mean` / `moving_variance` with `aggregation="none"`. Under
MirroredStrategy they become MirroredVariables that every replica updates in
place from its own share of the batch, so after training the copies differ,
and a read - `get_weights()`, a checkpoint, the SavedModel export - takes the
first replica's copy: statistics of half the data with two replicas, of a
quarter with four. (TF-Keras 2 made them ON_READ variables averaged on read.)
Measured with two CPU replicas, momentum 0, replica halves of value 0 and 10:
the copies were 0.0 and 10.0 and the model read 0.0; the global mean is 5.0.

`average_replica_statistics` replaces every copy with the mean of the copies,
which is what an ON_READ-MEAN variable reads: for the moving mean this is the
moving average of the replicas' mean batch means; for the variance the mean of
the replicas' variances (batch norm's usual per-replica estimate: it leaves out
the spread between the replicas' means, as unsynchronized batch norm always
has). The training driver calls it at each epoch end (before the checkpoint)
and the export before writing, so checkpoints, `predict` and served models all
use the averaged statistics. Only the local replicas are averaged: under
MultiWorkerMirroredStrategy (one replica per worker here) each worker keeps its
own statistics and the chief exports its own.
"""

from __future__ import annotations

import keras
import tensorflow as tf

# Non-trainable variables of these layers hold per-replica running statistics.
STATISTICS_LAYERS = (keras.layers.BatchNormalization,)


def _replica_copies(variable) -> tuple:
    """The per-replica copies of a (Keras or tf) variable; () if not distributed."""
    value = getattr(variable, "value", variable)  # a KerasVariable wraps the tf one
    copies = getattr(value, "values", None)
    return tuple(copies) if isinstance(copies, (tuple, list)) else ()


def average_replica_statistics(model: keras.Layer) -> int:
    """Sets every replica's copy of the batch-norm moving statistics in `model`
    (searched recursively, nested models included) to the mean of the copies.

    Call it in cross-replica context (outside `strategy.run`): after `fit`,
    before saving. Does nothing to a model built without a strategy or with one
    replica. Returns the number of variables that had more than one copy.
    """
    if not isinstance(model, keras.Layer):
        raise TypeError(f"model must be a keras.Layer / keras.Model, got {type(model).__name__}")
    # Inside strategy.run: a strategy is active and this is one replica's function
    # (outside any scope the default strategy's replica context is current).
    if tf.distribute.has_strategy() and tf.distribute.get_replica_context() is not None:
        raise RuntimeError(
            "average_replica_statistics must run in cross-replica context (after fit, "
            "outside strategy.run): inside a replica function each replica would "
            "average while the others are still updating"
        )
    averaged = 0
    # _flatten_layers yields each layer once, also one shared by several models.
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if not isinstance(layer, STATISTICS_LAYERS):
            continue
        for variable in layer.non_trainable_variables:
            copies = _replica_copies(variable)
            if len(copies) < 2:
                continue
            mean = tf.add_n([tf.identity(copy) for copy in copies]) / len(copies)
            for copy in copies:
                copy.assign(mean)
            averaged += 1
    return averaged
