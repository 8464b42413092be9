"""Reading population files as offices produce them: CSV or XLSX, row by row.

- **CSV** in UTF-8 (with or without BOM) or Windows-1252 (what Excel writes on
  an Indonesian Windows), comma, semicolon (Excel in the Indonesian locale) or
  tab delimited, quoted fields (with delimiters and line breaks inside), an
  optional Excel ``sep=;`` first line.
- **XLSX** through openpyxl's read-only (streaming) reader: the workbook is
  never loaded whole. The first sheet is read.
- The closing line of the plugin's own CSV downloads ("# selesai: 1.288.630
  baris") is skipped when it is the file's last record, so an export imports back.

:func:`inspect_file` reads the bytes once (SHA-256, encoding, line count for
the progress bar); :func:`open_table` then yields ``(line, cells)`` one row at a
time, so memory does not grow with the file. Column names are matched with
:func:`map_columns`. Problems with the file as a whole are :class:`FileProblem`
(translatable messages); problems of single rows are for :mod:`.rows`.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..domain.messages import N_, Message
from .vocabulary import fold

CHUNK = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(1 << 20)


class FileProblem(Exception):
    """The file as a whole cannot be imported (wrong format, missing columns...)."""

    def __init__(self, *messages: Message) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(str(m) for m in messages))


class Label(str):
    """A msgid passed as a message parameter: translated where the message is shown."""

    @property
    def label(self) -> str:
        return str(self)


@dataclass
class FileFacts:
    """What one pass over the bytes tells about a file."""

    path: str
    format: str  # "csv" or "xlsx"
    size: int
    sha256: str
    encoding: str | None = None  # csv: utf-8-sig, utf-8, cp1252 or latin-1
    delimiter: str | None = None  # csv
    lines: int | None = None  # physical lines (csv) or rows (xlsx): the progress bar's total

    @property
    def description(self) -> str:
        if self.format == "xlsx":
            return "XLSX"
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        return f"CSV, {self.encoding}, {names.get(self.delimiter or ',', self.delimiter)}"


def inspect_file(path: str, progress: Callable[[int, int], None] | None = None) -> FileFacts:
    """Hash the file, tell CSV from XLSX, and for CSV find its encoding and delimiter.

    One pass in 1 MB chunks: memory stays flat. The encoding is UTF-8 when every
    byte decodes as UTF-8 (a BOM says ``utf-8-sig``), else Windows-1252 (or
    Latin-1 for the five bytes Windows-1252 leaves undefined).
    """
    size = os.path.getsize(path)
    if size == 0:
        raise FileProblem(Message("file_empty", N_("The file is empty.")))
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    is_utf8 = is_cp1252 = True
    lines = 0
    last = b""
    done = 0
    with open(path, "rb") as fh:
        head = fh.read(8)
        fh.seek(0)
        if head.startswith(XLS_MAGIC):
            raise FileProblem(Message("file_xls", N_(
                "This is an old Excel file (.xls): open it in Excel or LibreOffice, save it as .xlsx or CSV "
                "and upload it again.")))
        is_xlsx = head.startswith(XLSX_MAGIC)
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            done += len(chunk)
            if not is_xlsx:
                if done == len(chunk) and b"\x00" in chunk[:4096]:
                    raise FileProblem(Message("file_binary", N_(
                        "This file is neither CSV nor XLSX: save it from the spreadsheet as CSV or XLSX.")))
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                if is_utf8:
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        is_utf8 = False
                if not is_utf8 and is_cp1252:
                    try:
                        cp1252.decode(chunk)
                    except UnicodeDecodeError:
                        is_cp1252 = False
            if progress is not None:
                progress(done, size)
    if is_xlsx:
        facts = FileFacts(path, "xlsx", size, digest.hexdigest())
        facts.lines = _xlsx_rows(path)
        return facts
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if last and last != b"\n":
        lines += 1
    encoding = ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8") if is_utf8 else (
        "cp1252" if is_cp1252 else "latin-1")
    facts = FileFacts(path, "csv", size, digest.hexdigest(), encoding=encoding, lines=lines)
    facts.delimiter = _sniff_delimiter(path, encoding)
    return facts


def _sniff_delimiter(path: str, encoding: str) -> str:
    """The delimiter of the header line: the one found most often outside quotes."""
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
        explicit = _excel_sep(first)
        if explicit:
            return explicit
        while first and not first.strip():
            first = fh.readline()
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _excel_sep(line: str) -> str | None:
    """Excel's ``sep=;`` first line names the delimiter."""
    text = line.strip().lstrip("\ufeff")
    if len(text) == 5 and text.lower().startswith("sep="):
        return text[4]
    return None


def _xlsx_rows(path: str) -> int | None:
    try:
        workbook = _load_workbook(path)
    except FileProblem:
        raise
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        return sheet.max_row if sheet is not None else None
    finally:
        workbook.close()


def _load_workbook(path: str) -> Any:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise FileProblem(Message("file_xlsx_reader", N_(
            "XLSX files cannot be read here (openpyxl is not installed): save the sheet as CSV."))) from None
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a zip that is no workbook, a damaged file
        raise FileProblem(Message("file_xlsx_broken", N_("The XLSX file cannot be read: %(detail)s"),
                                  {"detail": f"{type(exc).__name__}: {exc}"[:200]})) from None


# ---------------------------------------------------------------------- rows


@dataclass
class Table:
    """A file opened for reading: its header and, lazily, its rows."""

    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[Any]]] = field(repr=False)


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


#: The last line of the plugin's CSV downloads, in either language ("# selesai:
#: 1.288.630 baris", "# complete: 1,288,630 rows"): not a row of data.
_TRAILER = re.compile(r"#\s*[^\d:]{1,40}:\s*\d[\d.,\u00a0 ]*\s*[^\d\s]{1,20}")


def is_trailer(cells: list[Any]) -> bool:
    """Is this record an export's closing line (a first cell like "# selesai: 12 baris",
    every other cell empty, as Excel leaves it after a save)?"""
    return bool(cells) and isinstance(cells[0], str) and bool(_TRAILER.fullmatch(cells[0].strip())) \
        and _blank(cells[1:])


def _without_trailer(records: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """``records`` less an export's trailer, when it is the last record (one row held back)."""
    held = None
    for record in records:
        if held is not None:
            yield held
        held = record
    if held is not None and not is_trailer(held[1]):
        yield held


@contextmanager
def open_table(facts: FileFacts) -> Iterator[Table]:
    """The header and the rows of a file: ``(line number, cells)``, blank rows skipped.

    The line number is the file's own (the line where the row starts in a CSV,
    the row number in a sheet), so a clerk finds the row in the spreadsheet.
    """
    if facts.format == "xlsx":
        with _xlsx_table(facts) as table:
            yield table
    else:
        with _csv_table(facts) as table:
            yield table


@contextmanager
def _csv_table(facts: FileFacts) -> Iterator[Table]:
    with open(facts.path, encoding=facts.encoding or "utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=facts.delimiter or ",")

        def records() -> Iterator[tuple[int, list[str]]]:
            previous = 0
            try:
                for cells in reader:
                    start, previous = previous + 1, reader.line_num
                    if cells and (cells[0].strip() or not _blank(cells)):
                        yield start, cells
            except csv.Error as exc:
                raise FileProblem(Message("file_csv_broken", N_("Line %(line)s cannot be read as CSV: %(detail)s"),
                                          {"line": reader.line_num, "detail": str(exc)})) from None

        rows = _without_trailer(records())
        header_line, header = _header(rows)
        if header_line == 1 and _excel_sep((facts.delimiter or ",").join(header)):
            header_line, header = _header(rows)  # Excel's "sep=;" line names the delimiter, not a column
        if header:
            header[0] = header[0].lstrip("\ufeff")
        yield Table([str(h or "").strip() for h in header], header_line, rows)


def _header(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[Any]]:
    for line, cells in rows:
        return line, list(cells)
    raise FileProblem(Message("file_no_header", N_("The file has no header row (the column names).")))


@contextmanager
def _xlsx_table(facts: FileFacts) -> Iterator[Table]:
    workbook = _load_workbook(facts.path)
    try:
        if not workbook.worksheets:
            raise FileProblem(Message("file_no_header", N_("The file has no header row (the column names).")))
        sheet = workbook.worksheets[0]

        def records() -> Iterator[tuple[int, list[Any]]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(values)
                if cells and not _blank(cells):
                    yield number, cells

        rows = _without_trailer(records())
        header_line, header = _header(rows)
        while header and header[-1] is None:
            header.pop()
        yield Table([_header_text(h) for h in header], header_line, rows)
    finally:
        workbook.close()


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------------- columns


@dataclass
class Columns:
    """Which cell holds which field, and which columns the import does not use."""

    index: dict[str, int]
    names: dict[str, str]  # field -> the column's name as the file writes it
    unused: list[str]

    def has(self, name: str) -> bool:
        return name in self.index


def map_columns(header: list[str], names: dict[str, str], required: list[tuple[str, ...]],
                labels: dict[str, str]) -> Columns:
    """Match the header's column names (any order, either language) to fields.

    ``names``: folded column name -> field (:func:`.vocabulary.column_names`);
    ``required``: groups of fields of which at least one must be present;
    ``labels``: field -> msgid naming it in a message. A field named by two
    columns, or a missing required one, is a :class:`FileProblem`.
    """
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    unused: list[str] = []
    problems: list[Message] = []
    for position, raw in enumerate(header):
        name = str(raw or "").strip()
        field_name = names.get(fold(name))
        if field_name is None:
            if name:
                unused.append(name)
            continue
        if field_name in index:
            problems.append(Message("column_twice", N_("The columns %(first)s and %(second)s both hold %(field)s."),
                                    {"first": shown[field_name], "second": name,
                                     "field": Label(labels.get(field_name, field_name))}))
            continue
        index[field_name] = position
        shown[field_name] = name
    for group in required:
        if not any(f in index for f in group):
            problems.append(Message("column_missing", N_("The file has no column %(field)s."),
                                    {"field": Label(labels.get(group[0], group[0]))}))
    if problems:
        raise FileProblem(*problems)
    return Columns(index, shown, unused)
