"""Sample quality of generative models: Fréchet distance and class entropy.

The issue's protocol (docs/architecture.md section 9): a classifier that tfxlearn trains
on the same dataset (`train_sample_quality_classifier`, its test accuracy
reported) maps images to its penultimate-layer features and class
probabilities; generated images are compared with real test images by the
Fréchet distance between Gaussians fitted to the two feature sets (Heusel et
al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", NIPS 2017 — the FID, here in our own classifier's features
instead of Inception's), and their diversity by the entropy of the mean
predicted class distribution (at most log K). `real_floor` gives the same
numbers between real training and real test images: the value a perfect
generator would reach with the same number of samples.

    data = EvalData("fashion_mnist")
    classifier = load_or_train_sample_quality_classifier(data, "runs/sample_quality")
    floor = real_floor(classifier, data, samples=10_000)
    result = sample_quality(generated_images, classifier, data.test[0])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Sequence

import keras
import numpy as np
import scipy.linalg
import scipy.special
import tensorflow as tf
from absl import logging

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import check_encoder, check_images, extract_features
from tfxlearn.evaluation.finetuning import check_training_args, train_classifier
from tfxlearn.nets import conv_encoder

#: Name of the encoder inside the classifier: its output is the feature space of the distance.
ENCODER_NAME = "sample_quality_encoder"
#: Name of the linear head (set by `train_classifier`).
HEAD_NAME = "head"
_MODEL_FILE = "classifier.keras"
_METADATA_FILE = "metadata.json"
# Float images may exceed [0, 1] by this much (float rounding of a sigmoid or a resize).
_RANGE_TOLERANCE = 1e-4


# --- Fréchet distance and class entropy -----------------------------------------------


def _check_features(features, argument: str) -> np.ndarray:
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"{argument} must be a 2-D array [n, d], got shape {features.shape}")
    if features.shape[0] < 2:
        raise ValueError(
            f"{argument} has {features.shape[0]} sample(s): need at least 2 to estimate a "
            "covariance"
        )
    if features.shape[1] < 1:
        raise ValueError(f"{argument} has no feature dimensions (shape {features.shape})")
    if not np.issubdtype(features.dtype, np.number) or np.issubdtype(
        features.dtype, np.complexfloating
    ):
        raise ValueError(f"{argument} must hold real numbers, got dtype {features.dtype}")
    features = features.astype(np.float64)
    if not np.isfinite(features).all():
        raise ValueError(f"{argument} contains NaN or infinite values")
    return features


def gaussian_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, ddof=1) covariance of `features` [n, d], in float64.

    Raises:
        ValueError: not 2-D, fewer than 2 samples, or non-finite values.
    """
    features = _check_features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False, ddof=1).reshape(
        features.shape[1], features.shape[1]
    )


def _sqrtm_is_usable(root: np.ndarray, product: np.ndarray) -> bool:
    if not np.isfinite(root).all():
        return False
    scale = max(float(np.abs(np.diagonal(root).real).max()), 1.0)
    if np.iscomplexobj(root) and float(np.abs(np.diagonal(root).imag).max()) > 1e-3 * scale:
        return False
    # Relative residual of X @ X = A (scipy's former `errest`).
    norm = float(np.linalg.norm(product))
    residual = float(np.linalg.norm(root @ root - product))
    return residual <= 1e-5 * max(norm, 1e-300)


def frechet_distance_from_statistics(
    mean_a: np.ndarray,
    cov_a: np.ndarray,
    mean_b: np.ndarray,
    cov_b: np.ndarray,
    *,
    eps: float = 1e-6,
) -> float:
    """Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b) (Heusel et al., 2017).

    d^2 = ||mean_a - mean_b||^2 + Tr(cov_a + cov_b - 2 (cov_a cov_b)^(1/2)),
    computed in float64. The square root is `scipy.linalg.sqrtm`; when it is
    unusable (the product is singular, e.g. fewer samples than feature
    dimensions: non-finite entries, a large residual or a large imaginary
    part), it is recomputed with `eps * I` added to both covariances, as in
    the reference implementation (TTUR's `fid.py`); the offset changes the
    value by about sqrt(eps) relative (measured 1e-4 to 3e-4 on rank-deficient
    4-D cases). Tiny imaginary parts from rounding are dropped.

    Args:
        mean_a: [d] mean of the first Gaussian.
        cov_a: [d, d] its covariance.
        mean_b: [d] mean of the second.
        cov_b: [d, d] its covariance.
        eps: diagonal offset of the retry, relative to the mean variance
            (the offset is `eps * max(mean diagonal of the covariances, tiny)`).

    Returns:
        The squared Fréchet distance (the "FID" value), a Python float.

    Raises:
        ValueError: mismatched shapes, non-finite values, `eps` <= 0, or no
            usable square root even after the offset.
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    d = mean_a.shape[0] if mean_a.ndim == 1 else -1
    if mean_a.ndim != 1 or mean_b.shape != (d,) or cov_a.shape != (d, d) or cov_b.shape != (d, d):
        raise ValueError(
            "expected means [d] and covariances [d, d] of one size d, got means "
            f"{mean_a.shape}, {mean_b.shape} and covariances {cov_a.shape}, {cov_b.shape}"
        )
    for value, name in ((mean_a, "mean_a"), (mean_b, "mean_b"), (cov_a, "cov_a"), (cov_b, "cov_b")):
        if not np.isfinite(value).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    product = cov_a @ cov_b
    with warnings.catch_warnings():
        # A singular product is detected below and handled by the offset.
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        root = scipy.linalg.sqrtm(product)
    if not _sqrtm_is_usable(root, product):
        scale = max(float(np.mean(np.diagonal(cov_a) + np.diagonal(cov_b))) / 2.0, 1e-12)
        offset = eps * scale * np.eye(d)
        logging.info(
            "Fréchet distance: covariance product is singular; adding %g * I to both", eps * scale
        )
        product = (cov_a + offset) @ (cov_b + offset)
        root = scipy.linalg.sqrtm(product)
        if not np.isfinite(root).all():
            raise ValueError(
                "cannot take the square root of the covariance product, even with "
                f"{eps * scale:g} * I added: the features are degenerate"
            )
        diagonal = np.diagonal(root)
        if np.iscomplexobj(root) and np.abs(diagonal.imag).max() > 1e-3 * max(
            float(np.abs(diagonal.real).max()), 1.0
        ):
            raise ValueError(
                "the square root of the covariance product has a large imaginary part "
                f"({np.abs(diagonal.imag).max():.3g}) even after adding {eps * scale:g} * I"
            )
    trace_root = float(np.trace(root).real)
    difference = mean_a - mean_b
    return float(difference @ difference + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)


def frechet_distance(features_a, features_b, *, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (Heusel et al., NIPS 2017).

    Each set's mean and unbiased covariance are estimated in float64 and
    compared with `frechet_distance_from_statistics`. The value is the squared
    distance (what papers report as FID); it is biased upwards for small sets
    (Bińkowski et al., ICLR 2018), so compare values computed with the same
    numbers of samples.

    Args:
        features_a: [n_a, d] features (n_a >= 2).
        features_b: [n_b, d] features (n_b >= 2), same d.
        eps: see `frechet_distance_from_statistics`.

    Returns:
        The squared Fréchet distance, a Python float (0 for identical sets, up
        to rounding).

    Raises:
        ValueError: not 2-D, fewer than 2 samples, different feature sizes, or
            NaN / infinite values.
    """
    a = _check_features(features_a, "features_a")
    b = _check_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a and features_b differ in feature size: {a.shape[1]} vs {b.shape[1]}"
        )
    mean_a, cov_a = gaussian_statistics(a)
    mean_b, cov_b = gaussian_statistics(b)
    return frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b, eps=eps)


def class_entropy(probabilities) -> float:
    """Entropy (nats) of the mean predicted class distribution over the samples.

    The diversity half of the Inception Score's reasoning (Salimans et al.,
    "Improved Techniques for Training GANs", NIPS 2016): a generator that
    covers all K classes evenly reaches log K; one that collapses onto a single
    class gives 0.

    Args:
        probabilities: [n, K] rows of class probabilities (non-negative, each
            summing to 1 within 1e-3).

    Returns:
        H(mean_i p_i) in nats, a Python float in [0, log K].

    Raises:
        ValueError: not 2-D, no rows, negative or non-finite entries, or rows
            not summing to 1.
    """
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"probabilities must be a non-empty 2-D array [n, K], got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("probabilities contains NaN or infinite values")
    if p.min() < 0:
        raise ValueError(f"probabilities must be >= 0, got a minimum of {p.min():.3g}")
    sums = p.sum(axis=1)
    if np.abs(sums - 1.0).max() > 1e-3:
        raise ValueError(
            "each row of probabilities must sum to 1 (pass softmax outputs, not logits); "
            f"row sums range over [{sums.min():.4g}, {sums.max():.4g}]"
        )
    mean = p.mean(axis=0)
    return float(np.sum(scipy.special.entr(mean / mean.sum())))


# --- The sample-quality classifier -----------------------------------------------------


def check_sample_images(images, input_shape: tuple, argument: str = "images") -> np.ndarray:
    """`images` as an array, checked: [n, *input_shape], uint8 or float in [0, 1], finite.

    Raises:
        ValueError: empty, wrong per-example shape, non-numeric dtype, NaN or
            infinite values, or float values outside [0, 1] (e.g. a generator
            ending in tanh: map its output with (x + 1) / 2 first).
    """
    images = np.asarray(images)
    if images.ndim != len(input_shape) + 1 or images.shape[0] == 0:
        raise ValueError(
            f"{argument} must be a non-empty array [n, {', '.join(map(str, input_shape))}], "
            f"got shape {images.shape}"
        )
    check_images(images, tuple(input_shape), argument)
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"{argument} must be uint8 in [0, 255] or float in [0, 1], got dtype {images.dtype}"
        )
    low, high = float(np.min(images)), float(np.max(images))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{argument} contains NaN or infinite values")
    if low < -_RANGE_TOLERANCE or high > 1.0 + _RANGE_TOLERANCE:
        raise ValueError(
            f"float {argument} must lie in [0, 1], got values in [{low:.4g}, {high:.4g}] "
            "(rescale e.g. tanh outputs with (x + 1) / 2)"
        )
    return images


def _softmax(logits: np.ndarray) -> np.ndarray:
    return scipy.special.softmax(np.asarray(logits, np.float64), axis=1)


class SampleQualityClassifier:
    """A classifier whose penultimate-layer features measure sample quality.

    Wraps a Keras model (images -> logits) made of a conv encoder named
    `ENCODER_NAME` and a linear head named `HEAD_NAME` (what
    `train_sample_quality_classifier` builds); the encoder's output is the
    feature space of the Fréchet distance. Build one with
    `train_sample_quality_classifier` or `load_or_train_sample_quality_classifier`,
    or load a saved one with `SampleQualityClassifier.load(directory)`.

    Args:
        model: the classifier, images [n, H, W, C] in [0, 1] -> logits [n, K].
        test_accuracy: its measured accuracy on the dataset's test split.
        metadata: how it was trained (dataset, arguments, timings), saved with it.

    Raises:
        ValueError: the model has no layer named `ENCODER_NAME` or `HEAD_NAME`.
    """

    def __init__(self, model: keras.Model, test_accuracy: float, metadata: dict | None = None):
        check_encoder(model, "model")
        try:
            self.encoder = model.get_layer(ENCODER_NAME)
            self.head = model.get_layer(HEAD_NAME)
        except ValueError:
            raise ValueError(
                f"model {model.name!r} must contain an encoder named {ENCODER_NAME!r} and a "
                f"head named {HEAD_NAME!r} (build it with train_sample_quality_classifier)"
            ) from None
        self.model = model
        self.test_accuracy = float(test_accuracy)
        self.metadata = dict(metadata or {})
        self.metadata["test_accuracy"] = self.test_accuracy

    @property
    def input_shape(self) -> tuple:
        """Per-example image shape (H, W, C)."""
        return tuple(self.model.input_shape[1:])

    @property
    def num_classes(self) -> int:
        """Number of classes K (the entropy of the class distribution is at most log K)."""
        return int(self.model.output_shape[-1])

    def features(self, images, batch_size: int = 512) -> np.ndarray:
        """Penultimate-layer (encoder) features, float32 [n, d], in inference mode.

        Args:
            images: [n, H, W, C], uint8 in [0, 255] or float in [0, 1].
            batch_size: images per forward pass.
        """
        images = check_sample_images(images, self.input_shape)
        return extract_features(self.encoder, images, batch_size)

    def _logits_from_features(self, features: np.ndarray, batch_size: int) -> np.ndarray:
        return np.asarray(self.head.predict(features, batch_size=batch_size, verbose=0))

    def features_and_probabilities(
        self, images, batch_size: int = 512
    ) -> tuple[np.ndarray, np.ndarray]:
        """`(features [n, d] float32, class probabilities [n, K] float64)` in one pass."""
        features = self.features(images, batch_size)
        return features, _softmax(self._logits_from_features(features, batch_size))

    def probabilities(self, images, batch_size: int = 512) -> np.ndarray:
        """Softmax class probabilities, float64 [n, K] (see `features` for the inputs)."""
        return self.features_and_probabilities(images, batch_size)[1]

    def save(self, directory: str) -> str:
        """Writes `classifier.keras` and `metadata.json` into `directory` (created if needed).

        Each file is written to a temporary name and moved into place with
        `os.replace`, model first: a directory with `metadata.json` is complete.

        Returns:
            `directory`.
        """
        os.makedirs(directory, exist_ok=True)
        tag = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
        model_tmp = os.path.join(directory, f"{tag}-{_MODEL_FILE}")  # Keras wants ".keras"
        metadata_tmp = os.path.join(directory, f"{tag}-{_METADATA_FILE}")
        try:
            self.model.save(model_tmp)
            os.replace(model_tmp, os.path.join(directory, _MODEL_FILE))
            with open(metadata_tmp, "w") as f:
                json.dump(self.metadata, f, indent=2, sort_keys=True)
            os.replace(metadata_tmp, os.path.join(directory, _METADATA_FILE))
        finally:
            for path in (model_tmp, metadata_tmp):
                if os.path.exists(path):
                    os.remove(path)
        return directory

    @classmethod
    def load(cls, directory: str) -> SampleQualityClassifier:
        """Loads a classifier written by `save`.

        Raises:
            FileNotFoundError: `directory` lacks `classifier.keras` or `metadata.json`.
        """
        model_path = os.path.join(directory, _MODEL_FILE)
        metadata_path = os.path.join(directory, _METADATA_FILE)
        for path in (model_path, metadata_path):
            if not os.path.exists(path):
                raise FileNotFoundError(f"no saved sample-quality classifier: {path} is missing")
        with open(metadata_path) as f:
            metadata = json.load(f)
        model = keras.saving.load_model(model_path, compile=False)
        return cls(model, metadata["test_accuracy"], metadata)


def _batch_norms(layer: keras.layers.Layer) -> list[keras.layers.BatchNormalization]:
    found = []
    for child in getattr(layer, "layers", []):
        if isinstance(child, keras.layers.BatchNormalization):
            found.append(child)
        found += _batch_norms(child)
    return found


def recalibrate_batch_norm(
    encoder: keras.Model, images, *, batch_size: int = 128, max_images: int = 20_000, seed: int = 0
) -> int:
    """Replaces each BatchNormalization's moving statistics by their average over real batches.

    "Precise BN" (Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021): the
    exponential moving averages of a network trained with a constant learning
    rate lag behind its final weights. Measured on the Fashion-MNIST
    classifier (5 epochs, Adam 1e-3): test accuracy 85.0% with the moving
    averages, 90.2% with batch statistics or after this recalibration. Up to
    `max_images` images drawn with `seed` go through `encoder` in training
    mode, `batch_size` at a time (no weight changes); each BN layer's batch
    means and variances are averaged with equal weights and assigned.

    Args:
        encoder: the model whose BN layers (at any depth) are recalibrated in place.
        images: [n, H, W, C] images, uint8 or float in [0, 1].
        batch_size: images per batch (use the training batch size).
        max_images: at most this many images are used.
        seed: seed of the draw of images.

    Returns:
        The number of batches averaged (0 when the encoder has no BN layer).
    """
    layers = _batch_norms(encoder)
    images = np.asarray(images)
    batch_size = min(int(batch_size), len(images))
    if not layers or batch_size < 1:
        return 0
    count = min(int(max_images), len(images)) // batch_size
    order = np.random.default_rng(seed).permutation(len(images))[: max(count, 1) * batch_size]
    momenta = [layer.momentum for layer in layers]
    sums = [
        [np.zeros(layer.moving_mean.shape), np.zeros(layer.moving_variance.shape)]
        for layer in layers
    ]

    @tf.function(autograph=False)
    def forward(x):
        return encoder(x, training=True)

    try:
        for layer in layers:
            layer.momentum = 0.0  # moving statistics = this batch's statistics
        for start in range(0, len(order), batch_size):
            batch = tf.convert_to_tensor(images[np.sort(order[start : start + batch_size])])
            forward(tfx_data.to_float_images(batch))
            for total, layer in zip(sums, layers):
                total[0] += np.asarray(layer.moving_mean, np.float64)
                total[1] += np.asarray(layer.moving_variance, np.float64)
        batches = len(order) // batch_size
        for (mean, variance), layer in zip(sums, layers):
            layer.moving_mean.assign((mean / batches).astype(np.float32))
            layer.moving_variance.assign((variance / batches).astype(np.float32))
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return batches


def _data_identity(data: EvalData) -> dict:
    return {
        "dataset": data.name,
        "train_split": data.train_split,
        "test_split": data.test_split,
        "image_key": data.image_key,
        "label_key": data.label_key,
        "max_train": data.max_train,
        "max_test": data.max_test,
    }


def train_sample_quality_classifier(
    data: EvalData,
    *,
    epochs: int = 5,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    widths: Sequence[int] = (32, 64, 128),
    batch_norm_images: int = 20_000,
) -> SampleQualityClassifier:
    """Trains the classifier whose features measure sample quality on `data`.

    The benchmarks' small conv encoder (`tfxlearn.nets.conv_encoder` with the
    data's image shape and `widths`, global average pooling) plus a linear
    head, trained with cross-entropy and Adam on the whole training split
    (`tfxlearn.evaluation.finetuning.train_classifier`); then the batch-norm
    statistics are recomputed on training images (`recalibrate_batch_norm`)
    and the test accuracy is measured on the test split. Runs
    `keras.utils.set_random_seed(seed)`.

    Args:
        data: the labelled dataset the generators are trained on.
        epochs: passes over the training split.
        batch_size: examples per step.
        learning_rate: Adam learning rate.
        seed: seed of the initialisation and shuffling.
        widths: filters of the encoder's conv blocks (the feature size is
            `widths[-1]`).
        batch_norm_images: training images used to recompute the batch-norm
            statistics after training (0: keep the moving averages).

    Returns:
        The trained `SampleQualityClassifier` (with `test_accuracy` and `metadata`).

    Raises:
        ValueError: a training argument out of range, or images that are not
            [n, H, W, C].
    """
    check_training_args(epochs, batch_size, learning_rate)
    if (
        isinstance(batch_norm_images, bool)
        or int(batch_norm_images) != batch_norm_images
        or (batch_norm_images < 0)
    ):
        raise ValueError(f"batch_norm_images must be an int >= 0, got {batch_norm_images!r}")
    widths = [int(w) for w in widths]
    images, labels = data.train
    if images.ndim != 4:
        raise ValueError(
            f"the training images of {data.name!r} must be [n, H, W, C], got shape {images.shape}"
        )
    start = time.perf_counter()
    keras.utils.set_random_seed(int(seed))
    encoder = conv_encoder(tuple(images.shape[1:]), widths=widths, name=ENCODER_NAME)
    model, steps = train_classifier(
        encoder,
        images,
        labels,
        data.num_classes,
        epochs=int(epochs),
        batch_size=int(batch_size),
        learning_rate=float(learning_rate),
        seed=int(seed),
    )
    recalibration_batches = 0
    if batch_norm_images:
        recalibration_batches = recalibrate_batch_norm(
            encoder,
            images,
            batch_size=int(batch_size),
            max_images=int(batch_norm_images),
            seed=int(seed),
        )
    train_seconds = time.perf_counter() - start
    metadata = {
        **_data_identity(data),
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "seed": int(seed),
        "widths": widths,
        "batch_norm_images": int(batch_norm_images),
        "batch_norm_batches": int(recalibration_batches),
        "num_classes": int(data.num_classes),
        "steps": int(steps),
        "train_seconds": train_seconds,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    classifier = SampleQualityClassifier(model, 0.0, metadata)
    test_images, test_labels = data.test
    predictions = np.argmax(classifier.probabilities(test_images), axis=1)
    classifier.test_accuracy = float(np.mean(predictions == test_labels))
    classifier.metadata["test_accuracy"] = classifier.test_accuracy
    logging.info(
        "sample-quality classifier on %s: test accuracy %.4f (%d steps, %.1f s)",
        data.name,
        classifier.test_accuracy,
        steps,
        train_seconds,
    )
    return classifier


def _cache_key(data: EvalData, kwargs: dict) -> dict:
    arguments = {
        "epochs": int(kwargs.get("epochs", 5)),
        "batch_size": int(kwargs.get("batch_size", 128)),
        "learning_rate": float(kwargs.get("learning_rate", 1e-3)),
        "seed": int(kwargs.get("seed", 0)),
        "widths": [int(w) for w in kwargs.get("widths", (32, 64, 128))],
        "batch_norm_images": int(kwargs.get("batch_norm_images", 20_000)),
    }
    return {**_data_identity(data), **arguments}


def load_or_train_sample_quality_classifier(
    data: EvalData, cache_dir: str, **kwargs
) -> SampleQualityClassifier:
    """The classifier for `data` and these arguments: loaded from `cache_dir` or trained once.

    The cache entry is `cache_dir/<dataset>-<hash>/`, the hash covering the
    dataset's name, splits, keys and limits and every training argument
    (defaults filled in), so changing any of them trains a new classifier.
    A fresh one is saved with `SampleQualityClassifier.save` (atomic files).

    Args:
        data: the labelled dataset.
        cache_dir: directory of the cache (created if needed).
        **kwargs: arguments of `train_sample_quality_classifier` (epochs,
            batch_size, learning_rate, seed, widths, batch_norm_images).

    Returns:
        The `SampleQualityClassifier`.

    Raises:
        ValueError: an unknown keyword argument.
    """
    known = {"epochs", "batch_size", "learning_rate", "seed", "widths", "batch_norm_images"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ValueError(
            f"unknown arguments {unknown}; train_sample_quality_classifier takes {sorted(known)}"
        )
    key = _cache_key(data, kwargs)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    directory = os.path.join(cache_dir, f"{data.name}-{digest}")
    if os.path.exists(os.path.join(directory, _METADATA_FILE)):
        classifier = SampleQualityClassifier.load(directory)
        if all(classifier.metadata.get(k) == v for k, v in key.items()):
            logging.info(
                "sample-quality classifier loaded from %s (test accuracy %.4f)",
                directory,
                classifier.test_accuracy,
            )
            return classifier
        logging.warning("%s holds a classifier trained with other arguments; retraining", directory)
    classifier = train_sample_quality_classifier(data, **kwargs)
    classifier.save(directory)
    return classifier


# --- The protocol ---------------------------------------------------------------------


def sample_quality(
    images,
    classifier: SampleQualityClassifier,
    reference_images,
    *,
    batch_size: int = 512,
) -> dict:
    """Fréchet distance and class entropy of `images` against real `reference_images`.

    Both sets go through `classifier` (penultimate-layer features and softmax
    probabilities); the issue's protocol uses 10,000 generated images and the
    10,000 test images.

    Args:
        images: [n, H, W, C] samples (n >= 2), uint8 in [0, 255] or float in [0, 1].
        classifier: the `SampleQualityClassifier` of the dataset.
        reference_images: [m, H, W, C] real images (m >= 2), same conventions.
        batch_size: images per forward pass.

    Returns:
        `{"frechet_distance", "class_entropy" (of `images`, nats), "max_entropy"
        (log K), "samples" (n), "reference_samples" (m),
        "reference_class_entropy"}`.

    Raises:
        ValueError: wrong shapes or value ranges, or fewer than 2 images in a set.
    """
    if not isinstance(classifier, SampleQualityClassifier):
        raise TypeError(
            f"classifier must be a SampleQualityClassifier, got {type(classifier).__name__}"
        )
    images = check_sample_images(images, classifier.input_shape, "images")
    reference_images = check_sample_images(
        reference_images, classifier.input_shape, "reference_images"
    )
    for array, name in ((images, "images"), (reference_images, "reference_images")):
        if len(array) < 2:
            raise ValueError(f"{name} has {len(array)} image(s): need at least 2")
    features, probabilities = classifier.features_and_probabilities(images, batch_size)
    reference, reference_probabilities = classifier.features_and_probabilities(
        reference_images, batch_size
    )
    return {
        "frechet_distance": frechet_distance(features, reference),
        "class_entropy": class_entropy(probabilities),
        "max_entropy": math.log(classifier.num_classes),
        "samples": int(len(images)),
        "reference_samples": int(len(reference_images)),
        "reference_class_entropy": class_entropy(reference_probabilities),
    }


def real_floor(
    classifier: SampleQualityClassifier,
    data: EvalData,
    samples: int = 10_000,
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> dict:
    """`sample_quality` of real training images against real test images: the floor.

    What a generator that reproduced the data distribution exactly would
    score with the same numbers of samples (the Fréchet distance of finite
    samples is not 0). `min(samples, training split size)` training images are
    drawn without replacement with `seed`; the first `min(samples, test split
    size)` test images are the reference, as for generated images.

    Args:
        classifier: the `SampleQualityClassifier` of the dataset.
        data: the dataset.
        samples: images from each split (>= 2).
        seed: seed of the draw of training images.
        batch_size: images per forward pass.

    Returns:
        The `sample_quality` dict (train images in the "samples" role).

    Raises:
        ValueError: `samples` < 2.
    """
    if isinstance(samples, bool) or int(samples) != samples or samples < 2:
        raise ValueError(f"samples must be an int >= 2, got {samples!r}")
    train_images = data.train[0]
    test_images = data.test[0]
    chosen = np.random.default_rng(seed).choice(
        len(train_images), min(int(samples), len(train_images)), replace=False
    )
    return sample_quality(
        train_images[np.sort(chosen)],
        classifier,
        test_images[: int(samples)],
        batch_size=batch_size,
    )
