"""Who must hold a KTP-el (wajib KTP), who is lansia, who is still outstanding.

All of these are derived from stored facts (birth date, marital status, citizenship,
KTP-el status) and a reference day; none is stored by hand. The date helpers come in
pairs - a Python predicate and a birth-date cutoff for SQL - that agree on every day,
including birthdays on 29 February (reached on 1 March in non-leap years).
"""
from __future__ import annotations

import datetime as _dt

from .enums import Citizenship, Departure, KtpStatus, MaritalStatus
from .messages import N_, Message

__all__ = [
    "WAJIB_KTP_AGE",
    "LANSIA_AGE",
    "EARLIEST_BIRTH_DATE",
    "EVER_MARRIED",
    "OUTSTANDING_STATUSES",
    "age_on",
    "birth_date_cutoff",
    "is_wajib_ktp",
    "is_lansia",
    "is_outstanding",
    "is_newly_wajib",
    "newly_wajib_birth_range",
    "check_birth_date",
]

#: UU 24/2013 art. 63: the age at which a KTP-el becomes compulsory.
WAJIB_KTP_AGE = 17
#: Elderly residents, recorded at home when they cannot come.
LANSIA_AGE = 60
#: Birth dates before this are treated as typing errors.
EARLIEST_BIRTH_DATE = _dt.date(1900, 1, 1)

#: Married, divorced or widowed: wajib KTP at any age (art. 63).
EVER_MARRIED = frozenset({MaritalStatus.MARRIED, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED})

#: Statuses of a wajib-KTP resident who still has to be recorded (EFAC means the
#: capture must be redone, so the resident is outstanding again).
OUTSTANDING_STATUSES = frozenset({KtpStatus.NOT_RECORDED, KtpStatus.ENROL_FAILED})

_ONE_DAY = _dt.timedelta(days=1)


def _fmt_date(d: _dt.date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def age_on(birth_date: _dt.date, on: _dt.date) -> int:
    """Completed years on ``on``; the birthday itself counts.

    Someone born on 29 February turns a year older on 1 March in non-leap years.
    Negative for a day before the birth date.
    """
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def birth_date_cutoff(on: _dt.date, years: int) -> _dt.date:
    """The latest birth date of someone at least ``years`` old on ``on``.

    So SQL can select by age with ``birth_date <= cutoff`` and use the index. Agrees
    with :func:`age_on`: when ``on`` is 29 February and the year ``years`` earlier is not
    a leap year, the cutoff is 28 February (the next day, 1 March, is too young).
    """
    if years < 0:
        raise ValueError("years must not be negative")
    year = on.year - years
    try:
        return on.replace(year=year)
    except ValueError:  # on is 29 February, `year` is not a leap year
        return _dt.date(year, 2, 28)


def is_wajib_ktp(
    birth_date: _dt.date,
    marital_status: MaritalStatus | None,
    on: _dt.date,
    citizenship: Citizenship = Citizenship.WNI,
    departure: Departure | None = None,
) -> bool:
    """Must this person hold a KTP-el on ``on``? (UU 24/2013 art. 63).

    Indonesian citizens and foreigners with a permanent stay permit who are 17 or
    older, or who are or have ever been married. Foreigners without a permanent
    permit never are; nor, for this regency, anyone deceased or moved out.
    """
    if departure is not None or citizenship == Citizenship.WNA_OTHER:
        return False
    if age_on(birth_date, on) < 0:
        return False
    return age_on(birth_date, on) >= WAJIB_KTP_AGE or marital_status in EVER_MARRIED


def is_lansia(birth_date: _dt.date, on: _dt.date) -> bool:
    """60 or older on ``on``: eligible for a home visit."""
    return age_on(birth_date, on) >= LANSIA_AGE


def is_outstanding(wajib: bool, status: KtpStatus) -> bool:
    """Still to be recorded: wajib KTP and never recorded, or enrolment failed (EFAC)."""
    return bool(wajib) and status in OUTSTANDING_STATUSES


def is_newly_wajib(birth_date: _dt.date, on: _dt.date, since: _dt.date) -> bool:
    """Turned 17 between ``since`` and ``on``, both inclusive (the "newly 17" group).

    Only age counts here: a married 16-year-old is wajib already but is not "newly 17".
    """
    earliest, latest = newly_wajib_birth_range(on, since)
    return earliest <= birth_date <= latest


def newly_wajib_birth_range(on: _dt.date, since: _dt.date) -> tuple[_dt.date, _dt.date]:
    """Inclusive birth-date range of those who turned 17 from ``since`` to ``on``.

    For SQL: ``birth_date BETWEEN earliest AND latest``; agrees with :func:`age_on`.
    """
    if since > on:
        raise ValueError("since must not be after on")
    latest = birth_date_cutoff(on, WAJIB_KTP_AGE)
    earliest = birth_date_cutoff(since - _ONE_DAY, WAJIB_KTP_AGE) + _ONE_DAY
    return earliest, latest


def check_birth_date(birth_date: _dt.date, today: _dt.date) -> list[Message]:
    """A birth date must not be in the future nor before 1900 (a likely typing error)."""
    if birth_date > today:
        return [
            Message(
                "birth_date_future",
                N_("The birth date (%(date)s) is in the future."),
                {"date": _fmt_date(birth_date)},
            )
        ]
    if birth_date < EARLIEST_BIRTH_DATE:
        return [
            Message(
                "birth_date_too_early",
                N_("The birth date (%(date)s) is before 1900; please check it."),
                {"date": _fmt_date(birth_date)},
            )
        ]
    return []


def check_departure(
    departure: Departure | None, departed_on: _dt.date | None, note: str | None,
    birth_date: _dt.date | None, today: _dt.date,
) -> list[Message]:
    """A resident marked deceased or moved out by hand: when, and why or where to.

    Moving out needs the destination; either needs its date (not in the future,
    not before birth) and a word on how it is known.
    """
    if departure is None:
        if departed_on is not None:
            return [Message("departure_date_without_departure",
                            N_("A departure date is given, but neither \"deceased\" nor \"moved out\" is chosen."))]
        return []
    problems: list[Message] = []
    if departed_on is None:
        problems.append(Message("departure_needs_date", N_("Give the date of death or of moving out.")))
    elif departed_on > today:
        problems.append(Message("departure_in_future", N_("The departure date (%(date)s) is in the future."),
                                {"date": _fmt_date(departed_on)}))
    elif birth_date is not None and departed_on < birth_date:
        problems.append(Message("departure_before_birth", N_("The departure date (%(date)s) is before the birth date."),
                                {"date": _fmt_date(departed_on)}))
    if not (note or "").strip():
        if departure == Departure.MOVED_OUT:
            problems.append(Message("departure_needs_destination", N_("Say where the resident moved to.")))
        else:
            problems.append(Message(
                "departure_needs_source",
                N_("Say how the death is known (e.g. the death certificate or the village head)."),
            ))
    return problems
