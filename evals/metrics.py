"""Ranking metrics with binary relevance, as pure functions of a ranked relevance list.

`ranked` holds, for each retrieved position (rank 1 first), whether that chunk is relevant
(contains one of the question's evidence quotes); `total_relevant` is how many chunks in the
whole index are relevant, which bounds the ideal ranking for nDCG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def first_relevant_rank(ranked: Sequence[bool]) -> int | None:
    return next((i + 1 for i, rel in enumerate(ranked) if rel), None)


def hit_at(ranked: Sequence[bool], k: int) -> float:
    """1 if a relevant chunk is among the first k, else 0."""
    return 1.0 if any(ranked[:k]) else 0.0


def recall_at(ranked: Sequence[bool], total_relevant: int, k: int) -> float:
    """Relevant chunks in the first k / all relevant chunks in the index."""
    return sum(ranked[:k]) / total_relevant if total_relevant else 0.0


def reciprocal_rank(ranked: Sequence[bool], k: int = 10) -> float:
    """1/r for the first relevant rank r ≤ k, else 0 (MRR@k is its mean)."""
    r = first_relevant_rank(ranked[:k])
    return 1.0 / r if r else 0.0


def ndcg_at(ranked: Sequence[bool], total_relevant: int, k: int = 10) -> float:
    """DCG@k / IDCG@k with DCG = Σ_{i≤k} rel_i / log2(i + 1)
    (Järvelin & Kekäläinen 2002), IDCG from min(total_relevant, k) relevant chunks on top."""
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(ranked[:k]) if rel)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(total_relevant, k)))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 100]."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
