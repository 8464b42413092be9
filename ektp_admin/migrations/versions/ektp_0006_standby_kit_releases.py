"""Standby kit releases, and each kecamatan's kits given their roles

Revision ID: ektp_0006
Revises: ektp_0004

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
down_revision = 'ektp_0004'
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
    """Oldest kit of each kecamatan standby, the others mobile, where the roles were never set."""
    device = sa.table(
        'ektp_device',
        sa.column('id', sa.Integer), sa.column('owner_kind', sa.String), sa.column('owner_kecamatan_code', sa.String),
        sa.column('role', sa.String), sa.column('condition', sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(device.c.id, device.c.owner_kecamatan_code, device.c.role)
        .where(device.c.owner_kind == 'kecamatan', device.c.owner_kecamatan_code.is_not(None),
               device.c.condition != 'retired')
        .order_by(device.c.owner_kecamatan_code, device.c.id)
    ).all()
    kits: dict[str, list[tuple[int, str]]] = {}
    for kit_id, code, role in rows:
        kits.setdefault(code, []).append((kit_id, role))
    to_mobile: list[int] = []
    to_standby: list[int] = []
    for owned in kits.values():
        roles = {role for _, role in owned}
        if 'mobile' not in roles and len(owned) > 1:
            to_mobile += [kit_id for kit_id, _ in owned[1:]]
        elif 'standby' not in roles:
            to_standby.append(owned[0][0])
    for ids, role in ((to_mobile, 'mobile'), (to_standby, 'standby')):
        for start in range(0, len(ids), 500):
            conn.execute(sa.update(device).where(device.c.id.in_(ids[start:start + 500])).values(role=role))


def downgrade() -> None:
    with op.batch_alter_table('ektp_device_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ektp_device_release_day'))

    op.drop_table('ektp_device_release')
