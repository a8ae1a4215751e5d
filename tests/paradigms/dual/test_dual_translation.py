"""Dual learning for translation (`dual_translation`): the reward's gradient
reaches only the sampling model, steps learn, export serves raw strings in a
fresh process, bad arguments and inputs are refused clearly. The registry-wide
contract (fit step, config round trip, SavedModel, 1 vs 2 replicas) runs in
tests/paradigms/test_contract.py with tests/contract_examples/dual_translation.py."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs
from contract_examples.dual_translation import EN, ES, tiny_dual_translation, vocabularies

import tfxlearn
from tfxlearn.export import export_saved_model


def _compiled(model, learning_rate=0.1):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    model.optimizer.build(model.trainable_weights)
    return model


def _nonzero(gradients):
    return [g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in gradients]


@pytest.mark.parametrize("direction", ["ab", "ba"])
def test_the_reward_gradient_flows_only_into_the_sampling_model(direction):
    model = _compiled(tiny_dual_translation())
    forward, backward = (
        (model.translator_ab, model.translator_ba)
        if direction == "ab"
        else (model.translator_ba, model.translator_ab)
    )
    texts = tf.constant(EN if direction == "ab" else ES)
    language_models = [
        w.value for w in model.language_model_a.weights + model.language_model_b.weights
    ]
    assert language_models and not model.language_model_a.trainable_weights
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(language_models)
        terms = model.dual_losses(texts, direction)
    policy_forward = tape.gradient(terms["policy"], forward.trainable_weights)
    policy_backward = tape.gradient(terms["policy"], backward.trainable_weights)
    policy_lms = tape.gradient(terms["policy"], language_models)
    rec_forward = tape.gradient(terms["reconstruction"], forward.trainable_weights)
    rec_backward = tape.gradient(terms["reconstruction"], backward.trainable_weights)
    assert any(_nonzero(policy_forward))  # REINFORCE updates the sampler
    assert all(g is None for g in policy_backward)  # the reward is a constant
    assert all(g is None for g in policy_lms)
    assert all(g is None for g in rec_forward)  # the sample is a constant for the way back
    assert any(_nonzero(rec_backward))
    assert np.isfinite(float(terms["reward"])) and float(terms["reward"]) < 0


def test_the_policy_loss_is_centered_on_the_batch_mean_reward():
    """With alpha = 1 and a language model that gives every text the same score,
    every reward equals the baseline: the policy term is exactly 0."""
    model = tiny_dual_translation(alpha=1.0)
    for lm in (model.language_model_a, model.language_model_b):
        lm.set_weights([np.zeros_like(w) for w in lm.get_weights()])  # uniform LM
    _compiled(model)
    terms = model.dual_losses(tf.constant(EN), "ab")
    assert float(terms["policy"]) == pytest.approx(0.0, abs=1e-6)
    assert float(terms["reconstruction"]) == 0.0  # weight 1 - alpha = 0
    classes = len(model.vocabulary_b) + 2
    assert float(terms["reward"]) == pytest.approx(-np.log(classes), rel=1e-5)


def test_supervised_steps_fit_the_parallel_pairs():
    model = _compiled(tiny_dual_translation(mode="supervised", dim=16), learning_rate=0.01)
    model.optimizer = keras.optimizers.Adam(0.01)
    data = tf.data.Dataset.from_tensors({"a": np.array(EN), "b": np.array(ES)})
    before = model.evaluate(data, verbose=0, return_dict=True)["loss"]
    model.fit(data.repeat(60), verbose=0)
    after = model.evaluate(data, verbose=0, return_dict=True)["loss"]
    assert before > 2.5  # the sum of both directions' token cross-entropies, ~2 ln(30)
    assert after < 0.5 * before
    assert all(isinstance(t, bytes) for t in model.translate(EN[:2])["translation"])


def test_dual_steps_update_both_translators_and_never_the_language_models():
    model = _compiled(tiny_dual_translation(supervised_weight=0.0))
    frozen = [w.numpy() for w in model.language_model_a.weights + model.language_model_b.weights]
    ab, ba = (
        [w.numpy() for w in model.translator_ab.weights],
        [w.numpy() for w in model.translator_ba.weights],
    )
    data = tf.data.Dataset.from_tensors({"a": np.array(EN), "b": np.array(ES[::-1])})
    logs = model.fit(data, verbose=0).history
    assert np.isfinite(logs["loss"][0]) and logs["reward_ab"][0] < 0 and logs["reward_ba"][0] < 0
    after = [w.numpy() for w in model.language_model_a.weights + model.language_model_b.weights]
    assert all(np.array_equal(x, y) for x, y in zip(frozen, after))
    assert any(not np.array_equal(x, w.numpy()) for x, w in zip(ab, model.translator_ab.weights))
    assert any(not np.array_equal(x, w.numpy()) for x, w in zip(ba, model.translator_ba.weights))


def test_export_serves_raw_strings_in_a_fresh_process(tmp_path, subprocess_env):
    model = tiny_dual_translation()
    texts = np.array(["God said light", "", "unknown words only", " ".join(EN)])
    path = export_saved_model(model, str(tmp_path), model_name="dual")
    calls = {name: {"text": texts} for name in ("serving_default", "translate_ba")}
    served = fresh_process_outputs(path, calls, subprocess_env, tmp_path)
    for name, direction in (("serving_default", "ab"), ("translate_ba", "ba")):
        with pytest.warns(UserWarning, match="1 text\\(s\\) longer than max_length=8"):
            want = model.translate(list(texts), direction)
        assert served[name]["translation"].tolist() == [t.decode() for t in want["translation"]]
        assert served[name]["tokens"].tolist() == want["tokens"].tolist()
        assert served[name]["truncated"].tolist() == [False, False, False, True]


def test_empty_strings_are_texts_of_the_end_token_alone():
    model = _compiled(tiny_dual_translation(mode="supervised"))
    source, mask, targets, truncated = model.tokens(tf.constant(["", "god"]), "a")
    assert mask.numpy().sum(axis=1).tolist() == [1, 2]
    assert int(source[0, 0]) == len(model.vocabulary_a) + 1  # the end id
    out = model.translate(["", ""])
    assert out["translation"].shape == (2,) and (out["tokens"] >= 1).all()
    data = tf.data.Dataset.from_tensors({"a": np.array(["", "god"]), "b": np.array(["", ""])})
    assert np.isfinite(model.fit(data, verbose=0).history["loss"][0])


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="max_length must be an int >= 2, got 1"):
        tiny_dual_translation(max_length=1)
    with pytest.raises(ValueError, match="mode must be one of .*'unsupervised'"):
        tiny_dual_translation(mode="unsupervised")
    with pytest.raises(ValueError, match="alpha must be a number in \\[0, 1\\]"):
        tiny_dual_translation(alpha=1.5)
    with pytest.raises(ValueError, match="supervised_weight must be a number >= 0"):
        tiny_dual_translation(supervised_weight=-1.0)
    with pytest.raises(ValueError, match="vocabulary_b must hold at least one word"):
        tfxlearn.paradigms.get("dual_translation")(vocabulary_a=["god"], vocabulary_b=[])
    wrong = tfxlearn.nets.transformer_decoder(5, 8, dim=8, depth=1, heads=2)
    with pytest.raises(ValueError, match="language_model_b must predict"):
        tiny_dual_translation(language_model_b=wrong)
    model = tiny_dual_translation()
    with pytest.raises(ValueError, match="direction must be 'ab' or 'ba'"):
        model.translate(["god"], "ac")


def test_dual_batches_need_the_parallel_pairs_when_they_are_weighted():
    model = _compiled(tiny_dual_translation(supervised_weight=1.0))
    data = tf.data.Dataset.from_tensors({"a": np.array(EN), "b": np.array(ES)})
    with pytest.raises(ValueError, match="a, b, parallel_a, parallel_b"):
        model.fit(data, verbose=0)


def test_given_language_models_are_kept_frozen_and_round_trip_in_the_config():
    vocabulary_a, vocabulary_b = vocabularies()
    lm = tfxlearn.nets.transformer_decoder(
        len(vocabulary_b) + 2, 8, dim=8, depth=1, heads=2, name="spanish_lm"
    )
    model = tiny_dual_translation(language_model_b=lm)
    assert model.language_model_b is lm and not lm.trainable
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.language_model_b.name == "spanish_lm"


def test_subword_vocabularies_leave_no_word_unknown_and_translations_are_glued_into_words():
    from tfxlearn.data.subword import greedy_cut, learn_pieces
    from tfxlearn.data.text import count_words

    pieces_a, pieces_b = (
        list(learn_pieces(count_words([np.array(side)]), 80)[0]) for side in (EN, ES)
    )
    model = tfxlearn.paradigms.get("dual_translation")(
        vocabulary_a=pieces_a, vocabulary_b=pieces_b, mode="supervised",
        max_length=64, dim=8, depth=1, heads=2, dropout=0.0,
    )  # fmt: skip
    for texts, language in ((EN, "a"), (ES, "b")):
        ids, mask, _, truncated = model.tokens(tf.constant(texts), language)
        assert not np.any(truncated)
        assert np.all(ids.numpy()[mask.numpy()] > 0)  # no unknown token
    cut = greedy_cut("desordenada", set(pieces_b))
    assert len(cut) > 1
    ids = [[pieces_b.index(p) + 1 for p in cut] + [len(pieces_b) + 1]]
    glued = model._words(tf.constant(ids), tf.constant([len(cut)]), "b").numpy()[0]
    assert glued == b"desordenada"
    assert all(b"##" not in t for t in model.translate(EN[:2])["translation"])
