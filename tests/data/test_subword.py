"""WordPiece subwords (tfxlearn/data/subword.py): the learned pieces, the in-graph
cut against its Python statement, and the text helpers that use them."""

import collections
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.data import subword
from tfxlearn.data.text import (
    Vocabulary,
    corpus_vocabulary,
    end_id,
    id_table,
    standardize,
    token_sequences,
    tokenize,
    tokens,
    word_lookup,
)

COUNTS = collections.Counter(
    {"the": 50, "spirit": 9, "spirits": 4, "hovering": 3, "hovered": 3, "über": 2, "niño": 2}
)


def _pieces(size=40):
    pieces, _ = subword.learn_pieces(COUNTS, size)
    return pieces


def test_learned_pieces_cover_every_character_merge_frequent_words_and_are_deterministic():
    pieces, counts = subword.learn_pieces(COUNTS, 40)
    assert (pieces, counts) == subword.learn_pieces(dict(reversed(COUNTS.items())), 40)
    assert len(pieces) <= 40 and subword.is_subword(pieces)
    assert "the" in pieces  # 50 occurrences: merged into one piece
    assert list(counts) == sorted(counts, reverse=True)
    for word in COUNTS:  # every training word is cut into known pieces only
        assert all(p in pieces for p in subword.greedy_cut(word, set(pieces)))
    # counts: how often each piece is used when the training words are cut
    used = collections.Counter()
    for word, n in COUNTS.items():
        for p in subword.greedy_cut(word, set(pieces)):
            used[p] += n
    assert dict(zip(pieces, counts)) == dict(used)
    assert not subword.is_subword(("the", "spirit"))


def test_a_larger_size_cuts_words_into_fewer_pieces():
    small, large = set(_pieces(30)), set(_pieces(60))

    def total(pieces):
        return sum(n * len(subword.greedy_cut(w, pieces)) for w, n in COUNTS.items())

    assert total(large) < total(small) <= sum(n * len(w) for w, n in COUNTS.items())


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_a_bad_size_is_refused(size):
    with pytest.raises(ValueError, match="size must be an int >= 1"):
        subword.learn_pieces(COUNTS, size)


def test_no_words_is_refused():
    with pytest.raises(ValueError, match="at least one word"):
        subword.learn_pieces({}, 10)


def test_graph_cut_is_the_python_rule_in_tf_data_and_in_a_tf_function():
    pieces = _pieces()
    lookup = word_lookup(pieces)
    texts = ["The spirits hovered over the Niño", "", "über-spirit zebra", "the"]
    want = [
        [p for w in tokenize(tf.constant([t])).flat_values.numpy() for p in
         subword.greedy_cut(w.decode(), set(pieces))]
        for t in texts
    ]  # fmt: skip
    eager = subword.wordpiece(tokenize(tf.constant(texts)), lookup)
    assert [[p.decode() for p in row] for row in eager.to_list()] == want
    graph = tf.function(lambda s: subword.wordpiece(tokenize(s), lookup))(tf.constant(texts))
    assert graph.to_list() == eager.to_list()
    mapped = (
        tf.data.Dataset.from_tensor_slices(texts)
        .batch(2)
        .map(lambda s: subword.wordpiece(tokenize(s), id_table(pieces)).to_tensor())
    )
    rows = [r for batch in mapped for r in batch.numpy().tolist()]
    assert [[p.decode() for p in r if p] for r in rows] == want
    # "z", "##e", ...: characters never seen in training are pieces of their own, id 0
    zebra = [p.decode() for p in eager.to_list()[2]]
    assert zebra[0] == "ü" or zebra[0].startswith("üb")
    assert lookup(tf.constant(["z"])).numpy()[0] == 0


def test_an_empty_batch_and_a_batch_of_empty_texts():
    lookup = word_lookup(_pieces())
    assert subword.wordpiece(tokenize(tf.constant([], tf.string)), lookup).to_list() == []
    assert subword.wordpiece(tokenize(tf.constant(["", "!"])), lookup).to_list() == [[], []]


def test_detokenize_gives_the_standardized_text_back():
    pieces = _pieces()
    texts = tf.constant(["The spirits hovered, über the niño!", "", "spirit"])
    cut = subword.wordpiece(tokenize(texts), word_lookup(pieces))
    np.testing.assert_array_equal(subword.detokenize(cut), standardize(texts))
    orphan = tf.ragged.constant([["##ing", "the"]])  # a continuation with nothing before it
    assert subword.detokenize(orphan).numpy()[0] == b"ing the"


def test_token_sequences_and_tokens_follow_the_vocabulary_kind():
    pieces = _pieces()
    texts = tf.constant(["the spirits", ""])
    table = id_table(pieces)
    ids = token_sequences(texts, table, len(pieces), subwords=True).to_list()
    index = {p: i + 1 for i, p in enumerate(pieces)}
    cut = subword.greedy_cut("spirits", set(pieces))
    assert ids[0] == [index["the"], *[index[p] for p in cut], end_id(len(pieces))]
    assert ids[1] == [end_id(len(pieces))]
    assert 0 not in ids[0]  # no unknown token: every word is cut into known pieces
    words = token_sequences(texts, table, len(pieces)).to_list()
    assert words[0] == [index["the"], 0, end_id(len(pieces))]  # "spirits" not a piece
    with pytest.raises(ValueError, match="needs the lookup"):
        tokens(texts, None, subwords=True)
    assert Vocabulary(pieces, (1,) * len(pieces)).is_subword


def test_corpus_vocabulary_learns_pieces_on_the_training_split():
    vocab = corpus_vocabulary("bible_verses", "es", max_examples=300, subwords=300)
    assert vocab.is_subword and 100 < len(vocab) <= 300
    assert any("ñ" in p or "á" in p or "é" in p for p in vocab.words)
    with pytest.raises(ValueError, match="subwords must be an int >= 1"):
        corpus_vocabulary("bible_verses", "es", max_examples=300, subwords=0)


def test_token_sequences_in_tf_data_log_no_onednn_error(tmp_path):
    # A ragged tf.concat(axis=1) made TF 2.21's oneDNN log "oneDNN supports
    # DT_INT64 only on platforms with AVX-512" (an E line on the console of every
    # text pipeline on CPUs without AVX-512); C++ logs go to the process's
    # stderr, so a fresh process.
    script = tmp_path / "read.py"
    script.write_text(
        "import tensorflow as tf\n"
        "from tfxlearn.data.text import id_table, token_sequences\n"
        "from tfxlearn.pretext.next_token import next_token_windows\n"
        "table = id_table(['a', 'b'])\n"
        "ds = tf.data.Dataset.from_tensor_slices(['a b a', '', 'b']).batch(3)\n"
        "ds = ds.map(lambda t: token_sequences(t, table, 2))\n"
        "print([x.to_list() for x in ds])\n"
        "windows = ds.map(lambda s: next_token_windows(s, 2, 3))\n"
        "print([w['inputs'].numpy().tolist() for w in windows])\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[[[1, 2, 1, 3], [3], [2, 3]]]" in result.stdout
    assert "[[[3, 1], [2, 1], [3, 3], [3, 2]]]" in result.stdout
    assert "oneDNN supports" not in result.stderr


@pytest.mark.parametrize("splits", [tf.int64, tf.int32])
def test_append_and_prepend_to_rows_match_a_ragged_concat(splits):
    from tfxlearn.data.text import append_to_rows, prepend_to_rows

    ragged = tf.ragged.constant([[4, 5], [], [6], []], dtype=tf.int32, row_splits_dtype=splits)
    column = tf.RaggedTensor.from_tensor(tf.fill([4, 1], 9)).with_row_splits_dtype(splits)
    for got, want in (
        (append_to_rows(ragged, 9), tf.concat([ragged, column], axis=1)),
        (prepend_to_rows(ragged, 9), tf.concat([column, ragged], axis=1)),
    ):
        assert got.row_splits.dtype == splits
        assert got.to_list() == want.to_list()
    empty = tf.ragged.constant([], dtype=tf.int32, ragged_rank=1)
    assert prepend_to_rows(empty, 9).to_list() == []
