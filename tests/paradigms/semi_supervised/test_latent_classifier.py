"""Latent code + classifier: the joint loss by hand, labelled-only classification,
the global labelled mean on two replicas, methods and bad inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import partly_labelled

import tfxlearn
from tfxlearn.paradigms.semi_supervised.latent_classifier import reconstruction_loss_values


def _model(**kwargs):
    keras.utils.set_random_seed(0)
    args = {
        "encoder": tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8)),
        "num_classes": 10,
        "latent_dim": 4,
        "decoder_widths": (8, 4),
        **kwargs,
    }
    return tfxlearn.paradigms.get("latent_classifier")(**args)


def _batch(labelled=3, n=8):
    return partly_labelled([4, 1, 7, 0, 2, 9][:labelled], n)


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_loss_is_reconstruction_of_all_plus_alpha_times_labelled_cross_entropy(kind):
    images, labels = _batch()
    model = _model(alpha=0.7, reconstruction_loss=kind)
    outputs = model(images, training=False)
    x_hat = outputs["reconstruction"].numpy().astype(np.float64)
    logits = outputs["logits"].numpy().astype(np.float64)
    if kind == "bce":
        p = np.clip(x_hat, 1e-7, 1 - 1e-7)
        reconstruction = -(images * np.log(p) + (1 - images) * np.log(1 - p)).mean(axis=(1, 2, 3))
    else:
        reconstruction = ((images - x_hat) ** 2).mean(axis=(1, 2, 3))
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    cross_entropy = -np.mean([log_p[i, labels[i]] for i in range(3)])
    want = reconstruction.mean() + 0.7 * cross_entropy
    got = model.compute_loss(images, labels, outputs)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(
        reconstruction_loss_values(images, x_hat, kind), reconstruction, rtol=1e-5
    )
    # The logits of unlabelled examples do not enter the loss.
    changed = dict(
        outputs, logits=tf.concat([outputs["logits"][:3], 100 * outputs["logits"][3:]], 0)
    )
    np.testing.assert_allclose(model.compute_loss(images, labels, changed), want, rtol=1e-5)


def test_head_learns_only_from_labelled_examples_and_decoder_from_all():
    images, labels = _batch(labelled=0)
    model = _model()
    with tf.GradientTape() as tape:
        loss = model.compute_loss(images, labels, model(images, training=True))
    gradients = tape.gradient(loss, model.head.trainable_weights + model.decoder.trainable_weights)
    head = gradients[: len(model.head.trainable_weights)]
    assert all(g is None or not np.any(g.numpy()) for g in head)  # no labels: no head gradient
    assert any(np.any(g.numpy()) for g in gradients[len(head) :] if g is not None)


def test_the_labelled_mean_is_global_on_two_replicas(two_replica_strategy):
    """All 3 labelled examples land on replica 0; the 2-replica loss equals the
    one-device loss (the contract parity test checks the gradients too)."""
    images, labels = _batch()
    single = _model(alpha=2.0)
    want = single.compute_loss(images, labels, single(images))
    with two_replica_strategy.scope():
        mirrored = _model(alpha=2.0)
        mirrored(images)
        mirrored.set_weights(single.get_weights())

    def loss(x, y):
        return mirrored.compute_loss(x, y, mirrored(x))

    def local(array):
        return lambda context: array[4 * context.replica_id_in_sync_group :][:4]

    shares = two_replica_strategy.run(
        loss,
        args=tuple(
            two_replica_strategy.experimental_distribute_values_from_function(local(a))
            for a in (images, labels)
        ),
    )
    got = sum(s.numpy() for s in two_replica_strategy.experimental_local_results(shares))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_fit_reports_both_losses_and_labelled_accuracy():
    images, labels = _batch()
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    ds = tf.data.Dataset.from_tensors((images, labels)).repeat(10)
    history = model.fit(ds, epochs=3, verbose=0).history
    assert {"loss", "reconstruction_loss", "classification_loss", "accuracy"} <= set(history)
    assert history["classification_loss"][-1] < history["classification_loss"][0]
    assert history["reconstruction_loss"][-1] < history["reconstruction_loss"][0]
    assert history["accuracy"][-1] == 1.0  # the 3 labelled examples are memorised
    unlabelled = model.evaluate(tf.data.Dataset.from_tensors(images), verbose=0, return_dict=True)
    np.testing.assert_allclose(unlabelled["loss"], unlabelled["reconstruction_loss"], rtol=1e-5)


def test_methods_classify_encode_reconstruct_and_serving():
    model = _model()
    images = (np.random.default_rng(1).uniform(size=(7, 8, 8, 1)) * 255).astype(np.uint8)
    floats = images.astype("float32") / 255.0
    outputs = model(floats)
    np.testing.assert_allclose(model.classify(images, batch_size=3), outputs["logits"], atol=1e-5)
    np.testing.assert_allclose(
        model.reconstruct(images, batch_size=3), outputs["reconstruction"], atol=1e-5
    )
    assert model.encode(images).shape == (7, 4)
    errors = model.reconstruction_error(images, batch_size=2)
    np.testing.assert_allclose(
        errors, reconstruction_loss_values(floats, outputs["reconstruction"]), rtol=1e-5
    )
    served = model.serving_outputs(tf.constant(floats[:2]))
    assert set(served) == {"embedding", "code", "logits", "probabilities", "reconstruction"}
    assert served["embedding"].shape == (2, 8) and served["code"].shape == (2, 4)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="latent_dim must be an int >= 1"):
        _model(latent_dim=0)
    with pytest.raises(ValueError, match="num_classes must be >= 2"):
        _model(num_classes=1)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        _model(alpha=-0.5)
    with pytest.raises(ValueError, match="reconstruction_loss must be one of"):
        _model(reconstruction_loss="l1")
    with pytest.raises(ValueError, match="decoder must take codes"):
        _model(decoder=tfxlearn.nets.dcgan_generator(5, (8, 8, 1), widths=(8, 4)))
    with pytest.raises(ValueError, match="fixed input shape"):
        _model(encoder=tfxlearn.nets.conv_encoder((None, None, 1), widths=(4, 8)))
    model = _model()
    model.compile(optimizer="sgd")
    images, labels = _batch()
    labels[5] = 10
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the class count"):
        model.fit(tf.data.Dataset.from_tensors((images, labels)), verbose=0)
    with pytest.raises(ValueError, match="label ids outside the class count"):
        model.compute_loss(images, labels, model(images))
    with pytest.raises(ValueError, match="channel count"):
        model.classify(np.zeros((2, 8, 8, 3), np.float32))
