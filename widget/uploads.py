"""Uploaded files: what a person may attach, judged on content, and where the bytes are kept."""
from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask_babel import lazy_gettext as _l

from widget.config import setting

# Documents and images only, recognised by their bytes, never by the name a person gave them.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/plain": "txt",
}


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_files: int
    max_total_bytes: int


@dataclass
class IncomingFile:
    """A file from a form post, read into memory (bounded by MAX_CONTENT_LENGTH)."""

    field_key: str
    filename: str
    data: bytes


@dataclass
class CheckedFile:
    field_key: str
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def detect_content_type(data: bytes) -> str | None:
    """The allowed MIME type the bytes really are, or None."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    return "text/plain" if _looks_like_text(data) else None


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Markup would be dangerous if ever served inline: it is not plain text for our purposes.
    head = text[:1024].lstrip().lower()
    return not head.startswith(("<", "%!", "{\\rtf"))


def display_name(filename: str) -> str:
    """A file name safe to show and to offer for download: no path, no controls, bounded."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip(" .")
    return name[:200] or "file"


def check_files(files: list[IncomingFile], limits: UploadLimits, already_count: int = 0,
                already_bytes: int = 0) -> tuple[list[CheckedFile], dict]:
    """Check each file's type and size and the totals; return (accepted files, errors by field)."""
    checked: list[CheckedFile] = []
    errors: dict = {}
    for incoming in files:
        if not incoming.data:
            continue  # an empty file input posts an empty part
        if len(incoming.data) > limits.max_file_bytes:
            errors[incoming.field_key] = _l(
                "“%(name)s” is larger than %(limit)s MB.", name=display_name(incoming.filename),
                limit=megabytes(limits.max_file_bytes))
            continue
        content_type = detect_content_type(incoming.data)
        if content_type is None:
            errors[incoming.field_key] = _l(
                "“%(name)s” is not a file type we accept. Please send a PDF, an image (JPEG, PNG, "
                "WebP, HEIC), a Word, Excel or OpenDocument file, or plain text.",
                name=display_name(incoming.filename))
            continue
        checked.append(CheckedFile(incoming.field_key, display_name(incoming.filename),
                                   content_type, incoming.data))
    if not checked:
        return checked, errors
    if already_count + len(checked) > limits.max_files:
        errors.setdefault(checked[-1].field_key, _l(
            "Please attach at most %(count)d files in all.", count=limits.max_files))
    elif already_bytes + sum(len(f.data) for f in checked) > limits.max_total_bytes:
        errors.setdefault(checked[-1].field_key, _l(
            "All files together may be at most %(limit)s MB.",
            limit=megabytes(limits.max_total_bytes)))
    return checked, errors


def megabytes(size: int) -> str:
    """A byte count as megabytes for people: 10485760 -> "10"."""
    return f"{size / (1024 * 1024):g}"


class LocalFileStore:
    """Files on the local disk, under random names in two levels of folders."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        """Write the bytes durably and return their storage key."""
        key = uuid.uuid4().hex
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        return key

    def read(self, key: str) -> bytes:
        """The bytes stored under a key."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing one is not an error."""
        self._path(key).unlink(missing_ok=True)


def configured_limits() -> UploadLimits:
    """The limits on attached files the running app is configured with."""
    return UploadLimits(setting("UPLOAD_MAX_FILE_BYTES"), setting("UPLOAD_MAX_FILES"),
                        setting("UPLOAD_MAX_TOTAL_BYTES"))


def configured_store() -> LocalFileStore:
    """Where the running app keeps attached files."""
    return LocalFileStore(setting("UPLOAD_DIR"))
