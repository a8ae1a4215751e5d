"""The plain GAN: which variables each step updates, the latent interpolation /
arithmetic helpers and bad inputs (its losses: tests/losses/test_gan_*.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import unit_images

import tfxlearn
from tfxlearn.paradigms.unsupervised.gan import interpolate, vector_arithmetic


def _gan(latent_dim=4, **kwargs):
    generator = tfxlearn.nets.dcgan_generator(latent_dim, (8, 8, 1), widths=(8, 4))
    discriminator = tfxlearn.nets.dcgan_discriminator((8, 8, 1), widths=(4, 8))
    return tfxlearn.paradigms.get("gan")(generator, discriminator, **kwargs)


def test_unknown_generator_loss_is_refused():
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        _gan(generator_loss="hinge")


def _snapshot(variables):
    return [v.numpy().copy() for v in variables]


def _changed(before, variables):
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


def _fit_one_step(model, g_lr, d_lr, data):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(g_lr),
        discriminator_optimizer=keras.optimizers.SGD(d_lr),
    )
    model.fit(data, epochs=1, verbose=0)


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
def test_train_step_updates_each_player_only_with_its_own_optimizer(frozen):
    """With one player's learning rate at 0, one train_step leaves all of that
    player's variables unchanged and changes every variable of the other: the
    D step never writes G's variables and the G step never writes D's (or the head's)."""
    model = _gan()
    data = tf.data.Dataset.from_tensor_slices(unit_images()).batch(8)
    model(unit_images(2))
    g_vars, d_vars = model.player_variables("generator"), model.player_variables("discriminator")
    assert {id(v) for v in g_vars}.isdisjoint({id(v) for v in d_vars})
    assert {id(v) for v in g_vars + d_vars} == {id(v) for v in model.trainable_weights}
    assert {id(v) for v in model.head.trainable_weights} <= {id(v) for v in d_vars}
    g_before, d_before = _snapshot(g_vars), _snapshot(d_vars)
    if frozen == "generator":
        _fit_one_step(model, 0.0, 0.1, data)
        assert not any(_changed(g_before, g_vars))
        assert all(_changed(d_before, d_vars))
    else:
        _fit_one_step(model, 0.1, 0.0, data)
        assert not any(_changed(d_before, d_vars))
        assert all(_changed(g_before, g_vars))
    assert int(model.generator_optimizer.iterations) == 1
    assert int(model.discriminator_optimizer.iterations) == 1


def test_minimax_and_non_saturating_steps_differ():
    data = tf.data.Dataset.from_tensor_slices(unit_images()).batch(8)
    weights = {}
    for kind in ("minimax", "non_saturating"):
        keras.utils.set_random_seed(3)
        model = _gan(generator_loss=kind)
        model(unit_images(2))
        _fit_one_step(model, 0.1, 0.0, data)
        weights[kind] = [v.numpy() for v in model.generator.trainable_weights]
    assert any(not np.allclose(a, b) for a, b in zip(weights["minimax"], weights["non_saturating"]))


def test_interpolate_endpoints_and_norms():
    rng = np.random.default_rng(0)
    start, end = rng.normal(size=16), rng.normal(size=16)
    end = end / np.linalg.norm(end) * np.linalg.norm(start)  # equal norms
    for spherical in (True, False):
        path = interpolate(start, end, steps=7, spherical=spherical)
        assert path.shape == (7, 16) and path.dtype == np.float32
        np.testing.assert_allclose(path[0], start, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(path[-1], end, rtol=1e-5, atol=1e-6)
    slerp = interpolate(start, end, steps=7)
    np.testing.assert_allclose(
        np.linalg.norm(slerp, axis=1), np.linalg.norm(start), rtol=1e-5
    )  # slerp stays on the sphere of Gaussian-like norms ...
    lerp = interpolate(start, end, steps=3, spherical=False)
    np.testing.assert_allclose(lerp[1], (start + end) / 2, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(lerp[1]) < np.linalg.norm(start)  # ... linear cuts inside it
    # Parallel vectors: slerp falls back to the linear path.
    np.testing.assert_allclose(
        interpolate(start, 2 * start, steps=3)[1], 1.5 * start, rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="steps must be >= 2"):
        interpolate(start, end, steps=1)
    with pytest.raises(ValueError, match="one shape"):
        interpolate(start, end[:3])


def test_vector_arithmetic_averages_each_concept():
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=4)
    np.testing.assert_allclose(
        vector_arithmetic(a, b, c), a.mean(0) - b.mean(0) + c, rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="share latent_dim"):
        vector_arithmetic(a, b[:, :3], c)


def test_sample_and_progress_images_are_seeded_images():
    model = _gan()
    samples = model.sample(7, seed=3, batch_size=3)
    assert samples.shape == (7, 8, 8, 1)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_allclose(samples, model.sample(7, seed=3), atol=1e-6)  # other batching
    assert not np.array_equal(samples, model.sample(7, seed=4))
    grid = model.progress_images()
    assert grid.shape == (64, 8, 8, 1)
    np.testing.assert_array_equal(grid, model.progress_images())


def test_bad_latent_sizes_and_inputs_are_refused():
    for size in (0, -3):
        with pytest.raises(ValueError, match="latent_dim must be >= 1"):
            tfxlearn.nets.dcgan_generator(size, (8, 8, 1), widths=(8, 4))
    model = _gan(latent_dim=4)
    with pytest.raises(ValueError, match=r"latent must be \[batch, 4\]"):
        model.generate(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match="count must be >= 1"):
        model.sample(0)
    with pytest.raises(ValueError, match="must equal the discriminator input shape"):
        tfxlearn.paradigms.get("gan")(
            tfxlearn.nets.dcgan_generator(4, (8, 8, 1), widths=(8, 4)),
            tfxlearn.nets.dcgan_discriminator((16, 16, 1), widths=(4, 8)),
        )
    with pytest.raises(ValueError, match="discriminator_optimizer= to compile"):
        model.compile(optimizer="adam")
