"""Typed records passed between the stages: document → clause → chunk → hit.

All records are frozen: a stage never edits what an earlier stage produced.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    """Administrative level of a document."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    ENTERPRISE = "enterprise"
    UNSPECIFIED = "unspecified"

    @classmethod
    def parse(cls, value: str | None) -> "Level":
        if not value:
            return cls.UNSPECIFIED
        try:
            return cls(value.strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown level {value!r}; valid levels: {valid}") from None


@dataclass(frozen=True)
class DocumentMeta:
    """What a citation says about a document. `title` is the document's identity."""

    title: str
    level: Level = Level.UNSPECIFIED
    issuer: str = ""
    date: str = ""
    doc_type: str = ""
    source: str = ""
    doc_number: str = ""  # 发文字号, e.g. 工信部联原〔2022〕34号
    effective: str = ""  # the date it takes effect, when it says


@dataclass(frozen=True)
class Document:
    """A loaded source text. Offsets everywhere refer to `text` exactly as read."""

    meta: DocumentMeta
    text: str
    path: str  # where it was read from, for messages only

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class ClauseKind(str, Enum):
    PREAMBLE = "preamble"  # a law's header: title, adoption and amendment dates
    PARAGRAPH = "paragraph"
    ITEM = "item"  # a plan's ——名称。 item
    ARTICLE = "article"  # a law's 第X条
    CAPTION = "caption"  # 图N …: the figure itself is not in the text


@dataclass(frozen=True)
class Clause:
    """A unit of the clause tree: its place (heading path) and its span in the source."""

    heading_path: tuple[str, ...]
    start: int
    end: int
    kind: ClauseKind


@dataclass(frozen=True)
class Chunk:
    """A retrievable, citable piece of one document: `text == document.text[start:end]`."""

    doc: DocumentMeta
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int
    kind: ClauseKind
    captions: tuple[str, ...] = ()
    ordinal: int = 0  # disambiguates identical text under the same heading

    @property
    def chunk_id(self) -> str:
        """Content-derived id: unchanged chunks keep their id, so re-indexing never re-embeds them."""
        key = "\x1f".join((self.doc.title, *self.heading_path, self.text, str(self.ordinal)))
        return str(uuid.UUID(bytes=hashlib.sha256(key.encode("utf-8")).digest()[:16]))

    def context_text(self) -> str:
        return context_text(self.doc.title, self.heading_path, self.text)


def context_text(title: str, heading_path: tuple[str, ...] | list[str], text: str) -> str:
    """What the encoders see of a chunk: the document and where the chunk sits, then the chunk."""
    place = " › ".join(heading_path)
    return f"《{title}》 {place}\n{text}" if place else f"《{title}》\n{text}"


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    rank: int
    chunk_id: str
    doc_title: str
    level: str
    heading_path: tuple[str, ...]
    text: str
    score: float
    start: int = 0
    end: int = 0
    issuer: str = ""
    date: str = ""
    doc_type: str = ""

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "chunk_id": self.chunk_id,
            "doc_title": self.doc_title,
            "level": self.level,
            "heading_path": list(self.heading_path),
            "text": self.text,
            "score": self.score,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class SearchFilters:
    """Metadata restrictions applied inside the store, before ranking."""

    levels: tuple[Level, ...] = ()
    doc_titles: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()  # clauses naming one of these parks (indexing/data/parks.tsv)

    @property
    def empty(self) -> bool:
        return not self.levels and not self.doc_titles and not self.parks


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    elapsed_ms: float
    lang: str = "zh"
    expansions: tuple = ()  # assistant.query.Expansion: Chinese terms found for English words

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "lang": self.lang,
            "expansions": [e.to_json() for e in self.expansions],
            "hits": [h.to_json() for h in self.hits],
        }


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: `quote` is verbatim `source_text[start:end]`."""

    n: int
    chunk_id: str
    doc_title: str
    heading_path: tuple[str, ...]
    quote: str
    text: str  # the whole chunk, for context
    start: int
    end: int
    level: str = ""

    def to_json(self) -> dict:
        return {"n": self.n, "chunk_id": self.chunk_id, "doc_title": self.doc_title,
                "heading_path": list(self.heading_path), "quote": self.quote, "text": self.text,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # `[n]` markers refer to citations[n - 1].n
    abstained: bool
    citations: tuple[Citation, ...]
    elapsed_ms: float
    condensed_query: str = ""  # the question as searched, after reading the conversation
    related: tuple[Hit, ...] = ()  # nearest clauses, shown when the assistant abstains
    notes: tuple[str, ...] = ()  # e.g. "the LLM timed out; extractive answer shown"
    confidence: float = 0.0
    companies: tuple[Hit, ...] = ()  # enterprise cards, for questions about companies

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "condensed_query": self.condensed_query,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_json() for c in self.citations],
            "related": [h.to_json() for h in self.related],
            "notes": list(self.notes),
            "companies": [h.to_json() for h in self.companies],
        }
