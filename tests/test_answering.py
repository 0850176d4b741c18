"""`ask` on a real index of the mini corpus: grounded, verbatim, abstaining when it should."""

import json

import pytest

from assistant.answering import ExtractiveAnswerer, coverage, question_language
from assistant.cli import main
from assistant.conversation import Turn
from assistant.errors import InputError
from assistant.retrieval import Retriever
from indexing.pipeline import ingest


@pytest.fixture
def answerer(mini_settings, e5):
    ingest(mini_settings, e5)
    with Retriever(mini_settings, e5) as r:
        yield ExtractiveAnswerer(r)


def _verbatim(answerer, answer):
    for c in answer.citations:
        assert answerer.retriever.index.source_text(c.doc_title)[c.start:c.end] == c.quote
        assert c.quote in c.text


def test_an_answer_cites_verbatim_quotes_with_markers(answerer):
    a = answerer.answer("排污许可证有效期是多久？")
    assert not a.abstained and a.citations
    assert any("有效期为五年" in c.quote for c in a.citations)
    assert a.answer.startswith("根据《")
    for c in a.citations:
        assert f"[{c.n}]" in a.answer
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    _verbatim(answerer, a)


def test_a_list_question_returns_the_item(answerer):
    a = answerer.answer("催化剂以哪些企业为龙头？")
    assert "滨海向阳科化集团" in a.answer
    _verbatim(answerer, a)


def test_an_english_question_gets_an_english_lead_and_chinese_quotes(answerer):
    a = answerer.answer("How long is a pollutant discharge permit valid?")
    assert question_language(a.question) == "en" and not a.abstained
    assert a.answer.startswith("The indexed documents address this")
    assert any("有效期为五年" in c.quote for c in a.citations)
    _verbatim(answerer, a)


def test_an_unrelated_question_abstains_and_lists_related_clauses(answerer):
    a = answerer.answer("营口冬天最低气温是多少度？")
    assert a.abstained and not a.citations
    assert a.answer.startswith("已索引的文件没有涉及这个问题") and a.related


def test_follow_up_is_condensed(answerer):
    a = answerer.answer("那抗氧剂呢？", [Turn("user", "催化剂重点发展哪些产品？")])
    assert a.condensed_query == "抗氧剂重点发展哪些产品？"
    assert any("抗氧剂" in c.quote for c in a.citations)


def test_bad_questions(answerer):
    with pytest.raises(InputError, match="empty"):
        answerer.answer("  ")
    with pytest.raises(InputError, match="keep it under 500"):
        answerer.answer("园区" * 300)


def test_coverage_weighs_rare_words():
    concepts = [(5.0, frozenset({"出让价格"})), (1.0, frozenset({"仙人岛"}))]
    assert coverage(concepts, {"仙人岛"}) == pytest.approx(1 / 6)
    assert coverage([], {"x"}) == 0.0


def test_ask_cli_json_contract(mini_settings, e5, capsys, monkeypatch):
    ingest(mini_settings, e5)
    monkeypatch.setenv("YK_CORPUS_DIR", str(mini_settings.corpus_dir))
    index = str(mini_settings.index_dir)
    assert main(["ask", "排污许可证有效期是多久？", "--index", index, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"question", "answer", "abstained", "elapsed_ms", "citations"} <= set(data)
    assert {"n", "chunk_id", "doc_title", "heading_path", "quote", "text"} <= set(data["citations"][0])
    history = json.dumps([{"role": "user", "content": "催化剂重点发展哪些产品？"}], ensure_ascii=False)
    assert main(["ask", "那抗氧剂呢？", "--history", history, "--index", index, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["condensed_query"] == "抗氧剂重点发展哪些产品？"
    assert main(["ask", "x", "--history", "[{", "--index", index]) == 2
    assert "history" in capsys.readouterr().err


def test_company_questions_bring_company_cards_and_others_do_not(mini_settings, e5):
    from assistant.types import Level, SearchFilters

    (mini_settings.corpus_dir / "enterprises.toml").write_text(
        '[[enterprise]]\nname = "滨海向阳科化集团"\n[[enterprise.fact]]\nfield = "product"\nvalue = "聚烯烃催化剂"\n'
        'quote = "以滨海向阳科化集团为龙头，研发、生产聚烯烃催化剂"\n', encoding="utf-8")
    ingest(mini_settings, e5)
    with Retriever(mini_settings, e5) as r:
        a = ExtractiveAnswerer(r)
        plain = a.answer("排污许可证有效期是多久？")
        assert not plain.companies
        assert all(not c.doc_title.startswith("企业档案") for c in plain.citations)
        hits = r.search("聚烯烃催化剂", top_k=10).hits  # the card restates the plan: not in plain search
        assert hits and all(h.level != "enterprise" for h in hits)
        company = a.answer("哪些企业生产聚烯烃催化剂？")
        assert [h.doc_title for h in company.companies] == ["企业档案：滨海向阳科化集团"]
        assert "聚烯烃催化剂" in company.companies[0].text
        cards = r.search("聚烯烃催化剂", filters=SearchFilters(levels=(Level.ENTERPRISE,))).hits
        assert {h.doc_title for h in cards} == {"企业档案：滨海向阳科化集团"}
        assert not a.answer("哪些企业生产聚烯烃催化剂？", filters=SearchFilters(levels=(Level.MUNICIPAL,))).companies
        named = r.search("催化剂", filters=SearchFilters(doc_titles=("企业档案：滨海向阳科化集团",))).hits
        assert named and {h.doc_title for h in named} == {"企业档案：滨海向阳科化集团"}  # asked for by title


def test_alternative_terms_of_one_english_word_count_once():
    from assistant.answering import coverage

    concepts = [(3.0, frozenset({"聚酰亚胺", "聚酰亚胺单体"})), (1.0, frozenset({"薄膜"}))]
    assert coverage(concepts, {"聚酰亚胺"}) == 0.75  # one of the two forms is enough
    assert coverage(concepts, {"聚酰亚胺", "聚酰亚胺单体", "薄膜"}) == 1.0
