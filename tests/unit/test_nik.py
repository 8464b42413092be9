"""NIK parsing (structure) and agreement with the resident's birth date and sex."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import Sex  # noqa: E402
from ektp_admin.domain.messages import Message  # noqa: E402
from ektp_admin.domain.nik import NikCheck, NikParts, check_nik_matches, parse_nik  # noqa: E402

REF = date(2025, 6, 1)


def codes(check: NikCheck) -> list[str]:
    return [m.code for m in check.errors]


@pytest.mark.parametrize(
    ("nik", "birth_date", "sex", "serial"),
    [
        ("3510011203900001", date(1990, 3, 12), Sex.MALE, "0001"),
        ("3510015203900002", date(1990, 3, 12), Sex.FEMALE, "0002"),
        ("3510013112009999", date(2000, 12, 31), Sex.MALE, "9999"),  # day 31, serial 9999
        ("3510014101050123", date(2005, 1, 1), Sex.FEMALE, "0123"),  # day 41 = 1st, woman
        ("3510017101050123", date(2005, 1, 31), Sex.FEMALE, "0123"),  # day 71 = 31st, woman
        ("3510010101000001", date(2000, 1, 1), Sex.MALE, "0001"),  # day 01, year 00 -> 2000
        ("3510012902880001", date(1988, 2, 29), Sex.MALE, "0001"),  # leap year
        ("3510016902000001", date(2000, 2, 29), Sex.FEMALE, "0001"),  # 2000 was a leap year
        ("3510012905250001", date(2025, 5, 29), Sex.MALE, "0001"),  # baby born this year
        ("9601011203900001", date(1990, 3, 12), Sex.MALE, "0001"),  # Papua Barat Daya
    ],
)
def test_valid_nik_parts(nik: str, birth_date: date, sex: Sex, serial: str) -> None:
    check = parse_nik(nik, reference_date=REF)
    assert check.errors == []
    assert check.ok is True
    assert check.parts == NikParts(
        province_code=nik[:2],
        regency_code=f"{nik[:2]}.{nik[2:4]}",
        kecamatan_code=f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}",
        birth_date=birth_date,
        sex=sex,
        serial=serial,
    )
    assert check.parts.nik == nik


def test_banyuwangi_codes() -> None:
    parts = parse_nik("3510015203900002", reference_date=REF).parts
    assert parts is not None
    assert (parts.province_code, parts.regency_code, parts.kecamatan_code) == ("35", "35.10", "35.10.01")


def test_surrounding_whitespace_is_ignored() -> None:
    check = parse_nik("  3510011203900001\t\n", reference_date=REF)
    assert check.ok
    assert check.parts is not None and check.parts.nik == "3510011203900001"


@pytest.mark.parametrize(
    ("nik", "expected"),
    [
        ("351001120390001", ["nik_length"]),  # 15 digits
        ("35100112039000011", ["nik_length"]),  # 17 digits
        ("", ["nik_required"]),
        ("   ", ["nik_required"]),
        ("35100112039O0001", ["nik_not_digits", "nik_length"]),  # letter O for zero
        ("3510 0112 0390 0001", ["nik_not_digits"]),  # inner spaces are not stripped
        ("35.10.01.120390.0001", ["nik_not_digits"]),  # nor dots
        ("351001120390000\u0661", ["nik_not_digits", "nik_length"]),  # Arabic-Indic one
        ("3510011203900000", ["nik_serial"]),
        ("0010011203900001", ["nik_province"]),
        ("9910011203900001", ["nik_province"]),  # no province 99
        ("3500011203900001", ["nik_regency"]),
        ("3510001203900001", ["nik_kecamatan"]),
        ("3510000003900001", ["nik_kecamatan", "nik_day"]),
        ("3510010003900001", ["nik_day"]),  # day 00
        ("3510013203900001", ["nik_day"]),  # day 32
        ("3510014003900001", ["nik_day"]),  # day 40
        ("3510017203900001", ["nik_day"]),  # day 72
        ("3510011200900001", ["nik_month"]),
        ("3510011213900001", ["nik_month"]),
        ("3510013102900001", ["nik_date"]),  # 31-02
        ("3510017102900001", ["nik_date"]),  # 31-02, woman
        ("3510013104900001", ["nik_date"]),  # 31-04
        ("3510012902890001", ["nik_date"]),  # 29-02-1989, not a leap year
        ("3510016902890001", ["nik_date"]),  # same, woman
        ("0000000000000000", ["nik_province", "nik_regency", "nik_kecamatan", "nik_day", "nik_month", "nik_serial"]),
    ],
)
def test_invalid_nik_codes(nik: str, expected: list[str]) -> None:
    check = parse_nik(nik, reference_date=REF)
    assert codes(check) == expected
    assert check.parts is None
    assert check.ok is False


@pytest.mark.parametrize(
    ("nik", "text"),
    [
        ("351001120390001", "NIK must have 16 digits, got 15."),
        ("35100112039000011", "NIK must have 16 digits, got 17."),
        ("", "Enter the NIK (16 digits)."),
        ("3510 0112-0390A0001", 'The NIK may contain only the digits 0-9; remove " ", "-", "A".'),
        ("3510011203900000", "The serial number in the NIK (last 4 digits) cannot be 0000."),
        ("0010011203900001", "The NIK starts with 00, which is not a province code."),
        ("3500011203900001", "The regency/city code in the NIK (digits 3-4) cannot be 00."),
        ("3510001203900001", "The kecamatan code in the NIK (digits 5-6) cannot be 00."),
        ("3510013503900001", "The day in the NIK (35) must be 01-31 for men or 41-71 for women."),
        ("3510011213900001", "The month in the NIK (13) must be 01-12."),
        ("3510013102900001", "The birth date in the NIK (31-02-1990) does not exist in the calendar."),
        ("3510016902890001", "The birth date in the NIK (29-02-1989) does not exist in the calendar."),
    ],
)
def test_error_texts(nik: str, text: str) -> None:
    errors = parse_nik(nik, reference_date=REF).errors
    assert [str(m) for m in errors][0] == text


def test_message_params_are_separate_from_text() -> None:
    (message,) = parse_nik("351001120390001", reference_date=REF).errors
    assert message == Message("nik_length", "NIK must have 16 digits, got %(count)s.", {"count": 15})


@pytest.mark.parametrize(
    ("nik", "reference", "birth_date"),
    [
        # YY not after the reference year's YY -> 20YY (as lokal does) ...
        ("3510011203250001", date(2025, 6, 1), date(2025, 3, 12)),
        ("3510011203240001", date(2025, 1, 1), date(2024, 3, 12)),
        ("3510011203000001", date(2025, 1, 1), date(2000, 3, 12)),
        # ... else 19YY
        ("3510011203260001", date(2025, 12, 31), date(1926, 3, 12)),
        ("3510011203990001", date(2025, 1, 1), date(1999, 3, 12)),
        # never in the future: later this year means a century ago
        ("3510011203250001", date(2025, 3, 11), date(1925, 3, 12)),
        ("3510011203250001", date(2025, 3, 12), date(2025, 3, 12)),  # born today
        ("3510011203160001", date(2016, 9, 1), date(2016, 3, 12)),
        ("3510011203160001", date(2016, 3, 1), date(1916, 3, 12)),
    ],
)
def test_century_follows_reference_date(nik: str, reference: date, birth_date: date) -> None:
    parts = parse_nik(nik, reference_date=reference).parts
    assert parts is not None
    assert parts.birth_date == birth_date
    assert parts.birth_date <= reference


def test_century_agrees_with_lokal_when_not_in_future() -> None:
    from lokal import parse_nik as lokal_parse_nik

    reference = date(2025, 6, 1)
    for yy in range(100):
        nik = f"3510010101{yy:02d}0001"
        ours = parse_nik(nik, reference_date=reference).parts
        theirs = lokal_parse_nik(nik, reference_date=reference)
        assert ours is not None and theirs.valid
        assert ours.birth_date.isoformat() == theirs.birth_date


def test_29_february_2000_read_as_1900_is_not_a_date() -> None:
    # Reference 15-01-2000: 29-02-00 would be in the future, and 1900 was no leap year.
    check = parse_nik("3510012902000001", reference_date=date(2000, 1, 15))
    assert codes(check) == ["nik_date"]
    assert str(check.errors[0]) == "The birth date in the NIK (29-02-1900) does not exist in the calendar."


def test_default_reference_is_today() -> None:
    parts = parse_nik("3510011203900001").parts
    assert parts is not None and parts.birth_date == date(1990, 3, 12)


# -- agreement with the resident --------------------------------------------------

MALE_1990 = parse_nik("3510011203900001", reference_date=REF).parts
FEMALE_1990 = parse_nik("3510015203900002", reference_date=REF).parts
OTHER_REGION = parse_nik("3171011203900003", reference_date=REF).parts  # issued in Jakarta


@pytest.mark.parametrize(
    ("parts", "birth_date", "sex", "expected"),
    [
        (MALE_1990, date(1990, 3, 12), Sex.MALE, []),
        (FEMALE_1990, date(1990, 3, 12), Sex.FEMALE, []),
        (OTHER_REGION, date(1990, 3, 12), Sex.MALE, []),  # region of issue never matters
        (MALE_1990, date(1990, 3, 13), Sex.MALE, ["nik_birth_date_mismatch"]),
        (MALE_1990, date(1990, 4, 12), Sex.MALE, ["nik_birth_date_mismatch"]),
        (MALE_1990, date(1991, 3, 12), Sex.MALE, ["nik_birth_date_mismatch"]),
        (MALE_1990, date(1990, 3, 12), Sex.FEMALE, ["nik_sex_mismatch"]),
        (FEMALE_1990, date(1990, 3, 12), Sex.MALE, ["nik_sex_mismatch"]),
        (FEMALE_1990, date(1991, 3, 12), Sex.MALE, ["nik_birth_date_mismatch", "nik_sex_mismatch"]),
        (MALE_1990, None, None, []),  # nothing entered yet
        (MALE_1990, date(1990, 3, 12), "L", []),  # stored code
        (MALE_1990, date(1990, 3, 12), "P", ["nik_sex_mismatch"]),
    ],
)
def test_check_nik_matches(parts: NikParts, birth_date: date | None, sex: Sex | None, expected: list[str]) -> None:
    assert [m.code for m in check_nik_matches(parts, birth_date, sex)] == expected


def test_birth_date_mismatch_text() -> None:
    (message,) = check_nik_matches(MALE_1990, date(1990, 3, 13), Sex.MALE)
    assert str(message) == (
        "The birth date in the NIK (12-03-1990) does not match the birth date entered (13-03-1990)."
    )


def test_sex_mismatch_texts() -> None:
    (woman,) = check_nik_matches(FEMALE_1990, date(1990, 3, 12), Sex.MALE)
    (man,) = check_nik_matches(MALE_1990, date(1990, 3, 12), Sex.FEMALE)
    assert str(woman) == "The NIK is a woman's (40 is added to the birth day) but the sex entered is male."
    assert str(man) == "The NIK is a man's (birth day not increased by 40) but the sex entered is female."


def test_century_comes_from_entered_date() -> None:
    # 12-03-20 was read as 2020; a lansia born in 1920 has the very same NIK digits.
    parts = parse_nik("3510011203200001", reference_date=REF).parts
    assert parts is not None and parts.birth_date == date(2020, 3, 12)
    assert check_nik_matches(parts, date(1920, 3, 12), Sex.MALE) == []
