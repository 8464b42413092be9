"""population import jobs

Revision ID: ektp_0004
Revises: ektp_0003

The population import's jobs (one row per upload or command run: its file,
options, progress and summary), so every worker of the portal shows the same
progress. A new table: no rows to move.
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; changes to ``ektp_user`` under
``if user_table_wanted():``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'ektp_0004'
down_revision = 'ektp_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ektp_import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('full_refresh', sa.Boolean(), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=8), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ektp_import_job'))
    )
    with op.batch_alter_table('ektp_import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_import_job_kind_started_at'), ['kind', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ektp_import_job_started_at'), ['started_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ektp_import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_import_job_started_at'))
        batch_op.drop_index(batch_op.f('ix_ektp_import_job_kind_started_at'))

    op.drop_table('ektp_import_job')
