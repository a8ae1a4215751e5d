"""ADDA's two stages: source pretraining copied into the target encoder, the
adversarial step's losses (the GAN discriminator loss and the inverted-label
loss, checked against the binary cross-entropy written by hand), the frozen
source encoder and classifier, both domains scaled alike, training under
MirroredStrategy, the clear errors, and the SavedModel loaded in a fresh process
without tfxlearn."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import domains
from tfxlearn.export import export_saved_model
from tfxlearn.training import FirstStage


def _pairs(batch_size=8, steps=3):
    return domains.load_pair(
        "font_digits/tiny", "digits", batch_size=batch_size, image_size=(8, 8, 1)
    ).take(steps)


def _adda(norm="batch", **kwargs):
    return tfxlearn.paradigms.get("adda")(
        source_encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
        num_classes=10,
        discriminator_hidden=(8,),
        **kwargs,
    )


def _values(weights):
    return [w.numpy().copy() for w in weights]


def _changed(before, weights):
    return any(np.abs(b - w.numpy()).max() > 0 for b, w in zip(before, weights))


def test_pretrain_source_trains_the_classifier_and_starts_the_target_encoder_from_it():
    model = _adda()
    initial = _values(model.source_encoder.weights)
    history = model.pretrain_source(_pairs(steps=4), epochs=3, optimizer="adam")
    assert set(history.history) == {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert _changed(initial, model.source_encoder.weights)
    for s, t in zip(model.source_encoder.weights, model.target_encoder.weights):
        np.testing.assert_array_equal(s.numpy(), t.numpy())
    # (images, labels) batches work too, uint8 included.
    images, labels = tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "train"))
    plain = tf.data.Dataset.from_tensor_slices((images[:32], labels[:32])).batch(8)
    model.pretrain_source(plain, epochs=1)


def test_adaptation_changes_only_the_target_encoder_and_the_discriminator():
    model = _adda()
    model.pretrain_source(_pairs(), epochs=1)
    frozen = _values(model.source_encoder.weights + model.head.weights)
    target = _values(model.target_encoder.weights)
    discriminator = _values(model.discriminator.weights)
    model.compile()  # the paper's Adam(2e-4, beta_1 0.5) for both players
    history = model.fit(_pairs(steps=3), epochs=2, verbose=0).history
    assert set(history) == {"loss", "d_loss", "mapping_loss", "domain_accuracy"}
    for before, after in zip(frozen, model.source_encoder.weights + model.head.weights):
        np.testing.assert_array_equal(before, after.numpy())  # frozen: unchanged
    assert _changed(target, model.target_encoder.weights)
    assert _changed(discriminator, model.discriminator.weights)
    # the adapted classifier is the source classifier on target-encoder features
    images = next(iter(_pairs()))[0][1]
    np.testing.assert_allclose(
        model(images), model.head(model.target_encoder(images)), rtol=1e-6, atol=1e-6
    )


def _bce(labels, logits):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


@pytest.mark.parametrize("player", ["discriminator", "target_encoder"])
def test_each_player_steps_down_the_gradient_of_its_gan_loss(player):
    """With the other player's learning rate 0, one SGD step moves a player by
    -lr x the gradient of its loss, written here as the binary cross-entropy:
    D with labels source = 1, target = 0; M_t with inverted labels (target = 1)."""
    lr = 0.5
    model = _adda(norm="none")
    model.pretrain_source(_pairs(), epochs=1)
    rates = {"discriminator": 0.0, "target_encoder": 0.0, player: lr}
    model.compile(
        target_encoder_optimizer=keras.optimizers.SGD(rates["target_encoder"]),
        discriminator_optimizer=keras.optimizers.SGD(rates["discriminator"]),
    )
    (source, target), labels = next(iter(_pairs()))
    variables = model.player_variables(player)
    with tf.GradientTape() as tape:
        source_logits = model.discriminator(model.source_encoder(source))[:, 0]
        target_logits = model.discriminator(model.target_encoder(target))[:, 0]
        if player == "discriminator":
            n = tf.shape(source_logits)[0]
            loss = _bce(tf.ones([n]), source_logits) + _bce(tf.zeros([n]), target_logits)
        else:
            loss = _bce(tf.ones_like(target_logits), target_logits)
    gradients = tape.gradient(loss, variables)
    before = _values(variables)
    model.fit(tf.data.Dataset.from_tensors(((source, target), labels)), verbose=0)
    for b, g, w in zip(before, gradients, variables):
        np.testing.assert_allclose(w.numpy(), b - lr * g.numpy(), rtol=1e-4, atol=1e-6)


def test_minimax_mapping_loss_is_log_one_minus_d():
    model = _adda(mapping_loss="minimax")
    model.compile()
    (source, target), labels = next(iter(_pairs()))
    logs = model.test_step(((source, target), labels))
    logits = model.discriminator(model.target_encoder(target))[:, 0]
    want = np.mean(np.log1p(-tf.sigmoid(logits).numpy()))
    assert float(logs["mapping_loss"]) == pytest.approx(want, rel=1e-4, abs=1e-6)


def test_both_domains_are_scaled_alike():
    """uint8 images in [0, 255] and float images in [0, 1] of the same pixels give
    the same step: a domain scaled differently would collapse adaptation."""
    model = _adda()
    model.compile()
    (source, target), labels = next(iter(_pairs()))
    as_uint8 = tf.cast(tf.round(source * 255.0), tf.uint8)
    as_float = tf.cast(as_uint8, tf.float32) / 255.0
    a = {k: float(v) for k, v in model.test_step(((as_uint8, target), labels)).items()}
    model.reset_metrics()
    b = {k: float(v) for k, v in model.test_step(((as_float, target), labels)).items()}
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-6), key


def test_pretraining_and_adaptation_under_mirrored_strategy(two_replica_strategy):
    with two_replica_strategy.scope():
        model = _adda(norm="sync_batch")
        model.pretrain_source(_pairs(steps=2), epochs=1, optimizer="sgd")
        model.compile()
    frozen = _values(model.source_encoder.weights)
    target = _values(model.target_encoder.weights)
    history = model.fit(_pairs(steps=2), epochs=1, verbose=0).history
    assert all(np.all(np.isfinite(v)) for v in history.values())
    for before, after in zip(frozen, model.source_encoder.weights):
        np.testing.assert_array_equal(before, after.numpy())
    assert _changed(target, model.target_encoder.weights)


def test_first_stage_callback_runs_once_and_not_after_a_resume():
    model = _adda()
    model.compile()
    stage = FirstStage(_pairs(), "pretrain_source", epochs=1)
    initial = _values(model.source_encoder.weights)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(_pairs(steps=2), epochs=1, verbose=0, callbacks=[stage])
    assert stage.ran and _changed(initial, model.source_encoder.weights)
    # the stage's own classifier.fit(dataset) is not told shuffle=True (Keras warned)
    assert not [w for w in caught if "shuffle" in str(w.message)]
    resumed = FirstStage(_pairs(), "pretrain_source", epochs=1)
    trained = _values(model.source_encoder.weights)
    model.fit(_pairs(steps=1), epochs=1, verbose=0, callbacks=[resumed])  # iterations > 0
    assert not resumed.ran
    for before, after in zip(trained, model.source_encoder.weights):
        np.testing.assert_array_equal(before, after.numpy())
    with pytest.raises(ValueError, match="no such method"):
        model.fit(_pairs(steps=1), verbose=0, callbacks=[FirstStage(_pairs(), "pretrain")])


def test_bad_arguments_and_batches_are_refused():
    with pytest.raises(ValueError, match="mapping_loss must be one of"):
        _adda(mapping_loss="wasserstein")
    other = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 16), norm="batch")
    with pytest.raises(ValueError, match="target_encoder must have the source encoder's output"):
        _adda(target_encoder=other)
    model = _adda()
    with pytest.raises(ValueError, match="target_encoder_optimizer= and discriminator_optimizer="):
        model.compile(optimizer="adam")
    model.compile()
    images = np.zeros([4, 8, 8, 1], np.float32)
    labels = np.zeros([4], np.int32)
    with pytest.raises(ValueError, match=r"\(source_images, target_images\)"):
        model.train_step((images, labels))
    # Domains of different image sizes or channel counts, not resized.
    with pytest.raises(ValueError, match="differ in size or channel count.*image_size"):
        model.train_step(((images, np.zeros([4, 9, 9, 1], np.float32)), labels))
    with pytest.raises(ValueError, match="differ in size or channel count"):
        model.train_step(((images, np.zeros([4, 8, 8, 3], np.float32)), labels))
    with pytest.raises(ValueError, match="image_size"):
        domains.load_pair("font_digits/tiny", "digits", batch_size=4)  # 28x28 vs 8x8
    with pytest.raises(ValueError, match="pretrain_source: source images must be batches"):
        model.pretrain_source(
            tf.data.Dataset.from_tensors((np.zeros([4, 9, 9, 1], np.float32), labels))
        )
    with pytest.raises(ValueError, match="pretrain_source: data must yield"):
        model.pretrain_source(tf.data.Dataset.from_tensors(images))


def test_saved_model_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _adda()
    model.pretrain_source(_pairs(), epochs=1)
    model.compile()
    model.fit(_pairs(steps=1), verbose=0)
    images = next(iter(_pairs()))[0][1].numpy()
    path = export_saved_model(model, str(tmp_path), model_name="adda")
    calls = {"serving_default": {"images": images}}
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)["serving_default"]
    assert set(got) == {"logits", "embedding"}
    np.testing.assert_allclose(got["logits"], model(images), atol=1e-5)
    np.testing.assert_allclose(got["embedding"], model.target_encoder(images), atol=1e-5)


def test_pretraining_the_source_directly_does_not_warn_about_shuffle():
    # a user's `pretrain_source(ds)` fits a plain Keras classifier on a dataset:
    # Keras warned on its default shuffle=True
    model = _adda()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.pretrain_source(_pairs(steps=1), epochs=1)
    assert not [w for w in caught if "shuffle" in str(w.message)]
