import keras
import numpy as np

import tfxlearn
from tfxlearn.evaluation.masked_tokens import masked_token_scores

WORDS = ("a", "b", "c")


def _model():
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("masked_language_model")(
        vocabulary=list(WORDS), max_length=8, dim=8, depth=1, heads=2, dropout=0.0
    )


def test_every_word_hidden_gives_the_unigram_scores_by_hand():
    model = _model()
    train = ["a a a b", "a c zz"]  # counts: unknown 1, a 4, b 1, c 1
    test = [b"a b c", "zz a", ""]  # bytes or str; the empty text has no word
    scores = masked_token_scores(model, train, test, rate=1.0)
    assert scores["masked_tokens"] == 5 and scores["test_texts"] == 3
    # Most frequent class "a": right on 2 of the 5 hidden tokens (a, b, c, unknown, a).
    assert scores["unigram_accuracy"] == 2 / 5
    smoothed = np.array([2, 5, 2, 2]) / 11  # add-one over unknown, a, b, c
    hidden = [1, 2, 3, 0, 1]
    want = -np.mean(np.log(smoothed[hidden]))
    np.testing.assert_allclose(scores["unigram_cross_entropy"], want, rtol=1e-9)
    # The model's scores, recomputed from its logits with every word masked.
    m, p = model.mask_id, model.padding_id
    ids = np.array([[m, m, m, 4, p], [m, m, 4, p, p]])
    log_probs = keras.ops.convert_to_numpy(keras.ops.log_softmax(model(ids), axis=-1))
    picked = [log_probs[0, 0, 1], log_probs[0, 1, 2], log_probs[0, 2, 3]]
    picked += [log_probs[1, 0, 0], log_probs[1, 1, 1]]
    np.testing.assert_allclose(scores["model_cross_entropy"], -np.mean(picked), rtol=1e-5)
    correct = [
        log_probs[0, 0].argmax() == 1,
        log_probs[0, 1].argmax() == 2,
        log_probs[0, 2].argmax() == 3,
        log_probs[1, 0].argmax() == 0,
        log_probs[1, 1].argmax() == 1,
    ]
    assert scores["model_accuracy"] == np.mean(correct)
    assert scores["accuracy_gain"] == scores["model_accuracy"] - scores["unigram_accuracy"]
