"""What may be attached is judged on the bytes."""
import io
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from widget.uploads import (MAX_IMAGE_PIXELS, content_problem, detect_content_type, display_name,
                            download_name, image_pixels)

# A 64 x 48 photo as libheif (pillow-heif 0.x) writes it: its coded image is 64 x 64.
REAL_HEIC = (Path(__file__).parent / "files" / "photo.heic").read_bytes()


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml", "<doc/>")
    return buffer.getvalue()


def test_documents_and_images_are_recognised():
    assert detect_content_type(b"%PDF-1.7\n...") == "application/pdf"
    assert detect_content_type(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image/jpeg"
    assert detect_content_type("Xin chào, đây là ghi chú.\n".encode()) == "text/plain"
    assert detect_content_type(_office("word")).endswith("wordprocessingml.document")


def test_dangerous_content_is_refused():
    assert detect_content_type(b"MZ\x90\x00" + b"\0" * 60) is None            # Windows program
    assert detect_content_type(b"\x7fELF" + b"\0" * 60) is None               # Linux program
    assert detect_content_type(b"PK\x03\x04" + b"\0" * 60) is None            # a bare zip
    assert detect_content_type(b"<!DOCTYPE html><script>x</script>") is None  # markup
    assert detect_content_type(b"\xff\xfe\x00bad") is None                    # not UTF-8


def test_display_names_lose_paths_and_controls():
    assert display_name("C:\\Users\\me\\scan.pdf") == "scan.pdf"
    assert display_name("../../../etc/passwd") == "passwd"
    assert display_name("a\u202egpj.exe") == "agpj.exe"
    assert display_name("...") == "file"
    assert display_name("Đơn đề nghị.pdf") == "Đơn đề nghị.pdf"
    assert len(display_name("x" * 500 + ".pdf")) == 200


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def heic(*sizes: tuple[int, int]) -> bytes:
    """An HEIC's skeleton: its brand, and an 'ispe' property per image item."""
    properties = b"".join(box(b"ispe", b"\0" * 4 + struct.pack(">II", *size)) for size in sizes)
    meta = box(b"meta", b"\0" * 4 + box(b"hdlr", b"\0" * 24)
                + box(b"iprp", box(b"ipco", properties)))
    return box(b"ftyp", b"heic\0\0\0\0mif1heic") + meta + box(b"mdat", b"\0" * 64)


def test_an_heic_photo_is_measured_by_its_declared_size():
    assert detect_content_type(REAL_HEIC) == "image/heic"
    assert image_pixels(REAL_HEIC, "heic") == 64 * 64 and content_problem(REAL_HEIC, "heic") is None
    # A phone's 12-megapixel photo with its thumbnail passes; the largest item counts.
    assert image_pixels(heic((320, 240), (4032, 3024)), "heic") == 4032 * 3024
    assert content_problem(heic((320, 240), (4032, 3024)), "heic") is None


def test_an_heic_pixel_flood_or_one_without_a_size_is_refused():
    flood = heic((320, 240), (60000, 60000))
    assert len(flood) < 300 and image_pixels(flood, "heic") > MAX_IMAGE_PIXELS
    assert "too large" in str(content_problem(flood, "heic"))
    no_size = box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"mdat", b"\0" * 64)
    assert "damaged" in str(content_problem(no_size, "heic"))
    lying_box = heic((100, 100)) + struct.pack(">I4s", 2 ** 31, b"meta") + heic((60000, 60000))
    assert image_pixels(lying_box, "heic") == 100 * 100  # a box past the end is not read


# --- text is text only without markup, anywhere (issue 16, security 3) ---------------------------

@pytest.mark.parametrize("text", [
    "Ghi chú: a < b, b > c, <3, and Lan <lan@example.org> wrote <https://x.example/>.\n",
    "\ufeffA note saved by Notepad, with its byte-order mark.\n",
    "if x<y and y>z: print('<done>')\n" * 200])
def test_plain_text_that_mentions_angle_brackets_is_still_text(text):
    assert detect_content_type(text.encode()) == "text/plain"


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf<html><script>alert(1)</script>",
    b"\xef\xbb\xbf\xef\xbb\xbf  \n<svg onload=alert(1)>",
    b"notes " * 200 + b"<script>alert(1)</script>",
    b"notes\n" * 200_000 + b"<iframe src=x>",
    b"notes <IMG SRC=x onerror=alert(1)>", b"notes </script >", b"notes <x:script>alert(1)",
    b"notes <!-- -->", b"notes <?xml version='1.0'?>", b"notes <html",
    "\ufeff<html>".encode("utf-16-le"), "\ufeff<html>".encode("utf-16-be"),
    "\ufeff<html>".encode("utf-32-le"), "\ufeff<html>".encode("utf-32-be"),
    "<html>".encode("utf-16-le"), "Notes, then <script>".encode("utf-16")],
    ids=lambda data: repr(data[:12] + b"..." + data[-12:]))
def test_markup_anywhere_and_in_any_encoding_is_not_text(data):
    assert detect_content_type(data) is None


# --- names downloaded end in what the file is ----------------------------------------------------

@pytest.mark.parametrize("given, content_type, served", [
    ("scan.html", "image/jpeg", "scan.jpg"), ("scan.JPEG", "image/jpeg", "scan.JPEG"),
    ("photo.jfif", "image/jpeg", "photo.jfif"), ("a.heif", "image/heic", "a.heif"),
    ("x.HTML.", "image/png", "x.png"), ("x.htm\u202e", "image/png", "x.png"),
    ("x.pdf.exe", "application/pdf", "x.pdf"), ("x.exe.pdf", "application/pdf", "x.exe.pdf"),
    ("x.tar.gz", "application/pdf", "x.tar.pdf"), ("2024 report", "application/pdf",
                                                    "2024 report.pdf"),
    ("x.html::$DATA", "text/plain", "x.html__$DATA.txt"), ('a"b<c>.svg', "text/plain", "a_b_c_.txt"),
    (".html", "image/png", "html.png"), ("", "application/pdf", "file.pdf"),
    ("x" * 500 + ".html", "image/png", "x" * 190 + ".png"),
    ("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "report.xlsx")], ids=repr)
def test_a_download_name_ends_in_the_extension_of_the_type(given, content_type, served):
    assert download_name(given, content_type) == served
    assert download_name(served, content_type) == served


# --- the JPEG size scan runs in C ----------------------------------------------------------------

def python_lines(function, *args, budget: int):
    """Call function(*args) counting the Python lines run (in every module); stop it with an
    AssertionError past the budget, so a per-byte loop fails fast instead of running for
    minutes under the tracer."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count > budget:
                raise AssertionError(f"more than {budget} Python lines")
        return tracer
    sys.settrace(tracer)
    try:
        result = function(*args)
    finally:
        sys.settrace(None)
    return result, count


TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize("data", [
    b"\xff" * TEN_MB, b"\xff\xd8" + b"\xff" * TEN_MB, b"\xff\xd8" + b"\xff\x00" * (TEN_MB // 2),
    b"\xff\xd8" + b"\xff\x01" * (TEN_MB // 2), b"\xff\xd8" + b"\xff\xd0" * (TEN_MB // 2),
    b"\xff\xd8" + b"\xff\xe0\x00\x02" * (TEN_MB // 4)],
    ids=["all 0xFF", "a start marker, then 0xFF", "0xFF 0x00 pairs", "TEM markers",
         "restart markers", "empty segments"])
def test_the_jpeg_size_scan_is_a_few_python_steps_whatever_the_size(data):
    """Ten megabytes made to keep a per-byte (or per-marker) Python loop busy for seconds: the
    scan takes a bounded number of Python steps (its byte work runs in C) and finds no size, so
    the file is refused as damaged."""
    pixels, _ = python_lines(image_pixels, data, "jpg", budget=20_000)
    assert pixels is None
    assert "damaged" in str(content_problem(data, "jpg"))


def test_a_jpeg_with_fill_bytes_and_many_segments_is_still_measured():
    frame = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 3000, 4000) + b"\x03" + b"\0" * 9
    segments = b"".join(b"\xff\xe1" + struct.pack(">H", 2 + 100) + b"\0" * 100 for _ in range(60))
    photo = b"\xff\xd8" + segments + b"\xff" * 50_000 + frame + b"\xff\xd9"
    assert image_pixels(photo, "jpg") == 4000 * 3000
    assert content_problem(photo, "jpg") is None
