"""Protocols that evaluate a whole trained paradigm, not only its encoder.

The encoder protocols (`compare`: linear probe, kNN, low-shot, ...) judge a
representation. Generative and semi-supervised paradigms also have a product
of their own: samples, a likelihood bound, a classifier, discovered codes.
Each model protocol takes `(model, data, *, seed, **args)` and returns a flat
dict of numbers; it calls a documented method of the paradigm:

- `sample_quality` (`sample(count, seed)`): Fréchet distance and class
  entropy of `samples` generated images against as many test images, the
  real-vs-real floor (train vs test images) and their ratio.
- `negative_elbo` (`negative_elbo(images)`): the test split's negative ELBO,
  nats per image.
- `classification` (`classify(images)`): test accuracy / error of the
  paradigm's own classifier.
- `code_clustering` (`infer_codes(images)["categorical"]`): how well a
  categorical latent code clusters the classes (best code-to-class matching
  accuracy, purity, NMI).
- `latent_clustering` (`encode(images)`): k-means / Gaussian-mixture clusters
  of the codes against PCA codes of the same size (purity, NMI, accuracy).
- `anomaly` (`reconstruct(images)`): ROC AUC of reconstruction-error anomaly
  scores on the test split for a class left out of training (pipelines:
  `dataset.exclude_classes`).
- `robust_accuracy` (`model(images)` -> class logits, differentiable): test
  accuracy clean and under FGSM / PGD L-inf attacks at several radii
  (`tfxlearn.attacks`).
- `text_translation` (a `dual_translation` model's greedy translations):
  sacreBLEU BLEU and chrF of both directions on the test split's verses.
- `translation` (`translate(images, direction)`, `reconstruct(images,
  direction)`): an unpaired translation from a labelled source domain to the
  dataset (CycleGAN): the dataset's classifier on translated vs real images,
  Fréchet distances translated / untranslated, cycle L1
  (`evaluation/translation.py`).
- `refinement` (`refine(images)`, `realism(images)`): a refiner of a labelled
  synthetic source towards the dataset (SimGAN): the `translation` scores of
  the refined images without the cycle term, the mean per-pixel change
  |refined - synthetic| (0: the refiner returns its input unchanged) and the
  model's own realism (its discriminator's mean probability of "real") of the
  refined and of the unrefined images.
- `paired_translation` (`translate(images)`): a paired translation from Canny
  edge maps of the dataset's test images back to the images (pix2pix): L1 and
  SSIM to the true images, the Fréchet distance to the real test images, the
  dataset's classifier on translated vs real images
  (`evaluation/translation.py`).
- `word_similarity` (`vocabulary`, `word_vectors()`): Spearman on WordSim353
  and SimLex-999, Google analogy accuracy, with out-of-vocabulary rates
  (`evaluation/word_similarity.py`).
- `style_transfer` (`style_losses(images)`): the perceptual loss terms (style,
  content, total variation, weighted total) of the stylized test images next
  to those of the unchanged images ("before") and of the style image in their
  place; the style loss after / before, the content loss relative to the style
  image's, and the larger of the two (`transfer_ratio`).
- `perplexity` (`vocabulary`, `max_length`, `token_log_probs(inputs, targets)`):
  a language model's test-split perplexity against an interpolated modified
  Kneser-Ney n-gram model counted on the training split, same tokens
  (`evaluation/perplexity.py`).
- `attribute_blindness` (`classify(features)`, `attribute_logits(features)`):
  test task accuracy, the model's own adversary's balanced accuracy on a
  binary sensitive attribute of the dataset (`attribute`, e.g. "sex"; chance
  0.5) and the equal-opportunity and demographic-parity gaps of the task
  predictions between its groups (`evaluation/fairness.py`).
- `attention_mask` (`attention(images, direction)`): IoU of the thresholded
  attention map against a dataset's stored change mask (`textured_digits`),
  and the mean attention on and off the mask (`evaluation/attention_masks.py`).

    evaluation.model_protocol("negative_elbo")(vae, EvalData("fashion_mnist"), seed=0)
"""

from __future__ import annotations

import os
from collections.abc import Callable

import keras
import numpy as np

from tfxlearn import attacks as tfx_attacks
from tfxlearn import data as tfx_data
from tfxlearn.evaluation.anomaly_detection import held_out_class_anomaly_auc
from tfxlearn.evaluation.audio_visual import correspondence, retrieval
from tfxlearn.evaluation.cluster_scores import (
    best_matching_accuracy,
    cluster_purity,
    normalized_mutual_information,
)
from tfxlearn.evaluation.clustering import cluster_codes, pca_codes
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.fairness import attribute_blindness
from tfxlearn.evaluation.frame_prediction import frame_prediction
from tfxlearn.evaluation.generative import real_floor
from tfxlearn.evaluation.generative import sample_quality as generated_sample_quality
from tfxlearn.evaluation.masked_tokens import masked_token_protocol
from tfxlearn.evaluation.perplexity import perplexity_protocol
from tfxlearn.evaluation.sample_quality_classifier import load_or_train_sample_quality_classifier
from tfxlearn.evaluation.synchronization import synchronization
from tfxlearn.evaluation.text_translation import text_translation_protocol
from tfxlearn.evaluation.translation import (
    paired_translation_scores,
    source_arrays,
    translation_scores,
)
from tfxlearn.evaluation.word_similarity import word_similarity
from tfxlearn.pretext.edge_pairs import canny_edges

DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "tfxlearn")


def _require(model: keras.Model, method: str, protocol: str) -> Callable:
    fn = getattr(model, method, None)
    if not callable(fn):
        raise ValueError(
            f"model protocol {protocol!r} needs a paradigm with a {method}() method; "
            f"{type(model).__name__} has none"
        )
    return fn


def _float_images(images: np.ndarray) -> np.ndarray:
    return tfx_data.to_float_images(images).numpy() if images.dtype == np.uint8 else images


def _test_images(data: EvalData, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    images, labels = data.test
    if limit is not None:
        images, labels = images[: int(limit)], labels[: int(limit)]
    return _float_images(images), labels


def sample_quality(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    samples: int = 10_000,
    classifier_epochs: int = 5,
    cache_dir: str | None = None,
) -> dict:
    """Fréchet distance / class entropy of generated images, with the real floor.

    The sample-quality classifier (`load_or_train_sample_quality_classifier`)
    is trained once per dataset and cached in `cache_dir` (default
    `$TFXLEARN_CACHE` or `~/.cache/tfxlearn`, under `sample_quality/`).
    """
    sample = _require(model, "sample", "sample_quality")
    classifier = _dataset_classifier(data, cache_dir, classifier_epochs)
    images = np.asarray(sample(int(samples), seed=int(seed)))
    reference, _ = data.test
    result = generated_sample_quality(images, classifier, reference[: int(samples)])
    floor = real_floor(classifier, data, samples=int(samples), seed=int(seed))
    return {
        **result,
        "real_floor": floor["frechet_distance"],
        "fd_ratio_to_floor": result["frechet_distance"] / floor["frechet_distance"],
        "classifier_test_accuracy": classifier.test_accuracy,
    }


def negative_elbo(
    model: keras.Model, data: EvalData, *, seed: int = 0, max_images: int | None = None
) -> dict:
    """The model's negative ELBO on the test split (nats per image) and its latent size."""
    del seed
    bound = _require(model, "negative_elbo", "negative_elbo")
    images, _ = _test_images(data, max_images)
    return {
        "negative_elbo_nats": float(bound(images)),
        "latent_dim": int(getattr(model, "latent_dim", -1)),
        "images": int(len(images)),
    }


def classification(model: keras.Model, data: EvalData, *, seed: int = 0) -> dict:
    """Test accuracy of the paradigm's own classifier (`classify(images) -> logits`)."""
    del seed
    classify = _require(model, "classify", "classification")
    images, labels = _test_images(data)
    predicted = np.argmax(np.asarray(classify(images)), axis=-1)
    accuracy = float(np.mean(predicted == labels))
    return {"accuracy": accuracy, "error": 1.0 - accuracy, "images": int(len(labels))}


def code_clustering(model: keras.Model, data: EvalData, *, seed: int = 0) -> dict:
    """How well the categorical code (`infer_codes(images)["categorical"]`) clusters classes."""
    del seed
    infer = _require(model, "infer_codes", "code_clustering")
    images, labels = _test_images(data)
    codes = np.argmax(np.asarray(infer(images)["categorical"]), axis=-1)
    return {
        "accuracy": best_matching_accuracy(labels, codes),
        "purity": cluster_purity(labels, codes),
        "nmi": normalized_mutual_information(labels, codes),
        "codes_used": int(len(np.unique(codes))),
    }


def latent_clustering(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    methods: tuple = ("kmeans", "gmm"),
    max_train: int | None = 10_000,
    covariance_type: str = "diag",
) -> dict:
    """Clusters of the model's codes (`encode(images)`) and, as the linear baseline, of
    PCA codes of the same size, fitted on (up to `max_train`) training images and
    scored on the test split: `{"<method>_<metric>", "pca_<method>_<metric>"}`."""
    encode = _require(model, "encode", "latent_clustering")
    train_images, _ = data.train
    if max_train is not None:
        train_images = train_images[: int(max_train)]
    train_images = _float_images(train_images)
    test_images, test_labels = _test_images(data)
    train_codes, test_codes = np.asarray(encode(train_images)), np.asarray(encode(test_images))
    pca_train, pca_test = pca_codes(train_images, test_images, train_codes.shape[-1], seed=seed)
    out = {"code_dim": int(train_codes.shape[-1])}
    for method in methods:
        for prefix, (train, test) in (
            ("", (train_codes, test_codes)),
            ("pca_", (pca_train, pca_test)),
        ):
            scores = cluster_codes(
                train,
                test,
                test_labels,
                data.num_classes,
                method=method,
                covariance_type=covariance_type,
                seed=seed,
            )
            out.update({f"{prefix}{method}_{k}": v for k, v in scores.items()})
    return out


def anomaly(model: keras.Model, data: EvalData, *, seed: int = 0, held_out_class: int = 0) -> dict:
    """Reconstruction-error anomaly scores of the test split, the held-out class being the
    anomaly (`clustering.held_out_class_anomaly_auc`); train with that class excluded."""
    del seed
    reconstruct = _require(model, "reconstruct", "anomaly")
    images, labels = data.test
    return held_out_class_anomaly_auc(reconstruct, images, labels, int(held_out_class))


def robust_accuracy(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    eps: tuple = (0.05, 0.1, 0.2),
    attacks: tuple = ("fgsm", "pgd"),
    steps: int = 20,
    restarts: int = 1,
    max_examples: int | None = None,
    batch_size: int = 500,
) -> dict:
    """Test accuracy of the model's classifier (`model(images, training=False)` ->
    class logits) clean and under each attack at each radius
    (`tfxlearn.attacks.robust_accuracy`; PGD with a random start, `steps` steps of
    2.5 * eps / steps, `restarts` starts): `{"clean_accuracy", "<attack>@<eps>",
    "examples"}`, e.g. "pgd@0.1". An example counts as robust when it is
    classified correctly both clean and attacked."""
    if isinstance(attacks, str):
        attacks = (attacks,)
    unknown = [a for a in attacks if a not in tfx_attacks.ATTACKS]
    if unknown or not attacks:
        raise ValueError(
            f"robust_accuracy attacks must be among {tfx_attacks.ATTACKS}, got {list(attacks)}"
        )
    images, labels = _test_images(data, max_examples)
    out: dict = {}
    for attack in attacks:
        result = tfx_attacks.robust_accuracy(
            model,
            (images, labels),
            list(eps),
            attack=attack,
            steps=steps,
            restarts=restarts,
            seed=seed,
            batch_size=batch_size,
        )
        out["clean_accuracy"] = result["clean_accuracy"]
        for radius, accuracy in zip(result["eps"], result["robust_accuracy"]):
            out[f"{attack}@{radius:g}"] = accuracy
    out["examples"] = int(len(labels))
    return out


def style_transfer(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    max_images: int | None = None,
    batch_size: int = 32,
) -> dict:
    """Mean perceptual-loss terms of the stylized test images, of the images
    themselves (`identity_*`, content loss 0) and of the style image in their
    place (`style_image_*`); `style_ratio`: the style loss after / before
    stylization; `content_ratio`: the content loss of the stylized images / that
    of the style image (near 1 for a network that paints the style whatever the
    input); `transfer_ratio`: the larger of the two (both must be small for a
    transfer that keeps the content); `loss_ratio`: the total loss after / before."""
    del seed
    losses = _require(model, "style_losses", "style_transfer")
    images, _ = _test_images(data, max_images)
    terms = losses(images, batch_size=int(batch_size))
    out = {key: float(np.mean(values)) for key, values in terms.items()}
    out["style_ratio"] = out["style"] / max(out["identity_style"], 1e-30)
    out["content_ratio"] = out["content"] / max(out["style_image_content"], 1e-30)
    out["transfer_ratio"] = max(out["style_ratio"], out["content_ratio"])
    out["loss_ratio"] = out["loss"] / max(out["identity_loss"], 1e-30)
    out["images"] = int(len(images))
    return out


def _dataset_classifier(data: EvalData, cache_dir: str | None, epochs: int) -> keras.Model:
    """The classifier of `data` trained on its training split, cached as for `sample_quality`."""
    cache_dir = cache_dir or os.environ.get("TFXLEARN_CACHE", DEFAULT_CACHE)
    return load_or_train_sample_quality_classifier(
        data, os.path.join(cache_dir, "sample_quality"), epochs=int(epochs), seed=0
    )


def translation(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    source: str = "font_digits",
    source_split: str = "test",
    direction: str = "a_to_b",
    max_source: int | None = None,
    classifier_epochs: int = 5,
    cache_dir: str | None = None,
) -> dict:
    """`evaluation.translation.translation_scores` of `model.translate` /
    `model.reconstruct` in `direction` from `source`'s `source_split` (resized to
    `data.image_size`) to `data`, the target: its classifier
    (`load_or_train_sample_quality_classifier`, cached as for `sample_quality`)
    is trained on `data`'s training split, its real accuracy and the Fréchet
    reference come from `data`'s test split. Deterministic (whole splits)."""
    del seed
    translate = _require(model, "translate", "translation")
    reconstruct = _require(model, "reconstruct", "translation")
    classifier = _dataset_classifier(data, cache_dir, classifier_epochs)
    arrays = source_arrays(
        source, source_split, data.image_size, max_images=max_source, data_dir=data.data_dir
    )
    return translation_scores(
        lambda x: translate(x, direction),
        lambda x: reconstruct(x, direction),
        classifier,
        arrays,
        data.test[0],
        data.train[0],
    )


def refinement(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    source: str = "font_digits",
    source_split: str = "test",
    max_source: int | None = None,
    classifier_epochs: int = 5,
    cache_dir: str | None = None,
) -> dict:
    """The `translation` scores of `model.refine` from `source` to `data` (no cycle
    term), plus `mean_change` (mean per-pixel |refine(x) - x|) and
    `realism_refined` / `realism_unrefined` (`model.realism`, the mean probability of
    "real"). Deterministic (whole splits)."""
    del seed
    refine = _require(model, "refine", "refinement")
    realism = _require(model, "realism", "refinement")
    classifier = _dataset_classifier(data, cache_dir, classifier_epochs)
    images, labels = source_arrays(
        source, source_split, data.image_size, max_images=max_source, data_dir=data.data_dir
    )
    refined = np.asarray(refine(images), np.float32)
    out = translation_scores(
        lambda x: refined, lambda x: x, classifier, (images, labels), data.test[0], data.train[0]
    )
    out.pop("cycle_l1")
    out["mean_change"] = float(np.mean(np.abs(refined - images)))
    out["realism_refined"] = float(np.mean(realism(refined)))
    out["realism_unrefined"] = float(np.mean(realism(images)))
    return out


def paired_translation(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    edges: dict | None = None,
    max_images: int | None = None,
    classifier_epochs: int = 5,
    cache_dir: str | None = None,
) -> dict:
    """`evaluation.translation.paired_translation_scores` of `model.translate` on the
    Canny edge maps (`tfxlearn.pretext.canny_edges`, options `edges`: sigma,
    low_threshold, high_threshold, as in training) of `data`'s test images (the
    first `max_images`), against those images and their labels; the classifier
    (`load_or_train_sample_quality_classifier`, cached as for `sample_quality`)
    is trained on `data`'s training split. Deterministic."""
    del seed
    translate = _require(model, "translate", "paired_translation")
    classifier = _dataset_classifier(data, cache_dir, classifier_epochs)
    images, labels = _test_images(data, max_images)
    inputs = canny_edges(images, **(edges or {})).numpy()
    return paired_translation_scores(translate, classifier, inputs, (images, labels), data.train[0])


def attention_mask(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    dataset: str = "textured_digits",
    split: str = "test",
    direction: str = "b_to_a",
    threshold: float = 0.5,
    max_images: int | None = None,
) -> dict:
    """`iou`: `evaluation.attention_masks.mask_iou` of `model.attention(images,
    direction) > threshold` against the stored `mask` of `dataset`'s `split` (the
    first `max_images`); `attention_inside` / `attention_outside`: the mean
    attention on and off the mask; `images`. Deterministic. (`data` is unused: the
    masks come from `dataset`.)"""
    del seed, data
    from tfxlearn.evaluation.attention_masks import mask_iou, masked_images

    attention = _require(model, "attention", "attention_mask")
    images, masks = masked_images(dataset, split, max_images)
    maps = np.asarray(attention(images, direction), np.float32)
    return {
        "iou": mask_iou(maps > float(threshold), masks),
        "attention_inside": float(maps[masks].mean()),
        "attention_outside": float(maps[~masks].mean()),
        "images": int(len(images)),
    }


MODEL_PROTOCOLS: dict[str, Callable[..., dict]] = {
    "sample_quality": sample_quality,
    "negative_elbo": negative_elbo,
    "classification": classification,
    "code_clustering": code_clustering,
    "latent_clustering": latent_clustering,
    "anomaly": anomaly,
    "frame_prediction": frame_prediction,
    "correspondence": correspondence,
    "retrieval": retrieval,
    "synchronization": synchronization,
    "robust_accuracy": robust_accuracy,
    "word_similarity": word_similarity,
    "style_transfer": style_transfer,
    "perplexity": perplexity_protocol,
    "masked_tokens": masked_token_protocol,
    "translation": translation,
    "refinement": refinement,
    "paired_translation": paired_translation,
    "attribute_blindness": attribute_blindness,
    "text_translation": text_translation_protocol,
    "attention_mask": attention_mask,
}


def model_protocol(name: str) -> Callable[..., dict]:
    """The model protocol called `name`; a clear error listing the known ones."""
    if name not in MODEL_PROTOCOLS:
        raise ValueError(
            f"unknown model protocol {name!r}; known: {', '.join(sorted(MODEL_PROTOCOLS))}"
        )
    return MODEL_PROTOCOLS[name]


def format_model_results(results: dict) -> str:
    """`{protocol: {metric: value}}` as plain text, like `comparison.format_table`:
    per protocol, its name, then one indented line per metric with the names
    left-aligned and the values right-aligned (floats to 4 significant digits)."""
    blocks = []
    for protocol, metrics in results.items():
        rows = [
            (str(key), f"{value:.4g}" if isinstance(value, float) else str(value))
            for key, value in metrics.items()
        ]
        name_width = max((len(k) for k, _ in rows), default=0)
        value_width = max((len(v) for _, v in rows), default=0)
        lines = [str(protocol)]
        lines += [f"  {k.ljust(name_width)}  {v.rjust(value_width)}" for k, v in rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
