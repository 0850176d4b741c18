"""Reading source files into `Document`s: encodings detected, bad files refused clearly.

Metadata comes from a manifest beside the files (`manifest.toml`, or a `SOURCES.tsv`
like the one shipped with the national texts); what no manifest gives is read from the
file itself (a Markdown `# title`) or its name.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from assistant.types import Document, DocumentMeta, Level
from indexing import formats
from indexing.enterprises import PROFILES_FILE, profile_documents
from indexing.metadata import read_metadata

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
MAX_FILE_BYTES = 20 * 1024 * 1024
MANIFEST_NAMES = ("manifest.toml", "SOURCES.tsv")
# Notes that sit beside corpus files but are not policy texts.
NOT_DOCUMENTS = ("README.MD", "README.TXT", "LICENSE-NOTES.MD", "LICENSE")


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


def decode(data: bytes, path: str) -> str:
    """Decode by evidence, not by guess: BOMs first, then strict UTF-8, then strict GB18030.

    GB18030 is a superset of GBK and GB2312, so it reads files saved by either.
    """
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"{path}: starts with a {codec} byte-order mark but is not valid {codec}; "
                                 "re-save it as UTF-8") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: looks like a binary file (NUL bytes); give a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not valid UTF-8, UTF-16 or GB18030/GBK text; re-save it as UTF-8"
        ) from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        # Random bytes often decode as GB18030; real Chinese text has Han characters.
        raise InputError(f"{path}: undecodable text (no Chinese in its GB18030 reading); re-save it as UTF-8")
    return text


def read_text(path: Path) -> str:
    return read_source(path)[0]


def read_source(path: Path) -> tuple[str, str]:
    """(text, title found in the file) of a supported file; the title is '' when it has none."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)} (convert other formats to text first)"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size / 1e6:.1f} MB is over the {MAX_FILE_BYTES // 1_000_000} MB limit; split it")
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    data = path.read_bytes()
    title = ""
    if suffix == ".docx":
        text = formats.docx_text(data, str(path))
    elif suffix == ".pdf":
        text = formats.pdf_text(data, str(path))
    elif suffix in (".html", ".htm"):
        title, text = formats.html_text(_decode_html(data, str(path)), str(path))
    else:
        text = decode(data, str(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    return text, title or _markdown_title(text) or _text_title(text)


def _decode_html(data: bytes, path: str) -> str:
    """HTML names its charset; Chinese government sites still serve GBK pages."""
    m = re.search(rb"""charset\s*=\s*["']?([\w-]+)""", data[:4096], re.I)
    if m:
        try:
            return data.decode(m.group(1).decode("ascii").lower().replace("gb2312", "gb18030").replace("gbk", "gb18030"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, path)


def _markdown_title(text: str) -> str:
    m = re.match(r"\s*#(?!#)\s*(.+)", text)
    return m.group(1).strip() if m else ""


_TITLE_LINE = re.compile(r"^[\u4e00-\u9fff（）()《》〈〉“”、\d]{6,60}$")
_TITLE_WORDS = re.compile(r"关于|(办法|规定|条例|法|标准|规划|通知|意见|方案|决定|细则|指南|目录|公告|批复)(（[^）]*）)?$")


def _text_title(text: str) -> str:
    """A plain text's first line when it reads as a document title (关于…的通知, …管理办法)."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first if _TITLE_LINE.match(first) and _TITLE_WORDS.search(first) else ""


def _doc_type_from_title(title: str) -> str:
    # Longest suffixes first: 办法 is a rule, not a law, though it ends in 法.
    for suffix, kind in (("办法", "rule"), ("规定", "rule"), ("条例", "regulation"), ("法", "law"),
                         ("标准", "standard"), ("规划", "plan"), ("通知", "notice"), ("意见", "opinion")):
        if re.search(suffix + r"(（[^）]*）)?$", title):
            return kind
    return ""


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Path relative to `folder` → metadata fields, from whichever manifest the folder has."""
    entries: dict[str, dict[str, str]] = {}
    toml_path = folder / "manifest.toml"
    if toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{toml_path}: not valid UTF-8 TOML ({exc})") from exc
        docs = data.get("document", [])
        if not isinstance(docs, list) or not all(isinstance(d, dict) and "file" in d for d in docs):
            raise InputError(f"{toml_path}: write each document as a [[document]] table with a `file` field")
        for doc in docs:
            entries[Path(doc["file"]).as_posix()] = {k: str(v) for k, v in doc.items()}
    tsv_path = folder / "SOURCES.tsv"
    if tsv_path.exists():
        try:
            with tsv_path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{tsv_path}: not UTF-8 ({exc})") from exc
        if rows and "file" not in rows[0]:
            raise InputError(f"{tsv_path}: needs a `file` column (and title, issuer, level, date_or_version)")
        for row in rows:
            source = "/".join(x for x in (row.get("source_repo"), row.get("source_path")) if x)
            entries.setdefault(Path(row["file"]).as_posix(), {
                "title": row.get("title") or "",
                "issuer": row.get("issuer") or "",
                "level": row.get("level") or "",
                "date": row.get("date_or_version") or "",
                "source": source,
            })
    return entries


def load_document(path: Path, fields: dict[str, str] | None = None) -> Document:
    text, found_title = read_source(path)
    fields = fields or {}
    title = fields.get("title") or found_title or path.stem
    try:
        level = Level.parse(fields.get("level"))
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    read = read_metadata(text, title)  # what the text says of itself; the manifest wins
    if level is Level.UNSPECIFIED and read.get("level"):
        level = Level(read["level"])
    meta = DocumentMeta(
        title=title,
        level=level,
        issuer=fields.get("issuer") or read.get("issuer", ""),
        date=fields.get("date") or read.get("date", ""),
        doc_type=fields.get("doc_type") or _doc_type_from_title(title),
        source=fields.get("source", ""),
        doc_number=fields.get("doc_number") or read.get("doc_number", ""),
        effective=fields.get("effective") or read.get("effective", ""),
    )
    return Document(meta=meta, text=text, path=str(path))


def _is_corpus_file(f: Path) -> bool:
    return (f.is_file() and not f.name.startswith(".") and f.name not in MANIFEST_NAMES
            and f.name.upper() not in NOT_DOCUMENTS)


def discover(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(root, file) for every candidate file under the given files and folders, in a stable order."""
    found: dict[Path, Path] = {}  # file → the root it was first found under; overlaps count once
    for p in paths:
        p = p.resolve()
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        files = [f for f in sorted(p.rglob("*")) if _is_corpus_file(f)] if p.is_dir() else [p]
        for f in files:
            found.setdefault(f, p if p.is_dir() else p.parent)
    return [(root, f) for f, root in found.items()]


def load_corpus(paths: list[Path]) -> tuple[list[Document], list[SkippedFile]]:
    """Load everything loadable; files that cannot be read, and duplicates, are reported, not fatal."""
    docs: list[Document] = []
    skipped: list[SkippedFile] = []
    manifests: dict[Path, dict[str, dict[str, str]]] = {}

    def fields_for(path: Path, root: Path) -> dict[str, str] | None:
        # The nearest manifest between the file's folder and the root it was found under.
        folder = path.parent
        while True:
            if folder not in manifests:
                manifests[folder] = read_manifest(folder)
            entry = manifests[folder].get(path.relative_to(folder).as_posix())
            if entry is not None or folder == root or folder == folder.parent:
                return entry
            folder = folder.parent

    for root, path in discover(paths):
        try:
            if path.name == PROFILES_FILE:
                docs.extend(profile_documents(path))
            else:
                docs.append(load_document(path, fields_for(path, root)))
        except InputError as exc:
            skipped.append(SkippedFile(str(path), str(exc)))
        except OSError as exc:  # unreadable: permissions, a vanished file
            skipped.append(SkippedFile(str(path), f"{path}: cannot read it ({exc.strerror or exc})"))
    # Two documents with one title would share chunk ids; the same text twice would answer twice.
    # The first found stays; the other is reported, and the rest of the batch goes on.
    kept: list[Document] = []
    titles: dict[str, str] = {}
    texts: dict[str, str] = {}
    for doc in docs:
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in texts:
            skipped.append(SkippedFile(doc.path, f"{doc.path}: the same text as {texts[digest]}; not indexed twice"))
        elif doc.meta.title in titles:
            skipped.append(SkippedFile(doc.path, f"{doc.path}: its title {doc.meta.title!r} is already used by "
                                                 f"{titles[doc.meta.title]}; give it a distinct title in the "
                                                 "folder's manifest.toml"))
        else:
            titles[doc.meta.title], texts[digest] = doc.path, doc.path
            kept.append(doc)
    return kept, skipped
