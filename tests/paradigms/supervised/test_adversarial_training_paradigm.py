"""The adversarial_training paradigm: its training examples stay inside the
eps-ball, its objective is the documented one, a step runs under a 2-replica
MirroredStrategy and the model round-trips a SavedModel that the attacks can
use, adversarial training makes a small classifier more robust than the same
classifier trained on clean images, and bad arguments raise clear errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn import attacks
from tfxlearn.export import export_saved_model, load_serving_fn


def _batches(split="train", batch=32, take=None):
    ds = tfxlearn.data.load("digits", split)
    if take:
        ds = ds.take(take)
    return tfxlearn.pretext.class_labels(ds.batch(batch))


def _arrays(split):
    images, labels = tfxlearn.data.as_arrays(tfxlearn.data.load("digits", split))
    return images.astype(np.float32) / 255.0, labels


def _model(norm="batch", widths=(8, 16), **options):
    return tfxlearn.paradigms.get("adversarial_training")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=widths, norm=norm),
        num_classes=10,
        **options,
    )


def test_training_examples_stay_in_the_ball_and_follow_the_step_seed():
    keras.utils.set_random_seed(0)
    model = _model(eps=0.1, steps=3)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    images, labels = next(iter(_batches()))
    model(images)
    first = np.asarray(model.adversarial_examples(images, labels, model.step_seed(0)))
    again = np.asarray(model.adversarial_examples(images, labels, model.step_seed(0)))
    other = np.asarray(model.adversarial_examples(images, labels, model.step_seed(1)))
    np.testing.assert_array_equal(first, again)
    assert np.any(first != other)
    x = images.numpy()
    eps = np.float32(0.1)
    assert np.all(first >= np.maximum(x - eps, 0)) and np.all(first <= np.minimum(x + eps, 1))
    assert np.abs(first - x).max() > 0.09  # the attack uses its budget
    loss = attacks.loss_values(model(first), labels).numpy()
    assert loss.mean() > attacks.loss_values(model(images), labels).numpy().mean()
    standard = _model(attack="none")
    standard.compile(optimizer="sgd")
    standard(images)
    np.testing.assert_array_equal(
        np.asarray(standard.adversarial_examples(images, labels, standard.step_seed(0))), x
    )


def test_mixed_objective_is_the_weighted_clean_and_adversarial_loss():
    keras.utils.set_random_seed(0)
    model = _model(eps=0.1, steps=2, clean_weight=0.3)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    data = _batches(take=32)
    images, labels = next(iter(data))
    model(images)
    logs = model.evaluate(data, verbose=0, return_dict=True)
    adversarial = model.adversarial_examples(images, labels, model.step_seed(1))
    expected = 0.7 * attacks.loss_values(model(adversarial), labels) + 0.3 * attacks.loss_values(
        model(images), labels
    )
    assert logs["loss"] == pytest.approx(float(tf.reduce_mean(expected)), rel=1e-5)
    history = model.fit(data, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])
    assert set(history) == {"loss", "accuracy", "adversarial_accuracy"}


def test_step_under_mirrored_strategy_and_saved_model_round_trip(two_replica_strategy, tmp_path):
    keras.utils.set_random_seed(0)
    with two_replica_strategy.scope():
        model = _model(eps=0.1, steps=2)
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(_batches(take=256), epochs=2, verbose=0).history
    assert all(np.isfinite(history["loss"])) and history["loss"][1] < history["loss"][0]
    images, labels = _arrays("test")
    path = export_saved_model(model, str(tmp_path), model_name="adversarial")
    serve = load_serving_fn(path)
    got = serve(images=tf.constant(images[:64]))
    np.testing.assert_allclose(got["logits"], model(images[:64]), atol=1e-5)
    assert set(got) == {"logits", "embedding"}
    via_saved = attacks.robust_accuracy(path, (images, labels), [0.1], steps=3)
    via_model = attacks.robust_accuracy(model, (images, labels), [0.1], steps=3)
    assert via_saved["clean_accuracy"] == via_model["clean_accuracy"]
    assert via_saved["robust_accuracy"][0] == pytest.approx(
        via_model["robust_accuracy"][0], abs=0.01
    )


def test_adversarial_training_is_more_robust_than_standard_training():
    images, labels = _arrays("test")
    results = {}
    for attack in ("none", "pgd"):
        keras.utils.set_random_seed(0)
        # No batch norm: 12 short epochs leave moving statistics far from the data's
        # (momentum 0.99), and both the attack and the evaluation use inference mode.
        model = _model(norm="none", widths=(16, 32), attack=attack, eps=0.2, steps=3)
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        model.fit(_batches(batch=64).repeat(12), epochs=1, verbose=0)
        results[attack] = attacks.robust_accuracy(model, (images, labels), [0.2], steps=10)
    standard, robust = results["none"], results["pgd"]
    assert standard["clean_accuracy"] > 0.9 and robust["clean_accuracy"] > 0.6
    assert standard["robust_accuracy"][0] < 0.1
    assert robust["robust_accuracy"][0] > standard["robust_accuracy"][0] + 0.2


def test_bad_arguments_and_inputs_raise_clear_errors():
    for eps in (0, -0.1, 2.0, float("nan"), True):
        with pytest.raises(ValueError, match="eps"):
            _model(eps=eps)
    for steps in (0, 1.5, True):
        with pytest.raises(ValueError, match="steps must be an int >= 1"):
            _model(steps=steps)
    with pytest.raises(ValueError, match="step_size must be"):
        _model(step_size=-0.1)
    with pytest.raises(ValueError, match="attack must be one of"):
        _model(attack="fgsm")
    with pytest.raises(ValueError, match=r"clean_weight must be in \[0, 1\)"):
        _model(clean_weight=1.0)
    with pytest.raises(ValueError, match="clean_weight > 0 needs an attack"):
        _model(attack="none", clean_weight=0.5)
    model = _model()
    model.compile(optimizer="sgd")
    images_only = tfxlearn.pretext.images(tfxlearn.data.load("digits", "train").take(8).batch(8))
    with pytest.raises(ValueError, match="needs \\(images, labels\\) batches"):
        model.fit(images_only, epochs=1, verbose=0)
