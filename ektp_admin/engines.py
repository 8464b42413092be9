"""What the plugin asks of the database connections it uses.

SQLite (the default) gets WAL mode and a busy timeout on every connection: in
WAL mode a reader (a CSV export streaming for minutes) never blocks a writer,
and a writer waits up to ``EKTP_ADMIN_SQLITE_BUSY_TIMEOUT`` seconds for another
writer instead of failing at once with "database is locked". PostgreSQL and
MariaDB need nothing of the kind.

:func:`snapshot` opens a connection reading one consistent snapshot, for exports;
:func:`read_to_the_end` tells the planner a streamed read fetches every row;
:func:`refresh_statistics` gives the planner fresh statistics after a bulk write.
"""
from __future__ import annotations

import logging
import re
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger(__name__)

#: Rows SQLite's ANALYZE samples per index (``PRAGMA analysis_limit``): enough for
#: the planner, and the refresh stays short however large the table.
SQLITE_ANALYSIS_LIMIT = 2000
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: The connect listener installed on each SQLite engine (one per engine).
_listeners: "weakref.WeakKeyDictionary[sa.Engine, Callable[..., None]]" = weakref.WeakKeyDictionary()


def configure_sqlite(engine: sa.Engine, busy_timeout: float) -> bool:
    """WAL mode and a busy timeout of ``busy_timeout`` seconds on every connection of
    ``engine`` from now on (connections already pooled are dropped). Nothing on other
    databases; True when the engine is SQLite. Calling it again replaces the timeout.
    """
    if engine.dialect.name != "sqlite":
        return False
    milliseconds = max(int(float(busy_timeout) * 1000), 0)

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # The timeout first: switching to WAL may have to wait for another connection.
            cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")
            # Persistent in the file; an in-memory database answers "memory" and stays so.
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    previous = _listeners.get(engine)
    if previous is not None and event.contains(engine, "connect", previous):
        event.remove(engine, "connect", previous)
    event.listen(engine, "connect", on_connect)
    _listeners[engine] = on_connect
    engine.dispose()  # connections opened before now would lack it
    return True


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection of its own whose reads all see the database as it was at the first.

    PostgreSQL and MariaDB: a read-only REPEATABLE READ transaction (MariaDB's begun
    WITH CONSISTENT SNAPSHOT at once). SQLite: an explicit deferred transaction, whose
    first read fixes its snapshot; in WAL mode writers go on meanwhile. The
    transaction ends (rolled back) when the block ends.

    Its reader (an export) reads every row of its cursor (:func:`read_to_the_end`).
    """
    conn = engine.connect()
    try:
        dialect = engine.dialect.name
        if dialect == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            conn.begin()
            read_to_the_end(conn)
        elif dialect in ("mysql", "mariadb"):
            conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        else:
            conn.begin()
            raw = conn.connection.dbapi_connection
            if dialect == "sqlite" and not getattr(raw, "in_transaction", True):
                # pysqlite opens no transaction for reads: each would see the latest data.
                conn.exec_driver_sql("BEGIN")
        yield conn
    finally:
        conn.close()


#: The least ``work_mem`` a streamed read's transaction gets on PostgreSQL (kB).
READ_ALL_WORK_MEM_KB = 64 * 1024


def read_to_the_end(conn: sa.Connection) -> None:
    """The streamed reads (server-side cursors) of ``conn``'s transaction fetch every
    row, and may sort them: on PostgreSQL the planner is told so, for this transaction
    only (``SET LOCAL``); the other databases plan a cursor as any query.

    - ``cursor_tuple_fraction = 1``: by default a cursor is planned for its first tenth;
    - ``work_mem`` at least 64 MB (a larger setting is kept): with the 4 MB default the
      planner prices sorting a download's rows (which it overestimates: the wajib
      rule is an OR it cannot see through) as spilling to disk.

    Without either, the outstanding residents in name order walk the whole name
    index, 1.8 M rows, instead of sorting the 40,000 the status index finds: 4.4 s
    instead of 0.33 s at Banyuwangi's size. Call it in the transaction that runs
    the streamed statement.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT set_config('cursor_tuple_fraction', '1', true), "
            "set_config('work_mem', GREATEST(setting::bigint, %(least)s) || 'kB', true) "
            "FROM pg_settings WHERE name = 'work_mem'", {"least": READ_ALL_WORK_MEM_KB})


def refresh_statistics(engine: sa.Engine, tables: Iterable[str]) -> bool:
    """Fresh planner statistics for ``tables`` after a bulk write (the demo, an import,
    a status sync): SQLite ``ANALYZE`` (sampled: ``PRAGMA analysis_limit``, so it takes
    well under a second at 1.3 M rows), PostgreSQL ``ANALYZE``, MariaDB ``ANALYZE TABLE``.

    Without them SQLite plans the outstanding filter as if every table were tiny (238 ms
    instead of 34 ms at Banyuwangi's size). Runs on a connection of its own after the
    write committed; statistics are an optimisation, so a failure (a lock held too
    long) is logged, never raised. True when they were refreshed.
    """
    names = [t for t in dict.fromkeys(tables) if _PLAIN_NAME.match(t)]
    if not names:
        return False
    dialect = engine.dialect.name
    try:
        with engine.connect() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
                for name in names:
                    conn.exec_driver_sql(f'ANALYZE "{name}"')
                conn.commit()
            elif dialect == "postgresql":
                for name in names:
                    conn.exec_driver_sql(f'ANALYZE "{name}"')
                conn.commit()
            elif dialect in ("mysql", "mariadb"):
                conn.exec_driver_sql("ANALYZE TABLE " + ", ".join(f"`{n}`" for n in names)).all()
                conn.commit()
            else:
                return False
    except sa.exc.SQLAlchemyError:
        log.warning("could not refresh planner statistics for %s", ", ".join(names), exc_info=True)
        return False
    return True
