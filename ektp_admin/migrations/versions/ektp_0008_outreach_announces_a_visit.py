"""Outreach announces a planned visit

Revision ID: ektp_0008
Revises: ektp_0007

An outreach (mosque announcement, village head, school, RT meeting) may name the
planned visit it announces (``ektp_outreach.visit_id``, set to NULL when the
visit is deleted). Rows already there keep no visit: which one they announced
was never recorded. Rules (ektp_admin/migrations/__init__.py): only ``op`` and
sqlalchemy, never the models; every name as ``op.f("...")``; column changes in
``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0008'
down_revision = 'ektp_0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ektp_outreach', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_ektp_outreach_visit_id_ektp_visit'), 'ektp_visit', ['visit_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_ektp_outreach_visit_id'), ['visit_id'], unique=False)


def downgrade() -> None:
    # The foreign key first: MariaDB keeps an index a foreign key needs.
    with op.batch_alter_table('ektp_outreach', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ektp_outreach_visit_id_ektp_visit'), type_='foreignkey')
    with op.batch_alter_table('ektp_outreach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_outreach_visit_id'))
        batch_op.drop_column('visit_id')
