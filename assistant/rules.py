"""Eligibility rules as data, each with the verbatim text it rests on.

Two files in `assistant/rules/`:
- `plan.toml` is extracted by code from the city plan: every `——` item of 三、推进产品结构高端化
  (what is encouraged, sector by sector) and every park section of 四、促进产业布局合理化 (what
  each park is for). `python -m assistant rules --check` re-extracts it from the corpus and
  shows the difference for review; `--update` writes it.
- `eligibility.toml` is curated: prohibitions and restrictions, the procedures the national
  texts require of a new chemical project, and the foreign-investment rules.
Every quote is checked verbatim against its document by the tests.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assistant.errors import InputError
from assistant.types import ClauseKind, Document

PLAN_TITLE = "营口市精细化工产业发展规划"
ENCOURAGED_SECTION = "三、推进产品结构高端化"
PARK_SECTION = "四、促进产业布局合理化"
RULES_DIR = Path(__file__).with_name("rules")


@dataclass(frozen=True)
class Rule:
    """One rule and where it is written: `quote` is verbatim in document `doc` under `where`."""

    kind: str  # item | park | prohibition | procedure | foreign | general
    id: str
    name: str
    doc: str
    where: str
    quote: str
    triggers: tuple[str, ...] = ()  # Chinese words of a description that make a prohibition apply
    triggers_en: tuple[str, ...] = ()  # the same in English, matched case-insensitively
    verdict: str = ""  # prohibitions: prohibited | restricted
    scope: str = ""  # prohibitions: park | all | outside-park
    applies: str = ""  # procedures: new | hazardous | foreign | operation
    name_en: str = ""


@dataclass(frozen=True)
class RuleBook:
    items: tuple[Rule, ...]
    parks: tuple[Rule, ...]
    prohibitions: tuple[Rule, ...]
    procedures: tuple[Rule, ...]
    foreign: tuple[Rule, ...]
    general: tuple[Rule, ...]

    @property
    def all(self) -> tuple[Rule, ...]:
        return (*self.items, *self.parks, *self.prohibitions, *self.procedures, *self.foreign, *self.general)


# ------------------------------------------------------------------ extraction from the plan

def extract_plan_rules(plan: Document) -> list[Rule]:
    """The plan's `——` items (encouraged products by sector) and park sections, verbatim."""
    from indexing.structure import parse_clauses

    rules: list[Rule] = []
    clauses = parse_clauses(plan)
    for c in clauses:
        path = c.heading_path
        text = plan.text[c.start:c.end].strip()
        if c.kind is ClauseKind.ITEM and path and path[0] == ENCOURAGED_SECTION:
            name = text.removeprefix("——").split("。", 1)[0]
            rules.append(Rule("item", f"item-{len(rules) + 1:02d}", name, plan.meta.title, " › ".join(path), text))
    parks: dict[tuple[str, ...], list[str]] = {}
    for c in clauses:
        if len(c.heading_path) == 2 and c.heading_path[0] == PARK_SECTION and c.kind is not ClauseKind.CAPTION:
            parks.setdefault(c.heading_path, []).append(plan.text[c.start:c.end].strip())
    for i, (path, texts) in enumerate(parks.items(), 1):
        name = path[1].split("）", 1)[-1]
        rules.append(Rule("park", f"park-{i}", name, plan.meta.title, " › ".join(path), texts[0]))
    return rules


def plan_rules_toml(rules: list[Rule]) -> str:
    lines = ["# Extracted from 《营口市精细化工产业发展规划》 by `python -m assistant rules --update`;",
             "# review the diff (`rules --check`) when the plan changes. Quotes are verbatim.", ""]
    for r in rules:
        lines += [f"[[{r.kind}]]", f"id = {_q(r.id)}", f"name = {_q(r.name)}", f"doc = {_q(r.doc)}",
                  f"where = {_q(r.where)}", f"quote = {_q(r.quote)}", ""]
    return "\n".join(lines)


def check_plan_rules(plan: Document, path: Path | None = None) -> str:
    """The unified diff between the reviewed plan rules and a fresh extraction ('' if none)."""
    path = path or RULES_DIR / "plan.toml"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    fresh = plan_rules_toml(extract_plan_rules(plan))
    return "".join(difflib.unified_diff(current.splitlines(True), fresh.splitlines(True),
                                        str(path), "extracted from the corpus now"))


# ------------------------------------------------------------------ loading

def load_rules(folder: Path | None = None) -> RuleBook:
    folder = folder or RULES_DIR
    tables: dict[str, list[Rule]] = {k: [] for k in ("item", "park", "prohibition", "procedure", "foreign", "general")}
    for name in ("plan.toml", "eligibility.toml"):
        path = folder / name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"the rules file {path} is missing; run `python -m assistant rules --update`") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc})") from None
        for kind, rows in tables.items():
            for row in data.get(kind, []):
                try:
                    rows.append(Rule(kind, row["id"], row.get("name", row["id"]), row["doc"], row.get("where", ""),
                                     row["quote"], tuple(row.get("triggers", ())), tuple(row.get("triggers_en", ())),
                                     row.get("verdict", ""), row.get("scope", ""), row.get("applies", ""),
                                     row.get("name_en", "")))
                except KeyError as exc:
                    raise InputError(f"{path}: a [[{kind}]] entry lacks {exc}") from None
    return RuleBook(*(tuple(tables[k]) for k in ("item", "park", "prohibition", "procedure", "foreign", "general")))


def packaged_rules() -> RuleBook:
    return load_rules(Path(str(resources.files("assistant").joinpath("rules"))))


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
