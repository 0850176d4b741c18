"""The vector store: one interface, two Qdrant backends, one schema.

- `EdgeStore`: Qdrant's engine embedded in the process (`qdrant-edge-py`), a shard on disk.
  The default: upserts and hybrid queries in milliseconds, nothing to run beside it.
- `ClientStore`: `qdrant-client`, against a Qdrant server (`url`) when one machine is not
  enough, or in its local mode (`path`).

Schema on both: named dense vector `dense` (cosine), sparse vector `bm25` with the IDF
modifier, optionally a second dense vector `cross` (the cross-lingual model), keyword payload
indexes on the metadata that filters use. Hybrid search is done inside Qdrant: the dense,
sparse (and cross) prefetches fused by weighted reciprocal rank fusion.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import SearchMode
from assistant.types import SearchFilters
from indexing.bm25 import SparseVec

DENSE = "dense"
SPARSE = "bm25"
CROSS = "cross"
KEYWORD_FIELDS = ("level", "doc_title", "doc_type", "kind")
SCROLL_PAGE = 256


@dataclass(frozen=True)
class StoredPoint:
    chunk_id: str
    payload: dict
    dense: np.ndarray | None = None
    sparse: SparseVec | None = None
    cross: np.ndarray | None = None


@dataclass(frozen=True)
class ScoredChunk:
    chunk_id: str
    score: float
    payload: dict


class ChunkStore(Protocol):
    def upsert(self, points: Sequence[StoredPoint]) -> None: ...

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]: ...

    def query(self, dense: np.ndarray, sparse: SparseVec, *, mode: SearchMode, filters: SearchFilters,
              limit: int, prefetch_limit: int, rrf_k: int, weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
              cross: np.ndarray | None = None) -> list[ScoredChunk]:
        """Hybrid mode fuses dense, sparse and — when `cross` is given — the cross vector's
        lists, `weights` in that order."""

    def count(self) -> int: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- Qdrant Edge


class EdgeStore:
    def __init__(self, shard) -> None:
        self._shard = shard

    @classmethod
    def create(cls, path: Path, dim: int, cross_dim: int = 0) -> "EdgeStore":
        from qdrant_edge import (
            Distance,
            EdgeConfig,
            EdgeShard,
            EdgeSparseVectorParams,
            EdgeVectorParams,
            Modifier,
            PayloadSchemaType,
            UpdateOperation,
        )

        vectors = {DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)}
        if cross_dim:
            vectors[CROSS] = EdgeVectorParams(size=cross_dim, distance=Distance.Cosine)
        config = EdgeConfig(
            vectors=vectors,
            sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        )
        shard = EdgeShard.create(str(path), config)
        for name in KEYWORD_FIELDS:
            shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword))
        return cls(shard)

    @classmethod
    def open(cls, path: Path) -> "EdgeStore":
        from qdrant_edge import EdgeShard

        return cls(EdgeShard.load(str(path)))

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        from qdrant_edge import Point, SparseVector, UpdateOperation

        if not points:
            return
        self._shard.update(UpdateOperation.upsert_points([
            Point(p.chunk_id, _vectors(p, lambda sv: SparseVector(list(sv.indices), list(sv.values))), p.payload)
            for p in points
        ]))

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]:
        from qdrant_edge import ScrollRequest

        offset = None
        while True:
            records, offset = self._shard.scroll(ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, with_payload=True, with_vector=with_vectors))
            for r in records:
                yield _stored_point(r, with_vectors)
            if offset is None:
                return

    def query(self, dense, sparse, *, mode, filters, limit, prefetch_limit, rrf_k, weights=(1.0, 1.0, 1.0), cross=None):
        from qdrant_edge import Fusion, Prefetch, Query, QueryRequest, SparseVector

        flt = _edge_filter(filters)

        def nearest(using, vector):
            if isinstance(vector, SparseVec):
                return Query.Nearest(SparseVector(list(vector.indices), list(vector.values)), using=using)
            return Query.Nearest([float(x) for x in vector], using=using)

        lists = _ranked_lists(dense, sparse, cross, mode, weights)
        if not lists:
            return []
        if len(lists) == 1:
            request = QueryRequest(limit=limit, query=nearest(*lists[0][:2]), filter=flt, with_payload=True)
        else:
            request = QueryRequest(
                limit=limit, query=Fusion.Rrf(k=rrf_k, weights=[w for _, _, w in lists]), with_payload=True,
                prefetches=[Prefetch(limit=prefetch_limit, query=nearest(u, v), filter=flt) for u, v, _ in lists])
        return [ScoredChunk(str(p.id), float(p.score), dict(p.payload or {})) for p in self._shard.query(request)]

    def count(self) -> int:
        from qdrant_edge import CountRequest

        return int(self._shard.count(CountRequest(exact=True)))

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None


def _edge_filter(filters: SearchFilters):
    from qdrant_edge import FieldCondition, Filter, MatchAny

    if filters.empty:
        return None
    must = []
    if filters.levels:
        must.append(FieldCondition("level", match=MatchAny([lv.value for lv in filters.levels])))
    if filters.doc_titles:
        must.append(FieldCondition("doc_title", match=MatchAny(list(filters.doc_titles))))
    if filters.parks:
        must.append(FieldCondition("parks", match=MatchAny(list(filters.parks))))
    return Filter(must=must)


def _ranked_lists(dense, sparse: SparseVec, cross, mode: SearchMode, weights: tuple[float, ...]):
    """(vector name, query vector, fusion weight) of each list the mode searches: hybrid
    fuses all the query has (BM25 has nothing to match when no token is in the vocabulary)."""
    lists = [(DENSE, dense, SearchMode.DENSE), (SPARSE, sparse, SearchMode.SPARSE), (CROSS, cross, SearchMode.CROSS)]
    return [(name, vector, weight) for (name, vector, own), weight in zip(lists, weights, strict=True)
            if mode in (own, SearchMode.HYBRID) and vector is not None
            and not (isinstance(vector, SparseVec) and vector.empty)]


def _vectors(p: StoredPoint, sparse_type) -> dict:
    out = {DENSE: [float(x) for x in p.dense], SPARSE: sparse_type(p.sparse)}
    if p.cross is not None:
        out[CROSS] = [float(x) for x in p.cross]
    return out


def _stored_point(record, with_vectors: bool) -> StoredPoint:
    """Either engine's record (same fields) as a StoredPoint."""
    if not with_vectors:
        return StoredPoint(str(record.id), dict(record.payload or {}))
    vec = record.vector
    sv = vec[SPARSE]
    cross = vec.get(CROSS)
    return StoredPoint(str(record.id), dict(record.payload or {}), np.asarray(vec[DENSE], dtype=np.float32),
                       SparseVec(tuple(sv.indices), tuple(sv.values)),
                       None if cross is None else np.asarray(cross, dtype=np.float32))


# --------------------------------------------------------------------------- qdrant-client


class ClientStore:
    def __init__(self, client, collection: str) -> None:
        self._client = client
        self.collection = collection

    @staticmethod
    def connect(url: str = "", path: Path | None = None, api_key: str = ""):
        from qdrant_client import QdrantClient

        if url:
            return QdrantClient(url=url, api_key=api_key or None, timeout=30)
        return QdrantClient(path=str(path))

    @classmethod
    def create(cls, client, collection: str, dim: int, cross_dim: int = 0) -> "ClientStore":
        from qdrant_client import models

        if client.collection_exists(collection):
            client.delete_collection(collection)
        vectors = {DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)}
        if cross_dim:
            vectors[CROSS] = models.VectorParams(size=cross_dim, distance=models.Distance.COSINE)
        client.create_collection(
            collection,
            vectors_config=vectors,
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        if not _is_local(client):  # local mode filters by scanning and warns about indexes
            for name in KEYWORD_FIELDS:
                client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
        return cls(client, collection)

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        from qdrant_client import models

        if not points:
            return
        self._client.upsert(self.collection, points=[
            models.PointStruct(id=p.chunk_id, payload=p.payload, vector=_vectors(
                p, lambda sv: models.SparseVector(indices=list(sv.indices), values=list(sv.values))))
            for p in points
        ], wait=True)

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]:
        offset = None
        while True:
            records, offset = self._client.scroll(self.collection, limit=SCROLL_PAGE, offset=offset,
                                                  with_payload=True, with_vectors=with_vectors)
            for r in records:
                yield _stored_point(r, with_vectors)
            if offset is None:
                return

    def query(self, dense, sparse, *, mode, filters, limit, prefetch_limit, rrf_k, weights=(1.0, 1.0, 1.0), cross=None):
        from qdrant_client import models

        flt = _client_filter(filters)

        def nearest(vector):
            if isinstance(vector, SparseVec):
                return models.SparseVector(indices=list(vector.indices), values=list(vector.values))
            return [float(x) for x in vector]

        lists = _ranked_lists(dense, sparse, cross, mode, weights)
        if not lists:
            return []
        if len(lists) == 1:
            kwargs = dict(query=nearest(lists[0][1]), using=lists[0][0], query_filter=flt)
        else:
            kwargs = dict(query=models.RrfQuery(rrf=models.Rrf(k=rrf_k, weights=[w for _, _, w in lists])),
                          prefetch=[models.Prefetch(query=nearest(v), using=u, limit=prefetch_limit, filter=flt)
                                    for u, v, _ in lists])
        res = self._client.query_points(self.collection, limit=limit, with_payload=True, **kwargs)
        return [ScoredChunk(str(p.id), float(p.score), dict(p.payload or {})) for p in res.points]

    def count(self) -> int:
        return int(self._client.count(self.collection, exact=True).count)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _is_local(client) -> bool:
    from qdrant_client.local.qdrant_local import QdrantLocal

    return isinstance(getattr(client, "_client", None), QdrantLocal)


def _client_filter(filters: SearchFilters):
    from qdrant_client import models

    if filters.empty:
        return None
    must = []
    if filters.levels:
        must.append(models.FieldCondition(key="level", match=models.MatchAny(any=[lv.value for lv in filters.levels])))
    if filters.doc_titles:
        must.append(models.FieldCondition(key="doc_title", match=models.MatchAny(any=list(filters.doc_titles))))
    if filters.parks:
        must.append(models.FieldCondition(key="parks", match=models.MatchAny(any=list(filters.parks))))
    return models.Filter(must=must)
