"""The index folder: generations switched atomically, and what each one was built with.

    INDEX_DIR/
      CURRENT                 name of the live generation (replaced atomically)
      gen-<time>-<rand>/
        meta.json             embedders, BM25 parameters, vocabulary fingerprint, documents
        vocabulary.json       the jieba user dictionary and stopwords it was built with
        texts/<sha256>.txt    each document's text as indexed (citations are checked against it)
        shard/                Qdrant Edge shard (or qdrant/ for qdrant-client's local mode)

An ingest writes a whole new generation and only then points CURRENT at it, so a failed
or interrupted ingest leaves the previous index untouched and usable.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.config import Settings, StoreKind
from assistant.errors import IndexProblem
from indexing.bm25 import term_id
from indexing.store import ChunkStore, ClientStore, EdgeStore
from indexing.tokenizer import ChineseTokenizer, Vocabulary

SCHEMA_VERSION = 1
CURRENT = "CURRENT"
META = "meta.json"
VOCABULARY = "vocabulary.json"
TEXTS = "texts"


@dataclass(frozen=True)
class IndexedDocument:
    title: str
    path: str
    root: str
    content_hash: str
    level: str
    issuer: str
    date: str
    doc_type: str
    source: str
    chunk_ids: tuple[str, ...]
    payload_hash: str = ""
    doc_number: str = ""
    effective: str = ""


@dataclass(frozen=True)
class IndexMeta:
    embedder: str
    dim: int
    store: str
    collection: str
    bm25_k1: float
    bm25_b: float
    bm25_avgdl: float
    vocabulary: str  # fingerprint
    sources: tuple[str, ...]
    documents: dict[str, IndexedDocument] = field(default_factory=dict)
    created: str = ""
    schema: int = SCHEMA_VERSION
    cross_embedder: str = ""  # the second dense model's id; "" when the index has no cross vectors
    cross_dim: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data["documents"] = {t: asdict(d) for t, d in self.documents.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "IndexMeta":
        docs = {t: IndexedDocument(**{**d, "chunk_ids": tuple(d["chunk_ids"])}) for t, d in data["documents"].items()}
        return cls(**{**data, "sources": tuple(data["sources"]), "documents": docs})


def new_generation_name() -> str:
    return time.strftime("gen-%Y%m%dT%H%M%S-") + secrets.token_hex(3)


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    gen = index_dir / pointer.read_text(encoding="utf-8").strip()
    return gen if gen.is_dir() else None


def read_meta(gen: Path) -> IndexMeta:
    try:
        meta = IndexMeta.from_json(json.loads((gen / META).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexProblem(
            f"the index at {gen.parent} is damaged ({type(exc).__name__}: {exc}); "
            "rebuild it with `python -m assistant ingest --rebuild`"
        ) from exc
    if meta.schema != SCHEMA_VERSION:
        raise IndexProblem(
            f"the index at {gen.parent} has schema {meta.schema}, this version reads {SCHEMA_VERSION}; "
            "rebuild it with `python -m assistant ingest --rebuild`"
        )
    return meta


def write_meta(gen: Path, meta: IndexMeta) -> None:
    (gen / META).write_text(json.dumps(meta.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")


def switch_to(index_dir: Path, gen: Path) -> None:
    """Point CURRENT at `gen` in one atomic rename, then drop the other generations."""
    tmp = index_dir / f".{CURRENT}.{secrets.token_hex(3)}"
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    for other in index_dir.glob("gen-*"):
        if other != gen:
            shutil.rmtree(other, ignore_errors=True)


def _client(settings: Settings, gen: Path):
    client = ClientStore.connect(settings.qdrant_url, gen / "qdrant", settings.qdrant_api_key)
    if settings.qdrant_url:
        try:
            client.get_collections()  # connect now, to say clearly when the server is not there
        except Exception as exc:  # transport-specific types
            client.close()
            raise IndexProblem(f"cannot reach the Qdrant server at {settings.qdrant_url} ({exc}); "
                               "start it, or fix YK_QDRANT_URL") from exc
    return client


def create_store(settings: Settings, gen: Path, collection: str, dim: int, cross_dim: int = 0) -> ChunkStore:
    if settings.store is StoreKind.EDGE:
        return EdgeStore.create(gen / "shard", dim, cross_dim)
    return ClientStore.create(_client(settings, gen), collection, dim, cross_dim)


def open_store(settings: Settings, gen: Path, meta: IndexMeta) -> ChunkStore:
    if meta.store == StoreKind.EDGE.value:
        return EdgeStore.open(gen / "shard")
    client = _client(settings, gen)
    if not client.collection_exists(meta.collection):
        raise IndexProblem(
            f"collection {meta.collection!r} is missing from the Qdrant store of the index at {gen.parent}; "
            "rebuild it with `python -m assistant ingest --rebuild`"
        )
    return ClientStore(client, meta.collection)


def check_compatible(settings: Settings, meta: IndexMeta, embedder_id: str, index_dir: Path) -> None:
    if meta.embedder != embedder_id:
        raise IndexProblem(
            f"the index at {index_dir} was built with the embedding model {meta.embedder!r}, but the settings "
            f"ask for {embedder_id!r}; vectors of different models cannot be compared. Either go back to the "
            "index's model (YK_EMBEDDER / YK_MODEL) or rebuild: `python -m assistant ingest --rebuild`"
        )
    if meta.store != settings.store.value:
        raise IndexProblem(
            f"the index at {index_dir} lives in a {meta.store!r} store, but the settings ask for "
            f"{settings.store.value!r}; set YK_STORE={meta.store} or rebuild with `ingest --rebuild`"
        )


@dataclass
class OpenIndex:
    """A generation opened for queries: its meta, store and tokenizer."""

    path: Path
    meta: IndexMeta
    store: ChunkStore
    tokenizer: ChineseTokenizer
    _df: Counter | None = None
    _n: int = 0

    def idf(self, term: str) -> float:
        """BM25's idf of a term over the indexed chunks, ln(1 + (N − df + 0.5) / (df + 0.5)),
        the same weight Qdrant's IDF modifier gives it; document frequencies are counted from the
        stored sparse vectors on first use."""
        if self._df is None:
            df: Counter[int] = Counter()
            for p in self.store.scroll(with_vectors=True):
                df.update(p.sparse.indices)
            self._df, self._n = df, max(self.meta_chunk_count, 1)
        d = self._df.get(term_id(term), 0)
        return math.log(1 + (self._n - d + 0.5) / (d + 0.5))

    @property
    def max_idf(self) -> float:
        """The idf of a term no chunk contains."""
        self.idf("")
        return math.log(1 + (self._n + 0.5) / 0.5)

    @property
    def meta_chunk_count(self) -> int:
        return sum(len(d.chunk_ids) for d in self.meta.documents.values())

    def source_text(self, doc_title: str) -> str:
        """The text a document had when it was indexed: chunk offsets point into it."""
        doc = self.meta.documents.get(doc_title)
        if doc is None:
            raise IndexProblem(f"{doc_title!r} is not in the index at {self.path.parent}")
        try:
            return (self.path / TEXTS / f"{doc.content_hash}.txt").read_text(encoding="utf-8")
        except OSError as exc:
            raise IndexProblem(f"the index at {self.path.parent} lacks the text of {doc_title!r}; "
                               "rebuild it with `python -m assistant ingest --rebuild`") from exc

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "OpenIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_index(settings: Settings, embedder_id: str) -> OpenIndex:
    index_dir = settings.index_dir
    gen = current_generation(index_dir)
    if gen is None:
        if index_dir.exists() and any(index_dir.glob("gen-*")):
            raise IndexProblem(
                f"the index at {index_dir} is incomplete (an ingest did not finish); "
                "run `python -m assistant ingest` again"
            )
        raise IndexProblem(f"there is no index at {index_dir}; build one with `python -m assistant ingest`")
    meta = read_meta(gen)
    check_compatible(settings, meta, embedder_id, index_dir)
    try:
        vocabulary = Vocabulary.load(gen / VOCABULARY)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexProblem(f"the index at {index_dir} has no readable vocabulary ({exc}); "
                           "rebuild it with `python -m assistant ingest --rebuild`") from exc
    try:
        store = open_store(settings, gen, meta)
    except IndexProblem:
        raise
    except Exception as exc:  # the engines raise their own types for unreadable shards
        if "WouldBlock" in str(exc):  # the embedded engine locks its shard for one process
            raise IndexProblem(f"the index at {index_dir} is already open (a running `serve`, or another command); "
                               "stop it, or give this command another --index") from exc
        raise IndexProblem(f"cannot open the vector store of the index at {index_dir} ({exc}); "
                           "rebuild it with `python -m assistant ingest --rebuild`") from exc
    return OpenIndex(gen, meta, store, ChineseTokenizer(vocabulary))
