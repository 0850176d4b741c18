"""The vector store: one interface, two Qdrant backends, one schema.

- `EdgeStore`: Qdrant's engine embedded in the process (`qdrant-edge-py`), a shard on disk.
  The default: upserts and hybrid queries in milliseconds, nothing to run beside it.
- `ClientStore`: `qdrant-client`, against a Qdrant server (`url`) when one machine is not
  enough, or in its local mode (`path`).

Schema on both: named dense vector `dense` (cosine), sparse vector `bm25` with the IDF
modifier, keyword payload indexes on the metadata that filters use. Hybrid search is
done inside Qdrant: a dense and a sparse prefetch fused by reciprocal rank fusion.
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
KEYWORD_FIELDS = ("level", "doc_title", "doc_type", "kind")
SCROLL_PAGE = 256


@dataclass(frozen=True)
class StoredPoint:
    chunk_id: str
    payload: dict
    dense: np.ndarray | None = None
    sparse: SparseVec | None = None


@dataclass(frozen=True)
class ScoredChunk:
    chunk_id: str
    score: float
    payload: dict


class ChunkStore(Protocol):
    def upsert(self, points: Sequence[StoredPoint]) -> None: ...

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]: ...

    def query(self, dense: np.ndarray, sparse: SparseVec, *, mode: SearchMode, filters: SearchFilters,
              limit: int, prefetch_limit: int, rrf_k: int,
              weights: tuple[float, float] = (1.0, 1.0)) -> list[ScoredChunk]: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- Qdrant Edge


class EdgeStore:
    def __init__(self, shard) -> None:
        self._shard = shard

    @classmethod
    def create(cls, path: Path, dim: int) -> "EdgeStore":
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

        config = EdgeConfig(
            vectors={DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
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
            Point(p.chunk_id, {DENSE: [float(x) for x in p.dense],
                               SPARSE: SparseVector(list(p.sparse.indices), list(p.sparse.values))}, p.payload)
            for p in points
        ]))

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]:
        from qdrant_edge import ScrollRequest

        offset = None
        while True:
            records, offset = self._shard.scroll(ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, with_payload=True, with_vector=with_vectors))
            for r in records:
                yield _edge_point(r, with_vectors)
            if offset is None:
                return

    def query(self, dense, sparse, *, mode, filters, limit, prefetch_limit, rrf_k, weights=(1.0, 1.0)):
        from qdrant_edge import Fusion, Prefetch, Query, QueryRequest, SparseVector

        flt = _edge_filter(filters)

        def dense_q():
            return Query.Nearest([float(x) for x in dense], using=DENSE)

        def sparse_q():
            return Query.Nearest(SparseVector(list(sparse.indices), list(sparse.values)), using=SPARSE)

        if mode is SearchMode.SPARSE:
            if sparse.empty:
                return []
            request = QueryRequest(limit=limit, query=sparse_q(), filter=flt, with_payload=True)
        elif mode is SearchMode.DENSE or sparse.empty:
            request = QueryRequest(limit=limit, query=dense_q(), filter=flt, with_payload=True)
        else:
            request = QueryRequest(
                limit=limit, query=Fusion.Rrf(k=rrf_k, weights=list(weights)), with_payload=True,
                prefetches=[Prefetch(limit=prefetch_limit, query=dense_q(), filter=flt),
                            Prefetch(limit=prefetch_limit, query=sparse_q(), filter=flt)],
            )
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


def _edge_point(record, with_vectors: bool) -> StoredPoint:
    dense = sparse = None
    if with_vectors:
        vec = record.vector
        dense = np.asarray(vec[DENSE], dtype=np.float32)
        sv = vec[SPARSE]
        sparse = SparseVec(tuple(sv.indices), tuple(sv.values))
    return StoredPoint(str(record.id), dict(record.payload or {}), dense, sparse)


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
    def create(cls, client, collection: str, dim: int) -> "ClientStore":
        from qdrant_client import models

        if client.collection_exists(collection):
            client.delete_collection(collection)
        client.create_collection(
            collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
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
            models.PointStruct(id=p.chunk_id, payload=p.payload, vector={
                DENSE: [float(x) for x in p.dense],
                SPARSE: models.SparseVector(indices=list(p.sparse.indices), values=list(p.sparse.values)),
            }) for p in points
        ], wait=True)

    def scroll(self, with_vectors: bool = False) -> Iterator[StoredPoint]:
        offset = None
        while True:
            records, offset = self._client.scroll(self.collection, limit=SCROLL_PAGE, offset=offset,
                                                  with_payload=True, with_vectors=with_vectors)
            for r in records:
                dense = sparse = None
                if with_vectors:
                    dense = np.asarray(r.vector[DENSE], dtype=np.float32)
                    sv = r.vector[SPARSE]
                    sparse = SparseVec(tuple(sv.indices), tuple(sv.values))
                yield StoredPoint(str(r.id), dict(r.payload or {}), dense, sparse)
            if offset is None:
                return

    def query(self, dense, sparse, *, mode, filters, limit, prefetch_limit, rrf_k, weights=(1.0, 1.0)):
        from qdrant_client import models

        flt = _client_filter(filters)

        def dense_q():
            return [float(x) for x in dense]

        def sparse_q():
            return models.SparseVector(indices=list(sparse.indices), values=list(sparse.values))

        if mode is SearchMode.SPARSE:
            if sparse.empty:
                return []
            kwargs = dict(query=sparse_q(), using=SPARSE, query_filter=flt)
        elif mode is SearchMode.DENSE or sparse.empty:
            kwargs = dict(query=dense_q(), using=DENSE, query_filter=flt)
        else:
            kwargs = dict(
                query=models.RrfQuery(rrf=models.Rrf(k=rrf_k, weights=list(weights))),
                prefetch=[models.Prefetch(query=dense_q(), using=DENSE, limit=prefetch_limit, filter=flt),
                          models.Prefetch(query=sparse_q(), using=SPARSE, limit=prefetch_limit, filter=flt)],
            )
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
