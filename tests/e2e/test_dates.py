"""Dates and times as a clerk enters them, in Indonesian: typed on the keyboard
(dd-mm-yyyy, d-m-yyyy, dd/mm/yyyy, a pasted yyyy-mm-dd; HH:MM), or picked from
the calendar, which speaks Indonesian, starts its weeks on Monday and opens on
the campaign's "today" (21-09-2016, EKTP_ADMIN_REFERENCE_DATE) rather than the
real month. Every value is read back dd-mm-yyyy from the lists and forms.

Flask-Admin's own date picker turned a typed ``2016-09-21`` into
``0002-01-01016-09-21`` and ``09:00`` into ``09:00:00:00``: these tests type key
by key, as a person does, so they catch that.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from babel.dates import get_day_names, get_month_names
from babel.support import Translations
from playwright.sync_api import Locator, Page, expect

import ektp_admin.i18n

from .conftest import Portal, _portal_env, _run
from .seed import DESA_NAME, KECAMATAN, nik
from .ui import ID, cell, field, form_group, pick, sign_in

pytestmark = pytest.mark.e2e

SUPERVISOR, SUPERVISOR_PASSWORD = "pengawas", "rahasia-pengawas-2016"
MONTHS_ID = get_month_names("wide", locale="id")  # 1: Januari ... 8: Agustus
DAYS_ID = get_day_names("abbreviated", locale="id")  # 0: Monday (Sen)

_CATALOGUES = str(Path(ektp_admin.i18n.TRANSLATIONS_DIR))
_ADMIN = Translations.load(_CATALOGUES, ["id"], "admin")  # Flask-Admin's words, our Indonesian
_PLUGIN = Translations.load(_CATALOGUES, ["id"], "ektp_admin")
ADMIN_ID = {key: _ADMIN.gettext(msgid) for key, msgid in {"add_filter": "Add Filter", "apply": "Apply"}.items()}
PLUGIN_ID = {key: _PLUGIN.gettext(msgid) for key, msgid in {
    "start": "Start", "target": "Target date", "date": "Date", "by_whom": "By whom", "channel": "Channel",
    "mosque": "Mosque (takmir)", "hours": "Hours", "scope": "Scope (region code)", "birth_date": "Birth date",
}.items()}


# ------------------------------------------------------------------ helpers


def type_in(box: Locator, text: str) -> None:
    """Click into the box and type ``text`` key by key; the box must show exactly that."""
    box.click()
    box.press("Control+a")
    box.press("Backspace")
    box.press_sequentially(text, delay=15)
    expect(box).to_have_value(text)  # nothing rewritten while typing


def leave(box: Locator) -> None:
    """Tab to the next field (what a clerk does; the calendar closes)."""
    box.press("Tab")


def calendar(page: Page) -> Locator:
    """The open date picker's (first) month (one picker is made per date box; only the open one is visible)."""
    return page.locator(".daterangepicker:visible .calendar:visible").first


def count_rows(portal: Portal, sql: str, *params: object) -> int:
    """A direct count over the portal's database (read-only)."""
    path = portal.log_path.parent / "e2e.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        value = con.execute(sql, params).fetchone()[0]
    con.close()
    return int(value)


@pytest.fixture(scope="module")
def supervisor(portal: Portal) -> Iterator[str]:
    """A supervisor's login (campaigns are theirs to enter)."""
    _run(["-m", "flask", "--app", "wsgi", "ektp", "create-user", SUPERVISOR, "--role", "supervisor",
          "--password", SUPERVISOR_PASSWORD], _portal_env(portal.log_path.parent))
    yield SUPERVISOR


# ------------------------------------------------------------------ the tests


def test_a_visit_typed_on_the_keyboard_and_found_with_a_typed_filter(page: Page, portal: Portal) -> None:
    sign_in(page)
    page.goto("/admin/visits/")
    page.get_by_role("link", name=ID["create"], exact=True).click()
    form = page.locator("form.admin-form")

    day = field(form, ID["day"])
    day.click()
    # The calendar opens on the campaign's day (September 2016), not the real month,
    # in Indonesian, weeks starting on Monday.
    expect(calendar(page).locator("select.monthselect option:checked")).to_have_text(MONTHS_ID[9])
    expect(calendar(page).locator("select.yearselect option:checked")).to_have_text("2016")
    expect(calendar(page).locator("thead tr").last.locator("th").first).to_have_text(DAYS_ID[0])
    type_in(day, "2016-09-22")  # pasted from a spreadsheet: yyyy-mm-dd
    leave(day)
    expect(day).to_have_value("22-09-2016")  # tidied to how clerks write it once the calendar closes
    for label, typed in ((ID["start"], "09:00"), (ID["end"], "11:30")):
        type_in(field(form, label), typed)
        leave(field(form, label))
        expect(field(form, label)).to_have_value(typed)
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()
    table = page.locator("table.model-list")
    assert cell(table, "22-09-2016", PLUGIN_ID["hours"]) == "09:00-11:30"

    # The list's day filter, typed: only the visits of 22 and 23 September.
    page.get_by_role("link", name=ADMIN_ID["add_filter"]).click()
    page.locator(".field-filters").get_by_role("link", name=ID["day"], exact=True).click()
    box = page.locator("input.filter-val").last
    expect(calendar(page)).to_be_visible()  # the filter's box has the same calendar
    type_in(box, "22-09-2016 - 23/9/2016")
    leave(box)
    page.get_by_role("button", name=ADMIN_ID["apply"]).click()
    expect(page.locator("input.filter-val").last).to_have_value("22-09-2016 - 23-09-2016")
    days = [t.strip() for t in page.locator("table.model-list td.col-day").all_inner_texts()]
    assert days and set(days) <= {"22-09-2016", "23-09-2016"}
    assert len(days) == count_rows(
        portal, "SELECT count(*) FROM ektp_visit WHERE day BETWEEN ? AND ? AND kecamatan_code = ?",
        "2016-09-22", "2016-09-23", KECAMATAN)

    # The edit form shows what was saved, dd-mm-yyyy and HH:MM.
    page.locator("table.model-list tbody tr").filter(has_text="09:00-11:30").get_by_title(ID["edit_record"]).click()
    expect(field(form, ID["day"])).to_have_value("22-09-2016")
    expect(field(form, ID["start"])).to_have_value("09:00")
    expect(field(form, ID["end"])).to_have_value("11:30")


def test_a_birth_date_picked_from_the_indonesian_calendar(page: Page) -> None:
    sign_in(page)
    page.goto("/admin/residents/new/")
    form = page.locator("form.admin-form")
    typed_nik = nik(dt.date(1985, 8, 17), "L", 9917)
    field(form, ID["nik"]).fill(typed_nik)
    field(form, ID["name"]).fill("WAHYU PRIBADI")
    birth = field(form, PLUGIN_ID["birth_date"])
    birth.click()
    open_calendar = calendar(page)
    open_calendar.locator("select.yearselect").select_option("1985")
    open_calendar.locator("select.monthselect").select_option(label=MONTHS_ID[8])  # Agustus
    expect(open_calendar.locator("select.monthselect option:checked")).to_have_text(MONTHS_ID[8])
    open_calendar.locator("td.available:not(.off)").get_by_text("17", exact=True).click()
    expect(birth).to_have_value("17-08-1985")
    expect(page.locator(".daterangepicker:visible")).to_have_count(0)  # a picked day closes the calendar
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()

    search = page.get_by_role("search").get_by_role("textbox")
    search.press_sequentially(typed_nik)
    search.press("Enter")
    row = page.locator("table.model-list tbody tr")
    expect(row).to_have_count(1)
    assert cell(page.locator("table.model-list"), typed_nik, PLUGIN_ID["birth_date"]) == "17-08-1985"


def test_outreach_typed_d_m_yyyy(page: Page) -> None:
    sign_in(page)
    page.goto("/admin/outreach/")
    page.get_by_role("link", name=ID["create"], exact=True).click()
    form = page.locator("form.admin-form")
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    field(form, PLUGIN_ID["channel"], "combobox").select_option(label=PLUGIN_ID["mosque"])
    held = field(form, PLUGIN_ID["date"])
    type_in(held, "9-9-2016")
    held.press("Backspace")  # a date unmade by hand stays as the clerk left it, never put back
    leave(held)
    expect(held).to_have_value("9-9-201")
    type_in(held, "9-9-2016")
    leave(held)
    expect(held).to_have_value("09-09-2016")
    type_in(field(form, PLUGIN_ID["by_whom"]), "Takmir Masjid Baiturrahman")
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()
    table = page.locator("table.model-list")
    assert cell(table, "Takmir Masjid Baiturrahman", PLUGIN_ID["date"]) == "09-09-2016"


def test_a_campaign_typed_dd_mm_yyyy_and_dd_slash_mm_yyyy(page: Page, supervisor: str) -> None:
    sign_in(page, username=supervisor, password=SUPERVISOR_PASSWORD)
    page.goto("/admin/campaigns/")
    page.get_by_role("link", name=ID["create"], exact=True).click()
    form = page.locator("form.admin-form")
    type_in(field(form, ID["name"]), "Jemput Bola Oktober")
    for label, typed, shown in ((PLUGIN_ID["start"], "01/10/2016", "01-10-2016"),
                                (PLUGIN_ID["target"], "31-10-2016", "31-10-2016")):
        box = field(form, label)
        type_in(box, typed)
        leave(box)
        expect(box).to_have_value(shown)
    type_in(field(form, PLUGIN_ID["scope"]), "35.10")
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()
    table = page.locator("table.model-list")
    assert cell(table, "Jemput Bola Oktober", PLUGIN_ID["start"]) == "01-10-2016"
    assert cell(table, "Jemput Bola Oktober", PLUGIN_ID["target"]) == "31-10-2016"
