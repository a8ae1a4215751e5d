import numpy as np

from tfxlearn.evaluation.word_similarity import (
    analogy_scores,
    evaluate_word_vectors,
    read_analogies,
    read_pairs,
    similarity_scores,
)


def test_sets_have_their_published_sizes():
    assert len(read_pairs("wordsim353")) == 353
    assert len(read_pairs("simlex999")) == 999
    questions = read_analogies()
    assert len(questions) == 19_544
    assert sum(s.startswith("gram") for s, _ in questions) == 10_675  # syntactic


def test_spearman_is_one_when_cosines_rank_like_humans():
    pairs = read_pairs("wordsim353")[:40]
    words = sorted({w for a, b, _ in pairs for w in (a, b)})
    # One "anchor" direction per pair is impossible in general; instead score pairs
    # built so cos(a_i, b_i) grows with the human score: b_i = a_i rotated by an
    # angle decreasing in the score, every pair in its own plane.
    pairs = [(f"a{i}", f"b{i}", s) for i, (_, _, s) in enumerate(pairs)]
    words = [w for a, b, _ in pairs for w in (a, b)]
    vectors = np.zeros((len(words), 2 * len(pairs)))
    for i, (_, _, s) in enumerate(pairs):
        angle = (10 - s) / 10 * np.pi / 2
        vectors[2 * i, 2 * i] = 1
        vectors[2 * i + 1, 2 * i : 2 * i + 2] = [np.cos(angle), np.sin(angle)]
    result = similarity_scores(words, vectors, pairs + [("a0", "missing", 5.0)])
    assert result["pairs"] == 40 and np.isclose(result["oov_rate"], 1 / 41)
    np.testing.assert_allclose(result["spearman"], 1.0)


def test_analogies_solved_by_constructed_offsets():
    # x_i + r = y_i: every question "x_i : y_i :: x_j : ?" has answer y_j.
    rng = np.random.default_rng(0)
    r = 3 * rng.normal(size=32)
    xs = rng.normal(size=(5, 32))
    words = [f"x{i}" for i in range(5)] + [f"y{i}" for i in range(5)] + ["other"]
    vectors = np.vstack([xs, xs + r, rng.normal(size=(1, 32))])
    questions = [
        ("family", (f"x{i}", f"y{i}", f"x{j}", f"y{j}"))
        for i in range(5)
        for j in range(5)
        if i != j
    ]
    questions.append(("gram1", ("x0", "y0", "x1", "unknown")))
    result = analogy_scores(words, vectors, questions)
    assert result["questions"] == 20 and np.isclose(result["oov_rate"], 1 / 21)
    assert result["accuracy"] == 1.0 and result["semantic_accuracy"] == 1.0
    assert np.isnan(result["syntactic_accuracy"])


def test_evaluate_word_vectors_lowercases_and_names_every_metric():
    result = evaluate_word_vectors(["Tiger", "cat"], np.eye(2))
    tiger_cat = [p for p in read_pairs("wordsim353") if {p[0], p[1]} <= {"tiger", "cat"}]
    assert result["wordsim353_pairs"] == len(tiger_cat) >= 1
    assert {"simlex999_spearman", "analogy_accuracy", "analogy_oov_rate"} <= set(result)
