"""An answer letter as a PDF document: the organisation's header, the journal number, the date,
the text, and a QR code with the verification code that opens the public verification page.

fpdf2 embeds a subset of the vendored DejaVu Sans (fonts/, with its licence): it covers
Vietnamese, Cyrillic and Persian letters, so every language prints with one embedded font and
nothing depends on the reader's fonts. HarfBuzz (uharfbuzz) shapes Persian into its joined forms
and fpdf2 lays it out right to left. The renderer takes only plain values (LetterDocument): no
database, no Flask, so the same values give the same document.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import segno
from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"
MARGIN = 20  # millimetres
QR_SIZE = 28


@dataclass(frozen=True)
class LetterDocument:
    """Everything the page prints, already translated and formatted for the person."""
    language: str
    right_to_left: bool
    organisation: str
    unit: str
    journal_line: str       # "Journal number HN-2026-000017"; empty before registration
    date_line: str          # the issue date in the person's calendar
    title: str
    body: str
    verify_url: str         # what the QR code opens
    verify_line: str        # where and with which code to check the letter
    enclosures: tuple[str, ...] = ()
    issued_at: datetime | None = None  # the document's creation date (fixed: same bytes again)


class _LetterPDF(FPDF):
    def __init__(self, document: LetterDocument):
        super().__init__(format="A4")
        self.document = document
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + QR_SIZE)
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        # Shaping joins Persian letters and orders them right to left; it is harmless for the
        # left-to-right scripts and keeps Vietnamese stacked diacritics as the font composes them.
        self.set_text_shaping(True, direction="rtl" if document.right_to_left else "ltr")
        self.set_title(document.title)
        self.set_creator("Frontdesk")
        if document.issued_at is not None:
            self.set_creation_date(document.issued_at.astimezone(timezone.utc))

    def footer(self):
        """The verification QR code and its line at the foot of every page."""
        document = self.document
        top = self.h - MARGIN - QR_SIZE + 4
        qr = io.BytesIO()
        segno.make(document.verify_url, error="m").save(qr, kind="png", scale=4, border=0)
        qr.seek(0)
        qr_x = MARGIN if document.right_to_left else self.w - MARGIN - QR_SIZE + 4
        self.image(qr, x=qr_x, y=top, w=QR_SIZE - 4, h=QR_SIZE - 4)
        text_x = MARGIN + QR_SIZE if document.right_to_left else MARGIN
        self.set_xy(text_x, top)
        self.set_font(FAMILY, "", 8)
        self.multi_cell(self.w - 2 * MARGIN - QR_SIZE, 4, document.verify_line,
                        align=self._align())

    def _align(self) -> str:
        return "R" if self.document.right_to_left else "L"


def render_letter(document: LetterDocument) -> bytes:
    """The letter as PDF bytes."""
    pdf = _LetterPDF(document)
    pdf.add_page()
    align, width = pdf._align(), pdf.epw
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(width, 7, document.organisation, align=align, new_x="LMARGIN", new_y="NEXT")
    if document.unit:
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(width, 6, document.unit, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 10)
    for line in (document.journal_line, document.date_line):
        pdf.multi_cell(width, 5, line, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(width, 7, document.title, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 11)
    for paragraph in document.body.split("\n"):
        # An empty line keeps its height; multi_cell would print nothing for it.
        pdf.multi_cell(width, 6, paragraph or " ", align=align, new_x="LMARGIN", new_y="NEXT")
    if document.enclosures:
        pdf.ln(4)
        pdf.set_font(FAMILY, "", 9)
        for line in document.enclosures:
            pdf.multi_cell(width, 5, line, align=align, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
