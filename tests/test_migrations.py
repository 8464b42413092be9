"""The plugin's own migrations (ektp_admin/migrations), judged by the schema they make.

Each test has an empty database of its own (``scratch_database``: an SQLite
file, or ``<test database>_scratch`` on the PostgreSQL or MariaDB server of
``EKTP_ADMIN_TEST_DATABASE_URL``). "The schema" is what the database reports:
tables, columns with types, nullability and defaults, and every primary key,
foreign key, unique constraint and index with its name.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from conftest import PASSWORD, REFERENCE_DATE, ScratchDatabase, login, make_nik
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from schema_support import assert_same_schema, schema
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import generate_password_hash

from ektp_admin import EktpAdmin, EktpUser, Role, models
from ektp_admin.migrations import BRANCH, VERSION_TABLE, VERSIONS_DIR, include_ektp_branch, runner

DATA = Path(__file__).with_name("data")
RECORDED_VISIT_KEY = ("fk_ektp_resident_recorded_visit_id_ektp_visit", ("recorded_visit_id",), "ektp_visit", ("id",),
                      "SET NULL")


def release_0_1_0() -> sa.MetaData:
    """The tables 0.1.0's create_all made, frozen from commit 067d12b (tests/data)."""
    spec = importlib.util.spec_from_file_location("schema_0_1_0", DATA / "schema_0_1_0.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.metadata


def assert_no_drift(engine: sa.Engine, metadata: sa.MetaData | None = None) -> None:
    with engine.connect() as conn:
        diffs = runner.differences(conn, metadata)
    assert not diffs, runner.drift_report(diffs)


# ------------------------------------------------------------------ the branch itself


def test_the_branch_is_one_line_of_revisions_on_its_own_label() -> None:
    scripts = list(runner.script_directory().walk_revisions())
    assert [s.revision for s in reversed(scripts)] == [f"ektp_{n:04d}" for n in range(1, len(scripts) + 1)]
    assert [s.revision for s in scripts if s.is_head] == [runner.head()]
    base = scripts[-1]
    assert base.down_revision is None and base.branch_labels == {BRANCH}
    for script in scripts:
        assert Path(script.path).name.startswith(script.revision + "_"), script.path
        assert script.doc, f"{script.revision} says in its docstring what it changes"
        source = Path(script.path).read_text(encoding="utf-8")
        assert "ektp_admin.models" not in source and "from ektp_admin import models" not in source, \
            f"{script.revision}: revisions never use the models (they move on)"
        assert not re.search(r"""\bname=["']|create_index\(["']|create_foreign_key\(["']|create_unique_constraint\(["']""",
                             source), \
            f"{script.revision}: names as op.f(\"...\"), or a portal's naming convention renames them"


def test_the_revisions_ship_in_the_package() -> None:
    import configparser

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).resolve().parents[1] / "setup.cfg")
    data = setup["options.package_data"]["ektp_admin"].split()
    assert "migrations/script.py.mako" in data
    assert "alembic>=1.13" in setup["options"]["install_requires"].split()
    # env.py and versions/*.py are modules of the packages ektp_admin.migrations(.versions)
    assert (VERSIONS_DIR / "__init__.py").is_file() and (VERSIONS_DIR.parent / "__init__.py").is_file()


# ------------------------------------------------------------------ (a) empty database -> head == create_all


def test_revision_0001_makes_exactly_the_schema_of_0_1_0(scratch_database: ScratchDatabase) -> None:
    engine = scratch_database.engine()
    runner.upgrade(engine, target="ektp_0001")
    migrated = schema(engine)
    assert_no_drift(engine, release_0_1_0())
    assert RECORDED_VISIT_KEY in migrated["ektp_resident"]["foreign keys"]

    scratch_database.reset()
    engine = scratch_database.engine()
    release_0_1_0().create_all(engine)
    assert_same_schema(migrated, schema(engine))


def test_an_empty_database_upgraded_to_head_equals_create_all(scratch_database: ScratchDatabase) -> None:
    """The test that fails when models.py changes without a revision (the message says how to add one)."""
    engine = scratch_database.engine()
    outcome = runner.upgrade(engine)
    assert [rev for rev, _ in outcome.applied] == [s.revision for s in reversed(list(
        runner.script_directory().walk_revisions()))]
    assert_no_drift(engine)
    migrated = schema(engine)
    assert RECORDED_VISIT_KEY in migrated["ektp_resident"]["foreign keys"]
    assert ("uq_ektp_resident_nik", ("nik",)) in migrated["ektp_resident"]["unique constraints"]

    scratch_database.reset()
    engine = scratch_database.engine()
    models.metadata.create_all(engine)
    assert_same_schema(migrated, schema(engine))


def test_downgrades_go_back_to_0_1_0_and_to_nothing(scratch_database: ScratchDatabase) -> None:
    engine = scratch_database.engine()
    runner.upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(runner.make_config(connection=conn), "ektp_0001")
    assert_no_drift(engine, release_0_1_0())
    with engine.begin() as conn:
        command.downgrade(runner.make_config(connection=conn), "base")
    assert [t for t in sa.inspect(engine).get_table_names() if t.startswith("ektp_")] == [VERSION_TABLE]


def test_revision_0005_indexes_the_words_of_names_already_there(scratch_database: ScratchDatabase) -> None:
    """Residents stored before the upgrade are found by any word of the name after it
    (SQLite's FTS5 'rebuild', PostgreSQL's GIN and MariaDB's FULLTEXT index built from the rows)."""
    from ektp_admin import search_index
    from ektp_admin.queries.residents import resident_search_clause

    engine = scratch_database.engine()
    runner.upgrade(engine, target="ektp_0004")
    now = dt.datetime(2016, 9, 20, 10, 0)
    with engine.begin() as conn:
        assert not search_index.present(conn)
        conn.execute(sa.text("INSERT INTO ektp_kecamatan (code, name, regency_code) VALUES ('35.10.01', 'Pesanggaran', '35.10')"))
        conn.execute(sa.text("INSERT INTO ektp_desa (code, name, is_kelurahan, kecamatan_code) "
                             "VALUES ('35.10.01.2001', 'Sarongan', :no, '35.10.01')"), {"no": False})
        for number, name in enumerate(["AGUS HARIYANTO", "SITI HARIYATI", "BUDI SANTOSO"], start=1):
            conn.execute(sa.text(
                "INSERT INTO ektp_resident (id, nik, name, name_key, sex, birth_date, marital_status, citizenship, "
                "desa_code, kecamatan_code, disabled, seriously_ill, away, ktp_status, version, created_at, updated_at) "
                "VALUES (:id, :nik, :name, :name, 'L', :born, 'married', 'wni', '35.10.01.2001', '35.10.01', "
                ":no, :no, :no, 'not_recorded', 1, :now, :now)"),
                {"id": number, "nik": make_nik(dt.date(1970, 1, number), serial=number), "name": name,
                 "born": dt.date(1970, 1, number), "no": False, "now": now})

    outcome = runner.upgrade(engine, target="ektp_0005")

    assert [rev for rev, _ in outcome.applied] == ["ektp_0005"]

    def found(search: str) -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(models.Resident.name).where(resident_search_clause(search))
                                     .order_by(models.Resident.name_key)).scalars())

    with engine.connect() as conn:
        assert search_index.present(conn)
    assert found("HARIYANTO") == ["AGUS HARIYANTO"]
    assert found("hari") == ["AGUS HARIYANTO", "SITI HARIYATI"]
    assert found("santoso budi") == ["BUDI SANTOSO"]
    with engine.begin() as conn:  # and it stays in step with later writes
        conn.execute(sa.text("UPDATE ektp_resident SET name = 'BUDI WIBOWO', name_key = 'BUDI WIBOWO' WHERE id = 3"))
    assert (found("WIBOWO"), found("SANTOSO")) == (["BUDI WIBOWO"], [])

    with engine.begin() as conn:
        command.downgrade(runner.make_config(connection=conn), "ektp_0004")
    with engine.connect() as conn:
        assert not search_index.present(conn)


def test_the_drift_message_says_how_to_ship_a_revision() -> None:
    """What a developer reads when models.py changed and no revision came with it."""
    changed = sa.MetaData()
    for table in models.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["ektp_campaign"].append_column(sa.Column("budget", sa.Integer()))
    engine = sa.create_engine("sqlite://")  # one connection: the in-memory database lives in it
    try:
        with engine.begin() as conn:
            command.upgrade(runner.make_config(connection=conn), "heads")
            diffs = runner.differences(conn, changed)
    finally:
        engine.dispose()
    assert [d[0] for d in diffs] == ["add_column"] and diffs[0][3].name == "budget"
    report = runner.drift_report(diffs)
    assert "ektp_campaign" in report and "budget" in report
    assert 'flask --app wsgi ektp revision -m "what changed"' in report
    assert "PostgreSQL and MariaDB" in report


def test_flask_ektp_revision_writes_nothing_while_models_and_migrations_agree(runner_app: Any) -> None:
    before = sorted(VERSIONS_DIR.glob("*.py"))
    result = runner_app.invoke(args=["ektp", "revision", "-m", "nothing changed"])
    assert result.exit_code == 0, result.output
    assert "nothing written" in result.output
    assert sorted(VERSIONS_DIR.glob("*.py")) == before


@pytest.fixture
def runner_app(app: Any) -> Any:
    return app.test_cli_runner()


# ------------------------------------------------------------------ (b) a database of 0.1.0 -> head


def _fill_0_1_0(engine: sa.Engine) -> None:
    """Rows as 0.1.0 kept them: a locked-out user, a resident recorded by a visit."""
    tables = release_0_1_0().tables
    now = dt.datetime(2016, 9, 20, 10, 0)
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    with engine.begin() as conn:
        conn.execute(tables["ektp_kecamatan"].insert(), {"code": "35.10.01", "name": "Pesanggaran",
                                                         "regency_code": "35.10"})
        conn.execute(tables["ektp_desa"].insert(), {"code": "35.10.01.2001", "name": "Sarongan",
                                                    "is_kelurahan": False, "kecamatan_code": "35.10.01"})
        conn.execute(tables["ektp_user"].insert(), {
            "id": 7, "username": "lama", "password_hash": generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
            "role": "admin", "active": True, "failed_logins": 3, "locked_until": dt.datetime(2016, 9, 20, 9, 0),
            **stamp})
        conn.execute(tables["ektp_visit"].insert(), {
            "id": 11, "day": dt.date(2016, 9, 19), "start_time": dt.time(8, 0), "end_time": dt.time(12, 0),
            "kind": "village_post", "state": "done", "kecamatan_code": "35.10.01", "desa_code": "35.10.01.2001",
            **stamp})
        conn.execute(tables["ektp_resident"].insert(), {
            "id": 21, "nik": make_nik(dt.date(1970, 1, 2)), "name": "Budi Santoso", "name_key": "BUDI SANTOSO",
            "sex": "L", "birth_date": dt.date(1970, 1, 2), "marital_status": "married", "citizenship": "wni",
            "desa_code": "35.10.01.2001", "kecamatan_code": "35.10.01", "disabled": False, "seriously_ill": False,
            "away": False, "ktp_status": "recorded", "ktp_status_changed_on": dt.date(2016, 9, 19),
            "recorded_visit_id": 11, **stamp})
        conn.execute(tables["ektp_visit_result"].insert(), {
            "id": 31, "visit_id": 11, "resident_id": 21, "result": "recorded", "counted_resident_id": 21,
            "previous_status": "not_recorded"})


@pytest.fixture
def portal_on_scratch(scratch_database: ScratchDatabase, tmp_path: Path) -> Iterator[Flask]:
    from ektp_admin.standalone import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": scratch_database.url,
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
                      "EKTP_ADMIN_REFERENCE_DATE": REFERENCE_DATE}, instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        models.db.session.remove()
        models.db.engine.dispose()


def test_flask_ektp_upgrade_brings_a_0_1_0_database_to_head_with_its_rows(
        scratch_database: ScratchDatabase, portal_on_scratch: Flask) -> None:
    engine = scratch_database.engine()
    release_0_1_0().create_all(engine)
    _fill_0_1_0(engine)

    result = portal_on_scratch.test_cli_runner().invoke(args=["ektp", "upgrade"])

    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "No version table: the tables are those of ektp_0001; recorded it." in result.output
    assert "Applied ektp_0002: Sign-in throttle table and session epochs" in result.output
    assert f"Database at {runner.head()} (head)." in result.output
    with portal_on_scratch.app_context():
        user = models.db.session.get(models.User, 7)
        assert (user.username, user.role, user.session_epoch, user.version) == ("lama", "admin", 0, 1)
        resident = models.db.session.get(models.Resident, 21)
        assert (resident.recorded_visit_id, resident.ktp_status, resident.name) == (11, "recorded", "Budi Santoso")
        assert [(r.visit_id, r.result) for r in resident.visit_results] == [(11, "recorded")]
        models.db.session.remove()
    # the user of 0.1.0 signs in (the new columns and the throttle table work)
    assert login(portal_on_scratch.test_client(), "lama").status_code == 302
    again = portal_on_scratch.test_cli_runner().invoke(args=["ektp", "upgrade"])
    assert again.exit_code == 0 and "Applied" not in again.output and "No version table" not in again.output

    assert_no_drift(engine)
    migrated = schema(engine)
    with portal_on_scratch.app_context():
        models.db.engine.dispose()
    scratch_database.reset()
    engine = scratch_database.engine()
    models.metadata.create_all(engine)
    assert_same_schema(migrated, schema(engine))


def test_upgrade_sql_shows_a_dba_what_would_run(scratch_database: ScratchDatabase, portal_on_scratch: Flask) -> None:
    engine = scratch_database.engine()
    release_0_1_0().create_all(engine)

    result = portal_on_scratch.test_cli_runner().invoke(args=["ektp", "upgrade", "--sql"])

    if engine.dialect.name == "sqlite":
        assert result.exit_code != 0 and "run `flask ektp upgrade` (no --sql)" in result.output
        return
    assert result.exit_code == 0, result.output
    sql = result.output
    assert f"CREATE TABLE {VERSION_TABLE}" in sql and "'ektp_0001'" in sql  # recognised as 0.1.0
    assert "CREATE TABLE ektp_login_failure" in sql and "DROP COLUMN failed_logins" in sql
    assert "CREATE TABLE ektp_resident" not in sql
    assert VERSION_TABLE not in sa.inspect(engine).get_table_names()  # only read


def test_init_db_on_an_empty_database_runs_the_migrations(scratch_database: ScratchDatabase,
                                                          portal_on_scratch: Flask) -> None:
    result = portal_on_scratch.test_cli_runner().invoke(args=["ektp", "init-db"])
    assert result.exit_code == 0, result.output
    assert "Applied ektp_0001" in result.output and "Tables ready." in result.output
    engine = scratch_database.engine()
    with engine.connect() as conn:
        assert runner.current(conn) == runner.head()
        assert conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one() == runner.head()


def test_tables_that_match_no_revision_are_left_alone(scratch_database: ScratchDatabase,
                                                       portal_on_scratch: Flask) -> None:
    engine = scratch_database.engine()
    models.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE ektp_campaign ADD COLUMN budget INTEGER"))

    result = portal_on_scratch.test_cli_runner().invoke(args=["ektp", "upgrade"])

    assert result.exit_code != 0
    assert "match no revision" in result.output and "ektp_campaign: unknown budget" in result.output
    assert VERSION_TABLE not in sa.inspect(engine).get_table_names()


# ------------------------------------------------------------------ (c) a Flask-Migrate portal includes the branch

INI_LINES = "path_separator = space\nversion_locations = %(here)s/versions ektp_admin:migrations/versions\n"
#: A portal's own convention, and one that wraps explicit names (what op.f() must resist).
PORTAL_CONVENTION = {
    "ix": "portal_ix_%(column_0_label)s", "uq": "portal_uq_%(table_name)s_%(column_0_name)s",
    "ck": "portal_ck_%(table_name)s_%(constraint_name)s", "fk": "portal_fk_%(table_name)s_%(column_0_name)s",
    "pk": "portal_pk_%(table_name)s",
}
WRAPPING_CONVENTION = {
    "ix": "portal_%(constraint_name)s", "uq": "portal_%(constraint_name)s", "ck": "portal_%(constraint_name)s",
    "fk": "portal_%(constraint_name)s", "pk": "portal_pk_%(table_name)s",
}


@pytest.fixture
def logging_kept() -> Iterator[None]:
    """Flask-Migrate's env.py runs logging.config.fileConfig, which disables every
    logger already made: put them back for the tests that follow."""
    manager = logging.root.manager
    before = {name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
              for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root = (logging.root.level, list(logging.root.handlers))
    yield
    for name, lg in list(manager.loggerDict.items()):
        if isinstance(lg, logging.Logger):
            disabled, level, handlers, propagate = before.get(name, (False, logging.NOTSET, [], True))
            lg.disabled, lg.level, lg.handlers, lg.propagate = disabled, level, handlers, propagate
    logging.root.level, logging.root.handlers = root[0], root[1]


def _portal(url: str, migrations: Path, convention: dict[str, str], *, ektp: str | None) -> tuple[Flask, Any, Any]:
    """A portal with its own model and Flask-Migrate; ``ektp`` = None (no plugin yet),
    "hook" (the plugin with the portal's own login) or "own-logins" (the plugin keeps ektp_user)."""

    class PortalBase(DeclarativeBase):
        metadata = sa.MetaData(naming_convention=convention)

    class Notice(PortalBase):
        __tablename__ = "portal_notice"
        __table_args__ = (sa.UniqueConstraint("text", name="notice_text"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str] = mapped_column(sa.String(80))

    app = Flask("portal")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=url, TESTING=True)
    db = SQLAlchemy(model_class=PortalBase)
    db.init_app(app)
    migrate = Migrate(app, db, directory=str(migrations))
    if ektp == "hook":
        EktpAdmin(app, db=db, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    elif ektp == "own-logins":
        EktpAdmin(app, db=db)
    return app, db, migrate


def _flask(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)}:\n{result.output}{result.exception!r}"
    return result.output


# Flask-Migrate's generated env.py tries db.get_engine() first (for Flask-SQLAlchemy 2),
# which Flask-SQLAlchemy 3.1 answers with this warning: the portal's file, not our code.
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("story", "how", "convention", "ektp"), [
    ("a portal with migrations of its own", "alembic.ini line", PORTAL_CONVENTION, "hook"),
    ("a portal on 0.1.0 taking up Flask-Migrate", "configure callback", WRAPPING_CONVENTION, "own-logins"),
])
def test_a_flask_migrate_portal_includes_the_branch_and_flask_db_upgrade_makes_our_tables(
        scratch_database: ScratchDatabase, tmp_path: Path, logging_kept: None, story: str, how: str,
        convention: dict[str, str], ektp: str) -> None:
    """The issue's regression: `flask db migrate` + `upgrade` lost the use_alter key; the branch keeps it.

    Each ``flask db`` command runs on a new app object, as a new ``flask`` process
    would (Flask-Migrate keeps state between commands in one process)."""
    migrations = tmp_path / "migrations"
    ours_before = sorted(VERSIONS_DIR.glob("*.py"))
    portals: list[tuple[Flask, Any]] = []

    def flask_db(*args: str, ektp_: str | None = ektp) -> Flask:
        portal, db, migrate = _portal(scratch_database.url, migrations, convention, ektp=ektp_)
        portals.append((portal, db))
        if ektp_ and how == "configure callback":
            migrate.configure(include_ektp_branch)
        _flask(portal, "db", *args)
        return portal

    def include_by_ini_line() -> None:
        if how == "alembic.ini line":
            ini = migrations / "alembic.ini"
            ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\n" + INI_LINES, 1))

    try:
        if story == "a portal with migrations of its own":
            flask_db("init", ektp_=None)
            flask_db("migrate", "-m", "portal notices", ektp_=None)
            flask_db("upgrade", ektp_=None)
            include_by_ini_line()  # the portal takes up the plugin: the documented line
            flask_db("merge", "heads", "-m", "ektp-admin")
            flask_db("upgrade")
        else:
            engine = scratch_database.engine()
            release_0_1_0().create_all(engine)  # what 0.1.0 and db.create_all() left
            _fill_0_1_0(engine)
            flask_db("init")
            include_by_ini_line()
            flask_db("stamp", "ektp_0001")
            flask_db("upgrade")  # only our lineage yet: ektp_0002
            flask_db("migrate", "-m", "portal notices", "--head", "base", "--version-path",
                     str(migrations / "versions"))
            first = [p for p in (migrations / "versions").glob("*.py") if "portal_notices" in p.name]
            assert len(first) == 1 and "ektp_" not in first[0].read_text(), "only the portal's table"
            flask_db("merge", "heads", "-m", "ektp-admin")
            flask_db("upgrade")
        _check_portal(scratch_database, migrations, convention, ektp, portals, flask_db)
        assert sorted(VERSIONS_DIR.glob("*.py")) == ours_before, "the portal's revisions stay in the portal"
    finally:
        for app, db in portals:
            with app.app_context():
                db.engine.dispose()


def _check_portal(scratch_database: ScratchDatabase, migrations: Path, convention: dict[str, str], ektp: str,
                  portals: list[tuple[Flask, Any]], flask_db: Any) -> None:
    engine = scratch_database.engine()
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    expected = {t.name for t in models.metadata.sorted_tables if ektp == "own-logins" or t.name != "ektp_user"}
    assert {"portal_notice", "alembic_version"} | expected <= tables
    assert ("ektp_user" in tables) == (ektp == "own-logins") and VERSION_TABLE not in tables
    assert RECORDED_VISIT_KEY[0] in {fk["name"] for fk in inspector.get_foreign_keys("ektp_resident")}
    ours = {t for t in tables if t.startswith("ektp_")}
    assert {fk["name"] for t in ours for fk in inspector.get_foreign_keys(t)} == {
        str(k.name) for t in models.metadata.sorted_tables if t.name in ours
        for k in t.constraints if isinstance(k, sa.ForeignKeyConstraint)}
    portal_db = portals[-1][1]
    assert_no_drift(engine, portal_db.metadata)  # the portal's metadata holds our tables with our names
    with engine.connect() as conn:
        recorded = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        if "ektp_user" in tables and conn.execute(sa.text("SELECT count(*) FROM ektp_user")).scalar_one():
            assert conn.execute(sa.text("SELECT session_epoch FROM ektp_user WHERE id = 7")).scalar_one() == 0
    assert len(recorded) == 1  # the merge: one head for both lineages
    # Nothing left for the portal's autogenerate: it neither recreates nor drops anything of ours.
    versions = sorted((migrations / "versions").glob("*.py"))
    portal = flask_db("migrate", "-m", "nothing")
    assert sorted((migrations / "versions").glob("*.py")) == versions
    # The standalone command leaves a database the portal migrates alone.
    refused = portal.test_cli_runner().invoke(args=["ektp", "upgrade"])
    assert refused.exit_code != 0 and "`flask db upgrade`" in refused.output and "run that instead" in refused.output


# ------------------------------------------------------------------ (c) data moves


def test_ektp_0006_gives_each_kecamatan_a_standby_and_a_mobile_kit(scratch_database: ScratchDatabase) -> None:
    """Kits that kept the old default (all standby): the oldest stays standby, the others go mobile."""
    engine = scratch_database.engine()
    runner.upgrade(engine, target="ektp_0004")
    meta = sa.MetaData()
    meta.reflect(engine, only=["ektp_kecamatan", "ektp_device"])
    kecamatan, device = meta.tables["ektp_kecamatan"], meta.tables["ektp_device"]
    now = dt.datetime(2016, 9, 20, 10, 0)
    stamp = {"version": 1, "created_at": now, "updated_at": now, "location": None, "notes": None}
    kits = [  # id, owner kecamatan (None: the Dinas), role, condition
        (1, "35.10.01", "standby", "working"), (2, "35.10.01", "standby", "in_repair"),
        (3, "35.10.02", "mobile", "working"),
        (4, "35.10.03", "standby", "working"), (5, "35.10.03", "mobile", "working"),
        (6, None, "standby", "working"),
        (7, "35.10.04", "standby", "retired"), (8, "35.10.04", "standby", "working"),
        (9, "35.10.04", "standby", "working"),
    ]
    with engine.begin() as conn:
        for code, name in (("35.10.01", "Pesanggaran"), ("35.10.02", "Bangorejo"), ("35.10.03", "Purwoharjo"),
                           ("35.10.04", "Tegaldlimo")):
            conn.execute(kecamatan.insert(), {"code": code, "name": name, "regency_code": "35.10"})
        for kit_id, owner, role, condition in kits:
            conn.execute(device.insert(), {
                "id": kit_id, "serial_number": f"KIT-{kit_id}", "owner_kind": "kecamatan" if owner else "dinas",
                "owner_kecamatan_code": owner, "role": role, "condition": condition, **stamp})
    runner.upgrade(engine)
    with engine.connect() as conn:
        roles = dict(conn.execute(sa.select(device.c.id, device.c.role).order_by(device.c.id)).all())
    assert roles == {
        1: "standby", 2: "mobile",  # the older kit stays at the office
        3: "standby",  # a lone mobile kit: its kecamatan had no standby
        4: "standby", 5: "mobile",  # roles already set: left alone
        6: "standby",  # the Dinas' kits: not the kecamatan rule
        7: "standby", 8: "standby", 9: "mobile",  # a retired kit does not count
    }
    assert "ektp_device_release" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_ektp_0010_counts_the_home_visits_into_the_counters_already_built(
        scratch_database: ScratchDatabase) -> None:
    """The new kinds are counted into the window ektp_0007 built; the other cells are left alone.
    A database without a version table is told from the newest one by its indexes."""
    from ektp_admin import counters
    from ektp_admin.domain import counting

    engine = scratch_database.engine()
    runner.upgrade(engine, target="ektp_0009")
    # As made by create_all of the release before (no version table): its indexes say
    # it is ektp_0009, not the newest revision with the same columns.
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
        assert runner.current(conn) == "ektp_0009"
    meta = sa.MetaData()
    meta.reflect(engine, only=["ektp_kecamatan", "ektp_desa", "ektp_resident", "ektp_counter"])
    kecamatan, desa, resident = (meta.tables[f"ektp_{name}"] for name in ("kecamatan", "desa", "resident"))
    now = dt.datetime(2016, 9, 20, 10, 0)
    with engine.connect() as conn:
        window = counters.read_window(conn)
    assert window is not None  # ektp_0007 built it (around today: no app here)
    on = window.first + dt.timedelta(days=400)
    people = [  # name, desa, born, marital, status, disabled, ill, away, away until
        ("LANSIA", "35.10.01.2001", dt.date(1930, 1, 1), "single", "not_recorded", False, False, False, None),
        ("SAKIT", "35.10.01.2001", dt.date(1990, 1, 1), "single", "enrol_failed", False, True, False, None),
        ("NIKAH", "35.10.01.2002", on.replace(year=on.year - 15), "married", "not_recorded", True, False, False, None),
        ("ANAK", "35.10.01.2002", on.replace(year=on.year - 10), "single", "not_recorded", True, False, False, None),
        ("PULANG", "35.10.01.2002", dt.date(1931, 1, 1), "single", "not_recorded", False, False, True, on),
        ("SUDAH", "35.10.01.2001", dt.date(1932, 1, 1), "single", "recorded", True, False, False, None),
        ("HAMPIR", "35.10.01.2001", on.replace(year=on.year - 60) + dt.timedelta(days=3), "single",
         "not_recorded", False, False, False, None),
    ]
    with engine.begin() as conn:
        conn.execute(kecamatan.insert(), {"code": "35.10.01", "name": "Pesanggaran", "regency_code": "35.10"})
        for code, name in (("35.10.01.2001", "Sarongan"), ("35.10.01.2002", "Kandangan")):
            conn.execute(desa.insert(), {"code": code, "name": name, "is_kelurahan": False,
                                         "kecamatan_code": "35.10.01"})
        for serial, (name, desa_code, born, marital, status, disabled, ill, away, until) in enumerate(people, 1):
            conn.execute(resident.insert(), {
                "nik": make_nik(born, serial=serial), "name": name, "name_key": name, "sex": "P", "birth_date": born,
                "marital_status": marital, "citizenship": "wni", "desa_code": desa_code, "kecamatan_code": "35.10.01",
                "ktp_status": status, "disabled": disabled, "seriously_ill": ill, "away": away, "away_until": until,
                "version": 1, "created_at": now, "updated_at": now})
    assert runner.upgrade(engine).stamped == "ektp_0009"
    home = (counting.KIND_HOME_ILL, counting.KIND_HOME_LANSIA)
    with engine.connect() as conn:
        differences = counters.check(conn)
        stored = {cell: n for cell, n in counters.stored(conn).items() if cell[1] in home}
    assert stored and not [d for d in differences if d.kind in home]
    assert sum(stored.values()) == 5  # all but the recorded one and the one still away (the child: by birth)
    assert {d.kind for d in differences} <= set(counting.AGE_KINDS) - set(home)  # rows added after ektp_0007
    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("ektp_resident")}
    assert {"ix_ektp_resident_desa_outstanding", "ix_ektp_resident_away_until"} <= indexes  # (ektp_0013 widened it)
    assert "ix_ektp_resident_desa_status" not in indexes
    engine.dispose()


def test_ektp_0012_marks_the_residents_already_there(scratch_database: ScratchDatabase) -> None:
    """Every 1,000th resident in list order, of the regency and of each kecamatan, with how
    many sort before it: the marks ``list_marks.rebuild`` sets, each checked by a direct count."""
    from ektp_admin import list_marks

    engine = scratch_database.engine()
    runner.upgrade(engine, target="ektp_0011")
    meta = sa.MetaData()
    meta.reflect(engine, only=["ektp_kecamatan", "ektp_desa", "ektp_resident"])
    kecamatan, desa, resident = (meta.tables[f"ektp_{name}"] for name in ("kecamatan", "desa", "resident"))
    now = dt.datetime(2016, 9, 20, 10, 0)
    with engine.begin() as conn:
        for number, (code, name) in enumerate((("35.10.01", "Pesanggaran"), ("35.10.02", "Bangorejo")), 1):
            conn.execute(kecamatan.insert(), {"code": code, "name": name, "regency_code": "35.10"})
            conn.execute(desa.insert(), {"code": f"{code}.2001", "name": f"Desa {number}", "is_kelurahan": False,
                                         "kecamatan_code": code})
        conn.execute(resident.insert(), [{
            "nik": make_nik(dt.date(1980, 1, 1) + dt.timedelta(days=n % 3000), serial=n + 1),
            "name": f"WARGA {n % 97:02d}", "name_key": f"WARGA {n % 97:02d}", "sex": "P",
            "birth_date": dt.date(1980, 1, 1) + dt.timedelta(days=n % 3000), "marital_status": "single",
            "citizenship": "wni", "desa_code": "35.10.01.2001" if n < 1700 else "35.10.02.2001",
            "kecamatan_code": "35.10.01" if n < 1700 else "35.10.02", "ktp_status": "not_recorded",
            "disabled": False, "seriously_ill": False, "away": False, "version": 1, "created_at": now,
            "updated_at": now} for n in range(2500)])
    runner.upgrade(engine)
    mark = sa.table("ektp_list_mark", sa.column("scope"), sa.column("position"))
    with engine.connect() as conn:
        assert list_marks.check(conn) == []
        found = sorted(conn.execute(sa.select(mark.c.scope, mark.c.position)).all())
    assert found == [("*", 0), ("*", 1000), ("*", 2000), ("35.10.01", 0), ("35.10.01", 1000), ("35.10.02", 0)]
    engine.dispose()


def test_ektp_0014_a_nik_search_reads_its_keys_from_one_index(scratch_database: ScratchDatabase) -> None:
    """A NIK prefix in list order (name, id) from ``ix_ektp_resident_nik_name`` alone; the
    plain name index, which the name/outstanding index starts with, is gone."""
    engine = scratch_database.engine()
    runner.upgrade(engine)
    indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(engine).get_indexes("ektp_resident")}
    assert indexes["ix_ektp_resident_nik_name"] == ["nik", "name_key", "id"]
    assert "ix_ektp_resident_name_key" not in indexes
    assert indexes["ix_ektp_resident_name_outstanding"][:2] == ["name_key", "id"]
    if engine.dialect.name == "sqlite":  # the other planners choose by the table's size
        with engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM ektp_resident WHERE nik >= '35100552' AND nik < '35100553' "
                "ORDER BY name_key, id LIMIT 51"))
        assert "COVERING INDEX ix_ektp_resident_nik_name" in plan
    with engine.begin() as conn:
        command.downgrade(runner.make_config(connection=conn), "ektp_0013")
    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("ektp_resident")}
    assert "ix_ektp_resident_name_key" in indexes and "ix_ektp_resident_nik_name" not in indexes
    engine.dispose()
