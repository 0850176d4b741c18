"""Web UI benchmark: time from `serve` to the first answer, then concurrent chat sessions.

    python benchmarks/ui_load.py --index ./index [--sessions 10] [--questions 8] [--record benchmarks/RESULTS.md]

Starts `python -m assistant serve` on a free port of 127.0.0.1 over an existing index, asks
through the Gradio API with `gradio_client` (one client per session, as separate browser tabs
would be), and reports latency percentiles and errors. Questions come from the gold sets.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.run import machine
from evals.gold import load_gold
from evals.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer(url: str, proc: subprocess.Popen, started: float, timeout: float = 300) -> float:
    """Seconds from starting `serve` until an answer comes back through the API."""
    from gradio_client import Client

    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited with {proc.returncode}")
        try:
            client = Client(url, verbose=False)
            client.predict("排污许可证有效期是多久？", api_name="/ask")
            return time.perf_counter() - started
        except Exception:  # not listening yet
            time.sleep(0.2)
    raise SystemExit("no answer within the timeout")


def load(url: str, sessions: int, questions: list[str]) -> tuple[list[float], list[str], float]:
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def session(i: int) -> None:
        client = Client(url, verbose=False)
        for q in questions[i::sessions] or questions[:1]:
            t0 = time.perf_counter()
            try:
                answer = client.predict(q, api_name="/ask")
                assert "answer" in answer
            except Exception as exc:  # counted and shown, never hidden
                with lock:
                    errors.append(f"{q[:30]}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True, help="an existing index folder")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--questions", type=int, default=8, help="questions per session")
    ap.add_argument("--record", type=Path, help="append the Markdown section to this file")
    ap.add_argument("--note", default="")
    args = ap.parse_args()

    gold = [q.query for f in ("dev.jsonl", "heldout.jsonl") for q in load_gold(ROOT / "evals" / "gold" / f)]
    questions = gold[: args.sessions * args.questions]
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--index", str(args.index), "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = first_answer(url, proc, started)
        latencies, errors, wall = load(url, args.sessions, questions)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    note = f" ({args.note})" if args.note else ""
    lines = [
        f"## {time.strftime('%Y-%m-%d')} — {machine()} — web UI{note}",
        "",
        f"- `serve` to first answer (existing index, model load included): {ready:.1f} s",
        f"- {args.sessions} concurrent sessions, {len(questions)} questions through `/ask`: "
        f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
        f"max {max(latencies, default=0):.0f} ms, {len(errors)} errors, {len(latencies) / wall:.1f} answers/s",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    for e in errors[:10]:
        print("error:", e, file=sys.stderr)
    if args.record:
        with args.record.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
