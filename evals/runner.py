"""Runs a gold set through the same `Retriever.search` that `search` uses, and scores it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from assistant.config import Settings
from assistant.retrieval import Retriever
from evals import metrics
from evals.gold import GoldQuestion, check_evidence, load_gold

CUTOFFS = (1, 3, 5, 10)
DEPTH = 10


def _aggregate(rows: list[dict]) -> dict:
    out = {"n": len(rows)}
    for k in CUTOFFS:
        out[f"hit@{k}"] = round(metrics.mean([r[f"hit@{k}"] for r in rows]), 4)
    out["mrr@10"] = round(metrics.mean([r["rr"] for r in rows]), 4)
    out["ndcg@10"] = round(metrics.mean([r["ndcg"] for r in rows]), 4)
    return out


def score_question(q: GoldQuestion, hit_texts: list[str], total_relevant: int) -> dict:
    ranked = [q.is_relevant(t) for t in hit_texts]
    row = {f"hit@{k}": metrics.hit_at(ranked, k) for k in CUTOFFS}
    row["rr"] = metrics.reciprocal_rank(ranked, DEPTH)
    row["ndcg"] = metrics.ndcg_at(ranked, total_relevant, DEPTH)
    row["rank"] = metrics.first_relevant_rank(ranked)
    return row


def run_eval(settings: Settings, gold_path: Path, retriever: Retriever | None = None) -> dict:
    questions = load_gold(gold_path)
    own = retriever is None
    retriever = retriever or Retriever(settings)
    try:
        chunk_texts = [p.payload["text"] for p in retriever.index.store.scroll()]
        check_evidence(questions, chunk_texts, str(gold_path))
        rows, latencies = [], []
        for q in (q for q in questions if q.answerable):
            result = retriever.search(q.query, top_k=DEPTH)
            latencies.append(result.elapsed_ms)
            total_relevant = sum(q.is_relevant(t) for t in chunk_texts)
            row = score_question(q, [h.text for h in result.hits], total_relevant)
            row.update(id=q.id, query=q.query, lang=q.lang, kind=q.kind, evidence=list(q.evidence),
                       retrieved=[{"rank": h.rank, "doc_title": h.doc_title, "heading_path": list(h.heading_path),
                                   "text": h.text[:120]} for h in result.hits[:3]])
            rows.append(row)
    finally:
        if own:
            retriever.close()

    def grouped(key: str) -> dict:
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            groups[r[key]].append(r)
        return {g: _aggregate(rs) for g, rs in sorted(groups.items())}

    unanswerable = [q for q in questions if not q.answerable]
    return {
        "gold": str(gold_path),
        "mode": settings.mode.value,
        "embedder": retriever.index.meta.embedder,
        "questions": len(questions),
        "answerable": len(rows),
        "unanswerable": len(unanswerable),
        # Abstention is scored on `ask`, which answers; retrieval alone always returns chunks.
        "abstention_accuracy": None,
        "overall": _aggregate(rows),
        "by_lang": grouped("lang"),
        "by_kind": grouped("kind"),
        "latency_ms": {"p50": round(metrics.percentile(latencies, 50), 1),
                       "p95": round(metrics.percentile(latencies, 95), 1)},
        # misses: evidence not in the top 10; not_first: found, but below rank 1.
        "misses": [_case(r) for r in rows if r["rank"] is None],
        "not_first": [_case(r) for r in rows if r["rank"] not in (None, 1)],
        "ranks": {r["id"]: r["rank"] for r in rows},
    }


def _case(row: dict) -> dict:
    return {k: row[k] for k in ("id", "query", "lang", "kind", "rank", "evidence", "retrieved")}


def format_report(report: dict) -> str:
    cols = [f"hit@{k}" for k in CUTOFFS] + ["mrr@10", "ndcg@10"]
    lines = [f"gold: {report['gold']}  ({report['answerable']} answerable, {report['unanswerable']} unanswerable; "
             f"mode {report['mode']}; {report['embedder']})", ""]
    header = f"{'':<22}{'n':>4}" + "".join(f"{c:>9}" for c in cols)
    lines.append(header)

    def line(name: str, agg: dict) -> str:
        return f"{name:<22}{agg['n']:>4}" + "".join(f"{agg[c]:>9.3f}" for c in cols)

    lines.append(line("overall", report["overall"]))
    for key in ("by_lang", "by_kind"):
        for name, agg in report[key].items():
            lines.append(line(f"  {key[3:]}={name}", agg))
    lat = report["latency_ms"]
    lines += ["", f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms", ""]
    for title, cases in (("misses (evidence not in the top 10)", report["misses"]),
                         ("found below rank 1", report["not_first"])):
        lines.append(f"{title}: {len(cases)}")
        for m in cases:
            lines.append(f"  [{m['id']}] rank {m['rank'] or '—'}: {m['query']}")
            lines.append(f"      wanted: {m['evidence'][0]}")
            for r in m["retrieved"][:2]:
                lines.append(f"      got {r['rank']}: {' › '.join(r['heading_path'][-2:])} | {r['text'][:50]}")
    return "\n".join(lines)
