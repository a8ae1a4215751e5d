"""The semi_supervised op: mixed labelled/unlabelled batches (-1 = unlabelled)."""

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext import UNLABELLED, semi_supervised

N, CLASSES = 120, 4


def _examples(n=N, classes=CLASSES, labels=None, shuffle_seed=None):
    """Unbatched dicts whose float image is filled with the example's index, so a
    batch tells which examples it holds."""
    index = np.arange(n, dtype=np.int64)
    labels = index % classes if labels is None else np.asarray(labels)
    images = np.broadcast_to(index[:, None, None, None], (n, 3, 3, 1)).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels, "index": index})
    if shuffle_seed is not None:
        ds = ds.shuffle(n, seed=shuffle_seed)
    return ds, labels


def _index_of(images):
    return images[:, 0, 0, 0].astype(np.int64)


def _run(ds, **kwargs):
    args = {"batch_size": 8, "num_classes": CLASSES, "labelled_per_class": 2, "seed": 3}
    return list(semi_supervised(ds, **{**args, **kwargs}).as_numpy_iterator())


@pytest.mark.parametrize("fraction, labelled", [(0.25, 2), (0.5, 4), (0.01, 1)])
def test_each_batch_has_the_labelled_share_first_and_hides_the_rest(fraction, labelled):
    ds, labels = _examples()
    batches = _run(ds, labelled_fraction=fraction)
    assert len(batches) == N // (8 - labelled)  # one pass over ds in unlabelled batches
    # The length is known (Keras's fit misreports metrics on unknown-length data).
    op_ds = semi_supervised(
        ds, batch_size=8, num_classes=CLASSES, labelled_per_class=2, labelled_fraction=fraction
    )
    assert int(op_ds.cardinality()) == len(batches)
    for images, batch_labels in batches:
        assert images.shape == (8, 3, 3, 1) and images.dtype == np.float32
        assert batch_labels.dtype == np.int32
        assert np.all(batch_labels[:labelled] >= 0)
        np.testing.assert_array_equal(batch_labels[labelled:], UNLABELLED)
        # Labelled examples carry their true labels.
        np.testing.assert_array_equal(batch_labels[:labelled], labels[_index_of(images[:labelled])])
    # The unlabelled part is one pass over ds, in its order.
    unlabelled = np.concatenate([_index_of(images[labelled:]) for images, _ in batches])
    np.testing.assert_array_equal(unlabelled, np.arange(len(unlabelled)))


def test_labelled_subset_is_the_balanced_subset_of_the_low_shot_baseline():
    ds, labels = _examples()
    batches = _run(ds, labelled_fraction=0.5)  # 15 batches x 4 labelled = 60 labelled draws
    seen = np.concatenate([_index_of(images[:4]) for images, _ in batches])
    want = tfxlearn.data.balanced_subset(labels, 2, CLASSES, seed=3)
    assert set(seen) == set(want)
    # Cycled pass by pass: each pass over the 8 labelled examples is a permutation.
    for start in range(0, len(seen) - 7, 8):
        assert sorted(seen[start : start + 8]) == sorted(want)
    # The subset is defined on `index`: shuffling ds does not change it.
    shuffled, _ = _examples(shuffle_seed=5)
    seen_shuffled = np.concatenate(
        [_index_of(x[:4]) for x, _ in _run(shuffled, labelled_fraction=0.5)]
    )
    assert set(seen_shuffled) == set(want)


def test_iterating_the_same_dataset_twice_gives_the_same_epoch():
    # Same seed -> same batches whatever the global seed: tests/pretext/test_pretext_contract.py.
    ds, _ = _examples()
    op_ds = semi_supervised(ds, batch_size=8, num_classes=CLASSES, labelled_per_class=2, seed=3)
    one, two = list(op_ds.as_numpy_iterator()), list(op_ds.as_numpy_iterator())
    for (a, _), (b, _) in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


def test_uint8_images_of_a_real_dataset_become_floats_in_unit_range():
    ds = tfxlearn.data.load("digits", "train").take(100).enumerate()
    ds = ds.map(lambda i, e: {"image": e["image"], "label": e["label"], "index": i})
    images, labels = next(
        iter(semi_supervised(ds, batch_size=10, num_classes=10, labelled_per_class=1))
    )
    assert images.dtype == tf.float32 and float(tf.reduce_min(images)) >= 0.0
    assert float(tf.reduce_max(images)) <= 1.0 and float(tf.reduce_max(images)) > 0.0
    assert int(tf.reduce_sum(tf.cast(labels >= 0, tf.int32))) == 5


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_labelled_fraction_out_of_range_is_refused(fraction):
    ds, _ = _examples()
    with pytest.raises(ValueError, match="labelled_fraction must be in \\(0, 1\\)"):
        _run(ds, labelled_fraction=fraction)


def test_a_batch_without_room_for_unlabelled_examples_is_refused():
    ds, _ = _examples()
    with pytest.raises(ValueError, match="no room for unlabelled"):
        _run(ds, batch_size=2, labelled_fraction=0.9)


@pytest.mark.parametrize("bad_label", [CLASSES, -1, 17])
def test_label_ids_outside_the_class_count_are_refused(bad_label):
    labels = np.arange(N) % CLASSES
    labels[7] = bad_label
    ds, _ = _examples(labels=labels)
    with pytest.raises(ValueError, match="label ids outside the class count"):
        _run(ds)


def test_other_bad_inputs_are_refused_clearly():
    ds, _ = _examples()
    with pytest.raises(ValueError, match="num_classes must be >= 2"):
        _run(ds, num_classes=1)
    with pytest.raises(ValueError, match="keys 'image', 'label' and 'index'"):
        _run(ds.map(lambda e: {"image": e["image"], "index": e["index"]}))
    with pytest.raises(ValueError, match="single images"):
        _run(ds.batch(4))
    with pytest.raises(ValueError, match="class 0 has only 30"):
        _run(ds, labelled_per_class=40)
