"""Evaluation protocols on the tiny `digits` dataset (8x8x1, 1,438 train / 359 test)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import tfxlearn
from tfxlearn import evaluation as ev


@pytest.fixture(scope="module")
def digits(tfds_dir) -> ev.EvalData:
    return ev.EvalData("digits", data_dir=tfds_dir)


def pixel_encoder() -> keras.Model:
    """An "encoder" whose features are the 64 pixels: informative and weight-free."""
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()], name="pixels")


def tiny_encoder() -> keras.Model:
    return tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(8, 16), name="tiny")


def assert_same_weights(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


# --- EvalData and features ------------------------------------------------------------


def test_eval_data_loads_once_and_limits(digits, tfds_dir):
    images, labels = digits.train
    assert images.shape == (1438, 8, 8, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and digits.test[0].shape == (359, 8, 8, 1)
    assert digits.num_classes == 10
    assert digits.arrays("train")[0] is images  # cached: read once per instance
    small = ev.EvalData("digits", data_dir=tfds_dir, max_train=50, max_test=7)
    assert len(small.train[1]) == 50 and len(small.test[1]) == 7
    np.testing.assert_array_equal(small.train[0], images[:50])  # the first N, in order


def test_eval_data_errors(tfds_dir):
    with pytest.raises(ValueError, match="max_train must be a positive int"):
        ev.EvalData("digits", max_train=0)
    with pytest.raises(ValueError, match="role must be one of"):
        ev.EvalData("digits", data_dir=tfds_dir).arrays("validation")
    with pytest.raises(ValueError, match=r"train split 'train\[:0\]' of dataset 'digits'"):
        ev.EvalData("digits", data_dir=tfds_dir, train_split="train[:0]").arrays("train")


def test_extract_features_uint8_and_float_agree(digits):
    images = digits.test[0][:20]
    encoder = pixel_encoder()
    from_uint8 = ev.extract_features(encoder, images, batch_size=8)
    from_float = ev.extract_features(encoder, images.astype(np.float32) / 255.0)
    assert from_uint8.shape == (20, 64) and from_uint8.dtype == np.float32
    np.testing.assert_allclose(from_uint8, from_float, rtol=1e-6)
    with pytest.raises(ValueError, match="per-example shape .* encoder takes"):
        ev.extract_features(encoder, np.zeros([2, 28, 28, 1], np.uint8))
    with pytest.raises(ValueError, match="batch_size"):
        ev.extract_features(encoder, images, batch_size=0)


# --- kNN ------------------------------------------------------------------------------


def knn_reference(train, train_labels, test, num_classes, k, temperature):
    """Wu et al. (2018) weighted kNN, written plainly in NumPy."""
    train = train / np.linalg.norm(train, axis=1, keepdims=True)
    test = test / np.linalg.norm(test, axis=1, keepdims=True)
    predictions = []
    for query in test:
        similarity = train @ query
        nearest = np.argsort(-similarity, kind="stable")[:k]
        votes = np.zeros(num_classes)
        for i in nearest:
            votes[train_labels[i]] += np.exp(similarity[i] / temperature)
        predictions.append(np.argmax(votes))
    return np.array(predictions)


@pytest.mark.parametrize("k, temperature", [(1, 0.07), (7, 0.07), (15, 0.5)])
def test_knn_predict_matches_numpy_reference(k, temperature):
    rng = np.random.default_rng(k)
    train = rng.normal(size=(300, 16)).astype(np.float32)
    labels = rng.integers(0, 5, 300)
    test = rng.normal(size=(70, 16)).astype(np.float32)
    got = ev.knn_predict(
        train, labels, test, num_classes=5, k=k, temperature=temperature, chunk_size=16
    )
    want = knn_reference(train, labels, test, 5, k, temperature)
    np.testing.assert_array_equal(got, want)


def test_knn_on_identical_train_and_test_is_perfect(tfds_dir):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 32))
    labels = rng.integers(0, 10, 200)
    predictions = ev.knn_predict(features, labels, features, k=20, temperature=0.07)
    np.testing.assert_array_equal(predictions, labels)
    # The same through the protocol: testing on the training split itself, k=1.
    same = ev.EvalData("digits", data_dir=tfds_dir, test_split="train")
    assert ev.knn(pixel_encoder(), same, k=1) == {"accuracy": 1.0}


def test_knn_protocol_and_bad_arguments(digits):
    assert ev.knn(pixel_encoder(), digits, k=5)["accuracy"] > 0.95
    with pytest.raises(ValueError, match="k must be a positive int, got 0"):
        ev.knn(pixel_encoder(), digits, k=0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        ev.knn(pixel_encoder(), digits, temperature=0.0)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 3\]"):
        ev.knn_predict(np.eye(3), [0, 1, 2], np.eye(3), k=4)


# --- linear probe ---------------------------------------------------------------------


def test_logistic_regression_matches_scikit_learn():
    rng = np.random.default_rng(0)
    n, num_classes, l2 = 300, 3, 1e-2
    labels = rng.integers(0, num_classes, n)
    x = rng.normal(size=(n, 6)) @ rng.normal(size=(6, 6))  # correlated features
    x[:, 0] += labels
    (x,) = ev.standardize(x)
    weights, bias, _ = ev.fit_logistic_regression(x, labels, num_classes, l2)
    # scikit-learn minimises ||W||^2 / 2 + C * sum(cross-entropy): C = 1 / (n * l2).
    reference = LogisticRegression(C=1.0 / (n * l2), tol=1e-10, max_iter=10_000).fit(x, labels)
    np.testing.assert_allclose(weights, reference.coef_.T, atol=1e-3)
    logits = x @ weights + bias
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.testing.assert_allclose(probs, reference.predict_proba(x), atol=1e-3)


def test_logistic_regression_with_fewer_examples_than_features_matches_scikit_learn():
    # n < d: the fit runs in the row space of x; the minimiser is the same.
    rng = np.random.default_rng(1)
    n, d, num_classes, l2 = 40, 200, 3, 1e-1
    labels = rng.integers(0, num_classes, n)
    x = rng.normal(size=(n, d))
    x[:, :5] += labels[:, None]
    (x,) = ev.standardize(x)
    weights, bias, _ = ev.fit_logistic_regression(x, labels, num_classes, l2)
    reference = LogisticRegression(C=1.0 / (n * l2), tol=1e-10, max_iter=10_000).fit(x, labels)
    np.testing.assert_allclose(weights, reference.coef_.T, atol=1e-3)
    np.testing.assert_allclose(bias - bias.mean(), reference.intercept_, atol=1e-3)
    # a warm start of the full size is taken (and projected), a wrong size refused
    again, _, _ = ev.fit_logistic_regression(
        x, labels, num_classes, l2, init=np.concatenate([weights.ravel(), bias])
    )
    np.testing.assert_allclose(again, weights, atol=1e-3)
    with pytest.raises(ValueError, match=f"init must have {(d + 1) * num_classes} values"):
        ev.fit_logistic_regression(x, labels, num_classes, l2, init=np.zeros(7))


def test_linear_probe_on_pixels_is_accurate_and_deterministic(digits):
    encoder = pixel_encoder()
    first = ev.linear_probe(encoder, digits)
    assert first["accuracy"] > 0.85, first
    assert first["l2"] in ev.DEFAULT_L2_GRID and 0.0 < first["validation_accuracy"] <= 1.0
    assert ev.linear_probe(encoder, digits) == first
    fixed = ev.linear_probe(encoder, digits, l2=1e-3)
    assert fixed["l2"] == 1e-3 and "validation_accuracy" not in fixed
    with pytest.raises(ValueError, match="l2 must be"):
        ev.linear_probe(encoder, digits, l2=-1.0)
    with pytest.raises(ValueError, match="validation_fraction"):
        ev.linear_probe(encoder, digits, validation_fraction=1.0)


def test_probe_features_is_the_linear_probe_on_given_features(digits):
    # Features extracted elsewhere (another framework's encoder) get the same probe.
    from tfxlearn.evaluation.features import split_features
    from tfxlearn.evaluation.linear import probe_features

    encoder = pixel_encoder()
    train_x, train_y = split_features(encoder, digits, "train", 512)
    test_x, test_y = split_features(encoder, digits, "test", 512)
    got = probe_features(train_x, train_y, test_x, test_y, digits.num_classes)
    assert got == ev.linear_probe(encoder, digits)
    with pytest.raises(ValueError, match="l2 must be"):
        probe_features(train_x, train_y, test_x, test_y, digits.num_classes, l2=[])


# --- fine-tuning, low-shot, baselines -------------------------------------------------


def test_balanced_subset_picks_n_per_class_deterministically(digits):
    labels = digits.train[1]
    index = ev.balanced_subset(labels, 7, 10, seed=3)
    assert np.bincount(labels[index], minlength=10).tolist() == [7] * 10
    assert len(np.unique(index)) == 70
    np.testing.assert_array_equal(index, ev.balanced_subset(labels, 7, 10, seed=3))
    assert not np.array_equal(index, ev.balanced_subset(labels, 7, 10, seed=4))
    zeros = int(np.sum(labels == 0))
    with pytest.raises(ValueError, match=f"labels_per_class=1000, but class 0 has only {zeros} "):
        ev.balanced_subset(labels, 1000, 10)
    with pytest.raises(ValueError, match="labels_per_class must be a positive int"):
        ev.balanced_subset(labels, 0, 10)


def test_fine_tune_and_low_shot_leave_the_encoder_untouched(digits):
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    tuned = ev.fine_tune(encoder, digits, epochs=1, batch_size=128)
    assert 0.0 <= tuned["accuracy"] <= 1.0
    assert tuned["train_examples"] == 1438 and tuned["steps"] == 12
    shot = ev.low_shot(encoder, digits, labels_per_class=5, epochs=2, min_steps=60)
    assert shot["train_examples"] == 50 and shot["labels_per_class"] == 5
    assert shot["steps"] == 60  # 50 examples = 1 step per epoch, repeated up to min_steps
    assert 0.0 <= shot["accuracy"] <= 1.0
    assert ev.low_shot(encoder, digits, labels_per_class=5, epochs=2, min_steps=60) == shot
    assert_same_weights(encoder.get_weights(), before)


@pytest.mark.parametrize("make_encoder", [pixel_encoder, tiny_encoder])
def test_low_shot_learns_from_ten_labels_per_class(digits, make_encoder):
    # 100 labels are plenty for well above chance (10%); measured ~0.82 (pixels) and
    # ~0.86 (conv). With Keras's BatchNormalization momentum left at 0.99, the conv
    # encoder's test-time statistics stayed near their initial values after the
    # 300 steps and its accuracy fell to chance.
    result = ev.low_shot(make_encoder(), digits, labels_per_class=10)
    assert result["steps"] >= 300 and result["accuracy"] > 0.6, result


def test_head_steps_train_the_head_on_the_frozen_encoder_first(digits):
    # LP-FT: with a fine-tuning rate too small to move anything, what the model
    # knows comes from the head-only steps, and the encoder must not have moved in
    # them; a layer frozen on purpose stays frozen afterwards.
    from tfxlearn.evaluation.finetuning import train_classifier

    keras.utils.set_random_seed(0)
    encoder = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
        ]
    )  # random features good enough for a linear head (~0.67 measured; ~0.14 without it)
    encoder.layers[1].trainable = False
    before = [w.copy() for w in encoder.get_weights()]
    images, labels = digits.train
    model, steps = train_classifier(
        encoder, images, labels, 10, epochs=1, batch_size=64, learning_rate=1e-12,
        seed=0, head_steps=150, head_learning_rate=1e-2,
    )  # fmt: skip
    assert steps == 150 + 23  # head-only steps, then one epoch of 1438 / 64
    for a, b in zip(encoder.get_weights(), before, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-8)
    assert not encoder.layers[1].trainable and encoder.trainable and encoder.layers[2].trainable
    test_images, test_labels = digits.test
    logits = model.predict(tfxlearn.data.to_float_images(test_images), verbose=0)
    assert np.mean(np.argmax(logits, 1) == test_labels) > 0.5  # chance: 0.1


def test_low_shot_with_head_steps_learns_and_counts_them(digits):
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    result = ev.low_shot(encoder, digits, labels_per_class=10, head_steps=100)
    assert result["steps"] == 100 + 300 and result["accuracy"] > 0.6, result
    assert ev.low_shot(encoder, digits, labels_per_class=10, head_steps=100) == result
    assert_same_weights(encoder.get_weights(), before)


def test_fine_tune_bad_arguments(digits):
    encoder = tiny_encoder()
    with pytest.raises(ValueError, match="labels_per_class must be a positive int, got 0"):
        ev.low_shot(encoder, digits, labels_per_class=0)
    with pytest.raises(ValueError, match="labels_per_class=500, but class 0 has only"):
        ev.fine_tune(encoder, digits, epochs=1, labels_per_class=500)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        ev.fine_tune(encoder, digits, epochs=0)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        ev.fine_tune(encoder, digits, learning_rate=-1.0)
    with pytest.raises(ValueError, match="head_learning_rate must be > 0, got 0"):
        ev.low_shot(encoder, digits, head_steps=10, head_learning_rate=0)
    with pytest.raises(ValueError, match="head_steps must be an int >= 0, got -1"):
        ev.low_shot(encoder, digits, head_steps=-1)
    with pytest.raises(TypeError, match="encoder must be a keras.Model"):
        ev.fine_tune("not a model", digits)
    mnist_sized = tfxlearn.nets.conv_encoder(input_shape=(28, 28, 1), widths=(4,))
    with pytest.raises(ValueError, match=r"\(8, 8, 1\), but the encoder takes \(28, 28, 1\)"):
        ev.fine_tune(mnist_sized, digits, epochs=1)
    with pytest.raises(ValueError, match=r"digits train split: .* encoder takes \(28, 28, 1\)"):
        ev.linear_probe(mnist_sized, digits)


def test_random_encoder_is_a_reproducible_fresh_copy():
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    a, b = ev.random_encoder(encoder, seed=1), ev.random_encoder(encoder, seed=1)
    c = ev.random_encoder(encoder, seed=2)
    assert a is not encoder and a.input_shape == encoder.input_shape
    assert_same_weights(a.get_weights(), b.get_weights())
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    assert not np.array_equal(a.get_weights()[0], encoder.get_weights()[0])
    assert_same_weights(encoder.get_weights(), before)


def test_supervised_encoder_beats_random_encoder_on_linear_probe(digits):
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    supervised = ev.supervised_encoder(encoder, digits, epochs=10, seed=0)
    random = ev.random_encoder(encoder, seed=0)
    assert_same_weights(encoder.get_weights(), before)
    supervised_acc = ev.linear_probe(supervised, digits, l2=1e-3)["accuracy"]
    random_acc = ev.linear_probe(random, digits, l2=1e-3)["accuracy"]
    assert supervised_acc > random_acc + 0.05, (supervised_acc, random_acc)


# --- compare and the table ------------------------------------------------------------


def test_compare_and_format_table(digits):
    encoders = {"pixels": pixel_encoder(), "random": ev.random_encoder(tiny_encoder())}
    protocols = {"linear_probe": {"l2": 1e-3}, "knn": {"k": 5}, "knn/k=1": {"k": 1}}
    results = ev.compare(encoders, digits, protocols)
    assert list(results) == ["pixels", "random"]
    for per_protocol in results.values():
        assert list(per_protocol) == ["linear_probe", "knn", "knn/k=1"]
        for metrics in per_protocol.values():
            assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["seconds"] >= 0.0
    assert results["pixels"]["knn"] == {
        **ev.knn(encoders["pixels"], digits, k=5),
        "seconds": results["pixels"]["knn"]["seconds"],
    }
    lines = ev.format_table(results).splitlines()
    assert lines[0].split() == ["encoder", "linear_probe", "knn", "knn/k=1"]
    assert [line.split()[0] for line in lines[1:]] == ["pixels", "random"]
    for line in lines[1:]:
        assert all(re.fullmatch(r"\d{1,3}\.\d", cell) for cell in line.split()[1:]), line
    pixels_knn = 100 * results["pixels"]["knn"]["accuracy"]
    assert lines[1].split()[2] == f"{pixels_knn:.1f}"


def test_format_table_layout_and_missing_values():
    results = {
        "rotation": {"linear_probe": {"accuracy": 0.8766}, "knn": {"accuracy": 0.5}},
        "random": {"linear_probe": {"accuracy": 0.1}},
    }
    assert ev.format_table(results) == (
        "encoder   linear_probe   knn\nrotation          87.7  50.0\nrandom            10.0     -"
    )
    assert "0.5" in ev.format_table({"a": {"knn": {"seconds": 0.5}}}, metric="seconds")


def test_format_model_results_is_plain_aligned_text():
    results = {
        "perplexity": {"model_perplexity": 191.234, "kn_order": 3, "counted": True},
        "other": {"fd": 0.5},
    }
    assert ev.format_model_results(results) == (
        "perplexity\n"
        "  model_perplexity  191.2\n"
        "  kn_order              3\n"
        "  counted            True\n"
        "\n"
        "other\n"
        "  fd  0.5"
    )


def test_compare_rejects_unknown_protocols_before_running(digits):
    with pytest.raises(
        ValueError, match="unknown protocol 'linear'; known protocols: linear_probe"
    ):
        ev.compare({"pixels": pixel_encoder()}, digits, {"knn": {}, "linear": {}})
    with pytest.raises(ValueError, match="encoders must name at least one"):
        ev.compare({}, digits)
    assert set(ev.PROTOCOLS) == {
        "linear_probe",
        "layerwise_probe",
        "knn",
        "fine_tune",
        "low_shot",
        "verification",
    }


def test_feature_extraction_traces_once_per_encoder():
    from tfxlearn.evaluation import features

    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4,))
    rng = np.random.default_rng(0)
    for n in (5, 17, 3):  # partial batches of every size reuse the one trace
        out = features.extract_features(encoder, rng.integers(0, 256, (n, 8, 8, 1), np.uint8), 4)
        assert out.shape == (n, encoder.output_shape[-1])
    forward = features.feature_function(encoder)
    assert forward.experimental_get_tracing_count() == 1
    images = rng.random((6, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(
        features.extract_features(encoder, images),
        np.asarray(encoder(images, training=False)),
        atol=1e-6,
    )
