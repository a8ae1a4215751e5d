import numpy as np
import pytest
import tensorflow as tf

from tfxlearn import pretext
from tfxlearn.data.text import Vocabulary, end_id
from tfxlearn.pretext.masked_tokens import IGNORE, mask_id, padding_id

WORDS = tuple(f"w{i}" for i in range(20))
V = len(WORDS)


def _texts(n, words=30, seed=0):
    rng = np.random.default_rng(seed)
    # Words of the vocabulary and some unknown ones ("x..."), texts of varying length.
    pool = list(WORDS) + ["xa", "xb"]
    return np.array([" ".join(rng.choice(pool, size=rng.integers(1, words))) for _ in range(n)])


def _op(texts, batch=64, **args):
    args = {"vocabulary": Vocabulary(WORDS, (5,) * V), "length": 32, **args}
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(batch)
    out = list(pretext.get("masked_tokens")(ds, **args).as_numpy_iterator())
    return np.concatenate([b["inputs"] for b in out]), np.concatenate([b["targets"] for b in out])


def _clean(texts, length=32):
    """The unmasked ids, padded like the op's inputs (Python-side tokenization)."""
    index = {w: i + 1 for i, w in enumerate(WORDS)}
    rows = [([index.get(w, 0) for w in t.split()] + [end_id(V)])[:length] for t in texts]
    return np.array([r + [padding_id(V)] * (length - len(r)) for r in rows])


def test_fifteen_percent_of_word_tokens_are_selected_and_split_80_10_10():
    texts = _texts(2000)
    inputs, targets = _op(texts, seed=7)
    clean = _clean(texts)
    words = clean <= V
    selected = targets != IGNORE
    # 2000 texts x ~15 words: ~30,000 word tokens; binomial sd of the share ~0.002.
    assert abs(selected.sum() / words.sum() - 0.15) < 0.01
    np.testing.assert_array_equal(targets[selected], clean[selected])
    masked = inputs[selected] == mask_id(V)
    kept = inputs[selected] == clean[selected]
    # A random word equal to the original counts as kept (probability 1/V of 10%).
    random = ~masked & ~kept
    n = selected.sum()
    assert abs(masked.sum() / n - 0.8) < 0.02
    assert abs(kept.sum() / n - (0.1 + 0.1 / V)) < 0.015
    assert abs(random.sum() / n - (0.1 - 0.1 / V)) < 0.015
    assert np.all((inputs[selected][random] >= 1) & (inputs[selected][random] <= V))
    # Unselected tokens are unchanged.
    np.testing.assert_array_equal(inputs[~selected], clean[~selected])


def test_special_tokens_are_never_selected_and_unknown_words_are():
    texts = _texts(500)
    inputs, targets = _op(texts, rate=1.0)
    clean = _clean(texts)
    special = clean > V  # end of text and padding
    assert np.all(targets[special] == IGNORE)
    np.testing.assert_array_equal(inputs[special], clean[special])
    assert np.all(targets[~special] == clean[~special])  # rate 1: every word, 0 included
    assert (targets == 0).any()


def test_long_texts_are_truncated_and_empty_texts_give_no_target():
    texts = np.array(["w1 " * 50, "", "w2 w3"])
    inputs, targets = _op(texts, length=8, rate=1.0)
    assert inputs.shape == (3, 8)
    assert np.all(targets[0] == 2)  # "w1" (id 2) x 8: the end is cut off
    assert inputs[1, 0] == end_id(V) and np.all(targets[1] == IGNORE)
    assert np.all(inputs[1, 1:] == padding_id(V))


def test_seeds_change_the_masks_and_repeat_them():
    texts = _texts(50)
    a, b, c = _op(texts, seed=1), _op(texts, seed=1), _op(texts, seed=2)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize(
    "args, message",
    [
        ({"rate": 0.0}, "rate must be a number in \\(0, 1\\]"),
        ({"mask_share": 0.9, "random_share": 0.2}, "mask_share \\+ random_share"),
        ({"length": 1}, "length must be an int >= 2"),
    ],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        _op(_texts(4), **args)


def test_single_strings_are_refused():
    ds = tf.data.Dataset.from_tensor_slices(_texts(4))
    with pytest.raises(ValueError, match="batch\\(n\\) first"):
        pretext.get("masked_tokens")(ds, vocabulary=Vocabulary(WORDS, (5,) * V))
