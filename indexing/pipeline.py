"""Ingest: corpus files → chunks → vectors → a new index generation, incrementally.

Chunk ids derive from content, so a chunk that already sits in the live index keeps its
vectors (copied, never re-embedded); only new chunks are embedded. Chunks whose document
changed or disappeared are left behind. When the tokenizer vocabulary changes, sparse
vectors are recomputed (cheap) while dense vectors are kept.
"""

from __future__ import annotations

import fcntl
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings, StoreKind
from assistant.errors import IndexProblem, InputError
from assistant.types import Chunk, Document
from indexing import bm25
from indexing.chunking import chunk_document
from indexing.embedding import Embedder
from indexing.index import (VOCABULARY, IndexedDocument, IndexMeta, check_compatible, create_store,
                            current_generation, new_generation_name, open_store, read_meta, switch_to,
                            write_meta)
from indexing.loading import SkippedFile, load_corpus
from indexing.store import StoredPoint
from indexing.structure import parse_clauses
from indexing.tokenizer import ChineseTokenizer, Vocabulary


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose dense vector was computed in this run
    reused: int = 0  # chunks whose vectors were carried over from the previous generation
    removed: int = 0
    sparse_recomputed: bool = False
    up_to_date: bool = False
    seconds: float = 0.0
    skipped: list[SkippedFile] = field(default_factory=list)
    generation: str = ""


def chunk_payload(chunk: Chunk) -> dict:
    return {
        "chunk_id": chunk.chunk_id,
        "doc_title": chunk.doc.title,
        "level": chunk.doc.level.value,
        "issuer": chunk.doc.issuer,
        "date": chunk.doc.date,
        "doc_type": chunk.doc.doc_type,
        "source": chunk.doc.source,
        "heading_path": list(chunk.heading_path),
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "kind": chunk.kind.value,
        "captions": list(chunk.captions),
    }


def context_text_of(payload: dict) -> str:
    """The encoders' input, rebuilt from a stored payload (same as `Chunk.context_text`)."""
    place = " › ".join(payload["heading_path"])
    title = payload["doc_title"]
    return f"《{title}》 {place}\n{payload['text']}" if place else f"《{title}》\n{payload['text']}"


@contextmanager
def _ingest_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexProblem(f"another ingest is writing the index at {index_dir}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ingest(settings: Settings, embedder: Embedder, paths: list[Path] | None = None, *, rebuild: bool = False,
           progress: Callable[[int, int], None] | None = None, show_progress: bool = False) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    index_dir = settings.index_dir
    with _ingest_lock(index_dir):
        old_gen = None if rebuild else current_generation(index_dir)
        old_meta = read_meta(old_gen) if old_gen else None
        if old_meta:
            check_compatible(settings, old_meta, embedder.model_id, index_dir)

        sources = _sources(settings, paths or [], old_meta)
        present = [s for s in sources if Path(s).exists()]
        docs, report.skipped = load_corpus([Path(s) for s in present])
        kept_docs = _documents_of_missing_sources(old_meta, sources, present)
        if not docs and not kept_docs:
            raise InputError("no readable documents to index" + "".join(f"\n  {s.path}: {s.reason}" for s in report.skipped))

        chunks_by_doc = {d.meta.title: chunk_document(d, parse_clauses(d), settings) for d in docs}
        vocabulary = Vocabulary.build(docs)
        tokenizer = ChineseTokenizer(vocabulary)
        new_ids = {c.chunk_id for cs in chunks_by_doc.values() for c in cs}
        new_ids |= {cid for d in kept_docs.values() for cid in d.chunk_ids}
        old_ids = {cid for d in old_meta.documents.values() for cid in d.chunk_ids} if old_meta else set()

        report.documents = len(docs) + len(kept_docs)
        report.chunks = len(new_ids)
        if old_meta and new_ids == old_ids and old_meta.vocabulary == vocabulary.fingerprint \
                and (old_meta.bm25_k1, old_meta.bm25_b) == (settings.bm25_k1, settings.bm25_b) \
                and tuple(sources) == old_meta.sources:
            report.up_to_date, report.reused = True, len(new_ids)
            report.generation = old_gen.name
            report.seconds = time.perf_counter() - started
            return report

        all_chunks = [c for cs in chunks_by_doc.values() for c in cs]
        same_sparse = bool(old_meta) and old_meta.vocabulary == vocabulary.fingerprint \
            and (old_meta.bm25_k1, old_meta.bm25_b) == (settings.bm25_k1, settings.bm25_b)
        if same_sparse:
            avgdl = old_meta.bm25_avgdl
        else:
            avgdl = bm25.average_length(tokenizer.tokens(c.context_text()) for c in all_chunks)
        report.sparse_recomputed = bool(old_meta) and not same_sparse

        gen = index_dir / new_generation_name()
        gen.mkdir(parents=True)
        collection = f"{settings.collection}_{gen.name.replace('-', '_')}"
        store = None
        try:
            store = create_store(settings, gen, collection, embedder.dim)

            def sparse_of(text: str) -> bm25.SparseVec:
                return bm25.document_vector(tokenizer.tokens(text), settings.bm25_k1, settings.bm25_b, avgdl)

            if old_meta:
                report.reused = _carry_over(settings, old_gen, old_meta, store, new_ids,
                                            None if same_sparse else sparse_of)
            report.removed = len(old_ids - new_ids)
            todo = [c for c in all_chunks if c.chunk_id not in old_ids]
            report.embedded = _embed_and_store(todo, store, embedder, sparse_of, settings.embed_batch,
                                               progress, show_progress)
            if store.count() != len(new_ids):
                raise IndexProblem(f"the new index holds {store.count()} chunks, expected {len(new_ids)}")
            store.close()
            store = None
            vocabulary.save(gen / VOCABULARY)
            meta = IndexMeta(
                embedder=embedder.model_id, dim=embedder.dim, store=settings.store.value, collection=collection,
                bm25_k1=settings.bm25_k1, bm25_b=settings.bm25_b, bm25_avgdl=avgdl,
                vocabulary=vocabulary.fingerprint, sources=tuple(sources),
                documents={**kept_docs, **{d.meta.title: _indexed(d, chunks_by_doc[d.meta.title], sources)
                                            for d in docs}},
                created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            write_meta(gen, meta)
            old_collection = old_meta.collection if old_meta else None
            switch_to(index_dir, gen)
            if settings.store is StoreKind.QDRANT and settings.qdrant_url and old_collection:
                _drop_server_collection(settings, old_collection)
        except BaseException:
            if store is not None:
                store.close()
            shutil.rmtree(gen, ignore_errors=True)
            raise
    report.generation = gen.name
    report.seconds = time.perf_counter() - started
    return report


def _sources(settings: Settings, paths: list[Path], old_meta: IndexMeta | None) -> list[str]:
    """What this index covers: the corpus folder, what earlier ingests added, and `paths`."""
    sources = [str(settings.corpus_dir.resolve())]
    for s in (*(old_meta.sources if old_meta else ()), *(str(p.resolve()) for p in paths)):
        if s not in sources:
            sources.append(s)
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
    return sources


def _documents_of_missing_sources(old_meta: IndexMeta | None, sources: list[str], present: list[str]):
    """A source folder that is gone (an unmounted share) keeps its documents, not drops them."""
    missing = set(sources) - set(present)
    if not old_meta or not missing:
        return {}
    print(f"warning: source(s) not found, their documents are kept as indexed: {sorted(missing)}", file=sys.stderr)
    return {t: d for t, d in old_meta.documents.items() if d.root in missing}


def _indexed(doc: Document, chunks: list[Chunk], sources: list[str]) -> IndexedDocument:
    m = doc.meta
    root = next((s for s in sources if Path(doc.path).is_relative_to(s)), str(Path(doc.path).parent))
    return IndexedDocument(
        title=m.title, path=doc.path, root=root, content_hash=doc.content_hash,
        level=m.level.value, issuer=m.issuer, date=m.date, doc_type=m.doc_type, source=m.source,
        chunk_ids=tuple(c.chunk_id for c in chunks),
    )


def _carry_over(settings, old_gen, old_meta, store, keep: set[str], resparse) -> int:
    old_store = open_store(settings, old_gen, old_meta)
    try:
        batch, carried = [], 0
        for p in old_store.scroll(with_vectors=True):
            if p.chunk_id not in keep:
                continue
            sparse = resparse(context_text_of(p.payload)) if resparse else p.sparse
            batch.append(StoredPoint(p.chunk_id, p.payload, p.dense, sparse))
            if len(batch) >= 256:
                store.upsert(batch)
                carried += len(batch)
                batch = []
        store.upsert(batch)
        return carried + len(batch)
    finally:
        old_store.close()


def _embed_and_store(chunks, store, embedder, sparse_of, batch_size, progress, show_progress) -> int:
    from tqdm import tqdm

    bar = tqdm(total=len(chunks), unit="chunk", desc="embedding", file=sys.stderr,
               disable=not show_progress or not chunks)
    done = 0
    for i in range(0, len(chunks), batch_size):
        batch = chunks[i : i + batch_size]
        texts = [c.context_text() for c in batch]
        dense = embedder.embed_passages(texts)
        store.upsert([StoredPoint(c.chunk_id, chunk_payload(c), dense[j], sparse_of(texts[j]))
                      for j, c in enumerate(batch)])
        done += len(batch)
        bar.update(len(batch))
        if progress:
            progress(done, len(chunks))
    bar.close()
    return done


def _drop_server_collection(settings: Settings, collection: str) -> None:
    from indexing.store import ClientStore

    client = ClientStore.connect(settings.qdrant_url, None, settings.qdrant_api_key)
    try:
        if client.collection_exists(collection):
            client.delete_collection(collection)
    finally:
        client.close()
