"""Distribution helpers: what makes one device, N replicas and N workers compute
the same thing (docs/architecture.md sections 5, 13 and 14).

- Cross-replica means (`subset_mean`, `global_mean`, `global_value`): for losses
  that need a quantity of the whole global batch, which a per-replica mean scaled
  by Keras does not give (section 5). `global_batch_positions` places a
  replica's examples in the global batch; `assign_on_replicas` writes state that
  is not trained by gradients (queues, momentum encoders) on every replica.
- Replica statistics (`average_replica_statistics`): one value of the batch-norm
  moving statistics for all replicas (section 13).
- Multi-worker `fit` (`MultiWorkerFit`, `is_multi_worker`): the mixin, a base of
  every paradigm, that makes Keras's `fit` / `evaluate` run under
  MultiWorkerMirroredStrategy (section 14).

Imports only TensorFlow, Keras and `tfxlearn.keras_private`, so paradigms, nets,
training and export can all use it.

Replica statistics
------------------
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

Multi-worker fit
----------------
Keras 3.15's TensorFlow trainer does not run `fit` under
`MultiWorkerMirroredStrategy` (keras-team/keras#20585). Two of its functions
assume a single worker:

1. The symbolic build on the first batch reduces the first distributed batch
   with an eager `strategy.reduce(...)` only to learn its shapes and dtypes; with several
   workers the eager reduction of a `PerReplica` batch fails ("Attempt to
   convert a value (PerReplica...) with an unsupported type").
2. The train and test functions reduce each step's logs with
   `strategy.reduce("MEAN", value, axis=0)` when the strategy spans workers,
   and the logs are scalars ("Invalid reduction dimension 0 for input with 0
   dimensions").

`MultiWorkerFit`, a base of every tfxlearn paradigm, fixes both without
changing the single-worker path: the symbolic build reads the shapes from this
worker's first replica (the values do not matter), and in multi-worker mode
each replica's logs are handed to Keras as 1-element vectors, so Keras's
`reduce(MEAN, axis=0)` is the mean over all replicas — the same mean Keras
takes over the replicas of one machine. Callbacks, history and the progress
bar are Keras's own. The two private Keras methods involved are overridden in
`tfxlearn.keras_private.TrainerHooks`, which calls the hooks defined here;
tests/test_keras_private.py and the multi-worker tests fail loudly if a Keras
release changes them.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.keras_private import (
    TrainerHooks,
    assigned_strategy,
    cross_replica_call,
    flatten_layers,
    in_multi_worker_mode,
    symbolic_build,
)

# ----------------------------------------------------------------------------- means


def _replicas() -> tuple[tf.distribute.ReplicaContext | None, int]:
    """(replica context or None, number of replicas in sync)."""
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    return context, replicas


def subset_mean(values: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean of `values` over the examples with mask 1,
    taken over the GLOBAL batch: sum(values * mask) / (global count of mask).

    Like a Keras-reduced loss, the shares of all replicas sum to the global value
    (one device: the value itself), so gradients summed over replicas by the
    optimizer are those of the global subset mean. Subsets are spread unevenly
    over the replicas (labelled examples come first in each global batch), so
    the count is all-reduced; 0 if the subset is empty.
    """
    values = tf.convert_to_tensor(values)
    mask = tf.cast(mask, values.dtype)
    count = tf.reduce_sum(mask)
    context, replicas = _replicas()
    if replicas > 1:
        count = context.all_reduce(tf.distribute.ReduceOp.SUM, count)
    return tf.math.divide_no_nan(tf.reduce_sum(values * mask), count)


def global_mean(values: tf.Tensor, weights: tf.Tensor | None = None) -> tf.Tensor:
    """The weighted mean of `values` [n, ...] over the GLOBAL batch, on every replica.

    Gradients flow only through this replica's examples (the other replicas'
    sums enter as constants), so the gradients of a loss computed from it, equal
    on every replica and summed by the optimizer, are the one-device gradients.
    """
    values = tf.convert_to_tensor(values)
    if weights is None:
        weights = tf.ones(tf.shape(values)[:1], values.dtype)
    weights = tf.cast(weights, values.dtype)
    total = tf.tensordot(weights, values, axes=[[0], [0]])
    count = tf.reduce_sum(weights)
    context, replicas = _replicas()
    if replicas > 1:
        reduced = context.all_reduce(tf.distribute.ReduceOp.SUM, tf.stop_gradient(total))
        total = total + tf.stop_gradient(reduced - total)
        count = context.all_reduce(tf.distribute.ReduceOp.SUM, count)
    return tf.math.divide_no_nan(total, count)


def global_value(share: tf.Tensor) -> tf.Tensor:
    """The global value of a loss given as per-replica shares (for metrics only)."""
    context, replicas = _replicas()
    if replicas > 1:
        return context.all_reduce(tf.distribute.ReduceOp.SUM, tf.stop_gradient(share))
    return share


def global_batch(values: tf.Tensor) -> tf.Tensor:
    """All replicas' rows of `values` [batch, ...] concatenated in replica order (=
    global batch order); `values` itself with one replica.

    Differentiable (`ReplicaContext.all_gather`'s gradient sums the replicas'
    gradients and hands each replica its own rows), so a loss of one replica's
    examples against the whole global batch (in-batch mining, similarity
    matrices), Keras-scaled as usual, gives the one-device gradients once the
    optimizer sums them over replicas.
    """
    context, replicas = _replicas()
    if replicas > 1:
        return context.all_gather(values, axis=0)
    return values


def global_batch_positions(batch: tf.Tensor) -> tf.Tensor:
    """Positions of this replica's `batch` examples in the global batch (replica order
    = global batch order; every replica holds `batch` examples)."""
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.cast(replica, tf.int32) * batch + tf.range(batch)


def assign_on_replicas(variables, values) -> None:
    """variables[i] <- values[i] on every replica (values identical on all replicas).

    The same cross-replica update as Keras's TensorFlow optimizer
    (`_distributed_tf_update_step`): `extended.update` runs the assignment on each
    device with that replica's value; with no strategy it is a plain assign. The
    copies stay equal without communication when every replica computes the
    same values (from mirrored weights and all-gathered tensors).
    """

    def update(distribution, values):
        for variable, value in zip(variables, values):
            distribution.extended.update(
                variable.value, lambda v, x: v.assign(x), args=(value,), group=False
            )

    cross_replica_call(update, tf.distribute.get_strategy(), list(values))


# ----------------------------------------------------------------------------- statistics

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
    # Each layer once, also one shared by several models or inside a plain layer.
    for layer in flatten_layers(model):
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


# ----------------------------------------------------------------------------- multi-worker


def is_multi_worker(strategy: tf.distribute.Strategy | None) -> bool:
    """True when `strategy` is a MultiWorkerMirroredStrategy over more than one worker."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    return in_multi_worker_mode(strategy)


class MultiWorkerFit(TrainerHooks):
    """Mixin for `keras.Model` subclasses: makes `fit`/`evaluate` work under
    MultiWorkerMirroredStrategy (see the module docstring). Keras's private
    trainer methods are reached through `tfxlearn.keras_private.TrainerHooks`.

    A model whose batches hold strings (raw texts) sets
    `first_build_from_one_replica = True`: under any strategy its first build
    then reads the first replica's batch, as the multi-worker path does, since
    Keras's own averages the replicas' batches ("MEAN"), which strings cannot be.
    """

    #: Build from the first replica's batch under every strategy (string batches).
    first_build_from_one_replica: bool = False

    def prepare_first_build(self, iterator, data_batch, keras_build):
        strategy = assigned_strategy(self)
        one_replica = is_multi_worker(strategy) or (
            strategy is not None and self.first_build_from_one_replica
        )
        if strategy is None or iterator is None or not one_replica:
            return keras_build(iterator=iterator, data_batch=data_batch)
        for _, _, it in iterator:
            batch = next(it)
            # Only shapes and dtypes are needed: this worker's first replica has them.
            data_batch = tf.nest.map_structure(
                lambda v: (
                    strategy.experimental_local_results(v)[0]
                    if isinstance(v, tf.distribute.DistributedValues)
                    else v
                ),
                batch,
            )
            break
        with strategy.scope():
            symbolic_build(self, data_batch)

    def wrap_step_function(self, step_function):
        step_function = super().wrap_step_function(step_function)
        if is_multi_worker(assigned_strategy(self)):
            step_function = _logs_as_vectors(step_function)
        return step_function


def _logs_as_vectors(step_function):
    def step(data):
        logs = step_function(data)
        return tf.nest.map_structure(lambda t: tf.reshape(tf.cast(t, tf.float32), [1]), logs)

    return step
