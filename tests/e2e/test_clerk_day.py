"""A clerk's day in the browser, in Indonesian (the default language).

Sign in, find a resident by NIK and fix the phone number, log a home visit that
records two residents, watch the desa's outstanding count drop by two, print
and export the desa's list, sign out. The screenshots in docs/screenshots/ (used
by the README) are taken along the way.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .seed import DESA, DESA_NAME, DEVICE, KECAMATAN, SARONGAN, TEAM, nik
from .ui import ID, cell, field, form_group, pick, screenshot, sign_in

pytestmark = pytest.mark.e2e

SITI, SUPARMI, SUKARDI = (SARONGAN[i] for i in range(3))
NIK_SITI = nik(SITI[2], SITI[1], 1)
NIK_SUPARMI = nik(SUPARMI[2], SUPARMI[1], 2)
NIK_SUKARDI = nik(SUKARDI[2], SUKARDI[1], 3)
NEW_PHONE = "0813 3000 1234"


# ------------------------------------------------------------------ helpers


def outstanding_of(page: Page, desa_name: str) -> int:
    """The "outstanding" cell of a desa's row in the per-village table."""
    table = page.locator("table").filter(has=page.get_by_role("columnheader", name=ID["outstanding"], exact=True))
    return int(cell(table, desa_name, ID["outstanding"]))


def open_outstanding(page: Page) -> None:
    page.goto(f"/admin/outstanding/?kecamatan={KECAMATAN}")
    expect(page.get_by_role("link", name=DESA_NAME, exact=True)).to_be_visible()


# ------------------------------------------------------------------ the flow


def test_clerk_day(page: Page) -> None:
    # Indonesian before anyone has chosen a language: the switch offers English.
    page.goto("/login")
    expect(page.get_by_role("link", name=ID["english"])).to_be_visible()
    expect(page.get_by_role("button", name=ID["sign_in"])).to_be_visible()
    expect(page.get_by_label(ID["username"])).to_be_focused()
    screenshot(page, "01-login")
    sign_in(page)

    open_outstanding(page)
    before = outstanding_of(page, DESA_NAME)
    assert before == 7  # seed.py: six wajib KTP never recorded and one EFAC in Sarongan

    # Find the resident by NIK.
    page.goto("/admin/residents/")
    search = page.get_by_role("search").get_by_role("textbox")
    search.fill(NIK_SITI)
    search.press("Enter")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SITI[0])
    expect(rows.first).to_contain_text(NIK_SITI)
    expect(search).to_have_value(NIK_SITI)
    screenshot(page, "02-residents-search")

    # Fix the phone number.
    rows.first.get_by_title(ID["edit_record"]).click()  # an icon link: its title is its name
    phone = field(page, ID["phone"])
    expect(phone).to_have_value(SITI[4]["phone"])
    phone.fill(NEW_PHONE)
    page.get_by_role("button", name=ID["save_continue"]).click()
    expect(page.get_by_text(ID["saved"])).to_be_visible()
    expect(field(page, ID["phone"])).to_have_value(NEW_PHONE)
    screenshot(page, "03-resident-edit", full_page=True)

    # Log a home visit in Sarongan that records two residents.
    page.get_by_role("link", name=ID["recording_menu"]).click()
    page.get_by_role("link", name=ID["visit_logs"], exact=True).click()
    page.get_by_role("link", name=ID["create"], exact=True).click()
    form = page.locator("form.admin-form")
    for label, value in ((ID["day"], "2016-09-20"), (ID["start"], "09:00"), (ID["end"], "10:30")):
        field(form, label).fill(value)
        field(form, label).press("Escape")  # close the date/time picker
    # The calendar stays open over the fields below it until one clicks elsewhere (the
    # visit's fields sit in a grid now, so the kit picker lies under it).
    form.get_by_text(ID["results"], exact=True).first.click()
    field(form, ID["kind"], "combobox").select_option(label=ID["home_visit"])
    field(form, ID["state"], "combobox").select_option(label=ID["done"])
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    pick(page, form_group(form, ID["host_resident"]), "MBAH", SUPARMI[0])
    field(form, ID["host_address"]).fill("Dusun Sarongan RT 001 RW 001")
    pick(page, form_group(form, ID["team"]), "jemput", TEAM)
    pick(page, form_group(form, ID["device"]), "M01", DEVICE)
    add = page.get_by_role("button", name=ID["add_result"])
    add.click()
    add.click()
    results = form.locator(".inline-field-list > .inline-field")
    expect(results).to_have_count(2)
    for row, (typed, who) in zip(results.all(), ((NIK_SUPARMI, SUPARMI[0]), ("SUKAR", SUKARDI[0]))):
        pick(page, row, typed, who)
        row.locator("select").select_option(label=ID["recorded"])
    screenshot(page, "04-visit-form", full_page=True)
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()
    assert cell(page.locator("table.model-list"), "20-09-2016", ID["residents_recorded"]) == "2"

    # The desa's outstanding count drops by the two recorded residents.
    open_outstanding(page)
    assert outstanding_of(page, DESA_NAME) == before - 2
    screenshot(page, "05-outstanding")

    # The desa's page: the printable sheet and the CSV for the village head.
    page.get_by_role("link", name=DESA_NAME, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/outstanding/{re.escape(DESA)}/$"))
    # a name in the desa's list opens that resident's record
    page.locator("table.ektp-outstanding-residents").get_by_role("link", name=SITI[0], exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/residents/details/\?id=\d+$"))
    expect(page.get_by_text(SITI[0]).first).to_be_visible()
    page.go_back()
    page.get_by_role("link", name=ID["printable"]).click()
    expect(page).to_have_url(re.compile(rf"/admin/outstanding/{re.escape(DESA)}/print/$"))
    expect(page.get_by_text(SITI[0])).to_be_visible()
    expect(page.get_by_text(SUPARMI[0])).to_have_count(0)
    # The planned visit (seed.py), read out as the next visit and listed with the others.
    expect(page.get_by_text("Balai Desa Sarongan", exact=True)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Balai Desa Sarongan")).to_have_count(1)
    screenshot(page, "06-print-sheet")
    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("link", name=ID["download_csv"]).click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM (Excel)"
    *table, trailer = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert trailer == [f"# selesai: {len(table) - 1} baris"], "the last line says the download is whole"
    assert table[0] == ID["csv_header"]
    niks = {row[0] for row in table[1:]}
    assert NIK_SITI in niks
    assert not {NIK_SUPARMI, NIK_SUKARDI} & niks, "recorded residents are no longer outstanding"
    assert len(table) - 1 == before - 2
    siti = next(row for row in table[1:] if row[0] == NIK_SITI)
    assert siti[ID["csv_header"].index(ID["phone"])] == NEW_PHONE

    # Sign out (a POST form with its CSRF token); the screens are closed again.
    page.get_by_role("button", name=ID["sign_out"]).click()
    expect(page.get_by_text(ID["signed_out"])).to_be_visible()
    page.goto("/admin/residents/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
