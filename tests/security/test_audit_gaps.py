"""Hardening issue, item 6: the reads and changes that left no audit row.

- printing the mosque sheet (``/admin/outstanding/<desa>/print/``) records who,
  which desa, and how many residents it showed, like every export does; so does
  downloading it as CSV (an export);
- renaming a desa or a kecamatan is recorded like any other change, and shows
  in the record's history.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import (
    DESA_A,
    DESA_A2,
    DESA_B,
    KEC_A,
    KEC_B,
    audit_entries,
    fetch,
    filter_arg,
    form_fields,
    sign_in,
    submit,
    text,
)

from ektp_admin import models


@pytest.fixture
def outstanding(make_resident: Any) -> list[int]:
    """Three residents of desa A still to be recorded, one of desa B."""
    ids = [make_resident(name, birth_date=dt.date(1980, 1, 1 + i), rt="1", rw="1")
           for i, name in enumerate(("AMINAH", "BUDI", "CITRA"))]
    make_resident("KARTINI", desa=DESA_B)
    return ids


def test_printing_the_sheet_is_recorded_with_desa_and_rows(app: Any, client: Any, outstanding: Any) -> None:
    sign_in(client, "clerk")
    response = client.get(f"/admin/outstanding/{DESA_A}/print/")
    assert response.status_code == 200 and "CITRA" in text(response)
    [entry] = audit_entries(app, action="print")
    assert entry["username"] == "clerk"
    assert entry["table_name"] == "ektp_outstanding.print_desa"
    assert entry["record_id"] == DESA_A and entry["kecamatan_code"] == KEC_A
    assert entry["changes"]["rows"] == 3
    assert entry["changes"]["filters"] == {"desa": DESA_A, "on": "2016-09-21"}


def test_printing_an_empty_sheet_is_recorded_too(app: Any, client: Any, outstanding: Any) -> None:
    sign_in(client, "supervisor")
    assert client.get(f"/admin/outstanding/{DESA_A2}/print/").status_code == 200
    [entry] = audit_entries(app, action="print")
    assert entry["username"] == "supervisor" and entry["record_id"] == DESA_A2 and entry["changes"]["rows"] == 0


def test_a_refused_sheet_records_nothing(app: Any, client: Any, outstanding: Any) -> None:
    sign_in(client, "clerk")
    assert client.get(f"/admin/outstanding/{DESA_B}/print/").status_code == 404
    assert audit_entries(app, action="print") == []


def test_downloading_the_sheet_is_recorded_as_an_export(app: Any, client: Any, outstanding: Any) -> None:
    sign_in(client, "clerk")
    client.get(f"/admin/outstanding/{DESA_A}/export.csv").get_data()
    [entry] = audit_entries(app, action="export")
    assert entry["table_name"] == "ektp_outstanding.export_desa" and entry["changes"]["rows"] == 3


def test_the_audit_log_shows_the_print(app: Any, client: Any, outstanding: Any) -> None:
    sign_in(client, "clerk")
    client.get(f"/admin/outstanding/{DESA_A}/print/")
    sign_in(client, "admin")
    flt = filter_arg(app, "ektp_audit", "Action", "equals")
    page = text(client.get(f"/admin/audit/?{flt}=print"))
    assert "Sheet printed" in page and "ektp_outstanding.print_desa" in page and "3 row(s)" in page


# ---------------------------------------------------------------------- regions


@pytest.mark.parametrize("screen, code, model, kecamatan", [
    ("desa", DESA_A2, models.Desa, KEC_A),
    ("kecamatan", KEC_B, models.Kecamatan, KEC_B),
])
def test_renaming_a_region_is_recorded(app: Any, client: Any, screen: str, code: str, model: Any,
                                       kecamatan: str) -> None:
    old_name = fetch(app, model, code).name
    try:
        sign_in(client, "admin")
        url = f"/admin/{screen}/edit/?id={code}"
        response = submit(client, url, form_fields(text(client.get(url))), name=f"{old_name} BARU")
        assert response.status_code == 302
        [entry] = [e for e in audit_entries(app, table_name=model.__tablename__) if e["action"] == "update"]
        assert entry["username"] == "admin" and entry["record_id"] == code and entry["kecamatan_code"] == kecamatan
        assert entry["changes"] == {"name": [old_name, f"{old_name} BARU"]}
        details = text(client.get(f"/admin/{screen}/details/?id={code}"))
        history = details[details.index('id="ektp-history"'):]
        assert f"{old_name} BARU" in history and "admin" in history
    finally:  # the packaged regions stay for the whole run: put the name back
        with app.app_context():
            table = model.__table__
            with models.db.engine.begin() as conn:
                conn.execute(sa.update(table).where(table.c.code == code).values(name=old_name))
