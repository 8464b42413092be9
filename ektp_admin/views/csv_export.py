"""CSV downloads: streamed from the database, opened right by Excel, never run as formulas.

A model export reads one snapshot on a connection of its own (:func:`stream_rows`):
only the primary keys stream (a server-side cursor), rows are loaded in batches, so
memory stays flat however large the export, and saves made meanwhile go through.
The report CSVs stream one statement each, which is a snapshot by itself.
"""
from __future__ import annotations

import datetime as dt
import re
import weakref
from decimal import Decimal
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from flask import Response, current_app, has_request_context, request, stream_with_context
from werkzeug.utils import secure_filename

from ..domain.messages import N_
from ..formatting import fmt_day, fmt_moment, fmt_num, fmt_time
from ..i18n import gettext

#: A spreadsheet starts a formula at a cell beginning with one of these.
FORMULA_STARTS = "=+-@"
#: A cell beginning with a tab or a line break is neutralised as a whole, as always.
CONTROL_STARTS = ("\t", "\r", "\n")
#: Where a spreadsheet may cut a cell: this file's comma, the semicolon of an
#: Indonesian-locale Excel (its list separator), a tab (the import wizard), a line break.
SEPARATORS = re.compile(r"([,;\t\r\n])")
#: What a spreadsheet skips before it looks at a cell's first character.
_LEAD = re.compile(r'[\s"]*')
#: A plain negative number ("-5", "-2.5"): shown as the number, never a formula.
_NEGATIVE_NUMBER = re.compile(r"\s*-\d+(\.\d+)?\s*")
#: A cell holding one of these is quoted, so no locale's Excel splits it.
_QUOTE_WHEN = re.compile(r'[,;\t\r\n"]')
UTF8_BOM = "\ufeff"


def _starts_formula(part: str) -> bool:
    first = part[_LEAD.match(part).end():][:1]  # type: ignore[union-attr]
    return bool(first) and first in FORMULA_STARTS and not _NEGATIVE_NUMBER.fullmatch(part)


def neutralise_cell(value: Any) -> str:
    """Text for one CSV cell that a spreadsheet shows and never evaluates.

    Numbers pass as they are (a number is never a formula). Text is cut at every
    separator a spreadsheet might split the cell at; each piece that would begin a
    formula (after spaces and quotes) gets a ``'`` in front, so whichever piece
    ends up as a cell of its own, it is text: ``x;=HYPERLINK(...)`` becomes
    ``x;'=HYPERLINK(...)``, a phone ``+62...`` reads ``'+62...``, ``-5`` stays.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return fmt_moment(value, seconds=True)
    if isinstance(value, dt.date):
        return fmt_day(value)  # 21-09-2016, as clerks write dates
    if isinstance(value, dt.time):
        return fmt_time(value)
    pieces = SEPARATORS.split(str(value))
    for index in range(0, len(pieces), 2):  # even: text between separators
        if _starts_formula(pieces[index]):
            pieces[index] = "'" + pieces[index]
    text = "".join(pieces)
    if text.startswith(CONTROL_STARTS):
        text = "'" + text
    return text


def quote_cell(cell: str) -> str:
    """A cell that holds a separator of any locale, a line break or a quote, quoted
    (quotes doubled); any other as it is."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _QUOTE_WHEN.search(cell) else cell


def csv_line(cells: Iterable[str], delimiter: str = ",") -> str:
    """One CSV record (cells quoted where needed); records end with CRLF."""
    return delimiter.join(quote_cell(c) for c in cells) + "\r\n"


#: The last line of every CSV download: "# selesai: 1.288.630 baris". A file cut
#: off on the way (a worker killed, a network drop) lacks it, so it never looks
#: complete; the import (ektp_admin.population.reading) skips it.
TRAILER = N_("# complete: %(rows)s rows")
#: Lines sent per chunk: one write to the socket per chunk, not per row.
LINES_PER_CHUNK = 500


def trailer_text(count: int) -> str:
    """"# selesai: 1.288.630 baris": ``count`` rows, in the user's language."""
    return gettext(TRAILER, rows=fmt_num(count))


def trailer_line(count: int, delimiter: str = ",") -> str:
    """The closing record of a download of ``count`` rows."""
    return csv_line([trailer_text(count)], delimiter)


def csv_stream(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool,
               delimiter: str = ",") -> Iterator[str]:
    """Yield a CSV document in chunks of lines (the rows are consumed lazily), closed by
    the trailer line naming how many rows it holds."""
    yield (UTF8_BOM if bom else "") + csv_line((neutralise_cell(h) for h in header), delimiter)
    count = 0
    lines: list[str] = []
    for row in rows:
        lines.append(csv_line((neutralise_cell(v) for v in row), delimiter))
        if len(lines) >= LINES_PER_CHUNK:
            count += len(lines)
            yield "".join(lines)
            lines = []
    count += len(lines)
    yield "".join(lines) + trailer_line(count, delimiter)


def csv_batches(header: list[str], batches: Iterable[list[Any]], write: Any, *, bom: bool,
                delimiter: str = ",", counter: Any = None) -> Iterator[str]:
    """The fast path's CSV: ``write(row)`` (:func:`.export_columns.compile_row`) makes
    each line of a batch of selected rows; one chunk per batch; the trailer last."""
    yield (UTF8_BOM if bom else "") + csv_line((neutralise_cell(h) for h in header), delimiter)
    count = 0
    for batch in batches:
        count += len(batch)
        if counter is not None:
            counter.count += len(batch)
        yield "\r\n".join(map(write, batch)) + "\r\n" if batch else ""
    yield trailer_line(count, delimiter)


#: ``?delimiter=`` of an export link: the comma, or Excel's in an Indonesian locale
DELIMITERS = {"comma": ",", "semicolon": ";"}


def chosen_delimiter() -> str:
    """The delimiter the export link asks for, else ``EKTP_ADMIN_CSV_DELIMITER``."""
    asked = request.args.get("delimiter", "") if has_request_context() else ""
    return DELIMITERS.get(asked) or current_app.config["EKTP_ADMIN_CSV_DELIMITER"]


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]], *, counter: Any = None,
                 body: Iterator[str] | None = None) -> Response:
    """A streamed CSV download; ``counter`` (an audit ExportCounter) is finished
    when the response closes, also when the user leaves before the last row.
    ``body`` (:func:`csv_batches`) replaces the per-row stream of ``rows``."""
    bom = current_app.config["EKTP_ADMIN_CSV_BOM"]
    if body is None:
        body = csv_stream(header, rows, bom=bom, delimiter=chosen_delimiter())
    response = Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={secure_filename(filename)}",
            "Cache-Control": "no-store",
        },
    )
    if counter is not None:
        response.call_on_close(counter.finish)
    return response


class KeyStream:
    """The rows of an export, streamed: the key query has run when this exists.

    Iterating loads the rows batch by batch; :meth:`close` releases the
    server-side cursor, the snapshot and their connections (safe to call twice,
    and also when iteration never started).
    """

    def __init__(self, batches: Iterator[Any], close: Any = None) -> None:
        self._batches = batches
        self._close = close

    def __iter__(self) -> "KeyStream":
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def close(self) -> None:
        close, self._close = self._close, None
        self._batches.close()  # type: ignore[attr-defined]
        if close is not None:
            close()


def stream_rows(session: Any, query: Any, model: Any, size: int = 1000) -> KeyStream:
    """Every row of ``query``, in its order, as one snapshot, holding at most ``size``
    rows in memory.

    The export reads on a connection of its own, in one read-only transaction
    (:func:`ektp_admin.engines.snapshot`): rows saved while it streams neither
    appear half-way nor change what it sends, and on SQLite in WAL mode those saves
    are not held up. Only the primary keys stream (a server-side cursor); each
    batch of rows is then loaded through a session on the same snapshot, so a row's
    formatter may run queries of its own. MariaDB refuses a query on a connection
    with an unbuffered result open: there the keys stream on a second connection,
    opened just after the snapshot began (a row saved in between is skipped or
    missed, never doubled).

    The key query runs here, before the answer starts: a query the database
    refuses (a crafted filter) fails as an error of the request, not as a file
    cut off after its header that the browser saves as complete. Close the
    stream to end the transaction.
    """
    from contextlib import ExitStack

    from sqlalchemy.orm import Session

    from ..engines import snapshot

    mapper = model.__mapper__
    pk = mapper.primary_key[0]
    column = getattr(model, mapper.get_property_by_column(pk).key)
    keys_query = query.with_entities(column)
    bind = session.get_bind(mapper=mapper)
    if not isinstance(bind, sa.Engine):  # a session bound to one connection (a host's test setup): keys first
        keys = [row[0] for row in keys_query]
        return KeyStream(row for start in range(0, len(keys), size)
                         for row in _load_batch(query, column, keys[start:start + size]))
    held = ExitStack()
    try:
        conn = held.enter_context(snapshot(bind))
        reader = Session(bind=conn, autoflush=False)
        held.callback(reader.close)
        rows_query = query.with_session(reader)
        keys_conn = held.enter_context(bind.connect()) if bind.dialect.name in ("mysql", "mariadb") else conn
        result = keys_conn.execution_options(stream_results=True, max_row_buffer=size).execute(keys_query.statement)
        held.callback(result.close)  # the server-side cursor, also when the export stops early
    except Exception:
        held.close()
        raise
    batches = (row for chunk in result.partitions(size)
               for row in _load_batch(rows_query, column, [r[0] for r in chunk]))
    stream = KeyStream(batches, held.close)
    # A server closes the response (and so the stream); should a caller never do
    # so, the snapshot's connections still go back to the pool, not to the GC.
    weakref.finalize(stream, held.close)
    return stream


def _load_batch(query: Any, column: Any, keys: list[Any]) -> Iterator[Any]:
    # An item is the model, or a row whose first element is (a query with add_columns).
    found = {}
    for item in query.filter(column.in_(keys)).order_by(None):
        entity = item if hasattr(item, "__table__") else item[0]
        found[getattr(entity, column.key)] = item
    for key in keys:
        if key in found:  # a row deleted meanwhile is skipped
            yield found[key]




class TupleStream:
    """The selected rows of a fast export, in batches (lists of tuples), on one snapshot.

    ``names`` holds the code -> name tables the columns asked for, read on the same
    snapshot before the rows. :meth:`close` ends the cursor and the snapshot (safe
    twice, and when iteration never started).
    """

    def __init__(self, batches: Iterator[list[Any]], names: dict[Any, dict[Any, str]], close: Any = None) -> None:
        self._batches = batches
        self.names = names
        self._close = close

    def __iter__(self) -> "TupleStream":
        return self

    def __next__(self) -> list[Any]:
        return next(self._batches)

    def close(self) -> None:
        close, self._close = self._close, None
        self._batches.close()  # type: ignore[attr-defined]
        if close is not None:
            close()


def stream_tuples(session: Any, statement: Any, model: Any, lookups: list[Any], size: int = 2000) -> TupleStream:
    """Every row of ``statement`` (a Core SELECT of exactly the exported columns,
    through the reach clause), as one snapshot, ``size`` rows a batch.

    One read-only transaction on a connection of its own
    (:func:`ektp_admin.engines.snapshot`), as :func:`stream_rows`: saves made while it
    streams neither appear half-way nor are held up. The region names of ``lookups``
    are read first, then the rows stream through one server-side cursor (a single
    statement, so MariaDB needs no second connection). The statement runs here, before
    the answer starts: a query the database refuses fails the request, not a file cut
    off after its header.
    """
    from contextlib import ExitStack

    from ..engines import snapshot
    from ..queries.exports import code_names

    bind = session.get_bind(mapper=model.__mapper__)
    held = ExitStack()
    try:
        if isinstance(bind, sa.Engine):
            conn = held.enter_context(snapshot(bind))
        else:  # a session bound to one connection (a host's test setup): read on it
            conn = session.connection()
        names = {model_: code_names(conn, model_) for model_ in lookups}
        result = conn.execution_options(stream_results=True, max_row_buffer=size).execute(statement)
        held.callback(result.close)
    except Exception:
        held.close()
        raise
    stream = TupleStream(result.partitions(size), names, held.close)  # type: ignore[arg-type]
    weakref.finalize(stream, held.close)
    return stream
