import re
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.types import Level
from indexing.loading import MAX_FILE_BYTES, decode, load_corpus, read_text
from tests.conftest import NATIONAL

TEXT = "第一条 排污许可证有效期为五年。\n"


def test_gb18030_gbk_utf16_and_bom_are_detected(tmp_path):
    for name, data in {
        "gbk.txt": TEXT.encode("gbk"),
        "gb18030.txt": TEXT.encode("gb18030"),
        "utf16.txt": TEXT.encode("utf-16"),
        "bom.txt": b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        "utf8.txt": TEXT.encode("utf-8"),
    }.items():
        (tmp_path / name).write_bytes(data)
        assert read_text(tmp_path / name) == TEXT, name


def test_windows_line_ends_become_newlines(tmp_path):
    (tmp_path / "crlf.txt").write_bytes(TEXT.replace("\n", "\r\n").encode())
    assert read_text(tmp_path / "crlf.txt") == TEXT


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n ", "empty"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    ("slides.pptx", b"PK\x03\x04", "unsupported file type .pptx"),
    ("noise.txt", bytes(range(128, 256)) * 4, "not valid UTF-8"),
])
def test_bad_files_get_a_clear_error(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_text(tmp_path / name)


def test_huge_files_are_refused(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputError, match="limit"):
        read_text(big)


def test_decode_rejects_nul_bytes():
    with pytest.raises(InputError, match="binary"):
        decode(b"abc\x00def", "x")


def test_manifest_gives_metadata_and_markdown_gives_titles(mini_corpus):
    docs, skipped = load_corpus([mini_corpus])
    assert skipped == []
    by_title = {d.meta.title: d.meta for d in docs}
    assert by_title["滨海市化工产业发展规划"].level is Level.MUNICIPAL
    assert by_title["滨海市化工园区管理办法"].issuer == "滨海市人民政府"  # title from `# …`
    assert by_title["滨海市化工园区管理办法"].doc_type == "rule"  # 办法, not 法
    assert by_title["辽滨省化工产业指导意见"].level is Level.PROVINCIAL


def test_bad_files_in_a_folder_are_skipped_and_reported(mini_corpus):
    (mini_corpus / "scan.pdf").write_bytes(b"%PDF")
    (mini_corpus / "empty.txt").write_bytes(b"")
    docs, skipped = load_corpus([mini_corpus])
    assert len(docs) == 3
    assert sorted(s.path.rsplit("/", 1)[1] for s in skipped) == ["empty.txt", "scan.pdf"]


def test_duplicates_are_reported_and_the_rest_loaded(tmp_path):
    (tmp_path / "a.md").write_text("# 同名文件\n内容一。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 同名文件\n内容二。\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("另一份文件。\n", encoding="utf-8")
    (tmp_path / "copy of c.txt").write_text("另一份文件。\n", encoding="utf-8")
    docs, skipped = load_corpus([tmp_path])
    assert [Path(d.path).name for d in docs] == ["a.md", "c.txt"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert "already used by" in reasons["b.md"] and "same text as" in reasons["copy of c.txt"]


def test_unknown_level_in_manifest_is_reported(tmp_path):
    (tmp_path / "a.txt").write_text("内容。\n", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text('[[document]]\nfile = "a.txt"\nlevel = "county"\n', encoding="utf-8")
    docs, skipped = load_corpus([tmp_path])
    assert not docs and "unknown level 'county'" in skipped[0].reason


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_corpus([tmp_path / "nope"])


@pytest.mark.skipif(not NATIONAL.exists(), reason="national texts not available")
def test_national_texts_take_metadata_from_sources_tsv():
    docs, skipped = load_corpus([NATIONAL])
    assert len(docs) == 23 and not skipped
    assert all(d.meta.level is Level.NATIONAL and d.meta.issuer for d in docs)
    law = next(d.meta for d in docs if d.meta.title == "中华人民共和国环境影响评价法")
    assert law.doc_type == "law" and law.date.startswith("2018-12-29")


def test_a_broken_byte_order_mark_is_reported(tmp_path):
    (tmp_path / "odd.txt").write_bytes(b"\xff\xfe" + "排污".encode("utf-16-le") + b"\x00")
    with pytest.raises(InputError, match="byte-order mark"):
        read_text(tmp_path / "odd.txt")


@pytest.mark.parametrize("manifest, message", [
    ('[document]\nfile = "a.txt"\n', r"\[\[document\]\]"),
    ("[[document]\n", "not valid UTF-8 TOML"),
])
def test_a_bad_manifest_is_named_for_each_file(tmp_path, manifest, message):
    (tmp_path / "a.txt").write_text("内容。\n", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(manifest, encoding="utf-8")
    docs, skipped = load_corpus([tmp_path])
    assert not docs and len(skipped) == 1
    assert re.search(message, skipped[0].reason)
