"""Issue 4, CSRF: every state-changing request carries a token and is refused without one.

Table: each POST a user can make (login, logout, create, edit, delete, bulk
action, inline edit, a user account), sent without a token and with a token of
another session; each must answer 400 with a readable message and change
nothing. The same requests then succeed with the page's own token, so the
refusals are about the token and nothing else. A host that embeds the plugin
without Flask-WTF's CSRFProtect is protected by the plugin's own checks.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest
from security.ektp_support import (
    DESA_A,
    KEC_A,
    close_app,
    csrf_token,
    fetch,
    flashes,
    make_campaign,
    make_host,
    resident_form,
    sign_in,
    text,
    token_for,
)

from ektp_admin import EktpUser, Role, models

REFUSAL = "security token is missing or has expired"


def _resident_count(app: Any) -> int:
    with app.app_context():
        return models.db.session.query(models.Resident).count()


def _stored_names(app: Any) -> list[str]:
    with app.app_context():
        return sorted(r.name for r in models.db.session.query(models.Resident))


Case = tuple[str, str, Callable[[Any, dict[str, Any]], dict[str, Any]], Callable[[Any, dict[str, Any]], Any]]


@pytest.fixture
def world(app: Any, make_resident: Any) -> dict[str, Any]:
    rid = make_resident("SITI AMINAH")
    return {"resident": rid, "campaign": make_campaign(app), "version": fetch(app, models.Resident, rid).version}


# (who, url, form data builder, what must still hold afterwards)
CASES: dict[str, Case] = {
    "create": ("clerk", "/admin/residents/new/",
               lambda app, w: resident_form(name="BARU"),
               lambda app, w: "BARU" not in _stored_names(app)),
    "edit": ("clerk", "/admin/residents/edit/?id={resident}",
             lambda app, w: resident_form(nik=fetch(app, models.Resident, w["resident"]).nik, name="DIUBAH", sex="P",
                                          birth=dt.date(1980, 5, 17), ektp_version=str(w["version"])),
             lambda app, w: fetch(app, models.Resident, w["resident"]).name == "SITI AMINAH"),
    "delete": ("admin", "/admin/campaigns/delete/",
               lambda app, w: {"id": str(w["campaign"])},
               lambda app, w: fetch(app, models.Campaign, w["campaign"]) is not None),
    "bulk action": ("clerk", "/admin/residents/action/",
                    lambda app, w: {"action": "delete", "rowid": [str(w["resident"])]},
                    lambda app, w: fetch(app, models.Resident, w["resident"]) is not None),
    "inline edit": ("clerk", "/admin/residents/ajax/update/",
                    lambda app, w: {"list_form_pk": str(w["resident"]), "name": "DIUBAH"},
                    lambda app, w: fetch(app, models.Resident, w["resident"]).name == "SITI AMINAH"),
    "new user": ("admin", "/admin/users/new/",
                 lambda app, w: {"username": "penyusup", "role": "admin", "new_password": "rahasia-sekali-1"},
                 lambda app, w: _user_missing(app, "penyusup")),
    "logout": ("clerk", "/logout",
               lambda app, w: {},
               None),  # checked below: still signed in
}


def _user_missing(app: Any, username: str) -> bool:
    with app.app_context():
        return models.db.session.query(models.User).filter_by(username=username).first() is None


@pytest.mark.parametrize("token", ["none", "other session"])
@pytest.mark.parametrize("name", list(CASES))
def test_a_post_without_a_valid_token_is_refused(app: Any, client: Any, world: Any, name: str, token: str) -> None:
    who, url, build, holds = CASES[name]
    sign_in(client, who)
    data = build(app, world)
    if token == "other session":
        data["csrf_token"] = token_for(app.test_client())  # valid, but not this session's
    response = client.post(url.format(**world), data=data)
    assert response.status_code == 400
    assert REFUSAL in text(response)
    if holds is not None:
        assert holds(app, world), f"{name} went through without a valid token"
    else:
        assert client.get("/admin/residents/").status_code == 200  # still signed in


def test_login_without_a_token_is_refused(client: Any) -> None:
    response = client.post("/login", data={"username": "admin", "password": "rahasia-uji-123"})
    assert response.status_code == 400
    assert client.get("/admin/residents/").status_code == 302  # not signed in


@pytest.mark.parametrize("name", ["create", "edit", "delete", "new user", "logout"])
def test_the_same_post_with_the_pages_token_goes_through(app: Any, client: Any, world: Any, name: str) -> None:
    """The refusals above are about the token: with it, the request does its work."""
    who, url, build, holds = CASES[name]
    sign_in(client, who)
    data = build(app, world)
    data["csrf_token"] = token_for(client)
    response = client.post(url.format(**world), data=data)
    assert response.status_code == 302, flashes(text(response))
    if holds is not None:
        assert not holds(app, world)
    else:
        assert client.get("/admin/residents/").status_code == 302  # signed out


def test_the_pages_carry_their_token(client: Any, world: Any) -> None:
    """Forms, the row delete buttons and the sign-out button each hold a token."""
    sign_in(client, "admin")
    for url in ("/admin/residents/new/", f"/admin/residents/edit/?id={world['resident']}", "/admin/campaigns/"):
        page = text(client.get(url))
        assert csrf_token(page)
    listing = text(client.get("/admin/campaigns/"))
    delete_form = listing[listing.index('action="/admin/campaigns/delete/"'):]
    assert 'name="csrf_token"' in delete_form[:1000]
    assert 'action="/logout"' in listing


# ---------------------------------------------------------------------- embedded, no CSRFProtect

HOST_USERS = {"camat_a": EktpUser("camat_a", Role.CLERK, KEC_A), "kadis_admin": EktpUser("kadis_admin", Role.ADMIN)}


@pytest.fixture
def bare_host(app: Any, database_url: str) -> Any:
    host = make_host(database_url, HOST_USERS, csrf_protect=False)
    yield host
    close_app(host)


def test_without_the_hosts_csrfprotect_a_form_without_token_saves_nothing(app: Any, bare_host: Any) -> None:
    client = bare_host.test_client()
    client.post("/host-login", data={"who": "camat_a"})
    client.get("/admin/?lang=en")
    before = _resident_count(app)
    response = client.post("/admin/residents/new/", data=resident_form(name="TANPA TOKEN"))
    assert response.status_code == 200  # the form comes back, with the user's input
    assert "Your session expired or the form is stale: please submit it again." in flashes(text(response))
    assert 'value="TANPA TOKEN"' in text(response)
    assert _resident_count(app) == before
    # resubmitting the re-shown form (it now carries a token) saves it
    retry = client.post("/admin/residents/new/", data={**resident_form(name="TANPA TOKEN"),
                                                       "csrf_token": csrf_token(text(response))})
    assert retry.status_code == 302
    assert _resident_count(app) == before + 1


@pytest.mark.parametrize("url, data", [
    ("/admin/campaigns/delete/", lambda w: {"id": str(w["campaign"])}),
    ("/admin/residents/action/", lambda w: {"action": "delete", "rowid": [str(w["resident"])]}),
    ("/admin/residents/ajax/update/", lambda w: {"list_form_pk": str(w["resident"]), "name": "X"}),
])
def test_without_the_hosts_csrfprotect_delete_action_and_inline_edit_are_refused(
        app: Any, bare_host: Any, world: Any, url: str, data: Any) -> None:
    client = bare_host.test_client()
    client.post("/host-login", data={"who": "kadis_admin"})
    response = client.post(url, data=data(world))
    assert response.status_code == 400
    assert fetch(app, models.Campaign, world["campaign"]) is not None
    assert fetch(app, models.Resident, world["resident"]).name == "SITI AMINAH"
