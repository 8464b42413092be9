"""The forecast on the progress page and the home page, against direct counts.

The reference day is 21 September 2016 (conftest): the pace counts 14..20 September,
the recordings of the 21st (today, not over) are shown but left out of it.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, KEC_B, REFERENCE_DATE
from views.report_pages import clean, figure, text

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus, MaritalStatus, ResultKind, VisitKind, VisitState

URL = "/admin/progress/"
START, TARGET = dt.date(2016, 9, 7), dt.date(2016, 10, 6)
WINDOW = (dt.date(2016, 9, 14), dt.date(2016, 9, 20))


def forecast_rows(page: str) -> list[str]:
    return re.findall(r'data-forecast-kecamatan="([\d.]+)"', page)


def forecast_cells(page: str, kecamatan: str) -> dict[str, str]:
    start = page.index(f'data-forecast-kecamatan="{kecamatan}"')
    row = page[start: page.index("</tr>", start)]
    return {k: clean(v) for k, v in re.findall(r'data-col="([a-z_0-9]+)"[^>]*>(.*?)</td>', row, re.S)}


def _add(obj: Any) -> int:
    models.db.session.add(obj)
    models.db.session.commit()
    return obj.id


def _visit(day: dt.date, desa: str = DESA_A, start: int = 8) -> int:
    return _add(models.Visit(
        day=day, start_time=dt.time(start, 0), end_time=dt.time(start + 1, 0), kind=VisitKind.VILLAGE_POST.value,
        state=VisitState.DONE.value if day <= REFERENCE_DATE else VisitState.PLANNED.value,
        kecamatan_code=desa[:8], desa_code=desa,
    ))


def _record(visit_id: int, resident_id: int) -> None:
    resident = models.db.session.get(models.Resident, resident_id)
    previous, resident.ktp_status = resident.ktp_status, KtpStatus.RECORDED.value
    _add(models.VisitResult(visit_id=visit_id, resident_id=resident_id, result=ResultKind.RECORDED.value,
                            previous_status=previous))


@pytest.fixture
def campaign(app: Any, make_resident: Any) -> int:
    """Kecamatan A records 7 in the pace window, 2 today, 1 before it; B records
    nothing in the window (stalled). Two residents of A turn 17 before the target."""
    a = [make_resident(f"WARGA A{i}", birth_date=dt.date(1980, 1, 1 + i)) for i in range(20)]
    b = [make_resident(f"WARGA B{i}", birth_date=dt.date(1981, 1, 1 + i), desa=DESA_B) for i in range(5)]
    make_resident("REMAJA SATU", birth_date=dt.date(1999, 9, 22))  # 17 tomorrow: joins
    make_resident("REMAJA DUA", birth_date=dt.date(1999, 10, 6))  # 17 on the target day: joins
    make_resident("REMAJA TIGA", birth_date=dt.date(1999, 10, 7))  # 17 after the target
    make_resident("REMAJA NIKAH", birth_date=dt.date(1999, 10, 1), marital_status=MaritalStatus.MARRIED.value)
    make_resident("REMAJA SUDAH", birth_date=dt.date(1999, 10, 1), status=KtpStatus.RECORDED)  # nothing to do
    make_resident("REMAJA B", birth_date=dt.date(1999, 9, 30), desa=DESA_B)
    with app.app_context():
        cid = _add(models.Campaign(name="Jemput bola September", start_date=START, target_date=TARGET,
                                   scope_code="35.10"))
        _record(_visit(dt.date(2016, 9, 10)), a[0])
        _record(_visit(dt.date(2016, 9, 10), desa=DESA_B), b[0])
        v15, v20, today = _visit(dt.date(2016, 9, 15)), _visit(dt.date(2016, 9, 20)), _visit(REFERENCE_DATE)
        for r in a[1:4]:
            _record(v15, r)
        for r in a[4:8]:
            _record(v20, r)
        for r in a[8:10]:
            _record(today, r)
    return cid


def direct_counts(app: Any, kecamatan: str | None = None) -> dict[str, Any]:
    """The forecast's inputs counted straight from the tables."""
    with app.app_context():
        s = models.db.session
        R, V, VR = models.Resident, models.Visit, models.VisitResult
        where_kec = [R.kecamatan_code == kecamatan] if kecamatan else []
        recorded = sa.select(sa.func.count()).select_from(VR).join(V, V.id == VR.visit_id).join(
            R, R.id == VR.resident_id).where(VR.result == "recorded", *where_kec)
        in_campaign = s.execute(recorded.where(V.day >= START, V.day <= TARGET)).scalar_one()
        in_window = s.execute(recorded.where(V.day >= WINDOW[0], V.day <= WINDOW[1])).scalar_one()
        joining = s.execute(sa.select(sa.func.count()).select_from(R).where(
            R.birth_date > dt.date(1999, 9, 21), R.birth_date <= dt.date(1999, 10, 6),
            R.marital_status == "single", R.ktp_status == "not_recorded", *where_kec)).scalar_one()
        remaining = s.execute(sa.select(sa.func.count()).select_from(R).where(
            sa.or_(R.birth_date <= dt.date(1999, 9, 21), R.marital_status != "single"),
            R.ktp_status.in_(["not_recorded", "enrol_failed"]), *where_kec)).scalar_one()
    return {"recorded": in_campaign, "window": in_window, "joining": joining, "remaining": remaining}


def test_forecast_figures_against_direct_counts(as_user: Any, campaign: int, app: Any) -> None:
    counts = direct_counts(app)
    assert counts == {"recorded": 11, "window": 7, "joining": 3, "remaining": 15}
    page = text(as_user("supervisor").get(URL))
    assert figure(page, "recorded") == str(counts["recorded"])
    assert figure(page, "days_done") == "14"
    assert figure(page, "pace") == "1"  # 7 over the 7 finished days; today's 2 left out
    assert figure(page, "joining") == str(counts["joining"])
    to_do = counts["remaining"] + counts["joining"]
    assert figure(page, "to_do") == str(to_do)
    baseline = counts["recorded"] + counts["remaining"]
    assert figure(page, "share_cleared") == f"{100 * counts['recorded'] / baseline:.1f} %"
    finish = REFERENCE_DATE + dt.timedelta(days=to_do - 1)  # one a day, today included
    assert figure(page, "projected_finish") == finish.strftime("%d-%m-%Y")
    assert finish > TARGET and 'data-outlook="late"' in page
    assert f"Late by {(finish - TARGET).days} days" in page


def test_today_counts_in_the_chart_but_not_in_the_pace(as_user: Any, campaign: int) -> None:
    page = text(as_user("supervisor").get(URL))
    assert re.search(r'<rect [^>]*data-day="2016-09-21"\s+fill="#fff"[^>]*class="ektp-bar-today"', page)
    assert "21-09-2016: 2 (today, not over)" in page  # the bar's title
    assert "7 recorded in 7 days, 14-09-2016 to 20-09-2016" in page


def test_by_kecamatan_furthest_behind_first(as_user: Any, campaign: int, app: Any) -> None:
    page = text(as_user("supervisor").get(URL))
    rows = forecast_rows(page)
    assert rows[:2] == [KEC_B, KEC_A]  # B recorded nothing this week: stalled; A is late
    assert len(rows) == 25  # every kecamatan of the regency; those with nothing left are finished, last
    b = forecast_cells(page, KEC_B)
    assert b["pace"] == "0" and b["projected_finish"] == "-" and "Late" in b["outlook"]
    a = forecast_cells(page, KEC_A)
    counts = direct_counts(app, KEC_A)
    assert a["joining"] == str(counts["joining"]) == "2"
    assert a["to_do"] == str(counts["remaining"] + counts["joining"])
    assert a["pace"] == "1"
    assert direct_counts(app, KEC_B)["joining"] == 1 and b["joining"] == "1"
    # the kecamatan's own page shows the same figures as its row
    mine = text(as_user("supervisor").get(f"{URL}?kecamatan={KEC_A}"))
    assert figure(mine, "to_do") == a["to_do"] and figure(mine, "projected_finish") == a["projected_finish"]


def test_home_page_shows_the_progress_page_numbers(as_user: Any, campaign: int) -> None:
    for user, query in (("supervisor", ""), ("clerk", f"?kecamatan={KEC_A}"), ("clerk_b", "")):
        client = as_user(user)
        home, progress = text(client.get("/admin/")), text(client.get(URL + query))
        for name in ("share_cleared", "days_done", "pace", "joining", "to_do", "projected_finish"):
            assert figure(home, name) == figure(progress, name), (user, name)
        assert "Jemput bola September" in home and "<svg" in home


def test_clerk_home_forecast_is_their_kecamatan(as_user: Any, campaign: int, app: Any) -> None:
    home = text(as_user("clerk_b").get("/admin/"))
    counts = direct_counts(app, KEC_B)
    assert figure(home, "to_do") == str(counts["remaining"] + counts["joining"])
    assert 'data-outlook="stalled"' in home


def test_finished_and_no_pace(as_user: Any, app: Any, make_resident: Any) -> None:
    with app.app_context():
        _add(models.Campaign(name="Mulai hari ini", start_date=REFERENCE_DATE, target_date=TARGET,
                             scope_code="35.10"))
    make_resident("WARGA", birth_date=dt.date(1980, 1, 1))
    page = text(as_user("supervisor").get(URL))
    assert figure(page, "days_done") == "0" and figure(page, "pace") == "-"
    assert 'data-outlook="no_pace"' in page and figure(page, "projected_finish") == "-"
    with app.app_context():
        models.db.session.execute(sa.update(models.Resident).values(ktp_status=KtpStatus.RECORDED.value))
        models.db.session.commit()
    page = text(as_user("supervisor").get(URL))
    assert 'data-outlook="finished"' in page


def test_weekends_off_change_the_window(as_user: Any, campaign: int, app: Any) -> None:
    app.config["EKTP_ADMIN_RECORDING_WEEKENDS"] = False
    page = text(as_user("supervisor").get(URL))
    # the seven weekdays before Wednesday 21 September: 12..20 September
    assert "7 recorded in 7 days, 12-09-2016 to 20-09-2016" in page
    assert figure(page, "days_done") == "10"
