"""residents who left for good

Revision ID: ektp_0003
Revises: ektp_0002

Residents who left the regency's backlog for good: deceased or moved out, since
when, where to or how it is known, and the visit whose "deceased" result said
so. Every resident already there lives here (all four columns NULL).
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; changes to ``ektp_user`` under
``if user_table_wanted():``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'ektp_0003'
down_revision = 'ektp_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('departure', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('departed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('departure_note', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('departure_visit_id', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('ektp_resident', schema=None) as batch_op:
        batch_op.drop_column('departure_visit_id')
        batch_op.drop_column('departure_note')
        batch_op.drop_column('departed_on')
        batch_op.drop_column('departure')

