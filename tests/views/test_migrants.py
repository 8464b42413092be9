"""Migrants (/admin/migrants/): outstanding residents away, per desa, with where and
until when, their expected returns per month, the CSV; their count apart on the
desa page and the progress page's kecamatan rows. Every number against a direct count."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, KEC_B, REFERENCE_DATE
from views.report_pages import clean, text

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus

URL = "/admin/migrants/"
BOM = "\ufeff"


def cells(page: str, marker: str) -> dict[str, str]:
    start = page.index(marker)
    row = page[start: page.index("</tr>", start)]
    return {k: clean(v) for k, v in re.findall(r'data-col="([a-z_0-9]+)"[^>]*>(.*?)</td>', row, re.S)}


def listed(page: str) -> list[str]:
    """NIKs of the residents listed."""
    return re.findall(r'<tr data-nik="(\d+)"', page)


def returns(page: str) -> dict[str, str]:
    table = page[page.index('class="table table-sm ektp-returns"'):]
    table = table[: table.index("</table>")]
    return {month: cells(table, f'data-month="{month}"')["away"] for month in re.findall(r'data-month="([^"]+)"', table)}


@pytest.fixture
def migrants(make_resident: Any) -> dict[str, int]:
    away = {"away": True}
    return {
        "malaysia": make_resident("ADI", birth_date=dt.date(1985, 2, 1), away_location="Malaysia",
                                  away_until=dt.date(2017, 6, 20), rw="1", rt="1", **away),
        "hongkong": make_resident("BUDI", birth_date=dt.date(1990, 3, 1), away_location="Hong Kong",
                                  away_until=dt.date(2017, 6, 5), rw="1", rt="2", **away),
        "undated": make_resident("CITRA", birth_date=dt.date(1992, 4, 1), away_location="Batam", rw="2", rt="1",
                                 **away),
        "passed": make_resident("DONI", birth_date=dt.date(1988, 5, 1), away_location="Bali",
                                away_until=dt.date(2016, 8, 1), **away),
        "recorded": make_resident("EKO", birth_date=dt.date(1980, 6, 1), status=KtpStatus.RECORDED,
                                  away_location="Malaysia", away_until=dt.date(2017, 6, 1), **away),
        "child": make_resident("FAJAR", birth_date=dt.date(2006, 7, 1), away_location="Surabaya",
                               away_until=dt.date(2017, 6, 1), **away),
        "home": make_resident("GITA", birth_date=dt.date(1984, 8, 1)),
        "a2": make_resident("HADI", birth_date=dt.date(1983, 9, 1), desa=DESA_A2, away_location="Taiwan",
                            away_until=dt.date(2017, 1, 15), **away),
        "b": make_resident("INDAH", birth_date=dt.date(1986, 10, 1), desa=DESA_B, away_location="Arab Saudi",
                           away_until=dt.date(2017, 6, 10), **away),
    }


def niks(app: Any, ids: list[int]) -> set[str]:
    with app.app_context():
        return set(models.db.session.execute(sa.select(models.Resident.nik).where(models.Resident.id.in_(ids))).scalars())


def direct_count(app: Any, *where: Any) -> int:
    """Away, wajib (17 or older on the reference day: none here married younger), not recorded."""
    cutoff = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 17)
    with app.app_context():
        return models.db.session.execute(sa.select(sa.func.count(models.Resident.id)).where(
            models.Resident.away.is_(True), models.Resident.ktp_status != KtpStatus.RECORDED.value,
            models.Resident.birth_date <= cutoff, *where)).scalar_one()


def test_clerk_sees_their_kecamatans_migrants_per_desa(as_user: Any, migrants: Any, app: Any) -> None:
    page = text(as_user("clerk").get(URL))
    row = cells(page, f'data-desa="{DESA_A}"')
    assert row == {"away": str(direct_count(app, models.Resident.desa_code == DESA_A)), "undated": "1"}
    assert row["away"] == "4"
    assert cells(page, f'data-desa="{DESA_A2}"')["away"] == "1"
    assert f'data-desa="{DESA_B}"' not in page and "INDAH" not in page and "Arab Saudi" not in page
    assert set(listed(page)) == niks(app, [migrants[k] for k in ("malaysia", "hongkong", "undated", "passed", "a2")])
    assert clean(re.search(r'data-figure="listed">(.*?)<', page).group(1)) == str(
        direct_count(app, models.Resident.kecamatan_code == KEC_A)) == "5"
    adi = cells(page, f'data-nik="{niks(app, [migrants["malaysia"]]).pop()}"')
    assert adi == {"where": "Malaysia", "until": "20-06-2017"}
    # the same count as the outstanding summary's "away" column
    summary = text(as_user("clerk").get(f"/admin/outstanding/?kecamatan={KEC_A}"))
    assert cells(summary, f'data-desa="{DESA_A}"')["away"] == "4"


def test_expected_returns_by_month(as_user: Any, migrants: Any, app: Any) -> None:
    client = as_user("clerk")
    page = text(client.get(URL))
    assert returns(page) == {"2016-08": "1", "2017-01": "1", "2017-06": "2", "none": "1"}
    assert "June 2017" in page and "date passed" in page
    june = (models.Resident.away_until >= dt.date(2017, 6, 1), models.Resident.away_until < dt.date(2017, 7, 1))
    assert returns(page)["2017-06"] == str(direct_count(app, models.Resident.kecamatan_code == KEC_A, *june))
    # the month's link lists them, a visit can be planned for them
    link = html.unescape(re.search(r'href="([^"]*month=2017-06[^"]*)"', page).group(1))
    listing = text(client.get(link))
    assert set(listed(listing)) == niks(app, [migrants["malaysia"], migrants["hongkong"]])
    # the whole regency for a supervisor: B's returner too
    everyone = text(as_user("supervisor").get(URL))
    assert returns(everyone)["2017-06"] == str(direct_count(app, *june)) == "3"
    # one desa
    one = text(as_user("supervisor").get(f"{URL}?kecamatan={KEC_A}&desa={DESA_A2}"))
    assert returns(one) == {"2017-01": "1"} and set(listed(one)) == niks(app, [migrants["a2"]])


def test_out_of_reach_and_bad_filters(as_user: Any, migrants: Any) -> None:
    client = as_user("clerk")
    assert client.get(f"{URL}?desa={DESA_B}").status_code == 404
    assert client.get(f"{URL}?kecamatan={KEC_B}").status_code == 404
    assert client.get(f"{URL}export.csv?desa={DESA_B}").status_code == 404
    bad = client.get(f"{URL}?month=juni")
    assert bad.status_code == 400 and "Give the month as yyyy-mm" in bad.get_data(as_text=True)
    assert client.get(f"{URL}?month=2017-13").status_code == 400
    other = text(as_user("clerk_b").get(URL))
    assert "ADI" not in other and "Malaysia" not in other and "INDAH" in other


def test_csv_export(as_user: Any, migrants: Any, app: Any) -> None:
    response = as_user("clerk").get(f"{URL}export.csv?month=2017-06&delimiter=comma")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith(BOM)
    rows = [r for r in csv.reader(io.StringIO(body[len(BOM):])) if r and not r[0].startswith("#")]
    assert rows[0] == ["Kecamatan", "Desa/Kelurahan", "RW", "RT", "Name", "NIK", "Address", "Phone", "Away at",
                       "Away until"]
    assert sorted((r[4], r[8], r[9]) for r in rows[1:]) == [("ADI", "Malaysia", "20-06-2017"),
                                                            ("BUDI", "Hong Kong", "05-06-2017")]
    whole = as_user("supervisor").get(f"{URL}export.csv?delimiter=comma").get_data(as_text=True)
    data = [r for r in csv.reader(io.StringIO(whole[len(BOM):])) if r and not r[0].startswith("#")][1:]
    assert len(data) == direct_count(app) == 6


def test_the_desa_page_and_progress_show_the_away_apart(as_user: Any, migrants: Any, app: Any) -> None:
    with app.app_context():
        models.db.session.add(models.Campaign(name="Kampanye", start_date=dt.date(2016, 9, 1),
                                              target_date=dt.date(2016, 10, 31), scope_code="35.10"))
        models.db.session.commit()
    client = as_user("supervisor")
    desa_page = text(client.get(f"/admin/outstanding/{DESA_A}/"))
    away = re.search(r'data-col="away">(.*?)<', desa_page).group(1)
    assert away == str(direct_count(app, models.Resident.desa_code == DESA_A)) == "4"
    assert f"/admin/migrants/?kecamatan={KEC_A}&amp;desa={DESA_A}" in desa_page
    progress = text(client.get("/admin/progress/"))
    for kecamatan, expected in ((KEC_A, "5"), (KEC_B, "1")):
        row = cells(progress, f'data-kecamatan="{kecamatan}"')
        assert row["remaining_away"] == str(direct_count(app, models.Resident.kecamatan_code == kecamatan)) == expected
