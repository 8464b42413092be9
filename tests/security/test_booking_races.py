"""One recording kit, or one team, booked twice for overlapping times by two saves
sent at the same moment.

The overlap check reads, then the save inserts: two saves racing through it both
passed. The database must decide (see :mod:`ektp_admin.locks`). Two clerks, each
signed in through the login form of a real HTTP server, post visits that overlap
from two threads released together; pair after pair, exactly one is accepted and
the other reads why it was refused. Counted in the database afterwards: zero
overlapping bookings, on whichever database the suite runs against.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import DESA_A, KEC_A, PASSWORD, add, csrf_token, flashes
from security.live_server import Browser, live_server
from sqlalchemy.orm import aliased
from werkzeug.security import generate_password_hash

from ektp_admin import models

PAIRS = 24
FIRST_DAY = dt.date(2016, 9, 1)
URL = "/admin/visits/new/"


@pytest.fixture
def second_clerk(app: Any) -> str:
    add(app, models.User(username="clerk2", role="clerk", kecamatan_code=KEC_A,
                         password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
    return "clerk2"


def visit_form(token: str, day: dt.date, start: str, end: str, **fields: Any) -> dict[str, str]:
    data = {
        "csrf_token": token, "day": day.isoformat(), "start_time": start, "end_time": end,
        "kind": "village_post", "state": "planned", "kecamatan": "__None", "desa": DESA_A,
        "host_resident": "", "host_address": "", "team": "__None", "device": "__None",
        "campaign": "__None", "notes": "",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


def double_bookings(app: Any, column: str) -> int:
    """Pairs of non-cancelled visits sharing a kit (or a team) on a day at overlapping hours."""
    a, b = aliased(models.Visit), aliased(models.Visit)
    with app.app_context():
        return models.db.session.execute(
            sa.select(sa.func.count()).select_from(a).join(b, sa.and_(
                getattr(a, column) == getattr(b, column), a.day == b.day, a.id < b.id,
                a.start_time < b.end_time, b.start_time < a.end_time,
            )).where(getattr(a, column).is_not(None), a.state != "cancelled", b.state != "cancelled")
        ).scalar_one()


def race(first: Browser, second: Browser, forms: tuple[dict[str, str], dict[str, str]]) -> list[Any]:
    """Post the two forms from two threads released at the same moment."""
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def post(index: int, browser: Browser) -> None:
        barrier.wait()
        answers[index] = browser.post(URL, forms[index])

    threads = [threading.Thread(target=post, args=(i, b)) for i, b in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.slow
@pytest.mark.parametrize("resource", ["device", "team"])
def test_simultaneous_saves_never_double_book(app: Any, second_clerk: str, resource: str) -> None:
    if resource == "device":
        [booked] = add(app, models.Device(serial_number="BWI-01-M", owner_kind="kecamatan",
                                          owner_kecamatan_code=KEC_A, role="mobile"))
        refusal = "Device BWI-01-M is already booked for visit #"
    else:
        [booked] = add(app, models.Team(name="Tim Pesanggaran", kind="kecamatan", kecamatan_code=KEC_A))
        refusal = "Team Tim Pesanggaran is already at visit #"
    accepted_both = refused_both = 0
    with live_server(app) as base:
        first, second = Browser(base).sign_in("clerk"), Browser(base).sign_in(second_clerk)
        for pair in range(PAIRS):
            day = FIRST_DAY + dt.timedelta(days=pair)
            forms = (
                visit_form(csrf_token(first.get(URL).body), day, "08:00", "12:00", **{resource: booked}),
                visit_form(csrf_token(second.get(URL).body), day, "10:00", "14:00", **{resource: booked}),
            )
            answers = race(first, second, forms)
            statuses = sorted(a.status for a in answers)
            assert 500 not in statuses, [a.body[-2000:] for a in answers if a.status == 500]
            accepted_both += statuses == [302, 302]
            refused_both += statuses == [200, 200]
            if statuses == [200, 302]:
                [refused] = [a for a in answers if a.status == 200]
                assert any(m.startswith(refusal) for m in flashes(refused.body)), flashes(refused.body)
    doubles = double_bookings(app, f"{resource}_id")
    print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} {resource}: {accepted_both} of {PAIRS} pairs "
          f"both accepted, {refused_both} both refused, {doubles} double bookings")
    assert doubles == 0
    assert (accepted_both, refused_both) == (0, 0)
    with app.app_context():
        saved = models.db.session.execute(
            sa.select(sa.func.count()).select_from(models.Visit)
            .where(getattr(models.Visit, f"{resource}_id") == booked)).scalar_one()
    assert saved == PAIRS  # one of each pair


@pytest.mark.slow
def test_simultaneous_saves_of_other_kits_and_teams_both_pass(app: Any, second_clerk: str) -> None:
    """The locks serialise only saves that book the same kit or team."""
    devices = add(app, *(models.Device(serial_number=f"BWI-0{i}-M", owner_kind="kecamatan",
                                       owner_kecamatan_code=KEC_A, role="mobile") for i in (1, 2)))
    teams = add(app, *(models.Team(name=f"Tim {i}", kind="kecamatan", kecamatan_code=KEC_A) for i in (1, 2)))
    with live_server(app) as base:
        first, second = Browser(base).sign_in("clerk"), Browser(base).sign_in(second_clerk)
        for pair in range(6):
            day = FIRST_DAY + dt.timedelta(days=pair)
            forms = (
                visit_form(csrf_token(first.get(URL).body), day, "08:00", "12:00", device=devices[0], team=teams[0]),
                visit_form(csrf_token(second.get(URL).body), day, "08:00", "12:00", device=devices[1], team=teams[1]),
            )
            assert [a.status for a in race(first, second, forms)] == [302, 302]
    assert double_bookings(app, "device_id") == double_bookings(app, "team_id") == 0


@pytest.mark.skipif(bool(os.environ.get("EKTP_ADMIN_TEST_DATABASE_URL", "").split(":")[0] not in ("", "sqlite")),
                    reason="SQLite only: servers wait for a row lock, not for the whole database "
                           "(their row locks are what test_simultaneous_saves_never_double_book proves)")
def test_a_save_that_cannot_get_the_lock_is_refused_readably(app: Any) -> None:
    """SQLite: another writer holds the database past the busy timeout."""
    import sqlite3

    from security.ektp_support import sign_in, text

    from ektp_admin.engines import configure_sqlite

    with app.app_context():
        engine = models.db.engine
        assert engine.dialect.name == "sqlite"
        configure_sqlite(engine, 0.2)
        path = engine.url.database
    [device] = add(app, models.Device(serial_number="BWI-01-M", owner_kind="kecamatan", owner_kecamatan_code=KEC_A,
                                      role="mobile"))
    client = sign_in(app.test_client(), "clerk")
    token = csrf_token(text(client.get(URL)))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer, busy for longer than we wait
        response = client.post(URL, data=visit_form(token, FIRST_DAY, "08:00", "12:00", device=device))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 200
    assert "The database refused the change. Nothing was saved; please try again." in flashes(text(response))
    with app.app_context():
        assert models.db.session.execute(sa.select(sa.func.count()).select_from(models.Visit)).scalar_one() == 0
