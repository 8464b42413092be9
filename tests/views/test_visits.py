"""Visit logs: a visit with its results, recorded through the real forms.

Pages are read in English (``?lang=en``, remembered in the session) so the
assertions hold whatever the Indonesian catalogue says.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, KEC_B, csrf_token

from ektp_admin import models, services
from ektp_admin.domain.enums import KtpStatus, VisitState

URL = "/admin/visits/"
TUESDAY = dt.date(2016, 9, 20)
SATURDAY = dt.date(2016, 9, 17)
# Filter arguments are flt<position>_<index of the filter in VisitView.column_filters>.
FILTER_STATE = 4


# ------------------------------------------------------------------ helpers


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def sign_in(login_as: Any) -> Any:
    def _sign_in(username: str) -> Any:
        client = login_as(username)
        assert client.get(URL + "?lang=en").status_code == 200
        return client

    return _sign_in


@pytest.fixture
def make_device(app: Any) -> Any:
    def _make(serial: str = "BWI-01-M", *, kecamatan: str | None = KEC_A, condition: str = "working") -> int:
        with app.app_context():
            device = models.Device(
                serial_number=serial, owner_kind="kecamatan" if kecamatan else "dinas",
                owner_kecamatan_code=kecamatan, role="mobile", condition=condition,
            )
            models.db.session.add(device)
            models.db.session.commit()
            return device.id

    return _make


@pytest.fixture
def make_visit(app: Any) -> Any:
    """A visit as the database would hold it (no results)."""

    def _make(*, day: dt.date = TUESDAY, start: dt.time = dt.time(8), end: dt.time = dt.time(12),
              desa: str | None = DESA_A, state: str = "planned", device_id: int | None = None,
              kind: str = "village_post") -> int:
        with app.app_context():
            visit = models.Visit(
                day=day, start_time=start, end_time=end, kind=kind, state=state,
                kecamatan_code=(desa or DESA_A)[:8], desa_code=desa, device_id=device_id,
            )
            models.db.session.add(visit)
            models.db.session.commit()
            return visit.id

    return _make


def visit_form(token: str, results: list[dict[str, str]] = (), **fields: Any) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "day": TUESDAY.isoformat(),
        "start_time": "08:00",
        "end_time": "12:00",
        "kind": "village_post",
        "state": "done",
        "kecamatan": "__None",
        "desa": DESA_A,
        "host_resident": "",
        "host_address": "",
        "team": "__None",
        "device": "__None",
        "campaign": "__None",
        "notes": "",
    }
    data.update({k: str(v) for k, v in fields.items()})
    for i, row in enumerate(results):
        data[f"results-{i}-id"] = str(row.get("id", ""))
        data[f"results-{i}-resident"] = str(row["resident"])
        data[f"results-{i}-result"] = row.get("result", "recorded")
        data[f"results-{i}-note"] = row.get("note", "")
        if row.get("delete"):
            data[f"del-results-{i}"] = "on"
    return data


def create(client: Any, results: list[dict[str, str]] = (), **fields: Any) -> Any:
    token = csrf_token(client.get(URL + "new/").get_data(as_text=True))
    return client.post(URL + "new/", data=visit_form(token, results, **fields))


def edit(client: Any, visit_id: int, results: list[dict[str, str]] = (), **fields: Any) -> Any:
    page = client.get(f"{URL}edit/?id={visit_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    version = re.search(r'name="ektp_version"[^>]*value="(\d+)"', body) or re.search(
        r'value="(\d+)"[^>]*name="ektp_version"', body
    )
    data = visit_form(csrf_token(body), results, **fields)
    data["ektp_version"] = version.group(1)
    return client.post(f"{URL}edit/?id={visit_id}", data=data)


def stored(app: Any, statement: Any) -> Any:
    with app.app_context():
        return models.db.session.execute(statement).all()


def resident_state(app: Any, resident_id: int) -> tuple[str, int | None]:
    with app.app_context():
        r = models.db.session.get(models.Resident, resident_id)
        return r.ktp_status, r.recorded_visit_id


def visit_ids(app: Any) -> list[int]:
    return [row[0] for row in stored(app, sa.select(models.Visit.id).order_by(models.Visit.id))]


def result_rows(app: Any, visit_id: int) -> list[tuple[int, int, str]]:
    return [tuple(r) for r in stored(app, sa.select(
        models.VisitResult.id, models.VisitResult.resident_id, models.VisitResult.result
    ).where(models.VisitResult.visit_id == visit_id).order_by(models.VisitResult.id))]


# ------------------------------------------------------------------ creating visits


def test_clerk_creates_a_visit(app, sign_in, make_device):
    client = sign_in("clerk")
    device = make_device()
    response = create(client, device=device, notes="Balai desa")
    assert response.status_code == 302, text(response)[:3000]
    [(day, start, end, kecamatan, desa, device_id, state)] = stored(app, sa.select(
        models.Visit.day, models.Visit.start_time, models.Visit.end_time, models.Visit.kecamatan_code,
        models.Visit.desa_code, models.Visit.device_id, models.Visit.state,
    ))
    assert (day, start, end) == (TUESDAY, dt.time(8), dt.time(12))
    assert (kecamatan, desa, device_id, state) == (KEC_A, DESA_A, device, "done")
    listing = text(client.get(URL))
    assert "20-09-2016" in listing and "08:00-12:00" in listing and "BWI-01-M" in listing


def test_office_visit_takes_the_clerks_kecamatan(app, sign_in):
    client = sign_in("clerk")
    response = create(client, kind="office", desa="")
    assert response.status_code == 302, text(response)[:3000]
    assert stored(app, sa.select(models.Visit.kecamatan_code, models.Visit.desa_code)) == [(KEC_A, None)]


def test_village_post_needs_a_desa(app, sign_in):
    client = sign_in("clerk")
    page = text(create(client, kind="village_post", desa=""))
    assert 'A visit of the kind "Village post" needs its desa/kelurahan.' in page
    assert visit_ids(app) == []


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("06:30", "09:00", "Recording starts at 07:00; this visit starts at 06:30."),
        ("18:00", "20:30", "Recording ends at 20:00; this visit ends at 20:30."),
    ],
)
def test_outside_recording_hours_is_refused_and_input_kept(app, sign_in, start, end, message):
    client = sign_in("clerk")
    response = create(client, start_time=start, end_time=end, notes="Posyandu Melati")
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert f'value="{start}"' in page and f'value="{end}"' in page and "Posyandu Melati" in page
    assert visit_ids(app) == []


def test_weekend_allowed_by_default(app, sign_in):
    client = sign_in("clerk")
    assert create(client, day=SATURDAY.isoformat()).status_code == 302
    assert len(visit_ids(app)) == 1


def test_weekend_refused_when_configured(app, sign_in):
    app.config["EKTP_ADMIN_RECORDING_WEEKENDS"] = False
    client = sign_in("clerk")
    page = text(create(client, day=SATURDAY.isoformat()))
    assert "17-09-2016 is a weekend day, and recording is not scheduled on weekends." in page
    assert visit_ids(app) == []
    assert create(client, day=TUESDAY.isoformat()).status_code == 302


def test_device_double_booked_is_refused(app, sign_in, make_device, make_visit):
    device = make_device()
    other = make_visit(device_id=device, start=dt.time(8), end=dt.time(12), desa=DESA_B)
    client = sign_in("clerk")
    page = text(create(client, device=device, start_time="10:00", end_time="14:00"))
    assert f"Device BWI-01-M is already booked for visit #{other} on 20-09-2016 from 08:00 to 12:00." in page
    assert visit_ids(app) == [other]
    # back to back is fine
    assert create(client, device=device, start_time="12:00", end_time="14:00").status_code == 302


def test_team_in_two_places_is_refused(app, sign_in, make_visit):
    with app.app_context():
        team = models.Team(name="Tim Pesanggaran", kind="kecamatan", kecamatan_code=KEC_A)
        models.db.session.add(team)
        models.db.session.commit()
        team_id = team.id
    other = make_visit(start=dt.time(8), end=dt.time(12), desa=DESA_A)
    with app.app_context():
        models.db.session.get(models.Visit, other).team_id = team_id
        models.db.session.commit()
    client = sign_in("clerk")
    page = text(create(client, team=team_id, desa=DESA_A, start_time="11:00", end_time="14:00"))
    assert (f"Team Tim Pesanggaran is already at visit #{other} in Sarongan on 20-09-2016 "
            "from 08:00 to 12:00.") in page
    assert visit_ids(app) == [other]
    # back to back is fine, and so is another team at the same time
    assert create(client, team=team_id, start_time="12:00", end_time="14:00").status_code == 302
    assert create(client, start_time="08:00", end_time="12:00").status_code == 302


@pytest.mark.parametrize(
    "day, message",
    [
        ("0001-01-01", "The visit on 01-01-0001 is too early: visits can be logged from 01-01-2011."),
        ("9999-12-31", "The visit on 31-12-9999 is too far ahead: visits can be logged until 31-12-2100."),
    ],
)
def test_a_day_without_sense_is_refused(app, sign_in, day, message):
    client = sign_in("clerk")
    page = text(create(client, day=day, state="planned"))
    assert message in page
    assert visit_ids(app) == []


def test_the_date_range_is_configurable(app, sign_in):
    app.config["EKTP_ADMIN_VISIT_DATE_RANGE"] = (dt.date(2016, 9, 1), "2016-09-30")
    client = sign_in("clerk")
    assert "visits can be logged until 30-09-2016" in text(create(client, day="2016-10-01", state="planned"))
    assert create(client, day="2016-09-01").status_code == 302


def test_a_campaigns_visit_falls_in_its_window(app, sign_in):
    with app.app_context():
        campaign = models.Campaign(name="Jemput Bola September", start_date=dt.date(2016, 9, 1),
                                   target_date=dt.date(2016, 9, 15), scope_code="35.10")
        models.db.session.add(campaign)
        models.db.session.commit()
        campaign_id = campaign.id
    client = sign_in("clerk")
    page = text(create(client, campaign=campaign_id))  # 20-09-2016
    assert ("The visit on 20-09-2016 is outside campaign Jemput Bola September, which runs from 01-09-2016 "
            "to 15-09-2016: change the day, or choose another campaign.") in page
    assert visit_ids(app) == []
    assert create(client, campaign=campaign_id, day="2016-09-15").status_code == 302
    assert create(client, day=TUESDAY.isoformat()).status_code == 302  # without the campaign


def test_device_in_repair_is_refused(app, sign_in, make_device):
    device = make_device(condition="in_repair")
    client = sign_in("clerk")
    page = text(create(client, device=device, state="planned"))
    assert "Device BWI-01-M is in repair and cannot be used for a visit." in page
    assert visit_ids(app) == []


def test_clerk_cannot_pick_another_kecamatans_device(app, sign_in, make_device):
    own, dinas, other = make_device("BWI-01-M"), make_device("DINAS-1", kecamatan=None), make_device("BWI-02-M", kecamatan=KEC_B)
    client = sign_in("clerk")
    form = text(client.get(URL + "new/"))
    assert "BWI-01-M" in form and "DINAS-1" in form and "BWI-02-M" not in form
    page = text(create(client, device=other))
    assert "Not a valid choice" in page
    assert visit_ids(app) == []
    assert create(client, device=dinas).status_code == 302


# ------------------------------------------------------------------ results


def test_home_visit_records_two_residents(app, sign_in, make_resident):
    host = make_resident("SITI AMINAH")
    neighbour = make_resident("MBAH SUPARMI", birth_date=dt.date(1940, 3, 2))
    client = sign_in("clerk")
    response = create(client, [{"resident": host}, {"resident": neighbour, "note": "bedridden"}],
                      kind="home", host_resident=host)
    assert response.status_code == 302, text(response)[:3000]
    [visit_id] = visit_ids(app)
    for resident_id in (host, neighbour):
        assert resident_state(app, resident_id) == ("recorded", visit_id)
    changes = stored(app, sa.select(
        models.StatusChange.resident_id, models.StatusChange.old_status, models.StatusChange.new_status,
        models.StatusChange.changed_on, models.StatusChange.visit_result_id, models.StatusChange.changed_by,
    ).order_by(models.StatusChange.resident_id))
    results = {resident: rid for rid, resident, _ in result_rows(app, visit_id)}
    assert changes == [
        (host, "not_recorded", "recorded", TUESDAY, results[host], "clerk"),
        (neighbour, "not_recorded", "recorded", TUESDAY, results[neighbour], "clerk"),
    ]
    details = text(client.get(f"{URL}details/?id={visit_id}"))
    assert "SITI AMINAH" in details and "MBAH SUPARMI" in details and "Recorded" in details
    assert "bedridden" in details
    listing = text(client.get(URL))
    assert re.search(r"<td[^>]*>\s*2\s*</td>", listing), "the list shows 2 residents recorded"


def test_home_visit_needs_its_host(app, sign_in, make_resident):
    client = sign_in("clerk")
    page = text(create(client, kind="home"))
    assert "A home or cluster visit needs its host" in page
    assert create(client, kind="cluster", host_address="Dusun Krajan RT 02").status_code == 302


def test_already_recorded_resident_is_refused(app, sign_in, make_resident):
    done = make_resident("ALREADY DONE", status=KtpStatus.RECORDED)
    client = sign_in("clerk")
    page = text(create(client, [{"resident": done}]))
    assert "This resident is already recorded (status: Recorded)." in page
    assert visit_ids(app) == []


def test_resident_recorded_in_another_visit_is_refused(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    assert create(client, [{"resident": resident}]).status_code == 302
    [first] = visit_ids(app)
    page = text(create(client, [{"resident": resident}], start_time="13:00", end_time="15:00"))
    assert f"This resident was already recorded in visit #{first}." in page
    assert visit_ids(app) == [first]


def test_same_resident_twice_in_one_visit_is_refused(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    page = text(create(client, [{"resident": resident}, {"resident": resident, "result": "not_home"}]))
    assert "This resident is listed twice in this visit." in page
    assert visit_ids(app) == []


def test_race_on_the_counted_recording_gives_a_readable_message(app, sign_in, make_resident, make_visit, monkeypatch):
    resident = make_resident()
    other = make_visit()
    with app.app_context():  # another clerk's recording, committed while this form was being saved
        models.db.session.add(models.VisitResult(visit_id=other, resident_id=resident, result="recorded"))
        models.db.session.commit()
    monkeypatch.setattr(services, "other_recording_visit", lambda *args, **kwargs: None)
    client = sign_in("clerk")
    response = create(client, [{"resident": resident}], start_time="13:00", end_time="15:00")
    assert response.status_code == 200
    assert "This resident has already been recorded in another visit." in text(response)
    assert visit_ids(app) == [other]
    assert resident_state(app, resident) == ("not_recorded", None)


def test_changing_recorded_to_not_home_restores_the_status(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    response = edit(client, visit_id, [{"id": result_id, "resident": resident, "result": "not_home"}])
    assert response.status_code == 302, text(response)[:3000]
    assert result_rows(app, visit_id) == [(result_id, resident, "not_home")]
    assert resident_state(app, resident) == ("not_recorded", None)
    history = stored(app, sa.select(models.StatusChange.old_status, models.StatusChange.new_status)
                     .where(models.StatusChange.resident_id == resident).order_by(models.StatusChange.id))
    assert history == [("not_recorded", "recorded"), ("recorded", "not_recorded")]
    # and back again
    assert edit(client, visit_id, [{"id": result_id, "resident": resident, "result": "recorded"}]).status_code == 302
    assert resident_state(app, resident) == ("recorded", visit_id)


def test_moving_a_recording_to_another_resident(app, sign_in, make_resident):
    first, second = make_resident("WRONG PICK"), make_resident("RIGHT PICK")
    client = sign_in("clerk")
    create(client, [{"resident": first}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    assert edit(client, visit_id, [{"id": result_id, "resident": second}]).status_code == 302
    assert resident_state(app, first) == ("not_recorded", None)
    assert resident_state(app, second) == ("recorded", visit_id)


def test_deleting_the_result_row_restores_the_status(app, sign_in, make_resident):
    resident, other = make_resident("REMOVED"), make_resident("KEPT")
    client = sign_in("clerk")
    create(client, [{"resident": resident}, {"resident": other}])
    [visit_id] = visit_ids(app)
    rows = result_rows(app, visit_id)
    response = edit(client, visit_id, [
        {"id": rows[0][0], "resident": resident, "delete": True},
        {"id": rows[1][0], "resident": other},
    ])
    assert response.status_code == 302, text(response)[:3000]
    assert result_rows(app, visit_id) == [rows[1]]
    assert resident_state(app, resident) == ("not_recorded", None)
    assert resident_state(app, other) == ("recorded", visit_id)


def test_a_form_opened_before_results_changed_is_refused(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    stale_page = client.get(f"{URL}edit/?id={visit_id}").get_data(as_text=True)
    # meanwhile the row is deleted (only the results change, not the visit's own fields)
    assert edit(client, visit_id, [{"id": result_id, "resident": resident, "delete": True}]).status_code == 302
    data = visit_form(csrf_token(stale_page), [{"id": result_id, "resident": resident}])
    data["ektp_version"] = re.search(r'name="ektp_version"[^>]*value="(\d+)"', stale_page).group(1)
    page = text(client.post(f"{URL}edit/?id={visit_id}", data=data))
    assert "Someone else saved this record after you opened it" in page
    assert result_rows(app, visit_id) == []
    assert resident_state(app, resident) == ("not_recorded", None)


def test_supervisor_reads_but_cannot_log_visits(app, sign_in, make_visit):
    visit_id = make_visit()
    client = sign_in("supervisor")
    assert "20-09-2016" in text(client.get(URL))
    assert client.get(f"{URL}details/?id={visit_id}").status_code == 200
    assert client.get(URL + "new/").status_code == 403
    assert client.get(f"{URL}edit/?id={visit_id}").status_code == 403


def test_removing_a_recording_that_moved_on_is_refused(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    with app.app_context():
        models.db.session.get(models.Resident, resident).ktp_status = KtpStatus.SENT.value
        models.db.session.commit()
    page = text(edit(client, visit_id, [{"id": result_id, "resident": resident, "delete": True}]))
    assert "The \"recorded\" result cannot be removed: the KTP-el has already moved on to Sent for enrolment (SFE)" in page
    assert result_rows(app, visit_id) == [(result_id, resident, "recorded")]
    assert resident_state(app, resident)[0] == "sent"


def test_cancelling_a_visit_with_recordings_is_refused(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    page = text(edit(client, visit_id, [{"id": result_id, "resident": resident}], state="cancelled"))
    assert 'A visit with "recorded" results cannot be cancelled' in page
    assert stored(app, sa.select(models.Visit.state)) == [("done",)]


def test_admin_deletes_a_visit_and_statuses_go_back(app, sign_in, make_resident):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}])
    [visit_id] = visit_ids(app)
    admin = sign_in("admin")
    token = csrf_token(admin.get(f"{URL}details/?id={visit_id}").get_data(as_text=True))
    response = admin.post(URL + "delete/", data={"id": str(visit_id), "csrf_token": token})
    assert response.status_code == 302
    assert visit_ids(app) == []
    assert resident_state(app, resident) == ("not_recorded", None)
    assert stored(app, sa.select(sa.func.count()).select_from(models.VisitResult)) == [(0,)]


def test_clerk_cannot_delete_a_visit(app, sign_in, make_visit):
    visit_id = make_visit()
    client = sign_in("clerk")
    token = csrf_token(client.get(f"{URL}edit/?id={visit_id}").get_data(as_text=True))
    client.post(URL + "delete/", data={"id": str(visit_id), "csrf_token": token})
    assert visit_ids(app) == [visit_id]


# ------------------------------------------------------------------ scoping


def test_resident_lookup_is_scoped_to_the_clerks_kecamatan(app, sign_in, make_resident):
    make_resident("SUTRISNO A", sex="L", desa=DESA_A)
    make_resident("SUTRISNO B", sex="L", desa=DESA_B)
    client = sign_in("clerk")
    found = client.get(URL + "ajax/lookup/?name=visitresult-resident&query=sutrisno").get_json()
    assert [name for _, name in found] == [n for _, n in found if n.startswith("SUTRISNO A")] and len(found) == 1
    assert client.get(URL + "ajax/lookup/?name=visitresult-resident&query=sutrisno b").get_json() == []
    admin = sign_in("admin")
    assert len(admin.get(URL + "ajax/lookup/?name=visitresult-resident&query=sutrisno").get_json()) == 2


def test_forged_resident_of_another_kecamatan_is_refused(app, sign_in, make_resident):
    stranger = make_resident("ORANG LAIN", desa=DESA_B)
    client = sign_in("clerk")
    response = create(client, [{"resident": stranger}])
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)
    assert visit_ids(app) == []
    assert resident_state(app, stranger) == ("not_recorded", None)


def test_clerk_b_cannot_open_clerk_a_visit(app, sign_in, make_visit):
    visit_id = make_visit(desa=DESA_A)
    client = sign_in("clerk_b")
    assert client.get(f"{URL}edit/?id={visit_id}").status_code == 404
    assert client.get(f"{URL}details/?id={visit_id}").status_code == 404
    assert "20-09-2016" not in text(client.get(URL))


# ------------------------------------------------------------------ export


def test_export_csv_honours_a_filter(app, sign_in, make_resident, make_visit):
    resident = make_resident()
    client = sign_in("clerk")
    create(client, [{"resident": resident}], state="done")
    make_visit(state=VisitState.PLANNED.value, start=dt.time(13), end=dt.time(15))
    make_visit(state=VisitState.DONE.value, desa=DESA_B)  # clerk_b's kecamatan: never exported to clerk
    response = client.get(f"{URL}export/csv/?flt0_{FILTER_STATE}=done")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:-1]
    assert rows[-1] == ["# complete: 1 rows"]
    assert header[:3] == ["Visit number", "Day", "Start"] and "Residents recorded" in header
    assert len(body) == 1
    row = dict(zip(header, body[0]))
    assert row["State"] == "Done" and row["Residents recorded"] == "1" and row["Day"] == "20-09-2016"
    everything = client.get(f"{URL}export/csv/").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(everything.lstrip("\ufeff"))))) == 4  # header, 2 rows, trailer


def test_optional_pickers_offer_a_readable_empty_choice(login_as):
    """WTForms 3.3 shows a blank choice's value when its label is empty: never "__None"."""
    html = login_as("clerk").get("/admin/visits/new/").get_data(as_text=True)
    assert ">__None<" not in html
    assert html.count('value="__None"') >= 4
