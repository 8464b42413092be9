"""The residents list as a clerk uses it: a surname and a NIK written with spaces
typed into the search box, the total read off the page, pages clicked by number.

Numbers and rows are checked against the portal's own database file (a direct
count, the same ORDER BY), so other browser tests that ran before change nothing.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .seed import KECAMATAN, SARONGAN, nik

pytestmark = pytest.mark.e2e
from .ui import ID, open_dropdown, screenshot, sign_in

NURUL = SARONGAN[6]
SITI = SARONGAN[0]


def _database(portal: Any) -> sqlite3.Connection:
    return sqlite3.connect(portal.log_path.parent / "e2e.sqlite")


def _direct(portal: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    connection = _database(portal)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def _total(page: Page) -> str:
    return page.locator(".ektp-list-total").inner_text().strip()


def _search(page: Page, typed: str) -> None:
    box = page.get_by_role("search").get_by_role("textbox")
    box.click()
    box.press("Control+a")
    box.press("Backspace")
    box.press_sequentially(typed, delay=20)
    box.press("Enter")
    expect(box).to_have_value(typed)


def test_a_clerk_types_a_surname_and_a_spaced_nik_reads_the_total_and_clicks_page_numbers(
        page: Page, portal: Any) -> None:
    sign_in(page)
    page.goto("/admin/residents/")
    rows = page.locator("table.model-list tbody tr")

    # Any word of the name: the surname finds NURUL HIDAYAH.
    _search(page, "hidayah")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NURUL[0])
    expect(page.locator(".ektp-list-total")).to_have_text("1 penduduk")

    # A NIK as it is written on a card: four groups of four digits.
    siti_nik = nik(SITI[2], SITI[1], 1)
    _search(page, " ".join(siti_nik[i:i + 4] for i in range(0, 16, 4)))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SITI[0])
    expect(rows.first).to_contain_text(siti_nik)
    screenshot(page, "09-residents-search-spaced-nik")

    # Everyone of the clerk's kecamatan: the total as a direct count says it.
    _search(page, "")
    everyone = _direct(portal, "SELECT count(*) FROM ektp_resident WHERE kecamatan_code = ?", KECAMATAN)[0][0]
    assert everyone > 20
    expect(page.locator(".ektp-list-total")).to_have_text(f"{everyone} penduduk")

    # 20 a page, then the page numbers the pager shows.
    sizes = open_dropdown(page, page.locator(".nav-link.dropdown-toggle", has_text=re.compile(r"^\s*50\s")))
    sizes.get_by_role("link", name=re.compile(r"^20\b")).click()
    order = [row[0] for row in _direct(
        portal, "SELECT nik FROM ektp_resident WHERE kecamatan_code = ? ORDER BY name_key, id", KECAMATAN)]
    pager = page.get_by_role("navigation", name=ID.get("pages", "Halaman"))
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text(order[0])
    pager.get_by_role("link", name="2", exact=True).click()
    expect(pager.locator('[aria-current="page"]')).to_have_text("2")
    expect(rows).to_have_count(min(everyone - 20, 20))
    expect(rows.first).to_contain_text(order[20])
    expect(rows.last).to_contain_text(order[min(everyone, 40) - 1])
    screenshot(page, "10-residents-page-2", full_page=True)
    pager.get_by_role("link", name="1", exact=True).click()
    expect(pager.locator('[aria-current="page"]')).to_have_text("1")
    last = (everyone + 19) // 20
    pager.get_by_role("link", name=str(last), exact=True).click()
    expect(pager.locator('[aria-current="page"]')).to_have_text(str(last))
    expect(rows).to_have_count(everyone - (last - 1) * 20)
    expect(rows.last).to_contain_text(order[-1])

    # The go-to-page box, typed.
    box = page.get_by_label("Ke halaman")
    box.click()
    box.press("Control+a")
    box.press_sequentially("2")
    box.press("Enter")
    expect(pager.locator('[aria-current="page"]')).to_have_text("2")
    expect(rows.first).to_contain_text(order[20])
