"""Will a project be welcome, where, and what must the investor do? A check on rules drawn from
the corpus (`assistant.rules`), every finding with the clause it rests on.

The verdict is one of encouraged / permitted / restricted / prohibited / not_covered:
- prohibited / restricted: the description names something a rule forbids or restricts
  (产能过剩, 高污染, 两高 …);
- encouraged: it names a product or chain that one of the plan's `——` items encourages;
- permitted: a chemical project that no rule singles out, on the plan's general rule that new
  projects go into certified parks;
- not_covered: nothing in it touches what the documents speak of.
Parks are judged by their positioning clauses, procedures come from the national texts, and
partners from the enterprise profiles. What the documents do not settle is said, not guessed.
What the description's words say of the project (a plant at all? inside a park? a trigger negated?)
is read by `assistant.cues`.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import cues
from assistant.errors import InputError
from assistant.query import AnalyzedQuery, question_language
from assistant.retrieval import Retriever, clean_query
from assistant.rules import Rule, RuleBook, packaged_rules
from indexing.parks import parks as park_table
from indexing.tokenizer import curated_terms_of

VERDICTS = ("encouraged", "permitted", "restricted", "prohibited", "not_covered")
MIN_TERM_IDF = 2.5  # a description word rarer than this in the corpus can single out an item
# Words every project description has: they match everything and single out nothing.
GENERIC = frozenset("""化工 化学 化学品 项目 生产 建设 投资 企业 公司 工厂 工程 产品 我们 我司 想 能否 可以 能不能 是否 新建 扩建
改建 年产 万吨 吨 产能 营口 营口市 园区 入园 落户 规模 计划 准备 打算 一个 一座 一家 工艺 装置 技术 发展 生产线 项目建设
精细化工 新材料 材料 产业 行业 合作 建厂 设厂 合资 独资 外资 外商""".split())
# "我们想投资…能不能入园", "can we build … in Yingkou?": a question the check answers better than a search.
_ELIGIBILITY_Q = re.compile(r"能不能入园|能否入园|可以入园|可否入园|能不能(投资|建|上|落户|做)|能否(投资|建|上|落户)|可不可以(投资|建|上)|"
                            r"(我们|我司|我|公司).{0,20}是否(允许|鼓励|可以|符合)|受不受欢迎|\b(are|is) (we|i|our|my)\b.{0,40}"
                            r"\beligible\b|\b(are|is) (we|i)\b.{0,20}\ballowed to\b|"
                            r"\bcan (we|i) (build|set up|open|invest in|make|produce|manufacture)\b|"
                            r"\bis it possible to (build|invest|set up)\b", re.I)
_VAGUE_WORDS = 4  # fewer significant words than this, and no product: ask for the product


def is_eligibility_question(text: str) -> bool:
    return bool(_ELIGIBILITY_Q.search(text))


@dataclass(frozen=True)
class Finding:
    """A sentence of the report and the clause it rests on (quote verbatim in `doc`)."""

    text: str
    rule: Rule
    quote: str  # the sentence of the rule's text that says it

    def to_json(self) -> dict:
        return {"text": self.text, "citation": {"doc": self.rule.doc, "where": self.rule.where,
                                                "quote": self.quote, "rule": self.rule.id}}


@dataclass(frozen=True)
class ParkFit:
    park: str
    fits: bool | None  # None: the plan does not say
    finding: Finding | None

    def to_json(self) -> dict:
        return {"park": self.park, "fits": self.fits, **(self.finding.to_json() if self.finding else {})}


@dataclass(frozen=True)
class EligibilityReport:
    description: str
    lang: str
    verdict: str
    reasons: tuple[Finding, ...]
    parks: tuple[ParkFit, ...]
    procedures: tuple[Finding, ...]
    partners: tuple[str, ...]
    not_settled: tuple[str, ...]
    assumptions: tuple[str, ...]
    questions: tuple[str, ...]
    elapsed_ms: float = 0.0
    matched: tuple[str, ...] = field(default=())  # the description's words that decided it

    def to_json(self) -> dict:
        return {
            "description": self.description, "lang": self.lang, "verdict": self.verdict,
            "reasons": [r.to_json() for r in self.reasons], "parks": [p.to_json() for p in self.parks],
            "procedures": [p.to_json() for p in self.procedures], "partners": list(self.partners),
            "not_settled": list(self.not_settled), "assumptions": list(self.assumptions),
            "questions": list(self.questions), "matched": list(self.matched),
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


@dataclass(frozen=True)
class Project:
    description: str
    product: str = ""
    process: str = ""
    capacity: str = ""
    park: str = ""
    new: bool | None = None  # False: an expansion
    foreign: bool | None = None

    @property
    def text(self) -> str:
        return " ".join(x for x in (self.description, self.product, self.process, self.capacity, self.park) if x)


class EligibilityChecker:
    def __init__(self, retriever: Retriever, rules: RuleBook | None = None,
                 partners: dict[str, list[str]] | None = None):
        self.retriever = retriever
        self.rules = rules or packaged_rules()
        self.partners = partners if partners is not None else _partners_from_profiles(retriever)
        self.__domain: frozenset[str] | None = None

    def warm_up(self) -> None:
        """Load what the first check would (the model, the query tables, the corpus vocabulary)."""
        self.retriever.warm_up()
        _ = self._domain

    def check(self, project: Project) -> EligibilityReport:
        started = time.perf_counter()
        text = clean_query(project.text, self.retriever.settings.max_description_chars, "project description")
        lang = question_language(project.description or text)
        zh = lang == "zh"
        terms, searched, analysis = self._terms(cues.product_words(text))
        reasons: list[Finding] = []
        not_settled: list[str] = []
        assumptions: list[str] = []
        questions: list[str] = []

        not_a_plant = cues.is_no_plant(text)
        item, item_terms = (None, []) if not_a_plant else self._best_item(terms)
        # chemical words of its own, or a product of the glossary's (plasticiser, PVC additives)
        chemical = not not_a_plant and (cues.names_chemicals(text)
                                        or any(e.kind == "product" for e in analysis.expansions))
        banned = [] if not_a_plant else self._prohibitions(project, text, searched, chemical or item is not None, zh)
        if banned:
            worst = "prohibited" if any(r.verdict == "prohibited" for r, _ in banned) else "restricted"
            verdict = worst
            for rule, trigger in _unique_rules(banned):
                reasons.append(Finding(_say(zh, f"描述中的“{trigger}”属于文件{'禁止' if rule.verdict == 'prohibited' else '限制'}的情形。",
                                            f"“{trigger}” in the description falls under a "
                                            f"{'prohibition' if rule.verdict == 'prohibited' else 'restriction'}."),
                                       rule, rule.quote))
        elif item is not None:
            verdict = "encouraged"
            reasons.append(Finding(_say(zh, f"规划鼓励发展“{item.name}”，与描述中的{'、'.join(item_terms)}相符。",
                                        f"The plan encourages {item.name} ({', '.join(item_terms)})."),
                                   item, _sentence_with(item.quote, self._words(item_terms, text, analysis), item_terms)))
        elif chemical and not cues.NO_PRODUCTION.search(text):
            verdict = "permitted"
            if not self.rules.general:
                raise InputError("the rules have no [[general]] entry to rest a 'permitted' verdict on")
            reasons += [Finding(_say(zh, f"规划未专门鼓励或限制该产品；一般条件：{g.name}。",
                                     f"The plan neither singles this product out nor restricts it; general "
                                     f"condition: {g.name_en or g.name}."), g, g.quote)
                        for g in self.rules.general]
            not_settled.append(_say(zh, "已索引的文件未专门提及该产品，是否属于鼓励类需对照国家产业结构调整指导目录。",
                                    "The indexed documents do not name this product; whether it is encouraged "
                                    "nationally is for the national industrial catalogue, which is not indexed."))
        else:
            verdict = "not_covered"
            not_settled.append(_say(zh, "已索引的文件不涉及此类项目，无法据此判断。",
                                    "The indexed documents do not cover this kind of project; no verdict can be "
                                    "drawn from them."))

        if verdict in ("permitted", "encouraged") and not (project.product or item_terms) and len(terms) < _VAGUE_WORDS:
            questions.append(_say(zh, "请说明拟生产的产品（及工艺、规模），以便对照规划判断。",
                                  "Which product (and process, capacity) is planned? The plan judges by product."))
            assumptions.append(_say(zh, "按一般化工项目判断。", "Judged as an ordinary chemical project."))

        said, asked = self._fields_read(project, item_terms, zh)
        assumptions += said
        questions += asked
        parks = self._parks(project, searched, item, item_terms, zh) if verdict not in ("not_covered", "prohibited") else []
        if verdict not in ("not_covered", "prohibited") and not any(p.fits for p in parks):
            not_settled.append(_say(zh, "规划未将该产品明确指向某个园区。",
                                    "The plan does not tie this product to a particular park."))
        procedures = self._procedures(project, text, zh) if verdict not in ("not_covered", "prohibited") else []
        partners = self._partners(item, item_terms) if item is not None and verdict == "encouraged" else ()
        if project.new is None and verdict != "not_covered":
            assumptions.append(_say(zh, "按新建项目列出手续。", "Procedures listed for a new project.")
                               if not cues.EXPANSION.search(text) else
                               _say(zh, "按扩建项目列出手续。", "Procedures listed for an expansion."))
        return EligibilityReport(project.description, lang, verdict, tuple(reasons), tuple(parks), tuple(procedures),
                                 partners, tuple(not_settled), tuple(assumptions), tuple(questions),
                                 (time.perf_counter() - started) * 1000, tuple(item_terms))

    def _fields_read(self, project: Project, item_terms: Sequence[str], zh: bool) -> tuple[list[str], list[str]]:
        """What the form's fields leave open or contradict — a park the plan does not have, a park
        other than the description's, new against expansion, a product name the documents' words
        do not know — as assumptions stated and questions asked, never a silent choice."""
        said: list[str] = []
        asked: list[str] = []
        if project.park:
            field_park, described = self._park_in(project.park), self._park_in(project.description)
            if not field_park:
                names = "、".join(p.name for p in park_table())
                said.append(_say(zh, f"“{project.park}”不是规划所列的化工园区，按未指定园区判断。",
                                 f"“{project.park}” is not one of the plan's chemical parks; judged without a park."))
                asked.append(_say(zh, f"拟入哪个园区？规划所列：{names}。", f"Which of the plan's parks is meant? {names}."))
            elif described and not _same_park(field_park, described):
                said.append(_say(zh, f"园区一栏为{field_park}，描述中却是{described}；按园区一栏判断。",
                                 f"The park field says {field_park}, the description {described}; judged by the field."))
                asked.append(_say(zh, "请确认拟入园区。", "Which park is it?"))
        if project.new is not None:
            expansion = bool(cues.EXPANSION.search(project.description))
            new = bool(cues.NEW_PROJECT.search(project.description))
            if expansion != new and new != project.new:  # the description says one of them, the field the other
                said.append(_say(zh, f"新建/扩建一栏与描述不一致；按一栏（{'新建' if project.new else '扩建'}）列出手续。",
                                 f"The new/expansion field and the description disagree; procedures follow the field "
                                 f"({'new' if project.new else 'expansion'})."))
        if project.product and not item_terms and not cues.HAN.search(project.product) \
                and not self.retriever.analyze(project.product).terms:
            asked.append(_say(zh, f"文件用语中找不到“{project.product}”；请给出其化学名称或通用名（商品名无法对照）。",
                              f"The documents' words have no match for “{project.product}”; what is its chemical or "
                              f"generic name? (A trade name cannot be looked up.)"))
        return said, asked

    def _park_in(self, text: str) -> str:
        """The plan's park a text names, in Chinese or in pinyin (Xianrendao)."""
        return _named_park(text) or (_named_park(" ".join(self.retriever.analyze(text).terms)) if text else "")

    # ------------------------------------------------------------------ matching

    def _prohibitions(self, project: Project, text: str, searched: str, chemical: bool,
                      zh: bool) -> list[tuple[Rule, str]]:
        """Rules whose trigger words the description uses — not negated ("不属于高污染", "not
        energy-intensive"). The outside-park rules (scope "outside-park") hold for a chemical project
        staying outside a park, said in any words; the ban on entering a park (scope "park") for a
        project not outside one and whose site is decided ("还没定", "haven't chosen a site": the
        two-high scrutiny is what holds then)."""
        # "园外企业搬迁入园" moves into a park; "不在任何园区，在原址扩建" stays outside, whatever place it names.
        site = cues.site_of(text, zh)
        said = cues.said_of_project(text)
        into_park = site.moving_in or (not site.outside and bool(_named_park(project.park) or _named_park(searched)))
        # outside a *chemical* park: the plant counts itself among chemical plants, whatever it makes
        stays_out = (chemical or bool(cues.CHEMICAL.search(site.outside))) and not into_park
        hits = []
        for rule in self.rules.prohibitions:
            if rule.scope == "outside-park":
                if not stays_out:
                    continue
                if site.outside:
                    hits.append((rule, site.outside))
            if rule.scope == "park" and not into_park and (site.outside or site.undecided):
                continue
            # Chinese triggers in Chinese text; English text by its own triggers, where a negation
            # can be seen (its translated terms lose the "not" before them).
            hits += [(rule, found) for t in (rule.triggers if zh else rule.triggers_en)
                     if t and (found := cues.triggered(said, t, zh))]
        return hits

    def _terms(self, text: str) -> tuple[list[str], str, AnalyzedQuery]:
        """The description's significant Chinese words (rare enough in the corpus to single out
        a product), and the Chinese text to look triggers up in (with English words translated)."""
        r = self.retriever
        analysis = r.analyze(text)
        if analysis.lang == "zh":
            analysis = dataclasses.replace(analysis, expansions=r.analyzer.products_named(text))
        searched = text + " " + " ".join(analysis.terms)
        # The tokenizer lowers Latin letters; the plan writes POE弹性体, so a mixed word takes its case back.
        words = [_as_written(w, searched) for w in r.index.tokenizer.tokens(searched)]
        # Product words: the corpus vocabulary (curated domain terms and terms mined from the
        # texts) knows 碳酸乙烯酯 and 水分散粒剂; ordinary words such as 布局 or 中心 are not in it.
        # The glossary's product terms for English words are product words too (薄膜, 海水淡化).
        # A place is where the project goes, never what it makes: 盖州市 must not single out the item
        # that names a company of Gaizhou.
        products = {t for e in analysis.expansions if e.kind == "product" for t in e.terms}
        places = {t for e in analysis.expansions if e.kind == "place" for t in e.terms}
        terms = [w for w in dict.fromkeys([*words, *products])
                 if len(w) >= 2 and (not w.isascii() or w in products) and w not in GENERIC and w not in places
                 and (w in self._domain or w in products) and r.index.idf(w) >= MIN_TERM_IDF]
        return terms, searched, analysis

    def _words(self, item_terms: Sequence[str], text: str, analysis: AnalyzedQuery) -> list[dict[str, float]]:
        """What picks the sentence of an item to quote: each word of the description (an English
        word with its Chinese alternatives, of which the best found counts once), by idf; the
        matched product words count double."""
        r = self.retriever
        idf = r.index.idf
        words = [w for w in r.index.tokenizer.tokens(text) if not w.isascii()]
        groups = [[w] for w in dict.fromkeys(words)] + [list(e.terms) for e in analysis.expansions]
        return [{t: idf(t) * (2 if t in item_terms else 1) for t in g if len(t) >= 2 and t not in GENERIC}
                for g in groups]

    @property
    def _domain(self) -> frozenset[str]:
        if self.__domain is None:
            self.__domain = frozenset(self.retriever.index.tokenizer.vocabulary.terms) - set(curated_terms_of("ns"))
        return self.__domain

    def _best_item(self, terms: Sequence[str]) -> tuple[Rule | None, list[str]]:
        """The encouraged item whose text names most of the description's rare words."""
        best, best_terms, best_score = None, [], 0.0
        idf = self.retriever.index.idf
        for item in self.rules.items:
            found = [t for t in terms if t in item.quote]
            # a longer word found inside the item counts, its sub-words do not count again
            found = [t for t in found if not any(t != u and t in u for u in found)]
            # A word in the item's own name (饲料添加剂 in 食品及饲料添加剂) says more than one in its text.
            score = sum(idf(t) * len(t) * (2 if t in item.name or item.name in t else 1) for t in found)
            if score > best_score:
                best, best_terms, best_score = item, found, score
        return (best, best_terms) if best is not None else (None, [])

    def _partners(self, item: Rule, terms: Sequence[str], most: int = 5) -> tuple[str, ...]:
        """Companies whose profiled sectors or products name the item or the matched products."""
        keys = [item.name, *terms]
        scored = [(sum(any(k in v or v in k for v in values) for k in keys), name)
                  for name, values in self.partners.items()]
        return tuple(name for score, name in sorted(scored, key=lambda x: -x[0]) if score)[:most]

    def _parks(self, project: Project, text: str, item: Rule | None, item_terms: Sequence[str], zh: bool) -> list[ParkFit]:
        # The park field first; else a park the description names (`text` has the Chinese terms of English words).
        named = _named_park(project.park) or _named_park(text)
        fits: list[ParkFit] = []
        keys = list(item_terms) + ([item.name] if item else [])
        for park in self.rules.parks:
            if park.name == "园外企业":
                continue
            aliases = _aliases(park.name)
            said_in_item = item is not None and any(a in item.quote for a in aliases)
            said_in_park = any(k in park.quote for k in keys)
            if said_in_item or said_in_park:
                quote = _sentence_with(item.quote, _by_length(aliases)) if said_in_item \
                    else _sentence_with(park.quote, _by_length(keys))
                rule = item if said_in_item else park
                fits.append(ParkFit(park.name, True, Finding(
                    _say(zh, f"{park.name}的定位与该产品相符。", f"{park.name}'s positioning fits this product."),
                    rule, quote)))
        if named and not any(_same_park(named, f.park) for f in fits):
            park = next((p for p in self.rules.parks if _same_park(named, p.name)), None)
            if park is not None:
                fits.insert(0, ParkFit(park.name, False if fits else None, Finding(
                    _say(zh, f"{park.name}的定位中未提及该产品" + ("，见上列相符园区。" if fits else "。"),
                         f"{park.name}'s positioning does not name this product" + (
                             "; see the parks that fit." if fits else ".")), park, park.quote)))
        return fits

    def _procedures(self, project: Project, text: str, zh: bool) -> list[Finding]:
        foreign = project.foreign if project.foreign is not None else bool(cues.FOREIGN.search(text))
        hazardous = bool(cues.HAZARDOUS.search(text))
        out = []
        for p in self.rules.procedures:
            if p.applies in ("new", "operation", "") or (p.applies == "hazardous" and hazardous) \
                    or (p.applies == "foreign" and foreign):
                out.append(Finding(p.name if zh else (p.name_en or p.name), p, p.quote))
        if foreign:
            out += [Finding(_say(zh, "外商投资：", "Foreign investment: ") + (r.name if zh else r.name_en or r.name),
                            r, r.quote) for r in self.rules.foreign]
        if not hazardous:
            hazard = [p for p in self.rules.procedures if p.applies == "hazardous"]
            out += [Finding(_say(zh, f"如涉及危险化学品：{p.name}", f"If hazardous chemicals are involved: "
                                 f"{p.name_en or p.name}"), p, p.quote) for p in hazard]
        return out


# ------------------------------------------------------------------ helpers


def _as_written(word: str, text: str) -> str:
    if word.isascii() or not re.search(r"[a-z]", word):
        return word
    m = re.search(re.escape(word), text, re.I)
    return m.group(0) if m else word


def _say(zh: bool, chinese: str, english: str) -> str:
    return chinese if zh else english


def _unique_rules(pairs):
    seen = set()
    for rule, trigger in pairs:
        if rule.id not in seen:
            seen.add(rule.id)
            yield rule, trigger


def _by_length(needles: Sequence[str]) -> list[dict[str, float]]:
    """Needles as `_sentence_with` weighs them: each alone, the longer the weightier."""
    return [{n: float(len(n))} for n in needles if n]


def _sentence_with(text: str, groups: Sequence[dict[str, float]], every: Sequence[str] = ()) -> str:
    """The sentence of `text` (verbatim) naming most of the needles — given as groups of
    alternatives with weights, the best found of each group counting — the first sentence when
    none is named; widened to the run of sentences that shows each of `every` (the matched
    product words, so that a reader sees all of them). An item's bare name ("——涂料。") stays with
    the sentence after it."""
    spans: list[list[int]] = []  # [start, end) of each sentence in text
    for m in re.finditer(r"[^。；]*[。；]?", text):
        if not m.group(0).strip():
            continue
        if spans and len(text[spans[-1][0]:spans[-1][1]].strip()) <= _SHORT_SENTENCE:
            spans[-1][1] = m.end()
        else:
            spans.append([m.start(), m.end()])
    if not spans:
        return text
    sentences = [text[a:b] for a, b in spans]

    def score(s: str) -> float:
        return sum(max((w for n, w in g.items() if n in s), default=0.0) for g in groups)

    best = max(range(len(sentences)), key=lambda i: (score(sentences[i]), -i))
    first = last = best
    for needle in every:
        if needle not in sentences[best]:
            at = [i for i, s in enumerate(sentences) if needle in s]
            if at:
                nearest = min(at, key=lambda i: abs(i - best))
                first, last = min(first, nearest), max(last, nearest)
    return text[spans[first][0]:spans[last][1]].strip()


_SHORT_SENTENCE = 10


def _aliases(park_name: str) -> tuple[str, ...]:
    for p in park_table():
        if any(a in park_name for a in p.aliases):
            return p.aliases
    return (park_name,)


def _named_park(text: str) -> str:
    for p in park_table():
        if any(a in text for a in p.aliases):
            return p.name
    return ""


def _same_park(a: str, b: str) -> bool:
    return any(x in b for x in _aliases(a)) or any(x in a for x in _aliases(b))


def _partners_from_profiles(retriever: Retriever) -> dict[str, list[str]]:
    """Company → the sectors and products its profile lists (corpus/enterprises.toml)."""
    from indexing.enterprises import PROFILES_FILE, read_profiles

    path = retriever.settings.corpus_dir / PROFILES_FILE
    if not path.exists():
        return {}
    return {e.name: [f.value for f in e.facts if f.field in ("sector", "product")] for e in read_profiles(path)}


def format_report(report: EligibilityReport) -> str:
    """The report as text: verdict, reasons, parks, procedures, partners, open points; each
    finding with its clause."""
    zh = report.lang == "zh"
    names = {"encouraged": ("鼓励", "encouraged"), "permitted": ("允许", "permitted"),
             "restricted": ("限制", "restricted"), "prohibited": ("禁止", "prohibited"),
             "not_covered": ("文件未涉及", "not covered by the indexed documents")}
    lines = [(f"结论：{names[report.verdict][0]}" if zh else f"Verdict: {names[report.verdict][1]}")]

    def cite(f: Finding) -> str:
        return f"  《{f.rule.doc}》 {f.rule.where}：“{f.quote}”"

    def section(title_zh: str, title_en: str, findings) -> None:
        if findings:
            lines.append("")
            lines.append(title_zh if zh else title_en)
            for f in findings:
                lines.extend([f"- {f.text}", cite(f)])

    section("理由：", "Why:", report.reasons)
    parks = [p for p in report.parks if p.finding]
    if parks:
        lines += ["", "园区：" if zh else "Parks:"]
        for p in parks:
            lines.extend([f"- {p.finding.text}", cite(p.finding)])
    section("需办理的手续：", "Procedures to plan for:", report.procedures)
    for title_zh, title_en, items in (("同链龙头企业（可作合作伙伴）：", "Leading companies of the chain:", report.partners),
                                      ("文件未能确定：", "Not settled by the documents:", report.not_settled),
                                      ("所作假设：", "Assumptions:", report.assumptions),
                                      ("请补充：", "Please add:", report.questions)):
        if items:
            lines += ["", title_zh if zh else title_en, *[f"- {x}" for x in items]]
    return "\n".join(lines)
