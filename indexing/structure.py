"""Parsing a document into its clause tree, flattened as clauses with heading paths.

One line-based parser serves the styles found in Chinese policy texts:

- plans and notices: `一、` headings, `（一）` sub-headings, `——名称。` items, `图N` captions,
  and a level-1 heading that lost its number (restored from its neighbours);
- laws and regulations: a Markdown `# title`, a header closed by `<!-- INFO END -->`,
  `第X章` / `第X节` headings (with or without `##`), `第X条` articles with their `（一）` items;
- anything else: plain paragraphs.

Headings are short lines without sentence punctuation; a numbered line that reads like a
sentence (`一、……。`) is content, not a heading. Offsets always index the document text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Clause, ClauseKind, Document
from indexing.numerals import cn_to_int, int_to_cn

_NUM = "〇零一二三四五六七八九十百"
INFO_END = "<!-- INFO END -->"
MAX_HEADING_CHARS = 40

_MD_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*$")
_CHAPTER = re.compile(rf"^第[{_NUM}]+章")
_SECTION = re.compile(rf"^第[{_NUM}]+节")
_ARTICLE = re.compile(rf"^(第[{_NUM}]+条)(?:[\s\u3000]|$)")
_LEVEL1 = re.compile(rf"^([{_NUM}]+)、")
_LEVEL2 = re.compile(rf"^（([{_NUM}]+)）")
_ITEM = re.compile(r"^——([^。；]{1,40})。")
_CAPTION = re.compile(r"^图\s*\d+")
_SENTENCE_END = re.compile(r"[。；！？：，,.;:!?]$")
_SPACES = re.compile(r"[\s\u3000\xa0]+")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str  # stripped


def _lines(text: str, begin: int = 0) -> list[_Line]:
    out = []
    pos = begin
    for raw in text[begin:].split("\n"):
        stripped = raw.strip(" \t\u3000\xa0\ufeff")
        if stripped:
            lead = len(raw) - len(raw.lstrip(" \t\u3000\xa0\ufeff"))
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _clean_heading(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_heading_like(text: str) -> bool:
    return len(text) <= MAX_HEADING_CHARS and not _SENTENCE_END.search(text)


class _Path:
    """The open headings, as a stack of (rank, text)."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def open(self, rank: int, text: str) -> None:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        self.stack.append((rank, text))

    def tuple(self, *extra: str) -> tuple[str, ...]:
        return tuple(t for _, t in self.stack) + extra


def parse_clauses(doc: Document) -> list[Clause]:
    text = doc.text
    clauses: list[Clause] = []
    lines = _lines(text)
    body_from = 0

    # A Markdown title is the document's own name, not a heading of its body.
    if lines and lines[0].text.startswith("#") and not lines[0].text.startswith("##"):
        body_from = 1
    marker = text.find(INFO_END)
    if marker >= 0:
        header = [ln for ln in lines[body_from:] if ln.end <= marker]
        if header:
            clauses.append(Clause((), header[0].start, header[-1].end, ClauseKind.PREAMBLE))
        lines = [ln for ln in lines if ln.start >= marker + len(INFO_END)]
        body_from = 0

    path = _Path()
    last_level1 = 0
    article: list[_Line] = []  # lines of the open 第X条
    article_path: tuple[str, ...] = ()

    def close_article() -> None:
        nonlocal article
        if article:
            clauses.append(Clause(article_path, article[0].start, article[-1].end, ClauseKind.ARTICLE))
            article = []

    body = lines[body_from:]
    for i, line in enumerate(body):
        t = line.text
        md = _MD_HEADING.match(t)
        if md:
            close_article()
            heading = _clean_heading(md.group(2))
            path.open(_rank_of(heading, default=len(md.group(1)) - 1), heading)
            continue
        if (_CHAPTER.match(t) or _SECTION.match(t)) and _is_heading_like(t):
            close_article()
            heading = _clean_heading(t)
            path.open(_rank_of(heading, default=1), heading)
            continue
        m = _ARTICLE.match(t)
        if m:
            close_article()
            article = [line]
            article_path = path.tuple(m.group(1))
            continue
        if article:
            # Inside an article everything up to the next article or heading is its text,
            # including its （一）（二） items.
            article.append(line)
            continue
        m = _LEVEL1.match(t)
        if m and _is_heading_like(t):
            last_level1 = cn_to_int(m.group(1)) or last_level1
            path.open(1, _clean_heading(t))
            continue
        if _LEVEL2.match(t) and _is_heading_like(t):
            path.open(2, _clean_heading(t))
            continue
        if _is_unnumbered_level1(t, body, i):
            last_level1 += 1
            path.open(1, f"{int_to_cn(last_level1)}、{_clean_heading(t)}")
            continue
        if _CAPTION.match(t):
            clauses.append(Clause(path.tuple(*_open_item(clauses, path)), line.start, line.end, ClauseKind.CAPTION))
            continue
        m = _ITEM.match(t)
        if m:
            clauses.append(Clause(path.tuple(f"——{m.group(1)}"), line.start, line.end, ClauseKind.ITEM))
            continue
        clauses.append(Clause(path.tuple(), line.start, line.end, ClauseKind.PARAGRAPH))
    close_article()
    return clauses


def _rank_of(heading: str, default: int) -> int:
    if _CHAPTER.match(heading):
        return 1
    if _SECTION.match(heading):
        return 2
    return max(default, 1)


def _is_unnumbered_level1(text: str, body: list[_Line], i: int) -> bool:
    """A short unpunctuated line followed by a `（一）` heading is a level-1 heading
    whose number was lost (the plan's 加快产业发展绿色化)."""
    if not _is_heading_like(text) or len(text) > 20 or text.startswith(("——", "图", "（")):
        return False
    nxt = body[i + 1].text if i + 1 < len(body) else ""
    m = _LEVEL2.match(nxt)
    return bool(m and cn_to_int(m.group(1)) == 1 and _is_heading_like(nxt))


def _open_item(clauses: list[Clause], path: _Path) -> tuple[str, ...]:
    """A figure caption right after an item illustrates that item."""
    if clauses and clauses[-1].kind is ClauseKind.ITEM and clauses[-1].heading_path[:-1] == path.tuple():
        return (clauses[-1].heading_path[-1],)
    return ()
