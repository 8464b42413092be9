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
import functools
from typing import Any, Callable
from weakref import WeakKeyDictionary

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
    return window if window is not None and answers(window, on, starts) else None


def answers(window: CounterWindow, on: dt.date, starts: list[tuple[str, dt.date]]) -> bool:
    """Can the counters of ``window`` answer for day ``on`` with these campaign starts?"""
    sinces = [start for _scope, start in starts] + [default_since(on)]
    return window.covers(on) and all(window.covers_since(since) for since in sinces)


def under_window(session: Any, usable: Callable[[CounterWindow], bool],
                 build: Callable[[CounterWindow], Any]) -> Any | None:
    """The one row of ``build(window)`` taken under the counters' current window when
    ``usable(window)``; None when they were never built or cannot answer. ``build``
    gives a select whose last two columns are :data:`WINDOW_COLUMNS`.

    One statement rather than two: the window last seen through this database is a
    guess, the statement reads the window it runs under beside its own columns, and
    its row is taken only when the two agree (after the counters are rebuilt, the
    first statement reads the new window and runs again under it)."""
    bind = session.get_bind(Counter) if hasattr(session, "get_bind") else session.engine  # a Session or a Connection
    window = _last_window.get(bind)
    for _attempt in range(3):
        if window is None or not usable(window):  # the guess cannot answer: ask the database
            window = _last_window[bind] = read_window(session)
            if window is None or not usable(window):
                return None
        row = session.execute(build(window)).one()
        seen = None if row[-2] is None else CounterWindow(_as_date(row[-2]), _as_date(row[-1]))
        if seen == window:
            return row
        window = _last_window[bind] = seen
    return None  # rebuilt again and again while asked: as if not built (the callers count directly)


def counters_built(session: Any) -> bool:
    return read_window(session) is not None


def _lit(day: dt.date) -> Any:
    return sa.literal(day, sa.Date)


def per_desa(region_code: str | None, on: dt.date, starts: list[tuple[str, dt.date]]) -> Any:
    """Subquery: one row per desa of the region with cells, its counts as of ``on``.

    Columns: desa_code and the outstanding summary's fields (wajib, outstanding,
    lansia, disabled_or_ill, away, newly_17, duplicate). A pure function of its
    arguments: the statement is built once for each and reused (building it was a
    tenth of a desa page).
    """
    return _per_desa(region_code, on, tuple(starts))


@functools.lru_cache(maxsize=512)
def _per_desa(region_code: str | None, on: dt.date, starts: tuple[tuple[str, dt.date], ...]) -> Any:
    c = Counter.__table__.c
    c17 = birth_date_cutoff(on, WAJIB_KTP_AGE)
    c60 = birth_date_cutoff(on, LANSIA_AGE)
    default_lower = birth_date_cutoff(default_since(on) - _ONE_DAY, WAJIB_KTP_AGE)
    bounds = [(scope, birth_date_cutoff(start - _ONE_DAY, WAJIB_KTP_AGE)) for scope, start in starts]
    lowers = [(region_clause(scope, c.desa_code), _lit(day)) for scope, day in bounds]
    lower = sa.case(*lowers, else_=_lit(default_lower)) if lowers else _lit(default_lower)
    lowest = min([default_lower, *(day for _scope, day in bounds)])
    region = region_clause(region_code, c.desa_code, c.kecamatan_code)

    def summed(kinds: tuple[str, ...], upper: dt.date, *where: Any, as_kind: str | None = None) -> Any:
        """(desa_code, kind, n) of the cells of ``kinds`` up to ``upper``: plain sums the
        kind/day index serves, so each cell is read once and no CASE runs per cell."""
        kind = sa.literal(as_kind, sa.String) if as_kind else c.kind
        query = sa.select(c.desa_code.label("desa_code"), kind.label("kind"), sa.func.sum(c.n).label("n")).where(
            region, c.kind.in_(kinds), c.day <= _lit(upper), *where)
        return query.group_by(c.desa_code) if as_kind else query.group_by(c.desa_code, c.kind)

    cells = sa.union_all(
        summed((*counting.WAJIB_KINDS, counting.KIND_DISABLED_OR_ILL, counting.KIND_AWAY), c17),
        summed((counting.KIND_LANSIA,), c60),
        summed((counting.KIND_WAJIB_OUTSTANDING, counting.KIND_MARRIED_BY_BIRTH), c17,
               c.day > _lit(lowest), c.day > lower, as_kind=_NEWLY_17),
    ).subquery("cells")

    def total(*kinds: str) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cells.c.kind.in_(kinds), cells.c.n), else_=0)), 0)

    return (
        sa.select(
            cells.c.desa_code.label("desa_code"),
            total(*counting.WAJIB_KINDS).label("wajib"),
            total(counting.KIND_WAJIB_OUTSTANDING).label("outstanding"),
            total(counting.KIND_LANSIA).label("lansia"),
            total(counting.KIND_DISABLED_OR_ILL).label("disabled_or_ill"),
            total(counting.KIND_AWAY).label("away"),
            total(_NEWLY_17).label("newly_17"),
            total(counting.KIND_WAJIB_DUPLICATE).label("duplicate"),
        )
        .group_by(cells.c.desa_code)
        .subquery("counted")
    )


def wajib_sum(session: Any, region_code: str | None, on: dt.date, kinds: tuple[str, ...], *,
              first_cell_only: bool = False) -> int | None:
    """Wajib residents of the region on ``on`` in the wajib ``kinds`` (a range sum over
    one index), or None when the counters' window does not cover ``on``. Every list
    page asks this, in one statement (:func:`under_window`).

    ``first_cell_only``: only the window's first cell (everyone already 17 or married
    when it opens), a lower bound read from one cell a desa."""
    c = Counter.__table__.c

    def build(window: CounterWindow) -> Any:
        first = window.bounds(WAJIB_KTP_AGE)[0]
        day = c.day == _lit(first) if first_cell_only else c.day <= _lit(birth_date_cutoff(on, WAJIB_KTP_AGE))
        return sa.select(sa.func.coalesce(sa.func.sum(c.n), 0), *WINDOW_COLUMNS).where(
            c.kind.in_(kinds), day, region_clause(region_code, c.desa_code, c.kecamatan_code))

    row = under_window(session, lambda window: window.covers(on), build)
    return None if row is None else int(row[0])


#: the counters' window last read through each database (engine): :func:`under_window`'s guess
_last_window: WeakKeyDictionary[Any, CounterWindow | None] = WeakKeyDictionary()
_WINDOW_ROW = WindowRow.__table__.c
#: the window, as two scalar subqueries: the last columns of a statement run :func:`under_window`
WINDOW_COLUMNS = (
    sa.select(_WINDOW_ROW.first_day).where(_WINDOW_ROW.id == _WINDOW_ID).scalar_subquery().label("window_first"),
    sa.select(_WINDOW_ROW.last_day).where(_WINDOW_ROW.id == _WINDOW_ID).scalar_subquery().label("window_last"),
)


#: The "newly 17" rows of :func:`per_desa`'s cells (not a kind of the table).
_NEWLY_17 = "newly_17"


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
