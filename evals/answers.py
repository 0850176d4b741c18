"""Answer-level evaluation of `ask` on a gold set.

For answerable questions: answered (not abstained), citation hit (a cited chunk contains an
evidence quote), and answer-term coverage (the share of the evidence's words that the answer
text contains). For every citation: whether its quote is verbatim at its offsets in the
source text. For unanswerable questions: abstention precision and recall, treating
"abstained" as the positive prediction for "the documents cannot answer".
"""

from __future__ import annotations

import time
from pathlib import Path

from assistant.answering import ExtractiveAnswerer
from assistant.config import Settings
from assistant.retrieval import Retriever
from evals import metrics
from evals.gold import check_evidence, indexed_chunks, load_gold


def run_answer_eval(settings: Settings, gold_path: Path, retriever: Retriever | None = None) -> dict:
    questions = load_gold(gold_path)
    own = retriever is None
    retriever = retriever or Retriever(settings)
    try:
        chunks = indexed_chunks(retriever.index.store)
        check_evidence(questions, chunks, str(gold_path))
        answerer = ExtractiveAnswerer(retriever)
        tokenizer = retriever.index.tokenizer
        retriever.warm_up()  # latency is of answering, not of loading tables on the first English question
        rows, quotes, verbatim, dropped, latencies = [], 0, 0, 0, []
        started = time.perf_counter()
        for q in questions:
            a = answerer.answer(q.query)
            latencies.append(a.elapsed_ms)
            for c in a.citations:  # re-checked here, independently of the answerer's own check
                quotes += 1
                verbatim += retriever.index.source_text(c.doc_title)[c.start:c.end] == c.quote
            dropped += sum(int(n.split()[0]) for n in a.notes if "failed verification" in n)
            row = {"id": q.id, "lang": q.lang, "kind": q.kind, "answerable": q.answerable,
                   "abstained": a.abstained, "confidence": a.confidence}
            if q.answerable:
                row["citation_hit"] = any(q.is_relevant(c.text) for c in a.citations)
                evidence_terms = set(tokenizer.tokens(" ".join(q.evidence)))
                answer_terms = set(tokenizer.tokens(a.answer))
                row["term_coverage"] = len(evidence_terms & answer_terms) / len(evidence_terms) if evidence_terms else 0.0
            rows.append(row)
    finally:
        if own:
            retriever.close()

    def summary(subset: list[dict]) -> dict:
        ans = [r for r in subset if r["answerable"]]
        una = [r for r in subset if not r["answerable"]]
        abstained = [r for r in subset if r["abstained"]]
        return {
            "answerable": len(ans),
            "unanswerable": len(una),
            "answered_rate": _rate(sum(not r["abstained"] for r in ans), len(ans)),
            "citation_hit_rate": _rate(sum(r["citation_hit"] for r in ans), len(ans)),
            "term_coverage": round(metrics.mean([r["term_coverage"] for r in ans]), 4) if ans else None,
            "abstention_recall": _rate(sum(r["abstained"] for r in una), len(una)),
            "abstention_precision": _rate(sum(not r["answerable"] for r in abstained), len(abstained)),
        }

    by_lang = {lang: summary([r for r in rows if r["lang"] == lang]) for lang in sorted({r["lang"] for r in rows})}
    return {
        "gold": str(gold_path),
        "questions": len(rows),
        "overall": summary(rows),
        "by_lang": by_lang,
        "quotes": quotes,
        "quote_verbatim_rate": _rate(verbatim, quotes),
        "quotes_dropped": dropped,  # failed the answerer's check and were left out
        "latency_ms": {"p50": round(metrics.percentile(latencies, 50), 1),
                       "p95": round(metrics.percentile(latencies, 95), 1)},
        "seconds": round(time.perf_counter() - started, 2),
        "questions_detail": rows,
    }


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def format_answer_report(report: dict) -> str:
    keys = ("answered_rate", "citation_hit_rate", "term_coverage", "abstention_recall", "abstention_precision")
    lines = [f"answers on {report['gold']} ({report['questions']} questions)", "",
             f"{'':<10}{'ans':>5}{'unans':>7}" + "".join(f"{k:>22}" for k in keys)]
    for name, s in (("overall", report["overall"]), *report["by_lang"].items()):
        cells = "".join(f"{'—' if s[k] is None else f'{s[k]:.3f}':>22}" for k in keys)
        lines.append(f"{name:<10}{s['answerable']:>5}{s['unanswerable']:>7}{cells}")
    lat = report["latency_ms"]
    lines += ["", f"quotes verbatim at their source offsets: {report['quote_verbatim_rate']} of {report['quotes']} "
                  f"({report['quotes_dropped']} dropped by the answerer's own check)",
              f"ask latency p50 {lat['p50']} ms, p95 {lat['p95']} ms"]
    wrong = [r for r in report["questions_detail"] if r["abstained"] == r["answerable"]]
    if wrong:
        lines += ["", "wrong abstention decisions:"]
        lines += [f"  [{r['id']}] {'abstained on an answerable' if r['answerable'] else 'answered an unanswerable'}"
                  f" question (confidence {r['confidence']:.3f})" for r in wrong]
    return "\n".join(lines)
