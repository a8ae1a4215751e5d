import numpy as np
import pytest
import tensorflow as tf

from tfxlearn import pretext
from tfxlearn.data.text import Vocabulary

WORDS = tuple(f"w{i}" for i in range(30))


def _examples(texts, **args):
    args = {
        "vocabulary": Vocabulary(WORDS, tuple(range(60, 30, -1))),
        "window": 2,
        "negatives": 3,
        "subsample": None,
        "batch_examples": 2,
        **args,
    }
    ds = tf.data.Dataset.from_tensor_slices(np.array(texts)).batch(2)
    out = list(pretext.get("cbow")(ds, **args).as_numpy_iterator())
    return {k: np.concatenate([b[k] for b in out]) for k in out[0]}


def test_contexts_are_the_words_within_the_dynamic_window_of_the_same_text():
    texts = [" ".join(f"w{i}" for i in range(10)), "w20 w21 w22", "w25", "w26 w27"]
    ex = _examples(texts, seed=3)
    # One example per center that has a neighbour: 10 + 3 + 0 ("w25" alone) + 2 = 15,
    # minus the regroup remainder (15 % 2 = 1).
    assert len(ex["center"]) == 14
    for center, context in zip(ex["center"], ex["context"]):
        words = context[context > 0]
        assert len(words) >= 1 and context.shape == (4,)
        for w in words:
            # Same text (ids 1..10, 21..23, 27..28), at most 2 positions away.
            assert abs(int(w) - int(center)) <= 2 and w != center
            assert (w <= 10) == (center <= 10)
    assert not np.any(ex["center"] == 26)  # "w25" has no context


def test_noise_words_never_equal_the_center_and_follow_the_vocabulary():
    texts = [" ".join(f"w{i % 3}" for i in range(40))] * 4  # three frequent words
    ex = _examples(texts, negatives=5, seed=1)
    assert not np.any(ex["negatives"] == ex["center"][:, None])
    assert ex["negatives"].min() >= 1 and ex["negatives"].max() <= len(WORDS)


def test_cbow_contexts_are_the_skip_gram_pairs_of_each_center():
    # Window 1 (no dynamic draw), no subsampling: both ops see the same windows.
    common = {"vocabulary": Vocabulary(WORDS, (5,) * len(WORDS)), "window": 1, "negatives": 1}
    ds = tf.data.Dataset.from_tensor_slices(np.array(["w1 w2 w3 w4"] * 2)).batch(2)
    pairs = next(iter(pretext.get("skip_gram")(ds, subsample=None, batch_pairs=12, **common)))
    np.testing.assert_array_equal(pairs["center"], [2, 3, 3, 4, 4, 5] * 2)
    np.testing.assert_array_equal(pairs["context"], [3, 2, 4, 3, 5, 4] * 2)
    ex = _examples(["w1 w2 w3 w4"] * 2, window=1, negatives=1, batch_examples=8)
    np.testing.assert_array_equal(ex["center"], [2, 3, 4, 5] * 2)
    np.testing.assert_array_equal(ex["context"], [[0, 3], [2, 4], [3, 5], [4, 0]] * 2)


@pytest.mark.parametrize(
    "args, message",
    [({"window": 0}, "window must be an int >= 1"), ({"batch_examples": 1}, "batch_examples")],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        _examples(["w1 w2"], **args)
