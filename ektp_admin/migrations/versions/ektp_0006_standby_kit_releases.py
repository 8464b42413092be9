"""Standby kit releases, and each kecamatan's kits given their roles

Revision ID: ektp_0006
Revises: ektp_0005

The rule "each kecamatan keeps one kit on standby at its office while the other
goes out" is now enforced: a visit at a village post or a home may book a
kecamatan's standby kit only on a day a supervisor released it for
(``ektp_device_release``: the kit, the day, the reason, who released it).

Rows already there: ``ektp_device.role`` defaulted to "standby", so a kecamatan
whose kits were never given roles has every kit on standby, and could no longer
send any out. For each kecamatan whose kits (retired ones left aside) include no
mobile one, the oldest kit (lowest id) stays standby and the others become mobile;
a kecamatan with kits but no standby one gets its oldest kit as standby. Kits of
the Dinas are left as they are (the rule is the kecamatan's). The downgrade drops
the releases and leaves the roles (they were valid values before too).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import user_table_wanted  # noqa: F401  (ektp_user changes only when it exists)

revision = 'ektp_0006'
down_revision = 'ektp_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ektp_device_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('released_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['ektp_device.id'], name=op.f('fk_ektp_device_release_device_id_ektp_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ektp_device_release')),
    sa.UniqueConstraint('device_id', 'day', name=op.f('uq_ektp_device_release_device_day'))
    )
    with op.batch_alter_table('ektp_device_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ektp_device_release_day'), ['day'], unique=False)
    _back_fill_roles()


def _back_fill_roles() -> None:
    """Oldest kit of each kecamatan standby, the others mobile, where the roles were never set.

    Two UPDATEs over derived tables (MariaDB refuses a subquery on the table being
    updated unless it is materialised), so ``flask ektp upgrade --sql`` shows them too.
    """
    device = sa.table(
        'ektp_device',
        sa.column('id', sa.Integer), sa.column('owner_kind', sa.String), sa.column('owner_kecamatan_code', sa.String),
        sa.column('role', sa.String), sa.column('condition', sa.String),
    )
    in_service = sa.and_(device.c.owner_kind == 'kecamatan', device.c.owner_kecamatan_code.is_not(None),
                         device.c.condition != 'retired')

    def having(role: str) -> sa.ColumnElement[bool]:
        return sa.func.sum(sa.case((device.c.role == role, 1), else_=0)) == 0

    # A kecamatan whose kits are all mobile: its oldest kit becomes the standby one.
    oldest = (
        sa.select(sa.func.min(device.c.id).label('kit_id')).where(in_service)
        .group_by(device.c.owner_kecamatan_code).having(having('standby'))
        .subquery('ektp_no_standby')
    )
    op.execute(sa.update(device).where(device.c.id.in_(sa.select(oldest.c.kit_id))).values(role='standby'))
    # A kecamatan with two or more kits, none mobile: all but the oldest go mobile.
    keep = (
        sa.select(sa.func.min(device.c.id).label('kit_id')).where(in_service)
        .group_by(device.c.owner_kecamatan_code).having(sa.and_(having('mobile'), sa.func.count(device.c.id) > 1))
        .subquery('ektp_keep_standby')
    )
    kecamatan = (
        sa.select(device.c.owner_kecamatan_code.label('code')).where(in_service)
        .group_by(device.c.owner_kecamatan_code).having(sa.and_(having('mobile'), sa.func.count(device.c.id) > 1))
        .subquery('ektp_no_mobile')
    )
    op.execute(
        sa.update(device)
        .where(in_service, device.c.owner_kecamatan_code.in_(sa.select(kecamatan.c.code)),
               device.c.id.not_in(sa.select(keep.c.kit_id)))
        .values(role='mobile')
    )


def downgrade() -> None:
    with op.batch_alter_table('ektp_device_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_device_release_day'))

    op.drop_table('ektp_device_release')
