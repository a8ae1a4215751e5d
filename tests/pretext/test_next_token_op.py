import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data.text import Vocabulary
from tfxlearn.pretext.next_token import IGNORE, next_token_windows

VOCABULARY = Vocabulary(("a", "b", "c"), (3, 2, 1))  # a=1, b=2, c=3, unknown 0, end E=4
E = 4


def _windows(texts, length=4, batch_windows=2, **kwargs):
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(len(texts))
    op = tfxlearn.pretext.get("next_token")
    out = op(ds, vocabulary=VOCABULARY, length=length, batch_windows=batch_windows, **kwargs)
    batches = list(out.as_numpy_iterator())
    return np.concatenate([b["inputs"] for b in batches]), np.concatenate(
        [b["targets"] for b in batches]
    )


def test_hand_made_windows_targets_are_inputs_shifted_by_one():
    inputs, targets = _windows(["A b, zz!", "", "c c c c c"])
    # "a b zz": E a b zz -> a b zz E ; "": E -> E ; "c c c c c": 6 targets, 2 windows.
    np.testing.assert_array_equal(inputs, [[E, 1, 2, 0], [E, E, E, E], [E, 3, 3, 3], [3, 3, E, E]])
    np.testing.assert_array_equal(
        targets,
        [[1, 2, 0, E], [E, IGNORE, IGNORE, IGNORE], [3, 3, 3, 3], [3, E, IGNORE, IGNORE]],
    )


def test_every_token_is_a_target_exactly_once_and_windows_stay_in_their_text():
    rng = np.random.default_rng(0)
    words = np.array(["a", "b", "c", "d"])
    texts = [" ".join(rng.choice(words, rng.integers(0, 12))) for _ in range(30)]
    lengths = [len(t.split()) + 1 for t in texts]
    sequences = tfxlearn.data.text.token_sequences(
        tf.constant(texts), tfxlearn.data.text.id_table(VOCABULARY), len(VOCABULARY)
    )
    windows = next_token_windows(sequences, 5, E)
    targets = windows["targets"].numpy()
    got = targets[targets != IGNORE]
    np.testing.assert_array_equal(got, sequences.flat_values.numpy())
    assert len(targets) == sum(-(-n // 5) for n in lengths)
    # Padding only at the end of a window; a window's last real target of a text is E
    # or the window is full.
    for row in targets:
        real = row != IGNORE
        assert real[0] and not np.any(np.diff(real.astype(int)) > 0)
        assert real.all() or row[real][-1] == E


def test_batches_have_batch_windows_rows_and_the_last_partial_one_is_dropped():
    ds = tf.data.Dataset.from_tensor_slices(["a b"] * 7).batch(3)
    out = list(
        tfxlearn.pretext.get("next_token")(ds, vocabulary=VOCABULARY, length=8, batch_windows=2)
    )
    assert [int(b["inputs"].shape[0]) for b in out] == [2, 2, 2]  # 7 windows -> 3 batches
    assert out[0]["inputs"].dtype == tf.int32 and out[0]["targets"].shape == (2, 8)


def test_dict_elements_and_text_key():
    ds = tf.data.Dataset.from_tensor_slices({"en": ["a b", "c"], "n": [1, 2]}).batch(2)
    out = next(
        iter(
            tfxlearn.pretext.get("next_token")(
                ds, vocabulary=VOCABULARY, length=3, batch_windows=2, text_key="en"
            )
        )
    )
    np.testing.assert_array_equal(out["targets"], [[1, 2, E], [3, E, IGNORE]])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"length": 0}, "length must be an int >= 1"),
        ({"batch_windows": 1}, "batch_windows must be an int >= 2"),
        ({"length": 2.5}, "length must be an int"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    ds = tf.data.Dataset.from_tensor_slices(["a"]).batch(1)
    args = {"vocabulary": VOCABULARY, "length": 4, "batch_windows": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        tfxlearn.pretext.get("next_token")(ds, **args)


def test_numbers_instead_of_text_are_refused():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3), np.int32)).batch(2)
    with pytest.raises(ValueError, match="batches of strings"):
        tfxlearn.pretext.get("next_token")(ds, vocabulary=VOCABULARY)
