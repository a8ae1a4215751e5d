"""blind_representation: the adversary's gradient reaches the encoder reversed and
scaled by adversary_weight (0: none), training under MirroredStrategy on Adult
batches, the clear errors, and the SavedModel (`features` -> `logits`,
`embedding`) loaded in a fresh process without tfxlearn."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import adult


def _batches(batch_size=16, steps=3):
    ds = tfxlearn.data.load("adult/tiny", "train").take(batch_size * steps).batch(batch_size)
    return ds.map(lambda e: (e["features"], (e["label"], e["sex"])))


def _model(weight=1.0):
    return tfxlearn.paradigms.get("blind_representation")(
        encoder=tfxlearn.nets.mlp_encoder(adult.feature_count(), hidden=(8,)),
        num_classes=2,
        adversary_weight=weight,
        adversary_hidden=(4,),
    )


def _encoder_gradients(model, batch):
    features, (labels, sensitive) = batch
    with tf.GradientTape() as tape:
        terms = model.loss_terms(
            features, tf.cast(labels, tf.int32), tf.cast(sensitive, tf.int32), True
        )
        adversary = tf.reduce_mean(terms["adversary"])
    return tape.gradient(adversary, model.encoder.trainable_weights)


def test_adversary_gradient_reaches_the_encoder_reversed_and_scaled():
    model = _model()
    batch = next(iter(_batches()))
    g1 = _encoder_gradients(model, batch)
    model.reversal.lambda_ = 0.5
    g_half = _encoder_gradients(model, batch)
    model.reversal.lambda_ = 0.0
    g0 = _encoder_gradients(model, batch)
    features, (_, sensitive) = batch
    with tf.GradientTape() as tape:  # the adversary's own loss, no reversal
        logits = model.adversary(model.encoder(features, training=True))[:, 0]
        plain = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(tf.cast(sensitive, tf.float32), logits)
        )
    g_plain = tape.gradient(plain, model.encoder.trainable_weights)
    for a, h, z, p in zip(g1, g_half, g0, g_plain):
        np.testing.assert_allclose(a, -p, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(h, -0.5 * p, rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(z, np.zeros_like(p))  # weight 0: uncensored baseline


def test_train_step_under_mirrored_strategy(two_replica_strategy):
    with two_replica_strategy.scope():
        model = _model()
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(_batches(steps=4), epochs=3, verbose=0).history
    for key in ("loss", "task_loss", "adversary_loss", "accuracy", "adversary_accuracy"):
        assert np.all(np.isfinite(history[key])), key
    assert history["task_loss"][-1] < history["task_loss"][0]
    features = next(iter(_batches()))[0].numpy()
    assert model.classify(features).shape == (16, 2)
    assert model.encode(features).shape == (16, 8)


def test_bad_arguments_and_batches_are_refused():
    with pytest.raises(ValueError, match="lambda_ must be >= 0"):
        _model(weight=-1.0)
    with pytest.raises(ValueError, match="encoder must take feature vectors"):
        tfxlearn.paradigms.get("blind_representation")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4,))
        )
    model = _model()
    model.compile(optimizer="adam")
    features = np.zeros([4, adult.feature_count()], np.float32)
    labels = np.zeros([4], np.int32)
    with pytest.raises(ValueError, match=r"\(labels, sensitive\)"):
        model.train_step((features, labels))
    with pytest.raises(ValueError, match="width does not match"):
        model.train_step((features[:, :10], (labels, labels)))
    with pytest.raises(ValueError, match="sensitive must be integer ids"):
        model.train_step((features, (labels, labels.astype(np.float32))))


def test_saved_model_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    from tfxlearn.export import export_saved_model

    model = _model()
    features = next(iter(_batches()))[0].numpy()
    path = export_saved_model(model, str(tmp_path), model_name="blind_representation")
    calls = {"serving_default": {"features": features}}
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)["serving_default"]
    assert set(got) == {"logits", "embedding"}
    np.testing.assert_allclose(got["logits"], model(features), atol=1e-5)
    np.testing.assert_allclose(got["embedding"], model.encoder(features), atol=1e-5)
