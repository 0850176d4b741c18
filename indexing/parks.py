"""Chemical parks, as data (`data/parks.tsv`): which park a clause speaks of, for the park
filter of search, `ask` and the chat."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Park:
    name: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def parks() -> tuple[Park, ...]:
    text = resources.files("indexing").joinpath("data/parks.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(Park(name.strip(), tuple(a.strip() for a in aliases.split("|") if a.strip())) for name, aliases in rows)


def parks_named(texts: Iterable[str]) -> list[str]:
    """The parks a clause names, in its heading path or its text."""
    joined = "\n".join(texts)
    return [p.name for p in parks() if any(a in joined for a in p.aliases)]


def park_names() -> list[str]:
    return [p.name for p in parks()]
