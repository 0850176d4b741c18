"""Feedback from the chat (thumbs up/down, JSONL) turned into gold-set candidates.

A thumbs-up answer gives a question with its cited quotes as candidate evidence; a thumbs-down
gives the question with empty evidence and the user's comment, to be reviewed: either the
documents do not answer it (an unanswerable gold question) or the right clause must be found
and written in by hand. Candidates carry `"kind": "feedback"` and a note; nothing is added to a
gold set automatically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import InputError
from assistant.query import question_language


def gold_candidates(path: Path) -> Iterator[dict]:
    if not path.is_file():
        raise InputError(f"no feedback log at {path}; it is written by the chat's 👍/👎 buttons")
    latest: dict[str, dict] = {}  # by question as searched: a later rating corrects an earlier one
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                question, rating = entry["question"], entry["rating"]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{path}:{n}: not a feedback entry ({exc})") from None
            # A follow-up ("那抗氧剂呢？") is kept as it was searched, standalone.
            query = entry.get("searched_as") or question
            latest.pop(query, None)
            latest[query] = {**entry, "rating": rating}
    for i, (query, entry) in enumerate(latest.items(), 1):
        up = entry["rating"] == "up" and not entry.get("abstained")
        note = "👍 " if entry["rating"] == "up" else "👎 "
        note += entry.get("comment") or ("answered" if not entry.get("abstained") else "abstained")
        yield {
            "id": f"fb-{i:04d}",
            "query": query,
            "evidence": [c["quote"] for c in entry.get("citations", [])][:3] if up else [],
            "lang": question_language(query),
            "kind": "feedback",
            "note": note,
        }
