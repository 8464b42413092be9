"""The declared export (tuples, writers compiled once per download) writes the very file
the per-object export (ORM objects, a getter and gettext per cell) wrote: byte for byte
in CSV, cell for cell in XLSX, on a seeded demo with hostile text mixed in."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from conftest import DESA_A, KEC_A
from openpyxl import load_workbook

from ektp_admin import get_state, models, queries
from ektp_admin.demo import build_demo
from ektp_admin.domain.eligibility import age_on
from ektp_admin.domain.enums import Departure, KtpStatus, Sex
from ektp_admin.i18n import label
from ektp_admin.views.export_columns import declared
from ektp_admin.views.residents import resident_needs

#: The residents export as it was declared before (ORM getters): the yardstick.
LEGACY = [
    ("nik", "NIK"),
    ("kk_number", "KK number"),
    ("name", "Name"),
    (lambda m: label(m.sex, Sex), "Sex"),
    ("birth_place", "Birth place"),
    (lambda m: m.birth_date, "Birth date"),
    (lambda m: age_on(m.birth_date, queries.reference_date()), "Age"),
    (lambda m: m.kecamatan_code, "Kecamatan code"),
    (lambda m: m.desa.name, "Desa/Kelurahan"),
    ("address", "Address"),
    ("rt", "RT"),
    ("rw", "RW"),
    ("phone", "Phone"),
    (lambda m: label(m.ktp_status, KtpStatus), "KTP-el status"),
    (lambda m: resident_needs(m), "Needs"),
    (lambda m: label(m.departure, Departure) if m.departure else "", "Left for good"),
    (lambda m: m.departed_on, "Left on"),
    ("departure_note", "Where to, or how it is known"),
]

HOSTILE = ['=HYPERLINK("http://x","klik")', "+6281234567890", "-5", "@SUM(A1)", "Jl. A; =1+1",
           'RUMAH "BESAR", NO. 5', "\tTAB", "x\n=CMD()", "  -2+3", "-HAPUS", "ÁNDRÉ ÇİÑ"]


@pytest.fixture
def seeded(app: Any, make_resident: Any) -> Any:
    with app.app_context():
        build_demo(models.db, residents=400, seed=5)
    for i, value in enumerate(HOSTILE):
        make_resident(f"WARGA {value}", birth_date=dt.date(1950 + i, 1 + i, 2 + i), address=value,
                      phone=value if i % 2 else None, birth_place=value, rt="00" + str(i % 10),
                      disabled=bool(i % 2), seriously_ill=bool(i % 3 == 0), away=bool(i % 4 == 0),
                      status=list(KtpStatus)[i % len(KtpStatus)])
    return app


def _both(app: Any, client: Any, monkeypatch: Any, url: str) -> tuple[bytes, bytes]:
    view = next(v for v in get_state(app).admin._views if v.endpoint == "ektp_residents")
    assert declared(view.export_columns), "the residents export takes the fast path"
    fast = client.get(url)
    assert fast.status_code == 200
    fast_body = fast.get_data()
    monkeypatch.setattr(view, "export_columns", LEGACY)
    legacy = client.get(url)
    assert legacy.status_code == 200
    legacy_body = legacy.get_data()
    monkeypatch.undo()
    return fast_body, legacy_body


@pytest.mark.parametrize("user,query", [
    ("admin", "lang=id"),
    ("admin", "lang=en&delimiter=semicolon"),
    ("clerk", "lang=id&search=WARGA"),
    ("supervisor", "lang=en&sort=3&desc=1"),
])
def test_the_declared_csv_is_the_per_object_csv_byte_for_byte(seeded: Any, login_as: Any, monkeypatch: Any,
                                                             user: str, query: str) -> None:
    client = login_as(user)
    fast, legacy = _both(seeded, client, monkeypatch, f"/admin/residents/export/csv/?{query}")
    assert fast == legacy
    delimiter = ";" if "semicolon" in query else ","
    lines = [delimiter.join(r) for r in csv.reader(io.StringIO(fast.decode("utf-8-sig")), delimiter=delimiter)]
    with seeded.app_context():
        reach = models.Resident.kecamatan_code == KEC_A if user == "clerk" else True
        where = [reach, models.Resident.name.like("WARGA%")] if "search" in query else [reach]
        expected = models.db.session.query(models.Resident).filter(*where).count()
    assert len(lines) == expected + 2, "header, every row within reach, trailer"
    assert lines[-1] in (f"# selesai: {expected:,} baris".replace(",", "."), f"# complete: {expected:,} rows")


def test_the_declared_xlsx_holds_the_per_object_cells(seeded: Any, login_as: Any, monkeypatch: Any) -> None:
    client = login_as("admin")
    fast, legacy = _both(seeded, client, monkeypatch, f"/admin/residents/export/xlsx/?lang=id&flt0_0={KEC_A}")

    def sheets(response: Any) -> list[list[tuple[Any, ...]]]:
        book = load_workbook(io.BytesIO(response))
        return [[tuple(c.value for c in row) for row in sheet.iter_rows()] for sheet in book.worksheets]

    assert sheets(fast) == sheets(legacy)
    data, closing = sheets(fast)
    assert closing == [(f"# selesai: {len(data) - 1} baris", len(data) - 1)]
    book = load_workbook(io.BytesIO(fast))
    assert book.sheetnames[1] == "Selesai"
    assert not any(c.data_type == "f" for row in book.worksheets[0].iter_rows() for c in row)


def test_a_desa_filtered_export_reads_the_desa_names_of_its_snapshot(seeded: Any, login_as: Any,
                                                                     monkeypatch: Any) -> None:
    client = login_as("admin")
    flt = "flt0_1"
    fast, legacy = _both(seeded, client, monkeypatch, f"/admin/residents/export/csv/?lang=en&{flt}={DESA_A}")
    assert fast == legacy
