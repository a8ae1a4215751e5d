"""InfoGAN: the information term against a hand computation, the code priors,
who updates Q, code inference, the code sweep and bad inputs."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import unit_images

import tfxlearn
from tfxlearn.paradigms.unsupervised.infogan import code_entropy, information_loss_values

K, C, NOISE = 3, 2, 4


def _infogan(noise=NOISE, categories=K, continuous=C, **kwargs):
    generator = tfxlearn.nets.dcgan_generator(
        noise + categories + continuous, (8, 8, 1), widths=(8, 4)
    )
    discriminator = tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8))
    return tfxlearn.paradigms.get("infogan")(
        generator,
        discriminator,
        num_categories=categories,
        num_continuous=continuous,
        q_hidden=8,
        **kwargs,
    )


def test_information_term_matches_a_hand_computation():
    ids = np.array([0, 2])
    logits = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 2.0]])
    codes = np.array([[0.5, -1.0], [0.0, 0.25]])
    means = np.array([[0.0, -0.5], [1.0, 0.25]])
    got = information_loss_values(
        tf.constant(ids),
        tf.constant(logits, tf.float32),
        tf.constant(codes, tf.float32),
        tf.constant(means, tf.float32),
        lambda_categorical=1.0,
        lambda_continuous=0.5,
    ).numpy()
    # -log softmax(logits)[id]
    ce = [
        -1.0 + math.log(math.e + 1.0 + math.exp(-1.0)),
        -2.0 + math.log(2 * math.exp(0.5) + math.exp(2.0)),
    ]
    # Gaussian NLL with unit std, summed over the two codes
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    nll = [
        (0.5 * 0.25 + half_log_2pi) + (0.5 * 0.25 + half_log_2pi),
        (0.5 * 1.0 + half_log_2pi) + (0.0 + half_log_2pi),
    ]
    np.testing.assert_allclose(got, np.array(ce) + 0.5 * np.array(nll), rtol=1e-6)
    # No continuous codes: the categorical term alone.
    only = information_loss_values(tf.constant(ids), tf.constant(logits, tf.float32))
    np.testing.assert_allclose(only.numpy(), ce, rtol=1e-6)
    assert code_entropy(10, 2) == pytest.approx(math.log(10) + 2 * math.log(2))


def test_sampled_codes_follow_their_priors():
    model = _infogan()
    n = 30_000
    codes = {k: v.numpy() for k, v in model.draw_codes(n, tf.constant([1, 2], tf.int64)).items()}
    assert codes["noise"].shape == (n, NOISE) and codes["noise"].dtype == np.float32
    assert codes["categorical"].shape == (n,) and codes["categorical"].dtype == np.int32
    assert codes["continuous"].shape == (n, C)
    counts = np.bincount(codes["categorical"], minlength=K)
    assert len(counts) == K
    np.testing.assert_allclose(counts / n, 1 / K, atol=0.015)  # uniform categories
    cont = codes["continuous"]
    assert cont.min() >= -1.0 and cont.max() <= 1.0
    np.testing.assert_allclose(cont.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose(cont.var(0), 1 / 3, atol=0.01)  # uniform on [-1, 1]
    np.testing.assert_allclose(codes["noise"].mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose(codes["noise"].std(0), 1.0, atol=0.03)
    # Codes independent of the noise (separately seeded streams).
    assert abs(np.corrcoef(codes["noise"][:, 0], cont[:, 0])[0, 1]) < 0.03
    again = model.draw_codes(n, tf.constant([1, 2], tf.int64))
    np.testing.assert_array_equal(again["categorical"], codes["categorical"])
    other = model.draw_codes(n, tf.constant([1, 3], tf.int64))
    assert not np.array_equal(other["continuous"], cont)


def test_generator_input_is_noise_one_hot_category_and_continuous_codes():
    model = _infogan()
    noise = np.arange(2 * NOISE, dtype=np.float32).reshape(2, NOISE)
    cont = np.array([[0.5, -0.5], [1.0, 0.0]], np.float32)
    latent = model.latent_vector(noise, [2, 0], cont).numpy()
    np.testing.assert_array_equal(latent[:, :NOISE], noise)
    np.testing.assert_array_equal(latent[:, NOISE : NOISE + K], [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(latent[:, NOISE + K :], cont)
    assert model.latent_dim == NOISE + K + C and model.noise_dim == NOISE
    images = model.sample(5, seed=1)
    assert images.shape == (5, 8, 8, 1) and images.min() >= 0 and images.max() <= 1
    assert set(model.serving_input_specs()) == {"noise", "categorical", "continuous"}
    # Without continuous codes: G takes [noise, one-hot], and serving has no such input.
    plain = _infogan(continuous=0)
    assert set(plain.serving_input_specs()) == {"noise", "categorical"}
    assert plain.sample(3).shape == (3, 8, 8, 1)
    assert plain.infer_codes(unit_images(2))["continuous"].shape == (2, 0)
    assert set(plain.code_sweep_images(samples=1, steps=2)) == {"categorical"}


def test_infer_codes_are_posteriors_and_batched():
    model = _infogan()
    images = unit_images(7)
    codes = model.infer_codes(images, batch_size=3)
    assert codes["categorical"].shape == (7, K) and codes["continuous"].shape == (7, C)
    np.testing.assert_allclose(codes["categorical"].sum(1), 1.0, rtol=1e-5)
    whole = model.infer_codes(images)
    np.testing.assert_allclose(whole["categorical"], codes["categorical"], atol=1e-6)
    np.testing.assert_allclose(whole["continuous"], codes["continuous"], atol=1e-6)
    with pytest.raises(ValueError, match="channel count"):
        model.infer_codes(np.concatenate([images, images], axis=-1))


def _fit_one_step(model, g_lr, d_lr, images):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(g_lr),
        discriminator_optimizer=keras.optimizers.SGD(d_lr),
    )
    model.fit(tf.data.Dataset.from_tensor_slices(images).batch(len(images)), epochs=1, verbose=0)


def test_q_learns_in_the_d_step_and_the_information_term_reaches_g():
    model = _infogan()
    model(unit_images(2))
    q_vars = model.q_head.trainable_weights
    d_ids = {id(v) for v in model.player_variables("discriminator")}
    assert {id(v) for v in q_vars} <= d_ids
    assert d_ids.isdisjoint(id(v) for v in model.player_variables("generator"))
    q_before = [v.numpy().copy() for v in q_vars]
    _fit_one_step(model, 0.0, 0.1, unit_images())  # D step only
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(q_before, q_vars))

    # G step only: Q stays, and G's update differs with and without the information term.
    updates = {}
    for lam in (0.0, 1.0):
        keras.utils.set_random_seed(5)
        model = _infogan(lambda_categorical=lam, lambda_continuous=lam)
        model(unit_images(2))
        q_before = [v.numpy().copy() for v in model.q_head.trainable_weights]
        _fit_one_step(model, 0.1, 0.0, unit_images())
        for b, v in zip(q_before, model.q_head.trainable_weights):
            np.testing.assert_array_equal(b, v.numpy())
        updates[lam] = [v.numpy() for v in model.generator.trainable_weights]
    assert any(not np.allclose(a, b) for a, b in zip(updates[0.0], updates[1.0]))


def test_training_makes_the_categorical_code_recoverable():
    """A few dozen steps on random images: Q recovers G's category far above chance
    (the information term is maximised) and the bound rises towards H(c)."""
    model = _infogan(categories=4, continuous=1)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5),
    )
    ds = tf.data.Dataset.from_tensor_slices(unit_images(32 * 40)).batch(32)
    history = model.fit(ds, epochs=2, verbose=0).history
    logs = model.evaluate(ds.take(8), verbose=0, return_dict=True)
    assert history["code_accuracy"][-1] > 0.9 and logs["code_accuracy"] > 0.9, (history, logs)
    bound = history["mi_lower_bound"]
    # L_I = H(c) - CE - NLL < H(c): the unit-std Gaussian NLL is >= 0.5 log(2 pi) > log 2.
    assert bound[0] < bound[1] < code_entropy(4, 1)


def test_code_sweep_varies_one_code_per_row(tmp_path):
    model = _infogan()
    panels = model.code_sweep_images(samples=2, steps=5, seed=3)
    assert set(panels) == {"categorical", "continuous_0", "continuous_1"}
    assert panels["categorical"].shape == (2, K, 8, 8, 1)
    assert panels["continuous_1"].shape == (2, 5, 8, 8, 1)
    base = {k: v.numpy() for k, v in model.draw_codes(2, [3, 13]).items()}
    # Row 1, column j of the second continuous sweep: row 1's draw with c2 = linspace(-2, 2)[j].
    for j, value in enumerate(np.linspace(-2, 2, 5)):
        cont = base["continuous"][1:2].copy()
        cont[0, 1] = value
        want = model.generate_from_codes(base["noise"][1:2], base["categorical"][1:2], cont)
        np.testing.assert_allclose(panels["continuous_1"][1, j], want[0], atol=1e-6)
    for k in range(K):
        want = model.generate_from_codes(base["noise"][:1], [k], base["continuous"][:1])
        np.testing.assert_allclose(panels["categorical"][0, k], want[0], atol=1e-6)
    path = model.code_sweep(str(tmp_path / "sweep.png"), samples=2, steps=5)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    grid = model.progress_images()
    assert grid.shape == (K * (64 // K), 8, 8, 1)
    np.testing.assert_array_equal(grid, model.progress_images())


def test_q_head_survives_a_keras_save_and_load(tmp_path):
    model = _infogan()
    model(unit_images(2))
    model.compile()
    path = str(tmp_path / "infogan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    images = unit_images(4)
    for key in ("categorical", "continuous"):
        np.testing.assert_allclose(
            loaded.infer_codes(images)[key], model.infer_codes(images)[key], atol=1e-6
        )


def test_bad_sizes_and_codes_are_refused():
    with pytest.raises(ValueError, match="noise needs at least 1 dimension"):
        _infogan(noise=0)
    with pytest.raises(ValueError, match="latent_dim must be >= 1"):
        tfxlearn.nets.dcgan_generator(0, (8, 8, 1), widths=(8, 4))
    with pytest.raises(ValueError, match="num_categories must be >= 2"):
        _infogan(categories=1)
    with pytest.raises(ValueError, match="num_continuous must be >= 0"):
        _infogan(continuous=-1)
    with pytest.raises(ValueError, match="lambda_continuous must be >= 0"):
        _infogan(lambda_continuous=-0.1)
    with pytest.raises(ValueError, match="q_head must output"):
        _infogan(q_head=keras.Sequential([keras.layers.Dense(2)]))
    model = _infogan()
    noise = np.zeros((2, NOISE), np.float32)
    cont = np.zeros((2, C), np.float32)
    with pytest.raises(ValueError, match=r"categorical must be class ids in \[0, 3\)"):
        model.generate_from_codes(noise, [0, 3], cont)
    with pytest.raises(ValueError, match=r"noise must be \[batch, 4\]"):
        model.generate_from_codes(np.zeros((2, 5), np.float32), [0, 1], cont)
    with pytest.raises(ValueError, match=r"continuous must be \[batch, 2\]"):
        model.generate_from_codes(noise, [0, 1], np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="continuous codes"):
        model.generate_from_codes(noise, [0, 1])
