"""Scoring the eligibility check on a gold set of project descriptions (JSONL):

    {"id", "split": "dev"|"heldout", "lang", "description", "fields"?: {...}, "verdict",
     "clause": {"doc", "quote"}, "park_fit"?, "note"?}

Verdict accuracy, and "expected clause cited": some finding of the report (a reason, or a park's
or a procedure's clause) is from the expected document and its quote overlaps the expected
quote (one holds the other, or they share a run of 12 characters). For `not_covered` items the
expected clause is empty and the verdict alone decides.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant.eligibility import VERDICTS, EligibilityChecker, EligibilityReport, Project
from assistant.errors import InputError
from assistant.retrieval import Retriever
from evals.metrics import percentile

OVERLAP = 12


def load_items(path: Path, split: str = "") -> list[dict]:
    items, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            assert isinstance(item["description"], str) and item["verdict"] in VERDICTS
            assert isinstance(item.get("clause", {}), dict)
        except (ValueError, KeyError, AssertionError, TypeError) as exc:
            problems.append(f"{path}:{n}: not an eligibility item ({type(exc).__name__}: {exc})")
            continue
        if not split or item.get("split") == split:
            items.append(item)
    if problems:
        raise InputError("\n".join(problems))
    return items


def project_of(item: dict) -> Project:
    f = item.get("fields") or {}
    return Project(item["description"], str(f.get("product", "")), str(f.get("process", "")),
                   str(f.get("capacity", "")), str(f.get("park", "")), f.get("new"), f.get("foreign"))


def cites(report: EligibilityReport, clause: dict) -> bool:
    quote, doc = clause.get("quote", ""), clause.get("doc", "")
    if not quote:
        return True
    findings = [*report.reasons, *(p.finding for p in report.parks if p.finding), *report.procedures]
    return any(f.rule.doc == doc and _overlaps(f.quote, quote) for f in findings)


def _overlaps(a: str, b: str) -> bool:
    if a in b or b in a:
        return True
    short, long_ = sorted((a, b), key=len)
    return any(short[i:i + OVERLAP] in long_ for i in range(0, max(len(short) - OVERLAP + 1, 0)))


def run_eligibility_eval(retriever: Retriever, path: Path, split: str = "") -> dict:
    items = load_items(path, split)
    checker = EligibilityChecker(retriever)
    checker.warm_up()  # latency is of checking, not of loading tables on the first description
    rows, latencies = [], []
    started = time.perf_counter()
    for item in items:
        report = checker.check(project_of(item))
        latencies.append(report.elapsed_ms)
        rows.append({"id": item["id"], "split": item.get("split", ""), "lang": item.get("lang", ""),
                     "expected": item["verdict"], "verdict": report.verdict,
                     "verdict_ok": report.verdict == item["verdict"],
                     "clause_cited": cites(report, item.get("clause") or {})})

    def summary(subset: list[dict]) -> dict:
        n = len(subset)
        return {"n": n,
                "verdict_accuracy": round(sum(r["verdict_ok"] for r in subset) / n, 4) if n else 0.0,
                "clause_cited": round(sum(r["clause_cited"] for r in subset) / n, 4) if n else 0.0}

    by = {}
    for key in ("split", "lang", "expected"):
        for value in sorted({r[key] for r in rows}):
            by.setdefault(key, {})[value] = summary([r for r in rows if r[key] == value])
    return {"gold": str(path), "split": split or "all", "overall": summary(rows), "by": by,
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                           "max": max(latencies, default=0.0)},
            "seconds": round(time.perf_counter() - started, 2),
            "wrong": [r for r in rows if not (r["verdict_ok"] and r["clause_cited"])]}
