"""Document administration from the web page: upload a policy text with its metadata, or delete
one uploaded earlier; both re-index incrementally (only the new text is embedded).

Uploads are kept in `uploads_dir` under their content hash (`<sha256>.pdf`), never under the
name the browser sent, and described in that folder's `manifest.toml`, which the loader reads
like any other corpus manifest. The folder is an ingest source like `corpus/`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import tempfile
import threading
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from assistant.types import Level
from indexing.loading import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, read_source
from ui.service import PolicyService

MANIFEST = "manifest.toml"
FIELDS = ("title", "level", "issuer", "date", "doc_type", "doc_number")
# A browser sends a bare file name; anything else is a trick or a mistake.
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,200}$")


@dataclass(frozen=True)
class Upload:
    file: str  # <sha256>.<suffix> inside uploads_dir
    original_name: str
    fields: dict[str, str]

    @property
    def title(self) -> str:
        return self.fields.get("title", "")


class AdminDesk:
    def __init__(self, service: PolicyService) -> None:
        self.service = service
        self.settings = service.settings
        self.folder = self.settings.uploads_dir
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.admin_password)

    def check_password(self, password: str) -> bool:
        if not self.enabled:
            return False
        return hmac.compare_digest((password or "").encode(), self.settings.admin_password.encode())

    # ------------------------------------------------------------------ uploads

    def uploads(self) -> list[Upload]:
        path = self.folder / MANIFEST
        if not path.exists():
            return []
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); fix or remove it") from None
        return [Upload(d["file"], d.get("original_name", ""), {k: str(d[k]) for k in FIELDS if d.get(k)})
                for d in data.get("document", [])]

    def upload(self, name: str, data: bytes, fields: dict[str, str]):
        """Store one file under its hash, describe it in the manifest, and re-index. Nothing is
        kept when the file cannot be read."""
        name = (name or "").strip()
        if not _SAFE_NAME.match(name) or name in (".", "..") or name.startswith(".") or ".." in Path(name).parts:
            raise InputError(f"refused file name {name!r}: give a plain file name, no folders")
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise InputError(f"{name}: unsupported file type {suffix or '(none)'}; supported: "
                             f"{', '.join(SUPPORTED_SUFFIXES)}")
        if not data:
            raise InputError(f"{name}: the file is empty")
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{name}: {len(data) / 1e6:.1f} MB is over the {MAX_FILE_BYTES // 1_000_000} MB limit")
        fields = {k: v.strip() for k, v in fields.items() if k in FIELDS and v and v.strip()}
        if fields.get("level"):
            try:
                Level.parse(fields["level"])
            except ValueError as exc:
                raise InputError(str(exc)) from None
        stored = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        with self._claimed():
            uploads = self.uploads()
            if any(u.file == stored for u in uploads):
                raise InputError(f"{name}: this file was uploaded before (as {self._named(uploads, stored)})")
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / stored
            target.write_bytes(data)
            try:
                _, found = read_source(target)  # refuse what the loader would skip, with its reason
                title = fields.get("title") or found or Path(name).stem
                if title in self.service_titles():
                    raise InputError(f"{name}: a document titled {title!r} is already indexed; give another title")
                self._write_manifest([*uploads, Upload(stored, name, {**fields, "title": title})])
                report = self.service.reindex([self.folder], claimed=True)
                if title not in report.added:  # skipped by the loader: a duplicate text, say
                    why = next((s.reason for s in report.skipped if s.path.startswith(str(target))), "")
                    raise InputError(f"{name}: not indexed" + (f": {why}" if why else ""))
                return report
            except Exception as exc:  # not indexed: not kept either
                self._write_manifest(uploads)
                target.unlink(missing_ok=True)
                if isinstance(exc, InputError):
                    raise InputError(str(exc).replace(str(target), name)) from None
                raise

    def delete(self, title: str):
        with self._claimed():
            uploads = self.uploads()
            keep = [u for u in uploads if u.title != title]
            if len(keep) == len(uploads):
                raise InputError(f"{title!r} is not an uploaded document (documents in corpus/ or added "
                                 "folders are managed on disk)")
            gone = [self.folder / u.file for u in uploads if u.title == title]
            kept = {p: p.read_bytes() for p in gone if p.exists()}
            self._write_manifest(keep)
            for p in gone:
                p.unlink(missing_ok=True)
            try:
                return self.service.reindex([self.folder], claimed=True)
            except Exception:  # still indexed: put its files and entry back
                for p, data in kept.items():
                    p.write_bytes(data)
                self._write_manifest(uploads)
                raise

    @contextmanager
    def _claimed(self):
        """One change at a time, and none while the index is being built: the build slot is
        claimed before anything on disk changes."""
        with self._lock:
            if not self.service.build_state.claim():
                raise InputError("the index is being built; try again when it has finished")
            try:
                yield
            finally:
                self.service.build_state.release()

    def service_titles(self) -> set[str]:
        return {d.title for d in self.service.documents()} if self.service.ready else set()

    @staticmethod
    def _named(uploads: list[Upload], stored: str) -> str:
        u = next(u for u in uploads if u.file == stored)
        return f"{u.original_name!r}, titled {u.title!r}"

    def _write_manifest(self, uploads: list[Upload]) -> None:
        lines = ["# Documents uploaded through the web page (written by the page; edit with care).", ""]
        for u in uploads:
            lines.append("[[document]]")
            lines.append(f"file = {_toml(u.file)}")
            lines.append(f"original_name = {_toml(u.original_name)}")
            lines += [f"{k} = {_toml(u.fields[k])}" for k in FIELDS if u.fields.get(k)]
            lines.append("")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".manifest-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.replace(tmp, self.folder / MANIFEST)


def _toml(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL, which JSON leaves, is escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
