"""Residents away and outstanding, from one index

Revision ID: ektp_0011
Revises: ektp_0010

The migrants screen counts and lists the outstanding residents marked away, per
desa and per month of return. With no index starting at ``away`` each of its
four statements read all the residents (about 2 s each at Banyuwangi's size);
this index leads with ``away`` and carries the outstanding test (status,
departure, and wajib KTP by citizenship, birth date and marital status), the
desa, the kecamatan and the return date, so the counts read it alone. On SQLite and PostgreSQL it holds the residents away
only (a partial index: few rows, and the planner knows it); MariaDB has no partial
indexes and keeps them all. Rules
(ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0011'
down_revision = 'ektp_0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_away_outstanding'),
                              ['away', 'ktp_status', 'departure', 'citizenship', 'birth_date', 'marital_status',
                               'desa_code', 'kecamatan_code', 'away_until', 'rw', 'rt', 'name_key', 'id'], unique=False,
                              sqlite_where=sa.text('away = 1'), postgresql_where=sa.text('away'))


def downgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_resident_away_outstanding'))
