"""Which counter cells a resident adds one to (the per-desa counters' rule).

Summaries must not scan every resident, so each resident adds one to a few
cells ``(desa, kind, day)`` of a counters table. Ages move with the calendar,
so the cells of wajib and lansia counts are keyed by the birth date: "17 or over
on D" is then the range sum ``day <= birth_date_cutoff(D, 17)`` and a resident
turning 17 tomorrow is counted tomorrow without anyone touching the table.

Keying every birth date exactly would give a cell per resident, so birth dates
are clamped to a :class:`CounterWindow`: everyone already 17 (60) on its first
day shares one cell at the first day's cutoff, everyone still under 17 (60) on
its last day one cell past the last day's cutoff. Counts are exact for any day
within the window; outside it the queries count the residents directly.

Plain values in, cells out: the SQL that rebuilds the counters
(:mod:`ektp_admin.counters`) says the same, and tests hold the two together.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterator

from .eligibility import LANSIA_AGE, OUTSTANDING_STATUSES, WAJIB_KTP_AGE, birth_date_cutoff
from .enums import Citizenship, KtpStatus, MaritalStatus

__all__ = [
    "KIND_WAJIB_OUTSTANDING",
    "KIND_WAJIB_DUPLICATE",
    "KIND_WAJIB_OTHER",
    "KIND_AWAY",
    "KIND_DISABLED_OR_ILL",
    "KIND_LANSIA",
    "KIND_MARRIED_BY_BIRTH",
    "KIND_RECORDED",
    "KIND_HOME_ILL",
    "KIND_HOME_LANSIA",
    "WAJIB_KINDS",
    "AGE_KINDS",
    "CounterWindow",
    "status_group",
    "resident_cells",
]

_ONE_DAY = _dt.timedelta(days=1)

#: Wajib residents by status group, keyed by the wajib birth key (see :meth:`CounterWindow.wajib_key`).
KIND_WAJIB_OUTSTANDING = "w_out"
KIND_WAJIB_DUPLICATE = "w_dup"
KIND_WAJIB_OTHER = "w_rec"
#: Among the outstanding group, keyed like the wajib cells.
KIND_AWAY = "away"
KIND_DISABLED_OR_ILL = "ill"
#: Outstanding group, keyed by the birth date clamped for age 60.
KIND_LANSIA = "lansia"
#: Outstanding group, ever married, keyed by the birth date clamped for age 17: with
#: ``w_out`` it gives "newly 17" (married residents sit in ``w_out``'s first cell).
KIND_MARRIED_BY_BIRTH = "m17"
#: "recorded" visit results (resident not a duplicate), keyed by the visit's day.
KIND_RECORDED = "recorded"
#: To record at home (the home-visit list), not marked away: outstanding and disabled or
#: seriously ill, keyed like the wajib cells; outstanding, neither, keyed for age 60 (a
#: lansia). Residents marked away count only once their ``away until`` has passed, a
#: day no birth-date key can hold: the queries count those few directly.
KIND_HOME_ILL = "home_ill"
KIND_HOME_LANSIA = "home_old"

WAJIB_KINDS = (KIND_WAJIB_OUTSTANDING, KIND_WAJIB_DUPLICATE, KIND_WAJIB_OTHER)
#: Kinds whose day is a clamped birth date (everything but ``recorded``).
AGE_KINDS = (*WAJIB_KINDS, KIND_AWAY, KIND_DISABLED_OR_ILL, KIND_LANSIA, KIND_MARRIED_BY_BIRTH,
             KIND_HOME_ILL, KIND_HOME_LANSIA)

#: The window a rebuild chooses around the reference day: this far back (so "newly 17
#: since the campaign began" stays a range sum) and this far ahead.
WINDOW_BEFORE = _dt.timedelta(days=400)
WINDOW_AFTER = _dt.timedelta(days=5 * 366)

_OUTSTANDING = frozenset(s.value for s in OUTSTANDING_STATUSES)


@dataclass(frozen=True)
class CounterWindow:
    """The days the counters answer exactly, ``first`` to ``last`` (both included)."""

    first: _dt.date
    last: _dt.date

    @classmethod
    def around(cls, on: _dt.date) -> "CounterWindow":
        return cls(on - WINDOW_BEFORE, on + WINDOW_AFTER)

    def covers(self, on: _dt.date) -> bool:
        return self.first <= on <= self.last

    def covers_since(self, since: _dt.date) -> bool:
        """Can "turned 17 from ``since``" be a range sum? (the day before must be in the window)"""
        return self.first < since <= self.last + _ONE_DAY

    def bounds(self, age: int) -> tuple[_dt.date, _dt.date]:
        """(lowest, highest) key of the age's cells: the first and the one past the window."""
        return birth_date_cutoff(self.first, age), birth_date_cutoff(self.last, age) + _ONE_DAY

    def key(self, birth_date: _dt.date, age: int) -> _dt.date:
        """The birth date clamped to the window's cutoffs for ``age``."""
        low, high = self.bounds(age)
        return min(max(birth_date, low), high)

    def wajib_key(self, birth_date: _dt.date, marital_status: str) -> _dt.date:
        """Ever married: wajib at any age, so in the first cell; else by age 17."""
        if marital_status != MaritalStatus.SINGLE.value:
            return self.bounds(WAJIB_KTP_AGE)[0]
        return self.key(birth_date, WAJIB_KTP_AGE)


def status_group(ktp_status: str) -> str:
    """The wajib kind of a KTP-el status: outstanding, duplicate, or recorded and beyond."""
    if ktp_status in _OUTSTANDING:
        return KIND_WAJIB_OUTSTANDING
    if ktp_status == KtpStatus.DUPLICATE.value:
        return KIND_WAJIB_DUPLICATE
    return KIND_WAJIB_OTHER


def resident_cells(
    window: CounterWindow,
    *,
    birth_date: _dt.date,
    marital_status: str,
    citizenship: str,
    departure: str | None,
    ktp_status: str,
    disabled: bool,
    seriously_ill: bool,
    away: bool,
    recorded_days: tuple[_dt.date, ...] = (),
) -> Iterator[tuple[str, _dt.date]]:
    """The (kind, day) cells one resident adds one to (the desa is the resident's).

    ``recorded_days``: the days of the visits with a "recorded" result for them.
    """
    if ktp_status != KtpStatus.DUPLICATE.value:
        for day in recorded_days:
            yield KIND_RECORDED, day
    if departure is not None or citizenship == Citizenship.WNA_OTHER.value:
        return
    group = status_group(ktp_status)
    wajib_key = window.wajib_key(birth_date, marital_status)
    yield group, wajib_key
    if group != KIND_WAJIB_OUTSTANDING:
        return
    if away:
        yield KIND_AWAY, wajib_key
    if disabled or seriously_ill:
        yield KIND_DISABLED_OR_ILL, wajib_key
    lansia_key = window.key(birth_date, LANSIA_AGE)
    yield KIND_LANSIA, lansia_key
    if not away:
        if disabled or seriously_ill:
            yield KIND_HOME_ILL, wajib_key
        else:
            yield KIND_HOME_LANSIA, lansia_key
    if marital_status != MaritalStatus.SINGLE.value:
        yield KIND_MARRIED_BY_BIRTH, window.key(birth_date, WAJIB_KTP_AGE)
