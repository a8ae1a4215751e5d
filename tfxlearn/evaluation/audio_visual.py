"""Model protocols of the audio-visual paradigms (L3-Net, AVE-Net).

Both run on the evaluation dataset's test split, whose voices never occur in
training on `spoken_digits_av` (held-out speakers), and need a paradigm with
`embed_images(images)`, `embed_audio(audio)` and `pair_logits(image embeddings,
audio embeddings) -> [N, 2]` (see
`tfxlearn.paradigms.self_supervised.l3_net.AudioVisualPairClassifier`).

- `correspondence`: accuracy of the "does this sound belong to this image?"
  decision (chance 50%) on 2N deterministic pairs: every test example with its
  own audio (matched) and with the audio of one example of a *different digit*
  (mismatched, the semantic negative), drawn with `numpy.random.default_rng(seed)`.
  It also reports the accuracy with the training op's negatives - any other
  example, ~10% of which say the same digit and are false negatives that no
  model can tell apart - and that false-negative rate.
- `retrieval`: nDCG@k and recall@k (relevance = same digit) for image->image,
  image->audio, audio->image and audio->audio retrieval over the test split,
  each beside its chance level from the same code with random scores
  (`tfxlearn.evaluation.retrieval`), as in "Objects that Sound" (ECCV 2018).
  Cross-modal scores are the model's own correspondence score (logit "match"
  minus "mismatch" over all image/audio pairs: for AVE-Net an affine function
  of the embedding distance, for L3-Net the fusion MLP); within a modality the
  cosine similarity of the embeddings (for AVE-Net's unit vectors the same
  ranking as the Euclidean distance), the query itself excluded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.retrieval import chance_metrics, retrieval_metrics

_METHODS = ("embed_images", "embed_audio", "pair_logits")


def _require(model: keras.Model, protocol: str) -> None:
    missing = [m for m in _METHODS if not callable(getattr(model, m, None))]
    if missing:
        raise ValueError(
            f"model protocol {protocol!r} needs an audio-visual paradigm with "
            f"{', '.join(_METHODS)}(); {type(model).__name__} lacks {', '.join(missing)}"
        )


def load_test_pairs(
    data: EvalData, image_key: str = "image", audio_key: str = "audio"
) -> dict[str, np.ndarray]:
    """The test split's float images [N, H, W, C] in [0, 1], audio [N, samples] and
    labels [N] (`data.label_key`), in stored order (`data.max_test` applies)."""
    ds = tfx_data.load(data.name, data.test_split, data_dir=data.data_dir)
    missing = sorted({image_key, audio_key, data.label_key} - set(ds.element_spec))
    if missing:
        raise ValueError(
            f"the audio-visual protocols need the features {image_key!r}, {audio_key!r} and "
            f"{data.label_key!r}; dataset {data.name!r} lacks {missing}"
        )
    if data.max_test is not None:
        ds = ds.take(int(data.max_test))
    keys = (image_key, audio_key, data.label_key)
    ds = ds.map(lambda ex: {k: ex[k] for k in keys})
    batches = list(ds.batch(1024).as_numpy_iterator())
    if not batches:
        raise ValueError(f"the test split of {data.name!r} is empty")
    images = np.concatenate([b[image_key] for b in batches])
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    return {
        "images": images.astype(np.float32),
        "audio": np.concatenate([b[audio_key] for b in batches]).astype(np.float32),
        "labels": np.concatenate([b[data.label_key] for b in batches]).astype(np.int64),
    }


def _batched(fn: Callable, array: np.ndarray, batch_size: int) -> np.ndarray:
    return np.concatenate(
        [
            np.asarray(fn(tf.constant(array[i : i + batch_size]), training=False))
            for i in range(0, len(array), batch_size)
        ]
    )


def embeddings(model, pairs: dict, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(image embeddings, audio embeddings) of `load_test_pairs` output."""
    return (
        _batched(model.embed_images, pairs["images"], batch_size),
        _batched(model.embed_audio, pairs["audio"], batch_size),
    )


def negative_partners(labels: np.ndarray, seed: int, semantic: bool) -> np.ndarray:
    """For each example, the index of the example whose audio it is paired with
    as a negative: uniformly among the examples of another label (`semantic`),
    else among all other examples. Deterministic given `seed`."""
    labels = np.asarray(labels)
    n = len(labels)
    if n < 2:
        raise ValueError("need at least 2 examples to make mismatched pairs")
    rng = np.random.default_rng([int(seed), 5])
    partners = np.empty(n, np.int64)
    for i in range(n):
        candidates = np.flatnonzero(labels != labels[i]) if semantic else np.delete(np.arange(n), i)
        if len(candidates) == 0:
            raise ValueError("semantic negatives need at least two distinct labels")
        partners[i] = candidates[rng.integers(len(candidates))]
    return partners


def _predict(model, image_emb, audio_emb) -> np.ndarray:
    logits = model.pair_logits(tf.constant(image_emb), tf.constant(audio_emb), training=False)
    return np.argmax(np.asarray(logits), axis=-1)


def correspondence(
    model: keras.Model, data: EvalData, *, seed: int = 0, batch_size: int = 256
) -> dict:
    """Correspondence accuracy on matched / mismatched test pairs (see module doc)."""
    _require(model, "correspondence")
    pairs = load_test_pairs(data)
    labels = pairs["labels"]
    image_emb, audio_emb = embeddings(model, pairs, batch_size)
    matched = _predict(model, image_emb, audio_emb) == 1
    semantic = negative_partners(labels, seed, semantic=True)
    rejected = _predict(model, image_emb, audio_emb[semantic]) == 0
    anyone = negative_partners(labels, seed, semantic=False)
    rejected_any = _predict(model, image_emb, audio_emb[anyone]) == 0
    false_negative = labels[anyone] == labels
    return {
        "accuracy": float(np.concatenate([matched, rejected]).mean()),
        "matched_accuracy": float(matched.mean()),
        "mismatched_accuracy": float(rejected.mean()),
        "random_negatives_accuracy": float(np.concatenate([matched, rejected_any]).mean()),
        "random_negatives_false_negative_rate": float(false_negative.mean()),
        "chance": 0.5,
        "pairs": int(2 * len(labels)),
    }


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a @ b.T


def cross_modal_scores(model, image_emb: np.ndarray, audio_emb: np.ndarray) -> np.ndarray:
    """[n_images, n_audio] correspondence scores: the model's `cross_modal_scores`
    if it has one, else logit "match" minus "mismatch" of every pair."""
    if callable(getattr(model, "cross_modal_scores", None)):
        return np.asarray(model.cross_modal_scores(image_emb, audio_emb))
    rows = []
    for i in range(len(image_emb)):
        left = np.repeat(image_emb[i : i + 1], len(audio_emb), axis=0)
        logits = np.asarray(model.pair_logits(tf.constant(left), tf.constant(audio_emb)))
        rows.append(logits[:, 1] - logits[:, 0])
    return np.stack(rows)


def retrieval(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    ndcg_k: int | None = 30,
    ks: Sequence[int] = (1, 5, 10),
    chance_draws: int = 10,
    batch_size: int = 256,
) -> dict:
    """im-im, im-aud, aud-im, aud-aud nDCG@k and recall@k beside their chance
    levels: `{"<task>_ndcg@30", "<task>_recall@1", ..., "chance_<task>_..."}` and
    `<task>_queries`, the queries with a relevant item (a task without any - one
    test example per class - reports only that)."""
    _require(model, "retrieval")
    pairs = load_test_pairs(data)
    labels = pairs["labels"]
    image_emb, audio_emb = embeddings(model, pairs, batch_size)
    cross = cross_modal_scores(model, image_emb, audio_emb)
    tasks = {
        "im-im": (_cosine(image_emb, image_emb), True),
        "im-aud": (cross, False),
        "aud-im": (cross.T, False),
        "aud-aud": (_cosine(audio_emb, audio_emb), True),
    }
    out: dict = {}
    for task, (scores, exclude_self) in tasks.items():
        same = labels[:, None] == labels[None, :]
        if exclude_self:
            np.fill_diagonal(same, False)
        out[f"{task}_queries"] = int(same.any(axis=1).sum())  # queries with a relevant item
        if not out[f"{task}_queries"]:  # e.g. one example per class (tiny data)
            continue
        args = {"ndcg_k": ndcg_k, "ks": tuple(ks), "exclude_self": exclude_self}
        metrics = retrieval_metrics(scores, labels, labels, **args)
        chance = chance_metrics(labels, labels, draws=chance_draws, seed=seed, **args)
        out.update({f"{task}_{k}": v for k, v in metrics.items()})
        out.update({f"chance_{task}_{k}": v for k, v in chance.items()})
    out["examples"] = int(len(labels))
    return out


__all__ = [
    "load_test_pairs",
    "embeddings",
    "negative_partners",
    "correspondence",
    "cross_modal_scores",
    "retrieval",
]
