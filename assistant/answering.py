"""Grounded answers, extractive and deterministic (the default; no model needed).

The question (condensed with the conversation) is searched; sentences of the top chunks are
scored against it, the best are kept (near-duplicates dropped, at most a few per clause),
grouped by document and position, and each becomes a supporting point with a `[n]` marker.
Every quote is checked against the document text it came from before it is returned. When
the evidence is too weak — low similarity of the best clause and few of the question's
words found — the answer says the documents do not cover the question and lists the
nearest clauses as "possibly related".
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.config import SearchMode
from assistant.conversation import Turn, condense
from assistant.query import AnalyzedQuery, Expansion, question_language
from assistant.retrieval import Retriever, clean_query
from assistant.slots import asked_slots, english_focus
from assistant.types import Answer, Citation, Hit, Level, SearchFilters
from indexing.chunking import sentence_spans
from indexing.tokenizer import curated_terms_of

CANDIDATES = 8  # chunks read for one answer
MAX_POINTS = 5
SHORT_SENTENCE = 10  # a `——催化剂。` item name joins the sentence after it
AMOUNT_COVERAGE = 0.2  # a sentence "about" the question shares this much of its weighted words
_LIST_Q = re.compile(r"哪些|哪几|有什么|有哪|列出|清单|\bwhich\b|\blist\b|\bwhat (products|companies|industries)\b",
                     re.I)
# Pieces of question words that jieba leaves as tokens ("多大比例" → 多, 大): rare in the texts, so
# their idf is high, but they say nothing of what the question is about.
_QUESTION_FORMS = frozenset("多 大 少 几 哪 谁 吗 呢 啥 里 占 多大 多长 多久 多高 几个 哪个 哪家 哪些 哪里 哪儿 怎样 如何".split())
# Questions about companies also get the enterprise cards of the companies they match.
_COMPANY_Q = re.compile(r"企业|公司|厂家|厂商|龙头|谁(生产|做|在做)|\b(compan(y|ies)|firms?|producers?|manufacturers?|"
                        r"suppliers?|makers?|who (makes|produces|manufactures|supplies))\b", re.I)
COMPANY_CARDS = 3
_PLACE_Q = re.compile(r"哪里|哪儿|在哪|哪个园区|哪个区|哪个地方|什么地方|\bwhere\b|\bwhich (park|zone|area|district)",
                      re.I)


@dataclass(frozen=True)
class Evidence:
    question: str
    query: str
    lang: str
    hits: tuple[Hit, ...]
    confidence: float
    citations: tuple[Citation, ...]  # empty: the evidence is too weak to answer from
    notes: tuple[str, ...]
    started: float
    expansions: tuple[Expansion, ...] = ()  # Chinese terms found for an English question's words


@dataclass(frozen=True)
class Sentence:
    hit: Hit
    start: int  # offsets into the document text
    end: int
    text: str
    score: float


# What a question is about: each of its words with its weight (idf) and the forms that count as
# finding it — one Chinese word, or the Chinese terms found for one English word or phrase.
Concept = tuple[float, frozenset[str]]


def coverage(concepts: Sequence[Concept], text_tokens: set[str]) -> float:
    """Share of the question's words, weighted by idf, that occur in a text: a rare word of the
    question missing from every clause (出让价格, 气温) says the clause is not about it."""
    total = sum(w for w, _ in concepts)
    return sum(w for w, forms in concepts if forms & text_tokens) / total if total else 0.0


class ExtractiveAnswerer:
    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.settings = retriever.settings
        self._places = sorted(curated_terms_of("ns"), key=len, reverse=True)
        self._entities = curated_terms_of("ns", "nz")

    # -------------------------------------------------------------- evidence strength

    def confidence(self, analysis: AnalyzedQuery, hits: Sequence[Hit], vector=None,
                   filters: SearchFilters | None = None) -> float:
        """How well the best clauses match the question, in [0, 1]: the dense similarity of the
        nearest clause, blended with the share of the question's words found in one of the eight
        clauses retrieved for the answer (all of them: how the retrievers' fusion orders them should
        not decide). Calibrated on the dev gold set (answerable against unanswerable questions)."""
        if not hits:
            return 0.0
        query = analysis.text
        dense = self.retriever.search(query, top_k=1, mode=SearchMode.DENSE, vector=vector, analysis=analysis,
                                      filters=filters).hits
        similarity = dense[0].score if dense else 0.0
        concepts = self._concepts(analysis)
        tokenizer = self.retriever.index.tokenizer
        lexical = max((coverage(concepts, set(tokenizer.tokens(" ".join(h.heading_path) + " " + h.text)))
                       for h in hits[:CANDIDATES]), default=0.0)
        # Blend on e5's working range: unrelated Chinese text still scores about 0.75 cosine.
        semantic = min(max((similarity - 0.75) / 0.2, 0.0), 1.0)
        score = 0.5 * semantic + 0.5 * lexical if concepts else semantic
        if not self._slots_met(analysis, concepts, hits[:5]) or self._unknown_place(analysis, hits[:5]):
            # asked for a price, date, rate, year… that no sentence about the question states,
            # or about a place (浙江省, 日本) that none of the clauses names
            score *= 0.5
        return round(score, 4)

    def _unknown_place(self, analysis: AnalyzedQuery, hits: Sequence[Hit]) -> str:
        """A place the question names that no indexed text names (首尔), or a province that none of
        the clauses found names (浙江省's rules are not Liaoning's): the documents cannot speak of
        it, however close the rest of the question comes. A place merely mentioned ("propylene
        from Panjin") is not held against the question."""
        index = self.retriever.index
        if analysis.lang == "zh":
            places = index.tokenizer.places(analysis.text)
        else:
            places = [t for e in analysis.expansions if e.kind == "place" for t in e.terms]
        unseen = index.max_idf - 1e-9
        found = " ".join(f"{h.doc_title} {' '.join(h.heading_path)} {h.text}" for h in hits)
        for place in places:
            if all(index.idf(w) >= unseen for w in [place, *index.tokenizer.tokens(place)] if len(w) > 1) \
                    or (place.endswith("省") and place not in found):
                return place
        return ""

    def _slots_met(self, analysis: AnalyzedQuery, concepts: Sequence[Concept], hits: Sequence[Hit]) -> bool:
        """Does some sentence about the question state what it asks for (`assistant.slots`)? For
        an English question, that sentence must also name what the value is of (its focus, as the
        Chinese focus word does): "who is the director" wants a sentence about a 主任, and a focus
        word whose Chinese no indexed text uses cannot be answered at all."""
        query = analysis.text
        tokenizer = self.retriever.index.tokenizer
        slots = asked_slots(query, tokenizer.words(query))
        if not slots:
            return True
        about = [text for hit in hits for _, _, text in self._sentences(hit)
                 if coverage(concepts, set(tokenizer.tokens(text))) >= AMOUNT_COVERAGE]
        focus = english_focus(query) if analysis.lang == "en" else ""
        expansion = next((e for e in analysis.expansions if focus and focus in e.source.split()), None)
        if expansion is not None:
            if not expansion.terms:
                return False
            about = [text for text in about if any(t in text for t in expansion.terms)]
        return all(any(slot.met_by(text, tokenizer.tokens) for text in about) for slot in slots)

    def _concepts(self, analysis: AnalyzedQuery) -> list[Concept]:
        """The question's searchable words: for a Chinese question its words, each by its idf; for
        an English one (its words never occur in the Chinese texts) each English word or phrase
        that query analysis found Chinese terms for — found when any of those terms is, weighed
        by the rarest, so that alternatives (聚酰亚胺 | 聚酰亚胺单体) are not counted as more words."""
        index = self.retriever.index
        tokenizer = index.tokenizer
        if analysis.lang == "zh":
            return [(index.idf(t), frozenset((t,))) for t in set(tokenizer.tokens(analysis.text)) - _QUESTION_FORMS]
        concepts = []
        for e in analysis.expansions:
            forms = frozenset(t for t in tokenizer.tokens(" ".join(e.terms)) if not t.isascii()) - _QUESTION_FORMS
            if forms:
                concepts.append((max(index.idf(t) for t in forms), forms))
        return concepts

    # -------------------------------------------------------------- answering

    def gather(self, question: str, history: Sequence[Turn] = (), filters: SearchFilters | None = None,
               max_points: int = MAX_POINTS) -> "Evidence":
        """Everything an answer rests on: the condensed query, the clauses, the evidence
        strength and (unless it is too weak) the verified sentences, numbered."""
        started = time.perf_counter()
        question = clean_query(question, self.settings.max_query_chars)
        lang = question_language(question)  # the language the answer is written in
        hints = [t for e in self.retriever.analyze(question).expansions for t in e.terms] if history else []
        query = condense(question, history, self._entities, hints)
        if len(query) > self.settings.max_query_chars:
            query = question  # a long previous turn: search the question as asked
        analysis = self.retriever.analyze(query)
        vector = self.retriever.embed(analysis)
        hits = self.retriever.search(query, top_k=CANDIDATES, filters=filters, vector=vector, analysis=analysis).hits
        confidence = self.confidence(analysis, hits, vector, filters)
        # The threshold follows the language searched: an English follow-up may be searched in Chinese.
        threshold = self.settings.abstain_below if analysis.lang == "zh" else self.settings.abstain_below_en
        citations, notes = [], []
        if confidence >= threshold:
            citations, dropped = self._cite(self._select(analysis, hits, max_points))
            if dropped:
                notes.append(f"{dropped} quote(s) failed verification against the source and were left out")
        return Evidence(question, query, lang, tuple(hits), confidence, tuple(citations), tuple(notes), started,
                        analysis.expansions)

    def answer(self, question: str, history: Sequence[Turn] = (), filters: SearchFilters | None = None) -> Answer:
        ev = self.gather(question, history, filters)
        if not ev.citations:
            return self.abstain(ev)
        return Answer(ev.question, self._compose(ev.query, ev.lang, ev.citations, ev.expansions), False,
                      ev.citations, _ms(ev.started), ev.query, notes=ev.notes, confidence=ev.confidence,
                      companies=self.companies(ev.query, filters))

    def companies(self, query: str, filters: SearchFilters | None = None) -> tuple[Hit, ...]:
        """Enterprise cards for a question about companies ("哪些企业生产抗氧剂？", "Who makes
        polyester film?"); none when the question is not about companies or no cards are indexed."""
        docs = self.retriever.index.meta.documents.values()
        if not _COMPANY_Q.search(query) or not any(d.level == Level.ENTERPRISE.value for d in docs):
            return ()
        if filters and filters.levels and Level.ENTERPRISE not in filters.levels:
            return ()  # the user narrowed the search to policy texts
        cards = replace(filters or SearchFilters(), levels=(Level.ENTERPRISE,), doc_titles=())
        hits = self.retriever.search(query, top_k=COMPANY_CARDS * 3, filters=cards).hits
        best: dict[str, Hit] = {}
        for h in hits:  # one card (its best section) per company
            best.setdefault(h.doc_title, h)
        return tuple(best.values())[:COMPANY_CARDS]

    def abstain(self, ev: "Evidence", notes: Sequence[str] = ()) -> Answer:
        related = ev.hits[:3]
        return Answer(ev.question, self._abstention(ev.lang, related), True, (), _ms(ev.started), ev.query,
                      related=related, notes=(*ev.notes, *notes), confidence=ev.confidence)

    def _sentences(self, hit: Hit) -> list[tuple[int, int, str]]:
        """(start, end, text) of a chunk's sentences, in document offsets; an item's short name
        joins the sentence after it."""
        spans = [(hit.start + s, hit.start + e) for s, e in sentence_spans(hit.text, 0, len(hit.text))]
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and merged[-1][1] - merged[-1][0] < SHORT_SENTENCE and "\n" not in \
                    hit.text[merged[-1][0] - hit.start:s - hit.start]:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return [(s, e, hit.text[s - hit.start:e - hit.start]) for s, e in merged]

    def _select(self, analysis: AnalyzedQuery, hits: Sequence[Hit], max_points: int = MAX_POINTS) -> list[Sentence]:
        query = analysis.text
        tokenizer = self.retriever.index.tokenizer
        concepts = self._concepts(analysis)
        per_clause = 3 if _LIST_Q.search(query) else 2
        candidates: list[Sentence] = []
        for hit in hits[:5]:
            place = set(tokenizer.tokens(" ".join(hit.heading_path)))
            for s, e, text in self._sentences(hit):
                lexical = coverage(concepts, set(tokenizer.tokens(text)) | place)
                # The fused rank carries the dense side (and everything for English questions).
                candidates.append(Sentence(hit, s, e, text, lexical + 0.6 / (hit.rank + 1)))
        if not candidates or max_points < 1:
            return []
        best = max(c.score for c in candidates)
        chosen: list[Sentence] = []
        for c in sorted(candidates, key=lambda c: (-c.score, c.hit.rank, c.start)):
            if len(chosen) >= max_points or c.score < 0.6 * best:
                break
            if sum(x.hit.chunk_id == c.hit.chunk_id for x in chosen) >= per_clause:
                continue
            if any(x.hit.doc_title == c.hit.doc_title and x.start < c.end and c.start < x.end for x in chosen) \
                    or any(_similar(x.text, c.text) for x in chosen):
                continue  # overlapping windows repeat sentences
            chosen.append(c)
        # Reading order: documents by their best clause, then position in the document.
        first_rank = {}
        for c in chosen:
            first_rank.setdefault(c.hit.doc_title, c.hit.rank)
        lead = chosen[0]
        rest = sorted(chosen[1:], key=lambda c: (first_rank[c.hit.doc_title], c.start))
        return [lead, *rest]

    def _cite(self, points: Sequence[Sentence]) -> tuple[list[Citation], int]:
        """Citations for the points whose quote is verbatim at its place in the source."""
        citations, dropped = [], 0
        for p in points:
            source = self.retriever.index.source_text(p.hit.doc_title)
            if source[p.start:p.end] != p.text:
                dropped += 1
                continue
            citations.append(Citation(len(citations) + 1, p.hit.chunk_id, p.hit.doc_title, p.hit.heading_path,
                                      p.text, p.hit.text, p.start, p.end, p.hit.level))
        return citations, dropped

    # -------------------------------------------------------------- wording

    def _places_in(self, citations: Sequence[Citation]) -> list[str]:
        found: list[str] = []
        for c in citations:
            text = " ".join(c.heading_path) + c.quote
            for place in self._places:
                if place in text and not any(place in f for f in found) and len(place) > 2:
                    found.append(place)
        return found

    def _compose(self, question: str, lang: str, citations: Sequence[Citation],
                 expansions: Sequence[Expansion] = ()) -> str:
        first = citations[0]
        where = " › ".join(first.heading_path)
        places = self._places_in(citations) if _PLACE_Q.search(question) else []
        if lang == "zh":
            lines = [f"根据《{first.doc_title}》" + (f"（{where}）" if where else "") + f"：{first.quote}[1]"]
            if places:
                lines.append(f"涉及的园区或地点：{'、'.join(places)}。")
            if len(citations) > 1:
                lines.append("依据条款：" if not _LIST_Q.search(question) else "相关条款列出：")
        else:
            lines = [f"The indexed documents address this in 《{first.doc_title}》" + (f" ({where})" if where else "")
                     + f": {first.quote} [1]"]
            named = [f"{e.source} ({'、'.join(e.terms)})" for e in expansions
                     if e.kind in ("place", "company", "product", "industry", "name")]
            if named:
                lines.append(f"Matched in the Chinese texts: {', '.join(named)}.")
            if places:
                lines.append(f"Places named: {', '.join(places)}.")
            if len(citations) > 1:
                lines.append("Supporting provisions (quoted in the original Chinese):")
        lines += [f"- {c.quote} [{c.n}]" for c in citations[1:]]
        return "\n".join(lines)

    @staticmethod
    def _abstention(lang: str, related: Sequence[Hit]) -> str:
        if lang == "zh":
            head = "已索引的文件没有涉及这个问题，无法据此作答。"
            more = "以下条款可能相关：" if related else ""
        else:
            head = "The indexed documents do not cover this question, so I cannot answer it from them."
            more = "Possibly related clauses:" if related else ""
        lines = [head] + ([more] if more else [])
        lines += [f"- 《{h.doc_title}》 {' › '.join(h.heading_path)}" for h in related]
        return "\n".join(lines)


def _similar(a: str, b: str) -> bool:
    """Near-duplicates by character-bigram Jaccard similarity."""
    ga, gb = {a[i:i + 2] for i in range(len(a) - 1)}, {b[i:i + 2] for i in range(len(b) - 1)}
    return bool(ga and gb) and len(ga & gb) / len(ga | gb) >= 0.8


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
