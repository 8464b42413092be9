"""Campaign progress (/admin/progress/) and where the kits are (/admin/kits/).

The central promise: the "remaining" on the progress page is the very number the
per-village outstanding list shows, for the whole area and per kecamatan.
Pages are read in English (session language ``en``).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, KEC_B, REFERENCE_DATE
from views.report_pages import clean, figure, text

from ektp_admin import models, queries
from ektp_admin.domain.enums import DeviceOwnerKind, DeviceRole, KtpStatus, ResultKind, VisitKind, VisitState

REFERENCE = REFERENCE_DATE

URL = "/admin/progress/"


def row_cells(page: str, marker: str) -> dict[str, str]:
    start = page.index(marker)
    row = page[start: page.index("</tr>", start)]
    return {k: clean(v) for k, v in re.findall(r'data-col="([a-z_0-9]+)"[^>]*>(.*?)</td>', row, re.S)}


def outstanding_total(client: Any, kecamatan: str = "") -> str:
    page = text(client.get(f"/admin/outstanding/?kecamatan={kecamatan}"))
    return row_cells(page, 'class="font-weight-bold ektp-totals"')["outstanding"]


def _add(obj: Any) -> int:
    models.db.session.add(obj)
    models.db.session.commit()
    return obj.id


def _visit(day: dt.date, desa: str = DESA_A, **extra: Any) -> int:
    return _add(models.Visit(
        day=day, start_time=extra.pop("start", dt.time(8, 0)), end_time=extra.pop("end", dt.time(12, 0)),
        kind=extra.pop("kind", VisitKind.VILLAGE_POST.value), state=extra.pop("state", VisitState.DONE.value),
        kecamatan_code=desa[:8], desa_code=desa, **extra,
    ))


def _record(visit_id: int, resident_id: int) -> None:
    resident = models.db.session.get(models.Resident, resident_id)
    previous, resident.ktp_status = resident.ktp_status, KtpStatus.RECORDED.value
    _add(models.VisitResult(visit_id=visit_id, resident_id=resident_id, result=ResultKind.RECORDED.value,
                            previous_status=previous))


@pytest.fixture
def campaign(app: Any, make_resident: Any) -> int:
    """A regency campaign from 7 September with recordings in both kecamatan.

    Desa A: 6 outstanding residents at the start, 3 recorded in the campaign, one
    more before it; desa B: 3 at the start, 1 recorded. A lansia and an EFAC
    resident stay outstanding in desa A2.
    """
    a = [make_resident(f"WARGA A{i}", birth_date=dt.date(1980, 1, 1 + i)) for i in range(6)]
    b = [make_resident(f"WARGA B{i}", birth_date=dt.date(1981, 1, 1 + i), desa=DESA_B) for i in range(3)]
    make_resident("MBAH A2", birth_date=dt.date(1940, 1, 1), desa=DESA_A2)
    make_resident("EFAC A2", birth_date=dt.date(1979, 1, 1), desa=DESA_A2, status=KtpStatus.ENROL_FAILED)
    with app.app_context():
        cid = _add(models.Campaign(name="Jemput bola September", start_date=dt.date(2016, 9, 7),
                                   target_date=dt.date(2016, 10, 6), scope_code="35.10"))
        v8 = _visit(dt.date(2016, 9, 8))
        v10 = _visit(dt.date(2016, 9, 10))
        vb = _visit(dt.date(2016, 9, 10), desa=DESA_B, start=dt.time(13, 0), end=dt.time(17, 0))
        before = _visit(dt.date(2016, 9, 1))
        _record(v8, a[0])
        _record(v10, a[1])
        _record(v10, a[2])
        _record(vb, b[0])
        _record(before, a[3])
    return cid


def test_progress_agrees_with_the_outstanding_list(as_user: Any, campaign: int) -> None:
    client = as_user("supervisor")
    page = text(client.get(URL))
    assert "Jemput bola September" in page
    assert figure(page, "recorded") == "4"
    assert figure(page, "remaining") == outstanding_total(client) == "6"
    assert figure(page, "baseline") == "10"  # recorded + remaining: none stored
    assert figure(page, "percent") == "40.0 %"
    for kecamatan, remaining in ((KEC_A, "4"), (KEC_B, "2")):
        row = row_cells(page, f'data-kecamatan="{kecamatan}"')
        assert row["remaining"] == outstanding_total(client, kecamatan) == remaining
        mine = text(client.get(f"{URL}?kecamatan={kecamatan}"))
        assert figure(mine, "remaining") == remaining


def test_pace_and_recordings_per_day(as_user: Any, campaign: int) -> None:
    page = text(as_user("supervisor").get(f"{URL}?campaign={campaign}"))
    assert figure(page, "days_left") == "16"  # 21 September to 6 October, both included
    assert figure(page, "days_done") == "14"  # 7..20 September: today (the 21st) is not over
    assert figure(page, "needed_per_day") == "1"  # 6 remaining over 16 days, rounded up
    assert figure(page, "pace") == "0"  # nothing recorded 14..20 September
    days = dict(re.findall(r'data-day="([\d-]+)">\s*<td>[^<]*</td>\s*<td class="ektp-num">(\d+)', page))
    assert days["2016-09-10"] == "3" and days["2016-09-08"] == "1" and days["2016-09-09"] == "0"
    assert "2016-09-01" not in days  # before the campaign
    assert len(days) == 15
    bars = re.findall(r'<rect [^>]*height="([\d.]+)" data-day="([\d-]+)"', page)
    assert len(bars) == 15
    heights = {day: float(h) for h, day in bars}
    assert heights["2016-09-10"] == max(heights.values()) == 3 * heights["2016-09-08"]  # the busiest day is tallest


def test_entered_baseline_is_shown_beside_the_counted_one(as_user: Any, campaign: int, app: Any) -> None:
    with app.app_context():
        models.db.session.get(models.Campaign, campaign).baseline_outstanding = 56014
        models.db.session.commit()
    client = as_user("supervisor")
    page = text(client.get(URL))
    assert figure(page, "baseline") == "10"  # recorded + remaining: what the rows add up to
    assert "entered for the campaign: 56,014" in clean(page)
    mine = text(client.get(f"{URL}?kecamatan={KEC_A}"))
    assert figure(mine, "baseline") == "7"  # a kecamatan's share is always computed
    assert "entered for the campaign" not in mine


def _rows(page: str) -> list[dict[str, str]]:
    return [row_cells(page, f'data-kecamatan="{code}"') for code in re.findall(r'<tr data-kecamatan="([^"]+)"', page)]


def _num(value: str) -> int:
    return int(value.replace(",", ""))


def test_baseline_agrees_with_its_rows_after_residents_are_added(
        as_user: Any, campaign: int, app: Any, make_resident: Any) -> None:
    """The demo's 620 vs 622: the entered baseline cannot know residents added since
    the start; the figure shown is the sum of the rows, and says how far it moved."""
    with app.app_context():
        models.db.session.get(models.Campaign, campaign).baseline_outstanding = 10
        models.db.session.commit()
    client = as_user("supervisor")
    before = text(client.get(URL))
    assert figure(before, "baseline") == "10" and "more since the start" not in before
    make_resident("WARGA BARU 1", birth_date=dt.date(1990, 2, 2))
    make_resident("WARGA BARU 2", birth_date=dt.date(1991, 3, 3), desa=DESA_B)
    page = text(client.get(URL))
    rows = _rows(page)
    assert len(rows) == 25  # every kecamatan of the regency
    assert _num(figure(page, "baseline")) == sum(_num(r["baseline"]) for r in rows) == 12
    assert _num(figure(page, "recorded")) == sum(_num(r["recorded"]) for r in rows) == 4
    assert _num(figure(page, "remaining")) == sum(_num(r["remaining"]) for r in rows) == 8
    assert "2 more since the start" in clean(page)
    # ... and against a direct count of the same data
    with app.app_context():
        outstanding = models.db.session.execute(
            sa.select(sa.func.count()).select_from(models.Resident).where(queries.outstanding_clause(REFERENCE))
        ).scalar_one()
    assert outstanding == 8


def test_opens_on_the_running_campaign(as_user: Any, campaign: int, app: Any) -> None:
    """A campaign planned for later (begun last) does not hide the one running today."""
    with app.app_context():
        _add(models.Campaign(name="Sweeping Desember", start_date=dt.date(2016, 12, 1),
                             target_date=dt.date(2016, 12, 31), scope_code="35.10"))
    client = as_user("supervisor")
    page = text(client.get(URL))
    assert "<h2 class=\"h5\">Jemput bola September" in page
    with app.app_context():  # once none runs, the newest one
        models.db.session.get(models.Campaign, campaign).target_date = dt.date(2016, 9, 20)
        models.db.session.commit()
    assert "<h2 class=\"h5\">Sweeping Desember" in text(client.get(URL))


@pytest.mark.parametrize("scope, ok", [("99.99", False), ("35.10.99", False), ("35.1", False),
                                       ("35.10", True), ("35.10.01", True)])
def test_campaign_scope_is_a_known_region(as_user: Any, app: Any, scope: str, ok: bool) -> None:
    from security.ektp_support import field_errors, post_form

    client = as_user("admin")
    form = {"name": f"Kampanye {scope}", "start_date": "2016-09-07", "target_date": "2016-10-06",
            "scope_code": scope}
    response = post_form(client, "/admin/campaigns/new/", form)
    with app.app_context():
        saved = models.db.session.execute(
            sa.select(sa.func.count()).select_from(models.Campaign).where(models.Campaign.scope_code == scope)
        ).scalar_one()
    assert saved == (1 if ok else 0)
    if ok:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        errors = " ".join(field_errors(response.get_data(as_text=True)))
        assert "35.10" in errors and ("not a region of this office" in errors or "Give a regency code" in errors)


def test_clerk_sees_own_kecamatan(as_user: Any, campaign: int, app: Any) -> None:
    with app.app_context():
        other = _add(models.Campaign(name="Bangorejo only", start_date=dt.date(2016, 9, 12),
                                     target_date=dt.date(2016, 9, 30), scope_code=KEC_B))
    client = as_user("clerk")
    page = text(client.get(URL))
    assert "Jemput bola September" in page and "Bangorejo only" not in page
    assert figure(page, "remaining") == "4" and figure(page, "recorded") == "3"
    assert f'data-kecamatan="{KEC_B}"' not in page
    assert client.get(f"{URL}?campaign={other}").status_code == 404
    assert client.get(f"{URL}?kecamatan={KEC_B}").status_code == 404
    # the other clerk's default is their own campaign, the latest covering them
    page_b = text(as_user("clerk_b").get(URL))
    assert "Bangorejo only" in page_b


def test_bad_campaign_and_no_campaign(as_user: Any, app: Any) -> None:
    client = as_user("supervisor")
    assert "No campaign has been entered yet" in text(client.get(URL))
    for bad in ("999", "abc", "-1"):
        response = client.get(f"{URL}?campaign={bad}")
        assert response.status_code == 404
        assert "There is no campaign" in response.get_data(as_text=True)


def test_campaign_of_another_kecamatan_for_a_chosen_kecamatan(as_user: Any, app: Any) -> None:
    with app.app_context():
        other = _add(models.Campaign(name="Bangorejo only", start_date=dt.date(2016, 9, 12),
                                     target_date=dt.date(2016, 9, 30), scope_code=KEC_B))
    response = as_user("supervisor").get(f"{URL}?campaign={other}&kecamatan={KEC_A}")
    assert response.status_code == 404
    assert "does not cover" in response.get_data(as_text=True)


# ------------------------------------------------------------------ kits


@pytest.fixture
def kits(app: Any) -> None:
    with app.app_context():
        team = _add(models.Team(name="Tim Dinas Satu", kind="dinas"))
        kit_a = _add(models.Device(serial_number="KIT-PSG-MOBILE", owner_kind=DeviceOwnerKind.KECAMATAN.value,
                                   owner_kecamatan_code=KEC_A, role=DeviceRole.MOBILE.value,
                                   location="Balai Desa Sarongan"))
        _add(models.Device(serial_number="KIT-BGR-STANDBY", owner_kind=DeviceOwnerKind.KECAMATAN.value,
                           owner_kecamatan_code=KEC_B, role=DeviceRole.STANDBY.value, location="Kantor kecamatan"))
        dinas = _add(models.Device(serial_number="KIT-DINAS-01", owner_kind=DeviceOwnerKind.DINAS.value,
                                   role=DeviceRole.MOBILE.value, condition="in_repair"))
        _visit(dt.date(2016, 9, 20), device_id=kit_a, team_id=team, desa=DESA_A2)
        _visit(dt.date(2016, 9, 23), device_id=kit_a, team_id=team, state=VisitState.PLANNED.value,
               kind=VisitKind.HOME.value, host_address="Rumah Pak RT 02", start=dt.time(15, 30), end=dt.time(18, 0))
        _visit(dt.date(2016, 9, 30), device_id=kit_a, state=VisitState.PLANNED.value)
        _visit(dt.date(2016, 9, 22), device_id=kit_a, state=VisitState.CANCELLED.value)
        _visit(dt.date(2016, 9, 19), device_id=dinas, desa=DESA_B)


def _kit_row(page: str, serial: str) -> str:
    start = page.index(f'data-serial="{serial}"')
    return page[start: page.index("</tr>", start)]


def test_kits_show_latest_and_next_planned_visit(as_user: Any, kits: None) -> None:
    page = text(as_user("supervisor").get("/admin/kits/"))
    row = _kit_row(page, "KIT-PSG-MOBILE")
    latest = row[row.index('class="ektp-latest"'): row.index('class="ektp-next"')]
    upcoming = row[row.index('class="ektp-next"'):]
    assert "20-09-2016" in latest and "Pesanggaran" in latest and "Tim Dinas Satu" in latest
    assert "23-09-2016" in upcoming and "15:30" in upcoming and "Rumah Pak RT 02" in upcoming
    assert "Home visit" in upcoming and "Tim Dinas Satu" in upcoming and "Planned" in upcoming
    assert "22-09-2016" not in row  # cancelled
    assert "Balai Desa Sarongan" in row and "Mobile" in row
    assert "In repair" in _kit_row(page, "KIT-DINAS-01")
    assert "KIT-BGR-STANDBY" in page


def test_clerk_sees_own_and_dinas_kits(as_user: Any, kits: None) -> None:
    page = text(as_user("clerk").get("/admin/kits/"))
    assert "KIT-PSG-MOBILE" in page and "KIT-DINAS-01" in page
    assert "KIT-BGR-STANDBY" not in page
    page_b = text(as_user("clerk_b").get("/admin/kits/"))
    assert "KIT-BGR-STANDBY" in page_b and "KIT-PSG-MOBILE" not in page_b


def test_kits_paginate(as_user: Any, kits: None, app: Any) -> None:
    app.config["EKTP_ADMIN_PAGE_SIZE"] = 2
    client = as_user("supervisor")
    first, second = text(client.get("/admin/kits/")), text(client.get("/admin/kits/?page=2"))
    assert "Page 1 of 2" in first
    serials = re.findall(r'data-serial="([^"]+)"', first) + re.findall(r'data-serial="([^"]+)"', second)
    assert sorted(serials) == ["KIT-BGR-STANDBY", "KIT-DINAS-01", "KIT-PSG-MOBILE"]


def _device_row(page: str, serial: str) -> str:
    start = page.index(serial)
    return clean(page[start: page.index("</tr>", start)])


def test_device_list_and_kit_map_show_the_same_last_visit(as_user: Any, kits: None, app: Any) -> None:
    """The last visit is the last that happened (not the planned one of 30-09), on both
    screens, from one query; the next planned one is shown apart."""
    client = as_user("supervisor")
    listing = _device_row(text(client.get("/admin/devices/")), "KIT-PSG-MOBILE")
    kit_row = _kit_row(text(client.get("/admin/kits/")), "KIT-PSG-MOBILE")
    latest = clean(kit_row[kit_row.index('class="ektp-latest"'): kit_row.index('class="ektp-next"')])
    upcoming = clean(kit_row[kit_row.index('class="ektp-next"'):])
    assert "20-09-2016" in latest and "20-09-2016" in listing
    assert "23-09-2016" in upcoming and "23-09-2016" in listing  # the next, in its own column
    assert "30-09-2016" not in listing and "22-09-2016" not in listing
    headers = re.findall(r"<th[^>]*>\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<", text(client.get("/admin/devices/")))
    assert "Last visit" in headers and "Next visit" in headers
    # against a direct count: the latest visit not cancelled, dated before the reference day
    with app.app_context():
        kit = models.db.session.execute(sa.select(models.Device).filter_by(serial_number="KIT-PSG-MOBILE")).scalar_one()
        direct = models.db.session.execute(
            sa.select(sa.func.max(models.Visit.day)).where(
                models.Visit.device_id == kit.id, models.Visit.state != VisitState.CANCELLED.value,
                models.Visit.day < REFERENCE)
        ).scalar_one()
    assert direct == dt.date(2016, 9, 20)
    details = clean(text(client.get(f"/admin/devices/details/?id={kit.id}")))
    assert "20-09-2016" in details and "23-09-2016" in details
