"""Enterprise profiles: every fact quotes the plan verbatim, every company the plan names has a
profile, and the profiles are indexed as their own document type."""

import re
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.types import Level, SearchFilters
from indexing.enterprises import FIELDS, profile_documents, read_profiles
from indexing.structure import parse_clauses

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "corpus" / "enterprises.toml"
PLAN = (ROOT / "corpus" / "营口市精细化工产业发展规划.txt").read_text(encoding="utf-8")


def sentence_of(quote: str) -> str:
    at = PLAN.index(quote)
    start = max(PLAN.rfind(ch, 0, at) for ch in "。；\n") + 1
    ends = [i for i in (PLAN.find(ch, at + len(quote)) for ch in "。；\n") if i >= 0]
    return PLAN[start:min(ends) if ends else len(PLAN)]


def test_every_fact_is_verbatim_and_about_its_company():
    profiles = read_profiles(PROFILES)
    assert len(profiles) >= 50
    for e in profiles:
        assert e.facts, e.name
        for short in e.short_names:
            assert short in PLAN, (e.name, short)
        for f in e.facts:
            assert f.field in FIELDS
            assert f.quote in PLAN, (e.name, f.quote)
            sentence = sentence_of(f.quote)
            assert any(n in sentence for n in (e.name, *e.short_names)), (e.name, f.quote)


def test_every_company_the_plan_names_has_a_profile():
    names = {n for e in read_profiles(PROFILES) for n in (e.name, *e.short_names)}
    found = set(re.findall(r"[\u4e00-\u9fff（）]{2,30}?(?:股份有限公司|有限责任公司|有限公司)", PLAN))
    missing = []
    for raw in found:
        # Strip the words a list puts before a name: 依托X, 以X为龙头, 、X.
        name = re.sub(r"^(.*?[以由与和及、，依托])", "", raw) if not any(raw in n for n in names) else raw
        if not any(name in n or n in raw for n in names):
            missing.append(raw)
    assert not missing, missing


def test_cards_are_documents_with_sections(tmp_path):
    docs = profile_documents(PROFILES)
    kanghui = next(d for d in docs if d.meta.title == "企业档案：康辉新材料科技有限公司")
    assert kanghui.meta.level is Level.ENTERPRISE and kanghui.meta.doc_type == "enterprise"
    paths = {c.heading_path for c in parse_clauses(kanghui)}
    assert any(p and p[0].endswith("、产品") for p in paths)
    assert "又称：康辉新材、康辉石化。" in kanghui.text


def test_bad_profile_files_are_refused(tmp_path):
    bad = tmp_path / "enterprises.toml"
    bad.write_text('[[enterprise]]\nname = "甲公司"\n[[enterprise.fact]]\nfield = "rumour"\nvalue = "x"\nquote = "y"\n',
                   encoding="utf-8")
    with pytest.raises(InputError, match="unknown field"):
        read_profiles(bad)
    bad.write_text('[[enterprise]]\nshort_names = ["甲"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="lacks"):
        read_profiles(bad)


def test_company_questions_find_company_cards(tmp_path, e5):
    from assistant.config import Settings
    from assistant.retrieval import Retriever
    from indexing.pipeline import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "enterprises.toml").write_text(PROFILES.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    ingest(settings, e5)
    cards = SearchFilters(levels=(Level.ENTERPRISE,))
    with Retriever(settings, e5) as r:
        hits = r.search("哪些企业生产抗氧剂？", top_k=5, filters=cards).hits
        assert hits and all(h.doc_title.startswith("企业档案：") for h in hits)
        assert sum("抗氧剂" in h.text for h in hits) >= 3
        english = r.search("Who makes polyester film?", top_k=5, filters=cards).hits
        assert any("康辉" in h.doc_title for h in english)
