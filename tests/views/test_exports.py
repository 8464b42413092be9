"""Every list and report downloads as CSV (comma or semicolon) and as XLSX:
the same rows, dates as dates, text never a formula."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, KEC_A
from openpyxl import load_workbook

from ektp_admin import models


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _csv(response: Any, delimiter: str = ",") -> list[list[str]]:
    """The header and the rows; the trailer line checked and left out."""
    assert response.status_code == 200, response.status_code
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=delimiter))
    *rows, trailer = rows
    assert trailer in ([f"# complete: {len(rows) - 1:,} rows"], [f"# selesai: {len(rows) - 1:,} baris".replace(",", ".")]), trailer
    return rows


@pytest.fixture
def residents(app: Any, make_resident: Any) -> list[int]:
    return [
        make_resident("SITI AMINAH", birth_date=dt.date(1980, 5, 17)),
        make_resident("=HYPERLINK(\"http://x\")", birth_date=dt.date(1975, 1, 2), address="Jl. A; =1+1"),
        make_resident("WARGA LAIN", desa="35.10.02.2001"),
    ]


def test_the_residents_list_downloads_as_xlsx_with_real_dates(app: Any, login_as: Any, residents: Any) -> None:
    client = login_as("clerk")
    rows = _xlsx(client.get("/admin/residents/export/xlsx/?lang=en"))
    header, body = rows[0], rows[1:]
    with app.app_context():
        expected = models.db.session.execute(sa.select(sa.func.count(models.Resident.id)).where(
            models.Resident.kecamatan_code == KEC_A)).scalar_one()
    assert len(body) == expected == 2, "the clerk's reach, as a direct count"
    birth = header.index("Birth date")
    assert {r[birth] for r in body} == {dt.datetime(1980, 5, 17), dt.datetime(1975, 1, 2)}
    names = {r[header.index("Name")] for r in body}
    assert '=HYPERLINK("http://x")' in names, "text stays text"
    book = load_workbook(io.BytesIO(client.get("/admin/residents/export/xlsx/").get_data()))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells), "no cell is a formula"


def test_csv_with_the_semicolon_dialect(app: Any, login_as: Any, residents: Any) -> None:
    client = login_as("clerk")
    comma = _csv(client.get("/admin/residents/export/csv/?lang=en"))
    semicolon = _csv(client.get("/admin/residents/export/csv/?lang=en&delimiter=semicolon"), ";")
    assert len(comma) == len(semicolon) == 3
    assert comma[0] == semicolon[0]
    birth = comma[0].index("Birth date")
    assert {r[birth] for r in semicolon[1:]} == {"17-05-1980", "02-01-1975"}
    # a cell holding the other locale's separator is quoted, so it stays one cell
    address = semicolon[0].index("Address")
    assert "Jl. A;' =1+1" in {r[address] for r in semicolon[1:]}


def test_the_default_delimiter_is_a_setting(app: Any, login_as: Any, residents: Any) -> None:
    app.config["EKTP_ADMIN_CSV_DELIMITER"] = ";"
    client = login_as("clerk")
    body = client.get("/admin/residents/export/csv/?lang=en").get_data(as_text=True).lstrip("\ufeff")
    assert body.splitlines()[0].startswith("NIK;")
    menu = client.get("/admin/residents/?lang=en").get_data(as_text=True)
    first, second = menu.index("delimiter=semicolon"), menu.index("delimiter=comma")
    assert first < second, "the office's own dialect comes first in the menu"
    assert "export/xlsx/" in menu


@pytest.mark.parametrize("url", [
    "/admin/outstanding/export.{kind}", f"/admin/outstanding/{DESA_A}/export.{{kind}}",
    "/admin/home-visits/export.{kind}",
])
def test_reports_download_in_both_formats_with_the_same_rows(app: Any, login_as: Any, residents: Any,
                                                            url: str) -> None:
    client = login_as("clerk")
    as_csv = _csv(client.get(url.format(kind="csv") + "?lang=en"))
    as_xlsx = _xlsx(client.get(url.format(kind="xlsx") + "?lang=en"))
    assert [str(h) for h in as_xlsx[0]] == as_csv[0]
    assert len(as_xlsx) == len(as_csv)
    assert client.get(url.format(kind="pdf")).status_code == 404
