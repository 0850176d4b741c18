from assistant.types import ClauseKind, Document, DocumentMeta
from indexing.structure import parse_clauses
from tests.conftest import MINI_LAW, MINI_PLAN, ROOT


def _doc(text, title="t"):
    return Document(DocumentMeta(title), text, "mem")


def _paths(text):
    doc = _doc(text)
    return [(c.kind, c.heading_path, doc.text[c.start:c.end]) for c in parse_clauses(doc)]


def test_plan_headings_items_and_paragraphs():
    clauses = _paths(MINI_PLAN)
    kinds = {k for k, _, _ in clauses}
    assert ClauseKind.ITEM in kinds and ClauseKind.PARAGRAPH in kinds
    item = next(c for c in clauses if c[2].startswith("——催化剂。"))
    assert item[1] == ("二、推进产品结构高端化", "（一）优化提升精细化工产业", "——催化剂")
    park = next(c for c in clauses if c[2].startswith("依托港口"))
    assert park[1] == ("三、促进产业布局合理化", "（一）滨海仙人岛能源化工区")
    # The opening paragraph sits at the document root.
    assert clauses[0][1] == () and clauses[0][2].startswith("为推动")


def test_unnumbered_level1_heading_gets_its_number_back():
    clauses = _paths(MINI_PLAN)
    last = next(c for c in clauses if c[2].startswith("严禁"))
    assert last[1] == ("四、安全发展", "（一）加强安全监管")


def test_figure_caption_is_a_caption_of_its_item_not_content():
    clauses = _paths(MINI_PLAN)
    caption = next(c for c in clauses if c[0] is ClauseKind.CAPTION)
    assert caption[2] == "图1 聚丙烯催化剂产业链"
    assert caption[1][-1] == "——催化剂"
    assert not any("图1" in text for kind, _, text in clauses if kind is not ClauseKind.CAPTION)


def test_law_preamble_chapters_articles_and_items():
    clauses = _paths(MINI_LAW)
    assert clauses[0][0] is ClauseKind.PREAMBLE and "常务会议通过" in clauses[0][2]
    art2 = next(c for c in clauses if c[2].startswith("第二条"))
    assert art2[0] is ClauseKind.ARTICLE
    assert art2[1] == ("第一章 总则", "第二条")
    # The article keeps its （一）（二） items.
    assert "（二）通过危险化学品建设项目安全条件审查。" in art2[2]
    art3 = next(c for c in clauses if c[2].startswith("第三条"))
    assert art3[1] == ("第二章 监督管理", "第三条")
    assert not any("# 滨海市" in text for _, _, text in clauses)


def test_plain_chapter_lines_and_full_width_spaces():
    text = "某某办法\n\n第一章 总  则\n\n第一条\u3000为了加强管理，制定本办法。\n\n第二章 审查\n\n第二条\u3000建设项目应当审查。\n"
    clauses = _paths(text)
    art = next(c for c in clauses if c[2].startswith("第二条"))
    assert art[1] == ("第二章 审查", "第二条")


def test_numbered_sentences_are_content_not_headings():
    text = "判定标准\n\n一、特种作业人员未持证上岗。\n\n二、在役化工装置未经正规设计且未进行安全设计诊断。\n"
    clauses = _paths(text)
    assert all(c[1] == () for c in clauses)
    assert [c[2][:2] for c in clauses] == ["判定", "一、", "二、"]


def test_the_real_plan_has_eight_level1_sections_with_the_fifth_restored():
    text = (ROOT / "corpus" / "营口市精细化工产业发展规划.txt").read_text(encoding="utf-8")
    clauses = parse_clauses(_doc(text))
    level1 = []
    for c in clauses:
        if c.heading_path and c.heading_path[0] not in level1:
            level1.append(c.heading_path[0])
    assert [h.split("、")[0] for h in level1] == list("一二三四五六七八")
    assert level1[4] == "五、加快产业发展绿色化"
    assert sum(c.kind is ClauseKind.CAPTION for c in clauses) == 11
    for c in clauses:
        assert text[c.start:c.end].strip() == text[c.start:c.end]
