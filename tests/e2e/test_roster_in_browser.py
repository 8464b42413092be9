"""The Dinas teams' roster driven by a supervisor: type the days, propose, drop a row,
change a desa, save, and find the village posts in the per-team output.

Only Pesanggaran (seed.py) has outstanding residents and kits, and one kit may go
out (the standby one stays at the office), so each day one Dinas team works there.
"""
from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from .conftest import Portal
from .seed import DINAS_TEAMS
from .ui import ID, USERS, open_menu, sign_in

pytestmark = pytest.mark.e2e

OTHER_DESA = "Sumbermulyo"


def test_propose_adjust_and_save_a_roster(page: Page, portal: Portal) -> None:
    username, password, _ = USERS["supervisor"]
    sign_in(page, username=username, password=password)
    open_menu(page, ID["residents"], ID["team_roster"])

    # The days typed on the keyboard; both Dinas teams are ticked.
    range_form = page.locator("form.ektp-roster-range")
    for label, typed in ((ID["first_day"], "22-09-2016"), (ID["last_day"], "25-09-2016")):
        box = range_form.get_by_label(label, exact=True)
        box.fill(typed)
        box.press("Escape")  # close the calendar
    for team in DINAS_TEAMS:
        expect(range_form.get_by_label(team)).to_be_checked()
    range_form.get_by_role("button", name=ID["propose"]).click()

    rows = page.locator("table.ektp-roster-rows tr.ektp-roster-row")
    expect(rows.first).to_be_visible()
    proposed = rows.count()
    assert proposed >= 3, proposed
    days = [rows.nth(i).get_by_role("textbox").first.input_value() for i in range(proposed)]
    teams = [rows.nth(i).get_by_role("combobox").first.locator("option:checked").inner_text() for i in range(proposed)]
    assert len(set(zip(days, teams))) == proposed  # a team once a day

    # Drop the second row; send the first one's team to another desa of its kecamatan.
    rows.nth(1).get_by_label(ID["drop_row"] % {"row": 2}).check()
    desa = rows.nth(0).get_by_label(ID["desa_row"] % {"row": 1})
    if desa.locator("option:checked").inner_text() == OTHER_DESA:
        desa.select_option(label="Pesanggaran")
    else:
        desa.select_option(label=OTHER_DESA)
    chosen_desa = desa.locator("option:checked").inner_text()
    page.get_by_role("button", name=ID["save_roster"]).click()
    expect(page.locator(".alert-success")).to_contain_text(str(proposed - 1))

    # The per-team output (where the save lands): the kept rows, the changed desa, not the dropped one.
    per_team = page.locator("table.ektp-roster-per-team")
    expect(page.get_by_role("heading", name=ID["per_team"])).to_be_visible()
    visits = per_team.locator("tbody tr[data-visit]")
    expect(visits).to_have_count(proposed - 1)
    first = visits.filter(has_text=days[0]).filter(has_text=teams[0])
    expect(first).to_have_count(1)
    expect(first).to_contain_text(chosen_desa)
    expect(visits.filter(has_text=days[1]).filter(has_text=teams[1])).to_have_count(0)
    expect(page.locator("table.ektp-roster-per-kit tbody tr[data-visit]")).to_have_count(proposed - 1)

    with sqlite3.connect(portal.log_path.with_name("e2e.sqlite")) as db:
        saved = db.execute("SELECT count(*) FROM ektp_visit v JOIN ektp_team t ON t.id = v.team_id"
                           " WHERE t.kind = 'dinas' AND v.kind = 'village_post' AND v.state = 'planned'").fetchone()
    assert saved == (proposed - 1,)
