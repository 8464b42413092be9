"""A home visit recorded from the home-visit list, at 1366x768, as a clerk does it.

Open the home-visit list, click the record action of a group, find the group
preselected (host first, address filled), type the times on the keyboard, pick
the results, save on the same screen, and see the residents leave the list.
The group is seed.py's own (Sumberagung RW 002/RT 004), so the clerk's-day test
recording Sarongan's residents does not touch it.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .seed import HOME_DESA_NAME, HOME_GROUP, KECAMATAN
from .ui import ID, screenshot, sign_in

pytestmark = pytest.mark.e2e

SANIYEM, TUMINAH, KASIMAN = (g[0] for g in HOME_GROUP)
SCREEN = {"width": 1366, "height": 768}
RECORD = "Catat kunjungan"


def group_of(page: Page, desa: str):  # the group's tbody: its header row names the desa
    return page.locator("tbody.ektp-cluster").filter(has_text=desa).filter(has_text=KASIMAN)


def test_record_a_home_visit_from_the_list(page: Page) -> None:
    page.set_viewport_size(SCREEN)
    sign_in(page)
    page.goto(f"/admin/home-visits/?kecamatan={KECAMATAN}")
    group = group_of(page, HOME_DESA_NAME)
    expect(group).to_have_count(1)
    group.get_by_role("link", name=RECORD).click()

    # The group preselected: the seriously ill resident hosts, at his address.
    form = page.locator("form.admin-form")
    rows = form.locator(".ektp-result-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".select2-chosen")).to_contain_text(KASIMAN)
    expect(rows.nth(0).locator(".select2-chosen")).to_contain_text(f"{HOME_DESA_NAME} RT 004/RW 002")
    expect(form.locator("#s2id_host_resident .select2-chosen")).to_contain_text(KASIMAN)
    expect(form.get_by_role("textbox", name=ID["host_address"])).to_have_value("Dusun Krajan RT 004 RW 002")
    expect(form.get_by_role("combobox", name=ID["kind"])).to_have_value("home")

    # Times typed on the keyboard; the day is the campaign's today, as the form shows it.
    for label, typed in ((ID["start"], "09:00"), (ID["end"], "10:30")):
        box = form.get_by_role("textbox", name=label)
        box.click()
        box.press_sequentially(typed)
        box.press("Tab")
        expect(box).to_have_value(typed)
    for row, result in zip(rows.all(), (ID["recorded"], ID["recorded"], ID["not_home"])):
        row.get_by_role("combobox").select_option(label=result)

    # The day's results for three people and the save button fit one screen.
    save = page.get_by_role("button", name=ID["save"], exact=True)
    box = save.bounding_box()
    assert box is not None and box["y"] + box["height"] <= SCREEN["height"], box
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, "07-home-visit-form")
    save.click()
    expect(page.get_by_text(ID["created"])).to_be_visible()

    # The two recorded residents leave the list; the one not at home stays.
    page.goto(f"/admin/home-visits/?kecamatan={KECAMATAN}")
    table = page.locator("table.ektp-home-visits")
    expect(table.get_by_role("link", name=SANIYEM, exact=True)).to_be_visible()
    expect(table.get_by_role("link", name=KASIMAN, exact=True)).to_have_count(0)
    expect(table.get_by_role("link", name=TUMINAH, exact=True)).to_have_count(0)
