import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext import class_pairs, class_triplets, make_pairs, make_triplets


def _labelled(n=32, classes=4, batch=16, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n).astype(np.int64)
    # Each image encodes its index, so pairs can be traced back to their sources.
    images = np.zeros((n, 6, 6, 1), np.uint8)
    images[:, 0, 0, 0] = np.arange(n)
    ds = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}).batch(batch)
    return ds, images, labels


def _index(batch_images):
    return np.rint(np.asarray(batch_images)[:, 0, 0, 0] * 255).astype(int)


def test_pairs_are_balanced_labelled_and_never_identical():
    ds, _, labels = _labelled()
    for (first, second), similar in class_pairs(ds, seed=3):
        i, j = _index(first), _index(second)
        np.testing.assert_array_equal(similar, (labels[i] == labels[j]).astype(np.float32))
        assert (i != j).all()  # never an image with itself
        # Even positions similar, odd positions dissimilar (batches hold several
        # images of every class here).
        np.testing.assert_array_equal(similar[0::2], 1.0)
        np.testing.assert_array_equal(similar[1::2], 0.0)
        assert first.dtype == tf.float32 and float(tf.reduce_max(first)) <= 1.0


def test_triplets_have_positive_and_negative():
    ds, _, labels = _labelled()
    for (a, p, n), classes in class_triplets(ds, seed=1):
        ia, ip, in_ = _index(a), _index(p), _index(n)
        np.testing.assert_array_equal(classes, np.stack([labels[ia], labels[ip], labels[in_]], 1))
        assert (labels[ia] == labels[ip]).all() and (ia != ip).all()
        assert (labels[ia] != labels[in_]).all()


@pytest.mark.parametrize("op,make", [(class_pairs, make_pairs), (class_triplets, make_triplets)])
def test_eager_equals_dataset_map_and_seeds(op, make):
    ds, _, _ = _labelled()
    got = list(op(ds, seed=5))
    again = list(op(ds, seed=5))
    other = list(op(ds, seed=6))
    for i, element in enumerate(ds):
        images = tfxlearn.data.to_float_images(element["image"])
        eager = make(images, element["label"], tf.constant([5, i], tf.int32))
        for g, e, a in zip(
            tf.nest.flatten(got[i]), tf.nest.flatten(eager), tf.nest.flatten(again[i])
        ):
            np.testing.assert_array_equal(g, e)
            np.testing.assert_array_equal(g, a)
    assert any(
        not np.array_equal(g, o) for g, o in zip(tf.nest.flatten(got), tf.nest.flatten(other))
    )


def test_fallbacks_single_class_and_singletons():
    images = tf.zeros((4, 6, 6, 1))
    # One class only: every pair is similar (no dissimilar partner exists).
    (_, _), similar = make_pairs(images, tf.constant([2, 2, 2, 2]), tf.constant([0, 0]))
    np.testing.assert_array_equal(similar, 1.0)
    # All classes distinct: no positive exists, every pair is dissimilar.
    (_, _), similar = make_pairs(images, tf.constant([0, 1, 2, 3]), tf.constant([0, 0]))
    np.testing.assert_array_equal(similar, 0.0)
    _, classes = make_triplets(images, tf.constant([0, 1, 2, 3]), tf.constant([0, 0]))
    np.testing.assert_array_equal(classes[:, 0], classes[:, 1])  # positive = itself


def test_tuples_and_bad_input():
    ds, images, labels = _labelled()
    tuples = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)
    assert len(list(class_pairs(tuples))) == 2
    unbatched = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})
    with pytest.raises(ValueError, match="batch"):
        class_pairs(unbatched)
    no_labels = tf.data.Dataset.from_tensor_slices({"image": images}).batch(4)
    with pytest.raises(ValueError, match="pretext_labels"):
        class_triplets(no_labels)
    float_labels = tf.data.Dataset.from_tensor_slices((images, labels * 1.0)).batch(4)
    with pytest.raises(ValueError, match="integer"):
        class_pairs(float_labels)


def test_registered_with_plots(tmp_path):
    ds, _, _ = _labelled()
    for name in ("class_pairs", "class_triplets"):
        op = tfxlearn.pretext.get(name)
        batch = next(iter(op(ds)))
        path = tfxlearn.pretext.get_plot(name)(batch, str(tmp_path / f"{name}.png"))
        assert (tmp_path / f"{name}.png").stat().st_size > 0 and path.endswith(".png")
