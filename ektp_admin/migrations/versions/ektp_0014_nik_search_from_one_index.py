"""A NIK search from one index

Revision ID: ektp_0014
Revises: ektp_0013

A search by the first digits of a NIK lists its residents in list order (name,
id). ``uq_ektp_resident_nik`` finds them, but each match was then read from the
table for its name, to be sorted: 748 table reads for an 8-digit prefix in
Banyuwangi. ``ix_ektp_resident_nik_name`` carries the NIK, the name key and the
id, so the page's keys come from the index alone and only the rows shown are
read. ``ix_ektp_resident_name_key`` goes: ``ix_ektp_resident_name_outstanding``
starts with the same column (then the id), so it serves every query the old
one did, and the table keeps as many indexes to update as before. Rules
(ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``.
"""
from __future__ import annotations

from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0014'
down_revision = 'ektp_0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_nik_name'), ['nik', 'name_key', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_ektp_resident_name_key'))


def downgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_resident_name_key'), ['name_key'], unique=False)
        batch_op.drop_index(batch_op.f('ix_ektp_resident_nik_name'))
