"""Shared fixtures: a real database (SQLite file by default, or the server in
``EKTP_ADMIN_TEST_DATABASE_URL``), the standalone portal, users of every role
and a ``login_as`` helper that goes through the real login form with CSRF.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from shared_compilation import share_compiled_code
from werkzeug.security import generate_password_hash

from ektp_admin import counters, models
from ektp_admin.domain.enums import KtpStatus, Role

share_compiled_code()

TEST_DB_URL = os.environ.get("EKTP_ADMIN_TEST_DATABASE_URL")
PASSWORD = "rahasia-uji-123"
REFERENCE_DATE = dt.date(2016, 9, 21)
#: Kecamatan of the two clerks (Pesanggaran and Bangorejo, Kabupaten Banyuwangi).
KEC_A, KEC_B = "35.10.01", "35.10.02"
DESA_A, DESA_A2, DESA_B = "35.10.01.2001", "35.10.01.2002", "35.10.02.2001"
USERS = {
    "admin": (Role.ADMIN, None),
    "supervisor": (Role.SUPERVISOR, None),
    "clerk": (Role.CLERK, KEC_A),
    "clerk_b": (Role.CLERK, KEC_B),
}
DATA_TABLES_FIRST = [
    "ektp_audit", "ektp_status_change", "ektp_visit_result", "ektp_outreach", "ektp_team_member",
]


def pytest_report_header(config: Any) -> str:
    return f"ektp-admin test database: {_redact(TEST_DB_URL) if TEST_DB_URL else 'SQLite file (default)'}"


def _redact(url: str) -> str:
    return re.sub(r"//([^:@/]+):[^@/]*@", r"//\1:***@", url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Create the schema once per run and load Banyuwangi's regions."""
    url = TEST_DB_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'ektp_test.sqlite'}"
    engine = sa.create_engine(url)
    models.metadata.drop_all(engine)
    _drop_version_table(engine)  # `flask ektp init-db` in a test records the head
    models.metadata.create_all(engine)
    from sqlalchemy.orm import Session

    from ektp_admin.regions import load_regions

    with Session(engine) as session:
        load_regions(session, "35.10")
        session.commit()
    engine.dispose()
    yield url
    engine = sa.create_engine(url)
    models.metadata.drop_all(engine)
    _drop_version_table(engine)
    engine.dispose()


def _drop_version_table(engine: sa.Engine) -> None:
    from ektp_admin.migrations import VERSION_TABLE

    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))


class ScratchDatabase:
    """An empty database of one test's own: a new SQLite file, or on the test
    server ``<test database>_scratch``, created anew for the test and dropped after."""

    def __init__(self, folder: Path) -> None:
        self._engines: list[sa.Engine] = []
        if TEST_DB_URL:
            server = sa.engine.make_url(TEST_DB_URL)
            self._name = f"{server.database}_scratch"
            self.url = server.set(database=self._name).render_as_string(hide_password=False)
            self._admin: sa.Engine | None = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        else:
            self._file = folder / "scratch.sqlite"
            self.url = f"sqlite:///{self._file}"
            self._admin = None
        self.reset()

    def engine(self) -> sa.Engine:
        engine = sa.create_engine(self.url)
        self._engines.append(engine)
        return engine

    def reset(self, *, create: bool = True) -> None:
        """Drop everything (closing the test's engines) and start empty again."""
        for engine in self._engines:
            engine.dispose()
        self._engines.clear()
        if self._admin is None:
            self._file.unlink(missing_ok=True)
            return
        with self._admin.connect() as conn:
            if self._admin.dialect.name == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
                if create:
                    conn.exec_driver_sql(f'CREATE DATABASE "{self._name}"')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self._name}`")
                if create:
                    conn.exec_driver_sql(f"CREATE DATABASE `{self._name}` CHARACTER SET utf8mb4")

    def close(self) -> None:
        self.reset(create=False)
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """An empty database for the test alone (migrations, a host's own create_all)."""
    database = ScratchDatabase(tmp_path)
    yield database
    database.close()


def _clear_data(engine: sa.Engine) -> None:
    """Empty every table but the regions (kept for the whole run)."""
    keep = {"ektp_kecamatan", "ektp_desa"}
    with engine.begin() as conn:
        conn.execute(sa.update(models.Resident.__table__).values(recorded_visit_id=None))
        for table in reversed(models.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())
        # Counters built (empty, like the data): every test runs with them kept, as
        # after `flask ektp init-db`; summaries then read them.
        counters.rebuild(conn, REFERENCE_DATE, recentre=True)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from ektp_admin.standalone import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "EKTP_ADMIN_REFERENCE_DATE": REFERENCE_DATE,
        },
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        _clear_data(models.db.engine)
        for username, (role, kec) in USERS.items():
            models.db.session.add(
                models.User(username=username, role=role.value, kecamatan_code=kec,
                            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
            )
        models.db.session.commit()
    yield app
    with app.app_context():
        models.db.session.remove()
        models.db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def login_as(client: Any) -> Any:
    """``login_as("clerk")`` signs the test client in through the real form."""

    def _login(username: str) -> Any:
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


# ------------------------------------------------------------------ data factories


def add_objects(app: Any, *objs: Any) -> list[int]:
    """Add model objects in one commit; their ids."""
    with app.app_context():
        models.db.session.add_all(objs)
        models.db.session.commit()
        return [o.id for o in objs]


def sql_value(app: Any, statement: str, **params: Any) -> Any:
    """One value of a hand-written SELECT: the direct count a screen's number is checked against."""
    with app.app_context():
        # Dates bound as dates (the sqlite3 driver's own date adapter is deprecated since Python 3.12).
        typed = [sa.bindparam(k, type_=sa.Date) for k, v in params.items() if isinstance(v, dt.date)]
        return models.db.session.execute(sa.text(statement).bindparams(*typed), params).scalar_one()

_serial = itertools.count(1)


@pytest.fixture
def as_user(login_as: Any, client: Any) -> Any:
    """Sign in through the real form and read pages in English (the report screens' tests)."""

    def _as(username: str) -> Any:
        login_as(username)
        with client.session_transaction() as session:
            session["ektp_admin_lang"] = "en"
        return client

    return _as


def make_nik(birth_date: dt.date, sex: str = "L", kecamatan: str = KEC_A, serial: int | None = None) -> str:
    """A valid NIK for a birth date and sex (day + 40 for women)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    region = kecamatan.replace(".", "")
    return f"{region}{day:02d}{birth_date:%m%y}{serial or next(_serial):04d}"


@pytest.fixture
def make_resident(app: Any) -> Any:
    """Insert a resident directly (as the database would hold it) and return its id."""

    def _make(name: str = "SITI AMINAH", *, birth_date: dt.date = dt.date(1980, 5, 17), sex: str = "P",
              desa: str = DESA_A, status: KtpStatus = KtpStatus.NOT_RECORDED, **extra: Any) -> int:
        with app.app_context():
            resident = models.Resident(
                nik=extra.pop("nik", None) or make_nik(birth_date, sex, desa[:8]),
                name=name, sex=sex, birth_date=birth_date, desa_code=desa, kecamatan_code=desa[:8],
                ktp_status=status.value, **extra,
            )
            models.db.session.add(resident)
            models.db.session.commit()
            return resident.id

    return _make
