"""Metadata read from the texts themselves, with provincial-style documents written for the
tests (no real Liaoning text is available offline); a manifest wins where both speak."""

from assistant.types import Level, SearchFilters
from indexing.loading import load_corpus, load_document
from indexing.metadata import level_of, read_metadata

PROVINCIAL = """\
辽滨省人民政府办公厅关于推进化工园区高质量发展的实施意见
辽滨政办发〔2023〕12号
各市人民政府，省政府各厅委、各直属机构：
一、总体要求
全省化工园区实行认定管理，未经认定的园区不得新建、扩建危险化学品生产项目。
二、重点任务
（一）严格项目准入
新建化工项目应当进入经认定的化工园区。
三、附则
本意见自2023年6月1日起施行。
辽滨省人民政府办公厅
2023年5月8日
"""

MUNICIPAL = """\
滨海市人民政府关于印发滨海市化工重点监控点认定管理办法的通知
滨政发［2022］7号
各县（市）区人民政府：
现将《滨海市化工重点监控点认定管理办法》印发给你们，请认真贯彻执行。
第一条 为规范化工重点监控点认定，制定本办法。
"""


def test_provincial_notice_particulars():
    assert read_metadata(PROVINCIAL) == {
        "doc_number": "辽滨政办发〔2023〕12号", "issuer": "辽滨省人民政府办公厅", "level": "provincial",
        "date": "2023-05-08", "effective": "2023-06-01",
    }


def test_issuer_from_the_title_when_there_is_no_signature():
    found = read_metadata(MUNICIPAL, "滨海市人民政府关于印发滨海市化工重点监控点认定管理办法的通知")
    assert found["issuer"] == "滨海市人民政府" and found["level"] == "municipal"
    assert found["doc_number"] == "滨政发［2022］7号"
    assert "date" not in found and "effective" not in found


def test_levels_from_issuers():
    assert level_of("国务院") == "national" and level_of("工业和信息化部") == "national"
    assert level_of("辽宁省应急管理厅") == "provincial"
    assert level_of("营口市人民政府") == "municipal"
    assert level_of("某某协会") == ""


def test_manifest_wins_and_text_fills_the_rest(tmp_path):
    (tmp_path / "opinion.txt").write_text(PROVINCIAL, encoding="utf-8")
    (tmp_path / "manifest.toml").write_text('[[document]]\nfile = "opinion.txt"\nissuer = "辽滨省政府"\n'
                                            'date = "2023-05"\n', encoding="utf-8")
    docs, _ = load_corpus([tmp_path])
    meta = docs[0].meta
    assert meta.issuer == "辽滨省政府" and meta.date == "2023-05"  # the manifest's
    assert meta.doc_number == "辽滨政办发〔2023〕12号" and meta.effective == "2023-06-01"  # the text's
    assert meta.level is Level.PROVINCIAL and meta.doc_type == "opinion"


def test_provincial_documents_are_indexed_and_filtered(tmp_path, e5):
    from assistant.config import Settings
    from assistant.retrieval import Retriever
    from indexing.pipeline import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "opinion.txt").write_text(PROVINCIAL, encoding="utf-8")
    (corpus / "notice.txt").write_text(MUNICIPAL, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    ingest(settings, e5)
    with Retriever(settings, e5) as r:
        docs = r.index.meta.documents
        assert docs["辽滨省人民政府办公厅关于推进化工园区高质量发展的实施意见"].doc_number == "辽滨政办发〔2023〕12号"
        hits = r.search("新建化工项目", filters=SearchFilters(levels=(Level.PROVINCIAL,))).hits
        assert hits and {h.level for h in hits} == {"provincial"}
    assert load_document(corpus / "notice.txt").meta.level is Level.MUNICIPAL


def test_a_number_cited_in_a_sentence_is_not_the_documents_own():
    text = "关于做好化工园区认定工作的通知\n各市人民政府：\n根据《国务院关于某事的意见》（国发〔2021〕23号），现通知如下。\n"
    assert "doc_number" not in read_metadata(text)


def test_the_lowest_place_named_decides_the_level():
    assert level_of("辽宁省营口市人民政府") == "municipal"
    assert level_of("国家税务总局营口市税务局") == "municipal"
    assert level_of("营口市市场监督管理局") == "municipal"
    assert level_of("国家市场监督管理总局") == "national"
