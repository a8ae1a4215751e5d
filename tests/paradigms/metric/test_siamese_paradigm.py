import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.export import export_saved_model, load_serving_fn, standard_ops_only


def _digits(op, classes=3, images=96, batch=32):
    ds = tfxlearn.data.load("digits", "train").filter(lambda e: e["label"] < classes)
    return tfxlearn.pretext.get(op)(ds.take(images).batch(batch, drop_remainder=True), seed=0)


def _model(loss="contrastive", norm="batch", **kwargs):
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("siamese")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16), norm=norm),
        embedding_dim=16,
        loss=loss,
        **kwargs,
    )


@pytest.mark.parametrize("loss", ["contrastive", "triplet"])
def test_training_separates_the_classes(loss):
    op = "class_pairs" if loss == "contrastive" else "class_triplets"
    # Group norm: evaluation right after a short run needs no moving statistics.
    model = _model(loss, norm="group")
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    data = _digits(op)
    before = model.evaluate(data, verbose=0, return_dict=True)
    model.fit(data, epochs=15, verbose=0)
    after = model.evaluate(data, verbose=0, return_dict=True)
    assert after["loss"] < 0.5 * before["loss"]
    gap = after["negative_distance"] - after["positive_distance"]
    assert gap > before["negative_distance"] - before["positive_distance"] + 0.2
    # Embeddings on the unit sphere.
    norms = np.linalg.norm(model(next(iter(data))[0][0]), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_contrastive_parity_on_two_replicas(two_replica_strategy):
    (first, second), similar = next(iter(_digits("class_pairs", images=16, batch=16)))
    data = tf.data.Dataset.from_tensors(((first, second), similar))
    single = _model(norm="sync_batch")
    single(first)
    start = [w.numpy() for w in single.weights]
    single.compile(optimizer=keras.optimizers.SGD(0.1))
    loss_single = single.fit(data, verbose=0).history["loss"][0]
    with two_replica_strategy.scope():
        mirrored = _model(norm="sync_batch")
        mirrored(first)
        mirrored.set_weights(start)
        mirrored.compile(optimizer=keras.optimizers.SGD(0.1))
    loss_mirrored = mirrored.fit(data, verbose=0).history["loss"][0]
    np.testing.assert_allclose(loss_mirrored, loss_single, rtol=1e-5)
    for a, b in zip(single.trainable_weights, mirrored.trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


def test_saved_model_has_embedding_and_pair_score(tmp_path):
    model = _model("triplet")
    (anchors, positives, _), _ = next(iter(_digits("class_triplets")))
    model(anchors)
    path = export_saved_model(model, str(tmp_path), model_name="siamese")
    assert standard_ops_only(path) == []
    embed = load_serving_fn(path)
    score = load_serving_fn(path, signature="pair_score")
    np.testing.assert_allclose(embed(images=anchors)["embedding"], model(anchors), atol=1e-5)
    got = score(first=anchors, second=positives)["distance"]
    want = np.linalg.norm(model(anchors) - model(positives), axis=1)
    np.testing.assert_allclose(got, want, atol=1e-5)
    with open(os.path.join(path, "assets.extra", "tfxlearn.json")) as f:
        metadata = json.load(f)
    assert metadata["extra_signatures"]["pair_score"]["outputs"]["distance"]["shape"] == [-1]
    assert set(metadata["extra_signatures"]["pair_score"]["inputs"]) == {"first", "second"}
    with pytest.raises(KeyError, match="pair_scores"):
        load_serving_fn(path, signature="pair_scores")


def test_evaluation_encoder_shares_the_weights():
    model = _model()
    images = next(iter(_digits("class_pairs")))[0][0]
    model(images)
    embedding = model.evaluation_encoder((8, 8, 1))
    np.testing.assert_allclose(embedding(images), model(images), atol=1e-6)
    assert model.evaluation_encoder((8, 8, 1), output="features") is model.encoder
    with pytest.raises(ValueError, match="output"):
        model.evaluation_encoder((8, 8, 1), output="logits")


def test_bad_arguments_and_batches():
    with pytest.raises(ValueError, match="loss must be one of"):
        _model("quadruplet")
    with pytest.raises(ValueError, match="margin"):
        _model(margin=0.0)
    assert _model("triplet").margin == 0.2 and _model().margin == 1.0
    model = _model("triplet")
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="class_triplets"):
        model.fit(_digits("class_pairs"), verbose=0)
