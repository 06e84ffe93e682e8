"""Uploaded files: what a person may attach, judged on content, and where the bytes are kept."""
from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import filetype
from flask_babel import lazy_gettext as _l

from widget.config import setting
from widget.file_stores import FileStore, LocalFileStore, S3FileStore, s3_client
from widget.local_numbers import list_of, local_number

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
# The kinds an administrator may allow, in the order the pages list them.
KINDS = tuple(ALLOWED_TYPES.values())
# The extensions each kind is known by: a download keeps one of them, or gets the first.
EXTENSIONS = {"pdf": ("pdf",), "jpg": ("jpg", "jpeg", "jpe", "jfif"), "png": ("png",),
              "webp": ("webp",), "heic": ("heic", "heif"), "docx": ("docx",), "xlsx": ("xlsx",),
              "odt": ("odt",), "ods": ("ods",), "txt": ("txt", "text")}
# How people know each kind; plain text is a phrase, the rest are format names.
KIND_NAMES = {"pdf": "PDF", "jpg": "JPEG", "png": "PNG", "webp": "WebP", "heic": "HEIC",
              "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "odt": "OpenDocument (.odt)",
              "ods": "OpenDocument (.ods)", "txt": _l("plain text")}
# Office documents are zip archives: what they may unpack to. A "zip bomb" declares gigabytes
# in a few kilobytes; the central directory says so before anything is unpacked.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 5000
MAX_PACKING_RATIO = 100           # judged only past SMALL_UNPACKED: tiny files pack well
SMALL_UNPACKED = 10 * 1024 * 1024
ARCHIVE_KINDS = {"docx", "xlsx", "odt", "ods"}
# Images: a "pixel flood" declares e.g. 50000 x 50000 pixels in a few bytes, which whoever
# opens it (staff's viewer, a thumbnailer) would have to hold in memory. 40 megapixels is more
# than any phone camera takes.
MAX_IMAGE_PIXELS = 40_000_000
MEGABYTE = 1024 * 1024
# What the app-wide body ceiling (MAX_CONTENT_LENGTH) leaves beside the files for text fields.
FORM_ALLOWANCE = MEGABYTE


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_files: int
    max_total_bytes: int
    # The kinds (values of ALLOWED_TYPES) accepted; all of them unless narrowed.
    types: frozenset = field(default_factory=lambda: frozenset(KINDS))

    @property
    def type_names(self) -> list:
        """The accepted kinds as people know them, in the usual order."""
        return [KIND_NAMES[kind] for kind in KINDS if kind in self.types]


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


# Markup anywhere in a text: a tag a browser would act on (the HTML sniffing signatures of the
# WHATWG MIME Sniffing standard, SVG/XML and the elements that run or load things), a comment,
# an XML declaration. "a < b", "<3" and "<lan@example.org>" stay plain text.
MARKUP = re.compile(
    r"</?(?:!doctype|html|head|body|script|iframe|frame|frameset|object|embed|applet|svg|"
    r"math|xml|xsl|style|link|meta|base|form|input|button|img|image|video|audio|source|"
    r"template|title|table|div|span|font|h[1-6]|a|b|p|br|use|foreignobject|animate|set|"
    r"handler|[a-z]+:[a-z]+)(?=[\s/>]|\Z)|<!--|<\?xml|<!\[cdata\[", re.I)


def detect_content_type(data: bytes) -> str | None:
    """The allowed MIME type the bytes really are, or None."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    return "text/plain" if _looks_like_text(data) else None


def _looks_like_text(data: bytes) -> bool:
    # Plain text is UTF-8, a byte-order mark allowed. UTF-16 and UTF-32 (marked or not) never
    # pass: their ASCII is half NUL bytes, and their marks (FF FE, FE FF) are never UTF-8.
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    # Markup would be dangerous if ever served inline or opened from a download: it is not
    # plain text for our purposes, wherever in the file it stands.
    head = text.lstrip(" \t\r\n\f\v\ufeff").lower()
    return not (head.startswith(("<", "%!", "{\\rtf")) or MARKUP.search(text))


def display_name(filename: str) -> str:
    """A file name safe to show and to offer for download: no path, no controls, bounded."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip(" .")
    return name[:200] or "file"


def download_name(filename: str, content_type: str) -> str:
    """The name a file is downloaded under: the person's name, cleaned, ending in the extension
    of the type its bytes are (scan.html holding a JPEG is scan.jpg), never one that a desktop
    would open as a page or a program."""
    # Characters Windows refuses in names would be replaced by the browser anyway; doing it here
    # keeps "x.html::$DATA" from being anything but a name.
    name = re.sub(r'[<>:"/\\|?*]', "_", display_name(filename)).strip(" .") or "file"
    kind = ALLOWED_TYPES.get(content_type)
    if kind is None:
        return name  # not a type of ours (an export): its caller named it
    stem, dot, suffix = name.rpartition(".")
    if dot and stem:
        if suffix.lower() in EXTENSIONS[kind]:
            return name
        if re.fullmatch(r"[A-Za-z0-9]{1,10}", suffix):
            name = stem.rstrip(" .") or "file"  # an extension that lies is dropped
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix.lower() in EXTENSIONS[kind]:
        return name  # "scan.jpg.html" is scan.jpg
    return f"{name[:190]}.{EXTENSIONS[kind][0]}"


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
        if ALLOWED_TYPES[content_type] not in limits.types:
            errors[incoming.field_key] = _l(
                "“%(name)s” is a kind of file this form does not accept. It accepts: %(kinds)s.",
                name=display_name(incoming.filename),
                kinds=list_of(limits.type_names))
            continue
        problem = content_problem(incoming.data, ALLOWED_TYPES[content_type])
        if problem is not None:
            errors[incoming.field_key] = _l(
                "“%(name)s” cannot be accepted: %(problem)s", name=display_name(incoming.filename),
                problem=problem)
            continue
        checked.append(CheckedFile(incoming.field_key,
                                   download_name(incoming.filename, content_type),
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


def content_problem(data: bytes, kind: str):
    """Why a file of an accepted kind is still dangerous to keep (a translated reason), or None:
    an archive that unpacks to far more than it weighs, an image of absurd dimensions."""
    if kind in ARCHIVE_KINDS:
        return _archive_problem(data)
    pixels = image_pixels(data, kind)
    if pixels is None and kind in ("png", "jpg", "webp", "heic"):
        # Its header says no size: no viewer could show it, whatever else it holds.
        return _l("the image is damaged.")
    if pixels is not None and pixels > MAX_IMAGE_PIXELS:
        return _l("the image is too large (more than %(count)d megapixels).",
                  count=MAX_IMAGE_PIXELS // 1_000_000)
    return None


def _archive_problem(data: bytes):
    # Only the central directory is read: nothing is unpacked.
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return _l("the document is damaged.")
    unpacked = sum(member.file_size for member in members)
    if (len(members) > MAX_ARCHIVE_MEMBERS or unpacked > MAX_UNPACKED_BYTES
            or (unpacked > SMALL_UNPACKED and unpacked > MAX_PACKING_RATIO * len(data))):
        return _l("the document unpacks to far more than it weighs, as only a trap would.")
    return None


def image_pixels(data: bytes, kind: str) -> int | None:
    """The pixel count an image's header declares (PNG, JPEG, WebP, HEIC), or None when
    unknown."""
    try:
        if kind == "png" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width * height
        if kind == "jpg":
            return _jpeg_pixels(data)
        if kind == "webp":
            return _webp_pixels(data)
        if kind == "heic":
            return _heic_pixels(data)
    except struct.error:
        return None
    return None


# JPEG start-of-frame markers (baseline, progressive, ...): not DHT (C4), JPG (C8), DAC (CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# A marker: any number of 0xFF fill bytes, then the marker's own byte. The regular expression
# skips the fill bytes in C: a file of ten million 0xFF is one step, not ten million.
_JPEG_MARKER = re.compile(rb"\xff++([^\xff])")
# Segments before the frame header: a camera's JPEG has a dozen (APPn, DQT, DHT...); a file of
# millions of empty ones is not a photo, and walking them would cost a Python step each.
MAX_JPEG_SEGMENTS = 500


def _jpeg_pixels(data: bytes) -> int | None:
    position = 2
    for _ in range(MAX_JPEG_SEGMENTS):
        found = _JPEG_MARKER.match(data, position)
        if found is None:
            return None
        marker, position = found[1][0], found.start(1) - 1  # position: the last 0xFF
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        if marker == 0x00 or position + 4 > len(data):
            return None  # 0xFF 0x00 is a byte of image data, never a marker
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width * height
        position += 2 + length
    return None


def _webp_pixels(data: bytes) -> int | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width * height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return ((bits & 0x3FFF) + 1) * (((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return (width & 0x3FFF) * (height & 0x3FFF)
    return None


def _heic_pixels(data: bytes) -> int | None:
    """The largest size an HEIC declares: each image item (the picture, its tiles, its
    thumbnail) has an 'ispe' property (width, height) in meta/iprp/ipco, mandatory in HEIF."""
    sizes = [struct.unpack(">II", data[start + 4:start + 12])  # after the FullBox header
             for start, end in _boxes_along(data, 0, len(data), (b"meta", b"iprp", b"ipco", b"ispe"))
             if end - start >= 12]
    return max((width * height for width, height in sizes), default=None)


def _boxes_along(data: bytes, start: int, end: int, path: tuple[bytes, ...]):
    """(start, end) of the contents of every ISO media box at the end of `path`, each box
    inside the one before it."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        header = 8
        if size == 1:  # a 64-bit size follows
            size, header = struct.unpack(">Q", data[position + 8:position + 16])[0], 16
        elif size == 0:  # up to the end of the enclosing box
            size = end - position
        if size < header or position + size > end:
            return  # a box that does not fit: nothing after it can be trusted
        if kind == path[0]:
            inner = position + header + (4 if kind == b"meta" else 0)  # meta is a FullBox
            if len(path) == 1:
                yield position + header, position + size
            else:
                yield from _boxes_along(data, inner, position + size, path[1:])
        position += size


def megabytes(size: int) -> str:
    """A byte count as megabytes for people, in the page's digits: 10485760 -> "10" ("۱۰")."""
    return local_number(Decimal(f"{size / (1024 * 1024):g}"))


def configured_limits() -> UploadLimits:
    """The limits on attached files the running app is configured with."""
    return UploadLimits(setting("UPLOAD_MAX_FILE_BYTES"), setting("UPLOAD_MAX_FILES"),
                        setting("UPLOAD_MAX_TOTAL_BYTES"))


def ceiling_mb() -> int:
    """The most megabytes a limit may allow: what the app-wide body ceiling (MAX_CONTENT_LENGTH,
    checked before a body is read) leaves for files. A higher limit could never be reached."""
    from flask import current_app
    return max(1, (current_app.config["MAX_CONTENT_LENGTH"] - FORM_ALLOWANCE) // MEGABYTE)


def effective_limits(org_limits: dict | None, form_limits: dict | None,
                     defaults: UploadLimits, ceiling: int | None = None) -> UploadLimits:
    """The limits a form's uploads get: the organisation's (a missing key: the deployment's
    default), narrowed by the form's, never above the ceiling in MB."""
    org_limits, form_limits = org_limits or {}, form_limits or {}

    def narrowest(key: str, default: int, scale: int) -> int:
        value = org_limits[key] * scale if isinstance(org_limits.get(key), int) else default
        if isinstance(form_limits.get(key), int):
            value = min(value, form_limits[key] * scale)
        return min(value, ceiling * scale) if ceiling and scale == MEGABYTE else value

    types = frozenset(org_limits["types"]) if isinstance(org_limits.get("types"), (list, tuple)) \
        else defaults.types
    if isinstance(form_limits.get("types"), (list, tuple)):
        types &= frozenset(form_limits["types"])
    return UploadLimits(narrowest("max_file_mb", defaults.max_file_bytes, MEGABYTE),
                        narrowest("max_files", defaults.max_files, 1),
                        narrowest("max_total_mb", defaults.max_total_bytes, MEGABYTE),
                        types & frozenset(KINDS))


def form_limits(organization, form) -> UploadLimits:
    """The effective upload limits of a form in the running app (its organisation's, narrowed)."""
    return effective_limits(organization.upload_limits, form.upload_limits if form else None,
                            configured_limits(), ceiling_mb())


def configured_store() -> FileStore:
    """Where the running app keeps attached files and logos: the bucket FRONTDESK_S3_BUCKET of
    an S3-compatible store when one is set, else the folder FRONTDESK_UPLOAD_DIR."""
    if setting("S3_BUCKET"):
        client = s3_client(setting("S3_ENDPOINT_URL"), setting("S3_REGION"),
                           setting("S3_TIMEOUT"), setting("S3_MAX_ATTEMPTS"))
        return S3FileStore(client, setting("S3_BUCKET"), setting("S3_PREFIX"))
    return LocalFileStore(setting("UPLOAD_DIR"))
