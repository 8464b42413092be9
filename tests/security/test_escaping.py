"""Issue 4, escaping: text typed by someone shows as text everywhere.

Names like ``<script>`` or ``"><img onerror=...>`` are stored as typed and come
back escaped on every page that shows them (lists, details, forms, flash
messages, histories, the audit log, the outstanding sheets); a CSV cell cannot
start a formula.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from security.ektp_support import (
    DESA_A,
    add,
    csrf_token,
    flashes,
    form_fields,
    make_campaign,
    make_device,
    make_outreach,
    make_result,
    make_team,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    submit,
    text,
)

from ektp_admin import models

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = {
    SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
    IMG: "&lt;img src=x onerror=alert(1)&gt;",
}
RAW = ["<script>alert(1)", "<img src=x onerror"]


def assert_escaped(page: str, payload: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, f"{where}: {raw!r} reached the page unescaped"
    assert PAYLOADS[payload] in page, f"{where}: the text is not shown at all"


@pytest.fixture(params=list(PAYLOADS), ids=["script", "img-onerror"])
def payload(request: Any) -> str:
    return request.param


@pytest.fixture
def hostile(app: Any, make_resident: Any, payload: str) -> dict[str, Any]:
    """Every kind of record with the payload in its free-text fields."""
    rid = make_resident(f"SITI {payload}", address=payload, notes=payload, away_location=payload)
    visit = make_visit(app, host_address=payload, notes=payload)
    make_result(app, visit, rid, "not_home")
    with app.app_context():
        result = models.db.session.query(models.VisitResult).one()
        result.note = payload
        models.db.session.commit()
    return {
        "resident": rid,
        "visit": visit,
        "device": make_device(app, f"KIT {payload}"[:40], location=payload),
        "team": make_team(app, f"TIM {payload}"),
        "campaign": make_campaign(app, f"KAMPANYE {payload}"),
        "outreach": make_outreach(app, by_whom=payload),
    }


PAGES = [
    ("clerk", "/admin/residents/"),
    ("clerk", "/admin/residents/details/?id={resident}"),
    ("clerk", "/admin/residents/edit/?id={resident}"),
    ("clerk", "/admin/visits/details/?id={visit}"),
    ("clerk", "/admin/devices/"),
    ("admin", "/admin/devices/details/?id={device}"),
    ("admin", "/admin/devices/edit/?id={device}"),
    ("clerk", "/admin/teams/"),
    ("supervisor", "/admin/teams/edit/?id={team}"),
    ("clerk", "/admin/campaigns/"),
    ("supervisor", "/admin/campaigns/details/?id={campaign}"),
    ("clerk", "/admin/outreach/"),
    ("clerk", "/admin/outreach/edit/?id={outreach}"),
    ("supervisor", "/admin/audit/"),
    ("clerk", f"/admin/outstanding/{DESA_A}/"),
    ("clerk", f"/admin/outstanding/{DESA_A}/print/"),
]


@pytest.mark.parametrize("who, url", PAGES)
def test_hostile_text_shows_as_text(app: Any, client: Any, hostile: Any, payload: str, who: str, url: str) -> None:
    sign_in(client, who)
    response = client.get(url.format(**hostile))
    assert response.status_code == 200
    assert_escaped(text(response), payload, url)


def test_hostile_text_in_a_form_comes_back_as_typed(app: Any, client: Any, payload: str) -> None:
    """Escaped in the page, and exactly the typed text once the browser reads it back."""
    sign_in(client, "clerk")
    data = resident_form(name=f"SITI {payload}", address=payload, rt="1X")  # rt makes the form come back
    response = post_form(client, "/admin/residents/new/", data)
    assert response.status_code == 200
    page = text(response)
    assert_escaped(page, payload, "re-shown form")
    fields = dict(form_fields(page))
    assert fields["address"] == payload and fields["name"] == " ".join(f"SITI {payload}".split())


def test_a_flash_message_that_quotes_the_input_escapes_it(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(nik="<script>alert(1)</script>"))
    page = text(response)
    assert "<script>alert(1)" not in page
    assert "&lt;" in page  # the refused characters are named, as text


def test_the_stale_edit_message_escapes_the_current_values(app: Any, make_resident: Any, payload: str) -> None:
    rid = make_resident("SITI AMINAH")
    first, second = sign_in(app.test_client(), "admin"), sign_in(app.test_client(), "clerk")
    url = f"/admin/residents/edit/?id={rid}"
    form_a = form_fields(text(first.get(url)), "ektp_version")
    form_b = form_fields(text(second.get(url)), "ektp_version")
    assert submit(first, url, form_a, address=payload).status_code == 302
    refused = submit(second, url, form_b, phone="081399988877")
    page = text(refused)
    assert any(payload in m for m in flashes(page))  # the user reads the current value ...
    assert_escaped(page, payload, "stale-edit flash")  # ... as text


def test_the_history_and_audit_log_escape_changed_values(app: Any, client: Any, make_resident: Any,
                                                         payload: str) -> None:
    rid = make_resident("SITI AMINAH")
    sign_in(client, "admin")
    url = f"/admin/residents/edit/?id={rid}"
    assert submit(client, url, form_fields(text(client.get(url)), "ektp_version"), notes=payload).status_code == 302
    details = text(client.get(f"/admin/residents/details/?id={rid}"))
    assert_escaped(details[details.index('id="ektp-history"'):], payload, "details history")
    assert_escaped(text(client.get("/admin/audit/")), payload, "audit log")


def test_a_csv_cell_never_starts_a_formula(app: Any, client: Any, make_resident: Any) -> None:
    for name, address in [("=HYPERLINK(\"http://x\")", "+1-1"), ("@SUM(A1)", "-2+3")]:
        make_resident(name, address=address)
    sign_in(client, "admin")
    body = text(client.get("/admin/residents/export/csv/"))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'@SUM(A1)" in cells and "'+1-1" in cells and "'-2+3" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells if cell)


def test_json_lookups_are_served_as_json(app: Any, client: Any, hostile: Any) -> None:
    sign_in(client, "clerk")
    response = client.get("/admin/residents/ajax/lookup/?name=desa&query=a")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------- odd input is never a 500

ODD_GETS = [
    "/admin/residents/?search=%00",
    "/admin/residents/?search=SITI%00AMINAH",
    "/admin/residents/?search=%20%20%20",
    "/admin/residents/?search=35100%00",
    "/admin/residents/?flt0_0=35.10%00.01",
    "/admin/residents/?sort=99&desc=x&page=-4&page_size=100000",
    "/admin/residents/ajax/lookup/?name=desa&query=%00&limit=-5&offset=-1",
    "/admin/residents/ajax/lookup/?name=nothing&query=a",
    "/admin/residents/export/csv/?search=%00",
    "/admin/audit/?search=%00",
    "/admin/devices/?search=%27%22%00%5C",
]


@pytest.mark.parametrize("url", ODD_GETS)
def test_odd_parameters_never_break_a_page(client: Any, make_resident: Any, url: str) -> None:
    make_resident("SITI AMINAH")
    sign_in(client, "admin")
    response = client.get(url)
    response.get_data()
    assert response.status_code in (200, 302, 404), (url, response.status_code)


def test_a_nul_in_a_form_is_dropped_not_a_database_error(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    data = resident_form(name="SITI\x00 AMINAH", address="JL.\x00 MAWAR")
    response = post_form(client, "/admin/residents/new/", data)
    assert response.status_code == 302, flashes(text(response))
    with app.app_context():
        stored = models.db.session.query(models.Resident).filter_by(nik=data["nik"]).one()
        assert (stored.name, stored.address) == ("SITI AMINAH", "JL. MAWAR")


def test_a_nul_in_the_login_form_is_a_wrong_login(client: Any) -> None:
    page = text(client.get("/login?lang=en"))
    response = client.post("/login", data={"username": "adm\x00in", "password": "x\x00y",
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 401
