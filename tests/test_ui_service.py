"""The UI's service layer on a real index of the small test corpus (bundled e5, Edge shard)."""

import json
import threading

import pytest

from assistant.errors import IndexProblem, InputError
from assistant.types import SearchFilters
from evals.feedback import gold_candidates
from ui.service import FeedbackLog, PolicyService


@pytest.fixture
def service(mini_settings, e5):
    s = PolicyService(mini_settings, e5)
    s.build()
    yield s
    s.close()


def test_a_missing_index_is_a_clear_problem(mini_settings, e5):
    s = PolicyService(mini_settings, e5)
    with pytest.raises(IndexProblem, match="ingest"):
        s.open()
    assert not s.ready
    with pytest.raises(IndexProblem, match="no index is open"):
        s.search("催化剂")


def test_build_reports_progress_and_opens(service):
    state = service.build_state
    assert service.ready and not state.running and not state.error
    assert state.total > 0 and state.done == state.total
    # provincial before municipal, then by title
    assert [d.title for d in service.documents()] == ["辽滨省化工产业指导意见", "滨海市化工产业发展规划", "滨海市化工园区管理办法"]


def test_explain_shows_each_retrievers_rank(service):
    rows = service.explain("催化剂龙头企业", top_k=5)
    assert [r.hit.rank for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.dense_rank is not None or r.sparse_rank is not None or r.cross_rank is not None for r in rows)
    assert any(r.cross_rank is not None for r in rows)  # the cross-lingual list is shown too
    top = rows[0]
    assert "催化剂" in top.hit.text and top.sparse_rank is not None


def test_clause_in_place_with_neighbours(service):
    answer = service.ask("催化剂领域以哪家企业为龙头？")
    assert not answer.abstained
    c = answer.citations[0]
    view = service.clause_at(c.doc_title, c.start, c.end, c.quote)
    assert c.quote in view.text
    assert view.heading_path and view.before + view.after  # a neighbour on at least one side
    assert view.doc.issuer == "滨海市"


def test_outline_and_section(service):
    clauses = service.outline("滨海市化工园区管理办法")
    paths = {c.heading_path for c in clauses}
    assert ("第一章 总则", "第二条") in paths
    section = service.section("滨海市化工园区管理办法", ["第一章 总则"])
    assert "第一条" in section.text and "第二条" in section.text and "排污许可证" not in section.text
    with pytest.raises(InputError):
        service.section("滨海市化工园区管理办法", ["第九章"])
    with pytest.raises(InputError):
        service.outline("没有这份文件")


def test_park_filter_keeps_clauses_naming_the_park(service):
    hits = service.search("发展", SearchFilters(parks=("仙人岛能源化工区",))).hits
    assert hits and all("仙人岛" in h.text or "仙人岛" in " ".join(h.heading_path) for h in hits)
    with pytest.raises(InputError, match="unknown park"):
        service.search("发展", SearchFilters(parks=("月球基地",)))


def test_concurrent_questions_get_their_own_answers(service):
    questions = ["催化剂领域以哪家企业为龙头？", "排污许可证有效期是多久？", "抗氧剂重点补齐哪些产品？"]
    expected = {q: service.ask(q).answer for q in questions}
    results, errors = [], []

    def worker(q):
        try:
            for _ in range(3):
                results.append((q, service.ask(q).answer))
        except Exception as exc:  # collected, so that the assertion shows it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(questions[i % 3],)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 27 and all(a == expected[q] for q, a in results)


def test_feedback_log_becomes_gold_candidates(service, tmp_path):
    log = FeedbackLog(tmp_path / "fb" / "feedback.jsonl")
    good = service.ask("排污许可证有效期是多久？")
    log.record(good, "up")
    bad = service.ask("滨海市望海楼景区的门票多少钱？")
    log.record(bad, "down", "应该说不知道")
    with pytest.raises(InputError):
        log.record(good, "sideways")
    lines = [json.loads(x) for x in (tmp_path / "fb" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["rating"] for x in lines] == ["up", "down"]
    candidates = list(gold_candidates(tmp_path / "fb" / "feedback.jsonl"))
    assert candidates[0]["evidence"][0] == good.citations[0].quote
    assert candidates[1]["evidence"] == [] and "应该说不知道" in candidates[1]["note"]
    with pytest.raises(InputError, match="no feedback log"):
        list(gold_candidates(tmp_path / "missing.jsonl"))


def test_an_index_held_open_is_named_as_such(service, mini_settings, e5):
    from assistant.retrieval import Retriever

    with pytest.raises(IndexProblem, match="already open"):
        Retriever(mini_settings, e5)


def test_a_failed_build_is_reported_and_keeps_nothing_half_done(tmp_path, e5):
    from assistant.config import Settings

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("", encoding="utf-8")
    s = PolicyService(Settings(index_dir=tmp_path / "index", corpus_dir=empty), e5)
    s.build()
    assert not s.ready and not s.build_state.running
    assert s.build_state.error  # said in the page, not raised into the server
