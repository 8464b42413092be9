"""Hardening issue, item 5: pages with personal data are never stored, and every
page runs under a Content-Security-Policy without inline scripts.

- every page of the plugin is sent with ``Cache-Control: no-store`` and the
  policy (``EKTP_ADMIN_CONTENT_SECURITY_POLICY``); static files stay cacheable;
- no page the plugin renders holds an inline ``<script>`` or an inline event
  handler (``onclick=...``), which the policy would block: the list menus, the
  delete button, the inline "Add" button and the sheet's Print button work
  through ``ektp_admin.js`` (tests/e2e/test_content_security_policy.py runs them
  in the browser);
- embedded, a host's own routes get none of this.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from security.ektp_support import (
    DESA_A,
    KEC_A,
    add,
    close_app,
    make_campaign,
    make_device,
    make_host,
    make_outreach,
    make_result,
    make_team,
    make_visit,
    sign_in,
    text,
)

from ektp_admin import EktpUser, Role, models
from ektp_admin.http_policy import DEFAULT_CSP


class InlineCode(HTMLParser):
    """Inline scripts and event handler attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            names = dict(attrs)
            if "src" not in names:
                self._in_script = True
                self.found.append("<script> without src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def inline_code(page: str) -> list[str]:
    parser = InlineCode()
    parser.feed(page)
    return parser.found


@pytest.fixture
def records(app: Any, make_resident: Any) -> dict[str, Any]:
    resident = make_resident("SITI AMINAH")
    device = make_device(app)
    team = make_team(app)
    add(app, models.TeamMember(team_id=team, name="ANGGOTA"))
    visit = make_visit(app, device_id=device, team_id=team)
    make_result(app, visit, resident)
    return {"resident": resident, "device": device, "team": team, "visit": visit,
            "campaign": make_campaign(app), "outreach": make_outreach(app)}


def pages(records: dict[str, Any]) -> list[str]:
    """The screens, forms, details, reports and the sheet."""
    urls = ["/admin/", "/admin/outstanding/", f"/admin/outstanding/{DESA_A}/", f"/admin/outstanding/{DESA_A}/print/",
            "/admin/progress/", "/admin/kits/", "/admin/home-visits/", "/admin/audit/", "/admin/users/"]
    for screen, key in [("residents", "resident"), ("visits", "visit"), ("devices", "device"), ("teams", "team"),
                        ("campaigns", "campaign"), ("outreach", "outreach")]:
        urls += [f"/admin/{screen}/", f"/admin/{screen}/new/", f"/admin/{screen}/edit/?id={records[key]}",
                 f"/admin/{screen}/details/?id={records[key]}"]
    urls += ["/admin/kecamatan/", f"/admin/desa/edit/?id={DESA_A}", f"/admin/kecamatan/details/?id={KEC_A}"]
    return urls


def test_every_page_is_no_store_with_the_policy_and_no_inline_code(app: Any, client: Any, records: Any) -> None:
    sign_in(client, "admin")
    for url in pages(records):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["Content-Security-Policy"] == DEFAULT_CSP, url
        assert inline_code(text(response)) == [], url


def test_the_policy_allows_no_inline_script_and_only_this_site(app: Any) -> None:
    directives = dict(d.strip().split(" ", 1) for d in DEFAULT_CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert "frame-ancestors" in directives and "base-uri" in directives


def test_the_login_page_and_refusals_carry_them_too(app: Any, client: Any) -> None:
    for response in (client.get("/login"), client.get("/admin/residents/"), client.post("/logout")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == DEFAULT_CSP
    assert inline_code(text(client.get("/login"))) == []


def test_exports_stay_no_store(app: Any, client: Any, records: Any) -> None:
    sign_in(client, "admin")
    for url in ("/admin/residents/export/csv/", f"/admin/outstanding/{DESA_A}/export.csv"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        response.get_data()


def test_static_files_stay_cacheable(app: Any, client: Any) -> None:
    for url in ("/ektp-admin-static/ektp_admin/ektp_admin.js", "/admin/static/admin/js/form.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
        assert "Content-Security-Policy" not in response.headers, url
        response.close()


def test_the_delete_button_and_inline_add_use_data_attributes(app: Any, client: Any, records: Any) -> None:
    sign_in(client, "admin")
    listing = text(client.get("/admin/residents/"))
    assert 'data-ektp-confirm="Are you sure you want to delete this record?"' in listing
    assert re.search(r'<a href="javascript:void\(0\)" class="dropdown-item filter" data-ektp-noop>', listing)
    visit = text(client.get(f"/admin/visits/edit/?id={records['visit']}"))
    assert 'data-ektp-add-inline="results"' in visit
    assert "ektp_admin/ektp_admin.js" in visit
    sheet = text(client.get(f"/admin/outstanding/{DESA_A}/print/"))
    assert "data-ektp-print" in sheet and "ektp_admin/ektp_admin.js" in sheet


def test_embedded_the_hosts_routes_are_left_alone(database_url: str) -> None:
    host = make_host(database_url, {"camat": EktpUser("camat", Role.CLERK, KEC_A)})

    @host.get("/host-page")
    def host_page() -> str:
        return "<script>portal()</script>"

    try:
        client = host.test_client()
        client.post("/host-login", data={"who": "camat"})
        own = client.get("/host-page")
        assert "Content-Security-Policy" not in own.headers and "no-store" not in own.headers.get("Cache-Control", "")
        ours = client.get("/admin/residents/")
        assert ours.status_code == 200
        assert ours.headers["Cache-Control"] == "no-store" and ours.headers["Content-Security-Policy"] == DEFAULT_CSP
        host.config["EKTP_ADMIN_CONTENT_SECURITY_POLICY"] = None  # a host that sets its own
        ours = client.get("/admin/residents/")
        assert "Content-Security-Policy" not in ours.headers and ours.headers["Cache-Control"] == "no-store"
    finally:
        close_app(host)
