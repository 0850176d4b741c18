"""Ingest: corpus files → chunks → vectors → a new index generation, incrementally.

Chunk ids derive from content, so a chunk that already sits in the live index keeps its
vectors (copied, never re-embedded); only new chunks are embedded. Chunks whose document
changed or disappeared are left behind. When the tokenizer vocabulary changes, sparse
vectors are recomputed (cheap) while dense vectors are kept; so are the cross-lingual
vectors when the second model changed or was missing (about 4 ms a chunk).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.config import Settings, StoreKind
from assistant.errors import IndexProblem, InputError
from assistant.types import Chunk, Document, context_text
from indexing import bm25
from indexing.chunking import chunk_document
from indexing.embedding import Embedder, make_cross_embedder
from indexing.index import (
    TEXTS,
    VOCABULARY,
    IndexedDocument,
    IndexMeta,
    check_compatible,
    create_store,
    current_generation,
    new_generation_name,
    open_store,
    read_meta,
    switch_to,
    write_meta,
)
from indexing.loading import SkippedFile, load_corpus
from indexing.parks import parks_named
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
    warnings: list[str] = field(default_factory=list)
    generation: str = ""
    # Documents by title, against the previous index: new, with changed text or metadata, gone.
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dry_run: bool = False  # nothing was written: the counts say what an ingest would do


def chunk_payload(chunk: Chunk) -> dict:
    return {
        "chunk_id": chunk.chunk_id,
        "doc_title": chunk.doc.title,
        "level": chunk.doc.level.value,
        "issuer": chunk.doc.issuer,
        "date": chunk.doc.date,
        "doc_type": chunk.doc.doc_type,
        "source": chunk.doc.source,
        "doc_number": chunk.doc.doc_number,
        "effective": chunk.doc.effective,
        "heading_path": list(chunk.heading_path),
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "kind": chunk.kind.value,
        "captions": list(chunk.captions),
        "parks": parks_named([*chunk.heading_path, chunk.text]),
    }


@contextmanager
def _ingest_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"the index folder {index_dir} is a file; give --index a folder") from None
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
           progress: Callable[[int, int], None] | None = None, show_progress: bool = False,
           dry_run: bool = False) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    index_dir = settings.index_dir
    with _ingest_lock(index_dir):
        live = current_generation(index_dir)
        live_meta = read_meta(live) if live else None
        if live_meta and not rebuild:
            check_compatible(settings, live_meta, embedder.model_id, index_dir)
        old_gen, old_meta = (None, None) if rebuild else (live, live_meta)

        # A rebuild still covers the folders earlier ingests added.
        sources, gone_files = _sources(settings, paths or [], live_meta)
        present = [s for s in sources if Path(s).exists()]
        docs, report.skipped = load_corpus([Path(s) for s in present])
        kept = _documents_of_missing_folders(old_meta, sources, present)
        if kept:
            report.warnings.append("source folder(s) not found, their documents are kept as indexed: "
                                   + ", ".join(sorted({d.root for d in kept.values()})))
        if gone_files:
            report.warnings.append("file(s) no longer exist and leave the index: " + ", ".join(gone_files))
        chunks_by_doc = {d.meta.title: chunk_document(d, parse_clauses(d), settings) for d in docs}
        for d in docs:
            if not chunks_by_doc[d.meta.title]:
                report.skipped.append(SkippedFile(d.path, f"{d.path}: no text besides headings"))
        docs = [d for d in docs if chunks_by_doc[d.meta.title]]
        if not docs and not kept:
            hint = "" if settings.corpus_dir.is_dir() else f" (the corpus folder {settings.corpus_dir} does not exist)"
            raise InputError(f"no readable documents to index{hint}"
                             + "".join(f"\n  {s.reason}" for s in report.skipped))

        vocabulary = Vocabulary.build(docs)
        if kept:  # their texts are not at hand: keep the terms mined from them earlier
            vocabulary = vocabulary.with_terms(Vocabulary.load(old_gen / VOCABULARY).terms)
        tokenizer = ChineseTokenizer(vocabulary)
        documents = {**kept, **{d.meta.title: _indexed(d, chunks_by_doc[d.meta.title], sources) for d in docs}}
        payloads = {c.chunk_id: chunk_payload(c) for cs in chunks_by_doc.values() for c in cs}
        new_ids = {cid for d in documents.values() for cid in d.chunk_ids}
        old_ids = {cid for d in old_meta.documents.values() for cid in d.chunk_ids} if old_meta else set()
        report.documents, report.chunks = len(documents), len(new_ids)
        before = old_meta.documents if old_meta else {}
        report.added = sorted(set(documents) - set(before))
        report.deleted = sorted(set(before) - set(documents))
        report.changed = sorted(t for t in documents if t in before and documents[t] != before[t])
        cross = make_cross_embedder(settings)
        cross_id = cross.model_id if cross else ""
        same_cross = old_meta is not None and old_meta.cross_embedder == cross_id
        if dry_run:
            report.dry_run = True
            report.embedded, report.reused = len(new_ids - old_ids), len(new_ids & old_ids)
            report.removed = len(old_ids - new_ids)
            report.up_to_date = not (report.added or report.deleted or report.changed) and same_cross
            if not same_cross and old_meta is not None:
                report.warnings.append(f"the cross-lingual vectors would be {'recomputed' if cross else 'dropped'}")
            report.seconds = time.perf_counter() - started
            return report

        sparse_params = (vocabulary.fingerprint, settings.bm25_k1, settings.bm25_b)
        same_sparse = old_meta is not None and (old_meta.vocabulary, old_meta.bm25_k1, old_meta.bm25_b) == sparse_params
        if same_sparse and same_cross and old_meta.documents == documents and tuple(sources) == old_meta.sources:
            report.up_to_date, report.reused, report.generation = True, len(new_ids), old_gen.name
            report.seconds = time.perf_counter() - started
            return report

        all_chunks = [c for cs in chunks_by_doc.values() for c in cs]
        if same_sparse:
            avgdl = old_meta.bm25_avgdl
        else:
            avgdl = bm25.average_length(tokenizer.tokens(c.context_text()) for c in all_chunks)
        report.sparse_recomputed = old_meta is not None and not same_sparse

        def sparse_of(text: str) -> bm25.SparseVec:
            return bm25.document_vector(tokenizer.tokens(text), settings.bm25_k1, settings.bm25_b, avgdl)

        gen = index_dir / new_generation_name()
        gen.mkdir(parents=True)
        collection = f"{settings.collection}_{gen.name.replace('-', '_')}"
        store, switched = None, False
        try:
            store = create_store(settings, gen, collection, embedder.dim, cross.dim if cross else 0)
            if old_meta:
                report.reused = _carry_over(settings, old_gen, old_meta, store, new_ids, payloads,
                                            None if same_sparse else sparse_of, cross, same_cross)
            report.removed = len(old_ids - new_ids)
            todo = [c for c in all_chunks if c.chunk_id not in old_ids]
            report.embedded = _embed_and_store(todo, store, embedder, cross, sparse_of, settings.embed_batch,
                                               progress, show_progress)
            if store.count() != len(new_ids):
                raise IndexProblem(f"the new index holds {store.count()} chunks, expected {len(new_ids)}")
            store.close()
            store = None
            vocabulary.save(gen / VOCABULARY)
            _save_texts(gen, docs, kept, old_gen)
            write_meta(gen, IndexMeta(
                embedder=embedder.model_id, dim=embedder.dim, store=settings.store.value, collection=collection,
                bm25_k1=settings.bm25_k1, bm25_b=settings.bm25_b, bm25_avgdl=avgdl,
                vocabulary=vocabulary.fingerprint, sources=tuple(sources), documents=documents,
                created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                cross_embedder=cross_id, cross_dim=cross.dim if cross else 0,
            ))
            switch_to(index_dir, gen)
            switched = True
        finally:
            if not switched:
                if store is not None:
                    store.close()
                if settings.store is StoreKind.QDRANT and settings.qdrant_url:
                    report.warnings += _drop_server_collection(settings, collection)
                shutil.rmtree(gen, ignore_errors=True)
        if settings.store is StoreKind.QDRANT and settings.qdrant_url and live_meta:
            report.warnings += _drop_server_collection(settings, live_meta.collection)
    report.generation = gen.name
    report.seconds = time.perf_counter() - started
    return report


def _save_texts(gen: Path, docs: list[Document], kept: dict[str, IndexedDocument], old_gen: Path | None) -> None:
    """The source texts as indexed, so a citation can be checked against its exact place."""
    folder = gen / TEXTS
    folder.mkdir()
    for d in docs:
        (folder / f"{d.content_hash}.txt").write_text(d.text, encoding="utf-8")
    for d in kept.values():
        shutil.copyfile(old_gen / TEXTS / f"{d.content_hash}.txt", folder / f"{d.content_hash}.txt")


def _sources(settings: Settings, paths: list[Path], old_meta: IndexMeta | None) -> tuple[list[str], list[str]]:
    """What this index covers — the corpus folder, what earlier ingests added, and `paths` —
    and the files added earlier by name that no longer exist (they leave the index)."""
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
    sources = [str(settings.corpus_dir.resolve())]
    gone: list[str] = []
    file_sources = {d.path for d in old_meta.documents.values()} if old_meta else set()
    for s in (*(old_meta.sources if old_meta else ()), *(str(p.resolve()) for p in paths)):
        if s in sources:
            continue
        if s in file_sources and not Path(s).exists():
            gone.append(s)
        else:
            sources.append(s)
    return sources, gone


def _documents_of_missing_folders(old_meta: IndexMeta | None, sources: list[str], present: list[str]):
    """A source folder that is gone (an unmounted share) keeps its documents, not drops them."""
    missing = set(sources) - set(present)
    if not old_meta or not missing:
        return {}
    return {t: d for t, d in old_meta.documents.items() if d.root in missing}


def _indexed(doc: Document, chunks: list[Chunk], sources: list[str]) -> IndexedDocument:
    m = doc.meta
    root = next((s for s in sources if Path(doc.path).is_relative_to(s)), str(Path(doc.path).parent))
    return IndexedDocument(
        title=m.title, path=doc.path, root=root, content_hash=doc.content_hash,
        level=m.level.value, issuer=m.issuer, date=m.date, doc_type=m.doc_type, source=m.source,
        doc_number=m.doc_number, effective=m.effective,
        chunk_ids=tuple(c.chunk_id for c in chunks),
        # Metadata and offsets are not part of chunk ids: this catches a manifest edit or moved text.
        payload_hash=hashlib.sha256(json.dumps([chunk_payload(c) for c in chunks], ensure_ascii=False,
                                               sort_keys=True).encode()).hexdigest()[:16],
    )


def _carry_over(settings, old_gen, old_meta, store, keep: set[str], payloads: dict[str, dict], resparse,
                cross: Embedder | None, same_cross: bool) -> int:
    """Copy the vectors of chunks that stay; their payloads come fresh from this ingest
    (metadata and offsets may have changed without the chunk's text changing). `resparse`:
    recompute sparse vectors (the vocabulary changed); cross vectors are recomputed when the
    cross model changed or was missing, and dropped when there is none now."""
    old_store = open_store(settings, old_gen, old_meta)

    def flush(batch: list[StoredPoint]) -> int:
        if not same_cross:  # the model changed, came or went: recompute, or drop with the model
            vectors = cross.embed_passages([_context(p.payload) for p in batch]) if cross and batch else None
            batch = [replace(p, cross=None if vectors is None else vectors[i]) for i, p in enumerate(batch)]
        store.upsert(batch)
        return len(batch)

    try:
        batch, carried = [], 0
        for p in old_store.scroll(with_vectors=True):
            if p.chunk_id not in keep:
                continue
            payload = payloads.get(p.chunk_id, p.payload)
            sparse = resparse(_context(payload)) if resparse else p.sparse
            batch.append(StoredPoint(p.chunk_id, payload, p.dense, sparse, p.cross))
            if len(batch) >= 256:
                carried += flush(batch)
                batch = []
        return carried + flush(batch)
    finally:
        old_store.close()


def _context(payload: dict) -> str:
    return context_text(payload["doc_title"], payload["heading_path"], payload["text"])


def _embed_and_store(chunks, store, embedder, cross, sparse_of, batch_size, progress, show_progress) -> int:
    from tqdm import tqdm

    bar = tqdm(total=len(chunks), unit="chunk", desc="embedding", file=sys.stderr,
               disable=not show_progress or not chunks)
    done = 0
    for i in range(0, len(chunks), batch_size):
        batch = chunks[i : i + batch_size]
        texts = [c.context_text() for c in batch]
        dense = embedder.embed_passages(texts)
        crossed = cross.embed_passages(texts) if cross else [None] * len(batch)
        store.upsert([StoredPoint(c.chunk_id, chunk_payload(c), dense[j], sparse_of(texts[j]), crossed[j])
                      for j, c in enumerate(batch)])
        done += len(batch)
        bar.update(len(batch))
        if progress:
            progress(done, len(chunks))
    bar.close()
    return done


def _drop_server_collection(settings: Settings, collection: str) -> list[str]:
    """Best effort: a collection left behind on the server costs space, not correctness."""
    from indexing.store import ClientStore

    try:
        client = ClientStore.connect(settings.qdrant_url, None, settings.qdrant_api_key)
        try:
            if client.collection_exists(collection):
                client.delete_collection(collection)
        finally:
            client.close()
    except Exception as exc:  # the client raises transport-specific types
        return [f"could not delete the old Qdrant collection {collection!r} ({exc}); delete it by hand"]
    return []
