"""Residents found by any word of the name

Revision ID: ektp_0005
Revises: ektp_0004

An index on every word of ``ektp_resident.name_key``, made for the residents
already there too: SQLite an FTS5 table with external content
``ektp_resident_name_fts`` kept in step by three triggers (filled by its
'rebuild' command), PostgreSQL a GIN index over ``to_tsvector('simple',
name_key)``, MariaDB a FULLTEXT index (both built from the rows there). The
metadata cannot declare these per database: ``create_all`` makes the same
through ``ektp_admin.search_index``, whose statements these are, frozen here.
Rules (ektp_admin/migrations/__init__.py): only ``op`` and sqlalchemy, never the
models; every name as ``op.f("...")``; changes to ``ektp_user`` under
``if user_table_wanted():``; column changes in ``op.batch_alter_table`` (SQLite).
"""
from __future__ import annotations

from alembic import op

revision = 'ektp_0005'
down_revision = 'ektp_0004'
branch_labels = None
depends_on = None

FTS = "ektp_resident_name_fts"
INDEX = "ix_ektp_resident_name_words"
TRIGGERS = (f"{FTS}_insert", f"{FTS}_delete", f"{FTS}_update")

UPGRADE = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(name_key, content='ektp_resident', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
        f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON ektp_resident BEGIN "
        f"INSERT INTO {FTS}(rowid, name_key) VALUES (new.id, new.name_key); END",
        f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON ektp_resident BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
        f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF id, name_key ON ektp_resident BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
        f"INSERT INTO {FTS}(rowid, name_key) VALUES (new.id, new.name_key); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ],
    "postgresql": [f"CREATE INDEX {INDEX} ON ektp_resident USING gin (to_tsvector('simple'::regconfig, name_key))"],
    "mysql": [f"CREATE FULLTEXT INDEX {INDEX} ON ektp_resident (name_key)"],
}
DOWNGRADE = {
    "sqlite": [*(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS), f"DROP TABLE IF EXISTS {FTS}"],
    "postgresql": [f"DROP INDEX IF EXISTS {INDEX}"],
    "mysql": [f"DROP INDEX {INDEX} ON ektp_resident"],
}


def _dialect() -> str:
    name = op.get_context().dialect.name
    return "mysql" if name == "mariadb" else name


def upgrade() -> None:
    for statement in UPGRADE.get(_dialect(), []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE.get(_dialect(), []):
        op.execute(statement)
