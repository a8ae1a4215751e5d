"""Verification on classes an embedding never saw: ROC AUC, equal error rate and
one-shot N-way accuracy (the evaluation of Siamese networks, Koch, Zemel &
Salakhutdinov, "Siamese Neural Networks for One-shot Image Recognition", ICML
Deep Learning Workshop 2015; Schroff et al., FaceNet, CVPR 2015, section 5).

The encoder embeds the test images of the chosen `classes` (e.g. Fashion-MNIST
5-9 for an encoder trained on 0-4); features are L2-normalized (`normalize`),
so every encoder - a Siamese embedding, a classifier's penultimate layer, a
random network - is compared by the same cosine geometry.

- Verification pairs: `pairs` random pairs of distinct test images, half of one
  class and half of two classes (`verification_pairs`, seeded). Scored by the
  negative Euclidean distance (small distance = same class): `roc_auc` is the
  probability that a same-class pair is closer than an other-class pair;
  `equal_error_rate` the error at the threshold where false accepts equal
  false rejects (interpolated on the ROC curve).
- One-shot N-way (`one_shot_accuracy`): an episode draws N classes, one support
  image of each and one query of one of them (never the support image itself);
  the query takes the class of its nearest support. Chance is 1 / N.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import sklearn.metrics

from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import extract_features


def _check_1d(distances, same) -> tuple[np.ndarray, np.ndarray]:
    distances = np.asarray(distances, np.float64)
    same = np.asarray(same)
    if distances.ndim != 1 or same.shape != distances.shape:
        raise ValueError(
            f"distances and same must be 1-D of one length, got {distances.shape} and {same.shape}"
        )
    if not np.isfinite(distances).all():
        raise ValueError("distances must be finite")
    same = same.astype(bool)
    if same.all() or not same.any():
        raise ValueError("need both same-class and other-class pairs")
    return distances, same


def roc_auc(distances, same) -> float:
    """ROC AUC of verification by distance (smaller = same class): P(a same-class
    pair is closer than an other-class pair), ties counted half. 0.5 is chance."""
    distances, same = _check_1d(distances, same)
    return float(sklearn.metrics.roc_auc_score(same, -distances))


def equal_error_rate(distances, same) -> float:
    """The error rate at the distance threshold where the false-accept rate (other-class
    pairs below the threshold) equals the false-reject rate (same-class pairs above),
    linearly interpolated between the ROC curve's points. 0.5 is chance."""
    distances, same = _check_1d(distances, same)
    fpr, tpr, _ = sklearn.metrics.roc_curve(same, -distances)
    fnr = 1.0 - tpr
    diff = fpr - fnr  # increasing from -1 to 1 along the curve
    i = int(np.argmax(diff >= 0))
    if i == 0 or diff[i] == 0:
        return float(fpr[i])
    # Between points i-1 and i the difference crosses zero.
    t = -diff[i - 1] / (diff[i] - diff[i - 1])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def verification_pairs(labels, pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`pairs` index pairs [pairs, 2] of distinct examples, half of one class (first)
    and half of two classes, drawn with `seed`; and the bool same-class flags.

    Raises:
        ValueError: fewer than 2 classes, or no class with 2 examples.
    """
    labels = np.asarray(labels)
    pairs = int(pairs)
    if pairs < 2:
        raise ValueError(f"pairs must be >= 2, got {pairs}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"verification needs at least 2 classes, got {classes.tolist()}")
    usable = classes[counts >= 2]
    if len(usable) == 0:
        raise ValueError("verification needs a class with at least 2 examples")
    by_class = {c: np.flatnonzero(labels == c) for c in classes}
    positives = pairs // 2
    chosen = rng.choice(usable, size=positives)
    same = np.array([rng.choice(by_class[c], size=2, replace=False) for c in chosen])
    first = rng.integers(0, len(labels), size=pairs - positives)
    second = np.empty_like(first)
    for k, i in enumerate(first):
        others = np.flatnonzero(labels != labels[i])
        second[k] = rng.choice(others)
    different = np.stack([first, second], axis=1)
    index = np.concatenate([same.reshape(-1, 2), different])
    return index, np.concatenate([np.ones(positives, bool), np.zeros(len(different), bool)])


def one_shot_accuracy(
    embeddings, labels, ways: int = 5, episodes: int = 2000, seed: int = 0
) -> float:
    """Accuracy of one-shot `ways`-way classification by the nearest support embedding.

    Args:
        embeddings: [n, d] embeddings (compared by Euclidean distance).
        labels: [n] classes; at least `ways` classes, each used one with >= 2 examples.
        ways: N, the classes per episode.
        episodes: number of episodes.
        seed: seed of the episodes.

    Returns:
        The share of episodes whose query is assigned its own class.
    """
    embeddings = np.asarray(embeddings, np.float64)
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    classes = classes[counts >= 2]
    if int(ways) < 2 or len(classes) < int(ways):
        raise ValueError(
            f"one-shot {ways}-way needs ways >= 2 and at least {ways} classes with 2 "
            f"examples, got {len(classes)}"
        )
    if int(episodes) < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(labels == c) for c in classes]
    correct = 0
    for _ in range(int(episodes)):
        picked = rng.choice(len(classes), size=int(ways), replace=False)
        target = rng.integers(int(ways))
        support = np.empty(int(ways), int)
        for k, c in enumerate(picked):
            if k == target:
                support[k], query = rng.choice(by_class[c], size=2, replace=False)
            else:
                support[k] = rng.choice(by_class[c])
        distances = np.linalg.norm(embeddings[support] - embeddings[query], axis=1)
        correct += int(np.argmin(distances) == target)
    return correct / int(episodes)


def verification_metrics(
    embeddings, labels, *, pairs: int = 10_000, ways: int = 5, episodes: int = 2000, seed: int = 0
) -> dict:
    """ROC AUC, EER and one-shot accuracy of given embeddings (Euclidean distances)."""
    embeddings = np.asarray(embeddings, np.float64)
    index, same = verification_pairs(labels, pairs, seed)
    distances = np.linalg.norm(embeddings[index[:, 0]] - embeddings[index[:, 1]], axis=1)
    return {
        "roc_auc": roc_auc(distances, same),
        "eer": equal_error_rate(distances, same),
        "one_shot_accuracy": one_shot_accuracy(embeddings, labels, ways, episodes, seed),
        "ways": int(ways),
        "pairs": int(len(same)),
        "images": int(len(labels)),
    }


def verification(
    encoder: keras.Model,
    data: EvalData,
    *,
    classes: Sequence[int] | None = None,
    pairs: int = 10_000,
    ways: int = 5,
    episodes: int = 2000,
    normalize: bool = True,
    seed: int = 0,
    batch_size: int = 512,
) -> dict:
    """The verification protocol of an encoder on `data`'s test split.

    Args:
        encoder: images -> features (or embeddings).
        data: the labelled dataset; only its test split is read.
        classes: the classes evaluated (the ones the encoder never saw in
            training); None = every class of the test split.
        pairs, ways, episodes, seed: see `verification_metrics`.
        normalize: L2-normalize the features first (cosine geometry).
        batch_size: images per forward pass.

    Returns:
        `{"accuracy": one-shot accuracy (the column `compare` tables show),
        "one_shot_accuracy", "roc_auc", "eer", "ways", "pairs", "images"}`.
    """
    images, labels = data.test
    if classes is not None:
        classes = [int(c) for c in classes]
        missing = sorted(set(classes) - set(np.unique(labels).tolist()))
        if missing:
            raise ValueError(f"classes {missing} do not occur in the test split of {data.name!r}")
        keep = np.isin(labels, classes)
        images, labels = images[keep], labels[keep]
    features = extract_features(encoder, images, batch_size=batch_size).astype(np.float64)
    if normalize:
        features /= np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    metrics = verification_metrics(
        features, labels, pairs=pairs, ways=ways, episodes=episodes, seed=seed
    )
    return {"accuracy": metrics["one_shot_accuracy"], **metrics}
