"""`flask ektp import-residents` and `flask ektp import-statuses`, judged by what the
database holds afterwards: upserts by NIK, nothing deleted, all-or-nothing (also
when the process is killed halfway), partial imports, the round trip of the
residents export, the status pipeline's rules, one audit entry per import, and
DUP residents left out of "recorded". Runs on SQLite, PostgreSQL and MariaDB
(EKTP_ADMIN_TEST_DATABASE_URL)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import KEC_A, REFERENCE_DATE, login

from ektp_admin import counters, models, queries
from ektp_admin.domain.enums import KtpStatus
from ektp_admin.population.sample import write_residents

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[1]
Resident, StatusChange, AuditEntry = models.Resident, models.StatusChange, models.AuditEntry
SIAK_NIKS = ["3510010203750101", "3510016311780102", "3510011501990103", "3510024407500104"]


def run(runner: Any, *args: str) -> Any:
    return runner.invoke(args=["ektp", *args], catch_exceptions=False)


def scalar(app: Any, statement: Any) -> Any:
    with app.app_context():
        return models.db.session.execute(statement).scalar_one()


def count(app: Any, model: Any, *where: Any) -> int:
    return scalar(app, sa.select(sa.func.count()).select_from(model).where(*where))


def residents(app: Any) -> dict[str, Any]:
    with app.app_context():
        return {r.nik: r for r in models.db.session.execute(sa.select(Resident)).scalars()}


def audits(app: Any) -> list[dict[str, Any]]:
    with app.app_context():
        rows = models.db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id)).scalars()
        return [{"username": a.username, "table": a.table_name, **json.loads(a.changes)} for a in rows]


def report(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]


# ---------------------------------------------------------------------- files as offices produce them


@pytest.mark.parametrize("name, added", [
    ("residents_siak_en.csv", 4),
    ("residents_id_semicolon_bom.csv", 3),
    ("residents_export_excel_cp1252.csv", 2),
    ("residents.xlsx", 3),
])
def test_each_office_format_imports_and_a_second_import_changes_nothing(app: Any, runner: Any, name: str,
                                                                        added: int) -> None:
    result = run(runner, "import-residents", str(DATA / name), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert f"Imported: {added} residents added, 0 updated, 0 unchanged." in result.output
    assert count(app, Resident) == added
    again = run(runner, "import-residents", str(DATA / name), "--lang", "en")
    assert f"Imported: 0 residents added, 0 updated, {added} unchanged." in again.output, again.output
    assert [a["added"] for a in audits(app)] == [added, 0]


def test_the_values_arrive_as_the_files_wrote_them(app: Any, runner: Any) -> None:
    for name in ("residents_siak_en.csv", "residents_id_semicolon_bom.csv", "residents_export_excel_cp1252.csv",
                 "residents.xlsx"):
        assert run(runner, "import-residents", str(DATA / name)).exit_code == 0
    found = residents(app)
    siti = found["3510016311780102"]
    assert (siti.name, siti.sex, siti.birth_date, siti.marital_status, siti.desa_code, siti.kecamatan_code) == (
        "SITI JUMA’ATI", "P", dt.date(1978, 11, 23), "married", "35.10.01.2001", "35.10.01")
    assert siti.address == "Dusun Krajan\nRumah ke-2 dari masjid" and siti.name_key == "SITI JUMA’ATI"
    assert found["3510024407500104"].marital_status == "widowed"
    dewi = found["3510035708880201"]
    assert (dewi.desa_code, dewi.address, dewi.rt, dewi.kk_number) == (
        "35.10.03.2001", "Dusun Pancer; RT 1", "1", "3510030303090003")
    nyoman = found["3510046104600401"]
    assert (nyoman.name, nyoman.phone, nyoman.ktp_status) == ("NYOMAN SRI RÉJEKI", "+6281333444555", "recorded")
    assert count(app, StatusChange, StatusChange.resident_id == nyoman.id) == 1, "the arriving status is dated"
    heru = found["3510050906850501"]
    assert (heru.birth_date, heru.rt, heru.desa_code) == (dt.date(1985, 6, 9), "3", "35.10.05.2001")
    assert found["3510057001900502"].desa_code == "35.10.05.2001", "a desa code without dots"
    assert found["3510026902000203"].birth_date == dt.date(2000, 2, 29)


def test_upsert_by_nik_updates_changed_fields_and_deletes_nothing(app: Any, runner: Any, make_resident: Any,
                                                                  tmp_path: Path) -> None:
    kept = make_resident("TIDAK DI BERKAS", birth_date=dt.date(1970, 1, 1), sex="L")
    assert run(runner, "import-residents", str(DATA / "residents_siak_en.csv")).exit_code == 0
    before = residents(app)["3510010203750101"]
    changed = (DATA / "residents_siak_en.csv").read_text(encoding="utf-8").replace("AHMAD SUBAGYO", "AHMAD SUBAGIO")
    path = tmp_path / "changed.csv"
    path.write_text(changed, encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "0 residents added, 1 updated, 3 unchanged" in result.output, result.output
    after = residents(app)["3510010203750101"]
    assert (after.name, after.name_key, after.version) == ("AHMAD SUBAGIO", "AHMAD SUBAGIO", before.version + 1)
    assert after.ktp_status == before.ktp_status
    assert count(app, Resident, Resident.id == kept) == 1


def test_an_empty_marital_status_keeps_the_stored_one(app: Any, runner: Any, tmp_path: Path) -> None:
    assert run(runner, "import-residents", str(DATA / "residents_siak_en.csv")).exit_code == 0
    text = (DATA / "residents_siak_en.csv").read_text(encoding="utf-8").replace(",Cerai mati,", ",,")
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "0 updated, 4 unchanged" in result.output, result.output
    assert residents(app)["3510024407500104"].marital_status == "widowed"


def test_a_stored_empty_text_is_the_files_empty_cell_and_a_changed_date_an_update(app: Any, runner: Any,
                                                                                  tmp_path: Path) -> None:
    """The re-import's compare: one tuple comparison finds the unchanged; a row it cannot
    pass is compared field by field (an empty text stored by hand is the file's empty
    cell, no change), and a changed birth date is an update."""
    assert run(runner, "import-residents", str(DATA / "residents_siak_en.csv")).exit_code == 0
    with app.app_context():
        models.db.session.execute(sa.update(Resident).where(Resident.nik == "3510016311780102").values(phone=""))
        models.db.session.commit()
    result = run(runner, "import-residents", str(DATA / "residents_siak_en.csv"), "--lang", "en")
    assert "0 residents added, 0 updated, 4 unchanged" in result.output, result.output
    assert residents(app)["3510016311780102"].phone == ""
    text = (DATA / "residents_siak_en.csv").read_text(encoding="utf-8").replace("1999-01-15", "1999-01-14")
    text = text.replace("3510011501990103", "3510011401990103")  # the NIK agrees with the new birth date
    path = tmp_path / "born.csv"
    path.write_text(text, encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "1 residents added, 0 updated, 3 unchanged" in result.output, result.output
    assert residents(app)["3510011401990103"].birth_date == dt.date(1999, 1, 14)


def test_bulk_statements_take_rows_as_tuples_on_every_database(app: Any) -> None:
    """BulkStatement / BulkInsert: values in the keys' order, processed where the column's
    type says (dates, flags, timestamps), constants of the statement filled in."""
    from ektp_admin.population.bulk import BulkInsert, BulkStatement

    table = Resident.__table__
    now = dt.datetime(2016, 9, 21, 8, 0)
    keys = ["nik", "name", "name_key", "sex", "birth_date", "desa_code", "kecamatan_code", "away", "version",
            "created_at", "updated_at", "marital_status", "citizenship", "disabled", "seriously_ill", "ktp_status"]
    more = ("single", "wni", False, False, "not_recorded")
    rows = [("3510010203750101", "A", "A", "L", dt.date(1975, 3, 2), "35.10.01.2001", "35.10.01", False, 1, now, now,
             *more),
            ["3510016311780102", "B", "B", "P", dt.date(1978, 11, 23), "35.10.01.2001", "35.10.01", True, 1, now, now,
             *more]]
    with app.app_context():
        with models.db.engine.begin() as conn:
            BulkInsert(conn, table, keys).execute(rows)
            update = sa.update(table).where(table.c.nik == sa.bindparam("p_nik")).values(
                name=sa.bindparam("p_name", type_=table.c.name.type), version=table.c.version + 1,
                away_until=sa.bindparam("p_until", type_=table.c.away_until.type),
                updated_at=sa.bindparam("p_now", type_=table.c.updated_at.type))
            BulkStatement(conn, update, ["p_name", "p_until", "p_nik", "p_now"]).execute(
                [("C", dt.date(2017, 1, 1), "3510016311780102", now), ("D", None, "3510010203750101", now)])
            rt = sa.update(table).where(table.c.nik == sa.bindparam("p_nik")).values(  # text only: rows as given
                rt=sa.bindparam("p_rt", type_=table.c.rt.type), updated_at=table.c.updated_at)
            BulkStatement(conn, rt, ["p_rt", "p_nik"]).execute([("007", "3510016311780102")])
            with pytest.raises(ValueError, match="updated_at"):  # left to SQLAlchemy's onupdate: refused
                BulkStatement(conn, sa.update(table).values(rt=sa.bindparam("p_rt")), ["p_rt"])
    found = residents(app)
    a, b = found["3510010203750101"], found["3510016311780102"]
    assert (a.name, a.birth_date, a.away, a.away_until, a.version) == ("D", dt.date(1975, 3, 2), False, None, 2)
    assert (b.name, b.birth_date, b.away, b.away_until, b.version, b.rt) == (
        "C", dt.date(1978, 11, 23), True, dt.date(2017, 1, 1), 2, "007")
    assert b.created_at == now


# ---------------------------------------------------------------------- all or nothing


def test_one_bad_row_and_nothing_is_written(app: Any, runner: Any, tmp_path: Path) -> None:
    report_path = tmp_path / "report.csv"
    result = run(runner, "import-residents", str(DATA / "residents_bad_rows.csv"), "--lang", "en",
                 "--report", str(report_path))
    assert result.exit_code == 1
    assert "Nothing was written: 19 of 21 rows are not valid." in result.output, result.output
    assert count(app, Resident) == 0
    rows = report(report_path)
    assert ["3", "NIK", "", "error", "NIK is empty."] in rows
    assert ["14", "Jenis kelamin", "3510011705800312", "error", "X is not a known Sex; write one of: L, P."] in rows
    assert any(r[0] == "20" and r[3] == "warning" for r in rows)
    assert [a["state"] for a in audits(app)] == ["refused"]


def test_partial_writes_the_valid_rows_and_keeps_the_warned_ones(app: Any, runner: Any) -> None:
    result = run(runner, "import-residents", str(DATA / "residents_bad_rows.csv"), "--partial", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Imported: 2 residents added" in result.output
    assert set(residents(app)) == {"3510001705800319", "3510991705800320"}, \
        "NIKs with an unknown region are stored; both rows of a duplicate NIK are left out"
    assert audits(app)[-1]["partial"] is True


def test_the_report_is_in_the_users_language(app: Any, runner: Any, tmp_path: Path) -> None:
    report_path = tmp_path / "laporan.csv"
    run(runner, "import-residents", str(DATA / "residents_bad_rows.csv"), "--lang", "id", "--report", str(report_path))
    text = report_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Baris,Kolom,NIK,Jenis,Keterangan"
    assert "NIK kosong." in text


def test_a_file_without_a_needed_column_is_refused_whole(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "no-date.csv"
    path.write_text("NIK,Nama,Jenis kelamin,Desa\n3510011705800001,A,L,Sarongan\n", encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert result.exit_code == 1
    assert "The file has no column Birth date." in result.output
    assert count(app, Resident) == 0


def test_kecamatan_limits_the_import_to_its_desa(app: Any, runner: Any) -> None:
    result = run(runner, "import-residents", str(DATA / "residents_siak_en.csv"), "--kecamatan", KEC_A,
                 "--lang", "en")
    assert result.exit_code == 1
    assert "line 6, Desa code: This desa/kelurahan lies in kecamatan Bangorejo, outside this import's kecamatan " \
           "Pesanggaran." in result.output
    result = run(runner, "import-residents", str(DATA / "residents_siak_en.csv"), "--kecamatan", KEC_A, "--partial")
    assert result.exit_code == 0
    assert {r.kecamatan_code for r in residents(app).values()} == {KEC_A}


def test_dry_run_counts_and_writes_nothing(app: Any, runner: Any) -> None:
    result = run(runner, "import-residents", str(DATA / "residents_siak_en.csv"), "--dry-run", "--lang", "en")
    assert result.exit_code == 0
    assert "Dry run, nothing written: 4 residents would be added" in result.output
    assert count(app, Resident) == 0
    assert audits(app)[-1]["state"] == "checked"


def test_a_full_refresh_lists_the_residents_it_does_not_name(app: Any, runner: Any, make_resident: Any) -> None:
    missing = make_resident("SUDAH PINDAH", birth_date=dt.date(1960, 2, 2), sex="L")
    make_resident("ORANG BANGOREJO", birth_date=dt.date(1961, 2, 2), sex="L", desa="35.10.02.2002")
    result = run(runner, "import-residents", str(DATA / "residents_siak_en.csv"), "--kecamatan", KEC_A, "--partial",
                 "--full-refresh", "--lang", "en")
    assert "1 residents of the region are not in the file: they are listed, not removed." in result.output
    assert count(app, Resident, Resident.id == missing) == 1
    assert audits(app)[-1]["absent"] == 1


def test_every_import_is_one_audit_entry_with_the_files_hash(app: Any, runner: Any) -> None:
    import hashlib

    run(runner, "import-residents", str(DATA / "residents_siak_en.csv"))
    (entry,) = audits(app)
    assert entry["sha256"] == hashlib.sha256((DATA / "residents_siak_en.csv").read_bytes()).hexdigest()
    assert (entry["file_name"], entry["added"], entry["rows"], entry["table"]) == (
        "residents_siak_en.csv", 4, 4, "ektp_resident")
    assert entry["username"].startswith("cli:")
    assert count(app, AuditEntry, AuditEntry.table_name == "ektp_resident", AuditEntry.action != "import") == 0


# ---------------------------------------------------------------------- departures


def backlog(app: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """(wajib, outstanding) of the regency as the screens count them, and counted directly."""
    cutoff = dt.date(REFERENCE_DATE.year - 17, REFERENCE_DATE.month, REFERENCE_DATE.day)
    with app.app_context():
        session = models.db.session
        shown = queries.outstanding_totals(session, None, REFERENCE_DATE)
        wajib = sa.and_(Resident.departure.is_(None), Resident.birth_date <= cutoff)
        direct_wajib = session.execute(sa.select(sa.func.count()).where(wajib)).scalar_one()
        direct_outstanding = session.execute(sa.select(sa.func.count()).where(
            wajib, Resident.ktp_status.in_(["not_recorded", "enrol_failed"]))).scalar_one()
        return (shown.wajib, shown.outstanding), (direct_wajib, direct_outstanding)


def test_an_import_marks_residents_deceased_or_moved_out_and_they_leave_the_backlog(
        app: Any, client: Any, runner: Any) -> None:
    assert run(runner, "import-residents", str(DATA / "residents_siak_en.csv")).exit_code == 0
    assert backlog(app) == ((4, 4), (4, 4))
    result = run(runner, "import-residents", str(DATA / "residents_departures.csv"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Imported: 0 residents added, 3 updated, 1 unchanged." in result.output, result.output
    assert "Departures: 3 residents marked deceased or moved out, 0 back on the list." in result.output
    found = residents(app)
    ahmad, siti, suminah = found["3510010203750101"], found["3510016311780102"], found["3510024407500104"]
    assert (ahmad.departure, ahmad.departed_on, ahmad.departure_note) == (
        "deceased", dt.date(2016, 9, 3), "Akta kematian 3510-KM-09092016-0031")
    assert (siti.departure, siti.departed_on, siti.departure_note) == (
        "moved_out", dt.date(2016, 8, 15), "Kota Surabaya, Jawa Timur")
    assert (suminah.departure, suminah.departed_on) == ("deceased", dt.date(2016, 9, 10))
    assert suminah.departure_note == "import: residents_departures.csv", "the import is the source"
    assert found["3510011501990103"].departure is None
    assert backlog(app) == ((1, 1), (1, 1)), "departed residents are neither wajib nor outstanding"
    login(client, "admin")
    sheet = client.get("/admin/outstanding/35.10.01.2001/print/").get_data(as_text=True)
    assert "AHMAD SUBAGYO" not in sheet and "JUMA" not in sheet, "the mosque sheet no longer names them"
    (entry,) = [a for a in audits(app) if a["file_name"] == "residents_departures.csv"]
    assert (entry["departures_set"], entry["departures_cleared"]) == (3, 0)
    again = run(runner, "import-residents", str(DATA / "residents_departures.csv"), "--lang", "en")
    assert "Imported: 0 residents added, 0 updated, 4 unchanged." in again.output, again.output
    assert "Departures:" not in again.output


def test_a_later_import_brings_a_resident_back(app: Any, runner: Any) -> None:
    for name in ("residents_siak_en.csv", "residents_departures.csv"):
        assert run(runner, "import-residents", str(DATA / name)).exit_code == 0
    result = run(runner, "import-residents", str(DATA / "residents_departures_returned.csv"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Imported: 0 residents added, 1 updated, 1 unchanged." in result.output, result.output
    assert "Departures: 0 residents marked deceased or moved out, 1 back on the list." in result.output
    siti = residents(app)["3510016311780102"]
    assert (siti.departure, siti.departed_on, siti.departure_note) == (None, None, None)
    assert residents(app)["3510010203750101"].departure_note == "Akta kematian 3510-KM-09092016-0031", \
        "a departure the file repeats without a note keeps the stored one"
    assert backlog(app) == ((2, 2), (2, 2))
    assert audits(app)[-1]["departures_cleared"] == 1


def test_a_departure_set_by_a_visit_is_kept_when_the_file_agrees(app: Any, runner: Any, make_resident: Any,
                                                                 tmp_path: Path) -> None:
    gone = make_resident("ALMARHUM", birth_date=dt.date(1950, 1, 2), sex="L", departure="deceased",
                         departed_on=dt.date(2016, 9, 3), departure_visit_id=7)
    nik = residents(app).popitem()[0]
    path = tmp_path / "mutasi.csv"
    path.write_text(f"NIK,Nama,JK,Tgl Lahir,Kode Desa,Mutasi,Tanggal Mutasi\n{nik},ALMARHUM,L,02-01-1950,"
                    f"35.10.01.2001,Meninggal,03-09-2016\n", encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "0 updated, 1 unchanged" in result.output, result.output
    assert fetch_departure(app, gone) == ("deceased", dt.date(2016, 9, 3), None, 7)
    path.write_text(path.read_text(encoding="utf-8").replace("03-09-2016", "02-09-2016"), encoding="utf-8")
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "1 updated" in result.output, result.output
    assert fetch_departure(app, gone) == ("deceased", dt.date(2016, 9, 2), "import: mutasi.csv", None), \
        "the file's word replaces the visit's: removing that visit result no longer brings him back"


def fetch_departure(app: Any, resident_id: int) -> tuple[Any, ...]:
    with app.app_context():
        r = models.db.session.get(Resident, resident_id)
        return r.departure, r.departed_on, r.departure_note, r.departure_visit_id


def test_bad_departures_are_reported_rows(app: Any, runner: Any, tmp_path: Path) -> None:
    report_path = tmp_path / "report.csv"
    result = run(runner, "import-residents", str(DATA / "residents_departures_bad.csv"), "--lang", "en",
                 "--report", str(report_path))
    assert result.exit_code == 1
    assert "Nothing was written: 8 of 9 rows are not valid." in result.output, result.output
    assert count(app, Resident) == 0
    rows = {(r[0], r[1], r[4]) for r in report(report_path)}
    assert rows == {
        ("3", "Destination", "Say where the resident moved to."),
        ("4", "Departure date", "Give the date of death or of moving out."),
        ("5", "Departure date", "The departure date (01-12-2016) is in the future."),
        ("6", "Departure", "hilang is not a departure: write Meninggal (deceased), Pindah (moved out) or Kembali "
                            "(returned), or leave it empty."),
        ("7", "Departure date", "31-02-2016 is not a date: write DD-MM-YYYY or YYYY-MM-DD."),
        ("8", "Departure date", "A departure date is given, but neither \"deceased\" nor \"moved out\" is chosen."),
        ("9", "Departure date", "The departure date (01-01-1970) is before the birth date."),
        ("10", "Destination", "A destination or source is given, but neither \"deceased\" nor \"moved out\" "
                              "is chosen."),
    }, rows
    result = run(runner, "import-residents", str(DATA / "residents_departures_bad.csv"), "--partial")
    assert result.exit_code == 0
    assert [(r.name, r.departure, r.departure_note) for r in residents(app).values()] == [
        ("GOOD MOVE", "moved_out", "Denpasar")]


# ---------------------------------------------------------------------- the export, read back


def _export(client: Any, lang: str) -> str:
    client.get(f"/admin/?lang={lang}")
    response = client.get("/admin/residents/export/csv/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_residents_export_imports_back_also_after_excel_resaved_it(app: Any, client: Any, runner: Any,
                                                                        make_resident: Any, tmp_path: Path,
                                                                        lang: str) -> None:
    make_resident("SITI AMINAH", phone="+6281234567890", address="Jl. Raya, No. 5", rt="001", rw="002")
    make_resident("BUDI", birth_date=dt.date(1990, 1, 2), sex="L", desa="35.10.01.2002",
                  status=KtpStatus.PRINTED, kk_number="3510010101090009")
    make_resident("KARTIKA", birth_date=dt.date(2001, 4, 5), desa="35.10.02.2001", status=KtpStatus.DUPLICATE)
    make_resident("PINDAH", birth_date=dt.date(1970, 6, 7), sex="L", departure="moved_out",
                  departed_on=dt.date(2016, 8, 1), departure_note="Denpasar, Bali")
    make_resident("ALMARHUMAH", birth_date=dt.date(1940, 6, 7), departure="deceased",
                  departed_on=dt.date(2016, 9, 2), departure_visit_id=3)
    login(client, "admin")
    exported = _export(client, lang)
    direct = tmp_path / "penduduk.csv"
    direct.write_text(exported, encoding="utf-8")
    result = run(runner, "import-residents", str(direct), "--lang", "en")
    assert "Imported: 0 residents added, 0 updated, 5 unchanged." in result.output, result.output
    assert "Columns not used by the import (ignored):" in result.output
    # Excel on an Indonesian Windows: opened, saved as CSV -> semicolons, Windows-1252.
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    resaved = tmp_path / "penduduk-excel.csv"
    with resaved.open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    result = run(runner, "import-residents", str(resaved), "--lang", "en")
    assert "Imported: 0 residents added, 0 updated, 5 unchanged." in result.output, result.output
    # And into an empty database: the same residents again.
    with app.app_context():
        models.db.session.execute(sa.delete(StatusChange))
        models.db.session.execute(sa.delete(AuditEntry))
        models.db.session.execute(sa.delete(Resident))
        models.db.session.commit()
    result = run(runner, "import-residents", str(resaved), "--lang", "en")
    assert "Imported: 5 residents added" in result.output, result.output
    assert "Departures: 2 residents marked deceased or moved out, 0 back on the list." in result.output
    found = {r.name: r for r in residents(app).values()}
    assert found["SITI AMINAH"].phone == "+6281234567890" and found["SITI AMINAH"].rt == "001"
    assert found["BUDI"].ktp_status == "printed" and found["KARTIKA"].ktp_status == "duplicate"
    assert (found["PINDAH"].departure, found["PINDAH"].departed_on, found["PINDAH"].departure_note) == (
        "moved_out", dt.date(2016, 8, 1), "Denpasar, Bali")
    assert (found["ALMARHUMAH"].departure, found["ALMARHUMAH"].departed_on) == ("deceased", dt.date(2016, 9, 2))
    assert found["SITI AMINAH"].departure is None


def test_the_residents_xlsx_export_imports_back(app: Any, client: Any, runner: Any, make_resident: Any,
                                                 tmp_path: Path) -> None:
    make_resident("SITI AMINAH", phone="+6281234567890", rt="001")
    make_resident("PINDAH", birth_date=dt.date(1970, 6, 7), sex="L", departure="moved_out",
                  departed_on=dt.date(2016, 8, 1), departure_note="Denpasar")
    login(client, "admin")
    client.get("/admin/?lang=id")
    response = client.get("/admin/residents/export/xlsx/")
    assert response.status_code == 200
    path = tmp_path / "penduduk.xlsx"
    path.write_bytes(response.get_data())
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert "Imported: 0 residents added, 0 updated, 2 unchanged." in result.output, result.output


# ---------------------------------------------------------------------- status sync


def _set_statuses(app: Any, statuses: dict[str, str], on: dt.date = dt.date(2016, 9, 1)) -> None:
    with app.app_context():
        for nik, status in statuses.items():
            models.db.session.execute(sa.update(Resident).where(Resident.nik == nik).values(
                ktp_status=status, ktp_status_changed_on=on))
        # Written straight in SQL, past the ORM flush that keeps the counters: count again,
        # as `flask ektp counters --rebuild` would after such a change.
        counters.rebuild(models.db.session.connection())
        models.db.session.commit()


@pytest.fixture
def pipeline(app: Any, runner: Any) -> Any:
    """The four SIAK residents: one recorded, three sent for enrolment."""
    assert run(runner, "import-residents", str(DATA / "residents_siak_en.csv")).exit_code == 0
    _set_statuses(app, dict(zip(SIAK_NIKS, ["recorded", "sent", "sent", "sent"])))
    return app


def test_status_sync_moves_each_resident_through_the_pipeline_with_dated_history(pipeline: Any, runner: Any) -> None:
    app = pipeline
    before = {nik: r.version for nik, r in residents(app).items()}
    result = run(runner, "import-statuses", str(DATA / "statuses.csv"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Imported: 4 status changes" in result.output
    found = residents(app)
    assert [found[n].ktp_status for n in SIAK_NIKS] == ["sent", "print_ready", "duplicate", "enrol_failed"]
    assert found[SIAK_NIKS[1]].ktp_status_changed_on == dt.date(2016, 9, 6)
    assert all(found[n].version == before[n] + 1 for n in SIAK_NIKS)
    with app.app_context():
        history = models.db.session.execute(
            sa.select(StatusChange.old_status, StatusChange.new_status, StatusChange.changed_on)
            .join(Resident).where(Resident.nik == SIAK_NIKS[0])).all()
    assert history == [("recorded", "sent", dt.date(2016, 9, 5))]
    assert audits(app)[-1]["moved"] == 4 and audits(app)[-1]["table"] == "ektp_status_change"
    again = run(runner, "import-statuses", str(DATA / "statuses.csv"), "--lang", "en")
    assert "Imported: 0 status changes, 4 residents already had that status." in again.output


def test_status_sync_reads_xlsx_with_dates_and_numbers_as_excel_keeps_them(pipeline: Any, runner: Any) -> None:
    app = pipeline
    result = run(runner, "import-statuses", str(DATA / "statuses.xlsx"), "--lang", "en")
    assert result.exit_code == 0, result.output
    found = residents(app)
    assert (found[SIAK_NIKS[0]].ktp_status, found[SIAK_NIKS[0]].ktp_status_changed_on) == ("sent", dt.date(2016, 9, 5))
    assert found[SIAK_NIKS[1]].ktp_status == "print_ready"


def test_an_illegal_move_is_a_reported_row_not_an_overwrite(pipeline: Any, runner: Any, tmp_path: Path) -> None:
    app = pipeline
    run(runner, "import-statuses", str(DATA / "statuses.csv"))
    before = {nik: r.ktp_status for nik, r in residents(app).items()}
    report_path = tmp_path / "r.csv"
    result = run(runner, "import-statuses", str(DATA / "statuses_bad.csv"), "--lang", "en", "--report",
                 str(report_path))
    assert result.exit_code == 1
    assert {nik: r.ktp_status for nik, r in residents(app).items()} == before
    rows = report(report_path)
    by_line: dict[str, list[str]] = {}
    for line, column, nik, kind, reason in rows:
        by_line.setdefault(line, []).append(reason)
    assert any("cannot go from Sent for enrolment (SFE) to Printed" in r for r in by_line["2"]), by_line["2"]
    assert by_line["3"] == ["No resident has this NIK."]
    assert any("set by the visit logs" in r for r in by_line["4"])
    assert any("is not a known KTP-el status" in r for r in by_line["5"])
    assert any("in the future" in r for r in by_line["6"])
    assert any("before the resident's last status change (07-09-2016)" in r for r in by_line["7"])
    assert any("capture must be redone" in r for r in by_line["7"])
    assert any("also on line(s) 4" in r for r in by_line["8"])


def test_status_sync_partial_applies_the_legal_moves(pipeline: Any, runner: Any, tmp_path: Path) -> None:
    app = pipeline
    path = tmp_path / "mixed.csv"
    path.write_text(f"NIK;Status;Tanggal\n{SIAK_NIKS[0]};Sudah dicetak;05-09-2016\n{SIAK_NIKS[1]};PRR;06-09-2016\n",
                    encoding="utf-8")
    assert run(runner, "import-statuses", str(path)).exit_code == 1
    assert residents(app)[SIAK_NIKS[1]].ktp_status == "sent"
    result = run(runner, "import-statuses", str(path), "--partial", "--lang", "en")
    assert "Imported: 1 status changes" in result.output, result.output
    found = residents(app)
    assert (found[SIAK_NIKS[0]].ktp_status, found[SIAK_NIKS[1]].ktp_status) == ("recorded", "print_ready")


def test_a_dup_resident_is_not_counted_as_recorded_until_resolved(pipeline: Any, runner: Any) -> None:
    app = pipeline
    with app.app_context():
        campaign = models.Campaign(name="September", start_date=dt.date(2016, 9, 1),
                                   target_date=dt.date(2016, 9, 30), scope_code="35.10")
        visit = models.Visit(day=dt.date(2016, 9, 2), start_time=dt.time(8), end_time=dt.time(12), state="done",
                             kind="office", kecamatan_code=KEC_A)
        models.db.session.add_all([campaign, visit])
        models.db.session.flush()
        third = models.db.session.execute(sa.select(Resident).where(Resident.nik == SIAK_NIKS[2])).scalar_one()
        models.db.session.add(models.VisitResult(visit_id=visit.id, resident_id=third.id, result="recorded",
                                                 counted_resident_id=third.id))
        models.db.session.commit()
        campaign_id = campaign.id

    def counts() -> tuple[int, int, int]:
        with app.app_context():
            session = models.db.session
            totals = queries.outstanding_totals(session, None, REFERENCE_DATE)
            direct = session.execute(sa.select(sa.func.count()).select_from(Resident).where(
                queries.wajib_clause(REFERENCE_DATE),
                Resident.ktp_status.notin_(["not_recorded", "enrol_failed", "duplicate"]))).scalar_one()
            campaign = session.get(models.Campaign, campaign_id)
            return totals.recorded, direct, queries.recorded_in_campaign(session, campaign)

    recorded, direct, in_campaign = counts()
    assert (recorded, in_campaign) == (direct, 1) and recorded == 4
    run(runner, "import-statuses", str(DATA / "statuses.csv"))  # the third becomes DUP, the fourth EFAC
    recorded, direct, in_campaign = counts()
    assert (recorded, in_campaign) == (direct, 0) and recorded == 2
    with app.app_context():  # the deletion request was processed: DUP -> SFE
        resolved = models.db.session.execute(sa.select(Resident).where(Resident.nik == SIAK_NIKS[2])).scalar_one()
        resolved.ktp_status = "sent"  # through the ORM, as the screens change it
        models.db.session.commit()
    recorded, direct, in_campaign = counts()
    assert (recorded, in_campaign) == (direct, 1) and recorded == 3


# ---------------------------------------------------------------------- found by name after an import


def _found(app: Any, search: str) -> set[str]:
    from ektp_admin.queries.residents import resident_search_clause

    with app.app_context():
        return set(models.db.session.execute(sa.select(Resident.nik).where(resident_search_clause(search))).scalars())


def test_imported_residents_are_found_by_surname_also_after_a_first_load_rebuilt_the_indexes(
        app: Any, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first load drops the residents' secondary indexes and builds them again at the
    end (SQLite, PostgreSQL with COPY): the name-search index is there afterwards and
    holds every imported name; a later import's renames move with it."""
    from ektp_admin import search_index
    from ektp_admin.population import importer

    monkeypatch.setattr(importer, "REBUILD_MIN_ROWS", 10)  # the rebuild path at a test's size
    path = tmp_path / "pertama.csv"
    write_residents(str(path), 300, seed=5)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    nik_at, name_at = header.index("NIK"), header.index("Nama")
    assert run(runner, "import-residents", str(path), "--lang", "en").exit_code == 0
    with app.app_context(), models.db.engine.connect() as conn:
        assert search_index.present(conn)
    for row in body[:25]:
        surname = row[name_at].split()[-1]
        with_it = {r[nik_at] for r in body if any(w.startswith(surname) for w in r[name_at].split())}
        assert _found(app, surname) == with_it, surname
        assert row[nik_at] in _found(app, f"{surname.lower()} {row[name_at].split()[0][:3]}")
    # a second import renames one resident: found by the new surname, no longer by the old
    old_surname = body[0][name_at].split()[-1]
    body[0][name_at] = "ZAINAL MUSTOFA"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    assert run(runner, "import-residents", str(path), "--lang", "en").exit_code == 0
    assert _found(app, "MUSTOFA") == {body[0][nik_at]}
    assert body[0][nik_at] not in _found(app, old_surname)


# ---------------------------------------------------------------------- killed halfway


def _portal_env(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EKTP_ADMIN_", "FLASK_")) and k != "DATABASE_URL"}
    env.update(DATABASE_URL=database_url, EKTP_ADMIN_INSTANCE=str(folder / "instance"), SECRET_KEY="kill-test",
               EKTP_ADMIN_REFERENCE_DATE="2016-09-21", PYTHONUNBUFFERED="1")
    return env


def _left_behind(folder: Path, within: float = 30) -> list[int]:
    """Processes still running with the killed import's environment (its checking
    process), after waiting ``within`` seconds for them to notice and end."""
    mark = f"EKTP_ADMIN_INSTANCE={folder / 'instance'}".encode()
    deadline = time.monotonic() + within
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and mark in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _indexes(app: Any) -> set[str]:
    with app.app_context():
        return {ix["name"] for ix in sa.inspect(models.db.engine).get_indexes("ektp_resident")}


@pytest.mark.slow
def test_an_import_killed_halfway_through_writing_leaves_the_database_as_it_was(
        app: Any, database_url: str, tmp_path: Path) -> None:
    # An empty residents table: the first load, where SQLite and PostgreSQL rebuild the indexes at the end.
    before, indexes = count(app, Resident), _indexes(app)
    assert before == 0 and len(indexes) > 5
    path = tmp_path / "besar.csv"
    write_residents(str(path), 60_000, seed=11)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "ektp", "import-residents", str(path), "--lang", "en"]
    process = subprocess.Popen(command, cwd=ROOT, env=_portal_env(database_url, tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    killed = False
    deadline = time.monotonic() + 240
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line.rstrip())
        written = re.match(r"\s*Checking and writing rows: ([\d,]+) / ([\d,]+)", line)
        # Killed once rows are in the open transaction and before the last is: how far
        # it got depends on the machine's speed (progress lines are throttled by time).
        if written and 0 < int(written[1].replace(",", "")) < int(written[2].replace(",", "")):
            os.kill(process.pid, signal.SIGKILL)
            killed = True
            break
        if time.monotonic() > deadline:
            break
    process.wait(timeout=60)
    process.stdout.close()
    assert killed, "never saw the write phase halfway:\n" + "\n".join(seen[-20:])
    assert process.returncode == -signal.SIGKILL
    assert count(app, Resident) == before, "a killed import wrote nothing"
    assert _left_behind(tmp_path) == [], "the checking process ends with the import"
    assert count(app, AuditEntry, AuditEntry.action == "import") == 0
    assert _indexes(app) == indexes, "indexes dropped for the load came back with the rollback"
    with app.app_context():
        if models.db.engine.dialect.name == "sqlite":
            assert models.db.session.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_the_report_never_hands_a_spreadsheet_a_formula(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "jahat.csv"
    path.write_text('NIK,Nama,JK,Tgl Lahir,Desa\n3510011705800001,A,"=HYPERLINK(""http://x"")",17-05-1980,Sarongan\n',
                    encoding="utf-8")
    report_path = tmp_path / "r.csv"
    run(runner, "import-residents", str(path), "--lang", "en", "--report", str(report_path))
    (row,) = report(report_path)
    assert row[4].startswith("'=HYPERLINK"), row


# ---------------------------------------------------------------------- checking beside writing


def _write_calls(monkeypatch: pytest.MonkeyPatch, fail_at: int | None = None) -> list[int]:
    """Count the import's insert batches; with ``fail_at``, that batch fails as a full disk
    would. Each entry: the residents the import's own transaction held before the batch."""
    from ektp_admin.population.bulk import BulkInsert

    seen: list[int] = []
    original = BulkInsert.execute

    def execute(self: Any, rows: Any) -> None:
        seen.append(self.conn.execute(sa.select(sa.func.count()).select_from(Resident)).scalar_one())
        if len(seen) == fail_at:
            raise OSError("No space left on device")
        original(self, rows)

    monkeypatch.setattr(BulkInsert, "execute", execute)
    return seen


@pytest.mark.parametrize("where", ["writing", "checking"])
def test_a_fatal_error_in_a_late_batch_rolls_back_every_batch_written_before_it(
        app: Any, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    from ektp_admin.population import checking, importer
    from ektp_admin.population.rows import ResidentRows

    monkeypatch.setattr(checking, "BATCH", 100)
    monkeypatch.setattr(importer, "REBUILD_MIN_ROWS", 10)  # the first load drops indexes: they must come back
    indexes = _indexes(app)
    path = tmp_path / "besar.csv"
    write_residents(str(path), 700, seed=3)
    seen = _write_calls(monkeypatch, fail_at=5 if where == "writing" else None)
    if where == "checking":  # a bug of ours in the checker, at the file's line 600
        original = ResidentRows.check
        calls = iter(range(1, 10_000))

        def check(self: Any, cells: Any) -> Any:
            if next(calls) == 599:
                raise KeyError("a bug")
            return original(self, cells)

        monkeypatch.setattr(ResidentRows, "check", check)
    result = run(runner, "import-residents", str(path), "--lang", "en")
    assert result.exit_code == 1
    assert "The import stopped with an error and wrote nothing" in result.output, result.output
    assert ("OSError: No space left on device" if where == "writing" else "KeyError: 'a bug'") in result.output
    assert seen[:5] == [0, 100, 200, 300, 400], "batches were written before the error, in the one transaction"
    assert count(app, Resident) == 0 and count(app, StatusChange) == 0
    assert _indexes(app) == indexes
    assert [(a["state"], a["added"]) for a in audits(app)] == [("failed", 0)]


def test_a_checking_process_that_dies_is_reported_not_waited_for(
        app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The out-of-memory killer (here: SIGKILL) takes the checking process while the
    importer writes: the import fails with a sentence, writes nothing and does not hang."""
    import threading

    from ektp_admin.population import checking
    from ektp_admin.population.importer import FAILED, ImportRequest, import_residents

    monkeypatch.setattr(checking, "PROCESS_MIN_LINES", 0)  # a process even for a test's file
    path = tmp_path / "besar.csv"
    write_residents(str(path), 30_000, seed=4)
    killed: list[int] = []

    def sink(phase: str, done: int, total: int | None) -> None:
        if phase == "checking_writing" and done and not killed:
            children = [c for task in Path(f"/proc/{os.getpid()}/task").iterdir()
                        for c in (task / "children").read_text().split()]
            (worker,) = [int(c) for c in children
                         if b"ektp_admin.population.checking" in Path(f"/proc/{c}/cmdline").read_bytes()]
            os.kill(worker, signal.SIGKILL)
            killed.append(done)

    outcomes: list[Any] = []
    with app.app_context():
        engine = models.db.engine
        request = ImportRequest(str(path), path.name, username="tester", reference_date=REFERENCE_DATE)
        thread = threading.Thread(target=lambda: outcomes.append(
            import_residents(engine, request, str(tmp_path / "job"), sink)))
        thread.start()
        thread.join(timeout=180)
    assert not thread.is_alive(), "the import waits for a checker that is gone"
    assert killed and killed[0] < 30_000
    (outcome,) = outcomes
    assert outcome.state == FAILED
    assert "the checking process ended without finishing (exit code -9)" in str(outcome.file_problems[0])
    assert count(app, Resident) == 0
    assert [a["state"] for a in audits(app)] == ["failed"]
