"""A CSV export streaming from the database must not hold up the clerks' saves.

On SQLite (the default) a long export used to block every write while it
streamed: residents' saves were refused and a failed login answered 500. The
plugin runs SQLite in WAL mode with a busy timeout, and an export reads one
snapshot: saves made while it streams succeed, and the export shows the rows as
they were when it started, whole and once each.

A real HTTP server; the export is read slowly from a thread and held (server
side) in the middle of its rows while a clerk saves residents through the forms.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import DESA_A, KEC_A, csrf_token, flashes, form_fields, resident_form
from security.live_server import Browser, live_server

from ektp_admin import get_state, models

ROWS = 400
BATCH = 50
HOLD_AT = 60  # the export waits here: one batch sent, the rest still to be read
BIRTH = dt.date(1980, 5, 17)


def nik(serial: int) -> str:
    return f"{KEC_A.replace('.', '')}{BIRTH:%d%m%y}{serial:04d}"


def insert_residents(app: Any) -> list[int]:
    table = models.Resident.__table__
    with app.app_context():
        engine = models.db.engine
        with engine.begin() as conn:
            conn.execute(table.insert(), [
                {"nik": nik(i), "name": f"WARGA {i:04d}", "name_key": f"WARGA {i:04d}", "sex": "L",
                 "birth_date": BIRTH, "marital_status": "married", "citizenship": "wni", "desa_code": DESA_A,
                 "kecamatan_code": KEC_A, "ktp_status": "not_recorded"}
                for i in range(1, ROWS + 1)
            ])
        return [row[0] for row in models.db.session.execute(sa.select(table.c.id).order_by(table.c.name_key))]


def hold_the_export(monkeypatch: Any, app: Any) -> tuple[threading.Event, threading.Event]:
    """Make the residents export stop after its first batch until told to go on."""
    import ektp_admin.views.base as base

    view = next(v for v in get_state(app).admin._views if v.endpoint == "ektp_residents")
    reached, resume = threading.Event(), threading.Event()
    plain = base.stream_tuples

    def stream_tuples(*args: Any, **kwargs: Any) -> Any:
        stream = plain(*args, **kwargs)
        batches = stream._batches

        def held() -> Any:
            sent = 0
            try:
                for batch in batches:
                    if sent < HOLD_AT <= sent + len(batch):
                        reached.set()
                        resume.wait(120)
                    sent += len(batch)
                    yield batch
            finally:
                batches.close()

        stream._batches = held()
        return stream

    monkeypatch.setattr(view, "export_batch_size", BATCH)
    monkeypatch.setattr(base, "stream_tuples", stream_tuples)
    return reached, resume


@pytest.mark.slow
def test_saves_succeed_while_an_export_streams(app: Any, monkeypatch: Any) -> None:
    ids = insert_residents(app)
    reached, resume = hold_the_export(monkeypatch, app)
    body: list[bytes] = []

    with live_server(app) as base:
        exporter, clerk = Browser(base).sign_in("admin"), Browser(base).sign_in("clerk")

        def read_slowly() -> None:
            with exporter.stream("/admin/residents/export/csv/") as response:
                assert response.status == 200
                while chunk := response.read1(4096):
                    body.append(chunk)
                    time.sleep(0.001)

        reader = threading.Thread(target=read_slowly)
        reader.start()
        try:
            assert reached.wait(60), "the export never reached its middle"
            answers = []
            # Residents the export has not sent yet are renamed; new ones are added.
            for rid in ids[-10:]:
                url = f"/admin/residents/edit/?id={rid}"
                fields = dict(form_fields(clerk.get(url).body, "ektp_version"))
                answers.append(clerk.post(url, {**fields, "name": fields["name"] + " BARU"}))
            for _ in range(5):
                token = csrf_token(clerk.get("/admin/residents/new/").body)
                answers.append(clerk.post("/admin/residents/new/", {**resident_form(), "csrf_token": token}))
            wrong = Browser(base)
            login_page = wrong.get("/login")
            failed_login = wrong.post("/login", {"username": "clerk", "password": "salah",
                                                 "csrf_token": csrf_token(login_page.body)})
        finally:
            resume.set()
            reader.join(timeout=120)

    assert [a.status for a in answers] == [302] * 15, [flashes(a.body) for a in answers if a.status != 302]
    assert failed_login.status == 401
    with app.app_context():
        session = models.db.session
        renamed = session.execute(sa.select(sa.func.count()).select_from(models.Resident)
                                  .where(models.Resident.name.like("% BARU"))).scalar_one()
        total = session.execute(sa.select(sa.func.count()).select_from(models.Resident)).scalar_one()
    assert (renamed, total) == (10, ROWS + 5)

    # The export is the snapshot it started from: every resident once, as they were.
    rows = list(csv.reader(io.StringIO(b"".join(body).decode("utf-8").lstrip("\ufeff"))))
    header, data, trailer = rows[0], rows[1:-1], rows[-1]
    assert trailer == [f"# complete: {ROWS} rows"], "the last line says the file is whole"
    names = [dict(zip(header, row))["Name"] for row in data]
    assert names == [f"WARGA {i:04d}" for i in range(1, ROWS + 1)]

    # ... and its audit entry was completed with the number of rows sent.
    for _ in range(100):
        with app.app_context():
            entry = models.db.session.execute(
                sa.select(models.AuditEntry.changes).where(models.AuditEntry.action == "export")).scalar_one()
        if json.loads(entry)["rows"] is not None:
            break
        time.sleep(0.05)
    assert json.loads(entry)["rows"] == ROWS


@pytest.mark.skipif(bool(os.environ.get("EKTP_ADMIN_TEST_DATABASE_URL", "").split(":")[0] not in ("", "sqlite")),
                    reason="SQLite only: WAL and busy_timeout are SQLite's (the servers run the export test above)")
def test_sqlite_connections_run_in_wal_mode_with_the_busy_timeout(app: Any) -> None:
    with app.app_context():
        engine = models.db.engine
        assert engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


@pytest.mark.parametrize("order", ["db first", "plugin first"])
def test_a_hosts_sqlite_engine_gets_wal_and_the_configured_timeout(tmp_path: Any, order: str) -> None:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from ektp_admin import EktpAdmin, EktpUser, Role

    host = Flask("host_portal")
    host.config.update(SECRET_KEY="host", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'portal.sqlite'}",
                       EKTP_ADMIN_SQLITE_BUSY_TIMEOUT=2.5)
    db = SQLAlchemy()
    if order == "db first":
        db.init_app(host)
    EktpAdmin(host, db=db, current_user=lambda: EktpUser("camat", Role.CLERK, KEC_A))
    if order == "plugin first":
        db.init_app(host)
        host.test_client().get("/no-such-page")  # the first request finds the engine
    try:
        with host.app_context():
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    finally:
        with host.app_context():
            db.engine.dispose()
