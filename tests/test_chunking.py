from assistant.config import Settings
from assistant.types import Document, DocumentMeta
from indexing.chunking import chunk_document, sentence_spans, split_clause
from indexing.structure import parse_clauses
from tests.conftest import MINI_PLAN, ROOT


def _chunks(text, **kw):
    doc = Document(DocumentMeta("t"), text, "mem")
    return doc, chunk_document(doc, parse_clauses(doc), Settings(**kw))


def test_every_chunk_is_a_verbatim_span_of_the_source():
    text = (ROOT / "corpus" / "营口市精细化工产业发展规划.txt").read_text(encoding="utf-8")
    doc, chunks = _chunks(text)
    assert len(chunks) > 50
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert len(c.text) <= Settings().chunk_max_chars


def test_long_clause_splits_at_sentence_ends_with_overlap():
    text = "".join(f"第{i}句话讲述一项具体的产业政策要求。" for i in range(1, 31))
    spans = split_clause(text, 0, len(text), max_chars=100, overlap=1)
    assert len(spans) > 3
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        assert s2 < e1, "consecutive windows share a sentence"
        assert text[e1 - 1] == "。"
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


def test_a_single_overlong_sentence_is_cut_at_a_comma():
    text = "，".join(["化工园区应当完善基础设施"] * 40) + "。"
    spans = split_clause(text, 0, len(text), max_chars=100, overlap=1)
    assert all(e - s <= 100 for s, e in spans)
    assert "".join(text[s:e] for s, e in spans) == text


def test_short_paragraphs_merge_under_one_heading_but_never_across():
    text = "一、总则\n甲项规定。\n乙项规定。\n二、附则\n丙项规定。\n"
    doc, chunks = _chunks(text)
    assert [c.text for c in chunks] == ["甲项规定。\n乙项规定。", "丙项规定。"]
    assert chunks[0].heading_path == ("一、总则",) and chunks[1].heading_path == ("二、附则",)


def test_a_caption_between_paragraphs_is_a_merge_barrier():
    text = "一、总则\n甲项规定内容。\n图1 示意图\n乙项规定内容。\n"
    _, chunks = _chunks(text)
    assert [c.text for c in chunks] == ["甲项规定内容。", "乙项规定内容。"]
    assert chunks[0].captions == ("图1 示意图",)


def test_chunk_ids_derive_from_content():
    _, a = _chunks(MINI_PLAN)
    _, b = _chunks(MINI_PLAN)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
    _, changed = _chunks(MINI_PLAN.replace("胺类抗氧剂", "天然系抗氧剂"))
    assert len({c.chunk_id for c in a} - {c.chunk_id for c in changed}) == 1


def test_identical_text_under_one_heading_gets_distinct_ids():
    text = "一、总则\n" + "本条款重复出现，用于测试同一标题下完全相同的文本段落是否得到不同编号。\n" * 2
    _, chunks = _chunks(text, chunk_min_chars=10)
    assert len(chunks) == 2 and chunks[0].chunk_id != chunks[1].chunk_id


def test_captions_travel_with_their_item():
    _, chunks = _chunks(MINI_PLAN)
    item = next(c for c in chunks if c.text.startswith("——催化剂"))
    assert item.captions == ("图1 聚丙烯催化剂产业链",)
    assert "图1" not in item.text


def test_sentence_spans_trim_whitespace():
    text = "  甲。 乙！\n丙"
    assert [text[s:e] for s, e in sentence_spans(text, 0, len(text))] == ["甲。", "乙！", "丙"]
