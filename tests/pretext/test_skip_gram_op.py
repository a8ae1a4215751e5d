import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.data.text import Vocabulary
from tfxlearn.pretext import skip_gram
from tfxlearn.pretext.skip_gram import (
    _cdf,
    draw_noise,
    id_table,
    keep_probabilities,
    noise_distribution,
    regroup,
    skip_gram_pairs,
    word_ids,
)

# 12 distinct words, each text a run of different words: a word's id says where it is.
WORDS = tuple(f"w{i}" for i in range(12))
TEXTS = [" ".join(WORDS[:7]), " ".join(WORDS[7:]), " ".join(WORDS[2:10])]


def _vocabulary(counts=None):
    return Vocabulary(WORDS, tuple(counts or [1000 // (i + 1) for i in range(len(WORDS))]))


def _all_pairs(vocabulary, window=3, negatives=4, seed=0, batch_pairs=8):
    ds = tf.data.Dataset.from_tensor_slices(TEXTS).batch(3).repeat(20)
    out = skip_gram(
        ds,
        vocabulary=vocabulary,
        window=window,
        negatives=negatives,
        subsample=None,
        batch_pairs=batch_pairs,
        seed=seed,
    )
    batches = list(out.as_numpy_iterator())
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}, len(batches)


def test_every_positive_is_within_the_window_of_its_own_text():
    pairs, _ = _all_pairs(_vocabulary(), window=3)
    positions = [{WORDS.index(w) + 1: p for p, w in enumerate(t.split())} for t in TEXTS]
    for center, context in zip(pairs["center"], pairs["context"]):
        assert any(
            center in pos and context in pos and 0 < abs(pos[center] - pos[context]) <= 3
            for pos in positions
        )


def test_dynamic_window_favours_near_words():
    # Text 0 only: offsets d = 1, 2, 3 are kept with probability (3 - d + 1) / 3.
    ids = word_ids(tf.constant([TEXTS[0]] * 400), id_table(_vocabulary()))
    vocab = _vocabulary()
    out = skip_gram_pairs(
        ids,
        tf.constant([1, 2], tf.int64),
        keep=tf.constant(keep_probabilities(vocab, None)),
        cdf=_cdf(noise_distribution(vocab)),
        window=3,
        negatives=1,
    )
    distance = np.abs(out["center"].numpy() - out["context"].numpy())
    counts = np.bincount(distance, minlength=4)[1:]
    # Interior positions (each distance possible on both sides): ratios 3 : 2 : 1.
    assert counts[0] > counts[1] > counts[2] > 0
    np.testing.assert_allclose(counts[1] / counts[0], (6 - 2) / (6 - 1) * 2 / 3, rtol=0.15)


def test_no_negative_is_a_true_context_word_of_the_same_center():
    vocab = _vocabulary([100, 50, 30, 20] + [5] * 8)
    ids = word_ids(tf.constant(TEXTS * 50), id_table(vocab))
    out = skip_gram_pairs(
        ids,
        tf.constant([3, 4], tf.int64),
        keep=tf.constant(keep_probabilities(vocab, None)),
        cdf=_cdf(noise_distribution(vocab)),
        window=5,
        negatives=8,
    )
    # Pairs come ordered by center position: consecutive pairs with the same center
    # are one occurrence (no word repeats next to itself here), and their contexts
    # are exactly the words of its dynamic window.
    centers, contexts, negatives = (out[k].numpy() for k in ("center", "context", "negatives"))
    start = 0
    for end in range(1, len(centers) + 1):
        if end == len(centers) or centers[end] != centers[start]:
            window = set(contexts[start:end])
            assert not (set(negatives[start:end].ravel()) & window)
            start = end
    assert 0 not in negatives and 0 not in centers
    # Without the redraw, clashes would be frequent: the check above can fail.
    raw = draw_noise(_cdf(noise_distribution(vocab)), [1000, 8], tf.constant([0, 0], tf.int64))
    assert np.isin(raw.numpy(), [1, 2, 3, 4]).mean() > 0.5


def test_noise_matches_unigram_to_the_three_quarters():
    vocab = _vocabulary()
    p = noise_distribution(vocab)
    draws = draw_noise(_cdf(p), [200_000], tf.constant([5, 6], tf.int64)).numpy()
    frequency = np.bincount(draws, minlength=len(p)) / len(draws)
    counts = np.array(vocab.counts, float)
    want = np.concatenate([[0.0], counts**0.75 / (counts**0.75).sum()])
    np.testing.assert_allclose(p, want)
    sd = np.sqrt(want * (1 - want) / len(draws))
    assert np.all(np.abs(frequency - want) <= 5 * sd + 1e-12)


def test_subsampling_keeps_frequent_words_less_often():
    vocab = Vocabulary(("a", "b"), (99_000, 1_000))
    keep = keep_probabilities(vocab, 1e-3)
    z = np.array([0.99, 0.01])
    np.testing.assert_allclose(keep[1:], np.minimum((np.sqrt(z / 1e-3) + 1) * 1e-3 / z, 1), 1e-5)
    assert keep[0] == 0 and keep[1] < 0.05 and keep[2] > 0.4


def test_same_seed_same_pairs_eager_and_in_dataset_map():
    vocab = _vocabulary()
    kwargs = dict(
        keep=tf.constant(keep_probabilities(vocab, 0.1)),
        cdf=_cdf(noise_distribution(vocab)),
        window=3,
        negatives=2,
    )
    table = id_table(vocab)
    seed = tf.constant([7, 0], tf.int64)
    eager = skip_gram_pairs(word_ids(tf.constant(TEXTS), table), seed, **kwargs)
    ds = tf.data.Dataset.from_tensors(tf.constant(TEXTS))
    mapped = next(iter(ds.map(lambda t: skip_gram_pairs(word_ids(t, table), seed, **kwargs))))
    for key in eager:
        np.testing.assert_array_equal(eager[key], mapped[key])
    a, n = _all_pairs(vocab, seed=3)
    b, m = _all_pairs(vocab, seed=3)
    assert n == m and all(np.array_equal(a[k], b[k]) for k in a)


def test_regroup_keeps_every_row_in_order():
    ds = tf.data.Dataset.range(10).map(lambda i: tf.range(i * 100, i * 100 + i))
    rows = np.concatenate(list(regroup(ds, 4).as_numpy_iterator()))
    want = np.concatenate([np.arange(i * 100, i * 100 + i) for i in range(10)])
    np.testing.assert_array_equal(rows, want[: len(want) // 4 * 4])


def test_empty_strings_give_no_pairs():
    out = skip_gram(
        tf.data.Dataset.from_tensors(tf.constant(["", "  ", "zzz unknown"])),
        vocabulary=_vocabulary(),
        window=2,
        batch_pairs=2,
    )
    assert list(out) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(window=0), "window must be an int >= 1"),
        (dict(negatives=0), "negatives must be an int >= 1"),
        (dict(batch_pairs=1), "batch_pairs"),
        (dict(subsample=0.0), "subsample"),
        (dict(window=6), "larger than 2 \\* window"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    ds = tf.data.Dataset.from_tensor_slices(TEXTS).batch(3)
    with pytest.raises(ValueError, match=match):
        skip_gram(ds, vocabulary=_vocabulary(), **kwargs)


def test_unbatched_text_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="batch"):
        skip_gram(tf.data.Dataset.from_tensor_slices(TEXTS), vocabulary=_vocabulary())
