"""Loaders for .docx, born-digital .pdf and saved .html: text, structure, and clear refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.errors import InputError
from indexing.formats import unwrap_page
from indexing.loading import load_corpus, load_document
from indexing.structure import parse_clauses
from tests.conftest import CHROMIUM
from tests.conftest import CHROMIUM_ARGS as ARGS

NOTICE_LINES = [
    "关于推进化工园区高质量发展的实施意见",
    "一、总体要求",
    "坚持安全发展，推动化工企业进入合规园区。",
    "二、重点任务",
    "（一）严格项目准入",
    "新建化工项目应当进入认定的化工园区，严禁高污染项目入园。",
    "（二）提升本质安全",
    "园区应当建立安全风险智能化管控平台。",
]


def paths_of(doc) -> set[tuple[str, ...]]:
    return {c.heading_path for c in parse_clauses(doc)}


# ------------------------------------------------------------------ docx

def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    for line in NOTICE_LINES:
        d.add_paragraph(line)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "园区", "定位"
    table.cell(1, 0).text, table.cell(1, 1).text = "仙人岛能源化工区", "高端精细化工"
    d.save(path)
    return path


def test_docx_keeps_paragraphs_and_tables(tmp_path):
    doc = load_document(make_docx(tmp_path / "意见.docx"))
    assert doc.text.splitlines()[:3] == NOTICE_LINES[:3]
    assert "仙人岛能源化工区\t高端精细化工" in doc.text
    assert ("二、重点任务", "（一）严格项目准入") in paths_of(doc)


def test_corrupt_docx_is_refused(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable .docx"):
        load_document(tmp_path / "broken.docx")


# ------------------------------------------------------------------ html

PAGE = """<!DOCTYPE html><html><head><meta charset="gbk">
<title>关于推进化工园区高质量发展的实施意见_营口市人民政府</title>
<script>var tracker = "首页 新闻 政务公开";</script></head>
<body><div class="header"><nav><a>首页</a><a>政务公开</a><a>互动交流</a></nav></div>
<div class="main"><div class="sidebar"><ul><li>相关链接：市政府办公室</li></ul></div>
<div id="zoom" class="TRS_Editor"><h1>关于推进化工园区高质量发展的实施意见</h1>
%s</div></div><footer>版权所有：营口市人民政府 ICP备案</footer></body></html>"""


def test_html_keeps_the_article_and_drops_the_site(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in NOTICE_LINES[1:])
    (tmp_path / "page.html").write_bytes((PAGE % body).encode("gbk"))
    doc = load_document(tmp_path / "page.html")
    assert doc.meta.title == "关于推进化工园区高质量发展的实施意见"
    for noise in ("首页", "政务公开", "版权所有", "tracker", "相关链接"):
        assert noise not in doc.text
    assert "新建化工项目应当进入认定的化工园区，严禁高污染项目入园。" in doc.text
    assert ("二、重点任务", "（二）提升本质安全") in paths_of(doc)


def test_html_keeps_text_beside_blocks_in_its_order(tmp_path):
    """Hand-edited pages put articles straight into the container, between paragraphs and tables."""
    body = ("第一条 为规范化工园区管理，制定本办法。<br>第二条 本办法适用于全市化工园区。"
            "<p>第三条 新建化工项目应当进入认定的化工园区。</p>第四条 园区应当设置<b>应急</b>指挥中心。"
            "<table><tr><td>园区</td><td>仙人岛</td></tr></table>第五条 本办法自发布之日起施行。"
            "<table><tr><td><p>第六条 园区实行封闭管理。</p><p>第七条 园区设立消防站。</p></td></tr></table>"
            "<!-- 编辑：张三 -->")
    (tmp_path / "page.html").write_bytes((PAGE % body).encode("gbk"))
    lines = load_document(tmp_path / "page.html").text.splitlines()
    expected = ["第一条 为规范化工园区管理，制定本办法。", "第二条 本办法适用于全市化工园区。",
                "第三条 新建化工项目应当进入认定的化工园区。", "第四条 园区应当设置应急指挥中心。", "园区 仙人岛",
                "第五条 本办法自发布之日起施行。", "第六条 园区实行封闭管理。", "第七条 园区设立消防站。"]
    assert [line for line in lines if line in expected] == expected
    assert not any("编辑" in line for line in lines)


def test_html_without_body_text_is_refused(tmp_path):
    (tmp_path / "empty.html").write_text("<html><body><nav>首页</nav><p>  </p></body></html>", encoding="utf-8")
    with pytest.raises(InputError):
        load_document(tmp_path / "empty.html")


# ------------------------------------------------------------------ pdf (made by Chromium)

@pytest.fixture(scope="module")
def pdf_maker():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium): it prints the test PDFs")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()

        def make(html: str, path: Path) -> Path:
            page.set_content(html)
            path.write_bytes(page.pdf(format="A5"))
            return path

        yield make
        browser.close()


def notice_html() -> str:
    # Long paragraphs in a narrow page: the PDF breaks them across lines, the loader joins them.
    long = "新建化工项目应当进入认定的化工园区，" * 6 + "严禁高污染项目入园。"
    lines = NOTICE_LINES[:5] + [long] + NOTICE_LINES[6:]
    return "<html><body style='font-size:14px'>" + "".join(f"<p>{x}</p>" for x in lines) + "</body></html>"


def test_born_digital_pdf_reads_as_paragraphs(pdf_maker, tmp_path):
    doc = load_document(pdf_maker(notice_html(), tmp_path / "意见.pdf"))
    assert "新建化工项目应当进入认定的化工园区，" * 6 + "严禁高污染项目入园。" in doc.text.replace(" ", "")
    assert ("二、重点任务", "（一）严格项目准入") in paths_of(doc)


def test_encrypted_scanned_and_corrupt_pdfs_are_refused_with_reasons(pdf_maker, tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = pdf_maker(notice_html(), tmp_path / "plain.pdf")
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    (tmp_path / "locked.pdf").write_bytes(buf.getvalue())
    # An image and nothing else: what a scanner produces.
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    pdf_maker(f"<html><body><img src='data:image/png;base64,{pixel}' width=400 height=600></body></html>",
              tmp_path / "scan.pdf")
    (tmp_path / "torn.pdf").write_bytes(plain.read_bytes()[:300])
    docs, skipped = load_corpus([tmp_path])
    assert [d.path for d in docs] == [str(plain.resolve())]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert "encrypted" in reasons["locked.pdf"]
    assert "no text layer" in reasons["scan.pdf"]
    assert "not a readable PDF" in reasons["torn.pdf"] or "no text layer" in reasons["torn.pdf"]


def test_html_prefers_the_article_to_a_longer_block_of_links(tmp_path):
    links = "".join(f"<li><a href='/{i}'>营口市人民政府关于第{i}项工作的通知链接标题</a></li>" for i in range(30))
    page = (f"<html><head><title>实施意见</title></head><body><form><div class='content'><ul>{links}</ul></div>"
            "<div id='zoom'>" + "".join(f"<p>{x}</p>" for x in NOTICE_LINES) + "</div></form></body></html>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "page.html")
    assert "严禁高污染项目入园" in doc.text and "链接标题" not in doc.text


def test_pdf_first_line_of_a_numbered_paragraph_is_not_a_heading():
    page = "\n".join([
        "二、重点任务",
        "（一）开展入园项目评估，探索建立退出机制",  # a heading, though it has a comma
        "对现有入园项目开展综合评估，评估结果作为用地、用能",
        "和排放指标分配的依据。",
        "三、新建化工项目应当进入认定的化工园区并且严格",  # full width: the page broke it
        "符合园区产业定位。",
        "四、园区应当建立安全风险智能化管控平台，",  # ends at a comma
        "实现信息共享。",
        "第五条 新建、改建、扩建危险化学品生产装置应当",
        "进行安全条件审查。",
        "  7  ",
    ])
    assert unwrap_page(page).splitlines() == [
        "二、重点任务", "（一）开展入园项目评估，探索建立退出机制",
        "对现有入园项目开展综合评估，评估结果作为用地、用能和排放指标分配的依据。",
        "三、新建化工项目应当进入认定的化工园区并且严格符合园区产业定位。",
        "四、园区应当建立安全风险智能化管控平台，实现信息共享。",
        "第五条 新建、改建、扩建危险化学品生产装置应当进行安全条件审查。"]
