"""Outstanding residents counted per desa and kecamatan, and listed per desa."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from ..domain import counting
from ..domain.enums import VisitState
from ..models import Desa, Kecamatan, Resident, Visit
from . import counted
from .clauses import (
    _COUNT_FIELDS,
    _newly_17_case,
    campaign_starts,
    duplicate_clause,
    lansia_clause,
    outstanding_clause,
    outstanding_status_clause,
    reference_date,
    region_clause,
    since_for_region,
    wajib_clause,
)

# ------------------------------------------------------------------ outstanding counts


@dataclass(frozen=True)
class OutstandingCounts:
    """Wajib KTP residents of an area and how many are still to be recorded.

    The breakdown columns count outstanding residents only and may overlap (a
    lansia who is also disabled counts in both).
    """

    wajib: int
    outstanding: int
    lansia: int
    disabled_or_ill: int
    away: int
    newly_17: int
    #: wajib residents whose record is a duplicate (DUP): neither outstanding nor recorded
    #: until the deletion request is processed
    duplicate: int = 0

    @property
    def recorded(self) -> int:
        """Wajib, not outstanding and not a duplicate (recorded, or further along the pipeline)."""
        return self.wajib - self.outstanding - self.duplicate

    @property
    def percent_done(self) -> float | None:
        return round(100.0 * self.recorded / self.wajib, 1) if self.wajib else None


@dataclass(frozen=True)
class DesaOutstanding(OutstandingCounts):
    """One row of the per-village list."""

    desa_code: str = ""
    desa_name: str = ""
    is_kelurahan: bool = False
    kecamatan_code: str = ""
    kecamatan_name: str = ""
    newly_17_since: dt.date | None = None


@dataclass(frozen=True)
class KecamatanOutstanding(OutstandingCounts):
    kecamatan_code: str = ""
    kecamatan_name: str = ""


def _count_columns(on: dt.date, starts: list[tuple[str, dt.date]]) -> list[Any]:
    outstanding = outstanding_status_clause()

    def among_outstanding(value: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((outstanding, value), else_=0)), 0)

    return [
        sa.func.count(Resident.id).label("wajib"),
        among_outstanding(1).label("outstanding"),
        among_outstanding(sa.case((lansia_clause(on), 1), else_=0)).label("lansia"),
        among_outstanding(
            sa.case((sa.or_(Resident.disabled.is_(True), Resident.seriously_ill.is_(True)), 1), else_=0)
        ).label("disabled_or_ill"),
        among_outstanding(sa.case((Resident.away.is_(True), 1), else_=0)).label("away"),
        among_outstanding(_newly_17_case(on, starts, Desa.code)).label("newly_17"),
        sa.func.coalesce(sa.func.sum(sa.case((duplicate_clause(), 1), else_=0)), 0).label("duplicate"),
    ]


def outstanding_counts_select(
    session: Any,
    region_code: str | None,
    on: dt.date,
    group_by: tuple[Any, ...] = (),
    starts: list[tuple[str, dt.date]] | None = None,
) -> Any:
    """The one aggregate behind every outstanding number (list, totals, progress).

    Desa LEFT JOIN its wajib residents, restricted to ``region_code``, grouped by
    ``group_by`` columns (none: a single totals row). Public functions below wrap it.
    ``starts`` is :func:`campaign_starts` of the region, when the caller has it.
    """
    if starts is None:
        starts = campaign_starts(session, on, region_code)
    return (
        sa.select(*group_by, *_count_columns(on, starts))
        .select_from(Desa)
        .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
        # The region is repeated on the resident side so the database can use the
        # resident's own kecamatan/desa index instead of reading every resident.
        .outerjoin(
            Resident,
            sa.and_(
                Resident.desa_code == Desa.code,
                region_clause(region_code, Resident.desa_code, Resident.kecamatan_code),
                wajib_clause(on),
            ),
        )
        .where(region_clause(region_code, Desa.code, Desa.kecamatan_code))
    )


def _counts(row: Any) -> dict[str, int]:
    # MariaDB returns SUM() as DECIMAL: make every count a plain int.
    return {name: int(getattr(row, name) or 0) for name in _COUNT_FIELDS}


def outstanding_by_desa(
    session: Any,
    kecamatan_code: str | None = None,
    on: dt.date | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    direct: bool = False,
) -> list[DesaOutstanding]:
    """Every desa of a kecamatan (or all) with wajib, recorded, outstanding and its breakdown.

    Read from the per-desa counters (:mod:`.counted`); counted from the residents
    (one aggregate query with conditional sums) when ``direct`` or when the
    counters cannot answer for ``on``. Desa without residents appear with zeros.
    Ordered by kecamatan name, then desa name; ``limit``/``offset`` page it.
    """
    on = on or reference_date()
    starts = campaign_starts(session, on, kecamatan_code)
    labelled = (
        Desa.code.label("desa_code"), Desa.name.label("desa_name"), Desa.is_kelurahan.label("is_kelurahan"),
        Desa.kecamatan_code.label("kecamatan_code"), Kecamatan.name.label("kecamatan_name"),
    )
    order = (Kecamatan.name, Desa.kecamatan_code, Desa.name, Desa.code)
    if not direct and counted.usable_window(session, on, starts) is not None:
        cells = counted.per_desa(kecamatan_code, on, starts)
        query = (
            sa.select(*labelled, *(sa.func.coalesce(cells.c[name], 0).label(name) for name in _COUNT_FIELDS))
            .select_from(Desa)
            .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
            .outerjoin(cells, cells.c.desa_code == Desa.code)
            .where(region_clause(kecamatan_code, Desa.code, Desa.kecamatan_code))
            .order_by(*order)
        )
    else:
        group = (Desa.code, Desa.name, Desa.is_kelurahan, Desa.kecamatan_code, Kecamatan.name)
        query = (
            outstanding_counts_select(session, kecamatan_code, on, labelled, starts)
            .group_by(*group)
            .order_by(*order)
        )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [
        DesaOutstanding(
            **_counts(row),
            desa_code=row.desa_code,
            desa_name=row.desa_name,
            is_kelurahan=bool(row.is_kelurahan),
            kecamatan_code=row.kecamatan_code,
            kecamatan_name=row.kecamatan_name,
            newly_17_since=since_for_region(row.desa_code, starts, on),
        )
        for row in session.execute(query)
    ]


def desa_count(session: Any, kecamatan_code: str | None = None) -> int:
    """How many desa the per-village list has (for its pager)."""
    query = sa.select(sa.func.count()).select_from(Desa).where(
        region_clause(kecamatan_code, Desa.code, Desa.kecamatan_code)
    )
    return int(session.execute(query).scalar_one())


def sum_counts(rows: Any) -> OutstandingCounts:
    """Totals of per-desa rows already fetched (saves a second scan of the residents)."""
    totals = dict.fromkeys(_COUNT_FIELDS, 0)
    for row in rows:
        for name in _COUNT_FIELDS:
            totals[name] += getattr(row, name)
    return OutstandingCounts(**totals)


def outstanding_totals(
    session: Any, region_code: str | None = None, on: dt.date | None = None, *, direct: bool = False,
    starts: list[tuple[str, dt.date]] | None = None,
) -> OutstandingCounts:
    """The totals row of the per-village list, and the "remaining" of campaign progress.

    ``region_code`` may name a kecamatan, a kab/kota, a desa or nothing (all).
    Read from the counters unless ``direct`` (or they cannot answer for ``on``).
    ``starts``: the region's :func:`campaign_starts` on ``on``, when the caller has them.
    """
    on = on or reference_date()
    if starts is None:
        starts = campaign_starts(session, on, region_code)
    row = None if direct else counted.under_window(
        session, lambda window: counted.answers(window, on, starts),
        lambda window: _totals_of(counted.per_desa(region_code, on, starts)))
    if row is None:
        row = session.execute(outstanding_counts_select(session, region_code, on, starts=starts)).one()
    return OutstandingCounts(**_counts(row))


@functools.lru_cache(maxsize=512)
def _totals_of(cells: Any) -> Any:
    """The sums of :func:`counted.per_desa`'s rows and the counters' window (built once
    for each of its statements; run by :func:`counted.under_window`)."""
    return sa.select(*(sa.func.coalesce(sa.func.sum(cells.c[name]), 0).label(name) for name in _COUNT_FIELDS),
                     *counted.WINDOW_COLUMNS)


def counted_outstanding(session: Any, region_code: str | None = None, on: dt.date | None = None) -> int | None:
    """How many wajib KTP residents of the region are outstanding on ``on``: the
    summaries' number (their ``outstanding``), read from the counters in one small
    range sum (the counters' kind and day index). None when the counters cannot
    answer for ``on``."""
    on = on or reference_date()
    return counted.wajib_sum(session, region_code, on, (counting.KIND_WAJIB_OUTSTANDING,))


def counted_wajib_at_least(session: Any, region_code: str | None, on: dt.date | None, limit: int) -> int | None:
    """A lower bound of the region's wajib KTP residents on ``on`` (so of its residents)
    when it is above ``limit``, else their number; None when the counters cannot answer.

    Those already 17 (or married) when the counters' window opens share one cell a
    desa: that sum is cheap at any size and is often above the limit already; else
    the region's wajib cells are summed (the summaries' ``wajib``)."""
    on = on or reference_date()
    lower = counted.wajib_sum(session, region_code, on, counting.WAJIB_KINDS, first_cell_only=True)
    if lower is None or lower > limit:
        return lower
    return counted.wajib_sum(session, region_code, on, counting.WAJIB_KINDS)


def outstanding_by_kecamatan(
    session: Any, region_code: str | None = None, on: dt.date | None = None, *, direct: bool = False
) -> list[KecamatanOutstanding]:
    """Per-kecamatan counts of a region (the progress page's breakdown)."""
    on = on or reference_date()
    starts = campaign_starts(session, on, region_code)
    labelled = (Kecamatan.code.label("kecamatan_code"), Kecamatan.name.label("kecamatan_name"))
    if not direct and counted.usable_window(session, on, starts) is not None:
        cells = counted.per_desa(region_code, on, starts)
        query = (
            sa.select(*labelled, *(sa.func.coalesce(sa.func.sum(cells.c[name]), 0).label(name)
                                   for name in _COUNT_FIELDS))
            .select_from(Desa)
            .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
            .outerjoin(cells, cells.c.desa_code == Desa.code)
            .where(region_clause(region_code, Desa.code, Desa.kecamatan_code))
        )
    else:
        query = outstanding_counts_select(session, region_code, on, labelled, starts)
    query = query.group_by(Kecamatan.code, Kecamatan.name).order_by(Kecamatan.name, Kecamatan.code)
    return [
        KecamatanOutstanding(**_counts(row), kecamatan_code=row.kecamatan_code, kecamatan_name=row.kecamatan_name)
        for row in session.execute(query)
    ]


class _StripLeadingZeros(sa.sql.functions.GenericFunction):
    type = sa.String()
    inherit_cache = True
    name = "ektp_strip_leading_zeros"



@compiles(_StripLeadingZeros)
def _strip_zeros_default(element: Any, compiler: Any, **kw: Any) -> str:
    return "ltrim(%s, '0')" % compiler.process(element.clauses, **kw)


@compiles(_StripLeadingZeros, "postgresql")
@compiles(_StripLeadingZeros, "mysql")
@compiles(_StripLeadingZeros, "mariadb")
def _strip_zeros_standard(element: Any, compiler: Any, **kw: Any) -> str:
    return "TRIM(LEADING '0' FROM %s)" % compiler.process(element.clauses, **kw)


def numeric_text_order(column: Any) -> list[Any]:
    """ORDER BY terms sorting digit strings ("2", "002", "12") as numbers, blanks last.

    RT and RW are typed as text, with or without leading zeros; a cast would fail on
    stray non-digits, so sort by the length of the unpadded text, then the text.
    """
    stripped = _StripLeadingZeros(column)
    return [
        sa.case((sa.or_(column.is_(None), column == ""), 1), else_=0),
        sa.func.length(stripped),
        stripped,
    ]


def rt_rw_order(model: Any = Resident) -> list[Any]:
    """RW, then RT (an RT lies inside an RW), each in numeric order."""
    return [*numeric_text_order(model.rw), *numeric_text_order(model.rt)]


def outstanding_residents(session: Any, desa_code: str, on: dt.date | None = None) -> Any:
    """The outstanding residents of one desa, by RW/RT then name: a statement to page or stream."""
    return _outstanding_residents(desa_code, on or reference_date())


@functools.lru_cache(maxsize=256)
def _outstanding_residents(desa_code: str, on: dt.date) -> Any:
    # Built once per desa and day (a statement is immutable; building it is a good
    # part of a desa page's time).
    return (
        sa.select(Resident)
        .where(Resident.desa_code == desa_code, outstanding_clause(on))
        .order_by(*rt_rw_order(), Resident.name_key, Resident.id)
    )


def next_visits(session: Any, desa_code: str, on: dt.date | None = None, limit: int = 5) -> list[Visit]:
    """Planned visits to a desa from ``on`` onwards, soonest first (for the printed sheet)."""
    on = on or reference_date()
    query = (
        sa.select(Visit)
        .where(Visit.desa_code == desa_code, Visit.state == VisitState.PLANNED.value, Visit.day >= on)
        .order_by(Visit.day, Visit.start_time, Visit.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())
