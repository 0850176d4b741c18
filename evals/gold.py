"""Gold sets: JSONL, one question per line (DESIGN.md §4).

    {"id", "query", "evidence": ["verbatim quote", ...], "lang": "zh"|"en", "kind": "...", "doc"?: "title"}

A retrieved chunk is relevant when it contains one of the evidence quotes, so gold sets do
not depend on chunk boundaries. An empty `evidence` list marks a question the corpus cannot
answer. A file is checked whole before anything runs; every problem names its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError

REQUIRED = {"id": str, "query": str, "evidence": list, "lang": str, "kind": str}
OPTIONAL = {"doc": str, "note": str}
LANGS = ("zh", "en")


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    query: str
    evidence: tuple[str, ...]
    lang: str
    kind: str
    doc: str = ""
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)

    def is_relevant(self, chunk_text: str) -> bool:
        return any(q in chunk_text for q in self.evidence)


def parse_gold(text: str, source: str = "gold") -> list[GoldQuestion]:
    problems: list[str] = []
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {n}: expected a JSON object")
            continue
        unknown = sorted(set(row) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            problems.append(f"line {n}: unknown field(s) {unknown}; allowed: {sorted({*REQUIRED, *OPTIONAL})}")
        bad = [f"{k} ({t.__name__})" for k, t in REQUIRED.items() if not isinstance(row.get(k), t)]
        bad += [f"{k} ({t.__name__})" for k, t in OPTIONAL.items() if k in row and not isinstance(row[k], t)]
        if bad:
            problems.append(f"line {n}: missing or mistyped field(s): {', '.join(bad)}")
            continue
        if row["lang"] not in LANGS:
            problems.append(f"line {n}: lang {row['lang']!r} is not one of {LANGS}")
        if not row["query"].strip():
            problems.append(f"line {n}: empty query")
        if not all(isinstance(q, str) and q.strip() for q in row["evidence"]):
            problems.append(f"line {n}: evidence must be a list of non-empty strings")
        if row["id"] in seen:
            problems.append(f"line {n}: duplicate id {row['id']!r} (first on line {seen[row['id']]})")
        seen.setdefault(row["id"], n)
        questions.append(GoldQuestion(row["id"], row["query"], tuple(row["evidence"]), row["lang"], row["kind"],
                                      row.get("doc", ""), n))
    if not questions and not problems:
        problems.append("the file has no questions")
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return questions


def load_gold(path: Path) -> list[GoldQuestion]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; save the gold set as UTF-8 JSONL") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the gold file ({exc.strerror or exc})") from None
    return parse_gold(text, str(path))


def indexed_chunks(store) -> list[tuple[str, str, str]]:
    """(chunk_id, text, doc_title) of every indexed chunk: what evidence is checked against."""
    return [(p.chunk_id, p.payload["text"], p.payload["doc_title"]) for p in store.scroll()]


def check_evidence(questions: Iterable[GoldQuestion], chunks: list[tuple[str, str, str]],
                   source: str = "gold") -> None:
    """Every quote must lie inside some indexed chunk — of the named document, when `doc` is
    given — or the question could never be hit. `chunks` holds (chunk_id, text, doc_title)."""
    titles = {title for _, _, title in chunks}
    problems = []
    for q in questions:
        if q.doc and q.doc not in titles:
            problems.append(f"line {q.line} ({q.id}): doc {q.doc!r} is not indexed")
            continue
        for quote in q.evidence:
            if not any(quote in text and (not q.doc or title == q.doc) for _, text, title in chunks):
                where = f"chunk of {q.doc!r}" if q.doc else "indexed chunk"
                problems.append(f"line {q.line} ({q.id}): evidence not found in any {where}: {quote!r}")
    if problems:
        raise InputError(
            f"{source}: {len(problems)} evidence quote(s) are not in the index (is the right corpus indexed? "
            "quotes must be verbatim and must not span two chunks):\n  " + "\n  ".join(problems)
        )
