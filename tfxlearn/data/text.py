"""Word tokenization in TensorFlow ops, and word vocabularies counted on a split.

The tokenizer is made of core `tf.strings` ops only (RE2 regular expressions,
Unicode lower-casing, whitespace split), so the same function runs in tf.data,
inside a Keras model and inside an exported SavedModel: a TF Serving client
sends raw strings and the graph tokenizes them. The word-to-id table is a
`keras.layers.StringLookup` (a static hash table, standard TF ops).

Words or subwords: word2vec works on whole words (it is evaluated on
word-similarity and analogy sets against gensim's Word2Vec on the same words);
the language models and translation can instead cut every word into WordPiece
subwords learned on the training split (`corpus_vocabulary(subwords=N)`,
`tfxlearn.data.subword`), in the same core TF ops, so no word is out of
vocabulary. A vocabulary of subwords is a list of pieces, some starting with
"##" (`Vocabulary.is_subword`); `tokens` and `token_sequences` cut by it.

    standardize("God’s Spirit, hovering!")  ->  "god spirit hovering"
"""

from __future__ import annotations

import collections
import dataclasses
import functools

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import subword

#: Possessive "'s" (straight or typographic apostrophe) at the end of a word.
_POSSESSIVE = r"['’]s\b"
#: Runs of anything that is not a letter or a digit.
_SEPARATORS = r"[^\p{L}\p{N}]+"


def standardize(strings) -> tf.Tensor:
    """Lower-cased text with possessive 's dropped and every run of characters
    other than letters and digits (punctuation, apostrophes, hyphens) replaced
    by one space; a string tensor of the same shape."""
    strings = tf.convert_to_tensor(strings, tf.string)
    text = tf.strings.lower(strings, encoding="utf-8")
    text = tf.strings.regex_replace(text, _POSSESSIVE, "")
    text = tf.strings.regex_replace(text, _SEPARATORS, " ")
    return tf.strings.strip(text)


def tokenize(strings) -> tf.RaggedTensor:
    """Words of a batch of strings [batch] -> ragged [batch, (words)] of tf.string."""
    strings = tf.convert_to_tensor(strings, tf.string)
    if strings.shape.rank != 1:
        raise ValueError(f"tokenize takes a batch of strings [batch], got shape {strings.shape}")
    return tf.strings.split(standardize(strings))


def tokens(strings, lookup=None, subwords: bool = False) -> tf.RaggedTensor:
    """The tokens of a batch of strings [batch] -> ragged [batch, (tokens)] of
    tf.string: its words, or with `subwords` their WordPiece pieces cut by
    `lookup` (piece -> id, 0 for a non-piece; `tfxlearn.data.subword.wordpiece`)."""
    words = tokenize(strings)
    if not subwords:
        return words
    if lookup is None:
        raise ValueError("tokens(subwords=True) needs the lookup of the vocabulary's pieces")
    return subword.wordpiece(words, lookup)


def word_lookup(words) -> keras.layers.StringLookup:
    """The word-id table: word i of `words` -> i + 1, any other word -> 0 (OOV)."""
    return keras.layers.StringLookup(
        vocabulary=list(words), num_oov_indices=1, mask_token=None, name="word_lookup"
    )


def id_table(vocabulary: Vocabulary | tuple) -> tf.lookup.StaticHashTable:
    """word -> id (word i of the vocabulary -> i + 1, others -> 0), as the
    paradigms' StringLookup (`word_lookup`) maps them; `vocabulary` a
    Vocabulary or a sequence of words."""
    words = vocabulary.words if isinstance(vocabulary, Vocabulary) else tuple(vocabulary)
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(words, tf.string),
            tf.range(1, len(words) + 1, dtype=tf.int32),
        ),
        default_value=0,
    )


def end_id(vocabulary_size: int) -> int:
    """The end-of-text id of a language model over a vocabulary of
    `vocabulary_size` words: ids 0 (out of vocabulary) and 1..V (words) are the
    lookup's, V + 1 ends every text (and, as the first input, starts it)."""
    return int(vocabulary_size) + 1


def token_sequences(texts, lookup, vocabulary_size: int, subwords: bool = False) -> tf.RaggedTensor:
    """The token ids of a batch of texts as a language model reads them:
    ragged int32 [batch, (tokens + 1)], each token's id (0 when out of
    vocabulary, kept: an unknown word is a token to predict) followed by the
    end-of-text id `end_id(vocabulary_size)`. An empty text is the end-of-text
    id alone.

    Args:
        texts: strings [batch].
        lookup: token -> id (a `word_lookup` layer or an `id_table`).
        vocabulary_size: V, the number of entries of the vocabulary.
        subwords: the vocabulary is WordPiece pieces (`Vocabulary.is_subword`):
            tokens are the words' pieces.
    """
    words = tokens(texts, lookup, subwords)
    lookup_fn = lookup.lookup if isinstance(lookup, tf.lookup.StaticHashTable) else lookup
    ids = tf.ragged.map_flat_values(lambda w: tf.cast(lookup_fn(w), tf.int32), words)
    return append_to_rows(ids, end_id(vocabulary_size))


def append_to_rows(ragged: tf.RaggedTensor, value) -> tf.RaggedTensor:
    """`ragged` [batch, (n)] with `value` appended to every row: [batch, (n + 1)]."""
    return _insert_in_rows(ragged, value, first=False)


def prepend_to_rows(ragged: tf.RaggedTensor, value) -> tf.RaggedTensor:
    """`ragged` [batch, (n)] with `value` put before every row: [batch, (n + 1)]."""
    return _insert_in_rows(ragged, value, first=True)


def _insert_in_rows(ragged: tf.RaggedTensor, value, first: bool) -> tf.RaggedTensor:
    """One `value` at the start (`first`) or the end of each row of a 2-D ragged
    tensor, placed by `dynamic_stitch` rather than a ragged `tf.concat(axis=1)`,
    whose int64 row-partition ops make TensorFlow 2.21's oneDNN log an error
    line ("oneDNN supports DT_INT64 only on platforms with AVX-512") on CPUs
    without AVX-512, once per process: on the console of every text pipeline."""
    values = ragged.values
    rows = tf.cast(ragged.nrows(), tf.int32)
    lengths = tf.cast(ragged.row_lengths(), tf.int32) + 1
    # each old value moves right by one per value inserted before it
    moved = tf.range(tf.size(values, out_type=tf.int32)) + tf.cast(ragged.value_rowids(), tf.int32)
    if first:
        moved += 1
        inserted = tf.cumsum(lengths, exclusive=True)
    else:
        inserted = tf.cumsum(lengths) - 1
    stitched = tf.dynamic_stitch(
        [moved, inserted], [values, tf.fill([rows], tf.cast(value, values.dtype))]
    )
    return tf.RaggedTensor.from_row_lengths(
        stitched, tf.cast(lengths, ragged.row_splits.dtype), validate=False
    )


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Words by decreasing count (ties alphabetical) and their counts in the corpus.

    Id 0 is reserved for out-of-vocabulary words, so word `words[i]` has id `i + 1`.
    """

    words: tuple[str, ...]
    counts: tuple[int, ...]

    def __post_init__(self):
        if len(self.words) != len(self.counts):
            raise ValueError("Vocabulary words and counts differ in length")
        if len(set(self.words)) != len(self.words):
            raise ValueError("Vocabulary words must be distinct")
        if any(c < 1 for c in self.counts):
            raise ValueError("Vocabulary counts must be >= 1")

    def __len__(self) -> int:
        return len(self.words)

    @property
    def size(self) -> int:
        """Number of ids including the OOV id 0."""
        return len(self.words) + 1

    @property
    def is_subword(self) -> bool:
        """Whether the entries are WordPiece pieces (`tfxlearn.data.subword`)."""
        return subword.is_subword(self.words)

    def count_array(self) -> np.ndarray:
        """Counts indexed by id, float64 [size]; 0 for the OOV id."""
        return np.concatenate([[0.0], np.asarray(self.counts, np.float64)])


def count_words(batches) -> collections.Counter:
    """Word counts of an iterable of string batches (NumPy arrays, tensors, or a
    tf.data.Dataset of [batch] strings)."""
    counter = collections.Counter()
    for batch in batches:
        words = tokenize(batch).flat_values.numpy()
        counter.update(words.tolist())
    return counter


def build_vocabulary(
    counter: collections.Counter, min_count: int = 5, max_size: int | None = None
) -> Vocabulary:
    """The words of `counter` seen at least `min_count` times, the `max_size` most
    frequent if given (ties broken alphabetically, so the result is deterministic).

    Raises:
        ValueError: `min_count` < 1, `max_size` < 1, or no word is left.
    """
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    if max_size is not None and (isinstance(max_size, bool) or int(max_size) < 1):
        raise ValueError(f"max_size must be an int >= 1 or None, got {max_size!r}")
    items = sorted(
        ((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0])
    )
    if max_size is not None:
        if max_size > len(counter):
            raise ValueError(
                f"max_size {max_size} is larger than the corpus' {len(counter)} distinct words"
            )
        items = items[: int(max_size)]
    if not items:
        raise ValueError(f"no word occurs at least min_count={min_count} times in the corpus")
    words = tuple(w.decode("utf-8") if isinstance(w, bytes) else w for w, _ in items)
    return Vocabulary(words, tuple(int(c) for _, c in items))


@functools.lru_cache(maxsize=8)
def corpus_vocabulary(
    dataset: str,
    feature: str,
    split: str = "train",
    min_count: int = 5,
    max_size: int | None = None,
    max_examples: int | None = None,
    data_dir: str | None = None,
    subwords: int | None = None,
) -> Vocabulary:
    """The vocabulary of text feature `feature` of a TFDS split (e.g.
    `corpus_vocabulary("bible_verses", "en")`), counted once per process.

    With `subwords`=N: at most N WordPiece pieces learned on the split's words
    (`tfxlearn.data.subword.learn_pieces`; every word counts, `min_count` and
    `max_size` do not apply), with how often each occurs in the split."""
    from tfxlearn import data as tfx_data

    if subwords is not None and (
        isinstance(subwords, bool) or int(subwords) != subwords or subwords < 1
    ):
        raise ValueError(f"subwords must be an int >= 1 (pieces) or None (words), got {subwords!r}")
    ds = tfx_data.load(dataset, split, data_dir=data_dir)
    if feature not in ds.element_spec or ds.element_spec[feature].dtype != tf.string:
        raise ValueError(f"dataset {dataset!r} has no text feature {feature!r}")

    def text(example):
        return example[feature]

    ds = ds.map(text)
    if max_examples is not None:
        ds = ds.take(int(max_examples))
    counts = count_words(ds.batch(4096))
    if subwords is not None:
        pieces, piece_counts = subword.learn_pieces(counts, subwords)
        return Vocabulary(pieces, piece_counts)
    return build_vocabulary(counts, min_count, max_size)


def resolve_vocabulary(vocabulary) -> Vocabulary:
    """A `Vocabulary` from a Vocabulary, or from a dict of `corpus_vocabulary`
    arguments (how pipeline configs name one)."""
    if isinstance(vocabulary, Vocabulary):
        return vocabulary
    if isinstance(vocabulary, dict):
        return corpus_vocabulary(**vocabulary)
    raise ValueError(
        "vocabulary must be a tfxlearn.data.text.Vocabulary or a dict of corpus_vocabulary "
        f"arguments (e.g. {{'dataset': 'bible_verses', 'feature': 'en'}}), got "
        f"{type(vocabulary).__name__}"
    )
