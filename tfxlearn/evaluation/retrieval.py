"""Retrieval metrics in NumPy: nDCG and recall@k, with chance levels from the same code.

Every query ranks the whole database by a score matrix (higher = more similar);
an item is relevant when it has the query's class label (e.g. the same spoken
digit), as in the cross-modal retrieval table of Arandjelovic & Zisserman
("Objects that Sound", ECCV 2018, Table 3: nDCG@30 for im-im, im-aud, aud-im,
aud-aud). Within one modality the query itself is removed from the database
(`exclude_self=True`).

- nDCG@k (Jarvelin & Kekalainen, 2002): DCG@k = sum_{r=1..k} rel_r / log2(r + 1)
  over the ranked list, divided by the DCG@k of the ideal ordering (all
  relevant items first); averaged over the queries that have a relevant item.
- recall@k: the fraction of queries with at least one relevant item among their
  k best-ranked ones (the usual R@k of retrieval benchmarks).
- Chance: the same metrics for i.i.d. random scores (a random ranking) of the
  same queries and database, averaged over several draws (`chance_metrics`).

Ties are broken by database order (stable sort), so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _check(scores, query_labels, database_labels, exclude_self):
    scores = np.asarray(scores, np.float64)
    query_labels = np.asarray(query_labels)
    database_labels = np.asarray(database_labels)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a matrix [queries, database], got shape {scores.shape}")
    if query_labels.shape != (scores.shape[0],) or database_labels.shape != (scores.shape[1],):
        raise ValueError(
            f"labels must have one entry per query / database item: scores {scores.shape}, "
            f"query_labels {query_labels.shape}, database_labels {database_labels.shape}"
        )
    if exclude_self and scores.shape[0] != scores.shape[1]:
        raise ValueError(
            f"exclude_self needs a square score matrix (queries = database), got {scores.shape}"
        )
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN")
    return scores, query_labels, database_labels


def ranked_relevance(
    scores, query_labels, database_labels, *, exclude_self: bool = False
) -> np.ndarray:
    """Binary relevance of each query's database items in ranked order:
    bool [queries, database (- 1 with exclude_self)], best-scored first."""
    scores, query_labels, database_labels = _check(
        scores, query_labels, database_labels, exclude_self
    )
    order = np.argsort(-scores, axis=1, kind="stable")
    if exclude_self:
        n = scores.shape[0]
        keep = order != np.arange(n)[:, None]
        order = order[keep].reshape(n, n - 1)
    return database_labels[order] == query_labels[:, None]


def ndcg_from_relevance(relevance, k: int | None = None) -> np.ndarray:
    """nDCG@k of each row of a ranked relevance matrix [queries, ranked items]
    (graded or binary); NaN for a row without any relevant item."""
    relevance = np.asarray(relevance, np.float64)
    if relevance.ndim != 2:
        raise ValueError(f"relevance must be [queries, ranked items], got {relevance.shape}")
    if k is not None and (isinstance(k, bool) or int(k) < 1):
        raise ValueError(f"k must be a positive int or None, got {k!r}")
    k = relevance.shape[1] if k is None else min(int(k), relevance.shape[1])
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = relevance[:, :k] @ discounts
    ideal = -np.sort(-relevance, axis=1)[:, :k] @ discounts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ideal > 0, dcg / np.where(ideal > 0, ideal, 1.0), np.nan)


def ndcg(
    scores, query_labels, database_labels, *, k: int | None = 30, exclude_self: bool = False
) -> float:
    """Mean nDCG@k (relevance = same label) over the queries that have a relevant item."""
    per_query = ndcg_from_relevance(
        ranked_relevance(scores, query_labels, database_labels, exclude_self=exclude_self), k
    )
    if np.isnan(per_query).all():
        raise ValueError("no query has a relevant item in the database (no shared label)")
    return float(np.nanmean(per_query))


def recall_at_k(
    scores,
    query_labels,
    database_labels,
    *,
    ks: Sequence[int] = (1, 5, 10),
    exclude_self: bool = False,
) -> dict[int, float]:
    """`{k: fraction of queries with a relevant item in their top k}`."""
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be positive ints, got {ks!r}")
    relevance = ranked_relevance(scores, query_labels, database_labels, exclude_self=exclude_self)
    if relevance.shape[1] == 0:
        raise ValueError("the database is empty (after excluding the query itself)")
    hits = np.cumsum(relevance, axis=1) > 0  # [q, r]: a relevant item within the top r + 1
    return {k: float(hits[:, min(k, relevance.shape[1]) - 1].mean()) for k in ks}


def retrieval_metrics(
    scores,
    query_labels,
    database_labels,
    *,
    ndcg_k: int | None = 30,
    ks: Sequence[int] = (1, 5, 10),
    exclude_self: bool = False,
) -> dict[str, float]:
    """`{"ndcg@K": ..., "recall@1": ..., ...}` of one score matrix."""
    name = "ndcg" if ndcg_k is None else f"ndcg@{int(ndcg_k)}"
    out = {name: ndcg(scores, query_labels, database_labels, k=ndcg_k, exclude_self=exclude_self)}
    recalls = recall_at_k(scores, query_labels, database_labels, ks=ks, exclude_self=exclude_self)
    out.update({f"recall@{k}": v for k, v in recalls.items()})
    return out


def chance_metrics(
    query_labels,
    database_labels,
    *,
    draws: int = 10,
    seed: int = 0,
    **kwargs,
) -> dict[str, float]:
    """`retrieval_metrics` of i.i.d. uniform random scores (a random ranking),
    averaged over `draws` draws: the chance level of each metric, computed by the
    same code as the model's."""
    if int(draws) < 1:
        raise ValueError(f"draws must be >= 1, got {draws!r}")
    rng = np.random.default_rng(seed)
    shape = (len(query_labels), len(database_labels))
    runs = [
        retrieval_metrics(rng.random(shape), query_labels, database_labels, **kwargs)
        for _ in range(int(draws))
    ]
    return {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}


__all__ = [
    "ranked_relevance",
    "ndcg_from_relevance",
    "ndcg",
    "recall_at_k",
    "retrieval_metrics",
    "chance_metrics",
]
