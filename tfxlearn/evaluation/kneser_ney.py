"""Interpolated modified Kneser-Ney n-gram language model (Kneser & Ney,
"Improved backing-off for M-gram language modeling", ICASSP 1995; Chen &
Goodman, "An Empirical Study of Smoothing Techniques for Language Modeling",
Harvard TR-10-98, 1998, section 3.5 and eq. 17): the baseline a neural
language model must beat, fitted on the same token ids.

For order k (1 <= k <= n) and a context h of k - 1 tokens,

    P_k(w | h) = max(a_k(h w) - D_k(a_k(h w)), 0) / S_k(h) + gamma_k(h) P_{k-1}(w | h')
    gamma_k(h) = (D_k1 N_1(h) + D_k2 N_2(h) + D_k3+ N_3+(h)) / S_k(h)

with h' = h without its first token, S_k(h) = sum_w a_k(h w), N_j(h) the number
of tokens w with a_k(h w) = j (N_3+: >= 3), and P_0(w) = 1 / |vocabulary|. The
counts a_k are raw counts c(h w) at the highest order n and continuation
counts N_1+(. h w) (the number of distinct tokens seen before h w) below it.
A context never seen (S_k(h) = 0) passes all its mass to the lower order.
The discounts per order come from the count-of-counts n_j of a_k (Chen &
Goodman eq. 26): Y = n_1 / (n_1 + 2 n_2), D_k1 = 1 - 2 Y n_2 / n_1, D_k2 =
2 - 3 Y n_3 / n_2, D_k3+ = 3 - 4 Y n_4 / n_3 (0.5 / 1 / 1.5 instead when a
count-of-count is 0 or an estimate falls outside (0, j], as in tiny corpora: a
discount of 0 would give unseen tokens probability 0). Every P_k(. | h) sums
to 1 over the vocabulary, for seen and unseen contexts alike.

Sequences: lists of token ids in [0, vocabulary_size); each is padded on the
left with n - 1 copies of `start` (the language model's first input, the
end-of-text id), which is a context only; every token of the sequence is
predicted (the end-of-text id at its end included), as the neural model
predicts them.
"""

from __future__ import annotations

import collections
import math

import numpy as np

DEFAULT_DISCOUNTS = (0.5, 1.0, 1.5)


def modified_discounts(counts) -> tuple[float, float, float]:
    """(D1, D2, D3+) from an iterable of n-gram counts (Chen & Goodman eq. 26)."""
    n = collections.Counter(c for c in counts if c <= 4)
    n1, n2, n3, n4 = (n.get(j, 0) for j in (1, 2, 3, 4))
    if min(n1, n2, n3) == 0:
        return DEFAULT_DISCOUNTS
    y = n1 / (n1 + 2 * n2)
    values = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    # A discount of 0 would leave no mass for the lower order (zero probabilities);
    # an estimate outside (0, j] (odd count-of-counts of tiny corpora) takes the default.
    return tuple(
        float(d) if 0 < d <= j else default
        for j, d, default in zip((1, 2, 3), values, DEFAULT_DISCOUNTS)
    )


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


class KneserNey:
    """An interpolated modified Kneser-Ney model of order n over ids 0..V-1.

    Args:
        sequences: the training token sequences (iterables of ints).
        vocabulary_size: V, the number of predicted ids (every id of a sequence
            must be below it).
        order: n (3: trigrams, the default).
        start: the id the sequences are padded with on the left (a context only).
        discounts: None (estimated per order from the counts), or one
            (D1, D2, D3+) for every order (hand-checked examples).
    """

    def __init__(
        self,
        sequences,
        vocabulary_size: int,
        order: int = 3,
        start: int = 0,
        discounts: tuple[float, float, float] | None = None,
    ):
        self.order = _check_int("order", order, 1)
        self.vocabulary_size = _check_int("vocabulary_size", vocabulary_size, 1)
        self.start = _check_int("start", start, 0)
        raw = collections.Counter()
        pad = (self.start,) * (self.order - 1)
        tokens = 0
        for sequence in sequences:
            ids = tuple(int(t) for t in sequence)
            bad = [t for t in ids if not 0 <= t < self.vocabulary_size]
            if bad:
                size = self.vocabulary_size
                raise ValueError(f"token ids must be in [0, vocabulary_size={size}), got {bad[0]}")
            padded = pad + ids
            tokens += len(ids)
            for i in range(self.order - 1, len(padded)):
                raw[padded[i - self.order + 1 : i + 1]] += 1
        if tokens == 0:
            raise ValueError("KneserNey needs at least one training token")
        self.training_tokens = tokens
        # a[k]: the counts of k-grams (raw at the top order, continuation below).
        self.counts = {self.order: dict(raw)}
        for k in range(self.order - 1, 0, -1):
            continuation = collections.Counter(gram[1:] for gram in self.counts[k + 1])
            self.counts[k] = dict(continuation)
        self.discounts = {}
        self.contexts = {}
        for k in range(1, self.order + 1):
            d = discounts if discounts is not None else modified_discounts(self.counts[k].values())
            if len(d) != 3 or any(not 0 <= float(x) <= j for j, x in zip((1, 2, 3), d)):
                raise ValueError(f"discounts must be (D1, D2, D3+) with 0 <= Dj <= j, got {d!r}")
            self.discounts[k] = tuple(float(x) for x in d)
            stats = collections.defaultdict(lambda: [0, 0.0])  # context -> [S, gamma numerator]
            for gram, count in self.counts[k].items():
                entry = stats[gram[:-1]]
                entry[0] += count
                entry[1] += self.discounts[k][min(count, 3) - 1]
            self.contexts[k] = {h: (s, g) for h, (s, g) in stats.items()}

    def probability(self, context, token: int) -> float:
        """P(token | the last n - 1 ids of `context`, left-padded with `start`)."""
        h = self._context(context)
        return self._probability(h, int(token))

    def _context(self, context) -> tuple:
        h = tuple(int(t) for t in context)[-(self.order - 1) :] if self.order > 1 else ()
        return (self.start,) * (self.order - 1 - len(h)) + h

    def _probability(self, h: tuple, w: int) -> float:
        p = 1.0 / self.vocabulary_size
        for k in range(1, self.order + 1):
            context = h[len(h) - (k - 1) :] if k > 1 else ()
            stats = self.contexts[k].get(context)
            if stats is None:
                continue  # unseen context: all its mass goes to the lower order
            total, gamma_numerator = stats
            count = self.counts[k].get((*context, w), 0)
            discounted = max(count - self.discounts[k][min(count, 3) - 1], 0.0) if count else 0.0
            p = discounted / total + gamma_numerator / total * p
        return p

    def distribution(self, context) -> np.ndarray:
        """P(. | context) over every id, float64 [vocabulary_size] (sums to 1)."""
        h = self._context(context)
        return np.array([self._probability(h, w) for w in range(self.vocabulary_size)])

    def sequence_log_probs(self, sequence) -> np.ndarray:
        """Natural-log probability of each token of `sequence` given the ones
        before it (the first given n - 1 starts), float64 [len(sequence)]."""
        padded = (self.start,) * (self.order - 1) + tuple(int(t) for t in sequence)
        out = np.empty(len(padded) - (self.order - 1))
        for i in range(self.order - 1, len(padded)):
            w = padded[i]
            if not 0 <= w < self.vocabulary_size:
                raise ValueError(
                    f"token ids must be in [0, vocabulary_size={self.vocabulary_size}), got {w}"
                )
            out[i - self.order + 1] = math.log(self._probability(padded[i - self.order + 1 : i], w))
        return out
