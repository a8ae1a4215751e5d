import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data.text import Vocabulary, build_vocabulary, count_words
from tfxlearn.evaluation.perplexity import (
    compare_perplexity,
    model_token_log_probs,
    perplexity,
    python_token_sequences,
)
from tfxlearn.export import export_saved_model, load_serving_fn

WORDS = ("god", "light", "earth", "darkness", "über", "said", "day", "night")


def _model(max_length=8, **kwargs):
    keras.utils.set_random_seed(0)
    args = {"dim": 8, "depth": 1, "heads": 2, "dropout": 0.0, **kwargs}
    return tfxlearn.paradigms.get("language_model")(
        vocabulary=list(WORDS), max_length=max_length, **args
    )


def test_served_model_takes_raw_strings_like_python_side_tokenization(tmp_path):
    model = _model()
    texts = ["God said: Light!", "God’s DAY and night", "", "ÜBER-light", "day " * 9]
    sequences = python_token_sequences(texts, WORDS)
    assert [len(s) for s in sequences] == [4, 5, 1, 3, 10]
    assert sequences[1].tolist() == [1, 7, 0, 8, 9]  # "and" is unknown (0), end = 9
    path = export_saved_model(model, str(tmp_path), model_name="lm")
    got = load_serving_fn(path)(text=tf.constant(texts))
    want = model_token_log_probs(model, sequences)
    for i in range(4):  # within max_length: the whole text and its end are scored
        np.testing.assert_allclose(got["log_likelihood"][i], want[i].sum(), rtol=1e-5)
    np.testing.assert_array_equal(got["tokens"], [4, 5, 1, 3, 8])
    np.testing.assert_array_equal(got["truncated"], [False, False, False, False, True])
    # The truncated text: its first max_length tokens (no end of text).
    np.testing.assert_allclose(got["log_likelihood"][4], want[4][:8].sum(), rtol=1e-5)
    # Next-token signature: the text as a prefix; distributions over V + 2 classes.
    nxt = tf.saved_model.load(path).signatures["next_token"](text=tf.constant(texts[:4]))
    probabilities = np.exp(nxt["log_probs"].numpy())
    assert probabilities.shape == (4, len(WORDS) + 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(nxt["context_tokens"], [len(s) for s in sequences[:4]])
    # log P(text) = sum of next-token log-probs of each growing prefix, then the end.
    prefix = ["god", "god said"]
    steps = tf.saved_model.load(path).signatures["next_token"](text=tf.constant(["", *prefix]))
    chained = sum(steps["log_probs"].numpy()[i, t] for i, t in enumerate([1, 6, 2]))
    end = load_serving_fn(path)(text=tf.constant(["god said light"]))
    prefix_all = tf.saved_model.load(path).signatures["next_token"](
        text=tf.constant(["god said light"])
    )
    np.testing.assert_allclose(
        chained + prefix_all["log_probs"].numpy()[0, 9], end["log_likelihood"][0], rtol=1e-5
    )
    # A process that never imports tfxlearn: plain TensorFlow.
    plain = tf.saved_model.load(path).signatures["serving_default"]
    np.testing.assert_allclose(
        plain(text=tf.constant(texts))["log_likelihood"], got["log_likelihood"]
    )
    assert not tfxlearn.export.standard_ops_only(path)


def test_python_log_likelihood_warns_when_it_truncates():
    model = _model(max_length=4)
    with pytest.warns(UserWarning, match="1 text.*longer than max_length=4"):
        out = model.log_likelihood(["god said light day night", "god"])
    np.testing.assert_array_equal(out["tokens"], [4, 2])
    np.testing.assert_array_equal(out["truncated"], [True, False])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.log_likelihood(["god", ""])  # nothing truncated: no warning


def test_training_uses_context_a_trigram_model_cannot_see():
    # The last word repeats the first one, 4 words earlier: the Transformer can copy
    # it, a trigram model only sees "said said" before it.
    rng = np.random.default_rng(0)
    first = rng.choice(["god", "light", "earth", "darkness"], 400)
    texts = [f"{w} said said said {w}" for w in first]
    vocabulary = Vocabulary(WORDS, (10,) * len(WORDS))
    ds = tfxlearn.pretext.get("next_token")(
        tf.data.Dataset.from_tensor_slices(texts[:300]).batch(50),
        vocabulary=vocabulary,
        length=8,
        batch_windows=50,
    )
    model = _model(dim=32, heads=2)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(ds.repeat(40), verbose=0)
    assert history.history["accuracy"][-1] > 0.6
    result = compare_perplexity(model, texts[:300], texts[300:], order=3)
    assert result["test_tokens"] == 100 * 6
    # The first word is a coin flip among 4, the rest is determined: perplexity
    # ~ 4 ** (1 / 6) = 1.26 at best; the trigram model cannot tell the last word.
    assert result["model_perplexity"] < 1.4 < result["kn_perplexity"]


def test_a_zero_head_is_uniform_perplexity_is_the_number_of_classes():
    model = _model()
    head = model.head
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    sequences = python_token_sequences(["god said", "", "x y z w v u t s r q p"], WORDS)
    assert perplexity(model_token_log_probs(model, sequences)) == pytest.approx(10.0, rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_length": 1}, "max_length must be an int >= 2"),
        ({"dim": 6, "heads": 4}, "divisible by heads"),
        ({"depth": 0}, "depth must be an int >= 1"),
        ({"vocabulary": "god light"}, "vocabulary must be a list of words"),
        ({"vocabulary": ["god", "god"]}, "each once"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    args = {"vocabulary": list(WORDS), "dim": 8, "heads": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        tfxlearn.paradigms.get("language_model")(**args)


def test_a_vocabulary_larger_than_the_corpus_is_refused():
    counts = count_words([np.array(["God said let there be light", "and there was light"])])
    with pytest.raises(ValueError, match="max_size 100 is larger than the corpus' 8 distinct"):
        tfxlearn.paradigms.get("language_model")(
            vocabulary=build_vocabulary(counts, min_count=1, max_size=100)
        )


def test_a_long_prefix_keeps_its_last_words_and_an_empty_batch_works():
    model = _model(max_length=4)
    long = model.next_token_log_probs(tf.constant(["god god god said light day", "said light day"]))
    # Context: E + the last max_length - 1 = 3 words, the same for both texts.
    np.testing.assert_array_equal(long["context_tokens"], [4, 4])
    np.testing.assert_allclose(long["log_probs"][0], long["log_probs"][1], atol=1e-6)
    empty = model.serving_outputs(tf.constant([], tf.string))
    assert empty["log_likelihood"].shape == (0,) and empty["tokens"].shape == (0,)


def test_a_subword_model_serves_raw_strings_with_no_unknown_token(tmp_path):
    from tfxlearn.data.subword import greedy_cut, learn_pieces

    counts = {"god": 9, "said": 7, "light": 6, "lights": 2, "darkness": 3, "day": 5, "night": 4}
    pieces, _ = learn_pieces(counts, 40)
    keras.utils.set_random_seed(0)
    model = tfxlearn.paradigms.get("language_model")(
        vocabulary=list(pieces), max_length=12, dim=8, depth=1, heads=2, dropout=0.0
    )
    assert model.subwords
    texts = ["God said: nights!", "daylight", ""]  # words never seen whole
    sequences = python_token_sequences(texts, pieces)
    cut = [greedy_cut(w, set(pieces)) for w in ("god", "said", "nights")]
    assert len(sequences[0]) == sum(map(len, cut)) + 1 and 0 not in sequences[0][:-1]
    path = export_saved_model(model, str(tmp_path), model_name="lm_subword")
    got = load_serving_fn(path)(text=tf.constant(texts))
    np.testing.assert_array_equal(got["tokens"], [len(s) for s in sequences])
    want = model_token_log_probs(model, sequences)
    np.testing.assert_allclose(got["log_likelihood"], [w.sum() for w in want], rtol=1e-5)
    assert not tfxlearn.export.standard_ops_only(path)
