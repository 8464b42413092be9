"""Issue 4, scoping: a clerk reaches their own kecamatan's records on every path.

The clerk works in kecamatan A (Pesanggaran); the records below belong to B
(Bangorejo). A guessed id of B answers exactly like an id that does not exist
(404), on details, edit, delete, bulk actions and inline edits; relation
pickers, filters, exports and the outstanding sheets hold to A as well. An id
the key column could never hold is a 404 too, never a database error.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any, Iterator

import pytest
from flask import Flask
from security.ektp_support import (
    DESA_A,
    DESA_A2,
    DESA_B,
    KEC_A,
    KEC_B,
    close_app,
    csrf_token,
    fetch,
    field_errors,
    flashes,
    make_host,
    make_nik,
    make_outreach,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    text,
    token_for,
)

from ektp_admin import EktpAdmin, EktpUser, Role, models


@pytest.fixture
def clerk(client: Any) -> Any:
    return sign_in(client, "clerk")


@pytest.fixture
def foreign(app: Any, make_resident: Any) -> dict[str, Any]:
    """Records of kecamatan B (and, for comparison, one of A)."""
    return {
        "resident": make_resident("WARGA BANGOREJO", desa=DESA_B),
        "own_resident": make_resident("WARGA PESANGGARAN", desa=DESA_A),
        "outreach": make_outreach(app, DESA_B),
        "visit": make_visit(app, kecamatan=KEC_B, desa=DESA_B),
        "desa": DESA_B,
    }


# ---------------------------------------------------------------------- by id

BY_ID = [
    ("residents", "details", "resident"),
    ("residents", "edit", "resident"),
    ("outreach", "details", "outreach"),
    ("outreach", "edit", "outreach"),
    ("visits", "details", "visit"),
    ("visits", "edit", "visit"),
    ("desa", "details", "desa"),
]


@pytest.mark.parametrize("screen, page, record", BY_ID)
def test_another_kecamatans_id_in_the_url_is_not_found(clerk: Any, foreign: Any, screen: str, page: str,
                                                        record: str) -> None:
    response = clerk.get(f"/admin/{screen}/{page}/?id={foreign[record]}")
    assert response.status_code == 404
    assert "BANGOREJO" not in text(response)


@pytest.mark.parametrize("bad_id", ["999999", "abc", "1;drop", "99999999999999999999", "-1", ""])
@pytest.mark.parametrize("screen", ["residents", "outreach", "visits", "devices"])
def test_an_id_that_does_not_exist_looks_the_same(clerk: Any, foreign: Any, screen: str, bad_id: str) -> None:
    """No existence oracle, and no database error for a value the column cannot hold."""
    for page in ("details", "edit"):
        response = clerk.get(f"/admin/{screen}/{page}/?id={bad_id}")
        if bad_id == "" or (screen == "devices" and page == "edit"):
            # no id: back to the list; a clerk may not edit devices at all
            assert response.status_code in (302, 403)
        else:
            assert response.status_code == 404, (page, bad_id)


def test_a_foreign_resident_cannot_be_saved_through_its_edit_url(app: Any, clerk: Any, foreign: Any) -> None:
    rid = foreign["resident"]
    before = fetch(app, models.Resident, rid)
    data = resident_form(nik=before.nik, name="DIUBAH", sex=before.sex, birth=before.birth_date, desa=DESA_B,
                         ektp_version=str(before.version))
    response = clerk.post(f"/admin/residents/edit/?id={rid}", data={**data, "csrf_token": token_for(clerk)})
    assert response.status_code == 404
    assert fetch(app, models.Resident, rid).name == "WARGA BANGOREJO"


def test_a_foreign_outreach_record_cannot_be_deleted(app: Any, clerk: Any, foreign: Any) -> None:
    """Clerks may delete outreach records, but only their own kecamatan's."""
    response = clerk.post("/admin/outreach/delete/", data={"id": foreign["outreach"], "csrf_token": token_for(clerk)})
    assert response.status_code == 404
    assert fetch(app, models.Outreach, foreign["outreach"]) is not None
    own = make_outreach(app, DESA_A)
    response = clerk.post("/admin/outreach/delete/", data={"id": own, "csrf_token": token_for(clerk)})
    assert response.status_code == 302
    assert fetch(app, models.Outreach, own) is None


# ---------------------------------------------------------------------- forms: foreign desa


def test_the_resident_form_cannot_move_a_resident_into_another_kecamatan(app: Any, clerk: Any, foreign: Any) -> None:
    rid = foreign["own_resident"]
    resident = fetch(app, models.Resident, rid)
    data = resident_form(nik=resident.nik, name=resident.name, sex=resident.sex, birth=resident.birth_date,
                         desa=DESA_B)
    response = post_form(clerk, f"/admin/residents/edit/?id={rid}", data)
    assert response.status_code == 200
    assert "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list." in field_errors(text(response))
    after = fetch(app, models.Resident, rid)
    assert (after.desa_code, after.kecamatan_code) == (DESA_A, KEC_A)


def test_the_resident_form_cannot_create_a_resident_in_another_kecamatan(app: Any, clerk: Any) -> None:
    data = resident_form(desa=DESA_B)
    response = post_form(clerk, "/admin/residents/new/", data)
    assert response.status_code == 200
    assert "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list." in field_errors(text(response))
    with app.app_context():
        assert models.db.session.execute(
            models.db.select(models.Resident).where(models.Resident.nik == data["nik"])
        ).first() is None


def test_the_outreach_form_cannot_record_in_another_kecamatan(app: Any, clerk: Any) -> None:
    data = {"desa": DESA_B, "channel": "mosque", "held_on": "2016-09-12", "by_whom": "Takmir"}
    response = post_form(clerk, "/admin/outreach/new/", data)
    assert response.status_code == 200
    assert "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list." in field_errors(text(response))
    with app.app_context():
        assert models.db.session.execute(models.db.select(models.Outreach)).first() is None
    ok = post_form(clerk, "/admin/outreach/new/", {**data, "desa": DESA_A2})
    assert ok.status_code == 302


# ---------------------------------------------------------------------- pickers, filters, lists, exports


def test_the_desa_picker_lists_only_the_clerks_kecamatan(clerk: Any, login_as: Any) -> None:
    for screen in ("residents", "outreach"):
        response = clerk.get(f"/admin/{screen}/ajax/lookup/?name=desa&query=&limit=500")
        codes = [code for code, _ in json.loads(text(response))]
        assert codes and all(code.startswith(KEC_A + ".") for code in codes), screen
        assert DESA_B not in codes


def test_the_desa_picker_lists_every_kecamatan_for_the_admin(app: Any) -> None:
    admin = sign_in(app.test_client(), "admin")
    codes = [c for c, _ in json.loads(text(admin.get("/admin/residents/ajax/lookup/?name=desa&query=&limit=500")))]
    assert {c[:8] for c in codes} >= {KEC_A, KEC_B}


def test_list_and_filter_options_show_only_the_own_kecamatan(clerk: Any, foreign: Any) -> None:
    page = text(clerk.get("/admin/residents/"))
    assert "WARGA PESANGGARAN" in page and "WARGA BANGOREJO" not in page
    # even when the clerk asks for B's rows with the kecamatan filter or a search
    for url in (f"/admin/residents/?flt0_0={KEC_B}", "/admin/residents/?search=WARGA"):
        assert "WARGA BANGOREJO" not in text(clerk.get(url))
    assert DESA_B not in page  # B's desa are no filter option either


def test_the_export_holds_only_the_own_kecamatan(clerk: Any, foreign: Any) -> None:
    for url in ("/admin/residents/export/csv/", f"/admin/residents/export/csv/?flt0_0={KEC_B}",
                "/admin/residents/export/csv/?search=WARGA"):
        body = text(clerk.get(url))
        assert "BANGOREJO" not in body, url
    body = text(clerk.get("/admin/residents/export/csv/"))
    assert "WARGA PESANGGARAN" in body
    outreach = text(clerk.get("/admin/outreach/export/csv/"))
    assert outreach.count("\n") == 2  # the header and "# ...: 0 rows": B's record is not the clerk's


@pytest.mark.parametrize("url", [
    f"/admin/outstanding/{DESA_B}/", f"/admin/outstanding/{DESA_B}/print/", f"/admin/outstanding/{DESA_B}/export.csv",
    f"/admin/outstanding/?kecamatan={KEC_B}", f"/admin/outstanding/export.csv?kecamatan={KEC_B}",
])
def test_the_outstanding_lists_and_sheets_of_another_kecamatan_are_not_found(clerk: Any, foreign: Any, url: str) -> None:
    response = clerk.get(url)
    assert response.status_code == 404
    assert "BANGOREJO" not in text(response)


# ---------------------------------------------------------------------- bulk actions and inline edits


@pytest.fixture
def probe_view(app: Any) -> Any:
    """A residents screen with a bulk action and an inline-editable column, as a
    screen may add later: the base must scope both (added before any request)."""
    from flask_admin.actions import action

    from ektp_admin import get_state
    from ektp_admin.access import ALL, EDIT, READ
    from ektp_admin.views.base import EktpModelView

    seen: list[list[str]] = []

    class ProbeView(EktpModelView):
        grants = {READ: ALL, EDIT: frozenset({Role.ADMIN, Role.CLERK})}
        column_list = ["nik", "name", "notes"]
        column_editable_list = ["notes"]
        form_columns = ["notes"]

        @action("mark", "Mark")
        def action_mark(self, ids: list[str]) -> None:
            seen.append(list(ids))

    get_state(app).admin.add_view(ProbeView(models.Resident, models.db, endpoint="ektp_probe", url="probe"))
    return seen


def test_a_bulk_action_with_another_kecamatans_id_is_refused(app: Any, probe_view: Any, foreign: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    token = token_for(clerk)
    mixed = {"action": "mark", "rowid": [str(foreign["own_resident"]), str(foreign["resident"])], "csrf_token": token}
    assert clerk.post("/admin/probe/action/", data=mixed).status_code == 404
    assert probe_view == []
    own = {"action": "mark", "rowid": [str(foreign["own_resident"])], "csrf_token": token}
    assert clerk.post("/admin/probe/action/", data=own).status_code == 302
    assert probe_view == [[str(foreign["own_resident"])]]
    garbage = {"action": "mark", "rowid": ["abc"], "csrf_token": token}
    assert clerk.post("/admin/probe/action/", data=garbage).status_code == 404


def test_a_bulk_action_without_the_edit_grant_is_forbidden(app: Any, probe_view: Any, foreign: Any) -> None:
    supervisor = sign_in(app.test_client(), "supervisor")
    data = {"action": "mark", "rowid": [str(foreign["own_resident"])], "csrf_token": token_for(supervisor)}
    assert supervisor.post("/admin/probe/action/", data=data).status_code == 403
    assert probe_view == []


def test_an_inline_edit_is_scoped_and_needs_the_edit_grant(app: Any, probe_view: Any, foreign: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    token = token_for(clerk)
    response = clerk.post("/admin/probe/ajax/update/",
                          data={"list_form_pk": foreign["resident"], "notes": "diubah", "csrf_token": token})
    assert response.status_code == 404
    assert fetch(app, models.Resident, foreign["resident"]).notes is None
    response = clerk.post("/admin/probe/ajax/update/",
                          data={"list_form_pk": foreign["own_resident"], "notes": "sudah dihubungi", "csrf_token": token})
    assert response.status_code == 200
    assert fetch(app, models.Resident, foreign["own_resident"]).notes == "sudah dihubungi"

    supervisor = sign_in(app.test_client(), "supervisor")
    response = supervisor.post("/admin/probe/ajax/update/", data={
        "list_form_pk": foreign["own_resident"], "notes": "ditimpa", "csrf_token": token_for(supervisor)})
    assert response.status_code == 403
    assert fetch(app, models.Resident, foreign["own_resident"]).notes == "sudah dihubungi"


def test_the_list_offers_the_bulk_action_and_the_inline_edit_on_rows_in_reach(app: Any, probe_view: Any,
                                                                              foreign: Any) -> None:
    """A row drawn in one call (views/list_rows.py) still carries the bulk action's
    checkbox and the in-place editor with its token, for the rows in reach only."""
    clerk = sign_in(app.test_client(), "clerk")
    page = text(clerk.get("/admin/probe/"))
    own, other = str(foreign["own_resident"]), str(foreign["resident"])
    assert re.search(rf'<input type="checkbox" name="rowid" class="action-checkbox" value="{own}"', page)
    assert f'value="{other}"' not in page
    editor = re.search(rf'<a[^>]*data-pk="{own}"[^>]*>', page)
    assert editor and 'data-csrf="' in editor.group(0) and 'data-url="./ajax/update/"' in editor.group(0)
    details = re.search(rf'href="(/admin/probe/details/\?url=[^"]*&amp;id={own})"', page)
    assert details and "WARGA PESANGGARAN" in text(clerk.get(html.unescape(details.group(1))))


# ---------------------------------------------------------------------- embedded: the host's hook

HOST_USERS = {
    "camat_a": EktpUser("camat_a", Role.CLERK, KEC_A),
    "kadis": EktpUser("kadis", Role.SUPERVISOR),
}


@pytest.fixture
def host(app: Any, database_url: str) -> Iterator[Flask]:
    """A host portal with its own login: the documented ``current_user=`` hook
    tells the plugin who is signed in, with role and kecamatan."""
    host = make_host(database_url, HOST_USERS)
    yield host
    close_app(host)


def test_the_hosts_clerk_is_scoped_by_the_hook(host: Flask, foreign: Any) -> None:
    client = host.test_client()
    assert client.get("/admin/residents/").status_code == 401  # nobody signed in at the host
    client.post("/host-login", data={"who": "camat_a"})
    page = text(client.get("/admin/residents/?lang=en"))
    assert "WARGA PESANGGARAN" in page and "WARGA BANGOREJO" not in page
    assert client.get(f"/admin/residents/details/?id={foreign['resident']}").status_code == 404
    assert client.get("/admin/users/").status_code in (403, 404)


def test_the_hosts_supervisor_reads_every_kecamatan_but_edits_nothing(host: Flask, foreign: Any) -> None:
    client = host.test_client()
    client.post("/host-login", data={"who": "kadis"})
    page = text(client.get("/admin/residents/?lang=en"))
    assert "WARGA PESANGGARAN" in page and "WARGA BANGOREJO" in page
    assert client.get(f"/admin/residents/edit/?id={foreign['resident']}").status_code == 403


def test_a_hook_returning_something_else_fails_loudly(app: Any, database_url: str) -> None:
    host = Flask("host_portal_wrong")
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True)
    EktpAdmin(host, current_user=lambda: {"role": "admin"})
    host.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(TypeError, match="EktpUser"):
        host.test_client().get("/admin/residents/")
    close_app(host)
