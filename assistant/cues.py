"""What a project description says, read from its words, Chinese or English: whether the project
is a plant that makes chemicals at all, which of its words name its own products (not its place,
customers or raw materials), where it goes (into a park, staying outside one, undecided), and
whether a rule's trigger words are said of it — not negated, asked about, or far away.

Patterns, not a model: each says in its comment which phrasings it is for, and the tests keep
ordinary descriptions that must not match.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Chinese organic and halogen names are built of their own characters (醇, 酯, 氯 …: 乙二醇); metals
# are not (铝合金门窗, 钙片 and 单晶硅片 are no chemical projects), so salts and plating are named.
CHEMICAL = re.compile(r"化工|化学|染料|颜料|油墨|香精|香料|电镀|树脂|塑料|纤维|薄膜|涂料|油漆|漆(?!器)|农药|化肥|肥料|(?<!调)剂|"
                      r"硅油|硅烷|有机硅|[烯烷炔苯酚醇醛酮酯醚胺酰腈羧氯氟溴碘纶]|[硫硝磷盐硅]酸|碳酸(?!饮料)|"
                      r"酸[钠钾钙镁铝锂]|氢氧化|过氧化|镀[锌铬镍铜锡金银]|"
                      r"\b(sulfur|sulphur|phosphorus|chlorine|fluorine|ammonia|\w*(silicate|sulfate|sulphate|chloride|oxide|"
                      r"carbonate|nitrate|phosphate|acetate|fluoride)s?|chemicals?|resins?|polymers?|plastics?|fib(er|re)s?|"
                      r"films?|catalysts?|additives?|pesticides?|fertili[sz]ers?|coatings?|adhesives?|solvents?|gas(es)?|"
                      r"inks?|esters?|dyes?|pigments?|paints?|detergents?|disinfectants?|saniti[sz]ers?|plastici[sz]ers?|lubricants?|sealants?|epoxy|"
                      r"fragrances?|electroplating|plating|methanol|pvc|refinery|refining|emulsions?|acrylics?|monomers?|"
                      r"surfactants?|intermediates?|syngas|formaldehyde|stabili[sz]ers?|polyols?|acids?)\b", re.I)
# Chemical words that say where a project is, whom it serves or what it merely uses, not what it
# makes: "near the chemical park", "software for chemical plants", "the only chemicals we use are
# sanitiser tablets", "做园区里化工厂员工的生意".
CONTEXT = re.compile(r"不涉及(化工|化学品?)|\bno chemicals\b|化工(园区|产业区|产业园|园)|"
                     r"化工(企业|厂)[^，。；]{0,4}(员工|职工|工人|客户)|"
                     r"\bchemical[- ](parks?|zones?|plants|customers?|clients?|clusters?|areas?|approvals?)\b|"
                     r"\b(fine[- ])?chemical[- ]((industry|park)[- ])?(plan|polic(y|ies)|rules|approvals?|requirements|"
                     r"regulations|permits?|procedures)\b|"
                     r"[^.;!?]*\b(chemicals? (we|they) use|the only chemicals?)\b[^.;!?]*", re.I)
# Whom a product is sold to and what it is used for name other products than the project's, each
# within its clause: "客户主要是…农药溶剂用户", "产品用于纸箱、食品包装印刷", "为本地聚丙烯厂生产…",
# "Customers: PP producers", "a recovery service for battery plants", "for the UV-curing market (inks …)".
CUSTOMERS = re.compile(r"(客户|用户)(主要)?(是|为|有|在|包括|群)[^，。；]*|[^，。；]{0,15}(用户|客户)(?=[，。；]|$)|"
                       r"(销往|卖给|供应给|供货给|产品用于|主要用于)[^，。；]*|"
                       r"为[^，。；为]{1,10}?(厂|企业|公司)(?=生产|提供|配套|供货)|"
                       r"\b(customers?|clients?)\b[^,.;]*|\b(sold|sell|selling|supplying) to\b[^,.;]*|"
                       r"\bfor [\w\s/-]{0,30}?\b(makers|producers|manufacturers|plants|factories|mills|users)\b|"
                       r"\bfor (the )?[\w\s-]{0,30}?\bmarkets?\b(\s*\([^)]*\))?", re.I)
# What a product is made from: "原料菱镁矿就地取", "PBAT树脂外购", "外购环氧乙烷生产…", "feedstock: ethylene".
INPUTS = re.compile(r"原料(是|为|用|来自|主要是)?[^，。；生制做]*|[^，。；（(]{0,12}外购|外购[^，。；生制做]*|"
                    r"\b(raw materials?|feedstocks?)\b[^,.;]*", re.I)
# What a description says its product is not, or asks it to be counted as: "我们的产品不是催化剂",
# "不含甲醛的…" (up to 的), "not only …" stays; a question's own clause, or its sentence when it points back.
NOT_ITS_PRODUCT = re.compile(r"(不是|并非|不含|不属于|不设|不建)[^，。；,;的而]{0,10}|"
                             r"\b(not(?! only)|no|isn['’]t|aren['’]t|never)\s+(a |an |any )?[\w-]+(\s+[\w-]+)?|"
                             r"[^.!?]*\b(counts? as|comes? under|qualif(y|ies) as|belongs? to|falls? under)\s+(that|this|it|them)\b"
                             r"[^.!?]*[?？]|"  # "…likes coatings — does our product come under that?"
                             r"\b(counts? as|comes? under|qualif(y|ies) as|belongs? to|falls? under)\b[^.!?,;]*[?？]|"
                             r"[^，。；！？?]*(算不算|属不属于|是否属于|算是)[^，。；！？?]*[？?]", re.I)
FOREIGN = re.compile(r"外资|外商|外国|境外|合资|独资|foreign|overseas|joint venture|wfoe|wholly[- ]owned|"
                     r"german|korean|japanese|american|european|singapore", re.I)
HAZARDOUS = re.compile(r"危险化学品|易燃|易爆|有毒|剧毒|hazardous|flammable|toxic|explosive", re.I)
EXPANSION = re.compile(r"扩建|扩产|技改|改扩建|expan", re.I)
NEW_PROJECT = re.compile(r"新建|新上|新设|greenfield|\bnew (plant|factory|project|site|facility|company)\b", re.I)
HAN = re.compile(r"[\u4e00-\u9fff]")

_NEGATION = re.compile(r"(不|非|无|没有|远离|不属于|不是|不涉及|避免|替代|取代|代替|替换|"
                       r"\bnot\b|\bno\b|\bnon-?|\bwithout\b|\baway from\b)[\s\w-]{0,3}$|"
                       r"(不在|不属于|不涉及)[^，。；,;]{0,8}$|"  # 不在任何饮用水水源保护区
                       r"(没有|无|不含)[^，。；]{0,12}、[^，。；]{0,8}$", re.I)  # 500米范围内没有学校、村庄
# What keeps an English trigger from counting: a negation up to two words before it ("not located
# near", "isn't near any", "far from"), a replacement ("replacing outdated equipment" is an upgrade),
# or "for" just before it ("coagulants for drinking water sources" names a market, not a site).
# A negation reaches along a list that ends in or/and/nor: "no schools, hospitals or residential areas".
_ITEM = r"[\w'’-]+(?:[ \t]+[\w'’-]+)?"
_LISTED = rf"(?:(?:{_ITEM}[ \t]*,[ \t]*)*{_ITEM}[ \t]+(?:or|and|nor)[ \t]+)?"
_NOT_AFFIRMED_EN = re.compile(r"(?:\b(?:not|no|non|never|without|nowhere|neither|nor|away from|(?<!not )far from|"
                              r"outside|beyond|instead of|replac\w*|upgrad\w*|substitut\w*)|n['’]t)[ \t-]+" + _LISTED +
                              r"(?:[\w'’-]+[ \t-]+){0,2}$|\bfor[ \t]+$", re.I)
OUTSIDE_PARK = re.compile(r"(园|园区|开发区)(外|以外)(?![环围侧墙路部])|不在.{0,8}园区|(不是|不属于|非)(化工)?园区|"
                          r"不(打算|想|准备|愿意)?(进|入|进入)(化工)?园|(普通|一般)工业(园|区)|避开(化工)?园区|"
                          r"(没|未(?!来))(搬)?(进|入)(化工)?园|园区[^。；]{0,12}不想去|自选厂址|单独选址|独立选址|"
                          r"\bstandalone site\b|\b(km|kilometres|kilometers|miles) (away )?from the nearest (chemical )?park\b|"
                          r"\bthere['’]?s no (chemical )?park\b|\bthere is no (chemical )?park\b|"
                          r"\boutside (of )?(the|any|a) (chemical )?park|\bavoid (the |any )?chemical parks?\b|"
                          r"\bnot in [\w\s]{0,30}?\b(any|a) (other )?(chemical )?park|"
                          r"\b(isn['’]t|is not|not) designated for chemicals?\b|"
                          r"\b(ordinary|general|normal) industrial (development )?(zone|estate|park|area)\b|"
                          r"\bnot (located )?((in|inside|within) )?(the|any|a|an) (chemical )?park", re.I)
# A description that says nothing is produced gets no "permitted" on its chemical words alone.
NO_PRODUCTION = re.compile(r"不生产(?=[，。；,;]|$)|无生产(?![废污用])|\bno (production|manufacturing|processing)\b|"
                           r"\bnot (a )?(production|manufacturing)\b", re.I)
# Trade only, or no production at all, whatever it sells or serves: no project of the plan's.
MAKES_NOTHING = re.compile(r"不碰货|纯贸易|只做贸易|无任何生产|没有任何生产|不生产任何(产品|东西)|不涉及(任何)?生产(?![废污用])|无生产(活动|环节)|"
                           r"\bpure(ly)? trading\b|\btrading only\b|"
                           r"\bno (chemical )?(production|manufacturing|processing)\b"
                           r"(?=\s*(of any kind|activit|at all|or storage|on site|[,.;)]|$))", re.I)
# "地方还没定", "we haven't chosen a site": a project not yet going into any park.
UNDECIDED_SITE = re.compile(r"(地方|地点|选址|厂址|园区|落户地)[^，。；]{0,4}(待定|没定|未定|没选|未选)|"
                            r"\b(have(n['’]t| not)|not yet) (chosen|picked|decided on|settled on) (a|the|our) "
                            r"(site|location|city|park)\b|\bundecided (on|about) (the |a )?(site|location)\b|"
                            r"\bcomparing (several |a few )?(cities|sites|locations)\b", re.I)
INTO_PARK = re.compile(r"入园|进园|进入.{0,6}园区|园区内|\binto (a|the) (chemical )?park\b|"
                       r"(?<!not )(?<!not located )\bin (a|the) (chemical )?park\b", re.I)
# "Do we have to move into a park?", "we'd rather not relocate into a park", "是否必须入园": an
# obligation asked about or a move declined, not a plan to move.
_NOT_MOVING_IN = re.compile(r"(\bnot\b|n['’]t(?! wait)|\brather than|\binstead of)[\w\s'’]{0,24}$|"
                            r"(不想|不愿|不打算|不|没|未(?!来))[^，。；,.;]{0,6}$", re.I)
_OBLIGATION_BEFORE = re.compile(r"(\b(have|has|need|needs|required|forced|obliged) to|\bmust)[\w\s'’]{0,24}$|"
                                r"(必须|需要|要不要|是否要)[^，。；,.;]{0,6}$", re.I)
_QUESTION_AFTER = re.compile(r"[^.。!！]*?[?？吗]")
# "搬进园区短期内真搬不动", "moving into a park is impossible for us": a move said to be beyond reach.
_CANNOT_AFTER = re.compile(r"[^，。；,;.!?]{0,10}?(不动|不了|不起|做不到)|[^.;!?]{0,50}?\b(impossible|not possible|can['’]?t|cannot|"
                           r"too expensive|unaffordable|not realistic|unrealistic|not feasible|infeasible|out of the question)\b",
                           re.I)
# What the project itself is, when it is no plant at all: "set up a bilingual kindergarten", "开一家餐厅".
# Beside homes and schools a plant is a risk; the kindergarten or the school itself is not one.
NOT_A_PLANT = re.compile(
    r"\b(set up|open|build|establish|run|start|operate|invest in|plans?|planning|register|incorporate)\s+(an?|the|our|a new)\s+"
    r"([\w&-]+\s+){0,3}?"
    r"(kindergarten|school|hospital|clinic|restaurant|hotel|offices?|apartments?|housing|nursery|nursing home|"
    r"supermarket|canteen|training cent(er|re)|cafe|café|trading (company|office)|sales office|representative office)(?![\w-])|"
    r"(开|建|办|开设|兴建|注册)(一家|一所|一个|一座|一间|家|所|个|座|间)[^，。；,;]{0,8}?(幼儿园|学校|医院|诊所|餐厅|饭店|酒店|宾馆|办公室|"
    r"超市|公寓|住宅|养老院|培训中心|食堂|咖啡馆|店|贸易公司|贸易行|销售公司|办事处)", re.I)
A_PLANT = re.compile(r"工厂|化工厂|建厂|厂房|车间|生产线|装置|反应釜|基地|\b(plant|factory|facility|unit|workshop|production line|"
                     r"produce|manufacture|"
                     r"reactors?|works|complex)\b", re.I)


def _affirmed(text: str, trigger: str) -> str:
    """The words of a Chinese text that a trigger finds, where nothing takes them back
    (`_taken_back`); "" if none. "|" separates alternatives and "…" marks a gap of up to eight
    characters within a clause ("隔条马路 … 学校|小学" finds "隔条马路就是镇中心小学"); a negation
    inside the gap counts ("附近没有学校")."""
    return next((m.group(0) for m in _chinese_pattern(trigger).finditer(text)
                 if not _taken_back(text, m.start(), True) and not _NEGATION_INSIDE.search(m.group(0))
                 and not _FAR_AFTER.match(text, m.end()) and not _asked(text, m)), "")


@functools.lru_cache(maxsize=512)
def _chinese_pattern(trigger: str) -> re.Pattern:
    parts = ["(?:" + "|".join(re.escape(a).replace(r"\#", _NUMBER) for a in part.strip().split("|") if a) + ")"
             for part in trigger.split("…") if part.strip()]
    return re.compile(r"[^，,、。；;.!?！？\n]{0,8}?".join(parts))


def _taken_back(text: str, start: int, zh: bool) -> bool:
    """A negation or a replacement just before `start`: "不属于", "替代", "not located near"."""
    if zh:
        return bool(_NEGATION.search(text[max(0, start - 8):start]))
    return bool(_NOT_AFFIRMED_EN.search(text[max(0, start - 40):start]))


def _asked(text: str, m: re.Match) -> bool:
    """A list or category the investor asks about ("Is our product in the restricted category?",
    "是否属于限制类？"), not one the description says the project is on."""
    question = _QUESTION_AFTER.match(text, m.end())
    if not question or not _LISTED_AS.search(m.group(0)):
        return False
    start = max(text.rfind(c, 0, m.start()) for c in ".。!！?？\n") + 1
    return bool(_ASKING.search(text[start:question.end()]))


def _moving_in(text: str, m: re.Match) -> bool:
    """A move into a park the project makes — not one declined ("we'd rather not relocate into a
    park"), asked about as an obligation ("do we have to move into a park?") or beyond reach
    ("搬进园区短期内真搬不动")."""
    before = text[max(0, m.start() - 40):m.start()]
    if _NOT_MOVING_IN.search(before) or _CANNOT_AFTER.match(text, m.end()):
        return False
    return not (_OBLIGATION_BEFORE.search(before) and _QUESTION_AFTER.match(text, m.end()))


_FAR_AFTER = re.compile(r"[^，。；]{0,3}远|[^，。；]{0,8}?(公里|千米|\d{3,}\s*米以外|以外)")  # 约3公里; 1200米以外
_FAR_AFTER_EN = re.compile(r"[^,.;!?\n]{0,25}?\b\d+(\.\d+)?\s*(km|kilomet(er|re)s?|miles)\b", re.I)
_LEFT_BEHIND = re.compile(r"(\bfrom|\bunlike|\brather than|\binstead of)\s+([\w-]+\s+){0,2}$|(原来(在|是)?|从)[^，。；]{0,6}$",
                          re.I)
_A_SIZE = re.compile(r"\s+(wide|high|tall|long|deep|thick)\b", re.I)  # "a village road 12 m wide"
_NEGATION_INSIDE = re.compile(r"没有|无|不是|远离")
_LISTED_AS = re.compile(r"list|categor|catalog|section|名录|目录|清单|类", re.I)
_ASKING = re.compile(r"^\s*(is|are|does|do)\b|是否|是不是|算不算|属不属于|在不在|吗", re.I)


def _affirmed_en(text: str, trigger: str) -> str:
    """The words of the text that an English trigger finds, as written, where nothing before them
    takes them back (`_taken_back`), no distance follows ("30 km from our site") and no question
    asks about it (`_asked`); "" if none. Words of a trigger are adjacent (a space or a hyphen
    between: "energy intensive" is "energy-intensive") unless the trigger marks a gap of up to
    two words with "…" ("small … tannery" in "a small leather tanning workshop"); "|" separates
    alternatives within a part ("next to|near … school|hospital"); the last word of each alternative
    of the last part takes a plural, or any ending when it is long (tanning, tannery). A
    match never runs across a line break: the items of a pasted list stay apart."""
    return next((m.group(0) for m in _english_pattern(trigger.lower()).finditer(text)
                 if not _taken_back(text, m.start(), False) and not _FAR_AFTER_EN.match(text, m.end())
                 and not _A_SIZE.match(text, m.end())
                 and not _asked(text, m)), "")


@functools.lru_cache(maxsize=512)
def _english_pattern(trigger: str) -> re.Pattern:
    segments = [seg for seg in trigger.split("…") if re.search(r"[a-z0-9]", seg)]
    parts = []
    for i, segment in enumerate(segments):
        alternatives = []
        for alternative in segment.split("|"):
            words = [_NUMBER if w == "#" else re.escape(w) for w in re.findall(r"[a-z0-9]+|#", alternative)]
            if not words:
                continue
            if i == len(segments) - 1 and words[-1] != _NUMBER:  # the thing named: a plural, or any ending
                last = words[-1]
                words[-1] = rf"{_STEM.sub('', last)}[a-z]*" if len(last) > 5 else rf"{last}s?"
            alternatives.append("".join(w + (r"[ \t-]*" if w == _NUMBER else r"[ \t-]+") for w in words[:-1]) + words[-1])
        parts.append("(?:" + "|".join(alternatives) + ")")
    # a gap of up to two words, and quotes or a possessive around them: the 'restricted' section,
    # the reservoir's second-tier safeguard area; or just a hyphen: coal-to-methanol
    gap = r"""(?:['’]s|['’"])?(?:[ \t]+|-)(?:['‘"]?[a-z][a-z'’-]*['’"]?[ \t]+){0,2}['‘"]?"""
    return re.compile(r"\b" + gap.join(parts) + r"\b", re.I)


_STEM = re.compile(r"(ery|ers|er|ing|ies|y|es|ed|s)$")
_NUMBER = r"(?<!\d)(?:[1-9]\d?|[1-4]\d\d)(?![\d,.]\d)"  # "#" in a trigger: 1 to 499 ("80 m from a school"; 800 m is far)



def own_words(text: str) -> str:
    """The description without the chemicals of its place, customers and inputs (`CONTEXT`)."""
    return CONTEXT.sub(" ", text)


def product_words(text: str) -> str:
    """What names the project's own products: its own words less whom it sells to (`CUSTOMERS`),
    what it is made from (`INPUTS`), what it says it is not ("我们的产品不是催化剂") and what it asks
    to be counted as ("does our product come under coatings?")."""
    return NOT_ITS_PRODUCT.sub(" ", INPUTS.sub(" ", CUSTOMERS.sub(" ", own_words(text))))


def said_of_project(text: str) -> str:
    """The text a rule's triggers are looked for in: less what it says of its customers ("our
    customers … since cement is such a carbon-intensive business")."""
    return CUSTOMERS.sub(" ", text)


def is_no_plant(text: str) -> bool:
    """A kindergarten, a shop, an office, a trading or software business: nothing is made."""
    return bool(NOT_A_PLANT.search(text) and not A_PLANT.search(NOT_ITS_PRODUCT.sub(" ", own_words(text)))
                or MAKES_NOTHING.search(text))


def names_chemicals(text: str) -> bool:
    return bool(CHEMICAL.search(own_words(text)))


@dataclass(frozen=True)
class Site:
    """Where the description puts the project."""

    outside: str  # its words that keep it outside a park ("不在任何化工园区", "standalone site"); "" if none
    moving_in: bool  # it moves into a park, not declined, asked about as an obligation or beyond reach
    undecided: bool  # "地方还没定", "we haven't chosen a site"


def site_of(text: str, zh: bool) -> Site:
    outside = OUTSIDE_PARK.search(text)
    # "不打算自选厂址"; "rather than an ordinary industrial zone", "moving from an ordinary industrial zone"
    said = outside.group(0) if outside and not _taken_back(text, outside.start(), zh) \
        and not _LEFT_BEHIND.search(text[max(0, outside.start() - 30):outside.start()]) else ""
    return Site(said, any(_moving_in(text, m) for m in INTO_PARK.finditer(text)), bool(UNDECIDED_SITE.search(text)))


def triggered(text: str, trigger: str, zh: bool) -> str:
    """The words of `text` that a rule's trigger finds, said of the project; "" if none."""
    return _affirmed(text, trigger) if zh else _affirmed_en(text, trigger)
