"""BM25 as sparse vectors: the term-frequency half lives in the vector values, the IDF half
is applied by Qdrant (sparse vector `bm25` with the IDF modifier), so corpus-wide statistics
never have to be written into every vector.

For term t in a chunk of length |d| (tokens) with average length avgdl
(Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009, eq. 3.13):

    w(t, d) = tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))

and the query side is 1 for each distinct query term, so that
score(q, d) = Σ_t idf(t) · w(t, d), with idf from Qdrant over the indexed chunks.
avgdl is kept while the tokenizer vocabulary stays the same; when the vocabulary changes
(new terms mined from an added document), all sparse vectors are recomputed — seconds, no
embedding — and avgdl with them.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SparseVec:
    indices: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def empty(self) -> bool:
        return not self.indices


def term_id(term: str) -> int:
    """A stable 31-bit id per term: no vocabulary file to keep in step with the index."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big") & 0x7FFFFFFF


def _vector(weights: dict[int, float]) -> SparseVec:
    items = sorted(weights.items())
    return SparseVec(tuple(i for i, _ in items), tuple(v for _, v in items))


def document_vector(tokens: Iterable[str], k1: float, b: float, avgdl: float) -> SparseVec:
    counts = Counter(tokens)
    length = sum(counts.values())
    norm = k1 * (1 - b + b * length / avgdl)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        tid = term_id(term)
        # A hash collision adds the two terms' weights; at 31 bits that is vanishingly rare.
        weights[tid] = weights.get(tid, 0.0) + tf * (k1 + 1) / (tf + norm)
    return _vector(weights)


def query_vector(tokens: Iterable[str]) -> SparseVec:
    return _vector({term_id(t): 1.0 for t in set(tokens)})


def average_length(token_lists: Iterable[list[str]]) -> float:
    lengths = [len(t) for t in token_lists]
    return max(sum(lengths) / len(lengths), 1.0) if lengths else 1.0
