"""CSV downloads: streamed from the database, opened right by Excel, never run as formulas.

A model export reads one snapshot on a connection of its own (:func:`stream_rows`):
only the primary keys stream (a server-side cursor), rows are loaded in batches, so
memory stays flat however large the export, and saves made meanwhile go through.
The report CSVs stream one statement each, which is a snapshot by itself.
"""
from __future__ import annotations

import csv
from typing import Any, Generator, Iterable, Iterator

import sqlalchemy as sa
from flask import Response, current_app, stream_with_context
from werkzeug.utils import secure_filename

# Cells starting with these run as formulas in Excel/LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def neutralise_cell(value: Any) -> str:
    """Text for one CSV cell that a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool) -> Iterator[str]:
    """Yield a CSV document line by line (the rows are consumed lazily)."""
    writer = csv.writer(_Echo())
    yield (UTF8_BOM if bom else "") + writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise_cell(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]], *, counter: Any = None) -> Response:
    """A streamed CSV download; ``counter`` (an audit ExportCounter) is finished
    when the response closes, also when the user leaves before the last row."""
    bom = current_app.config["EKTP_ADMIN_CSV_BOM"]
    response = Response(
        stream_with_context(csv_stream(header, rows, bom=bom)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={secure_filename(filename)}",
            "Cache-Control": "no-store",
        },
    )
    if counter is not None:
        response.call_on_close(counter.finish)
    return response


def stream_rows(session: Any, query: Any, model: Any, size: int = 1000) -> Generator[Any, None, None]:
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
    missed, never doubled). Close the generator to end the transaction.
    """
    from sqlalchemy.orm import Session

    from ..engines import snapshot

    mapper = model.__mapper__
    pk = mapper.primary_key[0]
    column = getattr(model, mapper.get_property_by_column(pk).key)
    keys_query = query.with_entities(column)
    bind = session.get_bind(mapper=mapper)
    if not isinstance(bind, sa.Engine):  # a session bound to one connection (a host's test setup): keys first
        keys = [row[0] for row in keys_query]
        for start in range(0, len(keys), size):
            yield from _load_batch(query, column, keys[start:start + size])
        return
    with snapshot(bind) as conn:
        reader = Session(bind=conn, autoflush=False)
        try:
            rows_query = query.with_session(reader)
            if bind.dialect.name in ("mysql", "mariadb"):
                with bind.connect() as keys_conn:
                    yield from _batches(keys_conn, keys_query, rows_query, column, size)
            else:
                yield from _batches(conn, keys_query, rows_query, column, size)
        finally:
            reader.close()


def _batches(conn: sa.Connection, keys_query: Any, rows_query: Any, column: Any, size: int) -> Iterator[Any]:
    result = conn.execution_options(stream_results=True, max_row_buffer=size).execute(keys_query.statement)
    try:
        for chunk in result.partitions(size):
            yield from _load_batch(rows_query, column, [row[0] for row in chunk])
    finally:
        result.close()


def _load_batch(query: Any, column: Any, keys: list[Any]) -> Iterator[Any]:
    # An item is the model, or a row whose first element is (a query with add_columns).
    found = {}
    for item in query.filter(column.in_(keys)).order_by(None):
        entity = item if hasattr(item, "__table__") else item[0]
        found[getattr(entity, column.key)] = item
    for key in keys:
        if key in found:  # a row deleted meanwhile is skipped
            yield found[key]


