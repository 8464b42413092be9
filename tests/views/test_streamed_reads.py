"""A download streams its rows through a server-side cursor, and reads it to the end.

PostgreSQL plans a cursor for its first tenth unless told otherwise, and prices a sort
beyond ``work_mem`` (4 MB by default) as spilling to disk: for the outstanding
residents in name order that meant walking the whole name index (seconds at
Banyuwangi's size) instead of sorting the rows the status index finds. Every streamed
download tells the planner, for its own transaction only: checked here on the very
connection and transaction each download's cursor runs in, while it runs.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from conftest import DESA_A, KEC_A
from sqlalchemy import event

from ektp_admin import models
from ektp_admin.engines import READ_ALL_WORK_MEM_KB, read_to_the_end, snapshot

#: every download that streams its rows through a server-side cursor
STREAMED = [
    "/admin/residents/export/csv/",
    f"/admin/outstanding/{DESA_A}/export.csv",
    f"/admin/outstanding/{DESA_A}/print/",
    "/admin/home-visits/export.csv",
    f"/admin/migrants/export.csv?kecamatan={KEC_A}",
    "/admin/worklists/export.csv?kind=efac",
]


def planner_setting(dbapi_connection: Any) -> tuple[str, int]:
    """``cursor_tuple_fraction`` and ``work_mem`` (kB) of the connection's transaction."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT current_setting('cursor_tuple_fraction'), "
                       "(SELECT setting::bigint FROM pg_settings WHERE name = 'work_mem')")
        fraction, work_mem = cursor.fetchone()
        return str(fraction), int(work_mem)
    finally:
        cursor.close()


@pytest.fixture
def cursors(app: Any) -> Any:
    """The streamed statements run, each with the planner's cursor setting of its own
    transaction at that moment (PostgreSQL) or None (the others have no such setting)."""
    with app.app_context():
        engine = models.db.engine
    seen: list[tuple[str, tuple[str, int] | None]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if context is None or not context.execution_options.get("stream_results"):
            return
        setting = planner_setting(conn.connection.dbapi_connection) if engine.dialect.name == "postgresql" else None
        seen.append((statement, setting))

    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


@pytest.mark.parametrize("url", STREAMED)
def test_a_streamed_download_reads_its_cursor_to_the_end(url: str, app: Any, login_as: Any, make_resident: Any,
                                                         cursors: list[tuple[str, Any]]) -> None:
    make_resident("SITI AMINAH", birth_date=dt.date(1950, 1, 2), disabled=True)
    make_resident("ADI", birth_date=dt.date(1985, 2, 1), away=True, away_location="Malaysia")
    response = login_as("supervisor").get(url)
    assert response.status_code == 200
    assert response.data  # the whole body read: the cursor ran
    assert any("ektp_resident" in statement for statement, _ in cursors), cursors
    with app.app_context():
        postgresql = models.db.engine.dialect.name == "postgresql"
    for statement, setting in cursors:
        if postgresql:
            assert setting[0] == "1" and setting[1] >= READ_ALL_WORK_MEM_KB, (setting, statement)
        else:
            assert setting is None


@pytest.mark.skipif(not os.environ.get("EKTP_ADMIN_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="a setting of PostgreSQL's planner")
def test_the_setting_ends_with_the_exports_transaction(app: Any) -> None:
    """It holds inside an export's snapshot and never reaches the pool's next user."""
    with app.app_context():
        engine = models.db.engine
        with engine.connect() as conn:
            default = planner_setting(conn.connection.dbapi_connection)
            with conn.begin():  # a work_mem set larger than the least is kept
                conn.exec_driver_sql("SET LOCAL work_mem = '100MB'")
                read_to_the_end(conn)
                kept = planner_setting(conn.connection.dbapi_connection)
        with snapshot(engine) as conn:
            inside = planner_setting(conn.connection.dbapi_connection)
        with engine.connect() as conn:
            after = planner_setting(conn.connection.dbapi_connection)
    assert default[0] == "0.1" and default[1] < READ_ALL_WORK_MEM_KB  # PostgreSQL's defaults (0.1, 4 MB)
    assert inside == ("1", READ_ALL_WORK_MEM_KB)
    assert kept == ("1", 100 * 1024)
    assert after == default
