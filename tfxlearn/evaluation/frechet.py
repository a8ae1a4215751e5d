"""Fréchet distance between Gaussians fitted to two feature sets, and class entropy.

The Fréchet distance (Heusel et al., "GANs Trained by a Two Time-Scale Update
Rule Converge to a Local Nash Equilibrium", NIPS 2017: the FID, computed here
in any feature space) compares generated with real images; the entropy of the
mean predicted class distribution measures their diversity (at most log K).
`tfxlearn.evaluation.generative` uses both in the features of a
`SampleQualityClassifier`.

    frechet_distance(features_a, features_b)
    class_entropy(probabilities)
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import scipy.special
from absl import logging


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
