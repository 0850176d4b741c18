"""Clauses → chunks: clause-sized, citable spans of the source text.

A long clause splits at sentence ends (。；！？ and line breaks) into windows of at most
`chunk_max_chars`, each repeating the last sentence(s) of the one before, so that a
sentence is never cut and context carries across. A short paragraph joins its neighbours
under the same heading, never across headings. Every chunk's text is
`document.text[start:end]` — a verbatim span that citations can point into.
"""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.config import Settings
from assistant.types import Chunk, Clause, ClauseKind, Document

_SENTENCE = re.compile(r"[^。；！？\n]*(?:[。；！？]+[”’」』）)]*|\n|$)")
_SOFT_BREAK = re.compile(r"[，、,]")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], whitespace trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def _hard_split(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than a chunk: cut at the last comma before the limit, else at it."""
    out = []
    while e - s > max_chars:
        window = text[s : s + max_chars]
        cut = max((m.end() for m in _SOFT_BREAK.finditer(window)), default=0)
        cut = cut if cut > max_chars // 2 else max_chars
        out.append((s, s + cut))
        s += cut
    out.append((s, e))
    return out


def split_clause(text: str, start: int, end: int, max_chars: int, overlap: int) -> list[tuple[int, int]]:
    if end - start <= max_chars:
        return [(start, end)]
    sentences: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        sentences.extend(_hard_split(text, s, e, max_chars))
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= max_chars:
            j += 1
        windows.append((sentences[i][0], sentences[j][1]))
        if j + 1 >= len(sentences):
            break
        # Step back `overlap` sentences, but always move forward.
        i = max(j + 1 - overlap, i + 1)
        while i <= j and sentences[j][1] - sentences[i][0] > max_chars // 2:
            i += 1
    return windows


def chunk_document(doc: Document, clauses: list[Clause], settings: Settings) -> list[Chunk]:
    text = doc.text
    captions: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for c in clauses:
        if c.kind is ClauseKind.CAPTION:
            captions[c.heading_path].append(text[c.start : c.end])

    # (clause position, clause, start, end); positions tell which paragraphs are adjacent.
    pieces: list[tuple[int, Clause, int, int]] = []
    for i, c in enumerate(clauses):
        if c.kind is ClauseKind.CAPTION:
            continue
        for s, e in split_clause(text, c.start, c.end, settings.chunk_max_chars, settings.chunk_overlap_sentences):
            pieces.append((i, c, s, e))

    merged: list[tuple[int, Clause, int, int]] = []
    for i, c, s, e in pieces:
        if merged:
            pi, pc, ps, pe = merged[-1]
            # Only neighbouring paragraphs join: a caption or another clause between them is a barrier.
            neighbours = pi + 1 == i and pc.heading_path == c.heading_path \
                and pc.kind is c.kind is ClauseKind.PARAGRAPH
            short = (pe - ps) < settings.chunk_min_chars or (e - s) < settings.chunk_min_chars
            if neighbours and short and e - ps <= settings.chunk_max_chars:
                merged[-1] = (i, pc, ps, e)
                continue
        merged.append((i, c, s, e))

    chunks: list[Chunk] = []
    seen: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
    for _, c, s, e in merged:
        body = text[s:e]
        key = (c.heading_path, body)
        chunks.append(Chunk(
            doc=doc.meta,
            heading_path=c.heading_path,
            text=body,
            start=s,
            end=e,
            kind=c.kind,
            captions=tuple(captions.get(c.heading_path, ())),
            ordinal=seen[key],
        ))
        seen[key] += 1
    return chunks
