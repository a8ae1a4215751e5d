"""DANN's own step: the lambda schedule it follows, the reversed domain gradient
reaching the encoder, training under MirroredStrategy on real (source, target)
batches, and the SavedModel loaded in a fresh process without tfxlearn."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import domains
from tfxlearn.export import export_saved_model
from tfxlearn.nets import reversal_schedule


def _pairs(batch_size=8, steps=3):
    return domains.load_pair(
        "font_digits/tiny", "digits", batch_size=batch_size, image_size=(8, 8, 1)
    ).take(steps)


def _dann(max_lambda=1.0, schedule_steps=4, norm="batch"):
    return tfxlearn.paradigms.get("dann")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
        max_lambda=max_lambda,
        schedule_steps=schedule_steps,
        domain_hidden=(8,),
    )


def test_lambda_follows_the_schedule_of_the_paper():
    model = _dann(max_lambda=0.5, schedule_steps=4)
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    history = model.fit(_pairs(steps=3), epochs=2, verbose=0).history
    # Mean tracker over the epoch's steps 0..2, then 3..5 (p clipped at 1)
    for epoch, steps in enumerate((range(0, 3), range(3, 6))):
        want = np.mean([0.5 * reversal_schedule(s / 4) for s in steps])
        assert history["lambda"][epoch] == pytest.approx(want, rel=1e-5)


def _encoder_gradients(model, batch, lambda_):
    (source, target), labels = batch
    with tf.GradientTape() as tape:
        terms = model.loss_terms(source, target, tf.cast(labels, tf.int32), lambda_, True)
        domain = tf.reduce_mean(terms["domain"])
    return tape.gradient(domain, model.encoder.trainable_weights)


def test_domain_gradient_reaches_the_encoder_reversed_and_scaled():
    model = _dann()
    batch = next(iter(_pairs()))
    model(batch[0][0])
    g1 = _encoder_gradients(model, batch, tf.constant(1.0))
    g_half = _encoder_gradients(model, batch, tf.constant(0.5))
    g0 = _encoder_gradients(model, batch, tf.constant(0.0))
    # the same loss without the reversal layer: the plain gradient
    (source, target), _ = batch
    with tf.GradientTape() as tape:
        features = model.encoder(tf.concat([source, target], 0), training=True)
        logits = model.domain_head(features, training=True)[:, 0]
        domains_ = tf.concat([tf.zeros(8), tf.ones(8)], 0)
        plain = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(domains_, logits))
    g_plain = tape.gradient(plain, model.encoder.trainable_weights)
    for a, h, z, p in zip(g1, g_half, g0, g_plain):
        np.testing.assert_allclose(a, -p, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(h, -0.5 * p, rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(z, np.zeros_like(p))  # source-only: no domain signal


def test_train_step_under_mirrored_strategy(two_replica_strategy):
    with two_replica_strategy.scope():
        model = _dann(norm="sync_batch")
        model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9))
    before = [w.numpy() for w in model.encoder.trainable_weights]
    history = model.fit(_pairs(steps=4), epochs=2, verbose=0).history
    for key in ("loss", "label_loss", "domain_loss", "source_accuracy", "domain_accuracy"):
        assert np.all(np.isfinite(history[key])), key
    assert history["label_loss"][1] < history["label_loss"][0] + 0.5
    assert any(np.abs(b - w.numpy()).max() > 0 for b, w in zip(before, model.encoder.weights))
    logits = model.classify(tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "test"))[0])
    assert logits.shape == (359, 10)


def test_bad_arguments_and_batches_are_refused():
    with pytest.raises(ValueError, match="max_lambda must be >= 0"):
        _dann(max_lambda=-1.0)
    with pytest.raises(ValueError, match="schedule_steps"):
        _dann(schedule_steps=0)
    model = _dann()
    model.compile(optimizer="sgd")
    images = np.zeros([4, 8, 8, 1], np.float32)
    labels = np.zeros([4], np.int32)
    with pytest.raises(ValueError, match=r"\(source_images, target_images\)"):
        model.train_step((images, labels))
    with pytest.raises(ValueError, match="differ in size or channel count"):
        model.train_step(((images, np.zeros([4, 9, 9, 1], np.float32)), labels))
    with pytest.raises(ValueError, match="channel count"):
        model.train_step(((images, np.zeros([4, 8, 8, 3], np.float32)), labels))


def test_saved_model_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _dann()
    images = next(iter(_pairs()))[0][1].numpy()
    model(images)
    path = export_saved_model(model, str(tmp_path), model_name="dann")
    calls = {"serving_default": {"images": images}}
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)["serving_default"]
    assert set(got) == {"logits", "embedding"}
    np.testing.assert_allclose(got["logits"], model(images), atol=1e-5)
    np.testing.assert_allclose(got["embedding"], model.encoder(images), atol=1e-5)
