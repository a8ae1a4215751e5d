"""Held-out perplexity of a language model and of its Kneser-Ney n-gram
baseline, on the same tokens with the same accounting.

Token accounting (identical for both models): each text is tokenized on the
Python side (`python_token_sequences`: the graph's `standardize` / `tokenize`
(and, for a subword vocabulary, `wordpiece`) ops run eagerly, then a Python
dict maps tokens to ids), giving its tokens' ids
(an out-of-vocabulary word is the unknown id 0, predicted like any word) and
the end-of-text id E = V + 1. Every one of these tokens is predicted, the
end-of-text token INCLUDED (so a text of n words counts n + 1 tokens); the
first token is predicted from the start alone (the model's first input E, the
n-gram model's n - 1 start symbols E). Perplexity = exp(-(1 / N) sum log P),
N the number of predicted tokens over all texts. Both models predict the same
V + 2 classes, so the unknown token's probability counts the same way in both
(a large vocabulary cut-off would make both perplexities smaller: compare only
numbers made with the same vocabulary, which the report states).

Texts longer than the model's `max_length` tokens are scored in overlapping
windows (`model_token_log_probs`): the first window scores its `max_length`
tokens, each next one is shifted by `stride` tokens and scores only its last
`stride` tokens, so every token is scored exactly once with at least
`max_length - stride` tokens of context (the n-gram model always sees its n - 1).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from tfxlearn.data.subword import is_subword
from tfxlearn.data.text import end_id, id_table, tokens
from tfxlearn.evaluation.kneser_ney import KneserNey


def python_token_sequences(texts, words) -> list[np.ndarray]:
    """Each text's token ids (int32: words, or their WordPiece pieces when
    `words` is a subword vocabulary; 0 when unknown; then E = V + 1), with the
    vocabulary `words` (entry i -> i + 1) looked up in Python."""
    index = {w: i + 1 for i, w in enumerate(words)}
    end = end_id(len(words))
    subwords = is_subword(words)
    table = id_table(words) if subwords else None
    out = []
    texts = np.asarray(texts, dtype=object)
    for start in range(0, len(texts), 4096):
        batch = tokens(
            tf.constant(texts[start : start + 4096].tolist(), tf.string), table, subwords
        )
        for row in batch.to_list():
            ids = [index.get(w.decode("utf-8"), 0) for w in row]
            out.append(np.asarray([*ids, end], np.int32))
    return out


def _windows(length: int, max_length: int, stride: int) -> list[tuple[int, int]]:
    """(window end, first scored position) pairs covering positions 0..length-1."""
    if length <= max_length:
        return [(length, 0)]
    out = [(max_length, 0)]
    scored = max_length
    while scored < length:
        end = min(scored + stride, length)
        out.append((end, scored))
        scored = end
    return out


def model_token_log_probs(
    model, sequences, *, stride: int | None = None, batch_size: int = 64
) -> list[np.ndarray]:
    """log P(token | the tokens before it in its text) for every token of each
    sequence (float64 arrays), from `model.token_log_probs(inputs, targets)`
    over windows of `model.max_length` (long texts: see the module doc).

    Args:
        model: a `language_model` paradigm (or anything with `max_length`,
            `end_id` and `token_log_probs`).
        sequences: token id arrays, each ending with the end-of-text id.
        stride: new tokens per further window of a long text (default
            max_length // 2).
    """
    length = int(model.max_length)
    stride = length // 2 if stride is None else int(stride)
    if not 1 <= stride <= length - 1:
        raise ValueError(f"stride must be in [1, max_length - 1 = {length - 1}], got {stride}")
    end = int(model.end_id)
    jobs = []  # (sequence index, window start, window end, first scored)
    for i, sequence in enumerate(sequences):
        if len(sequence) == 0:
            raise ValueError(f"sequence {i} is empty: every text ends with the end-of-text id")
        for stop, first in _windows(len(sequence), length, stride):
            jobs.append((i, max(stop - length, 0), stop, first))
    out = [np.zeros(len(s), np.float64) for s in sequences]
    predict = tf.function(model.token_log_probs, reduce_retracing=True)
    for b in range(0, len(jobs), int(batch_size)):
        chunk = jobs[b : b + int(batch_size)]
        inputs = np.full((len(chunk), length), end, np.int32)
        targets = np.full((len(chunk), length), -1, np.int32)
        for row, (i, start, stop, first) in enumerate(chunk):
            full = np.concatenate([[end], sequences[i]])  # input t predicts token t
            inputs[row, : stop - start] = full[start:stop]
            keep = np.arange(start, stop) >= first
            targets[row, : stop - start] = np.where(keep, sequences[i][start:stop], -1)
        log_probs = np.asarray(predict(tf.constant(inputs), tf.constant(targets)), np.float64)
        for row, (i, start, stop, first) in enumerate(chunk):
            out[i][first:stop] = log_probs[row, first - start : stop - start]
    return out


def perplexity(log_probs) -> float:
    """exp(-mean log P) over every token of a list of per-text log-prob arrays."""
    values = np.concatenate([np.asarray(v, np.float64) for v in log_probs])
    if values.size == 0:
        raise ValueError("perplexity of no tokens")
    return float(math.exp(-values.mean()))


def compare_perplexity(
    model,
    train_texts,
    test_texts,
    *,
    order: int = 3,
    stride: int | None = None,
) -> dict:
    """The model's and an order-`order` Kneser-Ney model's perplexity on
    `test_texts`; the n-gram model is counted on `train_texts` with the
    model's vocabulary (`model.vocabulary`)."""
    words = list(model.vocabulary)
    if len(test_texts) == 0 or len(train_texts) == 0:
        raise ValueError("compare_perplexity needs training and test texts")
    train = python_token_sequences(train_texts, words)
    test = python_token_sequences(test_texts, words)
    kn = KneserNey(train, len(words) + 2, order=order, start=end_id(len(words)))
    model_lp = model_token_log_probs(model, test, stride=stride)
    kn_lp = [kn.sequence_log_probs(s) for s in test]
    tokens = int(sum(len(s) for s in test))
    unknown = int(sum(int(np.sum(s == 0)) for s in test))
    model_ppl, kn_ppl = perplexity(model_lp), perplexity(kn_lp)
    return {
        "model_perplexity": model_ppl,
        "kn_perplexity": kn_ppl,
        "perplexity_ratio": model_ppl / kn_ppl,
        "kn_order": int(order),
        "test_tokens": tokens,
        "test_texts": int(len(test)),
        "unknown_rate": unknown / tokens,
        "vocabulary_size": len(words),
        "longest_text_tokens": int(max(len(s) for s in test)),
        "end_of_text_counted": True,
    }


def perplexity_protocol(
    model, data, *, seed: int = 0, order: int = 3, stride: int | None = None
) -> dict:
    """Model protocol `perplexity`: `compare_perplexity` on an `EvalData` of
    texts (its `image_key` a text feature, e.g. "en" of `bible_verses`): the
    n-gram model counted on the training split, both scored on the test split."""
    del seed
    for attribute in ("vocabulary", "max_length", "token_log_probs"):
        if not hasattr(model, attribute):
            raise ValueError(
                f"model protocol 'perplexity' needs a language model (vocabulary, max_length, "
                f"token_log_probs); {type(model).__name__} has no {attribute}"
            )
    train_texts, _ = data.train
    test_texts, _ = data.test
    return compare_perplexity(model, train_texts, test_texts, order=order, stride=stride)
