"""Conversation history for follow-up questions: parsing it, and condensing a follow-up
("那大石桥呢？") into a question that stands alone ("大石桥鼓励发展哪些产品？")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.errors import InputError

MAX_TURNS = 20
# A follow-up leans on the previous question: it starts with 那/那么/and/what about, or ends in 呢.
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|and\b|what about|how about)|呢[？?]?$", re.I)
_FILLER = re.compile(r"^(那么|那|还有|另外|and|what about|how about)\s*|(的情况)?呢?[？?。.!！]*$", re.I)
# A short question with its own question word stands alone ("大石桥在哪？", "PE是什么").
_OWN_QUESTION = re.compile(r"在哪|哪|什么|多少|几|吗|怎么|如何|是否|谁|\b(what|where|which|how|who|when|is|are|can|does)\b",
                           re.I)
SHORT = 6


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


def parse_history(raw: str | Sequence[dict] | None) -> tuple[Turn, ...]:
    """History as JSON: a list of {"role": "user"|"assistant", "content": "..."}."""
    if raw is None or raw == "":
        return ()
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise InputError(f"the history is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                         'give a list like [{"role": "user", "content": "…"}]') from None
    if not isinstance(data, list):
        raise InputError('the history must be a JSON list like [{"role": "user", "content": "…"}]')
    turns = []
    for i, item in enumerate(data):
        if not (isinstance(item, dict) and item.get("role") in ("user", "assistant")
                and isinstance(item.get("content"), str)):
            raise InputError(f"history item {i}: needs \"role\" (user or assistant) and \"content\" (text)")
        turns.append(Turn(item["role"], item["content"]))
    return tuple(turns[-MAX_TURNS:])


def is_follow_up(question: str) -> bool:
    q = question.strip()
    return bool(_FOLLOW_UP.search(q)) or (len(q) <= SHORT and not _OWN_QUESTION.search(q))


def condense(question: str, history: Iterable[Turn], entities: Iterable[str], hints: Iterable[str] = ()) -> str:
    """The question as it would be asked without the conversation.

    A follow-up that names a new entity (a park, a place, a product) where the previous question
    named another is the previous question asked about the new one, plus whatever else the
    follow-up says; otherwise the previous question's words are added for context. `hints` are
    Chinese terms found for an English follow-up ("What about Dashiqiao?" → 大石桥).
    """
    previous = next((t.content for t in reversed(tuple(history)) if t.role == "user"), "")
    q = question.strip()
    if not previous or not is_follow_up(q):
        return q
    core = _FILLER.sub("", q).strip() or q
    ordered = sorted(set(entities), key=len, reverse=True)
    named = core + " " + " ".join(hints)
    new = next((e for e in ordered if e in named), None)
    old = next((e for e in ordered if e in previous and e != new), None)
    if new and old:
        swapped = previous.replace(old, new)
        only_the_name = core == new or (new not in core and len(core.split()) == 1)
        return swapped if only_the_name else f"{swapped} {core}"
    return f"{previous} {core}"
