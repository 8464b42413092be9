"""The words offices use for columns and values, in Indonesian and English.

Column names and values are compared after :func:`fold` (case, spaces and
punctuation do not matter: ``No. KK``, ``no_kk`` and ``NO KK`` are the same).
Besides the names written here, every column label and every value label the
plugin itself shows (its msgids and their translations in the shipped
catalogues) is accepted, so a file exported from the residents list - in
either language - is read back.

No Flask here: the catalogues are read with Babel directly.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Iterable

from ..domain.enums import Citizenship, Departure, KtpStatus, MaritalStatus, Sex

_NOT_WORD = re.compile(r"[^0-9a-z]+")
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


def fold(text: object) -> str:
    """``"No. KK "`` -> ``"no kk"``: what two spellings of one name have in common."""
    return _NOT_WORD.sub(" ", str(text or "").casefold()).strip()


@lru_cache(maxsize=1)
def _catalogues() -> tuple[dict[str, str], ...]:
    """msgid -> msgstr of every shipped catalogue of the plugin's own domain."""
    from babel.messages.mofile import read_mo

    found = []
    if os.path.isdir(TRANSLATIONS_DIR):
        for locale in sorted(os.listdir(TRANSLATIONS_DIR)):
            path = os.path.join(TRANSLATIONS_DIR, locale, "LC_MESSAGES", "ektp_admin.mo")
            if not os.path.exists(path):
                continue
            with open(path, "rb") as fh:
                catalogue = read_mo(fh)
            found.append({m.id: m.string for m in catalogue if isinstance(m.id, str) and isinstance(m.string, str)})
    return tuple(found)


def spellings(msgid: str) -> set[str]:
    """The msgid and its translations, folded."""
    names = {fold(msgid)}
    for catalogue in _catalogues():
        if catalogue.get(msgid):
            names.add(fold(catalogue[msgid]))
    return names


# ---------------------------------------------------------------------- columns

#: field -> (label msgids the plugin shows for it, other names offices use)
RESIDENT_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nik": (("NIK",), ("Nomor Induk Kependudukan", "No NIK", "Nomor NIK")),
    "kk_number": (("KK number",), ("No KK", "Nomor Kartu Keluarga", "No Kartu Keluarga", "KK", "Family card number",
                                   "Family card")),
    "name": (("Name",), ("Nama Lengkap", "Nama Penduduk", "Full name")),
    "sex": (("Sex",), ("JK", "L/P", "L P", "Gender", "Kelamin", "Jenis Kel")),
    "birth_place": (("Birth place",), ("Tmp Lahir", "Tempat Lhr", "Place of birth")),
    "birth_date": (("Birth date",), ("Tgl Lahir", "Tanggal Lhr", "Tgl Lhr", "Date of birth", "DOB")),
    "marital_status": (("Marital status",), ("Status Kawin", "Stat Kawin", "Perkawinan")),
    "citizenship": (("Citizenship",), ("WNI/WNA", "Warga Negara", "Nationality")),
    "desa_code": ((), ("Desa code", "Kode Desa", "Kode Kelurahan", "Kode Desa/Kelurahan", "Kode Desa Kelurahan",
                       "Kode Wilayah", "Village code")),
    "desa_name": (("Desa/Kelurahan",), ("Desa", "Kelurahan", "Nama Desa", "Nama Kelurahan", "Village")),
    "kecamatan_code": (("Kecamatan code",), ("Kode Kec",)),
    "kecamatan_name": (("Kecamatan",), ("Nama Kecamatan", "Kec", "District")),
    "address": (("Address",), ("Alamat Lengkap", "Jalan")),
    "rt": (("RT",), ("No RT",)),
    "rw": (("RW",), ("No RW",)),
    "phone": (("Phone",), ("No HP", "Nomor HP", "HP", "Telp", "No Telp", "Nomor Telepon", "Phone number")),
    "disabled": (("Disabled",), ("Disabilitas", "Difabel")),
    "disability_note": (("Disability",), ("Keterangan Disabilitas",)),
    "seriously_ill": (("Seriously ill",), ("Sakit",)),
    "away": (("Away (migrant worker)",), ("Merantau", "Away", "Pekerja Migran", "TKI")),
    "away_location": (("Away at",), ("Lokasi Rantau", "Tempat Merantau")),
    "away_until": (("Away until",), ("Rantau Sampai",)),
    "ktp_status": (("KTP-el status",), ("Status KTP", "Status e-KTP", "Status KTP el", "Status Perekaman")),
    "notes": (("Notes",), ("Keterangan", "Ket")),
    # Residents who left for good (a SIAK mutation extract, or our own export).
    "departure": (("Left for good",), ("Meninggal/Pindah", "Meninggal atau Pindah", "Mutasi", "Status Mutasi",
                                       "Jenis Mutasi", "Keluar", "Departure", "Deceased/Moved out",
                                       "Died or moved out")),
    "departed_on": (("Left on",), ("Tanggal Meninggal/Pindah", "Tgl Meninggal/Pindah", "Tanggal Mutasi",
                                   "Tgl Mutasi", "Tanggal Keluar", "Tanggal Meninggal", "Tanggal Pindah",
                                   "Departure date", "Date of death or move", "Date left")),
    "departure_note": (("Where to, or how it is known",), ("Tujuan Pindah", "Pindah ke", "Alamat Tujuan",
                                                           "Keterangan Mutasi", "Keterangan Keluar", "Destination",
                                                           "Moved to", "Departure note")),
}

#: The status sync's columns.
STATUS_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nik": (("NIK",), ("Nomor Induk Kependudukan", "No NIK", "Nomor NIK")),
    "status": (("KTP-el status", "Status"), ("Status KTP", "Status e-KTP", "Status KTP el", "Status Perekaman")),
    "date": (("Date", "Status changed on"), ("Tanggal", "Tgl", "Tanggal Status", "Tgl Status", "Status date",
                                            "Changed on", "Tanggal Perubahan", "Per Tanggal")),
}


def column_names(columns: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> dict[str, str]:
    """folded column name -> field."""
    names: dict[str, str] = {}
    for field, (msgids, others) in columns.items():
        for msgid in msgids:
            for name in spellings(msgid):
                names.setdefault(name, field)
        names.setdefault(fold(field), field)
        for other in others:
            names.setdefault(fold(other), field)
    return names


# ---------------------------------------------------------------------- values


def _enum_values(enum_cls: Iterable, extra: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for member in enum_cls:
        values[fold(member.value)] = member.value
        for name in spellings(member.label):
            values.setdefault(name, member.value)
    for name, code in extra.items():
        values.setdefault(fold(name), code)
    return values


@lru_cache(maxsize=1)
def sex_values() -> dict[str, str]:
    return _enum_values(Sex, {"LK": "L", "LAKI": "L", "Laki laki": "L", "Pria": "L", "M": "L",
                              "PR": "P", "Wanita": "P", "F": "P", "W": "P"})


@lru_cache(maxsize=1)
def marital_values() -> dict[str, str]:
    married = MaritalStatus.MARRIED.value
    return _enum_values(MaritalStatus, {
        "BK": "single", "Belum Menikah": "single", "Lajang": "single",
        "K": married, "Menikah": married, "Kawin Tercatat": married, "Kawin Belum Tercatat": married,
        "Kawin Tidak Tercatat": married, "CH": "divorced", "Cerai": "divorced", "CM": "widowed",
        "Janda": "widowed", "Duda": "widowed",
    })


@lru_cache(maxsize=1)
def citizenship_values() -> dict[str, str]:
    return _enum_values(Citizenship, {"WNI": "wni", "Indonesia": "wni", "WNA KITAP": "wna_permanent",
                                      "KITAP": "wna_permanent", "WNA KITAS": "wna_other", "KITAS": "wna_other"})


@lru_cache(maxsize=1)
def status_values() -> dict[str, str]:
    s = KtpStatus
    return _enum_values(KtpStatus, {
        "Belum Rekam": s.NOT_RECORDED.value, "BR": s.NOT_RECORDED.value,
        "Sudah Rekam": s.RECORDED.value, "Rekam": s.RECORDED.value,
        "SFE": s.SENT.value, "Sent": s.SENT.value, "Sent for enrolment": s.SENT.value,
        "PRR": s.PRINT_READY.value, "Print ready": s.PRINT_READY.value, "Siap Cetak": s.PRINT_READY.value,
        "Cetak": s.PRINTED.value, "Tercetak": s.PRINTED.value, "Dicetak": s.PRINTED.value,
        "Diserahkan": s.HANDED_OVER.value, "Terdistribusi": s.HANDED_OVER.value,
        "Handed": s.HANDED_OVER.value,
        "EFAC": s.ENROL_FAILED.value, "Enrol failure": s.ENROL_FAILED.value, "Gagal Enrol": s.ENROL_FAILED.value,
        "DUP": s.DUPLICATE.value, "Duplicate": s.DUPLICATE.value, "Ganda": s.DUPLICATE.value,
        "Duplikat": s.DUPLICATE.value, "Data Ganda": s.DUPLICATE.value,
    })


#: The departure value that clears a stored departure (the resident came back, or it was a mistake).
RETURNED = "returned"


@lru_cache(maxsize=1)
def departure_values() -> dict[str, str]:
    deceased, moved = Departure.DECEASED.value, Departure.MOVED_OUT.value
    values = _enum_values(Departure, {
        "Meninggal": deceased, "Meninggal Dunia": deceased, "Wafat": deceased, "Mati": deceased,
        "Almarhum": deceased, "Almarhumah": deceased, "Died": deceased, "Dead": deceased,
        "Pindah": moved, "Pindah Keluar": moved, "Pindah Domisili": moved, "Moved": moved, "Moved out": moved,
        "Kembali": RETURNED, "Datang Kembali": RETURNED, "Batal Pindah": RETURNED, "Tinggal di sini": RETURNED,
        "Returned": RETURNED, "Lives here": RETURNED,
    })
    for name in spellings("(lives here)"):
        values.setdefault(name, RETURNED)
    return values


YES = frozenset(fold(v) for v in ("ya", "yes", "y", "1", "true", "benar", "v", "x"))
NO = frozenset(fold(v) for v in ("tidak", "no", "n", "0", "false", "t", "salah", "", "-"))
