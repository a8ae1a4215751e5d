"""The image history (Shrivastava et al. 2017, CycleGAN's pool): filling, the
paper's probability of returning a past image, seeded draws, a compiled step,
and the same images on one device and on 2 replicas."""

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.nets import ImageHistory


def _tagged(start, count):
    """Images [count, 2, 2, 1] whose every pixel is their id (start, start + 1, ...)."""
    ids = np.arange(start, start + count, dtype=np.float32)
    return np.broadcast_to(ids[:, None, None, None], (count, 2, 2, 1)).copy()


def _ids(images):
    return np.asarray(images)[:, 0, 0, 0].astype(int)


def _history(size=4, probability=0.5):
    layer = ImageHistory(size, probability)
    layer.build((None, 2, 2, 1))
    return layer


def test_returns_and_stores_the_images_while_filling():
    layer = _history(size=4)
    out = layer(_tagged(0, 3), seed=[0, 0])
    np.testing.assert_array_equal(_ids(out), [0, 1, 2])
    out = layer(_tagged(3, 1), seed=[0, 1])
    np.testing.assert_array_equal(_ids(out), [3])
    assert int(layer.stored.numpy()) == 4
    assert sorted(_ids(layer.buffer.numpy())) == [0, 1, 2, 3]


def test_past_images_come_back_with_the_papers_probability():
    size, batch, steps = 10, 20, 50
    layer = _history(size=size, probability=0.5)
    layer(_tagged(0, size), seed=[1, 0])  # fill
    compiled = tf.function(lambda images, seed: layer(images, seed=seed))
    past = 0
    for step in range(steps):
        start = size + step * batch
        current = np.arange(start, start + batch)
        out = _ids(compiled(_tagged(start, batch), tf.constant([1, step + 1])))
        # Either the image itself, at its own position, or one generated before it
        # (by an earlier step, or earlier in this batch and swapped in meanwhile).
        is_past = out != current
        past += int(is_past.sum())
        assert np.all(out[is_past] < current[is_past])
        assert len(set(_ids(layer.buffer.numpy()))) == size  # no duplicates, always full
    rate = past / (steps * batch)
    # Binomial(1000, 0.5): sd 0.016; 5 sd either side.
    assert abs(rate - 0.5) < 0.08, rate


def test_probability_zero_returns_the_new_images_and_one_always_swaps():
    never, always = _history(size=3, probability=0.0), _history(size=3, probability=1.0)
    for layer in (never, always):
        layer(_tagged(0, 3), seed=[2, 0])
    np.testing.assert_array_equal(_ids(never(_tagged(3, 5), seed=[2, 1])), [3, 4, 5, 6, 7])
    assert sorted(_ids(never.buffer.numpy())) == [0, 1, 2]
    out = _ids(always(_tagged(3, 3), seed=[2, 1]))
    assert all(o < 3 or o in (3, 4) for o in out)  # a stored image (maybe one just swapped in)
    assert not np.array_equal(out, [3, 4, 5])


def test_same_seed_same_choices_and_size_zero_is_the_identity():
    a, b = _history(), _history()
    for layer in (a, b):
        layer(_tagged(0, 4), seed=[3, 0])
    np.testing.assert_array_equal(
        a(_tagged(4, 6), seed=[3, 1]).numpy(), b(_tagged(4, 6), seed=[3, 1]).numpy()
    )
    off = ImageHistory(0)
    off.build((None, 2, 2, 1))
    np.testing.assert_array_equal(off(_tagged(0, 3)).numpy(), _tagged(0, 3))


def test_works_in_a_compiled_function():
    layer = _history(size=4)

    @tf.function
    def step(images, seed):
        return layer(images, seed=seed)

    eager = _history(size=4)
    for i in range(4):
        images = _tagged(3 * i, 3)
        np.testing.assert_array_equal(
            step(images, tf.constant([4, i])).numpy(), eager(images, seed=[4, i]).numpy()
        )
    np.testing.assert_array_equal(layer.buffer.numpy(), eager.buffer.numpy())


def test_two_replicas_return_what_one_device_returns(two_replica_strategy):
    single = _history(size=4)
    with two_replica_strategy.scope():
        mirrored = _history(size=4)

    @tf.function
    def replicated(images, seed):
        return two_replica_strategy.run(lambda x: mirrored(x, seed=seed), args=(images,))

    for i in range(4):
        images = _tagged(6 * i, 6)
        want = single(images, seed=[5, i]).numpy()
        dataset = two_replica_strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensors(images)
        )
        got = replicated(next(iter(dataset)), tf.constant([5, i], tf.int64))
        got = np.concatenate(
            [t.numpy() for t in two_replica_strategy.experimental_local_results(got)]
        )
        np.testing.assert_array_equal(got, want)
    copies = [v.numpy() for v in mirrored.buffer.value.values]
    np.testing.assert_array_equal(copies[0], copies[1])
    np.testing.assert_array_equal(copies[0], single.buffer.numpy())


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="size"):
        ImageHistory(-1)
    with pytest.raises(ValueError, match="probability"):
        ImageHistory(5, probability=1.5)
    with pytest.raises(ValueError, match="seed"):
        _history()(_tagged(0, 2))
    with pytest.raises(ValueError, match="per-image shape"):
        ImageHistory(5).build((None, None, 2, 1))
