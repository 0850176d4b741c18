"""`python -m assistant …`: the command line. Heavy imports happen inside the commands,
so `--help` is instant; AssistantError becomes a message and an exit code here only."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.errors import AssistantError


def _settings(args: argparse.Namespace, **extra):
    from assistant.config import Settings

    return Settings.load(args.config, index_dir=args.index, **extra)


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_ingest(args: argparse.Namespace) -> int:
    from indexing.embedding import make_embedder
    from indexing.pipeline import ingest

    settings = _settings(args)
    report = ingest(settings, make_embedder(settings), [Path(p) for p in args.paths], rebuild=args.rebuild,
                    show_progress=sys.stderr.isatty() and not args.json, dry_run=args.dry_run)
    if args.json:
        _print_json({
            "documents": report.documents, "chunks": report.chunks, "embedded": report.embedded,
            "reused": report.reused, "removed": report.removed, "up_to_date": report.up_to_date,
            "seconds": round(report.seconds, 2), "generation": report.generation,
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
            "warnings": report.warnings, "dry_run": report.dry_run,
            "added": report.added, "changed": report.changed, "deleted": report.deleted,
        })
    elif report.dry_run:
        print(f"dry run, nothing written: {report.documents} documents, {report.chunks} chunks "
              f"({report.embedded} to embed, {report.reused} to reuse, {report.removed} to remove)")
        for label, titles in (("add", report.added), ("change", report.changed), ("remove", report.deleted)):
            for t in titles:
                print(f"  {label}: {t}")
    else:
        state = "already up to date" if report.up_to_date else "updated"
        print(f"index {state}: {report.documents} documents, {report.chunks} chunks "
              f"({report.embedded} embedded, {report.reused} reused, {report.removed} removed) "
              f"in {report.seconds:.1f} s → {settings.index_dir}")
        if report.sparse_recomputed:
            print("the vocabulary changed: BM25 vectors of all chunks were recomputed")
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for s in report.skipped:
        print(f"skipped {s.reason}", file=sys.stderr)
    return 2 if report.skipped else 0


def _filters(args: argparse.Namespace):
    from assistant.types import Level, SearchFilters

    try:
        levels = tuple(Level.parse(v) for v in args.level or ())
    except ValueError as exc:
        from assistant.errors import InputError

        raise InputError(str(exc)) from None
    return SearchFilters(levels=levels, doc_titles=tuple(args.doc or ()), parks=tuple(args.park or ()))


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.retrieval import Retriever

    settings = _settings(args, mode=args.mode)
    with Retriever(settings) as retriever:
        result = retriever.search(args.query, top_k=args.top_k, filters=_filters(args))
    if args.json:
        _print_json(result.to_json())
        return 0
    if not result.hits:
        print("no matching clauses (check the filters)")
    for h in result.hits:
        place = " › ".join(h.heading_path)
        print(f"{h.rank:>2}. 《{h.doc_title}》 {place}  [{h.score:.4f}]")
        print("    " + h.text.replace("\n", "\n    "))
    print(f"({len(result.hits)} hits in {result.elapsed_ms:.0f} ms)", file=sys.stderr)
    return 0


def _history(args: argparse.Namespace):
    from assistant.conversation import parse_history
    from assistant.errors import InputError

    raw = args.history
    if raw and not raw.lstrip().startswith("["):
        try:
            raw = Path(raw).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--history {args.history}: neither JSON nor a readable file ({exc.strerror})") from None
    return parse_history(raw)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.answering import ExtractiveAnswerer
    from assistant.retrieval import Retriever

    settings = _settings(args)
    history = _history(args)
    with Retriever(settings) as retriever:
        extractive = ExtractiveAnswerer(retriever)
        if args.llm:
            from assistant.llm import LLMAnswerer

            answer = LLMAnswerer(extractive).answer(args.question, history, _filters(args))
        else:
            answer = extractive.answer(args.question, history, _filters(args))
    if args.json:
        _print_json(answer.to_json())
        return 0
    if answer.condensed_query != answer.question:
        print(f"(searched as: {answer.condensed_query})")
    print(answer.answer)
    if answer.citations:
        print()
    for c in answer.citations:
        print(f"[{c.n}] 《{c.doc_title}》 {' › '.join(c.heading_path)}")
    if answer.companies:
        print("\ncompanies (enterprise cards):")
        for h in answer.companies:
            print(f"- {h.doc_title.removeprefix('企业档案：')}: {h.text.splitlines()[0][:120]}")
    for note in answer.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    settings = _settings(args, mode=args.mode)
    if args.eligibility:
        from assistant.retrieval import Retriever
        from evals.eligibility import run_eligibility_eval

        with Retriever(settings) as retriever:
            report = run_eligibility_eval(retriever, Path(args.gold), args.split or "")
        if args.json:
            _print_json(report)
            return 0
        o = report["overall"]
        print(f"{o['n']} projects ({report['split']}): verdict accuracy {o['verdict_accuracy']:.3f}, "
              f"expected clause cited {o['clause_cited']:.3f}; p95 {report['latency_ms']['p95']:.0f} ms")
        for key, groups in report["by"].items():
            for value, s in groups.items():
                print(f"  {key}={value}: n={s['n']} verdict {s['verdict_accuracy']:.3f} clause {s['clause_cited']:.3f}")
        for r in report["wrong"]:
            print(f"  ✗ {r['id']}: expected {r['expected']}, got {r['verdict']}"
                  + ("" if r["clause_cited"] else " (expected clause not cited)"))
        return 0
    if args.answers:
        from assistant.errors import InputError
        from evals.answers import format_answer_report, run_answer_eval

        if args.compare or args.report:
            raise InputError("--answers scores `ask` under the current settings; it takes no --compare or --report")
        report = run_answer_eval(settings, Path(args.gold))
        if args.json:
            _print_json(report)
        else:
            print(format_answer_report(report))
        return 0
    if args.compare:
        from evals.compare import format_comparison, run_comparison

        report = run_comparison(settings, Path(args.gold), args.compare)
        text = format_comparison(report)
    else:
        from evals.runner import format_report, run_eval

        report = run_eval(settings, Path(args.gold))
        text = format_report(report)
    if args.report:
        from evals.report import write_report

        folder = write_report(report, Path(args.report))
        print(f"report written to {folder}/report.html", file=sys.stderr)
    if args.json:
        _print_json(report)
    else:
        print(text)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.eligibility import EligibilityChecker, Project
    from assistant.retrieval import Retriever

    settings = _settings(args)
    project = Project(args.description, args.product or "", args.process or "", args.capacity or "", args.park or "",
                      None if args.new is None else args.new == "new", True if args.foreign else None)
    with Retriever(settings) as retriever:
        report = EligibilityChecker(retriever).check(project)
    if args.json:
        _print_json(report.to_json())
        return 0
    from assistant.eligibility import format_report

    print(format_report(report))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from assistant.rules import RULES_DIR, check_plan_rules, extract_plan_rules, plan_rules_toml
    from indexing.loading import load_document

    settings = _settings(args)
    plan = load_document(settings.corpus_dir / "营口市精细化工产业发展规划.txt",
                         {"title": "营口市精细化工产业发展规划"})
    diff = check_plan_rules(plan)
    if args.update:
        (RULES_DIR / "plan.toml").write_text(plan_rules_toml(extract_plan_rules(plan)), encoding="utf-8")
        print(f"{RULES_DIR / 'plan.toml'} {'updated; review the diff below' if diff else 'already up to date'}")
    if diff:
        print(diff)
        return 0 if args.update else 1
    if not args.update:
        print("the plan's rules match the corpus")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from indexing.index import current_generation, read_meta

    settings = _settings(args)
    gen = current_generation(settings.index_dir)
    if gen is None:
        from assistant.errors import IndexProblem

        raise IndexProblem(f"no index at {settings.index_dir}; build it with `python -m assistant ingest`")
    docs = sorted(read_meta(gen).documents.values(), key=lambda d: (d.level, d.title))
    if args.json:
        _print_json({"documents": [{"title": d.title, "level": d.level, "issuer": d.issuer, "date": d.date,
                                    "doc_number": d.doc_number, "effective": d.effective,
                                    "doc_type": d.doc_type, "path": d.path, "chunks": len(d.chunk_ids)}
                                   for d in docs]})
        return 0
    for d in docs:
        facts = " · ".join(x for x in (d.level, d.issuer, d.doc_number, d.date, d.doc_type) if x)
        print(f"{len(d.chunk_ids):>5}  《{d.title}》  {facts}")
    print(f"{len(docs)} documents, {sum(len(d.chunk_ids) for d in docs)} chunks in {settings.index_dir}",
          file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from ui.app import serve

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(args)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from evals.feedback import gold_candidates

    settings = _settings(args)
    path = Path(args.file) if args.file else settings.feedback_file
    for line in gold_candidates(path):
        print(json.dumps(line, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="营口精细化工政策助手")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=None, help="index folder (default: ./index, or YK_INDEX_DIR)")
    common.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="index corpus/ plus the files or folders given")
    p.add_argument("paths", nargs="*", help="more files or folders to index (remembered for later ingests)")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index")
    p.add_argument("--dry-run", action="store_true", help="say what would be added, changed and removed; write nothing")
    p.set_defaults(func=cmd_ingest)

    modes = ("hybrid", "dense", "sparse", "cross")
    p = sub.add_parser("search", parents=[common], help="ranked clauses for a query")
    p.add_argument("query")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--level", action="append", help="national | provincial | municipal | enterprise (repeatable)")
    p.add_argument("--doc", action="append", help="restrict to a document title (repeatable)")
    p.add_argument("--park", action="append", help="restrict to clauses naming a park, e.g. 仙人岛能源化工区 (repeatable)")
    p.add_argument("--mode", choices=modes, default=None, help="retrievers to use (default: hybrid)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="a grounded answer with citations")
    p.add_argument("question")
    p.add_argument("--history", help='earlier turns as JSON, [{"role": "user", "content": "…"}, …], or a file of it')
    p.add_argument("--level", action="append", help="national | provincial | municipal | enterprise (repeatable)")
    p.add_argument("--doc", action="append", help="restrict to a document title (repeatable)")
    p.add_argument("--park", action="append", help="restrict to clauses naming a park, e.g. 仙人岛能源化工区 (repeatable)")
    p.add_argument("--llm", action="store_true", help="let an OpenAI-compatible LLM (YK_LLM_*) write the answer")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", parents=[common], help="retrieval accuracy on a gold JSONL file")
    p.add_argument("--gold", required=True, help="gold set (JSONL)")
    p.add_argument("--mode", choices=modes, default=None)
    p.add_argument("--compare", nargs="+", metavar="CONFIG",
                   help="run each configuration (a mode and/or setting=value, comma-separated, e.g. "
                        "`sparse dense hybrid hybrid,rrf_k=60`) and test each against the first")
    p.add_argument("--report", metavar="DIR", help="also write report.md, report.html, report.json and plots here")
    p.add_argument("--eligibility", action="store_true",
                   help="score the eligibility check on a gold set of project descriptions")
    p.add_argument("--split", choices=("dev", "heldout"), help="with --eligibility: one part of the gold set")
    p.add_argument("--answers", action="store_true",
                   help="score `ask` instead: answered, citation hit, verbatim quotes, abstention")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("check", parents=[common], help="eligibility of a project: verdict, parks, procedures")
    p.add_argument("description", help="the project in a sentence or two, Chinese or English")
    p.add_argument("--product")
    p.add_argument("--process")
    p.add_argument("--capacity")
    p.add_argument("--park")
    p.add_argument("--new", choices=("new", "expansion"), default=None)
    p.add_argument("--foreign", action="store_true", help="the investor is foreign")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("rules", parents=[common],
                       help="re-extract the plan's eligibility rules and show the difference (--update writes them)")
    p.add_argument("--update", action="store_true")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("docs", parents=[common], help="the indexed documents, their metadata and chunk counts")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("serve", parents=[common], help="the web chat (Gradio); builds the index first if there is none")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1, or YK_UI_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860, or YK_UI_PORT)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("feedback", parents=[common],
                       help="turn the chat's feedback log into gold-set candidates (JSONL on stdout)")
    p.add_argument("--file", default=None, help="feedback log (default: feedback/feedback.jsonl, or YK_FEEDBACK_FILE)")
    p.set_defaults(func=cmd_feedback)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
