"""XLSX downloads with openpyxl's write-only (constant-memory) workbook.

Rows go straight into a temporary file as they come (memory stays flat at
1.29 M rows); the finished file is then sent in chunks. Dates are real dates
(shown dd-mm-yyyy), numbers are numbers, and text is always text: a cell that
starts with ``=`` is never a formula, control characters Excel refuses are
dropped. A second sheet names how many rows the first holds.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from typing import Any, Iterable, Iterator

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from werkzeug.utils import secure_filename

from ..domain.messages import N_
from ..formatting import local_moment
from ..i18n import gettext
from .csv_export import trailer_text

#: The second sheet's name; its one row repeats the CSV's trailer and the count.
COMPLETE_SHEET = N_("Complete")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def _cell(sheet: Any, value: Any) -> Any:
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        return WriteOnlyCell(sheet, value=str(value))
    if isinstance(value, (int, float, Decimal)):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.datetime):
        # Excel keeps no zone: the office's wall clock, as the screens show it.
        cell = WriteOnlyCell(sheet, value=local_moment(value).replace(tzinfo=None))
        cell.number_format = "DD-MM-YYYY HH:MM:SS"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD-MM-YYYY"
        return cell
    if isinstance(value, dt.time):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "HH:MM"
        return cell
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # text, never a formula (openpyxl reads "=..." as one)
    return cell


def xlsx_chunks(header: list[str], rows: Iterable[Iterable[Any]], sheet_name: str = "Data") -> Iterator[bytes]:
    """Build the workbook from ``rows`` (consumed lazily), then yield its bytes."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_name[:31] or "Data")
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = _cell(sheet, text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
        count += 1
    # The closing sheet names how many rows the data sheet holds, as the CSV's last
    # line does (a workbook cut off on the way does not open at all).
    closing = book.create_sheet(title=gettext(COMPLETE_SHEET)[:31])
    closing.append([_cell(closing, trailer_text(count)), _cell(closing, count)])
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]], *, counter: Any = None,
                  sheet_name: str = "Data") -> Response:
    """An XLSX download; ``counter`` (an audit ExportCounter) is finished when the
    response closes, also when the user leaves early."""
    response = Response(
        stream_with_context(xlsx_chunks(header, rows, sheet_name)),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f"attachment; filename={secure_filename(filename)}",
            "Cache-Control": "no-store",
        },
    )
    if counter is not None:
        response.call_on_close(counter.finish)
    return response
