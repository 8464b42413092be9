"""A desa's outstanding residents from one index

Revision ID: ektp_0013
Revises: ektp_0012

A desa's page and its home visits list its outstanding residents by RW, RT and
name. A desa holds thousands of residents in the outstanding statuses who are
not wajib KTP yet (children): ``ix_ektp_resident_desa_status_wajib`` found them
by desa and status, and each was read from the table to be tested and sorted.
``ix_ektp_resident_desa_outstanding`` carries everything those tests and that
order read (and the home-visit marks: disabled, seriously ill, away until) and
the id (PostgreSQL reads an index alone only when it holds every column asked
for), so the page's keys come from the index alone and only the rows shown are read. It
starts with the same columns, so it serves every query the old one did; the old
one goes. Rules (ektp_admin/migrations/__init__.py): only ``op`` and
sqlalchemy, never the models; every name as ``op.f("...")``.
"""
from __future__ import annotations

from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0013'
down_revision = 'ektp_0012'
branch_labels = None
depends_on = None

_WIDE = ['desa_code', 'ktp_status', 'birth_date', 'marital_status', 'citizenship', 'departure',
         'disabled', 'seriously_ill', 'away', 'away_until', 'rw', 'rt', 'name_key', 'id']


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_desa_outstanding'), _WIDE, unique=False)
        batch_op.drop_index(batch_op.f('ix_ektp_resident_desa_status_wajib'))


def downgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_desa_status_wajib'), _WIDE[:6], unique=False)
        batch_op.drop_index(batch_op.f('ix_ektp_resident_desa_outstanding'))
