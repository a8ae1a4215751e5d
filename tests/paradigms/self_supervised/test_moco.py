"""MoCo specifics: queue and momentum updates (one device and 2 replicas),
shuffled batch-norm groups, the key encoder kept out of training."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.nets.contrastive import bn_groups_of
from tfxlearn.paradigms.self_supervised.moco import MoCo

BATCH = 8


def _model(norm="sync_batch", queue_size=24, bn_groups=2, momentum=0.9):
    keras.utils.set_random_seed(3)
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm)
    return MoCo(
        encoder=encoder,
        projection_dim=6,
        queue_size=queue_size,
        bn_groups=bn_groups,
        momentum=momentum,
    )


def _data(images=BATCH):
    ds = tfxlearn.data.load("digits", "train").take(images).batch(BATCH)
    return tfxlearn.pretext.moco_views(ds, seed=1, crop_scale=(0.5, 1.0))


def _trained_pairs(model):
    for query, key in ((model.encoder, model.key_encoder), (model.head, model.key_head)):
        for q, k in zip(query.weights, key.weights):
            if q.trainable:
                yield q, k


def _components(variable):
    """Every replica's copy of a (possibly mirrored) variable, as arrays."""
    value = variable.value
    return [np.asarray(v) for v in getattr(value, "values", [value])]


def test_key_encoder_starts_as_a_copy_and_is_not_trained():
    model = _model()
    trained = {id(v) for v in model.trainable_weights}
    assert trained == {
        id(v) for v in model.encoder.trainable_weights + model.head.trainable_weights
    }
    for q, k in _trained_pairs(model):
        np.testing.assert_array_equal(q.numpy(), k.numpy())
    queue = model.queue.numpy()
    np.testing.assert_allclose(np.linalg.norm(queue, axis=1), 1.0, rtol=1e-5)
    assert int(model.queue_pointer.numpy()) == 0


def test_keys_use_per_group_batch_statistics():
    model = _model(norm="batch", bn_groups=2)
    _, keys = next(iter(_data()))
    got = model.encode_keys(keys, training=True).numpy()
    _, groups = bn_groups_of(tf.range(BATCH), 2)
    want = np.zeros_like(got)
    for g in range(2):
        rows = np.flatnonzero(groups.numpy() == g)
        features = model.key_encoder(tf.gather(keys, rows), training=True)
        want[rows] = tf.math.l2_normalize(model.key_head(features), axis=1).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)
    whole = tf.math.l2_normalize(model.key_head(model.key_encoder(keys, training=True)), axis=1)
    assert not np.allclose(got, whole.numpy(), atol=1e-3)  # the grouping matters


def test_enqueue_is_a_ring_buffer():
    model = _model(queue_size=12)
    first = tf.math.l2_normalize(tf.random.normal([8, 6]), axis=1)
    second = tf.math.l2_normalize(tf.random.normal([8, 6]), axis=1)
    model.key_queue.enqueue(first)
    model.key_queue.enqueue(second)
    queue = model.queue.numpy()
    np.testing.assert_allclose(queue[:4], second[4:], atol=1e-6)
    np.testing.assert_allclose(queue[4:8], first[4:], atol=1e-6)
    np.testing.assert_allclose(queue[8:], second[:4], atol=1e-6)
    assert int(model.queue_pointer.numpy()) == 4


def test_queue_and_momentum_updates_match_on_two_replicas(two_replica_strategy):
    """After one step on one device and on 2 replicas: the queue holds the keys of
    the whole global batch in order (computed before the step), the pointer moved
    by the global batch, and every key weight is m * old + (1 - m) * new query."""
    m = 0.9
    start = _model(momentum=m).get_weights()
    queries, keys = next(iter(_data()))
    probe = _model(momentum=m)
    probe.set_weights(start)
    expected_keys = probe.encode_keys(keys, training=True).numpy()

    def fit(strategy):
        with strategy.scope():
            model = _model(momentum=m)
            model.set_weights(start)
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
        old_keys = [k.numpy() for _, k in _trained_pairs(model)]
        queue0 = model.queue.numpy()
        model.fit(_data(), epochs=1, verbose=0)
        return model, old_keys, queue0

    results = [fit(tf.distribute.get_strategy()), fit(two_replica_strategy)]
    for model, old_keys, queue0 in results:
        for copy in _components(model.queue):
            np.testing.assert_allclose(copy[:BATCH], expected_keys, atol=1e-5)
            np.testing.assert_array_equal(copy[BATCH:], queue0[BATCH:])
        assert all(int(c) == BATCH for c in _components(model.queue_pointer))
        for (q, k), k0 in zip(_trained_pairs(model), old_keys):
            for k_copy, q_copy in zip(_components(k), _components(q)):
                np.testing.assert_allclose(k_copy, m * k0 + (1 - m) * q_copy, atol=1e-6)
        assert any(
            not np.allclose(k0, k.numpy()) for (_, k), k0 in zip(_trained_pairs(model), old_keys)
        )
    single, mirrored = results[0][0], results[1][0]
    np.testing.assert_allclose(mirrored.queue.numpy(), single.queue.numpy(), atol=1e-5)
    for a, b in zip(single.key_encoder.weights, mirrored.key_encoder.weights):
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-5)


def test_clear_errors():
    model = _model()
    model.compile(optimizer="sgd")
    images = tf.data.Dataset.from_tensor_slices(np.zeros((8, 8, 8, 1), np.float32)).batch(8)
    with pytest.raises(ValueError, match="moco_views"):
        model.fit(images, epochs=1, verbose=0)
    small = _model(bn_groups=4)
    small.compile(optimizer="sgd")
    with pytest.raises(tf.errors.InvalidArgumentError, match="bn_groups"):
        small.fit(_data().unbatch().batch(4), epochs=1, verbose=0)
    for kwargs, match in (
        ({"momentum": 1.0}, "momentum"),
        ({"temperature": 0.0}, "temperature"),
        ({"bn_groups": 0}, "bn_groups"),
        ({"queue_size": 0}, "queue_size"),
    ):
        with pytest.raises(ValueError, match=match):
            MoCo(encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4,)), **kwargs)
    with pytest.raises(TypeError, match="keras.Model"):
        MoCo(encoder="encoder")
