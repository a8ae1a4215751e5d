"""AVE-Net (Arandjelovic & Zisserman, ECCV 2018): unit embeddings, logits an affine
function of their distance, the evaluation hook, and retrieval on a toy problem."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import SAMPLES, audio_net, image_net, toy_eval_data, toy_examples, toy_pairs

import tfxlearn
from tfxlearn.evaluation.audio_visual import correspondence, retrieval
from tfxlearn.evaluation.finetuning import clone_architecture


def build(**kwargs):
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("ave_net")(image_net(), audio_net(), **kwargs)


def test_embeddings_are_unit_vectors_and_logits_an_affine_function_of_their_distance():
    model = build(embedding_dim=16, hidden=8)
    inputs, _ = next(iter(toy_pairs()))
    image_emb = model.embed_images(inputs["images"])
    audio_emb = model.embed_audio(inputs["audio"])
    assert image_emb.shape == audio_emb.shape == (32, 16)
    np.testing.assert_allclose(np.linalg.norm(image_emb, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(audio_emb, axis=1), 1.0, atol=1e-5)
    distance = np.linalg.norm(image_emb - audio_emb, axis=1, keepdims=True)
    np.testing.assert_allclose(model.distance(image_emb, audio_emb), distance, atol=1e-5)
    assert (distance >= 0).all() and (distance <= 2 + 1e-6).all()
    kernel, bias = model.head.get_weights()
    assert kernel.shape == (1, 2)
    np.testing.assert_allclose(model(inputs), distance @ kernel + bias, atol=1e-5)
    # Cross-modal scores are the same affine function (logit 1 - logit 0) of all distances.
    scores = model.cross_modal_scores(image_emb[:5], audio_emb[:7])
    all_distances = np.linalg.norm(image_emb[:5, None] - audio_emb[None, :7], axis=-1)
    want = all_distances * (kernel[0, 1] - kernel[0, 0]) + bias[1] - bias[0]
    np.testing.assert_allclose(scores, want, atol=1e-4)


def test_evaluation_encoder_features_and_embedding():
    model = build(embedding_dim=16, hidden=8)
    assert model.evaluation_encoder((SAMPLES,)) is model.audio_encoder
    assert model.evaluation_encoder((8, 8, 1)) is model.encoder
    ex = toy_examples(6)
    audio = tf.constant(ex["audio"])
    images = tf.constant(ex["image"], tf.float32) / 255
    embedding = model.evaluation_encoder((SAMPLES,), features="embedding")
    np.testing.assert_allclose(embedding(audio), model.embed_audio(audio), atol=1e-5)
    image_embedding = model.evaluation_encoder((8, 8, 1), features="embedding")
    np.testing.assert_allclose(image_embedding(images), model.embed_images(images), atol=1e-5)
    assert clone_architecture(embedding).output_shape == (None, 16)
    with pytest.raises(ValueError, match="features must be one of"):
        model.evaluation_encoder((SAMPLES,), features="logits")
    with pytest.raises(ValueError, match="match neither"):
        model.evaluation_encoder((3, 3, 1))


def test_serving_outputs_and_bad_arguments():
    model = build(embedding_dim=16, hidden=8)
    ex = toy_examples(4)
    out = model.serving_outputs(
        tf.constant(ex["image"], tf.float32) / 255, tf.constant(ex["audio"])
    )
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "image_embedding": (4, 16),
        "audio_embedding": (4, 16),
        "logits": (4, 2),
    }
    with pytest.raises(ValueError, match="embedding_dim and hidden must be >= 1"):
        build(embedding_dim=0)


def test_learns_aligned_embeddings_on_a_toy_problem(monkeypatch):
    """After training on correspondence labels only, cross-modal retrieval by the
    model's scores is far above the chance level computed by the same code."""
    model = build(embedding_dim=16, hidden=32)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(toy_pairs(n=64, batch=16, repeat=40), epochs=1, verbose=0)
    data = toy_eval_data(monkeypatch)
    result = correspondence(model, data)
    assert result["accuracy"] > 0.85, result
    table = retrieval(model, data, chance_draws=3)
    for task in ("im-aud", "aud-im"):
        assert table[f"{task}_ndcg@30"] > table[f"chance_{task}_ndcg@30"] + 0.3, table
        assert table[f"{task}_recall@1"] > 0.8, table
    # Chance: 16 of 64 items relevant; a random ranking's expected DCG@30 is
    # (16 / 64) * sum of the 30 discounts, the ideal one the sum of the first 16.
    discounts = 1 / np.log2(np.arange(2, 32))
    expected = 0.25 * discounts.sum() / discounts[:16].sum()
    assert table["chance_im-aud_ndcg@30"] == pytest.approx(expected, abs=0.03)
