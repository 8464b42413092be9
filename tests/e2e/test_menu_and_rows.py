"""The top menu at 1366x768 for every role, and every row icon of every list.

The menu stays on one line (a laptop of the office), every entry it shows opens;
the view, edit and delete icons of a row open what they say (the delete asks
first and is dismissed here), never a "Not Found" or a server error.
"""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .ui import USERS, open_menu, sign_in

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
#: A Bootstrap navbar of one line is 56 px high; a second line adds about 40.
ONE_LINE = 70
#: The model lists an admin reaches from the menu, by the link text of the English UI.
MODEL_LISTS = ["Residents", "Visit logs", "Campaigns", "Outreach", "Devices", "Teams", "Kecamatan",
               "Desa/Kelurahan", "Users", "Audit log"]


@pytest.fixture
def laptop(browser: Browser, portal: Any) -> Any:
    context = browser.new_context(base_url=portal.url, viewport=LAPTOP, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page, errors
    context.close()


def _menu_entries(page: Page) -> list[tuple[str | None, str]]:
    """(category or None, entry) of every link the top menu shows."""
    entries: list[tuple[str | None, str]] = []
    nav = page.locator("#admin-navbar-collapse > ul.navbar-nav").first
    for item in nav.locator(":scope > li").all():
        toggle = item.locator(":scope > a.dropdown-toggle")
        if toggle.count():
            category = toggle.inner_text().strip()
            for link in item.locator(".dropdown-menu a").all():
                entries.append((category, link.inner_text().strip()))
        else:
            entries.append((None, item.locator("a").first.inner_text().strip()))
    return entries


@pytest.mark.parametrize("role", list(USERS))
def test_the_menu_fits_one_line_and_every_entry_opens(laptop: Any, role: str) -> None:
    page, errors = laptop
    username, password, _ = USERS[role]
    sign_in(page, username=username, password=password)
    page.goto("/admin/")
    navbar = page.locator("nav.navbar").first
    height = navbar.bounding_box()["height"]
    assert height <= ONE_LINE, f"the menu of a {role} takes {height}px at 1366x768: more than one line"
    entries = _menu_entries(page)
    assert len(entries) >= 5
    for category, entry in entries:
        open_menu(page, category, entry)
        body = page.locator("body").inner_text()
        assert "Not Found" not in body and "Internal Server Error" not in body, (category, entry)
        assert page.locator("nav.navbar").first.bounding_box()["height"] <= ONE_LINE, (category, entry)
    assert not errors, errors


def test_more_than_seven_residents_fit_on_screen(laptop: Any) -> None:
    page, _ = laptop
    sign_in(page)
    page.goto("/admin/")
    open_menu(page, "Penduduk", "Penduduk")
    rows = page.locator("table.model-list tbody tr")
    expect(rows.first).to_be_visible()
    visible = [r for r in rows.all() if (box := r.bounding_box()) and box["y"] + box["height"] <= LAPTOP["height"]]
    assert len(visible) > 7, f"only {len(visible)} residents fit on a 1366x768 screen"


def _icon(page: Page, kind: str) -> Any:
    """The first row's view/edit/delete icon, as the list shows it."""
    cell = page.locator("table.model-list tbody tr").first.locator("td.list-buttons-column")
    if kind == "delete":
        return cell.locator("form button, form a").first
    return cell.locator(f"a[href*='/{kind}/']").first


def test_every_row_icon_of_every_list_opens(laptop: Any) -> None:
    page, errors = laptop
    username, password, _ = USERS["admin"]
    sign_in(page, username=username, password=password)
    page.goto("/admin/?lang=en")
    entries = {entry: category for category, entry in _menu_entries(page)}
    tried = []
    for name in MODEL_LISTS:
        assert name in entries, f"{name} is not in the admin's menu"
        open_menu(page, entries[name], name)
        list_url = page.url
        if page.locator("table.model-list tbody tr td.list-buttons-column").count() == 0:
            continue  # the seeded portal has no row here
        for kind in ("details", "edit"):
            icon = _icon(page, kind)
            if icon.count() == 0:
                continue
            icon.click()
            page.wait_for_load_state()
            body = page.locator("body").inner_text()
            assert "Not Found" not in body and "Internal Server Error" not in body, (name, kind, page.url)
            if kind == "edit":
                expect(page.locator("form.admin-form")).to_be_visible()
            page.go_back()
            page.wait_for_url(list_url)
        delete = _icon(page, "delete")
        if delete.count():
            asked: list[str] = []
            page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
            delete.click()
            page.wait_for_timeout(200)
            assert asked, f"{name}: the delete did not ask first"
            assert page.url == list_url
            expect(page.locator("table.model-list tbody tr").first).to_be_visible()
        tried.append(name)
    assert {"Residents", "Visit logs", "Devices", "Teams", "Kecamatan", "Desa/Kelurahan", "Users",
            "Audit log"} <= set(tried), tried
    assert not errors, errors
