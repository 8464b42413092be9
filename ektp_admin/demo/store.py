"""Writing the load: ids computed here, rows buffered and inserted with Core executemany.

Ids are given explicitly (no RETURNING), so a chunk of rows is one executemany; on
PostgreSQL the serial sequences are moved past them at the end. Core inserts bypass
the ORM, so neither the audit trail's ``before_flush`` listener nor the models' derived
column listeners fire: the rows carry those columns themselves.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import sqlalchemy as sa

from ..domain.enums import KtpStatus
from ..models import (
    Campaign,
    Device,
    Outreach,
    Resident,
    StatusChange,
    Team,
    TeamMember,
    Visit,
    VisitResult,
    metadata,
)

#: Rows of the demo (and of a manual setup) that ``--reset`` deletes, children first.
#: Regions, users and the audit trail are kept.
DEMO_TABLES = (
    StatusChange.__table__,
    VisitResult.__table__,
    Visit.__table__,
    Outreach.__table__,
    TeamMember.__table__,
    Team.__table__,
    Device.__table__,
    Campaign.__table__,
    Resident.__table__,
)

DEFAULT_CHUNK = 20000

#: Insert order of a flush: parents before the rows that point at them.
_INSERT_ORDER = (Resident.__table__, Visit.__table__, VisitResult.__table__, StatusChange.__table__,
                 Outreach.__table__)


class Ids:
    """Next primary keys, computed here so bulk inserts need no RETURNING."""

    def __init__(self, conn: sa.Connection, tables: list[sa.Table]) -> None:
        self._next = {
            t.name: (conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) + 1 for t in tables
        }

    def take(self, table: sa.Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


class BulkWriter:
    """Buffers rows per table and writes them in one executemany per table and flush."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.status_updates: list[dict[str, Any]] = []

    def add(self, table: sa.Table, row: dict[str, Any]) -> None:
        self.buffers.setdefault(table.name, []).append(row)

    def pending(self, table: sa.Table) -> int:
        return len(self.buffers.get(table.name, ()))

    def move_status(self, resident_id: int, status: KtpStatus, on: dt.date, visit_id: int) -> None:
        """Queue a resident's status move by a visit's recording (applied after the inserts).

        The UPDATE bumps ``version`` as the ORM's version counter would on a form save.
        """
        self.status_updates.append({"rid": resident_id, "status": status.value, "day": on, "vid": visit_id})

    def flush(self) -> None:
        for table in _INSERT_ORDER:
            rows = self.buffers.pop(table.name, None)
            if rows:
                self.conn.execute(sa.insert(table), rows)
        updates, self.status_updates = self.status_updates, []
        if updates:
            resident = Resident.__table__
            self.conn.execute(
                sa.update(resident).where(resident.c.id == sa.bindparam("rid")).values(
                    ktp_status=sa.bindparam("status"),
                    ktp_status_changed_on=sa.bindparam("day"),
                    recorded_visit_id=sa.bindparam("vid"),
                    version=resident.c.version + 1,
                ),
                updates,
            )

    def move_sequences(self) -> None:
        """PostgreSQL: ids were given explicitly, so move each serial sequence past them."""
        if self.conn.dialect.name != "postgresql":
            return
        for table in DEMO_TABLES:
            self.conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            ))


def existing_data(session_or_conn: Any) -> dict[str, int]:
    """Rows already in the tables the demo fills (empty dict: the database is free)."""
    found = {}
    for label, table in (("residents", Resident.__table__), ("kits", Device.__table__),
                         ("teams", Team.__table__), ("visits", Visit.__table__),
                         ("campaigns", Campaign.__table__), ("outreach records", Outreach.__table__)):
        count = session_or_conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        if count:
            found[label] = count
    return found


def delete_demo_data(conn: Any) -> None:
    """Delete residents, visits, kits, teams, campaigns and outreach (keeps regions,
    users and the audit trail)."""
    resident = Resident.__table__
    conn.execute(sa.update(resident).where(resident.c.recorded_visit_id.is_not(None))
                 .values(recorded_visit_id=None))
    for table in DEMO_TABLES:
        conn.execute(table.delete())


def create_tables(db: Any) -> None:
    """Create the missing ektp_ tables (only ours, in a host's metadata)."""
    tables = [t for t in db.metadata.sorted_tables if t.name.startswith("ektp_")] \
        if db.metadata is not metadata else None
    db.metadata.create_all(db.engine, tables=tables)


def fast_sqlite(conn: sa.Connection) -> Callable[[], None]:
    """SQLite only: skip fsync and use a bigger page cache for the load; restored after."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MiB
    conn.commit()

    def restore() -> None:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA synchronous = {int(synchronous or 0)}")
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size or 0)}")
        conn.commit()

    return restore
