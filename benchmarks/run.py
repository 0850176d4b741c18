"""Speed benchmark: ingest of the city plan + the national texts, an unchanged re-ingest,
and search latency (p50/p95) over every gold question, per retrieval mode.

    python benchmarks/run.py [--national ../shared/corpus-extra] [--record benchmarks/RESULTS.md]

Prints a Markdown section (machine, date, numbers); --record appends it to a file.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from assistant.answering import ExtractiveAnswerer
from assistant.config import SearchMode, Settings
from assistant.query import question_language
from assistant.retrieval import Retriever
from evals.compare import run_comparison
from evals.gold import load_gold
from evals.metrics import percentile
from evals.runner import run_eval
from indexing.embedding import make_embedder
from indexing.pipeline import ingest

ROOT = Path(__file__).resolve().parent.parent
GOLD = [ROOT / "evals" / "gold" / "dev.jsonl", ROOT / "evals" / "gold" / "heldout.jsonl"]


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--national", type=Path, default=ROOT.parent / "shared" / "corpus-extra")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the gold queries per mode")
    ap.add_argument("--record", type=Path, help="append the results to this Markdown file")
    args = ap.parse_args()

    lines = [f"## {time.strftime('%Y-%m-%d')} — {machine()}", ""]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        embedder = make_embedder(settings)
        first = ingest(settings, embedder, [args.national])
        again = ingest(settings, embedder)
        lines += [
            f"- ingest, fresh: {first.documents} documents, {first.chunks} chunks in {first.seconds:.1f} s "
            f"({first.chunks / first.seconds:.1f} chunks/s, {first.documents / first.seconds:.2f} documents/s)",
            f"- ingest, unchanged corpus: {again.seconds:.1f} s ({again.embedded} chunks embedded)",
        ]
        queries = [q.query for g in GOLD for q in load_gold(g)]
        with Retriever(settings, embedder) as r:
            r.search("预热")  # load the model and jieba once, as a server would
            t = time.perf_counter()
            r.analyzer.analyze("warm up: catalysts in Xianrendao")  # builds the pinyin and CC-CEDICT tables
            warm = (time.perf_counter() - t) * 1000
            for mode in SearchMode:
                by_lang: dict[str, list[float]] = {"zh": [], "en": []}
                for _ in range(args.repeat):
                    for q in queries:
                        t = time.perf_counter()
                        r.search(q, mode=mode)
                        by_lang[question_language(q)].append((time.perf_counter() - t) * 1000)
                times = by_lang["zh"] + by_lang["en"]
                split = "; ".join(f"{lang} p95 {percentile(ts, 95):.1f} ms" for lang, ts in by_lang.items() if ts)
                lines.append(f"- search latency, {mode.value}: p50 {percentile(times, 50):.1f} ms, "
                             f"p95 {percentile(times, 95):.1f} ms ({len(times)} queries, top 10; {split})")
            times = []
            for q in queries:
                t = time.perf_counter()
                r.analyzer.analyze(q)
                times.append((time.perf_counter() - t) * 1000)
            lines.append(f"- query analysis: p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms "
                         f"({len(times)} questions; {warm:.0f} ms once to build its tables)")
            answerer = ExtractiveAnswerer(r)
            times = []
            for q in queries:
                t = time.perf_counter()
                answerer.answer(q)
                times.append((time.perf_counter() - t) * 1000)
            lines.append(f"- ask latency, extractive: p50 {percentile(times, 50):.1f} ms, "
                         f"p95 {percentile(times, 95):.1f} ms ({len(times)} questions)")
            both = Path(tmp) / "all.jsonl"
            both.write_text("".join(g.read_text(encoding="utf-8") for g in GOLD), encoding="utf-8")
            t = time.perf_counter()
            run_eval(settings, both, r)
            lines.append(f"- eval of all {len(queries)} gold questions: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        run_comparison(settings, both, ["hybrid", "dense", "sparse"])
        lines.append(f"- eval comparison of 3 configurations on all {len(queries)} questions, with paired tests: "
                     f"{time.perf_counter() - t:.1f} s")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.record:
        with args.record.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
