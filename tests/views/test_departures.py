"""Residents who leave the backlog for good: deceased or moved out.

Set by a visit's "deceased" result (undone with it), or by a clerk with a
reason; such residents leave the wajib and outstanding counts, the mosque sheet
and the campaign's remaining, and stay in history and audit. Every count is
checked against a direct count over the same rows.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from conftest import DESA_A, REFERENCE_DATE, csrf_token
from security.ektp_support import audit_entries, fetch, flashes, resident_form, text
from views.test_visits import create, edit, result_rows, sign_in, visit_ids  # noqa: F401 - fixtures

from ektp_admin import models, queries
from ektp_admin.domain.enums import Departure

__all__ = ["sign_in"]


def outstanding_in_desa(app: Any) -> tuple[int, int]:
    """(what the query layer says, a direct count) of DESA_A's outstanding residents."""
    with app.app_context():
        session = models.db.session
        shown = queries.outstanding_totals(session, DESA_A, REFERENCE_DATE).outstanding
        direct = session.execute(sa.select(sa.func.count(models.Resident.id)).where(
            models.Resident.desa_code == DESA_A, models.Resident.departure.is_(None),
            models.Resident.ktp_status.in_(["not_recorded", "enrol_failed"]),
            models.Resident.birth_date <= dt.date(REFERENCE_DATE.year - 17, REFERENCE_DATE.month, REFERENCE_DATE.day),
        )).scalar_one()
        return shown, direct


def test_a_deceased_result_takes_the_resident_off_the_backlog_and_back_with_it(app, sign_in, make_resident):
    gone, living = make_resident("ALMARHUM SUPARDI", sex="L"), make_resident("SITI MASIH ADA")
    assert outstanding_in_desa(app) == (2, 2)
    client = sign_in("clerk")
    assert create(client, [{"resident": gone, "result": "deceased"}]).status_code == 302
    [visit_id] = visit_ids(app)
    stored = fetch(app, models.Resident, gone)
    assert (stored.departure, stored.departed_on, stored.departure_visit_id) == ("deceased", dt.date(2016, 9, 20), visit_id)
    assert outstanding_in_desa(app) == (1, 1)
    sheet = client.get(f"/admin/outstanding/{DESA_A}/print/").get_data(as_text=True)
    assert "SITI MASIH ADA" in sheet and "SUPARDI" not in sheet, "the mosque sheet no longer reads his name"

    [(result_id, _, _)] = result_rows(app, visit_id)
    assert edit(client, visit_id, [{"id": result_id, "resident": gone, "result": "not_home"}]).status_code == 302
    assert fetch(app, models.Resident, gone).departure is None, "a corrected result gives him back his place"
    assert outstanding_in_desa(app) == (2, 2)


def test_a_departure_entered_by_hand_is_kept_when_the_result_changes(app, sign_in, make_resident):
    gone = make_resident("PINDAH SURABAYA", sex="L", departure="moved_out", departed_on=dt.date(2016, 8, 1),
                         departure_note="Surabaya")
    client = sign_in("clerk")
    create(client, [{"resident": gone, "result": "deceased"}])
    [visit_id] = visit_ids(app)
    [(result_id, _, _)] = result_rows(app, visit_id)
    edit(client, visit_id, [{"id": result_id, "resident": gone, "result": "not_home"}])
    assert fetch(app, models.Resident, gone).departure == "moved_out"


def test_an_away_result_marks_the_resident_away(app, sign_in, make_resident):
    migrant = make_resident("TKI MALAYSIA", sex="L")
    client = sign_in("clerk")
    create(client, [{"resident": migrant, "result": "away"}])
    assert fetch(app, models.Resident, migrant).away is True


def _edit_resident(client: Any, app: Any, resident_id: int, **changes: Any) -> Any:
    resident = fetch(app, models.Resident, resident_id)
    page = client.get(f"/admin/residents/edit/?id={resident_id}").get_data(as_text=True)
    data = resident_form(nik=resident.nik, name=resident.name, sex=resident.sex, birth=resident.birth_date,
                         ektp_version=str(resident.version), csrf_token=csrf_token(page))
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(f"/admin/residents/edit/?id={resident_id}", data=data)


def test_a_clerk_marks_a_resident_moved_out_with_the_destination(app, sign_in, make_resident):
    resident = make_resident("AHMAD FAUZI", sex="L", birth_date=dt.date(1985, 3, 9))
    client = sign_in("clerk")
    refused = _edit_resident(client, app, resident, departure="moved_out", departed_on="2016-09-01", departure_note="")
    assert refused.status_code == 200
    assert "Say where the resident moved to." in text(refused)
    assert fetch(app, models.Resident, resident).departure is None
    future = _edit_resident(client, app, resident, departure="deceased", departed_on="2016-12-01",
                            departure_note="Surat kematian")
    assert "The departure date (01-12-2016) is in the future." in text(future)
    saved = _edit_resident(client, app, resident, departure="moved_out", departed_on="2016-09-01",
                           departure_note="Kota Surabaya")
    assert saved.status_code == 302, text(saved)[:2000]
    stored = fetch(app, models.Resident, resident)
    assert (stored.departure, stored.departure_note) == (Departure.MOVED_OUT.value, "Kota Surabaya")
    assert outstanding_in_desa(app) == (0, 0)
    changes = [e["changes"] for e in audit_entries(app, table_name="ektp_resident", action="update")]
    assert any("departure" in (c or {}) for c in changes), "the departure is in the audit trail"
    # and back: he returned
    back = _edit_resident(client, app, resident, departure="", departed_on="", departure_note="")
    assert back.status_code == 302, flashes(text(back))
    assert fetch(app, models.Resident, resident).departure is None
    assert outstanding_in_desa(app) == (1, 1)


def test_progress_shows_reachable_and_away_apart(app, login_as, make_resident):
    from security.ektp_support import make_campaign

    make_campaign(app)
    make_resident("DI RUMAH")
    make_resident("MERANTAU", away=True)
    make_resident("WAFAT", departure="deceased", departed_on=dt.date(2016, 9, 1), departure_note="Kades")
    page = login_as("admin").get("/admin/progress/?kecamatan=35.10.01&lang=en").get_data(as_text=True)
    import re

    def figure(name: str) -> str:
        match = re.search(rf'data-figure="{name}">([^<]*)<', page)
        assert match, name
        return match.group(1).strip()

    with app.app_context():
        totals = queries.outstanding_totals(models.db.session, "35.10.01", REFERENCE_DATE)
    assert (figure("remaining"), figure("remaining_away"), figure("remaining_reachable")) == \
        (str(totals.outstanding), str(totals.away), str(totals.outstanding - totals.away))
    assert (totals.outstanding, totals.away) == (2, 1)
