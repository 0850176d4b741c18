"""The page's text and HTML (pure functions): escaping, citation links, references, export."""

from assistant.types import Answer, Citation, Hit
from indexing.index import IndexedDocument
from ui import render
from ui.service import ClauseView

DOC = IndexedDocument("滨海市化工产业发展规划", "plan.txt", "corpus", "h", "municipal", "滨海市", "2023", "plan", "",
                      ("c1",))
CITE = Citation(1, "c1", DOC.title, ("二、推进产品结构高端化", "——催化剂"), "以滨海向阳科化集团为龙头。",
                "——催化剂。以滨海向阳科化集团为龙头。", 10, 24, "municipal")


def answer(text: str, **kw) -> Answer:
    return Answer("催化剂以谁为龙头？", text, False, (CITE,), 1.0, "催化剂以谁为龙头？", **kw)


def test_markers_become_links_to_their_turn():
    md = render.answer_markdown(answer("根据规划：以滨海向阳科化集团为龙头。[1]"), turn=3, lang="zh")
    assert "(#cite-3-1)" in md
    assert "[\\[1\\]](#cite-3-1)" in md


def test_html_in_answers_questions_and_documents_is_text():
    md = render.answer_markdown(answer('<script>alert(1)</script> <img src=x onerror="alert(2)"> [1]'), 0, "zh")
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    view = ClauseView(DOC, ("（一）",), "<b>before</b>", "<script>x()</script>以滨海向阳科化集团为龙头。", "", CITE.quote)
    html = render.clause_html(view, "zh")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;before" in html
    assert "<mark>以滨海向阳科化集团为龙头。</mark>" in html
    hit = Hit(1, "c1", "<i>t</i>", "municipal", ("<u>h</u>",), "<script>y()</script>催化剂", 0.5)
    out = render.results_html([hit], ["催化剂", "<script>"], "zh")
    assert "<script>" not in out and "<i>t</i>" not in out and "<mark>催化剂</mark>" in out


def test_abstention_is_marked_and_says_what_was_searched():
    a = Answer("那大石桥呢？", "已索引的文件没有涉及这个问题。", True, (), 1.0, "大石桥重点发展什么？")
    md = render.answer_markdown(a, 0, "en")
    assert md.startswith("**⚠ Not covered**")
    assert "Searched as: 大石桥重点发展什么？" in md


def test_reference_names_document_issuer_place_and_quote():
    ref = render.reference(CITE, DOC)
    assert ref == "《滨海市化工产业发展规划》（滨海市，2023） 二、推进产品结构高端化 › ——催化剂：“以滨海向阳科化集团为龙头。”"


def test_results_are_grouped_by_document():
    hits = [Hit(i, f"c{i}", t, "national", ("第一条",), "文本", 0.1) for i, t in enumerate(["甲", "乙", "甲"], 1)]
    out = render.results_html(hits, [], "zh")
    assert out.count("《甲》") == 1 and out.count("《乙》") == 1
    assert out.index("#1") < out.index("#3") < out.index("《乙》")


def test_conversation_export_keeps_citations():
    md = render.conversation_markdown([("催化剂以谁为龙头？", answer("以滨海向阳科化集团为龙头。[1]"))], "zh")
    assert "## 1. 催化剂以谁为龙头？" in md
    assert "[1] 《滨海市化工产业发展规划》 › 二、推进产品结构高端化 › ——催化剂：“以滨海向阳科化集团为龙头。”" in md


def test_outline_lists_each_heading_once_indented():
    from assistant.types import Clause, ClauseKind

    clauses = [Clause(("一、", "（一）"), 0, 5, ClauseKind.PARAGRAPH), Clause(("一、", "（一）"), 5, 9, ClauseKind.PARAGRAPH),
               Clause(("二、",), 9, 12, ClauseKind.PARAGRAPH)]
    assert render.outline_rows(clauses) == [("一、", '["一、"]'), ("　（一）", '["一、", "（一）"]'), ("二、", '["二、"]')]
