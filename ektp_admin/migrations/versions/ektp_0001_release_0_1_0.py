"""The schema of release 0.1.0: what its ``create_all`` made.

Revision ID: ektp_0001
Revises: (none: the first revision of the branch ``ektp_admin``)

A database made by 0.1.0 (no version table) is recognised and stamped with this
revision by ``flask ektp upgrade``; ``flask db stamp ektp_0001`` does the same
in a Flask-Migrate portal.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ektp_admin.migrations import foreign_keys_inline, user_table_wanted

revision = "ektp_0001"
down_revision = None
branch_labels = ("ektp_admin",)
depends_on = None


def recorded_visit_key() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["recorded_visit_id"], ["ektp_visit.id"], name=op.f("fk_ektp_resident_recorded_visit_id_ektp_visit"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    op.create_table("ektp_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=True),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_audit"))
    )
    op.create_index(op.f("ix_ektp_audit_at"), "ektp_audit", ["at"])
    op.create_index(op.f("ix_ektp_audit_kecamatan_code"), "ektp_audit", ["kecamatan_code"])
    op.create_index(op.f("ix_ektp_audit_record"), "ektp_audit", ["table_name", "record_id"])
    op.create_index(op.f("ix_ektp_audit_username"), "ektp_audit", ["username"])
    op.create_table("ektp_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("scope_code", sa.String(length=13), nullable=False),
        sa.Column("baseline_outstanding", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_campaign"))
    )
    op.create_table("ektp_kecamatan",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ektp_kecamatan"))
    )
    op.create_index(op.f("ix_ektp_kecamatan_regency_code"), "ektp_kecamatan", ["regency_code"])
    op.create_table("ektp_desa",
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_kelurahan", sa.Boolean(), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=True),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["kecamatan_code"], ["ektp_kecamatan.code"],
            name=op.f("fk_ektp_desa_kecamatan_code_ektp_kecamatan"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ektp_desa"))
    )
    op.create_index(op.f("ix_ektp_desa_kecamatan_code"), "ektp_desa", ["kecamatan_code"])
    op.create_table("ektp_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=40), nullable=False),
        sa.Column("owner_kind", sa.String(length=9), nullable=False),
        sa.Column("owner_kecamatan_code", sa.String(length=8), nullable=True),
        sa.Column("role", sa.String(length=7), nullable=False),
        sa.Column("condition", sa.String(length=9), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_kecamatan_code"], ["ektp_kecamatan.code"],
            name=op.f("fk_ektp_device_owner_kecamatan_code_ektp_kecamatan"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_device")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_ektp_device_serial_number"))
    )
    op.create_index(op.f("ix_ektp_device_owner_kecamatan_code"), "ektp_device", ["owner_kecamatan_code"])
    op.create_table("ektp_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=9), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["kecamatan_code"], ["ektp_kecamatan.code"],
            name=op.f("fk_ektp_team_kecamatan_code_ektp_kecamatan"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_team")),
        sa.UniqueConstraint("name", name=op.f("uq_ektp_team_name"))
    )
    op.create_index(op.f("ix_ektp_team_kecamatan_code"), "ektp_team", ["kecamatan_code"])
    if user_table_wanted():
        op.create_table("ektp_user",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=80), nullable=False),
            sa.Column("password_hash", sa.String(length=255), nullable=False),
            sa.Column("role", sa.String(length=10), nullable=False),
            sa.Column("kecamatan_code", sa.String(length=8), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("failed_logins", sa.Integer(), nullable=False),
            sa.Column("locked_until", sa.DateTime(), nullable=True),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint(["kecamatan_code"], ["ektp_kecamatan.code"],
                name=op.f("fk_ektp_user_kecamatan_code_ektp_kecamatan"), ondelete="RESTRICT"),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_user")),
            sa.UniqueConstraint("username", name=op.f("uq_ektp_user_username"))
        )
    op.create_table("ektp_outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("by_whom", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["desa_code"], ["ektp_desa.code"],
            name=op.f("fk_ektp_outreach_desa_code_ektp_desa"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_outreach"))
    )
    op.create_index(op.f("ix_ektp_outreach_desa_code"), "ektp_outreach", ["desa_code"])
    op.create_index(op.f("ix_ektp_outreach_kecamatan_code"), "ektp_outreach", ["kecamatan_code"])
    op.create_table("ektp_resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("kk_number", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_place", sa.String(length=80), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("marital_status", sa.String(length=8), nullable=False),
        sa.Column("citizenship", sa.String(length=13), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("rt", sa.String(length=3), nullable=True),
        sa.Column("rw", sa.String(length=3), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disability_note", sa.String(length=120), nullable=True),
        sa.Column("seriously_ill", sa.Boolean(), nullable=False),
        sa.Column("away", sa.Boolean(), nullable=False),
        sa.Column("away_location", sa.String(length=120), nullable=True),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("ktp_status", sa.String(length=12), nullable=False),
        sa.Column("ktp_status_changed_on", sa.Date(), nullable=True),
        sa.Column("recorded_visit_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["desa_code"], ["ektp_desa.code"],
            name=op.f("fk_ektp_resident_desa_code_ektp_desa"), ondelete="RESTRICT"),
        *([recorded_visit_key()] if foreign_keys_inline() else []),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_resident")),
        sa.UniqueConstraint("nik", name=op.f("uq_ektp_resident_nik"))
    )
    op.create_index(op.f("ix_ektp_resident_birth_date"), "ektp_resident", ["birth_date"])
    op.create_index(op.f("ix_ektp_resident_desa_name"), "ektp_resident", ["desa_code", "name_key"])
    op.create_index(op.f("ix_ektp_resident_desa_status"), "ektp_resident", ["desa_code", "ktp_status"])
    op.create_index(op.f("ix_ektp_resident_desa_wajib"), "ektp_resident",
                    ["desa_code", "birth_date", "marital_status", "citizenship"])
    op.create_index(op.f("ix_ektp_resident_kecamatan_name"), "ektp_resident", ["kecamatan_code", "name_key"])
    op.create_index(op.f("ix_ektp_resident_kecamatan_status"), "ektp_resident", ["kecamatan_code", "ktp_status"])
    op.create_index(op.f("ix_ektp_resident_kk_number"), "ektp_resident", ["kk_number"])
    op.create_index(op.f("ix_ektp_resident_name_key"), "ektp_resident", ["name_key"])
    op.create_index(op.f("ix_ektp_resident_recorded_visit_id"), "ektp_resident", ["recorded_visit_id"])
    op.create_index(op.f("ix_ektp_resident_status_desa"), "ektp_resident", ["ktp_status", "desa_code"])
    op.create_table("ektp_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["ektp_team.id"],
            name=op.f("fk_ektp_team_member_team_id_ektp_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_team_member"))
    )
    op.create_index(op.f("ix_ektp_team_member_team_id"), "ektp_team_member", ["team_id"])
    op.create_table("ektp_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=9), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=True),
        sa.Column("host_address", sa.String(length=200), nullable=True),
        sa.Column("host_resident_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["ektp_campaign.id"],
            name=op.f("fk_ektp_visit_campaign_id_ektp_campaign"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["desa_code"], ["ektp_desa.code"],
            name=op.f("fk_ektp_visit_desa_code_ektp_desa"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["device_id"], ["ektp_device.id"],
            name=op.f("fk_ektp_visit_device_id_ektp_device"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["host_resident_id"], ["ektp_resident.id"],
            name=op.f("fk_ektp_visit_host_resident_id_ektp_resident"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["kecamatan_code"], ["ektp_kecamatan.code"],
            name=op.f("fk_ektp_visit_kecamatan_code_ektp_kecamatan"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["team_id"], ["ektp_team.id"],
            name=op.f("fk_ektp_visit_team_id_ektp_team"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_visit"))
    )
    op.create_index(op.f("ix_ektp_visit_campaign_id"), "ektp_visit", ["campaign_id"])
    op.create_index(op.f("ix_ektp_visit_day"), "ektp_visit", ["day"])
    op.create_index(op.f("ix_ektp_visit_desa_day"), "ektp_visit", ["desa_code", "day"])
    op.create_index(op.f("ix_ektp_visit_device_day"), "ektp_visit", ["device_id", "day"])
    op.create_index(op.f("ix_ektp_visit_host_resident_id"), "ektp_visit", ["host_resident_id"])
    op.create_index(op.f("ix_ektp_visit_kecamatan_day"), "ektp_visit", ["kecamatan_code", "day"])
    op.create_index(op.f("ix_ektp_visit_team_id"), "ektp_visit", ["team_id"])
    if not foreign_keys_inline():
        # ektp_resident -> ektp_visit closes the cycle ektp_visit.host_resident_id
        # opened: added once both tables exist, as create_all does (use_alter).
        op.create_foreign_key(
            op.f("fk_ektp_resident_recorded_visit_id_ektp_visit"), "ektp_resident", "ektp_visit",
            ["recorded_visit_id"], ["id"], ondelete="SET NULL",
        )
    op.create_table("ektp_visit_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("counted_resident_id", sa.Integer(), nullable=True),
        sa.Column("previous_status", sa.String(length=12), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["ektp_resident.id"],
            name=op.f("fk_ektp_visit_result_resident_id_ektp_resident"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["visit_id"], ["ektp_visit.id"],
            name=op.f("fk_ektp_visit_result_visit_id_ektp_visit"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_visit_result")),
        sa.UniqueConstraint("counted_resident_id", name=op.f("uq_ektp_visit_result_counted_resident")),
        sa.UniqueConstraint("visit_id", "resident_id", name=op.f("uq_ektp_visit_result_visit_resident"))
    )
    op.create_index(op.f("ix_ektp_visit_result_resident_id"), "ektp_visit_result", ["resident_id"])
    op.create_index(op.f("ix_ektp_visit_result_visit_id"), "ektp_visit_result", ["visit_id"])
    op.create_table("ektp_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=12), nullable=True),
        sa.Column("new_status", sa.String(length=12), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("visit_result_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["ektp_resident.id"],
            name=op.f("fk_ektp_status_change_resident_id_ektp_resident"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visit_result_id"], ["ektp_visit_result.id"],
            name=op.f("fk_ektp_status_change_visit_result_id_ektp_visit_result"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ektp_status_change"))
    )
    op.create_index(op.f("ix_ektp_status_change_resident_id"), "ektp_status_change", ["resident_id"])
    op.create_index(op.f("ix_ektp_status_change_visit_result_id"), "ektp_status_change", ["visit_result_id"])


def downgrade() -> None:
    if not foreign_keys_inline():
        op.drop_constraint(op.f("fk_ektp_resident_recorded_visit_id_ektp_visit"), "ektp_resident",
                           type_="foreignkey")
    if user_table_wanted():
        op.drop_table("ektp_user")
    for table in ("ektp_status_change", "ektp_visit_result", "ektp_visit", "ektp_team_member", "ektp_resident",
                  "ektp_outreach", "ektp_team", "ektp_device", "ektp_desa", "ektp_kecamatan", "ektp_campaign",
                  "ektp_audit"):
        op.drop_table(table)
