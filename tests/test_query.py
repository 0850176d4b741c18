"""Query analysis: language, glossary phrases, romanised names, CC-CEDICT, bad input."""

import pytest

from assistant.query import load_glossary, question_language, singular, within_one_edit
from assistant.retrieval import Retriever
from indexing.pipeline import ingest


@pytest.mark.parametrize("text, lang", [
    ("Which products are encouraged in Xianrendao?", "en"),
    ("仙人岛鼓励发展哪些产品？", "zh"),
    ("PBT工程塑料在哪个园区？", "zh"),
    ("Is 仙人岛 open to PVC projects?", "en"),
    ("？？", "en"),
])
def test_language(text, lang):
    assert question_language(text) == lang


def test_singular_and_edit_distance():
    assert [singular(w) for w in ("catalysts", "companies", "processes", "gas", "class")] == \
        ["catalyst", "company", "process", "gas", "class"]
    assert within_one_edit("xianrendao", "xianrendoa") and within_one_edit("dashiqiao", "dashiqao")
    assert not within_one_edit("dashiqiao", "laobian")


def test_glossary_is_well_formed():
    glossary = load_glossary()
    assert len(glossary) > 300
    assert "仙人岛" in glossary[("xianrendao",)][0]
    assert "聚乙烯" in glossary[("pe",)][0]  # polyethylene here, not private equity


@pytest.fixture
def analyzer(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    with Retriever(mini_settings, fake_embedder) as r:
        yield r.analyzer, r


def test_every_glossary_term_is_a_word_of_the_documents():
    """A Chinese term no document uses cannot match anything: it would only add noise."""
    from tests.conftest import NATIONAL, ROOT

    if not NATIONAL.exists():
        pytest.skip(f"national texts not found at {NATIONAL}")
    texts = "\n".join(p.read_text(encoding="utf-8") for folder in (ROOT / "corpus", NATIONAL)
                      for p in sorted(folder.rglob("*")) if p.suffix in (".txt", ".md"))
    missing = sorted({t for terms, _ in load_glossary().values() for t in terms if t not in texts})
    assert not missing, missing


def test_english_words_become_chinese_search_terms(analyzer):
    a, _ = analyzer
    result = a.analyze("Which catalysts are encouraged in the Xianrendao park?")
    terms = result.terms
    assert "催化剂" in terms and "仙人岛" in terms
    assert {e.how for e in result.expansions} >= {"glossary"}


def test_romanised_names_by_pinyin_with_a_typo(analyzer):
    a, _ = analyzer
    # Terms of the index's vocabulary read out in pinyin, as one word and as syllables.
    for text in ("who makes cuihuaji here?", "who makes cui hua ji here?"):
        found = a.analyze(text).expansions
        assert any(e.how == "pinyin" and "催化剂" in e.terms for e in found), text
    typo = a.analyze("projects in Xianrendoa").expansions  # glossary misses the typo; pinyin does not
    assert any(e.how == "pinyin" and "仙人岛" in e.terms for e in typo)


@pytest.mark.parametrize("text", ["the of and", "？！。", "xianrendaoxianrendao" * 3, "仙人岛 what about PVC"])
def test_odd_queries_do_not_crash(analyzer, text):
    a, r = analyzer
    a.analyze(text)
    r.search(text)


def test_english_question_finds_the_chinese_clause(analyzer):
    _, r = analyzer
    result = r.search("How long is the pollutant discharge permit valid?", top_k=3)
    assert result.lang == "en" and result.expansions
    assert any("排污许可证有效期为五年" in h.text for h in result.hits)


@pytest.mark.parametrize("british, american", [("fibres", "fiber"), ("fertilisers", "fertilizer"), ("sulphur", "sulfur"),
                                               ("licence", "license"), ("colour", "color"), ("catalyse", "catalyze")])
def test_british_and_american_spellings_meet(british, american):
    from assistant.query import canonical

    assert canonical(british) == canonical(american)


def test_a_dictionary_word_no_text_uses_is_marked_absent(analyzer):
    a, _ = analyzer
    found = {e.source: e for e in a.analyze("Which golf courses are near the park?").expansions}
    assert found["golf"].how == "absent" and found["golf"].terms == ()
    assert found["park"].terms  # a word the texts use keeps its terms


def test_dictionary_lookups_fold_british_spellings(analyzer):
    a, _ = analyzer
    found = {e.source: e for e in a.analyze("rules on the harbour").expansions}
    assert "harbour" in found  # the dictionary spells it the American way
    assert found["harbour"].how == "cedict" and found["harbour"].terms == a._by_cedict("harbor") != ()


def test_warm_up_builds_the_english_tables_before_the_first_question(analyzer):
    from assistant.query import QueryAnalyzer

    _, r = analyzer
    fresh = r.analyzer = QueryAnalyzer(r.index)
    assert fresh._cedict is None
    r.warm_up()
    assert fresh._glossary is not None and fresh._pinyin is not None and fresh._cedict is not None
