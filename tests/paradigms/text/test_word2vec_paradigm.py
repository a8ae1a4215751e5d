import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.data.text import Vocabulary
from tfxlearn.export import export_saved_model, load_serving_fn

WORDS = ("god", "light", "earth", "darkness", "über", "said", "day", "night")


def _model(dim=4):
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("word2vec")(vocabulary=list(WORDS), embedding_dim=dim)


def _python_side(model, texts):
    """Mean word vector per text, tokenized in plain Python (re, str.lower)."""
    vectors, index = model.word_vectors(), {w: i + 1 for i, w in enumerate(WORDS)}
    out, known = [], []
    for text in texts:
        words = re.findall(r"[^\W_]+", re.sub(r"['’]s\b", "", text.lower()))
        ids = [index[w] for w in words if w in index]
        out.append(vectors[ids].mean(axis=0) if ids else np.zeros(vectors.shape[1]))
        known.append(len(ids))
    return np.array(out), np.array(known)


def test_served_model_takes_raw_strings_like_python_side_tokenization(tmp_path):
    model = _model()
    texts = ["God said: Light!", "God’s DAY and night", "", "nothing known", "ÜBER-light"]
    path = export_saved_model(model, str(tmp_path), model_name="w2v")
    serve = load_serving_fn(path)
    got = serve(text=tf.constant(texts))
    want, known = _python_side(model, texts)
    np.testing.assert_allclose(got["embedding"].numpy(), want, atol=1e-6)
    np.testing.assert_array_equal(got["known_words"].numpy(), known)
    assert known.tolist() == [3, 3, 0, 0, 2]
    # A process that never imports tfxlearn: plain TensorFlow.
    plain = tf.saved_model.load(path).signatures["serving_default"]
    np.testing.assert_allclose(plain(text=tf.constant(texts))["embedding"], want, atol=1e-6)
    assert not tfxlearn.export.standard_ops_only(path)


def test_training_puts_co_occurring_words_together():
    # Two topics that never share a text: after training, words of one topic are
    # closer to each other than to the other topic's words.
    a, b = ["god", "light", "day", "said"], ["earth", "darkness", "night", "über"]
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.permutation(t)) for t in [a, b] * 200]
    vocabulary = Vocabulary(WORDS, (100,) * len(WORDS))
    ds = tfxlearn.pretext.get("skip_gram")(
        tf.data.Dataset.from_tensor_slices(texts).batch(50),
        vocabulary=vocabulary,
        window=3,
        negatives=2,
        subsample=None,
        batch_pairs=64,
    )
    model = _model(dim=8)
    model.compile(optimizer=keras.optimizers.SGD(0.05 * 64))
    model.fit(ds.cache(), epochs=5, verbose=0)
    unit = model.word_vectors()[1:]
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    cosine = unit @ unit.T
    topic = np.array([w in a for w in WORDS])
    same = cosine[topic[:, None] == topic[None, :]]
    same = same[same < 0.999999]  # the diagonal
    other = cosine[topic[:, None] != topic[None, :]]
    assert same.mean() > other.mean() + 0.3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vocabulary=[]), "at least one word"),
        (dict(vocabulary=["a", "a"]), "each once"),
        (dict(vocabulary="god light"), "list of words"),
        (dict(vocabulary=list(WORDS), embedding_dim=0), "embedding_dim"),
        (dict(vocabulary=list(WORDS), mode="glove"), "mode must be one of"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tfxlearn.paradigms.get("word2vec")(**kwargs)


def test_word_similarity_protocol_reads_the_models_vectors():
    result = tfxlearn.evaluation.model_protocol("word_similarity")(_model(), None, seed=0)
    assert 0 < result["wordsim353_oov_rate"] <= 1 and result["analogy_oov_rate"] == 1.0


def test_cbow_scores_the_mean_context_vector_against_the_center():
    keras.utils.set_random_seed(0)
    model = tfxlearn.paradigms.get("word2vec")(vocabulary=list(WORDS), embedding_dim=4, mode="cbow")
    model.context_embedding.embeddings.assign(
        np.random.default_rng(0).normal(size=(len(WORDS) + 1, 4)).astype(np.float32)
    )
    batch = {
        "center": np.array([2, 5]),
        "context": np.array([[1, 3, 0, 0], [4, 6, 7, 0]]),
        "negatives": np.array([[8, 1], [2, 3]]),
    }
    v, c = model.word_vectors(), model.context_embedding.embeddings.numpy()
    hidden = np.stack([v[[1, 3]].mean(0), v[[4, 6, 7]].mean(0)])
    want = np.stack(
        [
            [hidden[0] @ c[2], hidden[0] @ c[8], hidden[0] @ c[1]],
            [hidden[1] @ c[5], hidden[1] @ c[2], hidden[1] @ c[3]],
        ]
    )
    np.testing.assert_allclose(model(batch), want, rtol=1e-5)
    with pytest.raises(ValueError, match="context must be integer word ids of rank 2"):
        model({**batch, "context": batch["context"][:, 0]})
    assert model.get_config()["mode"] == "cbow"


def test_cbow_gives_each_context_word_the_whole_hidden_gradient():
    """As word2vec's C code and gensim (cbow_mean=1) do: the forward pass uses the
    mean, but every context word's vector moves by the hidden vector's gradient,
    not by 1 / |context| of it; padding (id 0) gets nothing."""
    model = tfxlearn.paradigms.get("word2vec")(vocabulary=list(WORDS), embedding_dim=4, mode="cbow")
    model.context_embedding.embeddings.assign(
        np.random.default_rng(1).normal(size=(len(WORDS) + 1, 4)).astype(np.float32)
    )
    batch = {
        "center": np.array([2]),
        "context": np.array([[1, 3, 4, 0]]),
        "negatives": np.array([[8, 5]]),
    }
    with tf.GradientTape() as tape:
        scores = model(batch)
        loss = tf.reduce_sum(scores * np.array([[1.0, -2.0, 0.5]], np.float32))
    grad = tf.convert_to_tensor(tape.gradient(loss, model.word_embedding.embeddings)).numpy()
    c = model.context_embedding.embeddings.numpy()
    hidden_grad = c[2] - 2.0 * c[8] + 0.5 * c[5]  # d loss / d hidden
    for word in (1, 3, 4):
        np.testing.assert_allclose(grad[word], hidden_grad, rtol=1e-5)
    assert not grad[0].any() and not grad[[2, 5, 6, 7, 8]].any()


def test_cbow_trains_on_the_cbow_op():
    keras.utils.set_random_seed(0)
    texts = ["god said light", "light day night", "earth darkness night day"] * 8
    ds = tf.data.Dataset.from_tensor_slices(np.array(texts)).batch(8)
    vocabulary = Vocabulary(WORDS, (5,) * len(WORDS))
    examples = tfxlearn.pretext.get("cbow")(
        ds, vocabulary=vocabulary, window=2, negatives=2, subsample=None, batch_examples=8
    )
    model = tfxlearn.paradigms.get("word2vec")(vocabulary=vocabulary, embedding_dim=4, mode="cbow")
    model.compile(optimizer=keras.optimizers.SGD(1.0))
    losses = model.fit(examples.repeat(5), verbose=0).history["loss"]
    assert np.isfinite(losses[-1]) and losses[-1] < np.log(2) * 3  # below the start
