"""The index that finds a resident by any word of the name, on each database.

``name_key`` (the upper-cased, space-folded name) is indexed word by word:

- SQLite: an FTS5 table with external content (:data:`FTS_TABLE`, its rows are
  ``ektp_resident``'s ids) kept in step by three triggers on ``ektp_resident``;
- PostgreSQL: a GIN index over ``to_tsvector('simple', name_key)``
  (:data:`WORDS_INDEX`), kept by the database itself (COPY included);
- MariaDB/MySQL: a FULLTEXT index on ``name_key`` (:data:`WORDS_INDEX`).

SQLAlchemy's metadata cannot say "this index on that database only", so the
objects are made by :func:`install`'s ``after_create`` listener (``create_all``)
and by the revision ``ektp_0005`` (migrations), and the schema comparisons
(ours and a Flask-Migrate portal's autogenerate) leave them out through
:func:`is_search_index`. The query side is
:func:`ektp_admin.queries.residents.name_words_clause`.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event

RESIDENT_TABLE = "ektp_resident"
#: SQLite: the FTS5 table (its shadow tables are named ``<FTS_TABLE>_data`` etc.)
FTS_TABLE = "ektp_resident_name_fts"
#: PostgreSQL and MariaDB: the index's name
WORDS_INDEX = "ix_ektp_resident_name_words"
#: SQLite: the triggers that keep the FTS table in step
TRIGGERS = (f"{FTS_TABLE}_insert", f"{FTS_TABLE}_delete", f"{FTS_TABLE}_update")


_INSERT_TRIGGER = (f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON {RESIDENT_TABLE} BEGIN "
                   f"INSERT INTO {FTS_TABLE}(rowid, name_key) VALUES (new.id, new.name_key); END")


def create_statements(dialect: str) -> list[str]:
    """The statements that make the index on an existing (possibly filled) table."""
    if dialect == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(name_key, content='{RESIDENT_TABLE}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
            _INSERT_TRIGGER,
            f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON {RESIDENT_TABLE} BEGIN "
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
            f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF id, name_key ON {RESIDENT_TABLE} BEGIN "
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
            f"INSERT INTO {FTS_TABLE}(rowid, name_key) VALUES (new.id, new.name_key); END",
            # the rows already there (a migrated database)
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
        ]
    if dialect == "postgresql":
        return [f"CREATE INDEX {WORDS_INDEX} ON {RESIDENT_TABLE} "
                "USING gin (to_tsvector('simple'::regconfig, name_key))"]
    if dialect in ("mysql", "mariadb"):
        return [f"CREATE FULLTEXT INDEX {WORDS_INDEX} ON {RESIDENT_TABLE} (name_key)"]
    return []


def drop_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [*(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS), f"DROP TABLE IF EXISTS {FTS_TABLE}"]
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {WORDS_INDEX}"]
    if dialect in ("mysql", "mariadb"):
        return [f"DROP INDEX {WORDS_INDEX} ON {RESIDENT_TABLE}"]
    return []


def create(conn: sa.Connection) -> None:
    for statement in create_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)


def suspend_for_a_load(conn: sa.Connection) -> list[str]:
    """SQLite: stop indexing each new resident as it is inserted, for a bulk load in
    the caller's transaction, and return the statements that index the rows added
    meanwhile in one pass and restore the trigger (run them at the end of the same
    transaction). A trigger per row costs ~6x the load itself (100 us a row, against
    one INSERT ... SELECT). Nothing elsewhere: the other databases keep their index.

    Rows the load updates must have been there before it (their words are indexed:
    the update trigger stays).
    """
    if conn.dialect.name != "sqlite" or not present(conn):
        return []
    start = int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {RESIDENT_TABLE}").scalar_one())
    conn.exec_driver_sql(f"DROP TRIGGER {TRIGGERS[0]}")
    return [f"INSERT INTO {FTS_TABLE}(rowid, name_key) SELECT id, name_key FROM {RESIDENT_TABLE} WHERE id > {start}",
            _INSERT_TRIGGER]


@contextmanager
def bulk_load(conn: sa.Connection) -> Iterator[None]:
    """:func:`suspend_for_a_load` around a block (in a transaction already begun
    with a write, so the DDL rolls back with it)."""
    after = suspend_for_a_load(conn)
    yield
    for statement in after:
        conn.exec_driver_sql(statement)


def present(conn: sa.Connection) -> bool:
    """Whether the database has the whole index (every trigger too, on SQLite)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        names = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name = ? OR (type = 'trigger' AND tbl_name = ?)",
            (FTS_TABLE, RESIDENT_TABLE)).scalars())
        return {FTS_TABLE, *TRIGGERS} <= names
    if dialect in ("postgresql", "mysql", "mariadb"):
        inspector = sa.inspect(conn)
        return inspector.has_table(RESIDENT_TABLE) and \
            WORDS_INDEX in {i["name"] for i in inspector.get_indexes(RESIDENT_TABLE)}
    return True


def _after_create(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":  # a leftover of a dropped residents table holds stale words
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    create(connection)


def _after_drop(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":  # the triggers went with the table; the FTS table stays
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def install(table: sa.Table) -> None:
    """``create_all`` makes the index with the residents' table (and ``drop_all``
    drops SQLite's FTS table with it). For the plugin's table and a host's copy."""
    if not event.contains(table, "after_create", _after_create):
        event.listen(table, "after_create", _after_create)
        event.listen(table, "after_drop", _after_drop)


def is_search_index(name: str | None, type_: str) -> bool:
    """Whether a reflected object is (part of) this index: schema comparisons leave it out."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "index":
        return name == WORDS_INDEX
    return False
