"""Summaries read from the per-desa counters (``ektp_counter``) instead of the residents.

The counters' cells are described in :mod:`ektp_admin.domain.counting` and kept
by :mod:`ektp_admin.counters`. A count "as of D" is a range sum over the cells'
days: wajib and its breakdown ``day <= cutoff(D, 17)``, lansia ``day <= cutoff(D, 60)``,
newly 17 ``cutoff(since - 1, 17) < day <= cutoff(D, 17)``. When the counters were
never built, or D (or a "newly 17" start) lies outside their window, the callers
count the residents directly: slower, never wrong.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..domain import counting
from ..domain.counting import CounterWindow
from ..domain.eligibility import LANSIA_AGE, WAJIB_KTP_AGE, birth_date_cutoff
from ..models import Counter, CounterWindow as WindowRow
from .clauses import NEWLY_17_DEFAULT_DAYS, region_clause

_ONE_DAY = dt.timedelta(days=1)
_WINDOW_ID = 1


def read_window(conn: Any) -> CounterWindow | None:
    """The counters' window, or None when they were never built."""
    row = conn.execute(
        sa.select(WindowRow.first_day, WindowRow.last_day).where(WindowRow.id == _WINDOW_ID)
    ).first()
    if row is None:
        return None
    return CounterWindow(_as_date(row.first_day), _as_date(row.last_day))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def default_since(on: dt.date) -> dt.date:
    """"Newly 17" start of a desa no campaign covers."""
    return on - dt.timedelta(days=NEWLY_17_DEFAULT_DAYS)


def usable_window(session: Any, on: dt.date, starts: list[tuple[str, dt.date]]) -> CounterWindow | None:
    """The window when the counters can answer for day ``on`` with these campaign starts, else None."""
    window = read_window(session)
    if window is None or not window.covers(on):
        return None
    sinces = [start for _scope, start in starts] + [default_since(on)]
    if not all(window.covers_since(since) for since in sinces):
        return None
    return window


def counters_built(session: Any) -> bool:
    return read_window(session) is not None


def _lit(day: dt.date) -> Any:
    return sa.literal(day, sa.Date)


def per_desa(region_code: str | None, on: dt.date, starts: list[tuple[str, dt.date]]) -> Any:
    """Subquery: one row per desa of the region with cells, its counts as of ``on``.

    Columns: desa_code and the outstanding summary's fields (wajib, outstanding,
    lansia, disabled_or_ill, away, newly_17, duplicate).
    """
    c = Counter.__table__.c
    c17 = birth_date_cutoff(on, WAJIB_KTP_AGE)
    c60 = birth_date_cutoff(on, LANSIA_AGE)
    adult = c.day <= _lit(c17)

    def total(condition: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, c.n), else_=0)), 0)

    default_lower = birth_date_cutoff(default_since(on) - _ONE_DAY, WAJIB_KTP_AGE)
    lowers = [
        (region_clause(scope, c.desa_code), _lit(birth_date_cutoff(start - _ONE_DAY, WAJIB_KTP_AGE)))
        for scope, start in starts
    ]
    lower = sa.case(*lowers, else_=_lit(default_lower)) if lowers else _lit(default_lower)
    return (
        sa.select(
            c.desa_code.label("desa_code"),
            total(sa.and_(c.kind.in_(counting.WAJIB_KINDS), adult)).label("wajib"),
            total(sa.and_(c.kind == counting.KIND_WAJIB_OUTSTANDING, adult)).label("outstanding"),
            total(sa.and_(c.kind == counting.KIND_LANSIA, c.day <= _lit(c60))).label("lansia"),
            total(sa.and_(c.kind == counting.KIND_DISABLED_OR_ILL, adult)).label("disabled_or_ill"),
            total(sa.and_(c.kind == counting.KIND_AWAY, adult)).label("away"),
            total(sa.and_(
                c.kind.in_((counting.KIND_WAJIB_OUTSTANDING, counting.KIND_MARRIED_BY_BIRTH)), adult, c.day > lower,
            )).label("newly_17"),
            total(sa.and_(c.kind == counting.KIND_WAJIB_DUPLICATE, adult)).label("duplicate"),
        )
        .where(
            region_clause(region_code, c.desa_code, c.kecamatan_code),
            c.kind.in_(counting.AGE_KINDS),
            adult,
        )
        .group_by(c.desa_code)
        .subquery("counted")
    )


def recorded_select(start: dt.date, end: dt.date, region_code: str | None, *group_by: str) -> Any:
    """Recordings (visit results "recorded", resident not a duplicate) on days ``start``..``end``
    by residents of the region, from the counters; ``group_by``: "day" and/or "kecamatan_code"."""
    c = Counter.__table__.c
    columns = [c[name] for name in group_by]
    return (
        sa.select(*columns, sa.func.coalesce(sa.func.sum(c.n), 0).label("recorded"))
        .where(
            c.kind == counting.KIND_RECORDED,
            c.day >= _lit(start),
            c.day <= _lit(end),
            region_clause(region_code, c.desa_code, c.kecamatan_code),
        )
        .group_by(*columns)
    )


def home_visits_by_desa(region_code: str | None, on: dt.date) -> Any:
    """SELECT desa_code, n: residents to record at home as of ``on``, not marked away (the
    home-visit list's count but for those whose ``away until`` has passed), per desa."""
    c = Counter.__table__.c
    return (
        sa.select(c.desa_code, sa.func.coalesce(sa.func.sum(c.n), 0).label("n"))
        .where(
            region_clause(region_code, c.desa_code, c.kecamatan_code),
            sa.or_(
                sa.and_(c.kind == counting.KIND_HOME_ILL, c.day <= _lit(birth_date_cutoff(on, WAJIB_KTP_AGE))),
                sa.and_(c.kind == counting.KIND_HOME_LANSIA, c.day <= _lit(birth_date_cutoff(on, LANSIA_AGE))),
            ),
        )
        .group_by(c.desa_code)
    )
