"""Masked-token prediction of a masked language model against the unigram
baseline, on the same masked positions with the same token accounting.

Held-out texts are tokenized in the graph (`tfxlearn.data.text.token_sequences`,
as the model reads them, cut to its `max_length`), then the `masked_tokens`
pretext op's selection (`mask_tokens`) with a fixed seed picks ~`rate` of the
word tokens (unknown words included, the end never) and, for the evaluation,
replaces EVERY selected token by the mask id (no random or kept tokens: the
model sees nothing of the tokens it is scored on). Scores over the selected
tokens:

- accuracy: the share whose most probable class (the unknown word or one of
  the V words) is the hidden token;
- cross-entropy: the mean -log P(hidden token), natural log.

The unigram baseline predicts every hidden token from the training texts'
word-token counts alone (add-one smoothed over the V + 1 classes, the same
tokenization): its accuracy is the share of hidden tokens equal to the most
frequent class ("the" in English), its cross-entropy that of the smoothed
frequencies. A masked LM must beat both by using the context.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn.data.text import tokens
from tfxlearn.pretext.masked_tokens import mask_tokens


def _strings(texts) -> tf.Tensor:
    """A string tensor [n] of texts given as str or bytes (as EvalData holds them)."""
    return tf.constant([t if isinstance(t, bytes) else str(t) for t in texts], tf.string)


def _sequences(model, texts) -> tf.RaggedTensor:
    return model.text_tokens(_strings(texts))


def unigram_counts(model, texts, batch: int = 1024) -> np.ndarray:
    """Counts [V + 1] of the tokens (words or pieces; unknown = 0) of `texts`,
    tokenized like the model's inputs."""
    counts = np.zeros(len(model.vocabulary) + 1, np.float64)
    texts = np.asarray(texts)
    for start in range(0, len(texts), batch):
        words = tokens(_strings(texts[start : start + batch]), model.lookup, model.subwords)
        ids = model.lookup(words.flat_values).numpy()
        counts += np.bincount(ids, minlength=counts.size)[: counts.size]
    return counts


def masked_token_scores(
    model, train_texts, test_texts, *, seed: int = 0, rate: float = 0.15, batch: int = 256
) -> dict:
    """Masked-token accuracy and cross-entropy of `model` and of the unigram
    baseline on `test_texts` (see the module doc)."""
    for attribute in ("vocabulary", "max_length", "text_tokens", "lookup"):
        if not hasattr(model, attribute):
            raise ValueError(
                "masked-token evaluation needs a masked language model (vocabulary, "
                f"max_length, text_tokens, lookup); {type(model).__name__} has no {attribute}"
            )
    size = len(model.vocabulary)
    counts = unigram_counts(model, train_texts) + 1.0
    unigram = np.log(counts / counts.sum())
    test_texts = np.asarray(test_texts)
    targets_all, model_log_probs, model_correct = [], [], []
    for i, start in enumerate(range(0, len(test_texts), batch)):
        sequences = _sequences(model, test_texts[start : start + batch])
        masked = mask_tokens(
            sequences,
            tf.constant([seed, i], tf.int64),
            size,
            model.max_length,
            rate=rate,
            mask_share=1.0,
            random_share=0.0,
        )
        targets = masked["targets"].numpy()
        selected = targets >= 0
        if not selected.any():
            continue
        logits = model(masked["inputs"], training=False).numpy()[selected]
        log_probs = tf.nn.log_softmax(logits, axis=-1).numpy()
        hidden = targets[selected]
        targets_all.append(hidden)
        model_log_probs.append(log_probs[np.arange(len(hidden)), hidden])
        model_correct.append(log_probs.argmax(-1) == hidden)
    if not targets_all:
        raise ValueError("masked-token evaluation: no word token was selected in test_texts")
    hidden = np.concatenate(targets_all)
    model_accuracy = float(np.concatenate(model_correct).mean())
    unigram_accuracy = float(np.mean(hidden == int(np.argmax(counts))))
    return {
        "model_accuracy": model_accuracy,
        "unigram_accuracy": unigram_accuracy,
        "accuracy_gain": model_accuracy - unigram_accuracy,
        "model_cross_entropy": float(-np.concatenate(model_log_probs).mean()),
        "unigram_cross_entropy": float(-unigram[hidden].mean()),
        "masked_tokens": int(hidden.size),
        "test_texts": int(len(test_texts)),
        "vocabulary_size": size,
    }


def masked_token_protocol(model, data, *, seed: int = 0, rate: float = 0.15) -> dict:
    """Model protocol `masked_tokens`: `masked_token_scores` on an `EvalData` of
    texts (its `image_key` a text feature, e.g. "en" of `bible_verses`): the
    unigram counted on the training split, both scored on the test split."""
    train_texts, _ = data.train
    test_texts, _ = data.test
    return masked_token_scores(model, train_texts, test_texts, seed=seed, rate=rate)
