"""One row of a population file -> the values to store, or why not.

Each row is checked with the domain's rules (:mod:`ektp_admin.domain`): NIK
structure and its agreement with birth date and sex, birth dates, a known desa,
required fields, the same limits the resident form applies. Problems are
:class:`~ektp_admin.domain.messages.Message` objects (translated where shown),
tied to the column as the file names it. No Flask, no database here: the
regions come in as plain rows.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, Iterable

from ..domain.eligibility import EARLIEST_BIRTH_DATE, check_birth_date, check_departure
from ..domain.enums import Departure, KtpStatus, Sex
from ..domain.messages import N_, Message
from ..domain.nik import NikParts, check_nik_matches, is_ordinary_nik, parse_nik
from ..domain.text import clean_text
from . import vocabulary as words
from .reading import Columns, Label

ERROR, WARNING = "error", "warning"

#: field -> the msgid naming it (the resident screen's own labels)
FIELD_LABELS: dict[str, str] = {
    "nik": "NIK",
    "kk_number": N_("KK number"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_place": N_("Birth place"),
    "birth_date": N_("Birth date"),
    "marital_status": N_("Marital status"),
    "citizenship": N_("Citizenship"),
    "desa_code": N_("Desa code"),
    "desa_name": N_("Desa/Kelurahan"),
    "kecamatan_code": N_("Kecamatan code"),
    "kecamatan_name": N_("Kecamatan"),
    "address": N_("Address"),
    "rt": "RT",
    "rw": "RW",
    "phone": N_("Phone"),
    "disabled": N_("Disabled"),
    "disability_note": N_("Disability"),
    "seriously_ill": N_("Seriously ill"),
    "away": N_("Away (migrant worker)"),
    "away_location": N_("Away at"),
    "away_until": N_("Away until"),
    "ktp_status": N_("KTP-el status"),
    "notes": N_("Notes"),
    "departure": N_("Left for good"),
    "departed_on": N_("Left on"),
    "departure_note": N_("Where to, or how it is known"),
    "status": N_("KTP-el status"),
    "date": N_("Date"),
}

#: The resident columns an import writes, in the order the spool stores them.
RESIDENT_FIELDS: tuple[str, ...] = (
    "nik", "kk_number", "name", "sex", "birth_place", "birth_date", "marital_status", "citizenship", "desa_code",
    "address", "rt", "rw", "phone", "disabled", "disability_note", "seriously_ill", "away", "away_location",
    "away_until", "ktp_status", "notes", "departure", "departed_on", "departure_note",
)
DATE_FIELDS = frozenset({"birth_date", "away_until", "departed_on"})
#: where each field is in a checked row's values
_AT = {f: i for i, f in enumerate(RESIDENT_FIELDS)}
_NIK, _NAME, _SEX_AT, _BIRTH_DATE, _DESA = (_AT[f] for f in ("nik", "name", "sex", "birth_date", "desa_code"))
#: Deceased or moved out: written together (see importer._departure_change), never one by one.
DEPARTURE_FIELDS = ("departure", "departed_on", "departure_note")
RETURNED = words.RETURNED
#: Empty in the file means "not given": a new resident gets the default, an existing one keeps its value.
KEEP_WHEN_EMPTY = frozenset({"marital_status", "citizenship", "disabled", "seriously_ill", "away", "ktp_status"})
#: Never changed on an existing resident by the resident import (the status sync moves statuses).
INSERT_ONLY = frozenset({"ktp_status"})
REQUIRED_RESIDENT: list[tuple[str, ...]] = [("nik",), ("name",), ("sex",), ("birth_date",), ("desa_code", "desa_name")]
REQUIRED_STATUS: list[tuple[str, ...]] = [("nik",), ("status",), ("date",)]
MAX_LENGTH = {"name": 120, "birth_place": 80, "address": 200, "disability_note": 120, "away_location": 120,
              "notes": 2000, "departure_note": 200}

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_KK = re.compile(r"^\d{16}$")
_RT = re.compile(r"^\d{1,3}$")
_PHONE = re.compile(r"^\+?[0-9 \-]{8,20}$")
_DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_DESA_DIGITS = re.compile(r"^\d{10}$")
_KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_FORMULA_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")
_SEX = {s.value: s for s in Sex}
#: how many (birth part of a NIK, sex, birth date) combinations a check remembers (a fixed cap)
PERSONS_REMEMBERED = 65536


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or odd) with one cell of one row."""

    field: str | None
    message: Message
    severity: str = ERROR


def cell_text(value: Any) -> str:
    """A cell as text: numbers without ``.0``, dates as DD-MM-YYYY, no stray control
    characters, the quote our CSV export puts before a formula-like cell removed."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return text
        if text[0] == "'" and text.startswith(_FORMULA_GUARD):
            text = text[1:]
        if not text.isprintable():  # a control character (or an unusual space) somewhere
            text = clean_text(text).strip()
        return text
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
    return str(value).strip()


def parse_date(value: Any) -> dt.date | None:
    """DD-MM-YYYY or YYYY-MM-DD (also with / or .), or a spreadsheet date; None if neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if type(value) is str:
        return _parse_date_text(value)
    return _parse_date_text(cell_text(value))


@lru_cache(maxsize=65536)
def _parse_date_text(value: str) -> dt.date | None:
    """:func:`parse_date` of a text cell. A file repeats the same birthdays (a
    century has ~36,500 days): each spelling is parsed once."""
    text = cell_text(value)
    if " " in text or "T" in text:  # "1980-05-17 00:00:00" from a spreadsheet
        text = re.split(r"[ T]", text, maxsplit=1)[0]
    match = _DMY.match(text)
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        match = _YMD.match(text)
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def _label(field: str) -> Label:
    return Label(FIELD_LABELS.get(field, field))


def _empty(field: str) -> Problem:
    return Problem(field, Message("import_empty", N_("%(field)s is empty."), {"field": _label(field)}))


def _unknown(field: str, value: str, allowed: str) -> Problem:
    return Problem(field, Message("import_unknown_value", N_("%(value)s is not a known %(field)s; write one of: "
                                                              "%(allowed)s."),
                                  {"value": value, "field": _label(field), "allowed": allowed}))


def _bad_date(field: str, value: str) -> Problem:
    return Problem(field, Message("import_date", N_("%(value)s is not a date: write DD-MM-YYYY or YYYY-MM-DD."),
                                  {"value": value}))


def _lookup(values: dict[str, str]) -> Callable[[str], str | None]:
    """``text -> code`` through :func:`.vocabulary.fold`, remembering the spellings
    seen (a file repeats "Laki-laki" a million times)."""

    @lru_cache(maxsize=4096)
    def find(text: str) -> str | None:
        return values.get(words.fold(text))

    return find


def _pattern_rule(pattern: re.Pattern[str], problem: Problem) -> Callable[[str], tuple[str | None, Problem | None]]:
    """An optional text that must match ``pattern`` (empty: None)."""

    def rule(text: str) -> tuple[str | None, Problem | None]:
        return (text, problem if not pattern.match(text) else None) if text else (None, None)

    return rule


def _length_rule(field: str, limit: int) -> Callable[[str], tuple[str | None, Problem | None]]:
    """A text of at most ``limit`` characters (empty: None)."""
    problem = Problem(field, Message("import_too_long", N_("%(field)s is longer than %(max)s characters."),
                                     {"field": _label(field), "max": limit}))

    def rule(text: str) -> tuple[str | None, Problem | None]:
        return (text or None), (problem if len(text) > limit else None)

    return rule


def _choice_rule(field: str, choices: Callable[[str], str | None],
                 allowed: str) -> Callable[[str], tuple[str | None, Problem | None]]:
    """One of a vocabulary's words, as its code (empty: None)."""

    def rule(text: str) -> tuple[str | None, Problem | None]:
        code = choices(text) if text else None
        return code, (_unknown(field, text, allowed) if text and code is None else None)

    return rule


def _flag_rule(field: str) -> Callable[[str], tuple[bool | None, Problem | None]]:
    """Yes or no (empty: None)."""

    def rule(text: str) -> tuple[bool | None, Problem | None]:
        folded = words.fold(text) if text else ""
        if not text:
            return None, None
        if folded in words.YES:
            return True, None
        if folded in words.NO:
            return False, None
        return None, _unknown(field, text, "Ya, Tidak")

    return rule


# ---------------------------------------------------------------------- regions


class Regions:
    """The desa and kecamatan an import may name, by code and by name."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """``rows``: (desa code, desa name, kecamatan code, kecamatan name)."""
        self.kecamatan_of: dict[str, str] = {}
        self.kecamatan_names: dict[str, str] = {}
        self.kecamatan_by_name: dict[str, set[str]] = {}
        self.by_name: dict[tuple[str, str], str] = {}
        self.by_name_anywhere: dict[str, set[str]] = {}
        self._fold = lru_cache(maxsize=8192)(words.fold)
        for desa_code, desa_name, kecamatan_code, kecamatan_name in rows:
            self.kecamatan_of[desa_code] = kecamatan_code
            self.kecamatan_names[kecamatan_code] = kecamatan_name
            self.kecamatan_by_name.setdefault(words.fold(kecamatan_name), set()).add(kecamatan_code)
            self.by_name[(kecamatan_code, words.fold(desa_name))] = desa_code
            self.by_name_anywhere.setdefault(words.fold(desa_name), set()).add(desa_code)

    def kecamatan_code(self, text: str) -> str | None:
        """A kecamatan named by code (35.10.01, 351001) or by name (Pesanggaran)."""
        if _KECAMATAN_CODE.match(text):
            return text if text in self.kecamatan_names else None
        if len(text) == 6 and text.isdigit():
            code = f"{text[:2]}.{text[2:4]}.{text[4:]}"
            return code if code in self.kecamatan_names else None
        found = self.kecamatan_by_name.get(self._fold(text), set())
        return next(iter(found)) if len(found) == 1 else None

    def desa(self, code_text: str, name_text: str, kecamatan_text: str) -> tuple[str | None, Problem | None]:
        """The desa code a row names, or the problem with it."""
        if code_text:
            code = code_text
            if _DESA_DIGITS.match(code):
                code = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
            if _DESA_CODE.match(code) and code in self.kecamatan_of:
                return code, None
            return None, Problem("desa_code", Message(
                "import_desa_code", N_("There is no desa/kelurahan with the code %(code)s."), {"code": code_text}))
        if not name_text:
            return None, _empty("desa_name")
        folded = self._fold(name_text)
        if kecamatan_text:
            kecamatan = self.kecamatan_code(kecamatan_text)
            if kecamatan is None:
                return None, Problem("kecamatan", Message(
                    "import_kecamatan", N_("There is no kecamatan %(kecamatan)s."), {"kecamatan": kecamatan_text}))
            found_code = self.by_name.get((kecamatan, folded))
            if found_code is None:
                return None, Problem("desa_name", Message(
                    "import_desa_name_in", N_("Kecamatan %(kecamatan)s has no desa/kelurahan named %(name)s."),
                    {"kecamatan": self.kecamatan_names[kecamatan], "name": name_text}))
            return found_code, None
        found = self.by_name_anywhere.get(folded, set())
        if len(found) == 1:
            return next(iter(found)), None
        if not found:
            return None, Problem("desa_name", Message(
                "import_desa_name", N_("There is no desa/kelurahan named %(name)s."), {"name": name_text}))
        return None, Problem("desa_name", Message(
            "import_desa_ambiguous", N_("Several kecamatan have a desa/kelurahan named %(name)s: add a column "
                                        "Kecamatan code."), {"name": name_text}))


# ---------------------------------------------------------------------- residents


@dataclass
class RowResult:
    """One checked row: ``values`` (spool order) when it may be written, and its problems."""

    nik: str
    values: tuple[Any, ...] | None
    problems: list[Problem]


class ResidentRows:
    """Checks the rows of a resident file whose columns are ``columns``."""

    def __init__(self, columns: Columns, regions: Regions, *, today: dt.date, reference_date: dt.date,
                 kecamatan_code: str | None = None) -> None:
        self.columns = columns
        self.regions = regions
        self.today = today
        self.reference = reference_date
        self.kecamatan_code = kecamatan_code
        self.present = [f for f in RESIDENT_FIELDS if columns.has(f)]
        if columns.has("desa_name") and not columns.has("desa_code"):
            self.present.append("desa_code")
        self.present = [f for f in RESIDENT_FIELDS if f in self.present]
        #: the fields the file has, and a row's cells in that order (:meth:`_cells`); a field
        #: it lacks has the slot after them, always empty
        fields = [f for f in (*RESIDENT_FIELDS, "desa_name", "kecamatan_code", "kecamatan_name") if columns.has(f)]
        self._slots = {f: i for i, f in enumerate(fields)}
        self._empty_slot = len(fields)
        at = [columns.index[f] for f in fields]
        self._pick: Callable[[list[Any]], tuple[Any, ...]] = itemgetter(*at) if len(at) > 1 else (
            lambda cells: (cells[at[0]],))
        self._width = max(at) + 1
        (self._nik, self._name, self._sex_slot, self._birth, self._desa_code, self._desa_name, self._kecamatan,
         self._kecamatan_name) = map(self.slot, ("nik", "name", "sex", "birth_date", "desa_code", "desa_name",
                                                 "kecamatan_code", "kecamatan_name"))
        self._sex = _lookup(words.sex_values())
        #: (NIK digits 7-12, sex cell, birth date cell) -> what :meth:`_person` says of them
        self._persons: dict[tuple[str, str, Any], tuple[str | None, dt.date | None, tuple[Problem, ...]]] = {}
        #: a file names its few hundred desa over and over: each spelling looked up once
        self._desa = lru_cache(maxsize=4096)(regions.desa)
        self._marital = _lookup(words.marital_values())
        self._citizenship = _lookup(words.citizenship_values())
        self._status = _lookup(words.status_values())
        self._departure = _lookup(words.departure_values())
        # The optional columns this file has, decided once for all its rows.
        self._has = {f for f in RESIDENT_FIELDS if columns.has(f)}
        self._rules = self._column_rules()
        self._departures = any(f in self._has for f in DEPARTURE_FIELDS)

    def slot(self, field: str) -> int:
        """Where :meth:`_cells` puts ``field``'s cell."""
        return self._slots.get(field, self._empty_slot)

    def _column_rules(self) -> list[tuple[int, int, Callable[[str], tuple[Any, Problem | None]]]]:
        """(its cell's slot, its place in the values, ``text -> (value, problem or None)``) of each
        optional column the file has (and the name's length), in the order their problems
        are reported. A column with few distinct values (RT, a status, a flag...) has
        each value's answer remembered."""
        has = self._has
        rules: list[tuple[str, Callable[[str], tuple[Any, Problem | None]], bool]] = []
        if "kk_number" in has:
            rules.append(("kk_number", _pattern_rule(_KK, Problem("kk_number", Message(
                "import_kk", N_("KK number must be exactly 16 digits.")))), False))
        for field, message in (("rt", N_("RT is a number of at most 3 digits.")),
                               ("rw", N_("RW is a number of at most 3 digits."))):
            if field in has:
                rules.append((field, _pattern_rule(_RT, Problem(field, Message("import_" + field, message))), True))
        if "phone" in has:
            rules.append(("phone", _pattern_rule(_PHONE, Problem("phone", Message(
                "import_phone", N_("Phone number: digits only, 8 to 20.")))), False))
        for field, limit in MAX_LENGTH.items():
            if field == "name" or field in has:
                rules.append((field, _length_rule(field, limit), field == "birth_place"))
        for field, choices, allowed in (
            ("marital_status", self._marital, "Belum kawin, Kawin, Cerai hidup, Cerai mati"),
            ("citizenship", self._citizenship, "WNI, WNA KITAP, WNA KITAS"),
            ("ktp_status", self._status, "Belum rekam, Sudah rekam, SFE, PRR, ..."),
        ):
            if field in has:
                rules.append((field, _choice_rule(field, choices, allowed), True))
        for field in ("disabled", "seriously_ill", "away"):
            if field in has:
                rules.append((field, _flag_rule(field), True))
        return [(self.slot(field), _AT[field], lru_cache(maxsize=4096)(rule) if few else rule)
                for field, rule, few in rules]

    def column_of(self, field: str | None) -> str:
        """The file's own name of the column holding ``field`` ('' for the whole row)."""
        if field is None:
            return ""
        if field == "kecamatan":
            return self.columns.names.get("kecamatan_code") or self.columns.names.get("kecamatan_name", "")
        if field == "desa_code" and "desa_code" not in self.columns.names:
            field = "desa_name"
        return self.columns.names.get(field, "")

    def _cells(self, cells: list[Any]) -> tuple[tuple[Any, ...], list[str]]:
        """The cells of the fields the file has, by slot (:meth:`slot`): as they are
        (``raw``, for the dates) and as text."""
        if len(cells) < self._width:  # a short row: the missing cells are empty
            cells = [*cells, *[None] * (self._width - len(cells))]
        raw = (*self._pick(cells), None)
        try:
            joined = "".join(raw[:-1])
        except TypeError:  # a spreadsheet's number, date or empty cell
            joined = "'"
        if joined.isprintable() and "'" not in joined:
            # CSV cells with nothing to clean (the common case): stripped, all at once
            return raw, [*map(str.strip, raw[:-1]), ""]
        text: list[str] = []
        for value in raw:
            if type(value) is str:
                value = value.strip()
                text.append(cell_text(value) if value and (value[0] == "'" or not value.isprintable()) else value)
            else:
                text.append(cell_text(value))
        return raw, text

    def check(self, cells: list[Any]) -> RowResult:
        raw, text = self._cells(cells)
        problems: list[Problem] = []
        values: list[Any] = [None] * len(RESIDENT_FIELDS)

        nik = text[self._nik]
        sex_text = text[self._sex_slot]
        birth_cell = raw[self._birth]
        if nik and is_ordinary_nik(nik, self.reference):
            # Nothing to say about the NIK itself, and all it says about its holder is in its
            # digits 7-12 (birth day and sex): checked against the row's sex and birth date
            # once per combination (a regency repeats them all the time).
            key = (nik[6:12], sex_text, birth_cell)
            person = self._persons.get(key)
            if person is None:
                if len(self._persons) >= PERSONS_REMEMBERED:
                    self._persons.clear()
                person = self._persons[key] = self._person(parse_nik(nik, self.reference).parts, sex_text,
                                                           birth_cell)
        else:
            parts = None
            if not nik:
                problems.append(_empty("nik"))
            else:
                check = parse_nik(nik, self.reference, lenient_region=True)
                if check.errors:
                    problems.extend(Problem("nik", m) for m in check.errors)
                if check.warnings:
                    problems.extend(Problem("nik", m, WARNING) for m in check.warnings)
                parts = check.parts
            person = self._person(parts, sex_text, birth_cell)
        values[_NIK] = nik

        name = " ".join(text[self._name].split())
        if not name:
            problems.append(_empty("name"))
        values[_NAME] = name

        values[_SEX_AT], values[_BIRTH_DATE], person_problems = person
        if person_problems:
            problems.extend(person_problems)

        desa, problem = self._desa(text[self._desa_code], text[self._desa_name],
                                   text[self._kecamatan] or text[self._kecamatan_name])
        if problem is not None:
            problems.append(problem)
        elif desa is not None and self.kecamatan_code and self.regions.kecamatan_of[desa] != self.kecamatan_code:
            problems.append(Problem("desa_code", Message(
                "import_outside_kecamatan",
                N_("This desa/kelurahan lies in kecamatan %(kecamatan)s, outside this import's kecamatan "
                   "%(chosen)s."),
                {"kecamatan": self.regions.kecamatan_names.get(self.regions.kecamatan_of[desa], ""),
                 "chosen": self.regions.kecamatan_names.get(self.kecamatan_code, self.kecamatan_code)})))
        values[_DESA] = desa

        self._optional(text, raw, values, problems, name)
        if problems and any(p.severity == ERROR for p in problems):
            return RowResult(nik, None, problems)
        return RowResult(nik, tuple(values), problems)

    def _person(self, parts: NikParts | None, sex_text: str,
                birth_cell: Any) -> tuple[str | None, dt.date | None, tuple[Problem, ...]]:
        """Sex and birth date (None when not valid), and their problems: each on its own,
        and their agreement with the NIK's ``parts`` (when the NIK has them)."""
        problems: list[Problem] = []
        sex: str | None = self._sex(sex_text) if sex_text else None
        if not sex_text:
            problems.append(_empty("sex"))
        elif sex is None:
            problems.append(_unknown("sex", sex_text, "L, P"))

        birth = parse_date(birth_cell) if birth_cell not in (None, "") else None
        if birth_cell in (None, "") or (isinstance(birth_cell, str) and not birth_cell.strip()):
            problems.append(_empty("birth_date"))
        elif birth is None:
            problems.append(_bad_date("birth_date", cell_text(birth_cell)))
        elif not EARLIEST_BIRTH_DATE <= birth <= self.today:
            problems.extend(Problem("birth_date", m) for m in check_birth_date(birth, self.today))

        if parts is not None and birth is not None and sex is not None:
            problems.extend(Problem("nik", m) for m in check_nik_matches(parts, birth, _SEX[sex]))
        return sex, birth, tuple(problems)

    def _optional(self, text: list[str], raw: tuple[Any, ...], values: list[Any], problems: list[Problem],
                  name: str) -> None:
        """The optional columns the file has (a column it lacks stays None: a million
        rows need not look for it), and the length of the ``name`` (spaces folded)."""
        for slot, at, rule in self._rules:
            if at == _NAME:
                problem = rule(name)[1]
            else:
                values[at], problem = rule(text[slot])
            if problem is not None:
                problems.append(problem)
        if "away_until" in self._has:
            until_cell = raw[self.slot("away_until")]
            until = None
            if until_cell not in (None, "") and cell_text(until_cell):
                until = parse_date(until_cell)
                if until is None:
                    problems.append(_bad_date("away_until", cell_text(until_cell)))
            values[_AT["away_until"]] = until
        if self._departures:
            self._departure_values(text, raw, values, problems)

    def _departure_values(self, text: list[str], raw: tuple[Any, ...], values: list[Any],
                          problems: list[Problem]) -> None:
        """Deceased or moved out, since when, where to: checked as the resident form checks them,
        except that a death needs no source here (the import is the source)."""
        given = text[self.slot("departure")]
        note = values[_AT["departure_note"]]
        on_cell = raw[self.slot("departed_on")]
        on = None
        bad_date = False
        if on_cell not in (None, "") and cell_text(on_cell):
            on = parse_date(on_cell)
            if on is None:
                problems.append(_bad_date("departed_on", cell_text(on_cell)))
                bad_date = True
        code = self._departure(given) if given else None
        if given and code is None:
            problems.append(Problem("departure", Message(
                "import_departure", N_("%(value)s is not a departure: write Meninggal (deceased), Pindah (moved out) "
                                       "or Kembali (returned), or leave it empty."), {"value": given})))
        elif code is None or code == RETURNED:
            if on is not None:
                problems.extend(Problem("departed_on", m) for m in check_departure(None, on, note, None,
                                                                                   self.reference))
            elif note and not bad_date:
                problems.append(Problem("departure_note", Message(
                    "import_departure_note_alone",
                    N_("A destination or source is given, but neither \"deceased\" nor \"moved out\" is chosen."))))
        elif not bad_date:
            departure = Departure(code)
            source = note if departure == Departure.MOVED_OUT else (note or "import")
            for message in check_departure(departure, on, source, values[_AT["birth_date"]], self.reference):
                field = "departure_note" if message.code == "departure_needs_destination" else "departed_on"
                problems.append(Problem(field, message))
        values[_AT["departure"]] = code
        values[_AT["departed_on"]] = on


# ---------------------------------------------------------------------- statuses

#: The statuses a status sync may set (recording is entered in visit logs).
SYNC_STATUSES = frozenset({KtpStatus.SENT, KtpStatus.PRINT_READY, KtpStatus.PRINTED, KtpStatus.HANDED_OVER,
                           KtpStatus.ENROL_FAILED, KtpStatus.DUPLICATE})


@dataclass
class StatusRow:
    nik: str
    status: str | None
    on: dt.date | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)


class StatusRows:
    """Checks the rows of a status file (NIK, status, date) on their own; the
    move itself is checked against the resident's current status later."""

    def __init__(self, columns: Columns, *, today: dt.date, reference_date: dt.date) -> None:
        self.columns = columns
        self.today = today
        self.reference = reference_date
        self._status = _lookup(words.status_values())
        self._at = [(f, columns.index[f]) for f in ("nik", "status", "date")]

    def column_of(self, field: str | None) -> str:
        return self.columns.names.get(field or "", "")

    def check(self, cells: list[Any]) -> StatusRow:
        width = len(cells)
        raw = {f: (cells[at] if at < width else None) for f, at in self._at}
        problems: list[Problem] = []
        nik = cell_text(raw["nik"])
        if not nik:
            problems.append(_empty("nik"))
        else:
            check = parse_nik(nik, self.reference, lenient_region=True)
            problems.extend(Problem("nik", m) for m in check.errors)
            problems.extend(Problem("nik", m, WARNING) for m in check.warnings)
        status_text = cell_text(raw["status"])
        status: str | None = self._status(status_text) if status_text else None
        if not status_text:
            problems.append(_empty("status"))
        elif status is None:
            problems.append(_unknown("status", status_text, "SFE, PRR, printed, handed over, EFAC, DUP"))
        elif KtpStatus(status) not in SYNC_STATUSES:
            problems.append(Problem("status", Message(
                "sync_status_not_synced",
                N_("A status sync sets SFE, PRR, printed, handed over, EFAC or DUP; %(status)s is set by the "
                   "visit logs."), {"status": KtpStatus(status)})))
            status = None
        on = None
        date_text = cell_text(raw["date"])
        if not date_text:
            problems.append(_empty("date"))
        else:
            on = parse_date(raw["date"])
            if on is None:
                problems.append(_bad_date("date", date_text))
            elif on > self.today:
                problems.append(Problem("date", Message("sync_date_future", N_("The date %(date)s is in the future."),
                                                        {"date": _fmt(on)})))
                on = None
        return StatusRow(nik, status, on, problems)


def _fmt(day: dt.date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"
