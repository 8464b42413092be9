"""Residents to record at home (lansia, disabled, seriously ill), and their RT clusters."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Sequence

import sqlalchemy as sa

from ..models import Resident
from . import counted
from .clauses import lansia_clause, outstanding_clause, reference_date, region_clause, region_covers
from .outstanding import outstanding_residents, rt_rw_order
from .paging import rows_by_keys, rows_in_order

# ------------------------------------------------------------------ home visits


def home_visit_clause(on: dt.date | None = None, model: Any = Resident) -> Any:
    """Outstanding and recorded at home: lansia, disabled or seriously ill, and not away now.

    A resident marked away counts again once ``away_until`` has passed.
    """
    on = on or reference_date()
    away_now = sa.and_(model.away.is_(True), sa.or_(model.away_until.is_(None), model.away_until >= on))
    return sa.and_(
        outstanding_clause(on, model),
        sa.or_(lansia_clause(on, model), model.disabled.is_(True), model.seriously_ill.is_(True)),
        sa.not_(away_now),
    )


def home_visit_residents(
    session: Any, region_code: str | None = None, on: dt.date | None = None
) -> Any:
    """Residents to record at home in a region, by desa, RW/RT, name: a statement to page or stream."""
    on = on or reference_date()
    return (
        sa.select(Resident)
        .where(home_visit_clause(on), region_clause(region_code, Resident.desa_code, Resident.kecamatan_code))
        .order_by(Resident.desa_code, *rt_rw_order(), Resident.name_key, Resident.id)
    )


def home_visit_count(session: Any, region_code: str | None = None, on: dt.date | None = None, *,
                     direct: bool = False) -> int:
    """How many residents of a region to record at home (the list's total, the home page's figure)."""
    return sum(home_visits_per_desa(session, region_code, on, direct=direct).values())


def home_visits_per_desa(session: Any, region_code: str | None = None, on: dt.date | None = None, *,
                         direct: bool = False) -> dict[str, int]:
    """{desa code: residents to record at home} in a region (desa with none left out).

    Read from the per-desa counters (kinds ``home_ill``/``home_old``) plus, counted
    directly, the residents marked away whose ``away until`` has passed; counted from
    the residents when ``direct`` or when the counters cannot answer for ``on``.
    """
    on = on or reference_date()
    if direct or counted.usable_window(session, on, []) is None:
        query = (
            sa.select(Resident.desa_code, sa.func.count(Resident.id))
            .where(home_visit_clause(on), region_clause(region_code, Resident.desa_code, Resident.kecamatan_code))
            .group_by(Resident.desa_code)
        )
        return {desa: int(n) for desa, n in session.execute(query) if n}
    counts = {desa: int(n) for desa, n in session.execute(counted.home_visits_by_desa(region_code, on)) if n}
    # Back from away: the only condition of the WHERE is the away_until range, so its
    # index is what every database reads (the few rows whose day has passed); the rest
    # of the rule is a CASE, and no GROUP BY tempts SQLite into the desa index's order.
    back = sa.case((sa.and_(Resident.away.is_(True), home_visit_clause(on)), 1), else_=0)
    query = sa.select(Resident.desa_code, back).where(Resident.away_until < on)
    for desa, n in session.execute(query):
        if n and (not region_code or region_covers(region_code, desa)):
            counts[desa] = counts.get(desa, 0) + 1
    return counts


def home_visit_page(session: Any, region_code: str | None, on: dt.date | None, per_desa: dict[str, int],
                    offset: int, limit: int) -> list[Resident]:
    """Rows ``offset`` to ``offset + limit`` of :func:`home_visit_residents`, reading only the
    desa those rows lie in (``per_desa``: :func:`home_visits_per_desa`), through the desa index."""
    on = on or reference_date()
    desa_codes: list[str] = []
    skip = offset
    before = 0
    for desa in sorted(per_desa):
        n = per_desa[desa]
        if before + n <= offset:
            before += n
            continue
        if not desa_codes:
            skip = offset - before
        desa_codes.append(desa)
        before += n
        if before >= offset + limit:
            break
    if not desa_codes:
        return []
    statement = home_visit_residents(session, region_code, on).where(Resident.desa_code.in_(desa_codes))
    return rows_by_keys(session, statement, Resident.id, limit=limit, offset=skip)


def home_visit_cluster_sizes(
    session: Any, desa_codes: list[str], on: dt.date | None = None
) -> dict[tuple[str, str, str], int]:
    """{(desa code, RW, RT): residents to record at home} for the given desa.

    RT and RW are compared as typed, blanks as "" (the same keys the list groups on).
    """
    if not desa_codes:
        return {}
    on = on or reference_date()
    query = (
        sa.select(Resident.desa_code, Resident.rw, Resident.rt, sa.func.count(Resident.id))
        .where(home_visit_clause(on), Resident.desa_code.in_(sorted(set(desa_codes))))
        .group_by(Resident.desa_code, Resident.rw, Resident.rt)
    )
    sizes: dict[tuple[str, str, str], int] = {}
    for desa, rw, rt, n in session.execute(query):
        key = (desa, cluster_part(rw), cluster_part(rt))
        sizes[key] = sizes.get(key, 0) + int(n)
    return sizes


def cluster_part(value: str | None) -> str:
    """RT or RW as a grouping key: "003" and "3" are the same RT."""
    text = (value or "").strip()
    return text.lstrip("0") or ("0" if text else "")


def residents_in_reach(session: Any, reach: Any, ids: Sequence[int]) -> list[Resident]:
    """The residents ``ids`` that ``reach`` (an :class:`ektp_admin.access.Reach`) lets the
    user see, in the order asked; an id out of reach or unknown is simply missing, so a
    caller compares lengths to refuse the whole request."""
    return rows_in_order(session, sa.select(Resident).where(reach.clause(Resident)), Resident.id,
                         list(dict.fromkeys(ids)), scalars=True)


def desa_outstanding_keys(session: Any, desa_code: str, on: dt.date | None = None) -> list[tuple[int, bool]]:
    """The ids of a desa's outstanding residents in list order (RW/RT, name: the order of
    :func:`outstanding_residents`), each with whether they are to be recorded at home.

    One read of the desa's outstanding index gives both the page's residents and its
    home-visit groups (they are a part of the same list, in the same order); the rule
    for "at home" is :func:`home_visit_clause`, evaluated by the database."""
    statement = _desa_outstanding_keys(desa_code, on or reference_date())
    return [(key, bool(at_home)) for key, at_home in session.execute(statement)]


@functools.lru_cache(maxsize=256)
def _desa_outstanding_keys(desa_code: str, on: dt.date) -> Any:
    at_home = sa.case((home_visit_clause(on), 1), else_=0)
    return outstanding_residents(None, desa_code, on).with_only_columns(Resident.id, at_home.label("at_home"))


def home_visit_rows(session: Any, keys: Sequence[int]) -> list[Any]:
    """What the home-visit groups show of the residents ``keys`` (id, name, RW/RT, birth
    date, seriously ill, disabled), in the order of ``keys``."""
    statement = sa.select(Resident.id, Resident.name, Resident.rw, Resident.rt, Resident.birth_date,
                          Resident.seriously_ill, Resident.disabled)
    return rows_in_order(session, statement, Resident.id, list(keys))


def still_to_visit(session: Any, ids: Sequence[int], on: dt.date | None = None) -> set[int]:
    """Those of ``ids`` who still need a home visit (outstanding, lansia/ill/disabled, not away)."""
    if not ids:
        return set()
    on = on or reference_date()
    query = sa.select(Resident.id).where(Resident.id.in_(list(ids)), home_visit_clause(on))
    return {resident_id for (resident_id,) in session.execute(query)}
