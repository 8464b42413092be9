"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}

Say what changes and why, and what happens to the rows already there.
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; changes to ``ektp_user`` under
``if user_table_wanted():``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401  (an empty revision written by hand may not use it yet)
from alembic import op  # noqa: F401
${imports if imports else ""}
from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
