"""Configuration comparison, significance tests, reports, and metric values against ranx."""

import json

import pytest

from assistant.cli import main
from assistant.errors import InputError
from evals.compare import parse_config, run_comparison
from evals.gold import load_gold
from evals.report import hit_curve, write_report
from evals.runner import evaluate
from evals.significance import paired_randomization_test
from indexing.pipeline import ingest
from tests.test_eval import GOOD, _jsonl


def test_config_specs():
    assert parse_config("sparse").overrides == {"mode": "sparse"}
    assert parse_config("hybrid, rrf_k=60,dense_weight=1").overrides == {
        "mode": "hybrid", "rrf_k": "60", "dense_weight": "1"}
    with pytest.raises(InputError, match="neither a mode"):
        parse_config("fuzzy")
    with pytest.raises(InputError, match="empty configuration"):
        parse_config(" , ")


def test_randomization_test_behaves():
    assert paired_randomization_test([1, 0, 1], [1, 0, 1]) == 1.0
    # Ten questions all won by one side: the exact two-sided p is 2 / 2^10.
    assert paired_randomization_test([1.0] * 10, [0.0] * 10) == pytest.approx(2 / 2**10)
    p = paired_randomization_test([1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 1, 0])
    assert p == pytest.approx(1.0)
    with pytest.raises(ValueError):
        paired_randomization_test([1, 2], [1])


def test_hit_curve_from_ranks():
    assert hit_curve({"a": 1, "b": 3, "c": None, "d": 10}) == [0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.75]


@pytest.fixture
def mini_gold(mini_settings, e5, tmp_path):
    ingest(mini_settings, e5)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(_jsonl(GOOD), encoding="utf-8")
    return gold


def test_comparison_runs_every_config_and_tests_against_the_first(mini_settings, mini_gold):
    report = run_comparison(mini_settings, mini_gold, ["hybrid", "sparse", "hybrid,rrf_k=20"])
    assert [c["name"] for c in report["configs"]] == ["hybrid", "sparse", "hybrid,rrf_k=20"]
    assert set(report["significance"]) == {"sparse", "hybrid,rrf_k=20"}
    for sig in report["significance"].values():
        assert set(sig) == {"hit@1", "hit@5", "mrr@10", "ndcg@10"} and all(0 <= v["p"] <= 1 for v in sig.values())
    with pytest.raises(InputError, match="unknown setting"):
        run_comparison(mini_settings, mini_gold, ["hybrid", "hybrid,rrfk=3"])
    with pytest.raises(InputError, match="top_k does not apply"):
        run_comparison(mini_settings, mini_gold, ["hybrid", "dense,top_k=5"])


def test_report_folder_is_complete_and_replaced_whole(mini_settings, mini_gold, tmp_path, capsys, monkeypatch):
    out = tmp_path / "report"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    args = ["eval", "--gold", str(mini_gold), "--index", str(mini_settings.index_dir),
            "--compare", "hybrid", "sparse", "--report", str(out), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == ["by_kind.png", "hit_at_k.png", "report.html",
                                                     "report.json", "report.md"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Overall" in md and "| sparse |" in md and "![hit@k by configuration](hit_at_k.png)" in md
    assert (out / "hit_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".report*"))


def test_a_stale_old_folder_does_not_block_the_report(mini_settings, mini_gold, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (tmp_path / ".report.old").mkdir()
    (tmp_path / ".report.old" / "junk.txt").write_text("left by a killed run")
    write_report(run_comparison(mini_settings, mini_gold, ["hybrid"]), out)
    assert (out / "report.md").exists() and not (tmp_path / ".report.old").exists()


def test_a_failing_report_leaves_the_old_one(mini_settings, mini_gold, tmp_path, monkeypatch):
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.md").write_text("previous")
    import evals.report as rep

    def boom(*a, **k):
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(rep, "_plots", boom)
    report = run_comparison(mini_settings, mini_gold, ["hybrid"])
    with pytest.raises(RuntimeError):
        write_report(report, out)
    assert (out / "report.md").read_text() == "previous" and not list(tmp_path.glob(".report*"))


def test_metrics_match_ranx(mini_settings, mini_gold, e5):
    """Reference tier: our metric functions against ranx on a real run."""
    ranx = pytest.importorskip("ranx")
    from assistant.retrieval import Retriever

    with Retriever(mini_settings, e5) as r:
        results = evaluate(r, load_gold(mini_gold))
    qrels = ranx.Qrels({res.question.id: {cid: 1 for cid in res.relevant_ids} for res in results})
    run = ranx.Run({res.question.id: {cid: float(len(res.ranked_ids) - i) for i, cid in enumerate(res.ranked_ids)}
                    for res in results})
    names = {"hit@1": "hit_rate@1", "hit@5": "hit_rate@5", "recall@5": "recall@5", "mrr@10": "mrr@10",
             "ndcg@10": "ndcg@10"}
    expected = ranx.evaluate(qrels, run, list(names.values()))
    for ours, theirs in names.items():
        mean = sum(res.scores[ours] for res in results) / len(results)
        assert mean == pytest.approx(expected[theirs], abs=1e-9), ours
