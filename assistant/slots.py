"""What a question asks for, so that a clause *about* the question but without the fact asked
for (a price, a date, a rate, a named year) is not taken for an answer.

Near-miss questions are the hard part of abstention: "仙人岛港区去年的原油吞吐量是多少万吨？"
shares most of its words with the plan's sentence on the 30万吨 crude-oil terminal, and dense
similarity is high, yet no sentence states a throughput. Each `Slot` is one requirement that
some sentence about the question must meet: a pattern for the kind of value (an amount in
the unit asked, a sum of money, a rate, a date, a year named in the question, a phone number)
and, for Chinese questions, the word the value is of (the *focus*: 吞吐量 in "吞吐量是多少",
化工企业 in "多少家化工企业").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_NUM = r"[0-9０-９一二两三四五六七八九十百千万亿半]"

# The unit a question asks in must appear in the answer: "多少美元" is not answered by a share in %.
UNITS = ("亿美元", "万美元", "美元", "亿元", "万元", "元", "万吨", "吨", "平方公里", "平方米", "米", "公顷", "亩", "mg/m³",
         "毫克", "分贝", "%", "％", "人", "户", "家", "度", "小时", "天")

# "how many people" asks in 人 as "多少人" does; the count's word, a word or two after "how many".
_EN_UNITS = {"people": ("人",), "person": ("人",), "persons": ("人",), "employees": ("人",), "staff": ("人",),
             "workers": ("人",), "companies": ("家",), "firms": ("家",), "enterprises": ("家",), "plants": ("家",),
             "tonnes": ("吨",), "tons": ("吨",), "yuan": ("元",), "rmb": ("元",), "dollars": ("美元",), "usd": ("美元",),
             "hectares": ("公顷",), "mu": ("亩",), "metres": ("米",), "meters": ("米",), "days": ("日", "天"),
             "hours": ("小时",), "months": ("月",), "years": ("年",)}
# Describing words may come between ("how many foreign-invested chemical companies"), not a verb's
# helper: in "how much money do enterprises get" the count is of money, not of enterprises.
_EN_COUNT = re.compile(r"\bhow (?:many|much)\s+(?:(?!(?:do|does|did|can|could|are|is|was|were|will|would|should|"
                       r"must|have|has|may)\b)[\w-]+\s+){0,2}?(" + "|".join(_EN_UNITS) + r")\b", re.I)

# "What VOC limit in mg/m3", "the fine in yuan": the unit an English question wants its value in.
_EN_IN_UNIT = re.compile(r"\bin (mg/m3|mg/m³|milligrams?|tonnes|tons|yuan|rmb|dollars|usd|metres|meters|hectares|mu|"
                         r"square\s+(?:metres|meters)|square\s+(?:kilometres|kilometers)|decibels|db)\b", re.I)
_EN_IN_UNITS = {**_EN_UNITS, "mg/m3": ("mg/m³", "毫克"), "mg/m³": ("mg/m³", "毫克"), "milligram": ("毫克",),
                "milligrams": ("毫克",), "decibels": ("分贝",), "db": ("分贝",), "square metres": ("平方米",),
                "square meters": ("平方米",), "square kilometres": ("平方公里",), "square kilometers": ("平方公里",)}
_AMOUNT_Q = re.compile(r"多少|(?<!哪)几[年个级次天月户家项类条倍成]|多大|多长|多久|多高|比例|百分之|\bhow (many|much|long)\b|"
                       r"\bwhat (percentage|share|ratio|proportion)\b", re.I)
_AMOUNT = re.compile(rf"[0-9０-９]|{_NUM}[年个级次天日月户家项类条倍成%％吨元人分]|分之|百分")
_MONEY_Q = re.compile(r"多少钱|价格|价位|票价|费用|收费|费是|收入|资金|奖励|补贴|补助|投资额|总投资|销售额|出口额|总额|利润|租金|房租|"
                      r"\b(price|cost|fee|fees|fines|fined|revenue|subsid\w*|grant|bonus|turnover|invest\w* amount|profits?|rent)\b|"
                      # the penalty, not fine chemicals, fine particles or fine-chemical products
                      r"\b(what|the|a) fine\b(?![-\w])(?!\s+(chemi|particl|powder|grade|mesh))",
                      re.I)
_MONEY = re.compile(rf"{_NUM}\s*(亿|万|千)?(美元|欧元|元)|美元|人民币")
_RATE_Q = re.compile(r"费率|税率|利率|比例|比率|占比|百分之|百分比|\b(rate|percentage|proportion|ratio)\b", re.I)
_RATE = re.compile(rf"[%％]|分之|{_NUM}成")
# "when" asks for a date only as the question word: not in "what do they check when we apply".
_DATE_Q = re.compile(r"什么时候|何时|哪天|哪一天|哪一年|哪年|几月|截止|日期|^\W*when\b|\b(by|until|since) when\b|"
                     r"(?:^|[.?!;]\s*)\W*what(?: is|['’]s| are| was)? the deadlines?\b|\bby what deadline\b|"
                     r"\bwhat date\b|\bwhich year\b|\bhow soon\b", re.I)
# Policy texts answer "when" with a time limit or a condition as often as with a date:
# "竣工验收合格后，方可投入生产", "自收到申请之日起20日内".
_DATE = re.compile(rf"\d{{4}}\s*年|{_NUM}+\s*(月|日内|日起|个工作日|天内)|之日起|年底|年内|季度|期限|届满|之前|以前|之后|以后|"
                   r"[前后]，|后方可|方可|同时")
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
# An address is a street and number, not the name of the place: "管委会的办公地址" is not answered by
# a clause that names the zone.
_ADDRESS_Q = re.compile(r"地址|住址|门牌|\baddress\b", re.I)
_ADDRESS = re.compile(r"[0-9０-９]+\s*号|[路街道]\s*[0-9０-９]+|大街|大道")
_PHONE_Q = re.compile(r"电话|号码|联系方式|\bphone\b|contact number", re.I)
_PHONE = re.compile(r"\d{7,}|\d{3,4}-\d{7,8}")

_WHO_Q = re.compile(r"谁|哪家(机构|单位|部门|公司|企业)|哪个(部门|机构|单位)|什么(部门|机构|单位)|^\W*who\b|"
                    r"\bwhich (institute|agency|authority|department|body|organi[sz]ation|consultancy|company|firm)\b",
                    re.I)
# An answer naming who: an organisation, an office or a title.
_WHO = re.compile(r"政府|部门|委员会|管委会|局|厅|部|院|所|机构|单位|公司|集团|中心|协会|主管|负责人|主任|书记|董事长|总经理|经理")

_ASKING = ("多少", "几", "多久", "多长", "多大", "多高", "什么时候", "何时", "哪天", "哪一天", "谁")
# Words between the focus and the question word that say nothing of what is asked.
_FILLER = {"是", "为", "有", "要", "会", "能", "可", "可以", "需要", "应当", "大约", "大概", "约", "一般", "分别", "各自",
           "具体", "了", "已经", "的", "都", "总共", "共", "一共", "达到", "完成", "获得", "拿到", "得到", "收取", "给予",
           "提供", "能够", "多", "最多", "最少", "至少", "现在", "目前", "每年", "每", "一年", "大致", "由", "担任", "百分之",
           # the kind of value itself, which the value's pattern already checks
           "比重", "比例", "占比", "金额", "数量", "数目", "时间", "日期", "期限", "费用", "价格", "计算", "规定"}


@dataclass(frozen=True)
class Slot:
    kind: str  # amount | money | rate | date | who | year | phone | address
    pattern: re.Pattern
    units: tuple[str, ...] = ()  # one of these must appear (the unit asked in)
    focus: tuple[str, ...] = ()  # the sentence must name each of these (or one of its sub-words)
    years: tuple[str, ...] = ()  # the years the value is asked of (not an edition or a baseline)

    def met_by(self, sentence: str, sub_words: Callable[[str], Sequence[str]]) -> bool:
        if not self.pattern.search(sentence):
            return False
        if self.units and not any(_stated(u, sentence) for u in self.units):
            return False
        if not all(y in sentence for y in self.years):
            return False
        return all(f in sentence or any(len(w) > 1 and w in sentence for w in sub_words(f)) for f in self.focus)


def asked_slots(question: str, words: Sequence[str]) -> list[Slot]:
    """The requirements a question puts on its answer; `words` is the question cut into words
    (jieba's precise mode), used to find the focus of a Chinese question."""
    focus = _focus(words)
    # "2022年的总产值是多少亿元" is not answered by the 2025 target's 500亿元: a value asked of a
    # year must be stated beside that year.
    named, years = _years(question)
    slots: list[Slot] = []
    in_unit = _EN_IN_UNIT.search(question)
    if _AMOUNT_Q.search(question) or in_unit:
        matched = [u for u in UNITS if re.search(rf"(多少|几|多)\S{{0,2}}{re.escape(u)}", question)]
        matched += [u for m in _EN_COUNT.finditer(question) for u in _EN_UNITS[m.group(1).lower()]]
        if in_unit:
            matched += _EN_IN_UNITS[" ".join(in_unit.group(1).lower().split())]
        units = tuple(u for u in matched if not any(u != v and u in v for v in matched))  # 美元, not 元
        slots.append(Slot("amount", _AMOUNT, units, focus, years))
    rate = bool(_RATE_Q.search(question))  # "总投资额的多大比例" asks a rate, not a sum
    if rate:
        slots.append(Slot("rate", _RATE, (), focus, years))
    elif _MONEY_Q.search(question) and (_AMOUNT_Q.search(question) or re.search(r"\bwhat\b", question, re.I)):
        slots.append(Slot("money", _MONEY, (), focus, years))
    if _DATE_Q.search(question):
        slots.append(Slot("date", _DATE, (), focus))
    if _WHO_Q.search(question):
        slots.append(Slot("who", _WHO, (), focus))
    for year in named:
        slots.append(Slot("year", re.compile(year)))  # each year the question names
    if _PHONE_Q.search(question):
        slots.append(Slot("phone", _PHONE))
    if _ADDRESS_Q.search(question):
        slots.append(Slot("address", _ADDRESS))
    return slots


_EN_FOCUS = re.compile(r"\bwho (?:is|are|was|were) (?:the |our |its )?(?:current |present |new )?([a-z-]+)|"
                       r"\bhow (?:many|much) ([a-z-]+)|"
                       r"\bwhat (?:is|was|are|were) the (?:total |annual |current |average |monthly |yearly )?([a-z-]+)",
                       re.I)


def english_focus(question: str) -> str:
    """The word an English question asks a value of: "who is the current *director*", "how many
    *people*", "what was the total *profit*" ("" when it has none of these shapes)."""
    m = _EN_FOCUS.search(question)
    focus = next((g.lower() for g in m.groups() if g), "") if m else ""
    # "how many days", "what is the deadline": a span of time has no noun to look for; its unit
    # (日, 天) or the time-limit pattern is checked instead
    return "" if focus in ("days", "hours", "months", "years", "deadline", "deadlines") else focus


def _focus(words: Sequence[str]) -> tuple[str, ...]:
    """The words a Chinese question asks a value of: the content word before its question word
    ("吞吐量是多少"), else the run of content words after it ("多少家专精特新小巨人企业")."""
    at = next((i for i, w in enumerate(words) if w in _ASKING), None)
    if at is None:
        return ()
    run: list[str] = []
    for w in words[at + 1:]:
        if w in _FILLER or w in UNITS or _COUNTED.fullmatch(w) or _QUOTES.fullmatch(w):
            continue  # "一次" is written 1次 as often as not; quotation marks are not words
        if not _is_content(w):
            if _is_chinese(w):
                continue  # a single character says little: 小 in 小巨人 cut as 小/巨人
            break
        run.append(w)
    if run:
        return tuple(run)
    for w in reversed(words[:at]):
        if w in _FILLER:
            continue
        return (w,) if _is_content(w) else ()
    return ()


_COUNTED = re.compile(r"[一二两三四五六七八九十百半每]*[个年月天次项类条倍成级户家名位]")
_QUOTES = re.compile(r"[“”‘’\"'《》「」]")


def _is_chinese(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def _is_content(word: str) -> bool:
    return len(word) >= 2 and _is_chinese(word)


# A span of time is stated as a number with its unit: "六十日内", "3年", "6个月" — not a date's day or
# year ("2018年1月1日").
_NOT_AFTER_NUMBER = "(?<![年月0-9０-９一二两三四五六七八九十百千])"
_SPANS = {
    "日": re.compile(rf"{_NOT_AFTER_NUMBER}{_NUM}+\s*(个工作)?日"),
    "天": re.compile(rf"{_NUM}+\s*天"),
    "年": re.compile(rf"{_NOT_AFTER_NUMBER}([0-9０-９]{{1,2}}|[一二两三四五六七八九十半]+)\s*个?年(?![底度末初])"),
    "月": re.compile(rf"{_NOT_AFTER_NUMBER}([0-9０-９]{{1,2}}|[一二两三四五六七八九十半]+)\s*个月"),
    "小时": re.compile(rf"{_NUM}+\s*小时"),
}


def _stated(unit: str, sentence: str) -> bool:
    span = _SPANS.get(unit)
    return bool(span.search(sentence)) if span else unit in sentence


def _years(question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The years the question names, less a law's edition ("2018年修正的…", "the 2018 amendment"),
    which no clause repeats; and of those, the years a value is asked of, less the baseline of a
    change ("与2020年相比", "compared with 2020"), which the answer need not state beside its value."""
    named, target = [], []
    for m in _YEAR.finditer(question):
        after, before = question[m.end():m.end() + 8], question[max(0, m.start() - 16):m.start()]
        if re.match(r"\s*年?\s*(修正|修订|版|amend|revis|edition|version)", after, re.I):
            continue
        named.append(m.group(0))
        if not re.search(r"(与|比|较|compared (with|to)|than|from)\s*$", before, re.I):
            target.append(m.group(0))
    return tuple(dict.fromkeys(named)), tuple(dict.fromkeys(target))
