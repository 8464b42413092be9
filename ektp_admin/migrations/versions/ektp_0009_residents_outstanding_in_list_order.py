"""Residents outstanding in list order

Revision ID: ektp_0009
Revises: ektp_0008

The residents list filtered to the outstanding walks the residents in name
order and keeps those outstanding (status, and wajib KTP by birth date, marital
status, citizenship and departure). With only ``name_key`` indexed, every
resident walked past was read from the table (about 45 for each one listed, a
page of 50 read some 2,300 rows at Banyuwangi's size); this index carries those
columns, so only the page's rows are read. Rules
(ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``.
"""
from __future__ import annotations

from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0009'
down_revision = 'ektp_0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_name_outstanding'),
                              ['name_key', 'id', 'ktp_status', 'birth_date', 'marital_status', 'citizenship',
                               'departure'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_resident_name_outstanding'))
