"""What the web UI asks of the pipeline, in one place: the same Retriever and answerers as the
CLI, opened once and shared by every browser session.

One lock serialises queries: the embedder, jieba and the embedded Qdrant shard are not
documented as safe for concurrent use, and one query takes tens of milliseconds, so ten chat
sessions queue for a fraction of a second rather than risk a corrupted state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import SearchMode, Settings
from assistant.conversation import Turn
from assistant.errors import AssistantError, IndexProblem, InputError
from assistant.types import Answer, Clause, Document, DocumentMeta, Hit, Level, SearchFilters, SearchResult
from indexing.index import IndexedDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankedHit:
    """A fused hit with where each retriever put it (None: not in its top list)."""

    hit: Hit
    dense_rank: int | None
    sparse_rank: int | None
    cross_rank: int | None = None


@dataclass(frozen=True)
class ClauseView:
    """A cited clause in its place: the document, the clause, and its neighbours."""

    doc: IndexedDocument
    heading_path: tuple[str, ...]
    before: str
    text: str
    after: str
    quote: str


class PolicyService:
    def __init__(self, settings: Settings, embedder=None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()
        self._retriever = None
        self._answerer = None
        self._llm = None
        self.build_state = BuildState()
        self.problem = ""  # why the index could not be opened, for the page
        self._checker = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def ready(self) -> bool:
        return self._retriever is not None

    def open(self) -> None:
        """Open the existing index; IndexProblem says what is wrong and what to run."""
        from assistant.answering import ExtractiveAnswerer
        from assistant.retrieval import Retriever

        with self._lock:
            if self._retriever is None:
                retriever = Retriever(self.settings, self._embedder)
                self._answerer = ExtractiveAnswerer(retriever)
                self._retriever = retriever

    def build(self) -> None:
        """Index corpus/ (and remembered folders), then open the index; `build_state` follows
        the progress and holds any error, for the page. A failed ingest leaves the previous
        index as it was."""
        if self.build_state.claim():
            self._build_quietly()

    def reindex(self, extra: Sequence[Path] = (), claimed: bool = False):
        """Re-index now, adding the folders in `extra` as sources; errors are raised (and kept
        in `build_state`). Queries wait meanwhile: only new text is embedded, so briefly.
        `claimed`: the caller holds the build slot already (and releases it)."""
        if not claimed and not self.build_state.claim():
            raise InputError("an index build is running; try again when it has finished")
        return self._build(extra)

    def build_in_background(self) -> bool:
        """Start a build unless one runs; the state says "running" before this returns, so a
        page drawn right after shows the progress."""
        if not self.build_state.claim():
            return False
        threading.Thread(target=self._build_quietly, name="index-build", daemon=True).start()
        return True

    def _build_quietly(self) -> None:
        try:
            self._build(())
        except AssistantError:
            pass  # in build_state.error, for the page

    def _build(self, extra: Sequence[Path]):
        from indexing.embedding import make_embedder
        from indexing.pipeline import ingest

        state = self.build_state
        try:
            self._embedder = self._embedder or make_embedder(self.settings)
            with self._lock:
                # The embedded engine lets one handle open a shard, and the ingest reads the
                # current one to carry its vectors over: close ours for the while.
                self.close()
                try:
                    report = ingest(self.settings, self._embedder, list(extra), progress=state.advance)
                finally:
                    try:
                        self.open()
                        self.problem = ""
                    except AssistantError as exc:
                        self.problem = friendly(exc)
            state.finish(f"{report.documents} documents, {report.chunks} chunks in {report.seconds:.0f} s")
            return report
        except Exception as exc:
            state.fail(friendly(exc))
            if not isinstance(exc, AssistantError):
                log.exception("index build failed")
            raise

    def close(self) -> None:
        with self._lock:
            if self._retriever is not None:
                self._retriever.close()
            self._retriever = self._answerer = self._llm = None

    def warm_up(self) -> None:
        with self._lock:
            self._checker_of(self._need()).warm_up()  # the retriever's tables, and the checker's vocabulary

    def _need(self):
        if self._retriever is None:
            raise IndexProblem(f"no index is open at {self.settings.index_dir}; build it first "
                               "(`python -m assistant ingest`)")
        return self._retriever

    # ------------------------------------------------------------------ queries

    def ask(self, question: str, history: Sequence[Turn] = (), filters: SearchFilters | None = None,
            use_llm: bool = False, on_token: Callable[[str], None] | None = None) -> Answer:
        if use_llm:  # the lock is held for retrieval only, not while the model writes
            with self._lock:
                self._need()
                llm = self._llm_answerer()
            return llm.answer(question, history, filters, on_token=on_token)
        with self._lock:
            self._need()
            return self._answerer.answer(question, history, filters)

    def _llm_answerer(self):
        from assistant.llm import LLMAnswerer

        if self._llm is None:
            self._llm = LLMAnswerer(_Locked(self._answerer, self._lock))
        return self._llm

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.llm_base_url)

    def search(self, query: str, filters: SearchFilters | None = None, top_k: int = 10) -> SearchResult:
        with self._lock:
            return self._need().search(query, top_k=top_k, filters=filters)

    def check(self, project):
        """The eligibility check (`assistant.eligibility`) on the open index."""
        with self._lock:
            return self._checker_of(self._need()).check(project)

    def _checker_of(self, retriever):
        from assistant.eligibility import EligibilityChecker

        if self._checker is None or self._checker.retriever is not retriever:
            self._checker = EligibilityChecker(retriever)
        return self._checker

    def terms(self, query: str) -> list[str]:
        """The query's searchable words and, for English, the Chinese terms found for them."""
        with self._lock:
            r = self._need()
            analysis = r.analyze(query)
            words = [t for t in r.index.tokenizer.tokens(analysis.sparse_text) if len(t) > 1]
        return [t for e in analysis.expansions for t in e.terms] + words

    def explain(self, query: str, filters: SearchFilters | None = None, top_k: int = 10) -> list[RankedHit]:
        """The fused ranking beside the dense, the BM25 and the cross-lingual rankings of the
        same query, as the chat searches it."""
        with self._lock:
            r = self._need()
            analysis = r.analyze(query)
            vector = r.embed(analysis)
            fused = r.search(query, top_k=top_k, filters=filters, vector=vector, analysis=analysis).hits
            depth = max(top_k, self.settings.prefetch_limit)
            ranks = {}
            modes = (SearchMode.DENSE, SearchMode.SPARSE, *((SearchMode.CROSS,) if r.cross else ()))
            for mode in modes:
                hits = r.search(query, top_k=depth, filters=filters, mode=mode, vector=vector, analysis=analysis).hits
                ranks[mode] = {h.chunk_id: h.rank for h in hits}
        return [RankedHit(h, *(ranks.get(m, {}).get(h.chunk_id) for m in
                               (SearchMode.DENSE, SearchMode.SPARSE, SearchMode.CROSS))) for h in fused]

    # ------------------------------------------------------------------ documents

    def documents(self) -> list[IndexedDocument]:
        with self._lock:
            docs = self._need().index.meta.documents.values()
        order = {Level.NATIONAL.value: 0, Level.PROVINCIAL.value: 1, Level.MUNICIPAL.value: 2,
                 Level.ENTERPRISE.value: 3}
        return sorted(docs, key=lambda d: (order.get(d.level, 4), d.title))

    def document(self, title: str) -> IndexedDocument:
        with self._lock:
            doc = self._need().index.meta.documents.get(title)
        if doc is None:
            raise InputError(f"{title!r} is not an indexed document")
        return doc

    def outline(self, title: str) -> list[Clause]:
        """The document's clauses in order, with their heading paths: its table of contents."""
        from indexing.structure import parse_clauses

        doc = self.document(title)
        with self._lock:
            text = self._need().index.source_text(title)
        meta = DocumentMeta(doc.title, Level.parse(doc.level), doc.issuer, doc.date, doc.doc_type, doc.source,
                            doc.doc_number, doc.effective)
        return parse_clauses(Document(meta, text, doc.path))

    def clause_at(self, title: str, start: int, end: int, quote: str = "") -> ClauseView:
        """The clause holding [start, end) with the clauses before and after it."""
        clauses = self.outline(title)
        at = next((i for i, c in enumerate(clauses) if c.start <= start < c.end), None)
        doc = self.document(title)
        with self._lock:
            source = self._need().index.source_text(title)
        if at is None:  # between clauses (a heading line): show the span itself
            return ClauseView(doc, (), "", source[start:end], "", quote)
        c = clauses[at]
        before = source[clauses[at - 1].start:clauses[at - 1].end] if at > 0 else ""
        after = source[clauses[at + 1].start:clauses[at + 1].end] if at + 1 < len(clauses) else ""
        return ClauseView(doc, c.heading_path, before, source[c.start:c.end], after, quote)


    def section(self, title: str, heading_path: Sequence[str]) -> ClauseView:
        """Everything under a heading of a document, in order (the preamble for an empty path)."""
        path = tuple(heading_path)
        under = [c for c in self.outline(title) if (c.heading_path[:len(path)] == path if path else not c.heading_path)]
        if not under:
            raise InputError(f"{title!r} has no heading {' › '.join(path)!r}")
        with self._lock:
            source = self._need().index.source_text(title)
        text = "\n".join(source[c.start:c.end] for c in under)
        return ClauseView(self.document(title), path, "", text, "", "")


class _Locked:
    """The extractive answerer seen through the service's lock, for the LLM path."""

    def __init__(self, answerer, lock) -> None:
        self._answerer, self._lock, self.settings = answerer, lock, answerer.settings

    def __getattr__(self, name):
        method = getattr(self._answerer, name)

        def locked(*args, **kwargs):
            with self._lock:
                return method(*args, **kwargs)

        return locked


@dataclass
class BuildState:
    """Progress of an index build, read by the page while it runs."""

    running: bool = False
    done: int = 0
    total: int = 0
    message: str = ""
    error: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self) -> bool:
        """Mark a build as started; False when one already runs (two pages pressed Build)."""
        with self._lock:
            if self.running:
                return False
            self.running, self.done, self.total, self.message, self.error = True, 0, 0, "", ""
            return True

    listener: Callable[[int, int], None] | None = field(default=None, repr=False)  # e.g. a page's progress bar

    def advance(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.listener:
            self.listener(done, total)

    def release(self) -> None:
        """End a claim whatever happened (a claimed build that never started, or ended)."""
        self.running = False

    def finish(self, message: str) -> None:
        self.running, self.message = False, message

    def fail(self, error: str) -> None:
        self.running, self.error = False, error


class FeedbackLog:
    """Thumbs up/down with an optional comment, one JSON object a line, appended; the eval tool
    turns the lines into gold-set candidates (`python -m assistant feedback`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, rating: str, comment: str = "") -> dict:
        if rating not in ("up", "down"):
            raise InputError(f"rating must be 'up' or 'down', not {rating!r}")
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rating": rating,
            "comment": comment.strip()[:2000],
            "question": answer.question,
            "searched_as": answer.condensed_query,
            "abstained": answer.abstained,
            "answer": answer.answer,
            "citations": [{"n": c.n, "doc": c.doc_title, "heading_path": list(c.heading_path), "quote": c.quote}
                          for c in answer.citations],
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry


def friendly(exc: Exception) -> str:
    """The message a page shows for a failure: ours say what to do; anything else is a bug."""
    if isinstance(exc, AssistantError):
        return str(exc)
    return f"internal error ({type(exc).__name__}); the server log has the details"
