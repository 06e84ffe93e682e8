"""Writing rows out as CSV or Excel files piece by piece, so that a file of any length is sent
while it is written and never held in memory whole.

Threat model: a cell holds text a person typed on a public form. A spreadsheet program runs text
that starts with = + - @ (or a tab or carriage return before one) as a formula, which can
fetch URLs or run commands when the file is opened. CSV cells starting so get a leading single
quote (the OWASP advice: Excel and LibreOffice then show the text), except a plain phone number
(+84912345678: a + then digits and spaces, which no program runs); Excel cells are written as
strings, never as formulas, so they need no quote and a phone number stays text.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[0-9][0-9 ]{5,20}[0-9]")
MIN_WIDTH, MAX_WIDTH = 10, 50  # Excel column widths, in characters
BATCH = 500          # rows written to the CSV buffer before a piece is sent
CHUNK = 64 * 1024    # bytes read from the saved Excel file a piece
MOMENT = "%Y-%m-%d %H:%M"
SHEET_TITLE_REFUSED = re.compile(r"[\\/?*\[\]:]")  # characters Excel refuses in a sheet's name

Cell = str | datetime | int | None


def neutralised(text: str) -> str:
    """Text a spreadsheet program shows as text: a leading quote before a formula start (a
    plain international phone number is left as it is: it runs nothing)."""
    if PHONE_NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(MOMENT)
    return neutralised(str(value))


def csv_chunks(header: list[str], rows: Iterable[list[Cell]]) -> Iterator[bytes]:
    """A CSV file in UTF-8 with a byte order mark (so Excel reads every script), in pieces."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralised(title) for title in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_cell(sheet, value: Cell) -> WriteOnlyCell | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    # Excel refuses control characters; a string cell is never read as a formula.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


def xlsx_chunks(header: list[str], rows: Iterable[list[Cell]], sheet_title: str,
                widths: list[float] | None = None) -> Iterator[bytes]:
    """An Excel workbook of one sheet, in pieces: columns as wide as `widths` (else as their
    header), the header row frozen and filtering. openpyxl's write-only mode keeps the rows in
    a temporary file, not in memory; the saved workbook is read back in pieces too."""
    workbook = Workbook(write_only=True)
    title = SHEET_TITLE_REFUSED.sub("", ILLEGAL_CHARACTERS_RE.sub("", sheet_title))[:31]
    sheet = workbook.create_sheet(title or "Sheet")
    # Widths come before the rows in the file, so they are set from what is known up front.
    for number, name in enumerate(header, start=1):
        given = widths[number - 1] if widths and number <= len(widths) else len(name) + 4
        sheet.column_dimensions[get_column_letter(number)].width = \
            min(max(given, len(name) + 4, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, title) for title in header])
    last = 1
    for last, row in enumerate(rows, start=2):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last}"
    with tempfile.TemporaryFile() as saved:
        workbook.save(saved)
        saved.seek(0)
        while piece := saved.read(CHUNK):
            yield piece
