"""Enterprise profiles (`enterprises.toml` in a corpus folder): the companies the plan names,
each fact with the plan's sentence it comes from.

Each profile becomes a document of its own (level and doc_type "enterprise"), a card whose
sections (一、产品 …) list the facts and quote their source verbatim, so "哪些企业生产抗氧剂？"
finds company cards and every line of an answer still rests on the plan's own words.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from assistant.types import Document, DocumentMeta, Level

PROFILES_FILE = "enterprises.toml"
FIELDS = {  # field → the card's section heading, in card order
    "park": "所在园区", "sector": "所属领域", "product": "产品", "capacity": "产能", "project": "项目",
    "brand": "品牌", "honour": "荣誉与称号",
}
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Fact:
    field: str
    value: str
    quote: str


@dataclass(frozen=True)
class Enterprise:
    name: str
    short_names: tuple[str, ...]
    facts: tuple[Fact, ...]

    @property
    def title(self) -> str:
        return f"企业档案：{self.name}"


def read_profiles(path: Path) -> list[Enterprise]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid UTF-8 TOML ({exc})") from None
    out = []
    for i, raw in enumerate(data.get("enterprise", []), 1):
        try:
            facts = tuple(Fact(f["field"], f["value"], f["quote"]) for f in raw.get("fact", []))
            enterprise = Enterprise(raw["name"], tuple(raw.get("short_names", [])), facts)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}: enterprise #{i} lacks {exc} (each needs name, and facts with field, "
                             "value and quote)") from None
        unknown = sorted({f.field for f in facts} - set(FIELDS))
        if unknown:
            raise InputError(f"{path}: {enterprise.name}: unknown field(s) {', '.join(unknown)}; "
                             f"use {', '.join(FIELDS)}")
        out.append(enterprise)
    return out


def profile_documents(path: Path, source_title: str = "营口市精细化工产业发展规划") -> list[Document]:
    """One card document per enterprise."""
    docs = []
    for e in read_profiles(path):
        lines = [e.name]
        if e.short_names:
            lines.append(f"又称：{'、'.join(e.short_names)}。")
        sections = [f for f in FIELDS if any(x.field == f for x in e.facts)]
        for n, field in enumerate(sections):
            lines.append(f"{_NUMERALS[n]}、{FIELDS[field]}")
            for fact in (x for x in e.facts if x.field == field):
                lines.append(f"{e.name}：{fact.value}。依据《{source_title}》：“{fact.quote}”。")
        meta = DocumentMeta(title=e.title, level=Level.ENTERPRISE, issuer=f"据《{source_title}》整理",
                            doc_type="enterprise", source=str(path))
        docs.append(Document(meta, "\n".join(lines) + "\n", f"{path}#{e.name}"))
    return docs
