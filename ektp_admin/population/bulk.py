"""Many rows through one statement, at the driver's own speed.

SQLAlchemy's ``conn.execute(stmt, [dict, ...])`` builds and type-processes
every parameter set in Python: at a million rows that costs more than the
database's own work. :class:`BulkStatement` compiles a Core statement once for
the connection's dialect, keeps each parameter's bind processor (dates as ISO
text on SQLite, booleans as 0/1...), and hands the driver plain tuples (or
dicts, for named paramstyles) through ``exec_driver_sql``: the same SQL and the
same stored values, without the per-row overhead.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Sequence

import sqlalchemy as sa

#: values worth remembering the processed form of (dates repeat a lot; so do flags)
_MEMO_TYPES = (dt.date, bool, str)


class BulkStatement:
    """A Core INSERT or UPDATE compiled once, run with ``executemany`` on many rows.

    ``keys``: the parameter names each row supplies (for an INSERT, the columns).
    """

    def __init__(self, conn: sa.Connection, statement: Any, keys: Sequence[str]) -> None:
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        if self.positional:
            names = list(compiled.positiontup or ())
        else:
            names = list(compiled.binds)
        self.names = names
        processors: list[tuple[str, Callable[[Any], Any] | None]] = []
        #: values written into the statement itself (the 1 of ``version + 1``)
        self.constants: dict[str, Any] = {}
        for name in names:
            bind = compiled.binds[name]
            processor = bind.type._cached_bind_processor(dialect)
            if name not in keys:
                if bind.required or bind.callable is not None:
                    raise ValueError(f"the statement needs the parameter {name!r} that the rows do not give")
                value = bind.value
                self.constants[name] = processor(value) if processor is not None and value is not None else value
                continue
            processors.append((name, processor))
        self.processors = processors
        self.conn = conn

    def rows(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        columns: list[list[Any]] = []
        given = dict(self.processors)
        for name in self.names:
            if name not in given:
                columns.append([self.constants[name]] * len(rows))
                continue
            processor = given[name]
            values = [row[name] for row in rows]
            if processor is not None:
                memo: dict[Any, Any] = {}  # the same timestamp on every row: process it once
                values = [None if v is None else (memo[v] if v in memo else memo.setdefault(v, processor(v)))
                          if isinstance(v, _MEMO_TYPES) else processor(v) for v in values]
            columns.append(values)
        if self.positional:
            return list(zip(*columns))
        names = self.names
        return [dict(zip(names, values)) for values in zip(*columns)]

    def execute(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.exec_driver_sql(self.sql, self.rows(rows))


class BulkInsert:
    """INSERTs of many rows into ``table``: PostgreSQL (psycopg 3) gets them through
    ``COPY ... FROM STDIN`` in the connection's own transaction, several times
    faster than an INSERT per row; other databases a :class:`BulkStatement`."""

    def __init__(self, conn: sa.Connection, table: sa.Table, keys: Sequence[str]) -> None:
        self.conn = conn
        self.keys = list(keys)
        self.copy_sql: str | None = None
        self.statement: BulkStatement | None = None
        if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
            quote = conn.dialect.identifier_preparer.quote
            self.copy_sql = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in self.keys)}) FROM STDIN"
        else:
            self.statement = BulkStatement(conn, sa.insert(table), self.keys)

    def execute(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.statement is not None:
            self.statement.execute(rows)
            return
        keys = self.keys
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row([row[k] for k in keys])
