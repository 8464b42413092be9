"""The schema a database reports, for comparing a migrated database with create_all's."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ektp_admin import search_index
from ektp_admin.migrations import VERSION_TABLE, runner


def schema(engine: sa.Engine, *, skip: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The plugin's tables as the database reports them (version tables left out);
    the name-search index, whose form differs per database, as one entry: present or not."""
    inspector = sa.inspect(engine)
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        found["(name search index)"] = {"present": search_index.present(conn)}
    for table in sorted(inspector.get_table_names()):
        if not table.startswith("ektp_") or table == VERSION_TABLE or table in skip \
                or search_index.is_search_index(table, "table"):
            continue
        pk = inspector.get_pk_constraint(table)
        found[table] = {
            "columns": {c["name"]: (c["type"].compile(dialect=engine.dialect), c["nullable"], c.get("default"))
                        for c in inspector.get_columns(table)},
            "primary key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "foreign keys": sorted(
                (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                 (fk.get("options") or {}).get("ondelete"))
                for fk in inspector.get_foreign_keys(table)),
            "unique constraints": sorted((u["name"], tuple(u["column_names"]))
                                         for u in inspector.get_unique_constraints(table)),
            "indexes": sorted((i["name"], tuple(c or "" for c in i["column_names"]), bool(i["unique"]))
                              for i in inspector.get_indexes(table)
                              if not search_index.is_search_index(i["name"], "index")),
        }
    return found


def schema_difference(migrated: dict[str, Any], created: dict[str, Any]) -> str:
    lines = []
    for table in sorted(set(migrated) | set(created)):
        if table not in migrated or table not in created:
            lines.append(f"{table}: only {'migrated' if table in migrated else 'create_all'}")
            continue
        for part, value in created[table].items():
            if migrated[table][part] != value:
                lines.append(f"{table} {part}:\n  migrations: {migrated[table][part]}\n  create_all: {value}")
    return "\n".join(lines)


def assert_same_schema(migrated: dict[str, Any], created: dict[str, Any]) -> None:
    assert migrated == created, (
        "The migrated schema differs from create_all's:\n" + schema_difference(migrated, created)
        + "\n" + runner.REVISION_ADVICE)
