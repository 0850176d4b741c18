"""One gold set under several retrieval configurations, with paired significance tests
against the first (the baseline).

A configuration is written as comma-separated tokens: a bare word is a retrieval mode
(`hybrid`, `dense`, `sparse`, `cross`), `name=value` sets any setting for that run. Examples:
`sparse`, `dense`, `hybrid`, `hybrid,rrf_k=60`, `hybrid,dense_weight=1`,
`hybrid,index_dir=/srv/index-bge,embedder=sentence-transformers,model=/models/bge-small-zh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.config import SearchMode, Settings
from assistant.errors import InputError
from assistant.retrieval import Retriever
from evals.gold import load_gold
from evals.runner import METRICS, evaluate, summarize
from evals.significance import paired_randomization_test
from indexing.embedding import make_embedder

TESTED = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
ALPHA = 0.05
MODES = {m.value for m in SearchMode}


@dataclass(frozen=True)
class Config:
    name: str
    overrides: dict[str, str]


def parse_config(spec: str) -> Config:
    overrides: dict[str, str] = {}
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        if "=" in token:
            key, value = (p.strip() for p in token.split("=", 1))
            overrides[key] = value
        elif token in MODES:
            overrides["mode"] = token
        else:
            raise InputError(f"configuration {spec!r}: {token!r} is neither a mode ({', '.join(sorted(MODES))}) "
                             "nor a setting=value")
    if not overrides:
        raise InputError("an empty configuration; write e.g. `hybrid` or `hybrid,rrf_k=60`")
    if "top_k" in overrides:
        raise InputError("top_k does not apply to evals: they always read the top 10")
    return Config(spec, overrides)


def run_comparison(settings: Settings, gold_path: Path, specs: list[str]) -> dict:
    configs = [parse_config(s) for s in specs]
    if len({c.name for c in configs}) != len(configs):
        raise InputError("each configuration may be given once")
    questions = load_gold(gold_path)
    embedders: dict[tuple, object] = {}  # one model load per distinct embedder setting
    runs = []
    for cfg in configs:
        s = settings.updated(cfg.overrides)
        key = (s.embedder, s.model, s.query_prefix, s.passage_prefix)
        if key not in embedders:
            embedders[key] = make_embedder(s)
        embedder = embedders[key]
        with Retriever(s, embedder) as r:
            results = evaluate(r, questions, str(gold_path))
            runs.append((cfg, results, summarize(results, questions, gold=str(gold_path), config=cfg.name,
                                                 embedder=r.index.meta.embedder)))

    base_cfg, base_results, _ = runs[0]
    significance = {}
    for cfg, results, _ in runs[1:]:
        by_id = {r.question.id: r for r in results}  # every configuration ran the same questions
        significance[cfg.name] = {}
        for metric in TESTED:
            a = [by_id[r.question.id].scores[metric] for r in base_results]
            b = [r.scores[metric] for r in base_results]
            significance[cfg.name][metric] = {
                "delta": round(sum(a) / len(a) - sum(b) / len(b), 4) if a else 0.0,
                "p": round(paired_randomization_test(a, b), 4),
            }
    return {
        "gold": str(gold_path),
        "baseline": base_cfg.name,
        "alpha": ALPHA,
        "test": "two-sided paired randomization (Fisher) test on per-question scores, vs the baseline",
        "configs": [{"name": c.name, "overrides": c.overrides, "summary": summary} for c, _, summary in runs],
        "significance": significance,
    }


def marker(sig: dict | None, metric: str) -> str:
    """▲ / ▼: significantly better / worse than the baseline at ALPHA."""
    if not sig or metric not in sig or sig[metric]["p"] >= ALPHA or sig[metric]["delta"] == 0:
        return ""
    return "▲" if sig[metric]["delta"] > 0 else "▼"


def format_comparison(report: dict) -> str:
    cols = [m for m in METRICS if not m.startswith("recall")]
    width = max(len(c["name"]) for c in report["configs"]) + 2
    lines = [f"gold: {report['gold']}; baseline: {report['baseline']}; ▲/▼ = p < {report['alpha']} "
             f"({report['test']})", ""]

    def table(title: str, pick) -> None:
        lines.append(title)
        lines.append(f"{'':<{width}}{'n':>4}" + "".join(f"{c:>10}" for c in cols))
        for c in report["configs"]:
            agg = pick(c["summary"])
            if agg is None:
                continue
            sig = report["significance"].get(c["name"]) if pick is _overall else None
            cells = "".join(f"{f'{agg[m]:.3f}{marker(sig, m)}':>10}" for m in cols)
            lines.append(f"{c['name']:<{width}}{agg['n']:>4}{cells}")
        lines.append("")

    table("overall", _overall)
    langs = sorted({lang for c in report["configs"] for lang in c["summary"]["by_lang"]})
    for lang in langs:
        table(f"lang={lang}", lambda s, lang=lang: s["by_lang"].get(lang))
    if report["significance"]:
        lines.append("p-values vs the baseline (mean difference):")
        for name, sig in report["significance"].items():
            cells = ", ".join(f"{m} {v['delta']:+.3f} (p={v['p']:.3f})" for m, v in sig.items())
            lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def _overall(summary: dict) -> dict:
    return summary["overall"]
