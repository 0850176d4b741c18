"""Document administration: uploads stored by hash and indexed, bad files and names refused with
nothing kept, deletions leaving the index, the password checked."""

import pytest

from assistant.errors import InputError
from ui.admin import AdminDesk
from ui.service import PolicyService

NOTICE = "滨海市应急管理局关于加强危险化学品仓储安全的通知\n一、总体要求\n危险化学品仓库应当设置泄漏报警装置。\n"


@pytest.fixture
def desk(mini_settings, e5, tmp_path):
    service = PolicyService(mini_settings.with_(admin_password="s3cret", uploads_dir=tmp_path / "uploads"), e5)
    service.build()
    yield AdminDesk(service)
    service.close()


def test_password(desk):
    assert desk.check_password("s3cret") and not desk.check_password("S3cret") and not desk.check_password("")


def test_upload_is_stored_by_hash_indexed_and_deletable(desk):
    report = desk.upload("通知.txt", NOTICE.encode("utf-8"), {"level": "municipal", "issuer": ""})
    title = "滨海市应急管理局关于加强危险化学品仓储安全的通知"
    assert report.added == [title] and report.embedded >= 1 and report.reused >= 1  # only the new text embedded
    stored = [p.name for p in desk.folder.iterdir() if p.suffix == ".txt"]
    assert len(stored) == 1 and len(stored[0]) == 64 + 4  # sha256 + .txt, never the sent name
    hits = desk.service.search("泄漏报警装置").hits
    assert hits[0].doc_title == title
    assert desk.service.document(title).issuer == "滨海市应急管理局"  # read from the title
    with pytest.raises(InputError, match="uploaded before"):
        desk.upload("again.txt", NOTICE.encode("utf-8"), {})
    report = desk.delete(title)
    assert report.deleted == [title] and not any(p.suffix == ".txt" for p in desk.folder.iterdir())
    assert all(h.doc_title != title for h in desk.service.search("泄漏报警装置").hits)
    with pytest.raises(InputError, match="not an uploaded document"):
        desk.delete("滨海市化工产业发展规划")  # corpus documents are managed on disk


@pytest.mark.parametrize("name, data, message", [
    ("../../etc/passwd.txt", b"x", "refused file name"),
    ("sub/dir.txt", "内容。".encode(), "refused file name"),
    (".hidden.txt", "内容。".encode(), "refused file name"),
    ("slides.pptx", b"PK\x03\x04", "unsupported file type"),
    ("empty.txt", b"", "empty"),
    ("binary.txt", b"\x00\x01\x02" * 100, "binary"),
    ("broken.docx", b"PK\x03\x04 nope", "not a readable .docx"),
])
def test_bad_uploads_are_refused_and_nothing_is_kept(desk, name, data, message):
    before = desk.service.documents()
    with pytest.raises(InputError, match=message):
        desk.upload(name, data, {})
    assert desk.service.documents() == before
    assert not desk.folder.exists() or not [p for p in desk.folder.iterdir() if p.name != "manifest.toml"]
    assert desk.uploads() == []


def test_a_title_already_indexed_is_refused(desk):
    with pytest.raises(InputError, match="already indexed"):
        desk.upload("plan.txt", "另一份规划的内容。\n".encode(), {"title": "滨海市化工产业发展规划"})


def test_odd_characters_in_fields_keep_the_manifest_valid(desk):
    desk.upload("通知.txt", NOTICE.encode("utf-8"), {"issuer": 'A "quoted" \\ back\rslash\x0c\x7f'})
    assert desk.uploads()[0].fields["issuer"] == 'A "quoted" \\ back\rslash\x0c\x7f'


def test_the_same_text_in_another_format_is_refused_and_not_kept(desk, tmp_path):
    import docx

    desk.upload("通知.txt", NOTICE.encode("utf-8"), {})
    d = docx.Document()
    for line in NOTICE.splitlines():
        d.add_paragraph(line)
    path = tmp_path / "通知.docx"
    d.save(path)
    with pytest.raises(InputError, match="already indexed|same text"):
        desk.upload("通知.docx", path.read_bytes(), {})
    assert [u.original_name for u in desk.uploads()] == ["通知.txt"]


def test_no_upload_while_the_index_is_being_built(desk):
    assert desk.service.build_state.claim()
    try:
        with pytest.raises(InputError, match="being built"):
            desk.upload("通知.txt", NOTICE.encode("utf-8"), {})
    finally:
        desk.service.build_state.release()
    assert desk.uploads() == []
