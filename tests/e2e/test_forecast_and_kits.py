"""The campaign forecast and the kit board in the browser, as the clerk of Pesanggaran.

The home page shows the projected finish of the campaign (seed.py: late, flagged);
the link under it opens the progress page, which shows the same date and
Pesanggaran flagged late in the forecast by kecamatan; the menu leads to the kit
board, whose kit links open the kit's own page.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect

import ektp_admin.i18n

from .seed import CAMPAIGN, CAMPAIGN_TARGET, DEVICE
from .ui import screenshot, sign_in

pytestmark = pytest.mark.e2e

_ID = Translations.load(str(Path(ektp_admin.i18n.TRANSLATIONS_DIR)), ["id"], "ektp_admin")
WORDS = {
    "forecast_link": "Campaign progress and forecast by kecamatan",
    "kits_menu": "Kits & teams",
    "kit_board": "Kit board",
    "standby": "Standby at office",
}
ID = {key: _ID.gettext(msgid) for key, msgid in WORDS.items()}
STANDBY_KIT = "PSG-2016-S01"  # seed.py


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text.strip(), "%d-%m-%Y").date()


def test_forecast_and_kit_board(page: Page) -> None:
    untranslated = [msgid for key, msgid in WORDS.items() if ID[key] == msgid]
    assert not untranslated, f"no Indonesian for {untranslated}"
    sign_in(page)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name=re.compile(re.escape(CAMPAIGN)))).to_be_visible()
    home_finish = page.locator('[data-figure="projected_finish"]').inner_text()
    assert _day(home_finish) > CAMPAIGN_TARGET  # late at this pace, and flagged
    expect(page.locator('section[aria-labelledby="ektp-forecast"] [data-outlook="late"]')).to_be_visible()
    expect(page.locator('svg.ektp-per-day-chart rect[data-day="2016-09-15"]')).to_be_visible()  # seed.py: a post
    screenshot(page, "10-home-forecast", full_page=True)

    page.get_by_role("link", name=ID["forecast_link"]).click()
    expect(page).to_have_url(re.compile(r"/admin/progress/"))
    assert page.locator('[data-figure="projected_finish"]').inner_text() == home_finish
    flagged = page.locator("table.ektp-forecast-by-kecamatan tbody tr").filter(
        has=page.locator('[data-outlook="late"]'))
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Pesanggaran")
    assert flagged.locator('[data-col="projected_finish"]').inner_text() == home_finish
    screenshot(page, "11-progress-forecast", full_page=True)

    page.get_by_role("link", name=ID["kits_menu"]).click()
    page.get_by_role("link", name=ID["kit_board"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/kits/"))
    standby_row = page.locator("table.ektp-kits tbody tr").filter(has_text=STANDBY_KIT)
    expect(standby_row).to_contain_text(ID["standby"])
    expect(page.locator("table.ektp-kits tbody tr").filter(has_text=DEVICE)).to_have_count(1)
    screenshot(page, "12-kit-board", full_page=True)
    standby_row.get_by_role("link", name=STANDBY_KIT).click()
    expect(page).to_have_url(re.compile(r"/admin/devices/details/"))
    expect(page.get_by_role("cell", name=STANDBY_KIT, exact=True)).to_be_visible()
