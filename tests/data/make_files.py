#!/usr/bin/env python
"""Writes the small population files the import tests read (kept in the repository).

    python tests/data/make_files.py

Each file is what an office really hands over: a SIAK extract in English or
Indonesian column names, an export of our residents list re-saved by Excel on
an Indonesian Windows (semicolons, Windows-1252), an XLSX, a file with every
kind of bad row, status files. NIKs agree with birth date and sex unless a row
is meant to be bad. Re-run after changing this script; the tests name rows by
their NIKs and lines.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent


def nik(kecamatan: str, birth: dt.date, sex: str, serial: int) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{birth:%m}{birth.year % 100:02d}{serial:04d}"


def write(name: str, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
          bom: bool = False, lineterminator: str = "\r\n") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    (HERE / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


B = dt.date
# A SIAK extract: English names, ISO dates, comma, UTF-8, a quoted address with a comma and a line break.
SIAK_EN = [
    ["NIK", "KK number", "Name", "Sex", "Birth place", "Birth date", "Marital status", "Citizenship", "Desa code",
     "Address", "RT", "RW", "Phone"],
    [nik("35.10.01", B(1975, 3, 2), "L", 101), "3510010101090001", "AHMAD SUBAGYO", "L", "BANYUWANGI", "1975-03-02",
     "Kawin", "WNI", "35.10.01.2001", "Dusun Krajan, Jl. Mawar 3", "001", "002", "081234567890"],
    [nik("35.10.01", B(1978, 11, 23), "P", 102), "3510010101090001", "SITI JUMA’ATI", "P", "JEMBER", "1978-11-23",
     "Kawin", "WNI", "35.10.01.2001", "Dusun Krajan\nRumah ke-2 dari masjid", "001", "002", ""],
    [nik("35.10.01", B(1999, 1, 15), "L", 103), "3510010101090001", "RIZKI PRATAMA", "L", "BANYUWANGI",
     "1999-01-15", "Belum kawin", "WNI", "35.10.01.2002", "Jl. Pantai 12", "003", "001", ""],
    [nik("35.10.02", B(1950, 7, 4), "P", 104), "3510020202090002", "MBOK SUMINAH", "P", "BANYUWANGI", "1950-07-04",
     "Cerai mati", "WNI", "35.10.02.2001", "Dusun Sukorejo", "002", "001", ""],
]
# The same people as an Indonesian-office file: Indonesian names in another order, DD-MM-YYYY,
# desa by name with the kecamatan code, semicolons, UTF-8 with BOM.
SIAK_ID = [
    ["Nama", "NIK", "Tanggal lahir", "Jenis kelamin", "Kode kecamatan", "Desa/Kelurahan", "Tempat lahir",
     "Nomor KK", "Alamat", "RT", "RW", "Keterangan tambahan"],
    ["DEWI ANGGRAENI", nik("35.10.03", B(1988, 8, 17), "P", 201), "17-08-1988", "Perempuan", "35.10.03",
     "Grajagan", "BANYUWANGI", "3510030303090003", "Dusun Pancer; RT 1", "1", "1", "pindahan"],
    ["BAMBANG SUTEJO", nik("35.10.03", B(1969, 12, 31), "L", 202), "31-12-1969", "Laki-laki", "35.10.03",
     "Sumberasri", "SURABAYA", "3510030303090004", "Jl. Raya Sumberasri 9", "004", "002", ""],
    ["KARTINI", nik("35.10.02", B(2000, 2, 29), "P", 203), "29-02-2000", "P", "35.10.02", "Sambirejo",
     "BANYUWANGI", "", "", "", "", ""],
]
# Every kind of bad row (line numbers in comments are the file's lines; the header is line 1).
OK = nik("35.10.01", B(1980, 5, 17), "L", 301)
BAD = [
    ["NIK", "Nama", "Jenis kelamin", "Tanggal lahir", "Kode desa", "Nomor KK", "RT", "Telepon", "Status perkawinan"],
    [OK, "BUDI SANTOSO", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],                 # 2 good
    ["", "TANPA NIK", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],                    # 3 NIK empty
    ["35100117058A0302", "NIK HURUF", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],    # 4 NIK letters
    ["351001170580030", "NIK PENDEK", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],    # 5 NIK 15 digits
    ["3510013205800304", "TANGGAL NIK", "L", "32-05-1980", "35.10.01.2001", "", "", "", ""],  # 6 NIK day 32 (+ bad date)
    ["3510011705800000", "URUT NOL", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],     # 7 NIK serial 0000
    [nik("35.10.01", B(1980, 5, 18), "L", 306), "BEDA TANGGAL", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],  # 8
    [nik("35.10.01", B(1980, 5, 17), "L", 307), "BEDA KELAMIN", "P", "17-05-1980", "35.10.01.2001", "", "", "", ""],  # 9
    [nik("35.10.01", B(1980, 5, 17), "L", 308), "TANGGAL ANEH", "L", "17/05/80", "35.10.01.2001", "", "", "", ""],  # 10
    [nik("35.10.01", B(2099, 5, 17), "L", 309), "BELUM LAHIR", "L", "17-05-2099", "35.10.01.2001", "", "", "", ""],  # 11
    [nik("35.10.01", B(1980, 5, 17), "L", 310), "DESA ASING", "L", "17-05-1980", "35.10.99.9999", "", "", "", ""],  # 12
    [nik("35.10.01", B(1980, 5, 17), "L", 311), "", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],  # 13 no name
    [nik("35.10.01", B(1980, 5, 17), "L", 312), "KELAMIN X", "X", "17-05-1980", "35.10.01.2001", "", "", "", ""],  # 14
    [nik("35.10.01", B(1980, 5, 17), "L", 313), "KK SALAH", "L", "17-05-1980", "35.10.01.2001", "12345", "", "", ""],  # 15
    [nik("35.10.01", B(1980, 5, 17), "L", 314), "RT SALAH", "L", "17-05-1980", "35.10.01.2001", "", "RT1", "", ""],  # 16
    [nik("35.10.01", B(1980, 5, 17), "L", 315), "HP SALAH", "L", "17-05-1980", "35.10.01.2001", "", "", "0812", ""],  # 17
    [nik("35.10.01", B(1980, 5, 17), "L", 316), "KAWIN ?", "L", "17-05-1980", "35.10.01.2001", "", "", "", "siri?"],  # 18
    [OK, "BUDI KEMBAR", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],                 # 19 duplicate of line 2
    ["3510001705800319", "KECAMATAN NOL", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],  # 20 warning: kec 00
    ["3510991705800320", "KODE LAMA", "L", "17-05-1980", "35.10.01.2001", "", "", "", ""],      # 21 warning: old code
    [nik("35.10.01", B(1899, 5, 17), "L", 321), "TERLALU TUA", "L", "17-05-1899", "35.10.01.2001", "", "", "", ""],  # 22
]
STATUSES = [
    ["NIK", "Status", "Tanggal"],
]


def export_layout() -> None:
    """An export of the residents list (Indonesian screen), as Excel re-saves it:
    semicolons, Windows-1252, the formula guard on a phone number kept."""
    rows = [
        ["NIK", "Nomor KK", "Nama", "Jenis kelamin", "Tempat lahir", "Tanggal lahir", "Umur", "Kode kecamatan",
         "Desa/Kelurahan", "Alamat", "RT", "RW", "Telepon", "Status KTP-el", "Kondisi khusus"],
        [nik("35.10.04", B(1960, 4, 21), "P", 401), "3510040404090005", "NYOMAN SRI RÉJEKI", "Perempuan",
         "DENPASAR", "21-04-1960", "56", "35.10.04", "Tegaldlimo", "Dusun Krajan", "002", "001", "'+6281333444555",
         "Sudah rekam", "lansia"],
        [nik("35.10.04", B(1995, 10, 1), "L", 402), "3510040404090005", "I MADE WIRAWAN", "Laki-laki", "BANYUWANGI",
         "01-10-1995", "20", "35.10.04", "Tegaldlimo", "Dusun Krajan", "002", "001", "", "Belum rekam", ""],
    ]
    write("residents_export_excel_cp1252.csv", rows, delimiter=";", encoding="cp1252")


def xlsx() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Penduduk"
    sheet.append(["NIK", "Nama", "JK", "Tgl Lahir", "Kode Desa", "RT", "RW", "Alamat"])
    sheet.append([nik("35.10.05", B(1985, 6, 9), "L", 501), "HERU PRASETYO", "L", dt.datetime(1985, 6, 9),
                  "35.10.05.2001", 3, 1, "Jl. Melati 1"])
    sheet.append([nik("35.10.05", B(1990, 1, 30), "P", 502), "ENDANG WAHYUNI", "P", "1990-01-30",
                  "3510052001", 3, 1, None])
    sheet.append([None, None, None, None, None, None, None, None])  # a blank row in the middle
    sheet.append([nik("35.10.05", B(2001, 12, 5), "P", 503), "NUR HALIZA", "Perempuan", "05-12-2001",
                  "35.10.05.2001", 12, 4, "Jl. Melati 7"])
    workbook.save(HERE / "residents.xlsx")


def departures() -> None:
    """Residents who died or moved away, as a SIAK mutation extract names them (for the
    residents of residents_siak_en.csv), the same with every kind of bad departure, and a
    later file that brings one of them back (English column names, as our export writes them)."""
    ahmad, siti, rizki, suminah = SIAK_EN[1:]
    head = ["NIK", "Nama", "Jenis kelamin", "Tanggal lahir", "Kode desa", "Meninggal/Pindah",
            "Tanggal meninggal/pindah", "Keterangan mutasi"]
    rows = [
        head,
        [ahmad[0], ahmad[2], "L", "02-03-1975", ahmad[8], "Meninggal dunia", "03-09-2016",
         "Akta kematian 3510-KM-09092016-0031"],                                          # 2 deceased
        [siti[0], siti[2], "P", "23-11-1978", siti[8], "Pindah", "2016-08-15", "Kota Surabaya, Jawa Timur"],  # 3
        [rizki[0], rizki[2], "L", "15-01-1999", rizki[8], "", "", ""],                    # 4 lives here
        [suminah[0], suminah[2], "P", "04-07-1950", suminah[8], "Wafat", "10-09-2016", ""],  # 5 deceased, no note
    ]
    write("residents_departures.csv", rows, delimiter=";")
    born = B(1980, 5, 17)
    bad = [
        ["NIK", "Name", "Sex", "Birth date", "Desa code", "Departure", "Departure date", "Destination"],
        [nik("35.10.01", born, "L", 601), "GOOD MOVE", "L", "17-05-1980", "35.10.01.2001", "Moved out", "01-09-2016",
         "Denpasar"],                                                                     # 2 good
        [nik("35.10.01", born, "L", 602), "NO DESTINATION", "L", "17-05-1980", "35.10.01.2001", "Moved out",
         "01-09-2016", ""],                                                               # 3 where to?
        [nik("35.10.01", born, "L", 603), "NO DATE", "L", "17-05-1980", "35.10.01.2001", "Deceased", "",
         "Kepala desa"],                                                                  # 4 when?
        [nik("35.10.01", born, "L", 604), "FUTURE", "L", "17-05-1980", "35.10.01.2001", "Deceased", "01-12-2016",
         "Kepala desa"],                                                                  # 5 after today
        [nik("35.10.01", born, "L", 605), "UNKNOWN", "L", "17-05-1980", "35.10.01.2001", "hilang", "", ""],  # 6
        [nik("35.10.01", born, "L", 606), "NO SUCH DAY", "L", "17-05-1980", "35.10.01.2001", "Deceased",
         "31-02-2016", "Kepala desa"],                                                    # 7 not a date
        [nik("35.10.01", born, "L", 607), "DATE ALONE", "L", "17-05-1980", "35.10.01.2001", "", "01-09-2016",
         ""],                                                                             # 8 date, no departure
        [nik("35.10.01", born, "L", 608), "BEFORE BIRTH", "L", "17-05-1980", "35.10.01.2001", "Deceased",
         "01-01-1970", "Kepala desa"],                                                    # 9 before birth
        [nik("35.10.01", born, "L", 609), "WHERE ALONE", "L", "17-05-1980", "35.10.01.2001", "", "",
         "Surabaya"],                                                                     # 10 destination, no departure
    ]
    write("residents_departures_bad.csv", bad)
    back = [
        ["NIK", "Name", "Sex", "Birth date", "Desa code", "Left for good", "Left on"],
        [ahmad[0], ahmad[2], "Male", "1975-03-02", ahmad[8], "Deceased", "03-09-2016"],   # 2 as stored
        [siti[0], siti[2], "Female", "1978-11-23", siti[8], "Returned", ""],              # 3 she came back
    ]
    write("residents_departures_returned.csv", back)


def statuses() -> None:
    """Status rows for the residents of residents_siak_en.csv (the tests give them statuses first)."""
    first, second, third, fourth = (row[0] for row in SIAK_EN[1:])
    rows = [
        ["NIK", "Status", "Tanggal"],
        [first, "SFE", "05-09-2016"],            # recorded -> SFE
        [second, "PRR", "2016-09-06"],           # SFE -> PRR
        [third, "DUP", "07-09-2016"],            # SFE -> DUP
        [fourth, "EFAC", "07-09-2016"],          # SFE -> EFAC
    ]
    write("statuses.csv", rows, delimiter=";")
    bad = [
        ["Tanggal", "NIK", "Status KTP-el"],
        ["05-09-2016", first, "Sudah dicetak"],      # 2 recorded -> printed: not allowed
        ["05-09-2016", "3510010101750999", "SFE"],   # 3 nobody has this NIK
        ["05-09-2016", second, "Sudah rekam"],       # 4 "recorded" is for visit logs
        ["05-09-2016", third, "hilang"],             # 5 unknown status
        ["05-09-2099", fourth, "SFE"],               # 6 date in the future
        ["01-01-2010", fourth, "SFE"],               # 7 before the last change (and duplicate of 6)
        ["31-02-2016", second, "SFE"],               # 8 no such date (and duplicate of 4)
    ]
    write("statuses_bad.csv", bad)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tgl Status", "Status KTP-el", "NIK"])
    sheet.append([dt.datetime(2016, 9, 5), "Dikirim untuk enrolmen (SFE)", int(first)])  # NIK typed as a number
    sheet.append(["06-09-2016", "Siap cetak (PRR)", second])
    workbook.save(HERE / "statuses.xlsx")


if __name__ == "__main__":
    write("residents_siak_en.csv", SIAK_EN)
    write("residents_id_semicolon_bom.csv", SIAK_ID, delimiter=";", bom=True)
    write("residents_bad_rows.csv", BAD)
    export_layout()
    xlsx()
    departures()
    statuses()
    print("written to", HERE)
