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

from typing import Any, Callable, Sequence

import sqlalchemy as sa


class BulkStatement:
    """A Core INSERT or UPDATE compiled once, run with ``executemany`` on many rows.

    ``keys``: the parameter names; each row gives its values in that order (a
    tuple or a list: no dict per row). Only the columns whose type has a bind
    processor are processed (on SQLite the dates, the flags and the timestamps);
    rows that need nothing go to the driver as they are.
    """

    def __init__(self, conn: sa.Connection, statement: Any, keys: Sequence[str]) -> None:
        dialect = conn.dialect
        keys = list(keys)
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        if self.positional:
            names = list(compiled.positiontup or ())
        else:
            names = list(compiled.binds)
        self.names = names
        for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
            # SQLAlchemy would compute these per execution; the rows must give them
            raise ValueError(f"the column {column.key!r} has a default made in Python: the rows must give it")
        #: per parameter of the statement: (the row's index of its value, or None for a
        #: value written into the statement itself, such as the 1 of ``version + 1``; its processor)
        self._sources: list[tuple[int | None, Callable[[Any], Any] | None]] = []
        #: values written into the statement itself
        self.constants: dict[str, Any] = {}
        for name in names:
            bind = compiled.binds[name]
            processor = bind.type._cached_bind_processor(dialect)
            if name not in keys:
                if bind.required or bind.callable is not None:
                    raise ValueError(f"the statement needs the parameter {name!r} that the rows do not give")
                value = bind.value
                self.constants[name] = processor(value) if processor is not None and value is not None else value
                self._sources.append((None, None))
                continue
            self._sources.append((keys.index(name), processor))
        #: the rows go to the driver untouched: the parameters are the keys, in order, none processed
        self._as_given = self.positional and [at for at, _ in self._sources] == list(range(len(keys))) \
            and not any(processor for _, processor in self._sources)
        self.conn = conn

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The driver's parameters for ``rows``."""
        if self._as_given:
            return list(rows)
        given = list(zip(*rows))
        columns: list[Sequence[Any]] = []
        for name, (at, processor) in zip(self.names, self._sources):
            if at is None:
                columns.append([self.constants[name]] * len(rows))
            elif processor is None:
                columns.append(given[at])
            else:
                columns.append(_processed(given[at], processor))
        if self.positional:
            return list(zip(*columns))
        names = self.names
        return [dict(zip(names, values)) for values in zip(*columns)]

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.exec_driver_sql(self.sql, self.rows(rows))


def _processed(values: Sequence[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """``processor`` over a column, once per distinct value (the same timestamp on every
    row, the same birthdays over and over)."""
    try:
        memo = {value: processor(value) for value in set(values) if value is not None}
    except TypeError:  # a value that cannot be a key
        return [None if value is None else processor(value) for value in values]
    memo[None] = None
    return list(map(memo.__getitem__, values))


class BulkInsert:
    """INSERTs of many rows into ``table`` (each row its values in ``keys`` order):
    PostgreSQL (psycopg 3) gets them through ``COPY ... FROM STDIN`` in the
    connection's own transaction, several times faster than an INSERT per row;
    other databases a :class:`BulkStatement`."""

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

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.statement is not None:
            self.statement.execute(rows)
            return
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
