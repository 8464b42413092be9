"""Home-visit counters and a desa's outstanding residents from one index

Revision ID: ektp_0010
Revises: ektp_0009

The home-visit list and the home page count the residents to record at home
from the per-desa counters: two new kinds, ``home_ill`` (outstanding, disabled or
seriously ill, not marked away; keyed like the wajib cells) and ``home_old``
(outstanding, neither, not away; keyed by the birth date clamped for age 60),
counted here into the window already built (the cells of
``ektp_admin.domain.counting`` at ektp_0010, written out so this revision never
changes). Those marked away count again once ``away until`` has passed: read
through the new ``ix_ektp_resident_away_until``. A desa's outstanding residents
are found through ``ix_ektp_resident_desa_status_wajib`` (desa, status and the
wajib columns), which replaces ``ix_ektp_resident_desa_status`` (its prefix).
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0010'
down_revision = 'ektp_0009'
branch_labels = None
depends_on = None

_KINDS = ("home_ill", "home_old")


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        # The new index first: MariaDB keeps an index its desa foreign key needs.
        batch_op.create_index(batch_op.f('ix_ektp_resident_desa_status_wajib'),
                              ['desa_code', 'ktp_status', 'birth_date', 'marital_status', 'citizenship', 'departure'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_ektp_resident_away_until'), ['away_until'], unique=False)
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_resident_desa_status'))
    if op.get_context().as_sql:
        # Printed SQL for a DBA: `flask ektp counters --rebuild` counts the new kinds.
        return
    _backfill(op.get_bind())


def _cutoff(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return dt.date(on.year - years, 2, 28)


def _backfill(conn: sa.Connection) -> None:
    """Count the new kinds into the window already built (nothing when it never was)."""
    window = sa.table("ektp_counter_window", sa.column("id"), sa.column("first_day", sa.Date),
                      sa.column("last_day", sa.Date))
    row = conn.execute(sa.select(window.c.first_day, window.c.last_day).where(window.c.id == 1)).first()
    if row is None:
        return
    first, last = (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)) for v in row)
    one = dt.timedelta(days=1)
    low17, high17 = _cutoff(first, 17), _cutoff(last, 17) + one
    low60, high60 = _cutoff(first, 60), _cutoff(last, 60) + one
    r = sa.table("ektp_resident", *(sa.column(c) for c in (
        "desa_code", "birth_date", "marital_status", "citizenship", "departure", "ktp_status", "disabled",
        "seriously_ill", "away")))
    counter = sa.table("ektp_counter", *(sa.column(c) for c in ("desa_code", "kecamatan_code", "kind", "day", "n")))

    def lit(day: dt.date) -> sa.ColumnElement:
        return sa.literal(day, sa.Date)

    def key(low: dt.date, high: dt.date) -> sa.ColumnElement:
        return sa.case((r.c.birth_date <= lit(low), lit(low)), (r.c.birth_date >= lit(high), lit(high)),
                       else_=r.c.birth_date)

    wajib_key = sa.case((r.c.marital_status != "single", lit(low17)), else_=key(low17, high17))
    outstanding = sa.and_(r.c.departure.is_(None), r.c.citizenship != "wna_other",
                          r.c.ktp_status.in_(["not_recorded", "enrol_failed"]), r.c.away == sa.false())
    ill = sa.or_(r.c.disabled == sa.true(), r.c.seriously_ill == sa.true())
    conn.execute(counter.delete().where(counter.c.kind.in_(_KINDS)))
    for kind, day, where in (
        ("home_ill", wajib_key, sa.and_(outstanding, ill)),
        ("home_old", key(low60, high60), sa.and_(outstanding, sa.not_(ill))),
    ):
        cells = sa.select(r.c.desa_code.label("desa_code"), day.label("day")).where(where).subquery("cells")
        grouped = sa.select(cells.c.desa_code, sa.func.substr(cells.c.desa_code, 1, 8), sa.literal(kind),
                            cells.c.day, sa.func.count()).group_by(cells.c.desa_code, cells.c.day)
        conn.execute(counter.insert().from_select(["desa_code", "kecamatan_code", "kind", "day", "n"], grouped))


def downgrade() -> None:
    counter = sa.table("ektp_counter", sa.column("kind"))
    if not op.get_context().as_sql:
        op.get_bind().execute(counter.delete().where(counter.c.kind.in_(_KINDS)))
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_desa_status'), ['desa_code', 'ktp_status'], unique=False)
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_resident_away_until'))
        batch_op.drop_index(batch_op.f('ix_ektp_resident_desa_status_wajib'))
