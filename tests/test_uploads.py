"""What may be attached is judged on the bytes."""
import io
import zipfile

from widget.uploads import detect_content_type, display_name


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
