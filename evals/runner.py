"""Runs a gold set through the same `Retriever.search` that `search` uses, and scores it.

Relevance is binary: a chunk is relevant to a question when it contains one of its evidence
quotes. The relevant set of a question is every indexed chunk that does (several when a
quote falls in overlapping windows or is stated in two documents) — of the question's `doc`,
when it names one — which is what recall and nDCG are measured against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.retrieval import Retriever
from evals import metrics
from evals.gold import GoldQuestion, check_evidence, indexed_chunks, load_gold

CUTOFFS = (1, 3, 5, 10)
DEPTH = 10
# Per-question values that summaries average and comparisons test, in display order.
METRICS = (*(f"hit@{k}" for k in CUTOFFS), *(f"recall@{k}" for k in (5, 10)), "mrr@10", "ndcg@10")


@dataclass(frozen=True)
class QuestionResult:
    question: GoldQuestion
    ranked_ids: tuple[str, ...]
    relevant: tuple[bool, ...]  # per retrieved position
    relevant_ids: frozenset[str]  # every relevant chunk in the index
    scores: dict[str, float]
    rank: int | None
    latency_ms: float
    retrieved: tuple[dict, ...]  # the top 3, for reading failures


def score(ranked: list[bool], total_relevant: int) -> dict[str, float]:
    out = {f"hit@{k}": metrics.hit_at(ranked, k) for k in CUTOFFS}
    out.update({f"recall@{k}": metrics.recall_at(ranked, total_relevant, k) for k in (5, 10)})
    out["mrr@10"] = metrics.reciprocal_rank(ranked, DEPTH)
    out["ndcg@10"] = metrics.ndcg_at(ranked, total_relevant, DEPTH)
    return out


def evaluate(retriever: Retriever, questions: list[GoldQuestion], source: str = "gold") -> list[QuestionResult]:
    """Search every answerable question once; check the gold set against the index first."""
    chunks = indexed_chunks(retriever.index.store)
    check_evidence(questions, chunks, source)
    retriever.warm_up()  # latency is of searching, not of loading tables on the first English question
    results = []
    for q in (q for q in questions if q.answerable):
        found = retriever.search(q.query, top_k=DEPTH)
        # Scoped to the named document when the question names one: the enterprise cards quote
        # the plan, and their copies must not count as chunks a plain search should find.
        relevant_ids = frozenset(cid for cid, text, title in chunks
                                 if q.is_relevant(text) and (not q.doc or title == q.doc))
        ranked = [h.chunk_id in relevant_ids for h in found.hits]
        results.append(QuestionResult(
            question=q,
            ranked_ids=tuple(h.chunk_id for h in found.hits),
            relevant=tuple(ranked),
            relevant_ids=relevant_ids,
            scores=score(ranked, len(relevant_ids)),
            rank=metrics.first_relevant_rank(ranked),
            latency_ms=found.elapsed_ms,
            retrieved=tuple({"rank": h.rank, "doc_title": h.doc_title, "heading_path": list(h.heading_path),
                             "text": h.text[:120]} for h in found.hits[:3]),
        ))
    return results


def aggregate(results: list[QuestionResult]) -> dict:
    out: dict = {"n": len(results)}
    for name in METRICS:
        out[name] = round(metrics.mean([r.scores[name] for r in results]), 4)
    return out


def summarize(results: list[QuestionResult], questions: list[GoldQuestion], *, gold: str, config: str,
              embedder: str) -> dict:
    def grouped(key) -> dict:
        groups: dict[str, list[QuestionResult]] = defaultdict(list)
        for r in results:
            groups[key(r.question)].append(r)
        return {g: aggregate(rs) for g, rs in sorted(groups.items())}

    latencies = [r.latency_ms for r in results]
    return {
        "gold": gold,
        "config": config,
        "embedder": embedder,
        "questions": len(questions),
        "answerable": len(results),
        "unanswerable": sum(not q.answerable for q in questions),
        # Retrieval always returns chunks; abstention is scored on answers: `eval --answers`.
        "abstention": None,
        "overall": aggregate(results),
        "by_lang": grouped(lambda q: q.lang),
        "by_kind": grouped(lambda q: q.kind),
        "by_doc": grouped(lambda q: q.doc or "(not given)"),
        "latency_ms": {"p50": round(metrics.percentile(latencies, 50), 1),
                       "p95": round(metrics.percentile(latencies, 95), 1),
                       "max": round(max(latencies, default=0.0), 1)},
        # misses: evidence not in the top 10; not_first: found, but below rank 1.
        "misses": [_case(r) for r in results if r.rank is None],
        "not_first": [_case(r) for r in results if r.rank not in (None, 1)],
        "questions_detail": [{"id": r.question.id, "rank": r.rank, "latency_ms": round(r.latency_ms, 2),
                              **{m: r.scores[m] for m in METRICS}} for r in results],
        "ranks": {r.question.id: r.rank for r in results},
    }


def _case(r: QuestionResult) -> dict:
    q = r.question
    return {"id": q.id, "query": q.query, "lang": q.lang, "kind": q.kind, "rank": r.rank,
            "evidence": list(q.evidence), "retrieved": list(r.retrieved)}


def run_eval(settings: Settings, gold_path: Path, retriever: Retriever | None = None) -> dict:
    questions = load_gold(gold_path)
    own = retriever is None
    retriever = retriever or Retriever(settings)
    try:
        results = evaluate(retriever, questions, str(gold_path))
        return summarize(results, questions, gold=str(gold_path), config=settings.mode.value,
                         embedder=retriever.index.meta.embedder)
    finally:
        if own:
            retriever.close()


def format_report(report: dict) -> str:
    cols = ["hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10"]
    lines = [f"gold: {report['gold']}  ({report['answerable']} answerable, {report['unanswerable']} unanswerable; "
             f"config {report['config']}; {report['embedder']})", ""]
    lines.append(f"{'':<34}{'n':>4}" + "".join(f"{c:>9}" for c in cols))

    def line(name: str, agg: dict) -> str:
        return f"{name[:33]:<34}{agg['n']:>4}" + "".join(f"{agg[c]:>9.3f}" for c in cols)

    lines.append(line("overall", report["overall"]))
    for key in ("by_lang", "by_kind", "by_doc"):
        for name, agg in report[key].items():
            lines.append(line(f"  {key[3:]}={name}", agg))
    lat = report["latency_ms"]
    lines += ["", f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms", ""]
    for title, cases in (("misses (evidence not in the top 10)", report["misses"]),
                         ("found below rank 1", report["not_first"])):
        lines.append(f"{title}: {len(cases)}")
        for m in cases:
            lines.append(f"  [{m['id']}] rank {m['rank'] or '—'}: {m['query']}")
            lines.append(f"      wanted: {m['evidence'][0]}")
            for r in m["retrieved"][:2]:
                lines.append(f"      got {r['rank']}: {' › '.join(r['heading_path'][-2:])} | {r['text'][:50]}")
    return "\n".join(lines)
