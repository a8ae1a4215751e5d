import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.evaluation.perplexity import python_token_sequences
from tfxlearn.export import export_saved_model, load_serving_fn
from tfxlearn.pretext.masked_tokens import mask_id, padding_id

WORDS = ("god", "light", "earth", "darkness", "über", "said", "day", "night")
V = len(WORDS)


def _model(max_length=8, **kwargs):
    keras.utils.set_random_seed(0)
    args = {"dim": 8, "depth": 1, "heads": 2, "dropout": 0.0, **kwargs}
    return tfxlearn.paradigms.get("masked_language_model")(
        vocabulary=list(WORDS), max_length=max_length, **args
    )


def _padded(sequences, length):
    return np.array([list(s) + [padding_id(V)] * (length - len(s)) for s in sequences])


def test_served_model_takes_raw_strings_like_python_side_tokenization(tmp_path):
    model = _model()
    texts = ["God said: Light!", "God’s DAY and night", "", "ÜBER-light", "day " * 9]
    sequences = python_token_sequences(texts, WORDS)
    path = export_saved_model(model, str(tmp_path), model_name="mlm")
    got = load_serving_fn(path)(text=tf.constant(texts))
    cut = [s[:8] for s in sequences]
    want = model.pooled(_padded(cut, 8)).numpy()
    np.testing.assert_allclose(got["embedding"], want, atol=1e-5)
    np.testing.assert_array_equal(got["tokens"], [4, 5, 1, 3, 8])
    np.testing.assert_array_equal(got["truncated"], [False, False, False, False, True])
    # An empty string is the end token alone: a finite embedding.
    assert np.all(np.isfinite(got["embedding"][2]))
    fill = tf.saved_model.load(path).signatures["fill_mask"]
    out = fill(text=tf.constant(texts[:2]), position=tf.constant([2, 7], tf.int32))
    assert out["log_probs"].shape == (2, V + 1)
    np.testing.assert_array_equal(out["valid"], [True, False])  # text 2 has 4 words
    np.testing.assert_allclose(np.exp(out["log_probs"][0]).sum(), 1.0, rtol=1e-5)


def test_embed_texts_warns_when_it_truncates():
    model = _model()
    with pytest.warns(UserWarning, match="1 text\\(s\\) longer than max_length=8"):
        out = model.embed_texts(["day " * 20, "god"])
    assert out["tokens"].tolist() == [8, 2]


def test_the_encoder_reads_both_directions_and_ignores_padding():
    model = _model(max_length=6)
    ids = np.array([[1, mask_id(V), 3, 4, V + 1, padding_id(V)]])
    later = ids.copy()
    later[0, 3] = 5
    # Bidirectional: a later token changes the prediction at an earlier position.
    assert not np.allclose(model(ids)[0, 1], model(later)[0, 1])
    # Padding: the features of the 5 real tokens do not depend on the padded tail.
    short = ids[:, :5]
    np.testing.assert_allclose(model.pooled(ids), model.pooled(short), atol=1e-5)
    np.testing.assert_allclose(model(ids)[0, :5], model(short)[0], atol=1e-5)


def test_loss_counts_only_the_selected_tokens():
    model = _model(max_length=6)
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    inputs = np.array([[1, mask_id(V), 3, V + 1, padding_id(V), padding_id(V)]] * 2)
    targets = np.full((2, 6), -1)
    targets[:, 1] = 2
    logits = model(inputs).numpy()[:, 1]
    want = -tf.nn.log_softmax(logits)[:, 2].numpy().mean()
    logs = model.evaluate(
        tf.data.Dataset.from_tensors({"inputs": inputs, "targets": targets}),
        verbose=0,
        return_dict=True,
    )
    np.testing.assert_allclose(logs["loss"], want, rtol=1e-5)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="max_length must be an int >= 2"):
        _model(max_length=1)
    with pytest.raises(ValueError, match="dropout must be in"):
        _model(dropout=1.0)
    with pytest.raises(ValueError, match="vocabulary must hold at least one word"):
        tfxlearn.paradigms.get("masked_language_model")(vocabulary=[])
