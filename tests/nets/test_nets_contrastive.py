"""The parts of momentum contrast in tfxlearn.nets.contrastive: the key queue (a
FIFO memory bank), the momentum update, shuffled batch-norm groups and the
projection head, on one device and on 2 replicas."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.nets.contrastive import (
    KeyQueue,
    bn_groups_of,
    momentum_copy,
    momentum_update,
    projection_head,
    shuffled_bn_groups,
)


def _unit(rows, dim, seed):
    return tf.math.l2_normalize(tf.random.stateless_normal([rows, dim], [seed, 0]), axis=1)


def test_queue_starts_with_unit_keys_and_scores_queries_against_them():
    queue = KeyQueue(5, 3)
    keys = queue.queue.numpy()
    assert keys.shape == (5, 3) and int(queue.pointer.numpy()) == 0
    np.testing.assert_allclose(np.linalg.norm(keys, axis=1), 1.0, rtol=1e-5)
    queries = _unit(4, 3, 1)
    np.testing.assert_allclose(queue(queries), queries.numpy() @ keys.T, rtol=1e-6)
    assert queue.trainable_weights == []


def test_queue_is_first_in_first_out():
    queue = KeyQueue(5, 3)
    batches = [_unit(2, 3, seed) for seed in range(4)]  # 8 keys through 5 rows
    for batch in batches:
        queue.enqueue(batch)
    everything = np.concatenate([b.numpy() for b in batches])
    # Row r holds the last key written there: keys 5, 6, 7 wrapped onto rows 0, 1, 2.
    want = np.concatenate([everything[5:8], everything[3:5]])
    np.testing.assert_allclose(queue.queue.numpy(), want, rtol=0)
    assert int(queue.pointer.numpy()) == 8 % 5
    # The oldest keys (0, 1, 2) are gone; the 5 newest are all there.
    kept = {tuple(row) for row in queue.queue.numpy()}
    assert kept == {tuple(row) for row in everything[3:]}


def test_queue_refuses_a_batch_larger_than_itself_and_round_trips_its_config():
    queue = KeyQueue(3, 2, name="bank")
    with pytest.raises(tf.errors.InvalidArgumentError, match="must not exceed the queue size 3"):
        queue.enqueue(_unit(4, 2, 0))
    clone = KeyQueue.from_config(queue.get_config())
    assert (clone.size, clone.dim, clone.name) == (3, 2, "bank")
    with pytest.raises(ValueError, match="size and dim"):
        KeyQueue(0, 2)


def test_queue_gathers_every_replicas_keys_in_order(two_replica_strategy):
    with two_replica_strategy.scope():
        queue = KeyQueue(6, 2)
    keys = _unit(4, 2, 3)
    ds = two_replica_strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(keys))
    two_replica_strategy.run(tf.function(queue.enqueue), args=(next(iter(ds)),))
    for copy in queue.queue.value.values:  # every replica's copy holds the global batch
        np.testing.assert_allclose(copy.numpy()[:4], keys.numpy(), rtol=0)
    assert all(int(p.numpy()) == 4 for p in queue.pointer.value.values)


def test_momentum_update_is_an_exponential_moving_average_of_trained_weights():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization()]
    )
    copy = momentum_copy(model, "key_model")
    assert copy.name == "key_model" and copy.trainable_weights == []
    for a, b in zip(model.weights, copy.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    old = [w.numpy() for w in copy.weights]
    for w in model.weights:
        w.assign(w.numpy() + 1.0)  # trained and moving statistics both change
    momentum_update([(model, copy)], 0.9)
    for w, k, k0 in zip(model.weights, copy.weights, old):
        want = 0.9 * k0 + 0.1 * w.numpy() if w.trainable else k0  # statistics: its own
        np.testing.assert_allclose(k.numpy(), want, rtol=1e-6)


def test_bn_groups_draw_equally_from_every_query_group():
    q, k = (g.numpy() for g in bn_groups_of(tf.range(64), 4))
    counts = np.zeros((4, 4), int)
    np.add.at(counts, (q, k), 1)
    np.testing.assert_array_equal(counts, np.full((4, 4), 4))  # B / G^2 each
    q1, k1 = (g.numpy() for g in shuffled_bn_groups(tf.constant(64), 4))  # one replica
    np.testing.assert_array_equal(q1, q)
    np.testing.assert_array_equal(k1, k)


def test_projection_head_shape():
    head = projection_head(16, 8, name="proj")
    out = head(tf.zeros([5, 32]))
    assert out.shape == (5, 8) and head.name == "proj"
    assert [layer.units for layer in head.layers] == [16, 8]
    assert head.layers[0].activation is keras.activations.relu
