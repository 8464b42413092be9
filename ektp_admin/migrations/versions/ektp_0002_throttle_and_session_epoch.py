"""Sign-in throttle table and session epochs; the lock columns go.

Revision ID: ektp_0002
Revises: ektp_0001

- ``ektp_login_failure``: failed sign-ins by address and account digest
  (``ektp_admin.throttle``), replacing the per-user lock.
- ``ektp_user.session_epoch`` (0 for existing users; raising it ends every
  session of the user: ``ektp_admin.sessions``).
- ``ektp_user.failed_logins`` and ``ektp_user.locked_until`` dropped.

Names did not change: 0.1.0 already made the names the models now freeze.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted

revision = "ektp_0002"
down_revision = "ektp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ektp_login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("address", sa.String(length=50), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_login_failure")),
    )
    op.create_index(op.f("ix_ektp_login_failure_account_at"), "ektp_login_failure", ["account", "at"])
    op.create_index(op.f("ix_ektp_login_failure_address_at"), "ektp_login_failure", ["address", "at"])
    op.create_index(op.f("ix_ektp_login_failure_at"), "ektp_login_failure", ["at"])
    if user_table_wanted():
        # batch: SQLite rebuilds the table to drop columns; the others ALTER in place
        with op.batch_alter_table("ektp_user") as batch:
            batch.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
            batch.drop_column("failed_logins")
            batch.drop_column("locked_until")


def downgrade() -> None:
    if user_table_wanted():
        with op.batch_alter_table("ektp_user") as batch:
            batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
            # 0.1.0 had no server default; one is needed for the rows there are
            batch.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
            batch.drop_column("session_epoch")
        with op.batch_alter_table("ektp_user") as batch:
            batch.alter_column("failed_logins", existing_type=sa.Integer(), existing_nullable=False,
                               server_default=None)
    op.drop_index(op.f("ix_ektp_login_failure_at"), table_name="ektp_login_failure")
    op.drop_index(op.f("ix_ektp_login_failure_address_at"), table_name="ektp_login_failure")
    op.drop_index(op.f("ix_ektp_login_failure_account_at"), table_name="ektp_login_failure")
    op.drop_table("ektp_login_failure")
