"""Dates and times posted the way clerks write them (dd-mm-yyyy, HH:MM), shown
back dd-mm-yyyy on every list and details page; timestamps in the office's zone.

Pages are read in English (the msgids) unless a test asks for Indonesian.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import (
    DESA_A,
    add,
    count,
    field_errors,
    filter_arg,
    make_nik,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    text,
)

from ektp_admin import models


def cells(page: str, column: str) -> list[str]:
    """The texts of a list's column ``column`` (Flask-Admin's ``col-<name>`` cells)."""
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(rf'<td class="col-{column}">(.*?)</td>', page, re.S)]


def stored(app: Any, model: Any, *where: Any) -> Any:
    with app.app_context():
        return models.db.session.execute(sa.select(model).where(*where)).scalar_one()


def visit_form(**fields: str) -> dict[str, str]:
    data = {"day": "20-09-2016", "start_time": "08:00", "end_time": "12:00", "kind": "village_post",
            "state": "planned", "kecamatan": "__None", "desa": DESA_A, "host_resident": "", "host_address": "",
            "team": "__None", "device": "__None", "campaign": "__None", "notes": ""}
    data.update(fields)
    return data


# ------------------------------------------------------------------ forms take what clerks type


@pytest.mark.parametrize("typed", ["17-08-1985", "17-8-1985", "17/08/1985", "1985-08-17"])
def test_a_birth_date_typed_as_clerks_write_it_is_saved(app: Any, client: Any, typed: str) -> None:
    sign_in(client, "clerk")
    data = resident_form(nik=make_nik(dt.date(1985, 8, 17), "L"), birth_date=typed)
    response = post_form(client, "/admin/residents/new/", data)
    assert response.status_code == 302, field_errors(text(response))
    resident = stored(app, models.Resident, models.Resident.nik == data["nik"])
    assert resident.birth_date == dt.date(1985, 8, 17)
    page = text(client.get(f"/admin/residents/?search={data['nik']}"))
    assert cells(page, "birth_date") == ["17-08-1985"]
    edit_page = text(client.get(f"/admin/residents/edit/?id={resident.id}"))
    assert re.search(r'name="birth_date"[^>]*value="17-08-1985"|value="17-08-1985"[^>]*name="birth_date"', edit_page)


def test_a_scrambled_or_unknown_date_is_refused_in_the_users_language(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    data = resident_form(birth_date="0002-01-01016-09-21")
    page = text(post_form(client, "/admin/residents/new/", data))
    assert "Write the date as dd-mm-yyyy, for example 21-09-2016." in field_errors(page)
    assert count(app, models.Resident) == 0

    sign_in(client, "clerk", lang="id")
    page = text(post_form(client, "/admin/residents/new/", resident_form(birth_date="17 Agustus 1985")))
    assert "Tulis tanggal sebagai HH-BB-TTTT, misalnya 21-09-2016." in field_errors(page)
    assert count(app, models.Resident) == 0


def test_a_visit_typed_dd_mm_yyyy_and_hh_mm_is_saved_and_shown_back(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/visits/new/", visit_form(day="20-9-2016", start_time="9.00", end_time="1030"))
    assert response.status_code == 302, field_errors(text(response))
    visit = stored(app, models.Visit)
    assert (visit.day, visit.start_time, visit.end_time) == (dt.date(2016, 9, 20), dt.time(9, 0), dt.time(10, 30))
    page = text(client.get("/admin/visits/"))
    assert cells(page, "day") == ["20-09-2016"] and cells(page, "hours") == ["09:00-10:30"]
    form = text(client.get(f"/admin/visits/edit/?id={visit.id}"))
    for name, value in (("day", "20-09-2016"), ("start_time", "09:00"), ("end_time", "10:30")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"|value="{value}"[^>]*name="{name}"', form), name
    # the form's boxes are ours: no data-role Flask-Admin's form.js would hand to its picker
    assert 'data-role="datepicker"' not in form and 'data-role="timepicker"' not in form
    assert 'data-ektp-date="day"' in form


@pytest.mark.parametrize("typed", ["09:00:00:00", "25:00", "jam 9"])
def test_a_time_that_means_nothing_is_refused_with_a_sentence(app: Any, client: Any, typed: str) -> None:
    sign_in(client, "clerk")
    page = text(post_form(client, "/admin/visits/new/", visit_form(start_time=typed)))
    assert "Write the time as HH:MM, for example 09:00 or 14:30." in field_errors(page)
    assert count(app, models.Visit) == 0


def test_a_campaign_and_outreach_typed_dd_mm_yyyy_are_listed_dd_mm_yyyy(app: Any, client: Any) -> None:
    sign_in(client, "supervisor")
    response = post_form(client, "/admin/campaigns/new/", {
        "name": "Jemput Bola September", "start_date": "5/9/2016", "target_date": "2016-10-05",
        "scope_code": "35.10", "baseline_outstanding": "", "notes": ""})
    assert response.status_code == 302, field_errors(text(response))
    campaign = stored(app, models.Campaign)
    assert (campaign.start_date, campaign.target_date) == (dt.date(2016, 9, 5), dt.date(2016, 10, 5))
    page = text(client.get("/admin/campaigns/"))
    assert cells(page, "start_date") == ["05-09-2016"] and cells(page, "target_date") == ["05-10-2016"]
    details = text(client.get(f"/admin/campaigns/details/?id={campaign.id}"))
    shown = re.search(r"<table[^>]*>(.*?)</table>", details, re.S).group(1)  # the details table itself
    assert "05-09-2016" in shown and "2016-09-05" not in shown

    sign_in(client, "clerk")
    response = post_form(client, "/admin/outreach/new/", {
        "desa": DESA_A, "channel": "mosque", "held_on": "09-09-2016", "by_whom": "Takmir Masjid", "notes": ""})
    assert response.status_code == 302, field_errors(text(response))
    assert stored(app, models.Outreach).held_on == dt.date(2016, 9, 9)
    assert cells(text(client.get("/admin/outreach/")), "held_on") == ["09-09-2016"]


# ------------------------------------------------------------------ list filters typed dd-mm-yyyy


def test_the_visit_day_filter_takes_typed_dates(app: Any, client: Any) -> None:
    for day in (dt.date(2016, 9, 19), dt.date(2016, 9, 20), dt.date(2016, 9, 21), dt.date(2016, 9, 22)):
        make_visit(app, day=day)
    sign_in(client, "clerk")

    def listed(arg: str, value: str) -> list[str]:
        return cells(text(client.get("/admin/visits/", query_string={arg: value})), "day")

    def direct(*where: Any) -> int:
        return count(app, models.Visit, *where)

    between = filter_arg(app, "ektp_visits", "Day", "between")
    shown = listed(between, "20-09-2016 - 21/9/2016")
    assert sorted(shown) == ["20-09-2016", "21-09-2016"]
    assert len(shown) == direct(models.Visit.day.between(dt.date(2016, 9, 20), dt.date(2016, 9, 21)))
    assert listed(filter_arg(app, "ektp_visits", "Day", "on"), "20-9-2016") == ["20-09-2016"]
    assert sorted(listed(filter_arg(app, "ektp_visits", "Day", "on or after"), "2016-09-21")) == [
        "21-09-2016", "22-09-2016"]
    assert len(listed(filter_arg(app, "ektp_visits", "Day", "on or before"), "21-09-2016")) == direct(
        models.Visit.day <= dt.date(2016, 9, 21))
    page = text(client.get("/admin/visits/", query_string={between: "kemarin"}))
    assert "Filter Day: write two dates as dd-mm-yyyy" in page


# ------------------------------------------------------------------ timestamps in the office's zone


def test_the_audit_log_shows_wib_and_filters_by_the_offices_day(app: Any, client: Any) -> None:
    # 18:30 UTC on the 20th is 01:30 on the 21st in Banyuwangi
    late, early = add(app,
                      models.AuditEntry(at=dt.datetime(2016, 9, 20, 18, 30), username="clerk", action="update",
                                        table_name="ektp_resident", record_id="1", changes="{}"),
                      models.AuditEntry(at=dt.datetime(2016, 9, 20, 2, 0), username="clerk", action="update",
                                        table_name="ektp_resident", record_id="2", changes="{}"))
    sign_in(client, "supervisor")
    page = text(client.get("/admin/audit/"))
    assert "21-09-2016 01:30 WIB" in cells(page, "at") and "20-09-2016 09:00 WIB" in cells(page, "at")
    assert "UTC" not in page
    on = filter_arg(app, "ektp_audit", "When", "on")
    assert cells(text(client.get("/admin/audit/", query_string={on: "21-09-2016"})), "record_id") == ["1"]
    assert cells(text(client.get("/admin/audit/", query_string={on: "20-09-2016"})), "record_id") == ["2"]


def test_another_office_zone_is_shown_by_its_name(app: Any, client: Any) -> None:
    from zoneinfo import ZoneInfo

    app.config["EKTP_ADMIN_TIMEZONE"] = ZoneInfo("Asia/Makassar")
    add(app, models.AuditEntry(at=dt.datetime(2016, 9, 20, 2, 0), username="clerk", action="update",
                               table_name="ektp_resident", record_id="1", changes="{}"))
    sign_in(client, "supervisor")
    assert "20-09-2016 10:00 WITA" in cells(text(client.get("/admin/audit/")), "at")


def test_a_visit_details_page_says_when_it_was_entered_in_wib(app: Any, client: Any) -> None:
    visit_id = make_visit(app, created_at=dt.datetime(2016, 9, 20, 1, 15), updated_at=dt.datetime(2016, 9, 20, 9, 45))
    sign_in(client, "clerk")
    page = text(client.get(f"/admin/visits/details/?id={visit_id}"))
    assert "20-09-2016 08:15 WIB" in page and "20-09-2016 16:45 WIB" in page
