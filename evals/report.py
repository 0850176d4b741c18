"""Eval reports on disk: `report.json`, `report.md`, `report.html` and PNG plots, written to a
temporary folder and swapped in whole, so a failed run never leaves half a report.

Takes a comparison (evals.compare) or a single eval summary, which it treats as a
comparison of one configuration.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from pathlib import Path

from assistant.errors import InputError
from evals.compare import marker
from evals.runner import DEPTH, METRICS

COLS = [m for m in METRICS if not m.startswith("recall")] + ["recall@10"]


def as_comparison(report: dict) -> dict:
    if "configs" in report:
        return report
    return {"gold": report["gold"], "baseline": report["config"], "alpha": 0.05, "test": "", "significance": {},
            "configs": [{"name": report["config"], "overrides": {}, "summary": report}]}


def hit_curve(ranks: dict[str, int | None]) -> list[float]:
    """hit@k for k = 1 … DEPTH, from each question's first relevant rank."""
    n = len(ranks) or 1
    return [sum(1 for r in ranks.values() if r is not None and r <= k) / n for k in range(1, DEPTH + 1)]


def _tables(report: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every table, shared by the Markdown and HTML writers."""
    tables = []
    header = ["configuration", "n", *COLS, "p50 ms", "p95 ms"]
    rows = []
    for c in report["configs"]:
        s, sig = c["summary"], report["significance"].get(c["name"])
        rows.append([c["name"], str(s["overall"]["n"]),
                     *(f"{s['overall'][m]:.3f}{marker(sig, m)}" for m in COLS),
                     str(s["latency_ms"]["p50"]), str(s["latency_ms"]["p95"])])
    tables.append(("Overall", header, rows))
    for key, label in (("by_lang", "language"), ("by_kind", "kind"), ("by_doc", "document")):
        rows = []
        for c in report["configs"]:
            for group, agg in c["summary"][key].items():
                rows.append([c["name"], group, str(agg["n"]), *(f"{agg[m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10"))])
        tables.append((f"By {label}", ["configuration", label, "n", "hit@1", "hit@5", "mrr@10"], rows))
    if report["significance"]:
        rows = [[name, m, f"{v['delta']:+.3f}", f"{v['p']:.4f}"]
                for name, sig in report["significance"].items() for m, v in sig.items()]
        tables.append((f"Paired tests vs {report['baseline']}", ["configuration", "metric", "difference", "p"], rows))
    return tables


def _plots(report: dict, folder: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ks = list(range(1, DEPTH + 1))
    for c in report["configs"]:
        ax.plot(ks, hit_curve(c["summary"]["ranks"]), marker="o", label=c["name"])
    ax.set(xlabel="k", ylabel="hit@k", ylim=(0, 1.02), xticks=ks, title="hit@k by configuration")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(folder / "hit_at_k.png", dpi=110)
    plt.close(fig)
    out.append(("hit_at_k.png", "hit@k by configuration"))

    kinds = sorted({k for c in report["configs"] for k in c["summary"]["by_kind"]})
    fig, ax = plt.subplots(figsize=(max(6.4, 1.1 * len(kinds) * len(report["configs"]) / 2), 4))
    width = 0.8 / max(len(report["configs"]), 1)
    for i, c in enumerate(report["configs"]):
        values = [c["summary"]["by_kind"].get(k, {}).get("hit@5", 0.0) for k in kinds]
        ax.bar([x + i * width for x in range(len(kinds))], values, width, label=c["name"])
    ax.set_xticks([x + width * (len(report["configs"]) - 1) / 2 for x in range(len(kinds))], kinds)
    ax.set(ylabel="hit@5", ylim=(0, 1.02), title="hit@5 by question kind")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(4, len(report["configs"])), frameon=False)
    fig.tight_layout()
    fig.savefig(folder / "by_kind.png", dpi=110)
    plt.close(fig)
    out.append(("by_kind.png", "hit@5 by question kind"))
    return out


def _failures(report: dict) -> list[tuple[str, list[dict]]]:
    return [(f"{c['name']}: {title}", c["summary"][key]) for c in report["configs"]
            for key, title in (("misses", "misses (evidence not in the top 10)"),
                               ("not_first", "found below rank 1"))]


def _markdown(report: dict, plots: list[tuple[str, str]]) -> str:
    lines = [f"# Retrieval eval: {Path(report['gold']).name}", ""]
    if report["test"]:
        lines += [f"Baseline: `{report['baseline']}`. ▲/▼: significantly better/worse than the baseline "
                  f"(p < {report['alpha']}, {report['test']}).", ""]
    for title, header, rows in _tables(report):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    for name, caption in plots:
        lines += [f"![{caption}]({name})", ""]
    for title, cases in _failures(report):
        lines += [f"## {title} ({len(cases)})", ""]
        for m in cases:
            lines.append(f"- **{m['id']}** (rank {m['rank'] or '—'}, {m['lang']}, {m['kind']}): {m['query']}")
            lines.append(f"  - wanted: {' / '.join(m['evidence'])}")
            for r in m["retrieved"]:
                lines.append(f"  - got {r['rank']}: 《{r['doc_title']}》 {' › '.join(r['heading_path'])}: {r['text'][:80]}")
        lines.append("")
    return "\n".join(lines)


def _html(report: dict, plots: list[tuple[str, str]]) -> str:
    e = html.escape
    parts = ["<!doctype html><meta charset='utf-8'><title>Retrieval eval</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}td:first-child{text-align:left}"
             "img{max-width:100%}</style>",
             f"<h1>Retrieval eval: {e(Path(report['gold']).name)}</h1>"]
    if report["test"]:
        parts.append(f"<p>Baseline: <code>{e(report['baseline'])}</code>. ▲/▼: significantly better/worse than "
                     f"the baseline (p &lt; {report['alpha']}, {e(report['test'])}).</p>")
    for title, header, rows in _tables(report):
        parts.append(f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    parts += [f"<figure><img src='{n}' alt='{e(c)}'><figcaption>{e(c)}</figcaption></figure>" for n, c in plots]
    for title, cases in _failures(report):
        parts.append(f"<h2>{e(title)} ({len(cases)})</h2><ul>")
        for m in cases:
            got = "".join(f"<li>got {r['rank']}: 《{e(r['doc_title'])}》 {e(' › '.join(r['heading_path']))}: "
                          f"{e(r['text'][:80])}</li>" for r in m["retrieved"])
            parts.append(f"<li><b>{e(m['id'])}</b> (rank {m['rank'] or '—'}): {e(m['query'])}<ul>"
                         f"<li>wanted: {e(' / '.join(m['evidence']))}</li>{got}</ul></li>")
        parts.append("</ul>")
    return "\n".join(parts)


def write_report(report: dict, folder: Path) -> Path:
    report = as_comparison(report)
    folder = folder.resolve()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; a report is for sharing
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder} ({exc.strerror or exc})") from None
    try:
        plots = _plots(report, tmp)
        (tmp / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        (tmp / "report.md").write_text(_markdown(report, plots), encoding="utf-8")
        (tmp / "report.html").write_text(_html(report, plots), encoding="utf-8")
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is a file; give --report a folder")
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)  # left by a run killed between the two renames
        if folder.exists():
            os.replace(folder, old)
        try:
            os.replace(tmp, folder)
        except OSError:
            if old.exists() and not folder.exists():
                os.replace(old, folder)  # put the previous report back
            raise
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"cannot write the report to {folder} ({exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
