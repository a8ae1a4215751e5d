"""L3-Net (Arandjelovic & Zisserman, ICCV 2017): fusion head, evaluation hook,
cross-modal scores, and that it learns a correspondence on a toy problem."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import SAMPLES, audio_net, image_net, toy_eval_data, toy_examples, toy_pairs

import tfxlearn
from tfxlearn.evaluation.audio_visual import correspondence, cross_modal_scores
from tfxlearn.evaluation.finetuning import clone_architecture


def build(**kwargs):
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("l3_net")(image_net(), audio_net(), **kwargs)


def test_logits_are_the_fusion_mlp_of_the_concatenated_features():
    model = build(hidden=8)
    inputs, _ = next(iter(toy_pairs()))
    logits = model(inputs)
    fused = tf.concat(
        [model.encoder(inputs["images"]), model.audio_encoder(inputs["audio"])], axis=-1
    )
    np.testing.assert_allclose(logits, model.head(fused), atol=1e-6)
    assert logits.shape == (32, 2)
    # Extra keys of the op's dict (keep_indices) are ignored.
    np.testing.assert_allclose(model({**inputs, "image_index": tf.range(32)}), logits)


def test_cross_modal_scores_are_the_pair_logit_differences():
    model = build(hidden=8)
    ex = toy_examples(10)
    image_emb = model.embed_images(tf.constant(ex["image"], tf.float32) / 255)
    audio_emb = model.embed_audio(tf.constant(ex["audio"]))
    scores = model.cross_modal_scores(image_emb, audio_emb, max_pairs=25)  # several chunks
    assert scores.shape == (10, 10)
    for i, j in [(0, 0), (3, 7), (9, 2)]:
        logits = model.pair_logits(image_emb[i : i + 1], audio_emb[j : j + 1]).numpy()
        assert scores[i, j] == pytest.approx(logits[0, 1] - logits[0, 0], abs=1e-5)
    # The protocol's generic fallback (pair by pair) agrees.
    without_scores = type("NoScores", (), {"pair_logits": model.pair_logits})()
    np.testing.assert_allclose(
        cross_modal_scores(without_scores, image_emb, audio_emb), scores, atol=1e-5
    )


def test_evaluation_encoder_picks_the_network_of_the_input():
    model = build()
    assert model.evaluation_encoder((SAMPLES,)) is model.audio_encoder
    assert model.evaluation_encoder((8, 8, 1)) is model.encoder
    with pytest.raises(ValueError, match="match neither the audio network"):
        model.evaluation_encoder((16_000,))
    with pytest.raises(ValueError, match="takes no options"):
        model.evaluation_encoder((SAMPLES,), features="embedding")
    # The baselines clone it (random init) - a plain functional model.
    clone = clone_architecture(model.evaluation_encoder((SAMPLES,)))
    assert clone.output_shape == model.audio_encoder.output_shape


def test_serving_outputs():
    model = build()
    ex = toy_examples(6)
    out = model.serving_outputs(
        tf.constant(ex["image"], tf.float32) / 255, tf.constant(ex["audio"])
    )
    assert set(out) == {"image_embedding", "audio_embedding", "logits"}
    assert out["logits"].shape == (6, 2) and out["audio_embedding"].shape == (6, 16)
    assert set(model.serving_input_specs()) == {"images", "audio"}
    assert model.serving_input_specs()["audio"].shape.as_list() == [None, SAMPLES]


def test_refuses_a_loss_and_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden must be >= 0"):
        build(hidden=-1)
    with pytest.raises(TypeError, match="audio_encoder must be a keras.Model"):
        tfxlearn.paradigms.get("l3_net")(image_net(), "audio")


def test_learns_the_correspondence_of_a_toy_problem(monkeypatch):
    """Trained on matched / mismatched pairs only, it tells held-out matched pairs
    from different-class pairs (chance 0.5)."""
    model = build(hidden=32)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(toy_pairs(n=64, batch=16, repeat=40), epochs=1, verbose=0)
    result = correspondence(model, toy_eval_data(monkeypatch))
    assert result["accuracy"] > 0.85, result
    assert result["pairs"] == 128 and result["chance"] == 0.5


def test_protocols_are_registered_and_negatives_are_deterministic():
    from tfxlearn.evaluation import audio_visual

    assert tfxlearn.evaluation.model_protocol("correspondence") is audio_visual.correspondence
    assert tfxlearn.evaluation.model_protocol("retrieval") is audio_visual.retrieval
    labels = np.arange(40) % 4
    semantic = audio_visual.negative_partners(labels, seed=0, semantic=True)
    assert (labels[semantic] != labels).all()
    anyone = audio_visual.negative_partners(labels, seed=0, semantic=False)
    assert (anyone != np.arange(40)).all()
    assert (labels[anyone] == labels).any()  # false negatives occur with random negatives
    np.testing.assert_array_equal(semantic, audio_visual.negative_partners(labels, 0, True))
    with pytest.raises(ValueError, match="two distinct labels"):
        audio_visual.negative_partners(np.zeros(4), 0, True)
    with pytest.raises(ValueError, match="needs an audio-visual paradigm"):
        audio_visual.correspondence(keras.Sequential([keras.layers.Dense(1)]), None)
