"""Dates and times as clerks type them, and timestamps in the office's zone."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from ektp_admin.formatting import (
    fmt_day,
    fmt_moment,
    fmt_time,
    local_day_bounds,
    parse_day,
    parse_time,
)

SEPT_21 = dt.date(2016, 9, 21)


@pytest.mark.parametrize("typed", [
    "21-09-2016", "21-9-2016", " 21-09-2016 ", "21/09/2016", "21/9/2016", "21.09.2016", "2016-09-21",
])
def test_a_date_is_read_in_every_form_a_clerk_writes_or_pastes(typed: str) -> None:
    assert parse_day(typed) == SEPT_21


def test_a_single_digit_day_and_month() -> None:
    assert parse_day("1-9-2016") == dt.date(2016, 9, 1)
    assert parse_day("01-09-2016") == dt.date(2016, 9, 1)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_a_blank_date_is_none(typed: str | None) -> None:
    assert parse_day(typed) is None


@pytest.mark.parametrize("typed", [
    "0002-01-01016-09-21",  # what Flask-Admin's picker made of a typed 2016-09-21
    "31-02-2016", "21-13-2016", "09-21-2016", "21-09-16", "2016/09/21x", "kemarin", "21 September 2016",
    "21092016", "21-09-20166",
])
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_day(typed)


@pytest.mark.parametrize("typed, time", [
    ("09:00", dt.time(9, 0)), ("9:00", dt.time(9, 0)), ("09.00", dt.time(9, 0)), ("0900", dt.time(9, 0)),
    ("900", dt.time(9, 0)), ("9", dt.time(9, 0)), ("14:30", dt.time(14, 30)), ("09:00:00", dt.time(9, 0)),
    (" 20:00 ", dt.time(20, 0)), ("00:00", dt.time(0, 0)),
])
def test_a_time_is_read_as_typed(typed: str, time: dt.time) -> None:
    assert parse_time(typed) == time


@pytest.mark.parametrize("typed", ["09:00:00:00", "24:00", "09:60", "9 pagi", "09-00", "1:2", "12345"])
def test_a_time_that_means_nothing_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_time(typed)


def test_dates_and_times_are_shown_as_clerks_write_them() -> None:
    assert fmt_day(SEPT_21) == "21-09-2016"
    assert fmt_day(dt.date(2016, 1, 2)) == "02-01-2016"
    assert fmt_time(dt.time(9, 5)) == "09:05"
    assert fmt_day(None) == fmt_time(None) == fmt_moment(None) == ""


def test_a_stored_utc_moment_is_shown_in_wib_outside_any_app() -> None:
    # 07:05 UTC is 14:05 in Jakarta (UTC+7, no daylight saving)
    assert fmt_moment(dt.datetime(2016, 9, 21, 7, 5, 9)) == "21-09-2016 14:05 WIB"
    assert fmt_moment(dt.datetime(2016, 9, 21, 7, 5, 9), seconds=True) == "21-09-2016 14:05:09 WIB"
    # late in the UTC evening is already the next day in the office
    assert fmt_moment(dt.datetime(2016, 9, 21, 18, 30)) == "22-09-2016 01:30 WIB"
    aware = dt.datetime(2016, 9, 21, 7, 5, tzinfo=dt.timezone.utc)
    assert fmt_moment(aware) == "21-09-2016 14:05 WIB"


@pytest.mark.parametrize("zone, shown", [
    ("Asia/Makassar", "21-09-2016 15:05 WITA"),
    ("Asia/Jayapura", "21-09-2016 16:05 WIT"),
    ("UTC", "21-09-2016 07:05 UTC"),
])
def test_the_office_zone_is_the_apps_setting(zone: str, shown: str) -> None:
    app = Flask(__name__)
    app.config["EKTP_ADMIN_TIMEZONE"] = ZoneInfo(zone)
    with app.app_context():
        assert fmt_moment(dt.datetime(2016, 9, 21, 7, 5)) == shown


def test_an_office_day_in_utc() -> None:
    # 21-09-2016 in WIB runs from 20-09 17:00 UTC to 21-09 17:00 UTC
    assert local_day_bounds(SEPT_21) == (dt.datetime(2016, 9, 20, 17, 0), dt.datetime(2016, 9, 21, 17, 0))


def test_today_is_the_office_s_day_not_the_server_s(monkeypatch: Any) -> None:
    """At 23:30 UTC it is already 06:30 the next morning in WIB: the clerk's today."""
    import flask

    from ektp_admin.queries import clauses

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> "Clock":
            moment = dt.datetime(2016, 9, 20, 23, 30, tzinfo=dt.timezone.utc)
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)  # type: ignore[return-value]

    monkeypatch.setattr(clauses.dt, "datetime", Clock)
    app = flask.Flask("zone-test")
    for zone, day in (("Asia/Jakarta", dt.date(2016, 9, 21)), ("UTC", dt.date(2016, 9, 20))):
        app.config["EKTP_ADMIN_TIMEZONE"] = zone
        with app.app_context():
            assert clauses.reference_date() == day
