"""Text out of .docx, born-digital .pdf and .html saved from government sites.

Each reader returns plain text with one paragraph a line, the shape the structure parser
expects of a .txt: headings such as 一、 or 第三条 start their own lines. What cannot be read
is an InputError that says why (encrypted, scanned, corrupt), so a batch reports it and goes on.
"""

from __future__ import annotations

import io
import re
import zipfile

from assistant.errors import InputError

# A line of a PDF page that ends without closing punctuation continues on the next line,
# unless the next line starts a heading, an item or an article.
_CLOSES = "。；：！？”）」』】…"
_STARTS_BLOCK = re.compile(r"^\s*(第[一二三四五六七八九十百零〇\d]+[章节条]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|"
                           r"\d+[.、．]|——|[#＃]|图\s*\d)")
_DATE_LINE = re.compile(r"[（(]?\s*(19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]?")  # a signature's date
FULL_LINE = 20  # characters: a page this wide or wider breaks sentences, not headings
MIN_CHARS_PER_PAGE = 20  # less than this per page on average: no text layer (a scan)


def docx_text(data: bytes, path: str) -> str:
    try:
        import docx
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError(f"{path}: reading .docx needs python-docx (pip install python-docx)") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .docx ({type(exc).__name__}: {exc}); re-save it from Word") from None
    except Exception as exc:  # python-docx raises its own types for broken parts
        raise InputError(f"{path}: not a readable .docx ({type(exc).__name__}); re-save it from Word") from None
    lines = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:  # tables after the body text, a row a line
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            lines.append("\t".join(dict.fromkeys(c for c in cells if c)))  # merged cells repeat
    return "\n".join(line for line in lines if line)


def pdf_text(data: bytes, path: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError(f"{path}: reading .pdf needs pypdf (pip install pypdf)") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{path}: the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    chars = sum(len(re.sub(r"\s", "", p)) for p in pages)
    if not pages or chars < MIN_CHARS_PER_PAGE * len(pages):
        raise InputError(f"{path}: the PDF has no text layer (a scanned document?); OCR it or give the text")
    return "\n".join(unwrap_page(p) for p in pages)


def unwrap_page(page: str) -> str:
    """Join the lines a PDF broke for width back into paragraphs."""
    lines = [line for line in (raw.strip() for raw in page.splitlines())
             if line and not re.fullmatch(r"[-—\s]*\d+[-—\s]*", line)]  # blank lines and page numbers
    # The page's line width, from its body lines: the upper quartile of line lengths (paragraphs'
    # last lines are short, and the widest line may be a heading), on a page with enough lines.
    width = sorted(map(len, lines))[3 * len(lines) // 4] if len(lines) >= 5 else 0
    out: list[str] = []
    for line in lines:
        if out and not out[-1].endswith(tuple(_CLOSES)) and not _STARTS_BLOCK.match(line) \
                and not _is_heading(out[-1], width) and not _DATE_LINE.fullmatch(line):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def _is_heading(line: str, width: int) -> bool:
    """A short numbered line of its own: "二、重点任务", "第一章 总则", "（一）开展入园项目评估，探索
    建立低效企业退出机制". The first line of a numbered paragraph that the page broke runs to the
    page's full width or ends at a comma ("三、新建化工项目应当进入认定的化工园区，"): it continues on
    the next line."""
    start = _STARTS_BLOCK.match(line)
    return bool(start) and len(line) <= 40 and not line.endswith(tuple(_CLOSES)) \
        and not line.endswith(("，", "；")) and not (width >= FULL_LINE and len(line) >= 0.9 * width)


# Containers that government sites put the article body in.
_BODY_HINTS = re.compile(r"(^|[-_ ])(content|article|zoom|TRS_Editor|main|detail|text|con|zw|bt_content)"
                         r"([-_ ]|$)", re.I)
_DROP = ("script", "style", "nav", "header", "footer", "aside", "noscript", "iframe", "button", "select")


def html_text(raw: str, path: str) -> tuple[str, str]:
    """(title, body text) of a page saved from a government site: the article, not the menus."""
    try:
        from bs4 import BeautifulSoup
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError(f"{path}: reading .html needs beautifulsoup4 (pip install beautifulsoup4)") from None
    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(_DROP):
        tag.decompose()
    for form in soup("form"):  # ASP.NET pages wrap the whole body in one
        form.unwrap()
    body = _article(soup)
    if body is None:
        raise InputError(f"{path}: no text in the page")
    for br in body.find_all("br"):
        br.replace_with("\n")
    lines = _block_lines(body)
    h1 = body.find(["h1", "h2"])
    heading = h1.get_text(strip=True) if h1 else ""
    text = "\n".join(lines)
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise InputError(f"{path}: the page has no Chinese text in its body")
    return heading or _site_title(title), text


_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tbody", "thead",
           "section", "article", "blockquote", "pre", "dl", "dt", "dd", "center")


def _block_lines(element) -> list[str]:
    """The lines of an element in document order: each block its own lines, and text that sits
    directly in a container beside its blocks (`<div>第一条……<p>…</p>第二条……</div>`, common on
    hand-edited pages) kept where it stands, not dropped."""
    from bs4 import CData, NavigableString, Tag

    lines: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = re.sub(r"[ \t\u3000\xa0]+", " ", "".join(inline))
        inline.clear()
        lines.extend(t.strip() for t in text.split("\n") if t.strip())

    for child in element.children:
        if isinstance(child, Tag) and child.name == "tr" and not child.find(_BLOCKS):  # a row a line, cells apart
            flush()
            inline.append(child.get_text(" "))
            flush()
        elif isinstance(child, Tag) and (child.name in _BLOCKS or child.find(_BLOCKS)):
            flush()
            lines += _block_lines(child)
        elif isinstance(child, Tag):
            inline.append(child.get_text(""))
        elif type(child) in (NavigableString, CData):  # not comments or doctypes
            inline.append(str(child))
    flush()
    return lines


def _article(soup):
    """The element holding the article: a container named like one, else the one with the most
    text in paragraphs."""
    candidates = [el for el in soup.find_all(["div", "article", "section", "td"])
                  if _BODY_HINTS.search(" ".join([el.get("id") or "", *(el.get("class") or [])]))]
    # A block of links ("相关文章", a menu) is not the article, however long.
    candidates = [el for el in candidates if len(el.get_text(strip=True)) >= 50 and not _mostly_links(el)] or \
        soup.find_all(["article", "main"]) or [soup.body or soup]
    sizes = {id(el): len(el.get_text(strip=True)) for el in candidates}
    most = max(sizes.values(), default=0)
    if not most:
        return None
    # The innermost container that still holds most of the text: the article without the
    # "related links" column that an outer wrapper also holds.
    return min((el for el in candidates if sizes[id(el)] >= 0.6 * most), key=lambda el: sizes[id(el)])


def _mostly_links(el) -> bool:
    text = len(el.get_text(strip=True))
    linked = sum(len(a.get_text(strip=True)) for a in el.find_all("a"))
    return bool(text) and linked / text > 0.5


def _site_title(title: str) -> str:
    """'关于…的通知_营口市人民政府' → '关于…的通知'."""
    return re.split(r"[_|｜-]\s*[^_|｜-]*(政府|网|门户|部|厅|局)[^_|｜-]*$", title)[0].strip()
