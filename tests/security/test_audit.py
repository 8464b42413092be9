"""Issue 4, audit trail: who changed which record when, field by field, in the
same transaction; exports recorded with their filters and row count; a record's
history on its details page; a read-only audit log for admins and supervisors.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g
from security.ektp_support import (
    DESA_A,
    DESA_A2,
    DESA_B,
    KEC_A,
    audit_entries,
    fetch,
    filter_arg,
    flashes,
    make_campaign,
    make_device,
    make_nik,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    text,
    token_for,
)

from ektp_admin import EktpUser, Role, models
from ektp_admin.views import base as base_view


def _id_of(app: Any, model: Any, **where: Any) -> Any:
    with app.app_context():
        return models.db.session.execute(sa.select(model).filter_by(**where)).scalar_one().id


# ---------------------------------------------------------------------- create / update / delete via the screens

# screen, who, create form, field changed on edit (name, new value), model, lookup
SCREENS = {
    "residents": ("clerk", lambda: resident_form(name="AHMAD FAUZI"), ("name", "AHMAD FAUZI SUBAGYO"),
                  models.Resident, {"name": "AHMAD FAUZI"}),
    "devices": ("admin", lambda: {"serial_number": "KIT-777", "owner_kind": "kecamatan", "owner_kecamatan": KEC_A,
                                  "role": "mobile", "condition": "working", "location": "Kantor"},
                ("location", "Desa Sumberagung"), models.Device, {"serial_number": "KIT-777"}),
    "teams": ("supervisor", lambda: {"name": "Tim Dinas 1", "kind": "dinas", "notes": "rotasi"},
              ("notes", "rotasi minggu 2"), models.Team, {"name": "Tim Dinas 1"}),
    "campaigns": ("supervisor", lambda: {"name": "Jemput Bola", "start_date": "2016-09-05",
                                         "target_date": "2016-10-05", "scope_code": "35.10"},
                  ("name", "Jemput Bola Tahap 2"), models.Campaign, {"name": "Jemput Bola"}),
    "outreach": ("clerk", lambda: {"desa": DESA_A2, "channel": "mosque", "held_on": "2016-09-12",
                                   "by_whom": "Takmir Masjid"},
                 ("by_whom", "Kepala Desa"), models.Outreach, {"by_whom": "Takmir Masjid"}),
    "users": ("admin", lambda: {"username": "operator_baru", "role": "clerk", "kecamatan": KEC_A,
                                "active": "y", "new_password": "kata-sandi-panjang"},
              ("username", "operator_lama"), models.User, {"username": "operator_baru"}),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_create_update_delete_are_recorded_with_who_which_record_and_fields(app: Any, client: Any, screen: str) -> None:
    who, create_form, (field, new_value), model, lookup = SCREENS[screen]
    sign_in(client, who)
    table = model.__tablename__

    form = create_form()
    response = post_form(client, f"/admin/{screen}/new/", form)
    assert response.status_code == 302, flashes(text(response))
    record_id = _id_of(app, model, **lookup)
    created = audit_entries(app, table_name=table, record_id=str(record_id))
    assert [e["action"] for e in created] == ["create"]
    entry = created[0]
    assert entry["username"] == who
    assert isinstance(entry["at"], dt.datetime)
    assert entry["changes"][next(iter(lookup))] == [None, next(iter(lookup.values()))]
    assert "version" not in entry["changes"]
    if screen == "users":
        assert entry["changes"]["password_hash"] == [None, "***"]  # never in clear

    old_value = getattr(fetch(app, model, record_id), field)
    edit_url = f"/admin/{screen}/edit/?id={record_id}"
    page = text(client.get(edit_url))
    data = {**form, field: new_value}
    if screen == "users":
        data.pop("new_password")
    from security.ektp_support import csrf_token, input_value

    data.update({"csrf_token": csrf_token(page), "ektp_version": input_value(page, "ektp_version")})
    response = client.post(edit_url, data=data)
    assert response.status_code == 302, flashes(text(response))
    updates = [e for e in audit_entries(app, table_name=table, record_id=str(record_id)) if e["action"] == "update"]
    assert len(updates) == 1
    assert updates[0]["changes"] == {field: [old_value, new_value]}  # only what changed, before and after

    if who != "admin":  # only admins delete these
        sign_in(client, "admin")
    response = client.post(f"/admin/{screen}/delete/", data={"id": record_id, "csrf_token": token_for(client)})
    assert response.status_code == 302
    assert fetch(app, model, record_id) is None
    deleted = [e for e in audit_entries(app, table_name=table, record_id=str(record_id)) if e["action"] == "delete"]
    assert len(deleted) == 1
    assert deleted[0]["changes"][field] == [new_value, None]


def test_visits_and_results_are_recorded_too(app: Any, make_resident: Any) -> None:
    """Whatever screen or service writes a visit or a result, the session records it."""
    rid = make_resident()
    with app.test_request_context("/"):
        g.ektp_user = EktpUser("petugas", Role.CLERK, KEC_A)
        session = models.db.session
        visit = models.Visit(day=dt.date(2016, 9, 20), start_time=dt.time(8), end_time=dt.time(11), kind="home",
                             state="planned", kecamatan_code=KEC_A, desa_code=DESA_A)
        session.add(visit)
        session.commit()
        visit.state = "done"
        result = models.VisitResult(visit=visit, resident_id=rid, result="not_home")
        session.add(result)
        session.commit()
        visit_id, result_id = visit.id, result.id
        session.delete(result)
        session.commit()
    visit_log = audit_entries(app, table_name="ektp_visit", record_id=str(visit_id))
    assert [e["action"] for e in visit_log] == ["create", "update"]
    assert visit_log[1]["changes"] == {"state": ["planned", "done"]}
    assert all(e["username"] == "petugas" and e["kecamatan_code"] == KEC_A for e in visit_log)
    result_log = audit_entries(app, table_name="ektp_visit_result", record_id=str(result_id))
    assert [e["action"] for e in result_log] == ["create", "delete"]
    assert result_log[0]["changes"]["result"] == [None, "not_home"]
    assert result_log[0]["kecamatan_code"] == KEC_A


def test_a_change_that_fails_leaves_no_audit_entry(app: Any, client: Any, make_resident: Any) -> None:
    """Same transaction: when the save is rolled back, so is its entry."""
    existing = fetch(app, models.Resident, make_resident())
    sign_in(client, "clerk")
    before = len(audit_entries(app))

    # A second clerk saves the same NIK between our validation and our commit.
    from sqlalchemy import event

    def sneak_in(session: Any, context: Any, instances: Any) -> None:
        with models.db.engine.begin() as conn:
            conn.execute(models.Resident.__table__.insert().values(
                nik=data["nik"], name="BALAPAN", name_key="BALAPAN", sex="L", birth_date=dt.date(1985, 3, 9),
                marital_status="married", citizenship="wni", desa_code=DESA_A, kecamatan_code=KEC_A,
                ktp_status="not_recorded", disabled=False, seriously_ill=False, away=False, version=1,
                created_at=dt.datetime(2016, 9, 1), updated_at=dt.datetime(2016, 9, 1)))

    data = resident_form(name="KALAH CEPAT")
    event.listen(models.db.session, "before_flush", sneak_in, once=True)
    response = post_form(client, "/admin/residents/new/", data)
    assert response.status_code == 200
    assert "This NIK is already registered to another resident." in flashes(text(response))
    assert [e for e in audit_entries(app)[before:] if e["table_name"] == "ektp_resident"] == []
    assert existing is not None


# ---------------------------------------------------------------------- exports


def test_an_export_is_recorded_with_view_filters_and_row_count(app: Any, client: Any, make_resident: Any,
                                                              monkeypatch: Any) -> None:
    monkeypatch.setattr(base_view.EktpModelView, "export_batch_size", 2)  # several batches
    for i in range(5):
        make_resident(f"WARGA {i}", sex="L", birth_date=dt.date(1970, 1, 1 + i))
    make_resident("WARGA LAIN", desa=DESA_B)
    sign_in(client, "supervisor")
    flt = filter_arg(app, "ektp_residents", "Kecamatan", "equals")
    response = client.get(f"/admin/residents/export/csv/?{flt}={KEC_A}&search=WARGA")
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert len(rows) == 7  # header + 5, all batches streamed, in the list's order, + the trailer
    assert [r[2] for r in rows[1:-1]] == [f"WARGA {i}" for i in range(5)]
    assert rows[-1] == ["# complete: 5 rows"]
    exports = audit_entries(app, action="export")
    assert len(exports) == 1
    entry = exports[0]
    assert entry["username"] == "supervisor" and entry["table_name"] == "penduduk"
    assert entry["changes"]["rows"] == 5
    assert entry["changes"]["filters"]["search"] == "WARGA"
    assert entry["changes"]["filters"]["filters"] == [["Kecamatan", "equals", KEC_A]]


def test_a_clerks_export_is_recorded_under_their_kecamatan(app: Any, client: Any, make_resident: Any) -> None:
    make_resident()
    sign_in(client, "clerk")
    client.get("/admin/residents/export/csv/").get_data()
    [entry] = audit_entries(app, action="export")
    assert entry["kecamatan_code"] == KEC_A and entry["changes"]["rows"] == 1


def test_an_export_left_halfway_still_says_it_happened(app: Any, client: Any, make_resident: Any,
                                                      monkeypatch: Any) -> None:
    monkeypatch.setattr(base_view.EktpModelView, "export_batch_size", 1)
    for i in range(3):
        make_resident(f"WARGA {i}", sex="L", birth_date=dt.date(1970, 1, 1 + i))
    sign_in(client, "admin")
    response = client.get("/admin/residents/export/csv/", buffered=False)
    stream = response.response
    next(iter(stream))  # the header, then the user goes away
    response.close()
    [entry] = audit_entries(app, action="export")
    assert entry["changes"]["rows"] is not None and entry["changes"]["rows"] < 3


# ---------------------------------------------------------------------- history on the details page


def test_the_details_page_shows_the_records_history(app: Any, client: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    sign_in(client, "clerk")
    page = text(client.get(f"/admin/residents/edit/?id={rid}"))
    from security.ektp_support import csrf_token, input_value

    resident = fetch(app, models.Resident, rid)
    data = resident_form(nik=resident.nik, name="SITI AMINAH RAHAYU", sex="P", birth=resident.birth_date)
    data.update({"csrf_token": csrf_token(page), "ektp_version": input_value(page, "ektp_version")})
    assert client.post(f"/admin/residents/edit/?id={rid}", data=data).status_code == 302
    details = text(client.get(f"/admin/residents/details/?id={rid}"))
    history = details[details.index('id="ektp-history"'):]
    assert "clerk" in history and "Changed" in history
    assert "SITI AMINAH &rarr; SITI AMINAH RAHAYU" in history.replace("\u2192", "&rarr;")


@pytest.mark.parametrize("screen", ["devices", "campaigns"])
def test_every_audited_screen_shows_history_on_details(app: Any, client: Any, screen: str) -> None:
    record = make_device(app) if screen == "devices" else make_campaign(app)
    with app.app_context():
        model = models.db.session.get(models.Device if screen == "devices" else models.Campaign, record)
        model.notes = "catatan baru"
        models.db.session.commit()
    sign_in(client, "admin")
    details = text(client.get(f"/admin/{screen}/details/?id={record}"))
    assert 'id="ektp-history"' in details and "catatan baru" in details


# ---------------------------------------------------------------------- the audit log screen


def test_the_audit_log_lists_filters_and_exports_for_staff(app: Any, client: Any, make_resident: Any) -> None:
    make_resident("SITI AMINAH")
    make_device(app, "KIT-LOG")
    sign_in(client, "supervisor")
    page = text(client.get("/admin/audit/"))
    # the tables in words, their stored names only in the CSV (for whoever analyses it)
    shown = {re.sub(r"\s+", " ", c).strip() for c in re.findall(r'class="col-table_name">(.*?)</td>', page, re.S)}
    assert {"Resident", "Device"} <= shown and not {"ektp_resident", "ektp_device"} & shown
    flt = filter_arg(app, "ektp_audit", "Table / view", "equals")
    only_devices = text(client.get(f"/admin/audit/?{flt}=ektp_device"))
    assert "KIT-LOG" in only_devices and "SITI AMINAH" not in only_devices
    body = text(client.get(f"/admin/audit/export/csv/?{flt}=ektp_device"))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 3 and "ektp_device" in rows[1] and rows[2] == ["# complete: 1 rows"]
    assert audit_entries(app, action="export")[-1]["table_name"] == "audit"


@pytest.mark.parametrize("role", ["admin", "supervisor", "clerk"])
def test_the_audit_log_cannot_be_changed_from_the_ui(app: Any, client: Any, make_resident: Any, role: str) -> None:
    make_resident()
    entry_id = _id_of(app, models.AuditEntry, table_name="ektp_resident")
    before = fetch(app, models.AuditEntry, entry_id)
    sign_in(client, role)
    token = token_for(client)
    attempts = [
        client.get("/admin/audit/new/"),
        client.post("/admin/audit/new/", data={"csrf_token": token, "action": "create", "table_name": "x"}),
        client.get(f"/admin/audit/edit/?id={entry_id}"),
        client.post(f"/admin/audit/edit/?id={entry_id}", data={"csrf_token": token, "username": "orang lain"}),
        client.post("/admin/audit/delete/", data={"csrf_token": token, "id": entry_id}),
        client.post("/admin/audit/ajax/update/", data={"csrf_token": token, "list_form_pk": entry_id, "username": "x"}),
        client.post("/admin/audit/action/", data={"csrf_token": token, "action": "delete", "rowid": [entry_id]}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    after = fetch(app, models.AuditEntry, entry_id)
    assert (after.username, after.changes, after.action) == (before.username, before.changes, before.action)
    page = text(client.get("/admin/audit/"))
    if role != "clerk":
        assert "/admin/audit/edit/" not in page and "/admin/audit/delete/" not in page and "/admin/audit/new/" not in page
