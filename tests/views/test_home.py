"""The home page: the signed-in user's own headline, every number against a direct count."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, REFERENCE_DATE
from security.ektp_support import add, make_device

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus


def figures(page: str) -> dict[str, str]:
    found = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', page))
    found.update({k: re.sub(r"\D", "", v) for k, v in re.findall(r'data-figure="(\w+)">[^<]*?(\d[\d.,]*)\s*<', page)})
    return found


def direct(app: Any, *where: Any) -> int:
    with app.app_context():
        return models.db.session.execute(sa.select(sa.func.count(models.Resident.id)).where(*where)).scalar_one()


def seventeen() -> dt.date:
    return REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 17)


def test_a_clerk_reads_their_kecamatans_headline(app: Any, login_as: Any, make_resident: Any) -> None:
    make_resident("BELUM REKAM A")
    make_resident("EFAC A", status=KtpStatus.ENROL_FAILED)
    make_resident("EFAC A2", status=KtpStatus.ENROL_FAILED)
    make_resident("SUDAH REKAM A", status=KtpStatus.RECORDED)
    make_resident("LANSIA A", birth_date=dt.date(1940, 1, 1))
    make_resident("MERANTAU A", away=True)
    make_resident("WARGA B", desa=DESA_B)
    add(app,
        models.Visit(day=REFERENCE_DATE, start_time=dt.time(8), end_time=dt.time(12), kind="village_post",
                     state="planned", kecamatan_code=KEC_A, desa_code=DESA_A),
        models.Visit(day=REFERENCE_DATE - dt.timedelta(days=3), start_time=dt.time(8), end_time=dt.time(12),
                     kind="village_post", state="planned", kecamatan_code=KEC_A, desa_code=DESA_A),
        models.Visit(day=REFERENCE_DATE, start_time=dt.time(8), end_time=dt.time(12), kind="village_post",
                     state="planned", kecamatan_code="35.10.02", desa_code=DESA_B))
    make_device(app, "KIT-RUSAK", condition="in_repair")
    make_device(app, "KIT-RUSAK-B", kecamatan="35.10.02", condition="in_repair")

    page = login_as("clerk").get("/admin/?lang=en").get_data(as_text=True)
    with app.app_context():
        name = models.db.session.get(models.Kecamatan, KEC_A).name
    assert f"Backlog of kecamatan {name}" in page
    shown = figures(page)
    wajib = [models.Resident.kecamatan_code == KEC_A, models.Resident.departure.is_(None),
             models.Resident.birth_date <= seventeen()]
    outstanding = [*wajib, models.Resident.ktp_status.in_(["not_recorded", "enrol_failed"])]
    assert int(shown["wajib"]) == direct(app, *wajib) == 6
    assert int(shown["outstanding"]) == direct(app, *outstanding) == 5
    assert int(shown["away"]) == direct(app, *outstanding, models.Resident.away.is_(True)) == 1
    assert int(shown["home_visits"]) == direct(app, *outstanding, models.Resident.birth_date <= dt.date(1956, 9, 21),
                                               models.Resident.away.is_(False)) == 1
    assert int(shown["enrol_failed"]) == direct(app, *wajib, models.Resident.ktp_status == "enrol_failed") == 2
    assert shown["visits_today"] == "1"
    assert shown["planned_in_the_past"] == "1"
    assert shown["kits_not_working"] == "1", "the clerk's kit, not kecamatan B's"


def test_the_home_page_links_only_screens_that_are_there(app: Any, login_as: Any) -> None:
    page = login_as("supervisor").get("/admin/?lang=en").get_data(as_text=True)
    assert "Backlog of the regency" in page
    assert 'href="/admin/outstanding/"' in page and 'href="/admin/home-visits/"' in page
