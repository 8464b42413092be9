"""Migrants: outstanding residents marked away (working elsewhere), per desa, and
when they are expected back (the month of ``away_until``), to plan a visit for them.

The same residents as the "away" column of the outstanding summaries
(:func:`ektp_admin.queries.outstanding_by_desa`): wajib, not yet recorded, away.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..models import Desa, Kecamatan, Resident
from .clauses import outstanding_clause, reference_date, region_clause
from .outstanding import rt_rw_order


@dataclass(frozen=True)
class DesaAway:
    kecamatan_code: str
    kecamatan_name: str
    desa_code: str
    desa_name: str
    away: int
    #: of ``away``, those with no return date
    undated: int


@dataclass(frozen=True)
class ReturnMonth:
    """Away residents expected back in one month (``month`` None: no date given)."""

    month: dt.date | None
    away: int


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` and of the month after."""
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return first, after


def away_clause(on: dt.date, reach_clause: Any, region: str | None = None, month: dt.date | None = None) -> Any:
    """Outstanding on ``on``, marked away, within reach and ``region``; back in ``month`` when given."""
    # ``= true`` (not ``IS``): an equality the away index can seek on every database.
    clauses = [Resident.away == sa.true(), outstanding_clause(on), reach_clause,
               region_clause(region, Resident.desa_code, Resident.kecamatan_code)]
    if month is not None:
        first, after = month_bounds(month)
        clauses += [Resident.away_until >= first, Resident.away_until < after]
    return sa.and_(*clauses)


def away_residents(on: dt.date | None, reach_clause: Any, region: str | None = None,
                   month: dt.date | None = None) -> Any:
    """The away residents, by kecamatan, desa, RW/RT and name: a statement to page or stream."""
    on = on or reference_date()
    return (
        sa.select(Resident)
        .where(away_clause(on, reach_clause, region, month))
        .order_by(Resident.kecamatan_code, Resident.desa_code, *rt_rw_order(), Resident.name_key, Resident.id)
    )


def away_page(session: Any, on: dt.date | None, reach_clause: Any, region: str | None = None,
              month: dt.date | None = None, *, size: int, offset: int = 0) -> list[Resident]:
    """One page of :func:`away_residents`: the page's ids first, sorted in the away
    index alone (it carries RW, RT and the name), then those rows."""
    keys = away_residents(on, reach_clause, region, month).with_only_columns(Resident.id)
    ids = list(session.execute(keys.limit(size).offset(offset)).scalars())
    rows = {r.id: r for r in session.execute(sa.select(Resident).where(Resident.id.in_(ids))).scalars()}
    return [rows[i] for i in ids]


def away_count(session: Any, on: dt.date | None, reach_clause: Any, region: str | None = None,
               month: dt.date | None = None) -> int:
    on = on or reference_date()
    query = sa.select(sa.func.count(Resident.id)).where(away_clause(on, reach_clause, region, month))
    return int(session.execute(query).scalar_one())


def away_by_desa(session: Any, on: dt.date | None, reach_clause: Any, region: str | None = None) -> list[DesaAway]:
    """Per desa with anyone away: how many, how many without a return date; by kecamatan and desa name."""
    on = on or reference_date()
    # Counted per desa in the away index first, then named (a join first would walk the desa).
    counted = (
        sa.select(Resident.desa_code.label("desa_code"), sa.func.count(Resident.id).label("away"),
                  sa.func.coalesce(sa.func.sum(sa.case((Resident.away_until.is_(None), 1), else_=0)), 0)
                  .label("undated"))
        .where(away_clause(on, reach_clause, region))
        .group_by(Resident.desa_code)
        .subquery("counted")
    )
    query = (
        sa.select(Kecamatan.code, Kecamatan.name, Desa.code, Desa.name, counted.c.away, counted.c.undated)
        .select_from(counted)
        .join(Desa, Desa.code == counted.c.desa_code)
        .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
        .order_by(Kecamatan.name, Kecamatan.code, Desa.name, Desa.code)
    )
    return [DesaAway(k, kn, d, dn, int(n), int(u)) for k, kn, d, dn, n, u in session.execute(query)]


def expected_returns(session: Any, on: dt.date | None, reach_clause: Any,
                     region: str | None = None) -> list[ReturnMonth]:
    """Away residents per month of their return date, earliest first, those without a date last."""
    on = on or reference_date()
    year = sa.extract("year", Resident.away_until)
    month = sa.extract("month", Resident.away_until)
    query = (
        sa.select(year, month, sa.func.count(Resident.id))
        .where(away_clause(on, reach_clause, region))
        .group_by(year, month)
    )
    dated, undated = [], 0
    for y, m, n in session.execute(query):
        if y is None:
            undated += int(n)
        else:
            dated.append(ReturnMonth(dt.date(int(y), int(m), 1), int(n)))
    dated.sort(key=lambda r: r.month or dt.date.min)
    return dated + ([ReturnMonth(None, undated)] if undated else [])
