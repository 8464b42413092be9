"""A home visit planned on the planner and recorded from the visit log, as a clerk does it.

The clerk reads the desa's outstanding count on its page, opens the home-visit
planner from the menu, picks the desa with the chooser, clicks "Plan" on the
proposal of MOH. HASAN (seed.py: Kandangan's one lansia still outstanding), finds
the planned visit in the visit log through the menu and the row's edit icon, types
the day and the hours it took place, fills the invitee's result, marks it done and
saves. The database then holds him recorded, and the desa's page counts one fewer.
"""
from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from .conftest import Portal
from .seed import KECAMATAN, residents
from .ui import ID, field, open_menu, sign_in

pytestmark = pytest.mark.e2e

DESA = "35.10.01.2009"
DESA_NAME = "Kandangan"
HASAN = "MOH. HASAN"
NIK_HASAN = next(r["nik"] for r in residents() if r["desa_code"] == DESA and r["name"] == HASAN)


def desa_outstanding(page: Page) -> int:
    """The desa's outstanding count, as its page (opened from the per-village list) shows it."""
    open_menu(page, ID["residents"], ID["outstanding_menu"])
    page.get_by_role("link", name=DESA_NAME, exact=True).click()
    return int(page.locator("[data-col=outstanding]").first.inner_text().replace(".", ""))


def stored(portal: Portal, query: str, *params: str) -> list[tuple]:
    """Rows of the portal's own SQLite database (what was saved)."""
    with sqlite3.connect(portal.log_path.with_name("e2e.sqlite")) as db:
        return db.execute(query, params).fetchall()


def test_plan_a_home_visit_then_record_it(page: Page, portal: Portal) -> None:
    sign_in(page)
    before = desa_outstanding(page)
    assert before >= 1

    # The planner, from the menu; the desa with the chooser (the clerk's kecamatan is chosen).
    open_menu(page, ID["residents"], ID["planner"])
    chooser = page.locator("form").filter(has=page.get_by_role("button", name=ID["show"]))
    expect(chooser.get_by_label("Kecamatan")).to_have_value(KECAMATAN)
    chooser.get_by_label(ID["desa"]).select_option(label=DESA_NAME)
    chooser.get_by_role("button", name=ID["show"]).click()
    proposal = page.locator("table.ektp-proposals tbody tr").filter(has_text=HASAN)
    expect(proposal).to_have_count(1)
    proposal.get_by_role("button", name=ID["plan"]).click()
    expect(page.locator(".alert-success")).to_contain_text(HASAN)
    assert stored(portal, "SELECT r.result, v.state FROM ektp_visit_result r JOIN ektp_visit v ON v.id = r.visit_id"
                          " JOIN ektp_resident p ON p.id = r.resident_id WHERE p.nik = ?", NIK_HASAN) == [
        ("invited", "planned")]

    # The visit log, from the menu: the planned visit of Kandangan, opened with its edit icon.
    open_menu(page, ID["recording_menu"], ID["visit_logs"])
    row = page.locator("table.model-list tbody tr").filter(has_text=DESA_NAME).filter(has_text=ID["planned"])
    expect(row).to_have_count(1)
    row.get_by_title(ID["edit_record"]).click()
    form = page.locator("form.admin-form")
    results = form.locator(".ektp-result-row")
    expect(results).to_have_count(1)
    expect(results.first.locator(".select2-chosen")).to_contain_text(HASAN)
    expect(results.first.get_by_role("combobox")).to_have_value("invited")

    # It took place today, in the evening: the day and the hours typed on the keyboard.
    for label, typed in ((ID["day"], "21-09-2016"), (ID["start"], "18:00"), (ID["end"], "18:30")):
        box = field(form, label)
        box.fill(typed)
        box.press("Escape")  # close the calendar
    form.get_by_text(ID["results"], exact=True).first.click()
    field(form, ID["state"], "combobox").select_option(label=ID["done"])
    results.first.get_by_role("combobox").select_option(label=ID["recorded"])
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["saved"])).to_be_visible()

    # Stored: the visit done today, the resident recorded by it.
    assert stored(portal, "SELECT r.result, v.state, v.day FROM ektp_visit_result r JOIN ektp_visit v"
                          " ON v.id = r.visit_id JOIN ektp_resident p ON p.id = r.resident_id WHERE p.nik = ?",
                  NIK_HASAN) == [("recorded", "done", "2016-09-21")]
    assert stored(portal, "SELECT ktp_status FROM ektp_resident WHERE nik = ?", NIK_HASAN) == [("recorded",)]
    # ...and the desa's page counts one fewer outstanding.
    assert desa_outstanding(page) == before - 1
