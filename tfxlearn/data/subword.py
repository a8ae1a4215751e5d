"""WordPiece subwords in core TensorFlow ops: learned on a split, applied in the graph.

A word the vocabulary does not hold is not lost as one unknown token: it is
cut into pieces the vocabulary does hold ("hovering" -> "hover", "##ing"). Two
halves:

- `learn_pieces` (Python, once, on the training split's word counts): the
  pieces are learned by byte-pair merges (Sennrich et al., ACL 2016): start
  from single characters (a word's first character as itself, every later one
  as "##c"), and merge the most frequent adjacent pair, weighted by the word
  counts, until the vocabulary has the size asked for.
- `wordpiece` (TensorFlow ops, in tf.data, in a Keras model and inside an
  exported SavedModel): each word is cut greedily, longest piece first, from
  its first character on (WordPiece inference, as BERT's tokenizer does;
  Devlin et al., NAACL 2019); a piece after the first carries the "##"
  continuation prefix. A character the vocabulary never saw becomes a piece
  of its own that the id lookup maps to the out-of-vocabulary id 0.

Why not SentencePiece or `tensorflow-text`'s WordpieceTokenizer: both run
custom ops that a stock TF Serving binary does not have, and `tensorflow-text`
pins the full `tensorflow` wheel (not `tensorflow-cpu`). Here the in-graph half
is `tf.strings.substr`, a lookup table and a `tf.while_loop`, standard ops any
TensorFlow runtime loads. The greedy cut is not the cut the merges themselves
would make (BPE applies merges in learned order); it is what fits in plain
graph ops, and on a vocabulary learned this way the two agree on most words.

Standardized words carry letters and digits only (`tfxlearn.data.text.standardize`),
so a vocabulary entry starting with "##" marks a subword vocabulary
(`is_subword`): configs keep a plain list of entries either way.
"""

from __future__ import annotations

import collections
import heapq
from collections.abc import Mapping, Sequence

import tensorflow as tf

#: The prefix of a piece that continues a word.
CONTINUATION = "##"
#: The longest piece `wordpiece` tries (characters, without the prefix).
MAX_PIECE_CHARS = 16


def is_subword(entries: Sequence[str]) -> bool:
    """Whether a vocabulary's entries are WordPiece pieces (some start with "##")."""
    return any(str(e).startswith(CONTINUATION) for e in entries)


def _symbols(word: str) -> list[str]:
    return [word[0]] + [CONTINUATION + c for c in word[1:]]


def _merge(left: str, right: str) -> str:
    return left + right[len(CONTINUATION) :]


def learn_pieces(
    word_counts: Mapping[str, int], size: int, max_piece_chars: int = MAX_PIECE_CHARS
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The pieces of a WordPiece vocabulary learned by byte-pair merges on
    `word_counts` (word -> count on the training split), and how often each
    piece occurs when those words are cut by `wordpiece`'s greedy rule.

    Every character seen gets both forms ("c" and "##c"), so any word of seen
    characters can be cut; merges stop when the alphabet plus the merged pieces
    reach `size` or no pair occurs twice. Pieces the greedy cut never uses are
    dropped, so the result can be a little smaller than `size`. Order: by
    decreasing count, ties alphabetical (deterministic).

    Raises:
        ValueError: `size` not an int >= 1, or no words.
    """
    if isinstance(size, bool) or int(size) != size or size < 1:
        raise ValueError(f"size must be an int >= 1, got {size!r}")
    if max_piece_chars < 1:
        raise ValueError(f"max_piece_chars must be >= 1, got {max_piece_chars!r}")
    words = {
        (w.decode("utf-8") if isinstance(w, bytes) else str(w)): int(c)
        for w, c in word_counts.items()
        if w and int(c) > 0
    }
    if not words:
        raise ValueError("learn_pieces needs at least one word with a count > 0")
    vocabulary = set()
    for word in words:
        for c in word:
            vocabulary.update((c, CONTINUATION + c))
    entries = sorted(words.items())
    splits = [_symbols(w) for w, _ in entries]
    counts = [c for _, c in entries]
    pair_counts: collections.Counter = collections.Counter()
    where = collections.defaultdict(set)  # pair -> indices of the words holding it
    for i, symbols in enumerate(splits):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += counts[i]
            where[pair].add(i)
    heap = [(-n, pair) for pair, n in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocabulary) < size and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative:
            continue  # a stale entry: the pair's count changed since it was pushed
        if -negative < 2:
            break
        merged = _merge(*pair)
        if len(merged.removeprefix(CONTINUATION)) > max_piece_chars:
            pair_counts[pair] = 0  # never a piece; do not try it again
            continue
        vocabulary.add(merged)
        changed = set()
        for i in sorted(where.pop(pair, ())):
            symbols = splits[i]
            for old in zip(symbols, symbols[1:]):
                pair_counts[old] -= counts[i]
                where[old].discard(i)
                changed.add(old)
            out, j = [], 0
            while j < len(symbols):
                if j + 1 < len(symbols) and (symbols[j], symbols[j + 1]) == pair:
                    out.append(merged)
                    j += 2
                else:
                    out.append(symbols[j])
                    j += 1
            splits[i] = out
            for new in zip(out, out[1:]):
                pair_counts[new] += counts[i]
                where[new].add(i)
                changed.add(new)
        pair_counts.pop(pair, None)
        for p in changed:
            if pair_counts.get(p, 0) > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
    used: collections.Counter = collections.Counter()
    for word, count in words.items():
        for piece in greedy_cut(word, vocabulary, max_piece_chars):
            used[piece] += count
    ranked = sorted(used.items(), key=lambda pc: (-pc[1], pc[0]))
    return tuple(p for p, _ in ranked), tuple(c for _, c in ranked)


def greedy_cut(word: str, pieces, max_piece_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """`wordpiece`'s rule in Python, for one word: longest piece of `pieces`
    first; an unknown character is a piece of its own."""
    out, start = [], 0
    while start < len(word):
        prefix = CONTINUATION if start else ""
        for end in range(min(len(word), start + max_piece_chars), start, -1):
            if prefix + word[start:end] in pieces:
                break
        else:
            end = start + 1
        out.append(prefix + word[start:end])
        start = end
    return out


def wordpiece(words: tf.RaggedTensor, lookup, max_piece_chars: int = MAX_PIECE_CHARS):
    """Cuts words into pieces in TF ops: ragged [batch, (words)] of tf.string ->
    ragged [batch, (pieces)] of tf.string, each word greedily, longest piece
    first (the module doc).

    Args:
        words: ragged [batch, (words)] strings (`tfxlearn.data.text.tokenize`).
        lookup: piece -> id, 0 for a string that is not a piece (a
            `keras.layers.StringLookup` with one OOV index, or an `id_table`).
        max_piece_chars: the longest piece tried, in characters.
    """
    lookup_fn = lookup.lookup if isinstance(lookup, tf.lookup.StaticHashTable) else lookup
    flat = words.flat_values
    lengths = tf.strings.length(flat, unit="UTF8_CHAR")
    steps = tf.maximum(tf.reduce_max(tf.concat([lengths, [0]], 0)), 1)

    def piece(text, position, size):
        cut = tf.strings.substr(text, position, size, unit="UTF8_CHAR")
        return tf.where(position > 0, CONTINUATION + cut, cut)

    def step(t, position, starts, sizes):
        best = tf.ones_like(position)
        found = tf.zeros_like(position, tf.bool)
        for size in range(max_piece_chars, 0, -1):
            candidate = piece(flat, position, tf.fill(tf.shape(position), size))
            known = (position + size <= lengths) & (tf.cast(lookup_fn(candidate), tf.int64) > 0)
            best = tf.where(known & ~found, size, best)
            found = found | known
        best = tf.where(position < lengths, best, 0)  # a finished word cuts nothing
        starts = starts.write(t, position)
        sizes = sizes.write(t, best)
        return t + 1, position + best, starts, sizes

    _, _, starts, sizes = tf.while_loop(
        lambda t, *_: t < steps,
        step,
        (
            tf.constant(0),
            tf.zeros_like(lengths),
            tf.TensorArray(tf.int32, size=steps, element_shape=[None]),
            tf.TensorArray(tf.int32, size=steps, element_shape=[None]),
        ),
    )
    # [steps, words] cut positions and sizes, read word by word; the strings are
    # cut once, here. A gather, not tf.transpose: TF 2.21's oneDNN transpose logs
    # an ERROR line for string and int32 tensors on this CPU.
    n = tf.shape(flat)[0]
    by_word = tf.reshape(tf.range(steps)[None, :] * n + tf.range(n)[:, None], [-1])
    starts = tf.reshape(tf.gather(tf.reshape(starts.stack(), [-1]), by_word), [n, steps])
    sizes = tf.reshape(tf.gather(tf.reshape(sizes.stack(), [-1]), by_word), [n, steps])
    keep = sizes > 0
    owner = tf.broadcast_to(tf.range(n)[:, None], tf.shape(sizes))
    text = tf.gather(flat, tf.boolean_mask(owner, keep))
    cuts = piece(text, tf.boolean_mask(starts, keep), tf.boolean_mask(sizes, keep))
    per_word = tf.RaggedTensor.from_row_lengths(
        cuts, tf.reduce_sum(tf.cast(keep, tf.int64), axis=1), validate=False
    )
    return words.with_flat_values(per_word).merge_dims(1, 2)


def detokenize(pieces: tf.RaggedTensor) -> tf.Tensor:
    """Ragged [batch, (tokens)] strings -> the text [batch]: tokens joined by
    spaces, a "##" piece glued to the one before it (and its prefix dropped
    where nothing comes before it). Words pass through as they are."""
    joined = tf.strings.reduce_join(pieces, axis=-1, separator=" ")
    return tf.strings.regex_replace(joined, "^" + CONTINUATION + "| " + CONTINUATION, "")
