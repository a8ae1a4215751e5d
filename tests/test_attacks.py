"""tfxlearn.attacks: FGSM and PGD stay inside the eps-ball and the pixel range
(checked exactly, as float32 computes the bounds), raise the loss, PGD is at
least as strong as FGSM, an undefended classifier's robust accuracy drops, the
same attacks run on a SavedModel export, and bad arguments raise clear errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn import attacks
from tfxlearn.export import export_saved_model


@pytest.fixture(scope="module")
def digits():
    images, labels = tfxlearn.data.as_arrays(tfxlearn.data.load("digits", "train"))
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


@pytest.fixture(scope="module")
def mlp(digits):
    """A small undefended MLP trained on the digits (about 95% training accuracy)."""
    images, labels = digits
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        keras.optimizers.Adam(1e-2),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(images, labels, epochs=20, batch_size=64, verbose=0)
    return model


def _loss(model, images, labels):
    return attacks.loss_values(model(images), tf.cast(labels, tf.int32)).numpy()


def _assert_in_ball(adversarial, images, eps, clip=(0.0, 1.0)):
    adversarial = np.asarray(adversarial)
    assert adversarial.dtype == np.float32 and adversarial.shape == images.shape
    eps32 = np.float32(eps)
    lower = np.maximum(images - eps32, np.float32(clip[0]))
    upper = np.minimum(images + eps32, np.float32(clip[1]))
    assert np.all(adversarial >= lower) and np.all(adversarial <= upper)
    assert adversarial.min() >= clip[0] and adversarial.max() <= clip[1]
    # In exact arithmetic: within eps up to the rounding of one float32 addition.
    deviation = np.abs(adversarial.astype(np.float64) - images.astype(np.float64))
    assert deviation.max() <= eps + 2.0**-23


@pytest.mark.parametrize("eps", [0.03, 0.1, 0.3])
def test_attacks_stay_in_the_eps_ball_and_the_pixel_range(mlp, digits, eps):
    images, labels = digits[0][:64].copy(), digits[1][:64]
    images[0] = 0.0  # pixels on both ends of the range: the clip is active
    images[1] = 1.0
    _assert_in_ball(attacks.fgsm(mlp, images, labels, eps), images, eps)
    for restarts in (1, 3):
        adversarial = attacks.pgd(mlp, images, labels, eps, steps=10, restarts=restarts)
        _assert_in_ball(adversarial, images, eps)
    # A large step size hits the bounds on almost every pixel; still inside.
    adversarial = attacks.pgd(mlp, images, labels, eps, steps=3, step_size=5 * eps)
    _assert_in_ball(adversarial, images, eps)
    # Without a pixel range, only the eps-ball bounds the result.
    wide = attacks.pgd(mlp, images, labels, eps, steps=5, step_size=eps, clip=None)
    assert np.abs(np.asarray(wide) - images).max() <= eps + 2.0**-23
    assert np.asarray(wide).max() > 1.0 or np.asarray(wide).min() < 0.0


def test_fgsm_is_the_signed_gradient_step(mlp, digits):
    images, labels = digits[0][:32], digits[1][:32]
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(_loss_tensor(mlp, x, labels))
    expected = np.clip(images + np.float32(0.1) * np.sign(tape.gradient(loss, x).numpy()), 0, 1)
    np.testing.assert_array_equal(np.asarray(attacks.fgsm(mlp, images, labels, 0.1)), expected)


def _loss_tensor(model, x, labels):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=model(x)
    )


def test_fgsm_never_lowers_the_loss_of_a_linear_classifier(digits):
    """The cross-entropy of a linear model is convex in x and each pixel moves with
    its gradient's sign (or not at all, at the range's ends): the loss cannot fall."""
    images, labels = digits[0][:128], digits[1][:128]
    keras.utils.set_random_seed(1)
    linear = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    clean = _loss(linear, images, labels)
    for eps in (0.01, 0.1):
        attacked = _loss(linear, np.asarray(attacks.fgsm(linear, images, labels, eps)), labels)
        assert np.all(attacked >= clean - 1e-5)
        assert np.mean(attacked > clean + 1e-4) > 0.95


def test_attacks_raise_the_loss_and_pgd_is_at_least_as_strong_as_fgsm(mlp, digits):
    images, labels = digits[0][:256], digits[1][:256]
    clean = _loss(mlp, images, labels)
    for eps in (0.05, 0.1, 0.2):
        fgsm_loss = _loss(mlp, np.asarray(attacks.fgsm(mlp, images, labels, eps)), labels)
        pgd_loss = _loss(mlp, np.asarray(attacks.pgd(mlp, images, labels, eps, steps=20)), labels)
        assert fgsm_loss.mean() > clean.mean() and np.mean(fgsm_loss > clean) > 0.9
        assert pgd_loss.mean() >= fgsm_loss.mean()
        assert np.mean(pgd_loss > clean) > 0.9
    # More steps (and restarts) do not make PGD weaker on average.
    few = _loss(mlp, np.asarray(attacks.pgd(mlp, images, labels, 0.1, steps=2)), labels)
    many = _loss(
        mlp, np.asarray(attacks.pgd(mlp, images, labels, 0.1, steps=20, restarts=3)), labels
    )
    assert many.mean() >= few.mean()


def test_pgd_restarts_keep_the_highest_loss_per_example(mlp, digits):
    images, labels = digits[0][:64], digits[1][:64]
    best = _loss(
        mlp, np.asarray(attacks.pgd(mlp, images, labels, 0.1, steps=3, restarts=3)), labels
    )
    runs = []
    for r in range(3):
        seed = tf.random.experimental.stateless_fold_in(tf.constant([0, 0], tf.int64), r)
        start = attacks.uniform_start(images.shape, 0.1, seed)
        adversarial = attacks.signed_gradient_steps(
            attacks.logits_function(mlp),
            tf.constant(images),
            tf.constant(labels, tf.int32),
            eps=0.1,
            steps=3,
            step_size=2.5 * 0.1 / 3,
            start=start,
        )
        runs.append(_loss(mlp, np.asarray(adversarial), labels))
    np.testing.assert_allclose(best, np.max(runs, axis=0), rtol=1e-5, atol=1e-6)


def test_pgd_is_seeded(mlp, digits):
    images, labels = digits[0][:16], digits[1][:16]
    a = attacks.pgd(mlp, images, labels, 0.1, steps=1, seed=3)
    b = attacks.pgd(mlp, images, labels, 0.1, steps=1, seed=3)
    c = attacks.pgd(mlp, images, labels, 0.1, steps=1, seed=4)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.any(np.asarray(a) != np.asarray(c))
    no_start = attacks.pgd(mlp, images, labels, 0.1, steps=1, step_size=0.1, random_start=False)
    np.testing.assert_array_equal(
        np.asarray(no_start), np.asarray(attacks.fgsm(mlp, images, labels, 0.1))
    )


def test_robust_accuracy_of_an_undefended_classifier_drops(mlp, digits):
    result = attacks.robust_accuracy(mlp, digits, [0.05, 0.1, 0.2], steps=10)
    fgsm = attacks.robust_accuracy(mlp, digits, [0.05, 0.1, 0.2], attack="fgsm")
    assert result["examples"] == len(digits[1]) and result["clean_accuracy"] > 0.9
    assert fgsm["clean_accuracy"] == result["clean_accuracy"]
    pgd_acc, fgsm_acc = result["robust_accuracy"], fgsm["robust_accuracy"]
    assert pgd_acc[-1] < 0.1 < result["clean_accuracy"] - 0.3 < pgd_acc[0] + 0.3
    assert all(p <= f for p, f in zip(pgd_acc, fgsm_acc))
    assert all(a <= result["clean_accuracy"] for a in pgd_acc + fgsm_acc)
    assert pgd_acc == sorted(pgd_acc, reverse=True)
    assert result["step_size"] == pytest.approx([2.5 * e / 10 for e in (0.05, 0.1, 0.2)])


def test_robust_accuracy_reads_tfds_batches_of_uint8_images(mlp, digits):
    ds = tfxlearn.data.load("digits", "train").batch(500)
    from_ds = attacks.robust_accuracy(mlp, ds, 0.1, steps=5, max_examples=700)
    from_arrays = attacks.robust_accuracy(
        mlp, (digits[0][:700], digits[1][:700]), 0.1, steps=5, batch_size=500
    )
    assert from_ds["examples"] == 700
    assert from_ds["clean_accuracy"] == pytest.approx(from_arrays["clean_accuracy"])
    assert from_ds["robust_accuracy"] == pytest.approx(from_arrays["robust_accuracy"], abs=0.01)


def test_attacks_run_on_a_saved_model_export_and_on_probabilities(mlp, digits, tmp_path):
    images, labels = digits[0][:128], digits[1][:128]
    path = export_saved_model(mlp, str(tmp_path), model_name="mlp")
    via_keras = np.asarray(attacks.pgd(mlp, images, labels, 0.1, steps=5))
    via_saved = np.asarray(attacks.pgd(path, images, labels, 0.1, steps=5))
    # The same computation up to float rounding: a gradient sign may flip where it is ~0.
    assert np.mean(via_keras == via_saved) > 0.99
    _assert_in_ball(via_saved, images, 0.1)
    a = attacks.robust_accuracy(str(tmp_path / "mlp"), (images, labels), [0.05, 0.1], steps=5)
    b = attacks.robust_accuracy(mlp, (images, labels), [0.05, 0.1], steps=5)
    assert a["clean_accuracy"] == b["clean_accuracy"]
    assert a["robust_accuracy"] == pytest.approx(b["robust_accuracy"], abs=2 / 128)
    softmax = keras.Sequential([mlp, keras.layers.Softmax()])
    c = attacks.robust_accuracy(softmax, (images, labels), [0.05, 0.1], steps=5, from_logits=False)
    assert c["robust_accuracy"] == pytest.approx(b["robust_accuracy"], abs=2 / 128)


def test_bad_arguments_raise_clear_errors(mlp, digits):
    images, labels = digits[0][:8], digits[1][:8]
    for eps in (0, -0.1, float("nan"), float("inf"), True, "0.1", None):
        with pytest.raises(ValueError, match="eps must be"):
            attacks.fgsm(mlp, images, labels, eps)
        with pytest.raises(ValueError, match="eps must be"):
            attacks.robust_accuracy(mlp, (images, labels), [0.1, eps])
    with pytest.raises(ValueError, match="larger than the pixel range"):
        attacks.pgd(mlp, images, labels, 1.5)
    with pytest.raises(ValueError, match="non-empty"):
        attacks.robust_accuracy(mlp, (images, labels), [])
    with pytest.raises(ValueError, match="distinct"):
        attacks.robust_accuracy(mlp, (images, labels), [0.1, 0.1])
    for steps in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="steps must be an int >= 1"):
            attacks.pgd(mlp, images, labels, 0.1, steps=steps)
    for size in (0, -0.01, float("nan")):
        with pytest.raises(ValueError, match="step_size must be"):
            attacks.pgd(mlp, images, labels, 0.1, step_size=size)
    with pytest.raises(ValueError, match="restarts must be an int >= 1"):
        attacks.pgd(mlp, images, labels, 0.1, restarts=0)
    with pytest.raises(ValueError, match="needs random_start=True"):
        attacks.pgd(mlp, images, labels, 0.1, restarts=2, random_start=False)
    with pytest.raises(ValueError, match=r"pixel range clip=\(0.0, 1.0\)"):
        attacks.fgsm(mlp, images * 255.0, labels, 0.1)
    with pytest.raises(ValueError, match="same batch size"):
        attacks.fgsm(mlp, images, labels[:4], 0.1)
    with pytest.raises(ValueError, match="labels must be integer"):
        attacks.fgsm(mlp, images, labels.astype(np.float32), 0.1)
    with pytest.raises(ValueError, match="clip must be"):
        attacks.fgsm(mlp, images, labels, 0.1, clip=(1.0, 0.0))
    with pytest.raises(ValueError, match="attack must be one of"):
        attacks.robust_accuracy(mlp, (images, labels), 0.1, attack="cw")
    with pytest.raises(ValueError, match="call .batch"):
        attacks.robust_accuracy(mlp, tf.data.Dataset.from_tensor_slices((images, labels)), 0.1)
    with pytest.raises(ValueError, match="without 'logits'"):
        attacks.fgsm(lambda x: {"scores": mlp(x), "other": mlp(x)}, images, labels, 0.1)
    with pytest.raises(ValueError, match=r"class logits \[batch, classes\]"):
        attacks.fgsm(lambda x: tf.reshape(mlp(x), [-1]), images, labels, 0.1)
