"""Word-similarity and analogy evaluation of word vectors.

Test sets, read from the files the `gensim` wheel ships as test data (gensim
itself is not imported):

- WordSim353 (Finkelstein et al., "Placing Search in Context: The Concept
  Revisited", ACM TOIS 2002): 353 word pairs with human relatedness scores.
- SimLex-999 (Hill, Reichart & Korhonen, "SimLex-999: Evaluating Semantic
  Models with (Genuine) Similarity Estimation", Computational Linguistics 2015):
  999 pairs scored for similarity proper (not relatedness).
- The Google analogy questions (Mikolov et al., ICLR workshop 2013): 19,544
  "a is to b as c is to d" questions in 14 sections (5 semantic, 9 syntactic).

Protocol (the same for tfxlearn's vectors and a peer's, so numbers compare):
words are lower-cased; a pair or question with a word outside the vocabulary
is skipped and counted in the OOV rate. Similarity: Spearman's rank
correlation between the cosine similarities and the human scores over the
covered pairs. Analogy: 3CosAdd (Mikolov et al. 2013), the answer is the
vocabulary word (a, b and c excluded) whose unit vector is closest in cosine
to b - a + c of unit vectors; accuracy over the covered questions, overall and
for the semantic and syntactic sections.
"""

from __future__ import annotations

import importlib.metadata
import os

import numpy as np
from scipy import stats

SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGIES = "questions-words.txt"
_GENSIM_DATA = "gensim/test/test_data"


def test_data_dir() -> str:
    """The directory of the gensim wheel's test data (located through the
    installed distribution's file list, without importing gensim)."""
    try:
        directory = str(importlib.metadata.distribution("gensim").locate_file(_GENSIM_DATA))
    except importlib.metadata.PackageNotFoundError:
        directory = ""
    if not os.path.isfile(os.path.join(directory, ANALOGIES)):
        raise ValueError(
            "the word-similarity and analogy sets come from the gensim wheel's test data: "
            "pip install gensim==4.4.0"
        )
    return directory


def read_pairs(name: str, directory: str | None = None) -> list[tuple[str, str, float]]:
    """(word, word, human score) of "wordsim353" or "simlex999", lower-cased."""
    if name not in SETS:
        raise ValueError(f"name must be one of {sorted(SETS)}, got {name!r}")
    pairs = []
    with open(os.path.join(directory or test_data_dir(), SETS[name]), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b, score = line.split("\t")[:3]
            pairs.append((a.lower(), b.lower(), float(score)))
    return pairs


def read_analogies(directory: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(section, (a, b, c, d)) of the Google analogy questions, lower-cased."""
    questions, section = [], None
    with open(os.path.join(directory or test_data_dir(), ANALOGIES), encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                section = line[1:].strip()
            elif line.strip():
                questions.append((section, tuple(line.lower().split())))
    return questions


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def similarity_scores(words, vectors, pairs) -> dict:
    """Spearman's rho between cosine similarities and human scores over the
    pairs whose words are both in `words`, the number of such pairs and the OOV rate."""
    index = {w: i for i, w in enumerate(words)}
    unit = _unit(np.asarray(vectors, np.float64))
    covered = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    result = {"pairs": len(covered), "oov_rate": 1 - len(covered) / len(pairs)}
    if len(covered) < 3:
        return {"spearman": float("nan"), **result}
    a, b, human = (np.array(c) for c in zip(*covered))
    cosine = np.sum(unit[a] * unit[b], axis=1)
    return {"spearman": float(stats.spearmanr(cosine, human).statistic), **result}


def analogy_scores(words, vectors, questions, batch_size: int = 512) -> dict:
    """3CosAdd accuracy over the questions whose four words are in `words`
    (overall, semantic = the first 5 sections, syntactic = the "gram" ones), the
    number of such questions and the OOV rate."""
    index = {w: i for i, w in enumerate(words)}
    unit = _unit(np.asarray(vectors, np.float32))
    covered = [
        (section, [index[w] for w in q]) for section, q in questions if all(w in index for w in q)
    ]
    result = {"questions": len(covered), "oov_rate": 1 - len(covered) / len(questions)}
    if not covered:
        nan = float("nan")
        return {"accuracy": nan, "semantic_accuracy": nan, "syntactic_accuracy": nan, **result}
    ids = np.array([q for _, q in covered])
    syntactic = np.array([s.startswith("gram") for s, _ in covered])
    correct = np.zeros(len(ids), bool)
    for start in range(0, len(ids), batch_size):
        a, b, c, d = ids[start : start + batch_size].T
        scores = (unit[b] - unit[a] + unit[c]) @ unit.T
        rows = np.arange(len(a))
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        correct[start : start + batch_size] = scores.argmax(axis=1) == d

    def accuracy(mask):
        return float(correct[mask].mean()) if mask.any() else float("nan")

    return {
        "accuracy": float(correct.mean()),
        "semantic_accuracy": accuracy(~syntactic),
        "syntactic_accuracy": accuracy(syntactic),
        **result,
    }


def evaluate_word_vectors(words, vectors, directory: str | None = None) -> dict:
    """Every set: a flat dict `{wordsim353_spearman, wordsim353_oov_rate, ...,
    analogy_accuracy, analogy_oov_rate, ...}`.

    Args:
        words: the vocabulary, one word per row of `vectors`.
        vectors: float [len(words), d].
        directory: the test files' directory (default: the gensim wheel's).
    """
    words = [w.lower() for w in words]
    if len(words) != len(vectors):
        raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
    out = {}
    for name in SETS:
        for key, value in similarity_scores(words, vectors, read_pairs(name, directory)).items():
            out[f"{name}_{key}"] = value
    for key, value in analogy_scores(words, vectors, read_analogies(directory)).items():
        out[f"analogy_{key}"] = value
    return out


def word_similarity(model, data=None, *, seed: int = 0, directory: str | None = None) -> dict:
    """Model protocol: `evaluate_word_vectors` of a paradigm's `vocabulary` and
    `word_vectors()` (row 0, the out-of-vocabulary id, left out). `data` and
    `seed` are not used: the test sets are fixed."""
    del data, seed
    for attribute in ("vocabulary", "word_vectors"):
        if not hasattr(model, attribute):
            raise ValueError(
                f"model protocol 'word_similarity' needs a paradigm with vocabulary and "
                f"word_vectors(); {type(model).__name__} has no {attribute}"
            )
    return evaluate_word_vectors(list(model.vocabulary), model.word_vectors()[1:], directory)
