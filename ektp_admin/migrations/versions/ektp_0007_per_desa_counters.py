"""per-desa counters

Revision ID: ektp_0007
Revises: ektp_0006

The per-desa counters the summaries read instead of every resident
(``ektp_counter``: desa, kind, day, n) and their window (``ektp_counter_window``,
one row). The residents already there are counted into them here (the same
cells as ``ektp_admin.counters.rebuild``, written out so this revision never
changes), around the app's reference day (``EKTP_ADMIN_REFERENCE_DATE``) or today.
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; changes to ``ektp_user`` under
``if user_table_wanted():``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0007'
down_revision = 'ektp_0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ektp_counter_window',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ektp_counter_window'))
    )
    op.create_table('ektp_counter',
    sa.Column('desa_code', sa.String(length=13), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['desa_code'], ['ektp_desa.code'], name=op.f('fk_ektp_counter_desa_code_ektp_desa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('desa_code', 'kind', 'day', name=op.f('pk_ektp_counter'))
    )
    with op.batch_alter_table('ektp_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_counter_kecamatan_kind_day'), ['kecamatan_code', 'kind', 'day', 'desa_code', 'n'], unique=False)
        batch_op.create_index(batch_op.f('ix_ektp_counter_kind_day'), ['kind', 'day', 'desa_code', 'n'], unique=False)

    if op.get_context().as_sql:
        # Printed SQL for a DBA: no rows to count here; until `flask ektp counters --rebuild`
        # runs, the summaries count the residents directly (the window row is missing).
        return
    _backfill(op.get_bind())


def _reference_day() -> dt.date:
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return dt.date.today()
    if has_app_context():
        configured = current_app.config.get("EKTP_ADMIN_REFERENCE_DATE")
        if configured:
            return configured if isinstance(configured, dt.date) else dt.date.fromisoformat(str(configured))
    return dt.date.today()


def _cutoff(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return dt.date(on.year - years, 2, 28)


def _backfill(conn: sa.Connection) -> None:
    """Count the residents into the counters (the cells of ektp_admin.domain.counting at ektp_0007)."""
    on = _reference_day()
    first, last = on - dt.timedelta(days=400), on + dt.timedelta(days=5 * 366)
    one = dt.timedelta(days=1)
    low17, high17 = _cutoff(first, 17), _cutoff(last, 17) + one
    low60, high60 = _cutoff(first, 60), _cutoff(last, 60) + one
    r = sa.table("ektp_resident", *(sa.column(c) for c in (
        "id", "desa_code", "kecamatan_code", "birth_date", "marital_status", "citizenship", "departure",
        "ktp_status", "disabled", "seriously_ill", "away")))
    v = sa.table("ektp_visit", sa.column("id"), sa.column("day"))
    vr = sa.table("ektp_visit_result", sa.column("visit_id"), sa.column("resident_id"), sa.column("result"))
    counter = sa.table("ektp_counter", *(sa.column(c) for c in ("desa_code", "kecamatan_code", "kind", "day", "n")))
    # Typed columns: dates go to the driver as the column keeps them (the sqlite3
    # driver's own date adapter is deprecated since Python 3.12).
    window = sa.table("ektp_counter_window", sa.column("id"), sa.column("first_day", sa.Date),
                      sa.column("last_day", sa.Date), sa.column("built_at", sa.DateTime))

    def lit(day: dt.date) -> sa.ColumnElement:
        return sa.literal(day, sa.Date)

    def key(low: dt.date, high: dt.date) -> sa.ColumnElement:
        return sa.case((r.c.birth_date <= lit(low), lit(low)), (r.c.birth_date >= lit(high), lit(high)),
                       else_=r.c.birth_date)

    wajib_key = sa.case((r.c.marital_status != "single", lit(low17)), else_=key(low17, high17))
    eligible = sa.and_(r.c.departure.is_(None), r.c.citizenship != "wna_other")
    outstanding = sa.and_(eligible, r.c.ktp_status.in_(["not_recorded", "enrol_failed"]))
    group = sa.case((r.c.ktp_status.in_(["not_recorded", "enrol_failed"]), sa.literal("w_out")),
                    (r.c.ktp_status == "duplicate", sa.literal("w_dup")), else_=sa.literal("w_rec"))
    parts = [
        (group, wajib_key, eligible, None),
        (sa.literal("away"), wajib_key, sa.and_(outstanding, r.c.away == sa.true()), None),
        (sa.literal("ill"), wajib_key,
         sa.and_(outstanding, sa.or_(r.c.disabled == sa.true(), r.c.seriously_ill == sa.true())), None),
        (sa.literal("lansia"), key(low60, high60), outstanding, None),
        (sa.literal("m17"), key(low17, high17), sa.and_(outstanding, r.c.marital_status != "single"), None),
        (sa.literal("recorded"), v.c.day, sa.and_(vr.c.result == "recorded", r.c.ktp_status != "duplicate"),
         vr.join(v, v.c.id == vr.c.visit_id).join(r, r.c.id == vr.c.resident_id)),
    ]
    conn.execute(window.insert().values(id=1, first_day=first, last_day=last,
                                        built_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
    for kind, day, where, source in parts:
        inner = sa.select(r.c.desa_code.label("desa_code"), kind.label("kind"), day.label("day")).where(where)
        if source is not None:
            inner = inner.select_from(source)
        cells = inner.subquery("cells")
        grouped = sa.select(cells.c.desa_code, sa.func.substr(cells.c.desa_code, 1, 8), cells.c.kind, cells.c.day,
                            sa.func.count()).group_by(cells.c.desa_code, cells.c.kind, cells.c.day)
        conn.execute(counter.insert().from_select(["desa_code", "kecamatan_code", "kind", "day", "n"], grouped))


def downgrade() -> None:
    with op.batch_alter_table('ektp_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_counter_kind_day'))
        batch_op.drop_index(batch_op.f('ix_ektp_counter_kecamatan_kind_day'))

    op.drop_table('ektp_counter')
    op.drop_table('ektp_counter_window')
