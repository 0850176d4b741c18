"""Chinese (and English) tokens for BM25, from an owned `jieba.Tokenizer`.

The tokenizer's user dictionary is part of the index: curated domain terms shipped in
`indexing/data/domain_terms.txt` plus terms mined from the indexed documents (company
names, 《titles》, plan item names). An index stores the vocabulary it was built with,
and queries are tokenised with that same vocabulary.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assistant.types import Document

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
_FRAGMENT_SPLIT = re.compile(r"[、，。；：:;,\s“”‘’《》〈〉「」\"'！？!?]+")
_COMPANY = re.compile(r"[\u4e00-\u9fff（）()A-Za-z]{2,30}?(?:股份有限公司|有限责任公司|有限公司|集团)")
_LEADING_WORDS = re.compile(r"^(?:以|依托|由|和|与|及|同时|积极推进|加快推进|推进|支持|积极支持|引导|发挥|结合|关联)+")
_TITLE = re.compile(r"《([^《》\n]{2,40})》")
_ITEM_NAME = re.compile(r"^——([^。；\n]{1,40})。", re.M)
_ITEM_PARTS = re.compile(r"[、和及]")


def _read_list(name: str) -> list[str]:
    text = resources.files("indexing").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.split()[0] for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def curated_terms() -> list[str]:
    return _read_list("domain_terms.txt")


def curated_terms_of(*tags: str) -> list[str]:
    """Curated terms with one of the given jieba tags: ns places, nz products, nt organisations."""
    text = resources.files("indexing").joinpath("data", "domain_terms.txt").read_text(encoding="utf-8")
    rows = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [r[0] for r in rows if len(r) >= 3 and r[2] in tags]


def default_stopwords() -> frozenset[str]:
    return frozenset(_read_list("stopwords.txt"))


def mine_terms(docs: list[Document]) -> set[str]:
    """Names the corpus itself defines: companies, cited titles, plan item names."""
    terms: set[str] = set()
    for doc in docs:
        terms.add(doc.meta.title)
        terms.update(m.group(1) for m in _TITLE.finditer(doc.text))
        for m in _ITEM_NAME.finditer(doc.text):
            terms.update(p for p in _ITEM_PARTS.split(m.group(1)) if 2 <= len(p) <= 20)
        for fragment in _FRAGMENT_SPLIT.split(doc.text):
            for m in _COMPANY.finditer(fragment):
                name = _LEADING_WORDS.sub("", m.group(0))
                if len(name) >= 4:
                    terms.add(name)
    return {t for t in terms if " " not in t}


@dataclass(frozen=True)
class Vocabulary:
    """The user dictionary and stopwords that an index was built with."""

    terms: tuple[str, ...]
    stopwords: frozenset[str]

    @classmethod
    def build(cls, docs: list[Document]) -> "Vocabulary":
        terms = set(curated_terms()) | mine_terms(docs)
        return cls(tuple(sorted(terms)), default_stopwords())

    def with_terms(self, terms) -> "Vocabulary":
        return Vocabulary(tuple(sorted({*self.terms, *terms})), self.stopwords)

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for t in self.terms:
            h.update(t.encode() + b"\n")
        h.update(b"\x00")
        for t in sorted(self.stopwords):
            h.update(t.encode() + b"\n")
        return h.hexdigest()[:16]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"terms": list(self.terms), "stopwords": sorted(self.stopwords)},
                                   ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["terms"]), frozenset(data["stopwords"]))


class ChineseTokenizer:
    """jieba search-mode tokens: long domain words *and* their dictionary sub-words, so that
    '抗氧剂' finds '受阻酚类抗氧剂'. Text is NFKC-normalised and lower-cased first, so
    full-width Latin letters and digits match their ASCII forms."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._jieba = None  # built on first use: loading jieba's dictionary takes about a second
        self._pos = None

    def _tokenizer(self):
        if self._jieba is None:
            import jieba

            jieba.setLogLevel(60)
            tk = jieba.Tokenizer()
            tk.initialize()
            for term in self.vocabulary.terms:
                tk.add_word(unicodedata.normalize("NFKC", term).lower(), freq=None)
            self._jieba = tk
        return self._jieba

    def words(self, text: str) -> list[str]:
        """jieba's precise cut (no sub-words, stopwords kept): the question's own words."""
        text = unicodedata.normalize("NFKC", text).lower()
        return [w for w in (w.strip() for w in self._tokenizer().cut(text, HMM=True)) if w]

    def places(self, text: str) -> list[str]:
        """Place names in a text, by jieba's part-of-speech tags (浙江省, 大石桥, 日本)."""
        from jieba.posseg import POSTokenizer

        if self._pos is None:
            self._pos = POSTokenizer(self._tokenizer())
        text = unicodedata.normalize("NFKC", text).lower()
        return list(dict.fromkeys(w for w, flag in self._pos.cut(text, HMM=True) if flag == "ns" and len(w) > 1))

    def tokens(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        stop = self.vocabulary.stopwords
        return [t for t in (w.strip() for w in self._tokenizer().cut_for_search(text, HMM=True))
                if t and t not in stop and not _PUNCT_OR_SPACE.match(t)]
