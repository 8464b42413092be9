"""Issue 4, roles: every screen x role x action answers as the role table says.

The table below is written from the issue, not read from the views' ``grants``:

- admin: everything, including users, devices and regions;
- supervisor (Dinas): reads everything, dashboards and exports; edits campaigns
  and team plans;
- clerk (kecamatan operator): creates and edits residents, visits and outreach
  (own kecamatan only); reads devices; cannot delete residents;
- nobody signed in: nothing but the login page.

A refused action is a 403 (an anonymous visitor is sent to the login page);
an allowed one does what it is for: pages 200, a POSTed empty form is re-shown
with its errors (200), a delete redirects, an export streams a CSV. Every POST
carries a valid CSRF token, so what is tested here is the role, not the token.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from security.ektp_support import (
    DESA_A,
    KEC_A,
    ROLES,
    add,
    drop_temp_regions,
    fetch,
    make_campaign,
    make_device,
    make_outreach,
    make_team,
    make_visit,
    sign_in,
    temp_region,
    text,
    token_for,
)

from ektp_admin import models

A, S, C = "admin", "supervisor", "clerk"
ALL = {A, S, C}
STAFF = {A, S}

#: screen -> action -> roles allowed (from the issue)
TABLE: dict[str, dict[str, set[str]]] = {
    "residents": {"read": ALL, "create": {A, C}, "edit": {A, C}, "delete": {A}, "export": ALL},
    "visits": {"read": ALL, "create": {A, C}, "edit": {A, C}, "delete": {A}, "export": ALL},
    "outreach": {"read": ALL, "create": {A, C}, "edit": {A, C}, "delete": {A, C}, "export": ALL},
    "devices": {"read": ALL, "create": {A}, "edit": {A}, "delete": {A}, "export": ALL},
    "teams": {"read": ALL, "create": STAFF, "edit": STAFF, "delete": {A}, "export": STAFF},
    "campaigns": {"read": ALL, "create": STAFF, "edit": STAFF, "delete": {A}, "export": STAFF},
    "kecamatan": {"read": ALL, "create": set(), "edit": {A}, "delete": {A}, "export": ALL},
    "desa": {"read": ALL, "create": set(), "edit": {A}, "delete": {A}, "export": ALL},
    "users": {"read": {A}, "create": {A}, "edit": {A}, "delete": {A}, "export": set()},
    "audit": {"read": STAFF, "create": set(), "edit": set(), "delete": set(), "export": STAFF},
}

#: request -> (grant it needs, status when allowed)
ACTIONS: dict[str, tuple[str, int]] = {
    "list": ("read", 200),
    "details": ("read", 200),
    "create_get": ("create", 200),
    "create_post": ("create", 200),  # an empty form comes back with its errors
    "edit_get": ("edit", 200),
    "edit_post": ("edit", 200),
    "inline_edit": ("edit", 404),  # granted, but no screen offers inline editing
    "export": ("export", 200),
    "delete": ("delete", 302),  # last: it removes the victim
}


@pytest.fixture
def records(app: Any, make_resident: Any) -> Any:
    """Per screen: a record to open and edit ("own", in the clerk's kecamatan) and one to delete."""
    kec_victim, _ = temp_region(app, "35.10.91", None)
    _, desa_victim = temp_region(app, KEC_A, "35.10.01.9901")
    ids = {
        "residents": (make_resident("SITI AMINAH"), make_resident("RUDI HARTONO", sex="L")),
        "visits": (make_visit(app), make_visit(app, day=dt.date(2016, 9, 19))),
        "outreach": (make_outreach(app), make_outreach(app, by_whom="Kepala Desa")),
        "devices": (make_device(app, "KIT-001"), make_device(app, "KIT-002")),
        "teams": (make_team(app, "Tim A"), make_team(app, "Tim B")),
        "campaigns": (make_campaign(app, "Kampanye A"), make_campaign(app, "Kampanye B")),
        "kecamatan": (KEC_A, kec_victim),
        "desa": (DESA_A, desa_victim),
    }
    user_ids = add(
        app,
        models.User(username="operator_x", role="clerk", kecamatan_code=KEC_A, password_hash="x"),
        models.User(username="operator_y", role="clerk", kecamatan_code=KEC_A, password_hash="x"),
    )
    ids["users"] = tuple(user_ids)
    with app.app_context():
        entry = models.db.session.execute(models.db.select(models.AuditEntry).limit(1)).scalar_one()
        ids["audit"] = (entry.id, entry.id)
    yield ids
    drop_temp_regions(app)


def request(client: Any, screen: str, action: str, own: Any, victim: Any, token: str) -> Any:
    base = f"/admin/{screen}"
    if action == "list":
        return client.get(f"{base}/")
    if action == "details":
        return client.get(f"{base}/details/?id={own}")
    if action == "create_get":
        return client.get(f"{base}/new/")
    if action == "create_post":
        return client.post(f"{base}/new/", data={"csrf_token": token})
    if action == "edit_get":
        return client.get(f"{base}/edit/?id={own}")
    if action == "edit_post":
        return client.post(f"{base}/edit/?id={own}", data={"csrf_token": token})
    if action == "inline_edit":
        return client.post(f"{base}/ajax/update/", data={"list_form_pk": own, "name": "X", "csrf_token": token})
    if action == "export":
        return client.get(f"{base}/export/csv/")
    if action == "delete":
        return client.post(f"{base}/delete/", data={"id": victim, "csrf_token": token, "url": f"{base}/"})
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("screen", list(TABLE))
def test_role_table(client: Any, records: Any, screen: str, role: str) -> None:
    sign_in(client, role)
    token = token_for(client)
    own, victim = records[screen]
    wrong = []
    for action, (grant, allowed_status) in ACTIONS.items():
        expected = allowed_status if role in TABLE[screen][grant] else 403
        response = request(client, screen, action, own, victim, token)
        response.get_data()  # an export streams: read it all
        if response.status_code != expected:
            wrong.append(f"{action}: {response.status_code} (expected {expected})")
        if action == "export" and expected == 200:
            assert response.mimetype == "text/csv"
    assert not wrong, f"{role} on /admin/{screen}/: " + "; ".join(wrong)


@pytest.mark.parametrize("screen", list(TABLE))
def test_delete_really_removes_only_when_allowed(app: Any, client: Any, records: Any, screen: str) -> None:
    """The table's 302 for a delete is a real removal for the admin, and nothing for the others."""
    model = {
        "residents": models.Resident, "visits": models.Visit, "outreach": models.Outreach,
        "devices": models.Device, "teams": models.Team, "campaigns": models.Campaign,
        "kecamatan": models.Kecamatan, "desa": models.Desa, "users": models.User, "audit": models.AuditEntry,
    }[screen]
    own, victim = records[screen]
    for role in ("supervisor", "clerk"):
        role_client = app.test_client()
        sign_in(role_client, role)
        request(role_client, screen, "delete", own, victim, token_for(role_client))
        if role not in TABLE[screen]["delete"]:
            assert fetch(app, model, victim) is not None, f"{role} deleted a {screen} record"
    if "admin" in TABLE[screen]["delete"]:
        sign_in(client, "admin")
        request(client, screen, "delete", own, victim, token_for(client))
        assert fetch(app, model, victim) is None


ANONYMOUS_GETS = [
    "/admin/", "/admin/residents/", "/admin/residents/new/", "/admin/residents/details/?id=1",
    "/admin/residents/edit/?id=1", "/admin/residents/export/csv/", "/admin/residents/ajax/lookup/?name=desa&query=a",
    "/admin/visits/", "/admin/outreach/", "/admin/devices/", "/admin/teams/", "/admin/campaigns/",
    "/admin/kecamatan/", "/admin/desa/", "/admin/users/", "/admin/audit/", "/admin/audit/export/csv/",
    "/admin/outstanding/", f"/admin/outstanding/{DESA_A}/", f"/admin/outstanding/{DESA_A}/print/",
    f"/admin/outstanding/{DESA_A}/export.csv", "/admin/outstanding/export.csv", "/admin/progress/",
    "/admin/kits/", "/admin/home-visits/", "/admin/home-visits/export.csv",
]


@pytest.mark.parametrize("url", ANONYMOUS_GETS)
def test_anonymous_sees_only_the_login_page(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302, url
    assert response.headers["Location"].startswith("/login")
    login = client.get(response.headers["Location"])
    assert login.status_code == 200 and 'name="password"' in text(login)


@pytest.mark.parametrize("url", [
    "/admin/residents/new/", "/admin/residents/edit/?id=1", "/admin/residents/delete/",
    "/admin/residents/action/", "/admin/residents/ajax/update/", "/admin/users/new/",
])
def test_anonymous_post_with_a_token_is_still_refused(client: Any, url: str) -> None:
    response = client.post(url, data={"csrf_token": token_for(client), "id": "1", "name": "X"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


REPORTS = ["/admin/outstanding/", f"/admin/outstanding/{DESA_A}/", f"/admin/outstanding/{DESA_A}/print/",
           "/admin/progress/", "/admin/kits/", "/admin/home-visits/"]
REPORT_EXPORTS = ["/admin/outstanding/export.csv", f"/admin/outstanding/{DESA_A}/export.csv",
                  "/admin/home-visits/export.csv"]


@pytest.mark.parametrize("role", ROLES)
def test_reports_and_their_exports_open_for_every_role(client: Any, role: str) -> None:
    """Supervisors read dashboards and exports; clerks their own kecamatan's lists and sheets."""
    sign_in(client, role)
    for url in REPORTS + REPORT_EXPORTS:
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200, (url, response.status_code)


def test_a_clerk_without_a_kecamatan_reaches_nothing(app: Any, client: Any) -> None:
    add(app, models.User(username="lost_clerk", role="clerk", kecamatan_code=None,
                         password_hash=_hash()))
    sign_in(client, "lost_clerk")
    for url in ["/admin/residents/", "/admin/devices/", "/admin/outstanding/"]:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


def _hash() -> str:
    from security.ektp_support import PASSWORD
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


# ---------------------------------------------------------------------- deny by default


def test_a_model_view_that_grants_nothing_is_closed_to_every_role(app: Any) -> None:
    """A new screen is closed until it says who may use it."""
    from flask_admin import Admin

    from ektp_admin.views.base import EktpModelView

    class NewScreen(EktpModelView):
        pass  # no grants

    from ektp_admin.access import EktpUser
    from ektp_admin.domain.enums import Role

    view = NewScreen(models.Device, models.db, endpoint="ektp_new_screen_probe")
    with app.test_request_context("/admin/"):
        for role in Role:
            from flask import g

            g.ektp_user = EktpUser("probe", role, KEC_A)
            assert not view.is_accessible(), role
            assert not (view.can_create or view.can_edit or view.can_delete or view.can_export), role
    assert isinstance(Admin, type)


def test_a_report_view_that_grants_nothing_is_closed_to_every_role(app: Any) -> None:
    """The same rule for the custom (non-model) screens' base."""
    from flask import g
    from flask_admin import expose

    from ektp_admin.access import EktpUser
    from ektp_admin.domain.enums import Role
    from ektp_admin.views.reports import EktpReportView

    class NewReport(EktpReportView):  # says nothing about who may use it
        @expose("/")
        def index(self) -> str:
            return "report"

    view = NewReport(endpoint="ektp_new_report_probe")
    with app.test_request_context("/admin/"):
        for role in Role:
            g.ektp_user = EktpUser("probe", role, KEC_A)
            assert not view.is_accessible(), f"a report view without grants is open to {role.value}"


def test_every_registered_screen_is_an_ektp_screen(app: Any) -> None:
    """No plain Flask-Admin view (open by default) slipped into the plugin's Admin."""
    from ektp_admin import get_state
    from ektp_admin.views.base import EktpAccess, EktpModelView
    from ektp_admin.views.home import HomeView
    from ektp_admin.views.reports import EktpReportView

    admin = get_state(app).admin
    for view in admin._views:
        assert isinstance(view, (EktpModelView, EktpReportView, EktpAccess, HomeView)), view.endpoint
        assert view.endpoint.startswith("ektp_"), view.endpoint
