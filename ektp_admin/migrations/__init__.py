"""The plugin's own Alembic migrations: the branch ``ektp_admin``.

Every schema change ships with a revision in ``versions/`` (``ektp_0001`` is
the schema of release 0.1.0, each later one a change since). They run in two
ways:

- **standalone** (the plugin's portal, or any app without Flask-Migrate):
  ``flask ektp upgrade`` (``init-db`` does the same) runs them through
  ``env.py`` here and keeps the applied revision in the table
  :data:`VERSION_TABLE` (``ektp_alembic_version``), never a host's
  ``alembic_version``. A database without that table is recognised: empty
  (upgraded from the start) or made by ``create_all`` of a release
  (:mod:`.runner` stamps the revision it matches, then upgrades).
- **in a Flask-Migrate portal**: ``migrate.configure(include_ektp_branch)``
  (one line) adds our ``versions/`` to the portal's version locations, so the
  portal's ``flask db upgrade`` runs our revisions with its own ``env.py`` and
  records them in its ``alembic_version`` next to its own lineage.

Revisions use ``op`` and the helpers below only (never the models, which move
on), name everything with ``op.f(...)`` (a portal's ``naming_convention`` must
not rename what they create) and are written for SQLite, PostgreSQL and
MariaDB alike. ``flask ektp revision -m "..."`` writes a new one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The branch label of our first revision: ``ektp_admin@head`` in any script directory.
BRANCH = "ektp_admin"
#: Where the standalone command records the applied revision (a portal's
#: Flask-Migrate records ours in its own ``alembic_version``).
VERSION_TABLE = "ektp_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
#: ``config.attributes`` key: whether the ``ektp_user`` table belongs to the schema.
USERS_ATTRIBUTE = "ektp_admin.manages_users"

_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}


def include_ektp_branch(config: Any) -> Any:
    """A Flask-Migrate configuration callback: the portal's migrations also read ours.

    ::

        migrate = Migrate(app, db)
        migrate.configure(include_ektp_branch)

    Adds our ``versions/`` directory to the portal's ``version_locations``
    (keeping the portal's own ``versions/`` and any it lists), so ``flask db
    upgrade`` applies the ``ektp_admin`` branch too.
    """
    from alembic.util import coerce_resource_to_filename
    from flask import current_app, has_app_context

    if has_app_context() and "migrate" in current_app.extensions:
        leave_out_search_index(current_app.extensions["migrate"])
    if config.get_main_option("version_locations"):
        locations = list(config.get_version_locations_list() or [])
    else:
        locations = [os.path.join(config.get_main_option("script_location"), "versions")]
    resolved = {Path(coerce_resource_to_filename(location)).resolve() for location in locations}
    if VERSIONS_DIR not in resolved:
        locations.append(str(VERSIONS_DIR))
    separator_name = config.get_main_option("path_separator")
    if separator_name not in _SEPARATORS:
        separator_name = "newline"
        config.set_main_option("path_separator", separator_name)
    separator = _SEPARATORS[separator_name]
    config.set_main_option("version_locations", separator.join(loc.replace("%", "%%") for loc in locations))
    return config


def leave_out_search_index(migrate_config: Any) -> None:
    """Make a Flask-Migrate portal's autogenerate leave our name-search index alone.

    The index is made per database outside the metadata (an FTS5 table and its
    triggers on SQLite, a GIN or FULLTEXT index elsewhere: see
    :mod:`ektp_admin.search_index`), so ``flask db migrate`` would otherwise write
    a revision dropping it. ``migrate_config`` is ``app.extensions["migrate"]``:
    its ``include_name`` (a portal's own, if any, still decides the rest) is
    wrapped once. Called by ``EktpAdmin.init_app`` and :func:`include_ektp_branch`.
    """
    args = getattr(migrate_config, "configure_args", None)
    if args is None:
        return
    inner = args.get("include_name")
    if getattr(inner, "_ektp_leaves_out_search_index", False):
        return

    def include_name(name: Any, type_: str, parent_names: Any) -> bool:
        from ..search_index import is_search_index

        if is_search_index(name, type_):
            return False
        return inner(name, type_, parent_names) if inner is not None else True

    include_name._ektp_leaves_out_search_index = True  # type: ignore[attr-defined]
    args["include_name"] = include_name


def user_table_wanted() -> bool:
    """Whether this schema has the plugin's own logins (``ektp_user``).

    A portal that answers who is signed in through its own hook gets no
    ``ektp_user`` table (``EktpAdmin.init_app`` leaves it out of its metadata),
    so revisions create and change that table only when this says so: asked of
    the running command (``flask ektp upgrade``), else of the app's e-KTP state
    (a portal's ``flask db upgrade``), else yes (plain ``alembic``).
    """
    from alembic import op

    config = op.get_context().config
    if config is not None and USERS_ATTRIBUTE in config.attributes:
        return bool(config.attributes[USERS_ATTRIBUTE])
    from flask import current_app, has_app_context

    if has_app_context():
        state = current_app.extensions.get("ektp_admin")
        if state is not None:
            return bool(state.manages_users)
    return True


def foreign_keys_inline() -> bool:
    """True where a foreign key cannot be added later (SQLite has no ALTER ... ADD
    CONSTRAINT): there ``create_all`` writes even a ``use_alter`` key into CREATE
    TABLE, and so must a revision."""
    from alembic import op

    return not op.get_context().dialect.supports_alter
