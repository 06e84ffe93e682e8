"""What may be attached is judged on the bytes."""
import io
import struct
import zipfile
from pathlib import Path

from widget.uploads import (MAX_IMAGE_PIXELS, content_problem, detect_content_type, display_name,
                            image_pixels)

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
