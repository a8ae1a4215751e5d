"""Translation quality of text: corpus BLEU (Papineni, Roukos, Ward & Zhu,
"BLEU: a Method for Automatic Evaluation of Machine Translation", ACL 2002) and
chrF (Popović, "chrF: character n-gram F-score for automatic MT evaluation",
WMT 2015), both computed by sacreBLEU (Post, "A Call for Clarity in Reporting
BLEU Scores", WMT 2018) with its default settings (BLEU: 13a tokenization,
exponential smoothing off, 4-grams; chrF: character 6-grams, beta 2), so the
numbers are comparable with other sacreBLEU scores of the same texts.

References are the raw verses; hypotheses are the model's detokenized output
(lower-cased words joined by spaces: the model's tokens carry no case or
punctuation), so the references are scored in the same form
(`tfxlearn.data.text.standardize`: lower case, punctuation dropped) — a
comparison of words, not of orthography. The unknown word "<unk>" is left in
hypotheses (it matches nothing).
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.data.text import standardize


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "BLEU and chrF need the PyPI package sacrebleu (pip install 'sacrebleu==2.6.0')"
        ) from error
    return sacrebleu


def normalized(texts) -> list[str]:
    """Texts as the translation models read and write them: lower case, words
    separated by one space, punctuation dropped (`standardize`)."""
    texts = [t if isinstance(t, bytes) else str(t).encode("utf-8") for t in texts]
    if not texts:
        return []
    return [t.decode("utf-8") for t in standardize(tf.constant(texts, tf.string)).numpy()]


def corpus_scores(hypotheses, references) -> dict:
    """{"bleu": corpus BLEU, "chrf": corpus chrF} (sacreBLEU, 0-100) of
    hypotheses against one reference each, both `normalized` first."""
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(
            f"corpus_scores needs as many hypotheses as references (> 0), got "
            f"{len(hypotheses)} and {len(references)}"
        )
    sacrebleu = _sacrebleu()
    hyp, ref = normalized(hypotheses), normalized(references)
    return {
        "bleu": float(sacrebleu.corpus_bleu(hyp, [ref]).score),
        "chrf": float(sacrebleu.corpus_chrf(hyp, [ref]).score),
    }


def translate_all(model, texts, direction: str, batch_size: int = 64) -> list[str]:
    """`model.translate(texts, direction)["translation"]` in batches, as str."""
    out = []
    texts = list(texts)
    for start in range(0, len(texts), int(batch_size)):
        batch = [
            t if isinstance(t, bytes) else t.encode("utf-8")
            for t in texts[start : start + batch_size]
        ]
        result = model.translate(batch, direction, warn=False)
        out += [t.decode("utf-8") for t in result["translation"]]
    return out


def translation_quality(model, texts_a, texts_b, batch_size: int = 64) -> dict:
    """BLEU and chrF of both directions of a `dual_translation` model on aligned
    texts: {"bleu_ab", "chrf_ab", "bleu_ba", "chrf_ba", "sentences"}."""
    out = {"sentences": len(texts_a)}
    for direction, sources, references in (("ab", texts_a, texts_b), ("ba", texts_b, texts_a)):
        scores = corpus_scores(translate_all(model, sources, direction, batch_size), references)
        out.update({f"{k}_{direction}": v for k, v in scores.items()})
    return out


def aligned_texts(name: str, split: str, a_key: str, b_key: str, limit=None, data_dir=None):
    """(texts of a_key, texts of b_key) of a TFDS split (str lists, stored order)."""
    ds = tfx_data.load(name, split, data_dir=data_dir, image_key=a_key)
    if limit:
        ds = ds.take(int(limit))
    a, b = [], []
    for ex in ds.as_numpy_iterator():
        a.append(ex[a_key].decode("utf-8"))
        b.append(ex[b_key].decode("utf-8"))
    return a, b


def text_translation_protocol(
    model, data, *, seed: int = 0, b_key: str = "es", max_test: int | None = None
) -> dict:
    """Model protocol `text_translation`: `translation_quality` of a
    `dual_translation` model on the test split of `data` (its `image_key` the
    feature of language A, e.g. "en" of `bible_verses`; `b_key` language B's),
    at most `max_test` (or `data.max_test`) verses in stored order."""
    del seed
    if not hasattr(model, "translate") or not hasattr(model, "vocabulary_b"):
        raise ValueError(
            f"model protocol 'text_translation' needs a dual_translation model, got "
            f"{type(model).__name__}"
        )
    texts_a, texts_b = aligned_texts(
        data.name, data.test_split, data.image_key, b_key, max_test or data.max_test, data.data_dir
    )
    return translation_quality(model, texts_a, texts_b)
