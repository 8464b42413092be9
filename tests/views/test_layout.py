"""The standalone layout: language switch, who is signed in, sign-out with CSRF."""
from __future__ import annotations

import re

from conftest import KEC_A, csrf_token

from ektp_admin.domain.enums import Role


def test_signed_in_page_shows_user_and_signout(login_as):
    client = login_as("clerk")
    html = client.get("/admin/residents/").get_data(as_text=True)
    # the name on the bar, the role in its tooltip (the menu keeps to one line at 1366 px)
    assert 'title="Operator kecamatan">clerk</span>' in html
    assert 'action="/logout"' in html


def test_logout_needs_csrf_token(login_as):
    client = login_as("clerk")
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/residents/").status_code == 200  # still signed in
    token = csrf_token(client.get("/admin/residents/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/residents/").status_code == 302  # back to the login page


def test_language_switch_is_remembered(login_as):
    client = login_as("clerk")
    indonesian = client.get("/admin/residents/").get_data(as_text=True)
    assert ">English<" in indonesian and "Tambah Filter" in indonesian  # Indonesian by default
    english = client.get("/admin/residents/?lang=en").get_data(as_text=True)
    assert ">English<" not in english and "Bahasa Indonesia" in english and "Add Filter" in english
    again = client.get("/admin/residents/").get_data(as_text=True)
    assert "Bahasa Indonesia" in again


def _menu(html: str) -> str:
    start = html.index('<ul class="nav navbar-nav mr-auto">')
    return html[start:html.index("</ul>\n", html.index('class="navbar-nav ml-auto', start) - 200) + 5]


def test_the_reused_menu_is_each_kind_of_users_own(app, client, login_as):
    """The menu is drawn once per role, kecamatan, language and screen (views/chrome.py):
    an admin's never reaches a clerk, nor a clerk's an admin, nor one language the other."""
    login_as("admin")
    admin_menu = _menu(client.get("/admin/residents/").get_data(as_text=True))
    assert 'href="/admin/users/"' in admin_menu
    assert _menu(client.get("/admin/residents/").get_data(as_text=True)) == admin_menu  # reused: the same
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin/residents/").get_data(as_text=True))})
    login_as("clerk")
    clerk_menu = _menu(client.get("/admin/residents/").get_data(as_text=True))
    assert 'href="/admin/users/"' not in clerk_menu and 'href="/admin/residents/"' in clerk_menu
    english = _menu(client.get("/admin/residents/?lang=en").get_data(as_text=True))
    assert "Penduduk" in clerk_menu and "Penduduk" not in english
    # the active entry follows the screen shown
    visits = _menu(client.get("/admin/visits/").get_data(as_text=True))
    assert visits != english
    kept = app.extensions["ektp_admin"].page_parts
    assert {key[0] for key in kept} == {"menu", "head_css", "tail_js"}
    menus = {(key[2], key[5], key[6]) for key in kept if key[0] == "menu"}
    clerk = (Role.CLERK, KEC_A)
    assert menus == {("ektp_home", None, "id"),  # the login page: nobody signed in
                     ("ektp_residents", (Role.ADMIN, None), "id"), ("ektp_residents", clerk, "id"),
                     ("ektp_residents", clerk, "en"), ("ektp_visits", clerk, "en")}


def test_the_reused_links_are_the_ones_drawn_each_time(app, client, login_as):
    """Stylesheets and scripts reused are exactly what the page draws without reuse."""
    from ektp_admin.views import chrome

    login_as("clerk")
    first = client.get("/admin/residents/").get_data(as_text=True)
    reused = client.get("/admin/residents/").get_data(as_text=True)
    original, chrome.part_key = chrome.part_key, lambda name, view: None  # draw every part every time
    try:
        drawn = client.get("/admin/residents/").get_data(as_text=True)
    finally:
        chrome.part_key = original
    strip = lambda html: re.sub(r'value="[^"]{40,}"', "", html)  # noqa: E731 (CSRF tokens differ)
    assert strip(first) == strip(reused) == strip(drawn)
    assert drawn.count("<script") == reused.count("<script") > 5


def test_a_list_draws_a_row_per_record_in_reach_and_says_when_there_is_none(app, login_as, make_resident):
    """The table's rows are drawn in one call (list_rows.RowWriter.draw_rows), not
    through Flask-Admin's per-row block: every record the clerk may see, each in its
    row with its cells and its link; none for a search that finds nothing."""
    import sqlalchemy as sa
    from conftest import DESA_B

    from ektp_admin import models

    for name in ("SATU", "DUA", "TIGA"):
        make_resident(f"WARGA {name}")
    make_resident("WARGA LAIN", desa=DESA_B)  # another kecamatan: out of the clerk's reach
    client = login_as("clerk")
    page = client.get("/admin/residents/?lang=en").get_data(as_text=True)
    body = page[page.index("</thead>"): page.index("</table>", page.index("</thead>"))]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    with app.app_context():
        names = set(models.db.session.scalars(
            sa.select(models.Resident.name).where(models.Resident.kecamatan_code == KEC_A)))
    assert len(rows) == len(names) and "WARGA LAIN" not in body
    assert {re.search(r'<td class="col-name">([^<]*)</td>', row).group(1) for row in rows} == names
    assert all('class="list-buttons-column"' in row and "/admin/residents/" in row for row in rows)
    empty = client.get("/admin/residents/?lang=en&search=ZZZZZZ").get_data(as_text=True)
    assert "There are no items in the table." in empty and "<td class=\"col-name\">" not in empty
