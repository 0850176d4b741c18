"""Ingest throughput by file format: the same national texts as .txt, .docx, .html and .pdf.

    python -m benchmarks.formats [--docs 5] [--record benchmarks/RESULTS.md]

Each format gets a fresh index of the same documents, converted here (docx with python-docx,
html as a government-style page, pdf printed by Chromium when it is installed), so the numbers
differ only by reading and parsing; embedding dominates, so chunks/s also shows how many
chunks each format's text yields.
"""

from __future__ import annotations

import argparse
import html
import tempfile
import time
from pathlib import Path

from assistant.config import Settings
from benchmarks.run import machine
from indexing.embedding import E5Embedder
from indexing.loading import read_source
from indexing.pipeline import ingest

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT.parent / "shared" / "corpus-extra" / "national"
CHROMIUM = Path("/usr/bin/chromium")


def body_lines(path: Path) -> tuple[str, list[str]]:
    text, title = read_source(path)
    lines = [ln.lstrip("#").strip() for ln in text.splitlines() if ln.strip() and "INFO END" not in ln]
    return title, lines


def write_formats(sources: list[Path], out: Path) -> dict[str, Path]:
    import docx

    folders = {fmt: out / fmt for fmt in ("txt", "docx", "html", "pdf")}
    for f in folders.values():
        f.mkdir(parents=True)
    pages = []
    for i, src in enumerate(sources):
        title, lines = body_lines(src)
        (folders["txt"] / f"{i}.txt").write_text("\n".join(lines), encoding="utf-8")
        d = docx.Document()
        for line in lines:
            d.add_paragraph(line)
        d.save(folders["docx"] / f"{i}.docx")
        page = (f"<html><head><meta charset='utf-8'><title>{html.escape(title)}_中国政府网</title></head><body>"
                f"<nav>首页 政策 解读</nav><div id='zoom'>"
                + "".join(f"<p>{html.escape(x)}</p>" for x in lines) + "</div><footer>版权所有</footer></body></html>")
        (folders["html"] / f"{i}.html").write_text(page, encoding="utf-8")
        pages.append(page)
    if CHROMIUM.exists():
        from playwright.sync_api import sync_playwright

        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
            page = browser.new_page()
            for i, content in enumerate(pages):
                page.set_content(content)
                (folders["pdf"] / f"{i}.pdf").write_bytes(page.pdf(format="A4"))
            browser.close()
    else:
        del folders["pdf"]
    return folders


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=5, help="how many national texts to convert")
    ap.add_argument("--record", type=Path)
    args = ap.parse_args()
    sources = sorted(NATIONAL.glob("*.md"))[: args.docs]
    embedder = E5Embedder()
    embedder.embed_query("预热")  # load the model before timing
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folders = write_formats(sources, Path(tmp) / "docs")
        for fmt, folder in folders.items():
            empty = Path(tmp) / f"empty-{fmt}"
            empty.mkdir()
            settings = Settings(index_dir=Path(tmp) / f"index-{fmt}", corpus_dir=empty)
            started = time.perf_counter()
            report = ingest(settings, embedder, [folder])
            seconds = time.perf_counter() - started
            rows.append(f"- {fmt}: {report.documents} documents, {report.chunks} chunks in {seconds:.1f} s "
                        f"({report.documents / seconds:.2f} documents/s, {report.chunks / seconds:.1f} chunks/s"
                        + (f"; {len(report.skipped)} skipped" if report.skipped else "") + ")")
    text = "\n".join([f"## {time.strftime('%Y-%m-%d')} — {machine()} — ingest by format", "",
                      f"{len(sources)} national texts converted to each format, bundled e5, Qdrant Edge:", "",
                      *rows, ""])
    print(text)
    if args.record:
        with args.record.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
