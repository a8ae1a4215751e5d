"""Semi-supervised GAN: the Z / (Z + 1) real/fake probability, its losses, feature
matching, the two-player step, distribution-aware subset means and bad inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import partly_labelled

import tfxlearn
from tfxlearn.distribute import global_mean, subset_mean
from tfxlearn.paradigms.base import global_batch_noise
from tfxlearn.paradigms.base_semi_supervised import check_labels, supervised_loss_values
from tfxlearn.paradigms.semi_supervised.sgan import (
    fake_loss_values,
    feature_matching_loss,
    real_fake_logits,
    real_loss_values,
    real_probability,
)


def _sgan(generator_loss="feature_matching", num_classes=10, **kwargs):
    keras.utils.set_random_seed(0)
    return tfxlearn.paradigms.get("sgan")(
        generator=tfxlearn.nets.dcgan_generator(4, (8, 8, 1), widths=(8, 4), norm="none"),
        discriminator=tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8), norm="layer"),
        num_classes=num_classes,
        generator_loss=generator_loss,
        **kwargs,
    )


def _batch(labelled=3, n=8):
    return partly_labelled(np.arange(labelled) % 10, n)


# ----------------------------------------------------------------------------- analytic


def test_real_probability_is_z_over_z_plus_one():
    logits = np.random.default_rng(1).normal(size=(6, 5)).astype("float32")
    z = np.exp(logits.astype(np.float64)).sum(axis=1)
    np.testing.assert_allclose(real_probability(logits), z / (z + 1), rtol=1e-6)
    np.testing.assert_allclose(real_fake_logits(logits), np.log(z), rtol=1e-6)
    np.testing.assert_allclose(real_loss_values(logits), -np.log(z / (z + 1)), rtol=1e-5)
    np.testing.assert_allclose(fake_loss_values(logits), -np.log(1 / (z + 1)), rtol=1e-5)


def test_real_probability_and_losses_stay_finite_and_correct_for_huge_logits():
    k = 4
    logits = np.array([[1e4] * k, [-1e4] * k, [1e4, -1e4, 0.0, 3.0]], np.float32)
    with np.errstate(over="ignore"):
        naive = np.exp(logits).sum(axis=1)
        assert not np.all(np.isfinite(naive / (naive + 1)))  # the naive form breaks
    d = real_probability(logits).numpy()
    np.testing.assert_allclose(d, [1.0, 0.0, 1.0])
    # -log D(x) and -log(1 - D(x)) in closed form: softplus(-/+ logsumexp).
    lse = np.array([1e4 + np.log(k), -1e4 + np.log(k), 1e4])
    np.testing.assert_allclose(real_loss_values(logits), [0.0, -lse[1], 0.0], atol=1e-3)
    np.testing.assert_allclose(fake_loss_values(logits), [lse[0], 0.0, lse[2]], rtol=1e-6)
    for fn in (real_fake_logits, real_loss_values, fake_loss_values):
        assert np.all(np.isfinite(fn(logits).numpy()))
    with tf.GradientTape() as tape:
        x = tf.constant(logits)
        tape.watch(x)
        loss = tf.reduce_sum(real_loss_values(x) + fake_loss_values(x))
    assert np.all(np.isfinite(tape.gradient(loss, x).numpy()))


def test_supervised_loss_ignores_unlabelled_examples():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(6, 3)).astype("float32")
    labels = np.array([2, 0, -1, 1, -1, -1], np.int32)
    values = supervised_loss_values(labels, logits).numpy()
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    for i, y in enumerate(labels):
        np.testing.assert_allclose(values[i], 0.0 if y < 0 else -log_p[i, y], rtol=1e-5)
    changed = logits.copy()
    changed[labels < 0] = rng.normal(size=(3, 3)) * 100
    mean = subset_mean(supervised_loss_values(labels, changed), labels >= 0)
    np.testing.assert_allclose(mean, -np.mean([log_p[0, 2], log_p[1, 0], log_p[3, 1]]), rtol=1e-5)
    assert float(subset_mean(values, np.zeros(6))) == 0.0  # no labelled example: 0


def test_feature_matching_loss_is_the_squared_distance_of_the_feature_means():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(5, 7)), rng.normal(size=(3, 7)) + 1.0
    want = np.sum((real.mean(0) - fake.mean(0)) ** 2)
    np.testing.assert_allclose(feature_matching_loss(real, fake), want, rtol=1e-6)
    np.testing.assert_allclose(
        global_mean(tf.constant(real), np.array([1, 0, 1, 0, 0])), real[[0, 2]].mean(0), rtol=1e-6
    )


def test_subset_means_are_global_means_on_two_replicas(two_replica_strategy):
    """The labelled examples are all on replica 0: the replicas' shares sum to the
    one-device mean (per-replica means would not)."""
    values = np.arange(1.0, 9.0, dtype=np.float32)
    mask = np.array([1, 1, 1, 0, 0, 0, 0, 0], np.float32)
    features = np.random.default_rng(4).normal(size=(8, 3)).astype("float32")

    def step(v, m, f):
        return subset_mean(v, m), global_mean(f, 1.0 - m)

    def local(x):
        return lambda context: x[4 * context.replica_id_in_sync_group :][:4]

    shares, means = two_replica_strategy.run(
        step,
        args=tuple(
            two_replica_strategy.experimental_distribute_values_from_function(local(x))
            for x in (values, mask, features)
        ),
    )
    shares = [s.numpy() for s in two_replica_strategy.experimental_local_results(shares)]
    np.testing.assert_allclose(sum(shares), values[:3].mean(), rtol=1e-6)
    for m in two_replica_strategy.experimental_local_results(means):
        np.testing.assert_allclose(m, features[3:].mean(0), rtol=1e-6)


# ----------------------------------------------------------------------------- steps


def _sgd(model):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
    )
    return model


@pytest.mark.parametrize("generator_loss", ["feature_matching", "non_saturating"])
def test_train_step_updates_d_then_g_against_the_updated_d(generator_loss):
    images, labels = _batch()
    model = _sgan(generator_loss)
    model(images)
    reference = _sgan(generator_loss)
    reference(images)
    reference.set_weights(model.get_weights())
    _sgd(model).fit(tf.data.Dataset.from_tensors((images, labels)), epochs=1, verbose=0)

    # By hand: one SGD step of D on L_D, then one of G against the updated D.
    seed = tf.constant([0, 0], tf.int64)  # seed 0, step 0, stream 0 / 1
    d_vars = reference.player_variables("discriminator")
    fake = reference.generator(global_batch_noise(seed, 8, (4,)), training=True)
    with tf.GradientTape() as tape:
        logits = reference.class_logits(tf.concat([images, fake], 0), training=True)
        real, gen = logits[:8], logits[8:]
        supervised = supervised_loss_values(labels, real).numpy()[:3].mean()
        d_loss = tf.reduce_sum(supervised_loss_values(labels, real)) / 3 + 0.5 * (
            tf.reduce_sum(real_loss_values(real)[3:]) / 5 + tf.reduce_mean(fake_loss_values(gen))
        )
    assert supervised > 0
    for v, g in zip(d_vars, tape.gradient(d_loss, d_vars)):
        v.assign(v - 0.1 * g)
    g_vars = reference.player_variables("generator")
    with tf.GradientTape() as tape:
        fake = reference.generator(global_batch_noise(seed + [0, 1], 8, (4,)), training=True)
        if generator_loss == "feature_matching":
            features = reference.discriminator(tf.concat([images, fake], 0), training=True)
            g_loss = feature_matching_loss(features[3:8], features[8:])
        else:
            g_loss = tf.reduce_mean(real_loss_values(reference.class_logits(fake, training=True)))
    for v, g in zip(g_vars, tape.gradient(g_loss, g_vars)):
        v.assign(v - 0.1 * g)
    for got, want in zip(model.weights, reference.weights):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-6, err_msg=got.path)


def test_each_player_changes_only_its_own_variables():
    images, labels = _batch()
    for frozen in ("generator", "discriminator"):
        model = _sgan()
        model(images)
        before = {role: [v.numpy() for v in model.player_variables(role)] for role in model.roles}
        rates = {"generator": 0.1, "discriminator": 0.1, frozen: 0.0}
        model.compile(
            generator_optimizer=keras.optimizers.SGD(rates["generator"]),
            discriminator_optimizer=keras.optimizers.SGD(rates["discriminator"]),
        )
        model.fit(tf.data.Dataset.from_tensors((images, labels)), epochs=1, verbose=0)
        for role in model.roles:
            changed = [
                not np.array_equal(a, v.numpy())
                for a, v in zip(before[role], model.player_variables(role))
            ]
            assert (not any(changed)) if role == frozen else any(changed), (frozen, role)


def test_fit_and_evaluate_report_the_losses_and_labelled_accuracy():
    images, labels = _batch(labelled=4)
    model = _sgd(_sgan())
    logs = model.fit(tf.data.Dataset.from_tensors((images, labels)), verbose=0).history
    assert {"loss", "d_loss", "g_loss", "supervised_loss", "accuracy"} <= set(logs)
    assert all(np.isfinite(v[0]) for v in logs.values())
    evaluated = model.evaluate(tf.data.Dataset.from_tensors(images), verbose=0, return_dict=True)
    assert evaluated["supervised_loss"] == 0.0  # images alone: all unlabelled
    assert np.isfinite(evaluated["loss"])


# ----------------------------------------------------------------------------- methods


def test_classify_sample_and_serving_outputs():
    model = _sgan()
    images = (np.random.default_rng(5).uniform(size=(7, 8, 8, 1)) * 255).astype(np.uint8)
    logits = model.classify(images, batch_size=3)
    assert logits.shape == (7, 10)
    np.testing.assert_allclose(logits, model(images.astype("float32") / 255.0), atol=1e-5)
    samples = model.sample(5, seed=1, batch_size=2)
    assert samples.shape == (5, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples, model.sample(5, seed=1), atol=1e-6)
    np.testing.assert_array_equal(model.progress_images(4), model.progress_images(4))
    outputs = model.serving_outputs(tf.constant(images[:2], tf.float32) / 255.0)
    assert set(outputs) == {"logits", "probabilities", "real_probability", "embedding"}
    np.testing.assert_allclose(tf.reduce_sum(outputs["probabilities"], 1), 1.0, rtol=1e-6)
    assert model.encoder is model.discriminator


# ----------------------------------------------------------------------------- bad input


def test_bad_constructor_arguments_are_refused():
    with pytest.raises(ValueError, match="num_classes must be >= 2"):
        _sgan(num_classes=1)
    with pytest.raises(ValueError, match="num_classes must be an int"):
        _sgan(num_classes=2.5)
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        _sgan(generator_loss="minimax")
    with pytest.raises(ValueError, match="unsupervised_weight must be >= 0"):
        _sgan(unsupervised_weight=-1.0)
    with pytest.raises(ValueError, match="head must give num_classes=10 logits"):
        _sgan(head=keras.Sequential([keras.layers.Dense(3)]))
    generator = tfxlearn.nets.dcgan_generator(4, (16, 16, 1), widths=(8, 4))
    with pytest.raises(ValueError, match="must equal the discriminator input shape"):
        tfxlearn.paradigms.get("sgan")(
            generator, tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8)), 10
        )


def test_labels_outside_the_class_count_are_refused_eagerly_and_in_graph():
    check_labels(np.array([-1, 0, 9]), 10)
    for bad in ([0, 10], [-2, 3]):
        with pytest.raises(ValueError, match="label ids outside the class count"):
            check_labels(np.array(bad), 10)
    with pytest.raises(ValueError, match="integer class ids"):
        check_labels(np.array([0.0, 1.0]), 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be in 0..9"):
        tf.function(lambda y: check_labels(y, 10))(tf.constant([3, 10]))
    images, labels = _batch()
    labels[0] = 12
    model = _sgd(_sgan())
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the class count"):
        model.fit(tf.data.Dataset.from_tensors((images, labels)), verbose=0)


def test_images_of_the_wrong_shape_are_refused():
    images, labels = _batch()
    model = _sgd(_sgan())
    with pytest.raises(ValueError, match="channel count"):
        model.fit(tf.data.Dataset.from_tensors((np.concatenate([images] * 2, -1), labels)))
    with pytest.raises(ValueError, match="channel count"):
        model.classify(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="one id per image"):
        model.fit(tf.data.Dataset.from_tensors((images, labels[:4])), verbose=0)
    with pytest.raises(ValueError, match="latent must be"):
        model.generate(np.zeros((2, 5), np.float32))
