"""What the Dinas teams' roster reads: the teams, the kecamatan kits with their releases and
bookings, the teams' bookings, the desa backlog (from the per-desa counters), and the
visits a roster made (per team and per kit)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..access import Reach
from ..domain.enums import DeviceCondition, DeviceOwnerKind, DeviceRole, TeamKind, VisitState
from ..domain.roster import DesaBacklog, RosterKit, RosterTeam
from ..domain.visits import TeamBooking
from ..models import Campaign, Desa, Device, Kecamatan, Team, Visit
from .clauses import region_prefixes
from .outstanding import outstanding_by_desa
from .planner import bookings_between, released_days
from .visits import team_bookings_where


def dinas_teams(session: Any, reach: Reach) -> list[RosterTeam]:
    """The Dinas teams ``reach`` covers, by name."""
    query = (
        sa.select(Team.id, Team.name)
        .where(Team.kind == TeamKind.DINAS.value, reach.clause(Team))
        .order_by(Team.name, Team.id)
    )
    return [RosterTeam(key, name) for key, name in session.execute(query)]


def roster_kits(session: Any, reach: Reach, first: dt.date, last: dt.date) -> list[RosterKit]:
    """Every kecamatan-owned kit ``reach`` covers, whatever its role and condition, with the
    days from ``first`` to ``last`` it was released (the roster rule decides who goes out)."""
    query = (
        sa.select(Device.id, Device.serial_number, Device.owner_kecamatan_code, Device.role, Device.condition)
        .where(Device.owner_kind == DeviceOwnerKind.KECAMATAN.value, Device.owner_kecamatan_code.is_not(None),
               reach.clause(Device))
        .order_by(Device.owner_kecamatan_code, Device.role, Device.serial_number, Device.id)
    )
    rows = list(session.execute(query))
    released = released_days(session, [row.id for row in rows], first, last)
    # mobile kits first within a kecamatan: the standby one goes out only when needed
    kits = [RosterKit(row.id, row.serial_number, row.owner_kecamatan_code, DeviceRole(row.role),
                      DeviceCondition(row.condition), released.get(row.id, frozenset())) for row in rows]
    return sorted(kits, key=lambda k: (k.kecamatan_code, k.role != DeviceRole.MOBILE, k.serial, k.key))


kit_bookings_between = bookings_between


def team_bookings_between(session: Any, team_ids: list[int], first: dt.date, last: dt.date) -> list[TeamBooking]:
    """Every non-cancelled visit holding one of the teams from ``first`` to ``last``."""
    if not team_ids:
        return []
    return team_bookings_where(session, Visit.team_id.in_(team_ids), Visit.day >= first, Visit.day <= last)


def desa_backlog(session: Any, reach: Reach, on: dt.date) -> list[DesaBacklog]:
    """Every desa ``reach`` covers with its outstanding residents on ``on`` (the per-desa
    counters, as the per-village list shows them)."""
    return [DesaBacklog(row.desa_code, row.kecamatan_code, row.outstanding)
            for row in outstanding_by_desa(session, reach.kecamatan_code, on)]


@dataclass(frozen=True)
class RosterVisit:
    """A Dinas team's visit, as the per-team and per-kit pages list it."""

    id: int
    day: dt.date
    start_time: dt.time
    end_time: dt.time
    kind: str
    state: str
    team_name: str
    serial_number: str | None
    kecamatan_name: str
    desa_name: str | None


def _roster_visits_clause(reach: Reach, first: dt.date, last: dt.date) -> Any:
    return sa.and_(Team.kind == TeamKind.DINAS.value, Visit.day >= first, Visit.day <= last,
                   Visit.state != VisitState.CANCELLED.value, reach.clause(Visit))


def roster_visits(session: Any, reach: Reach, first: dt.date, last: dt.date, *, by: str = "team") -> list[RosterVisit]:
    """The Dinas teams' visits (not cancelled) from ``first`` to ``last``: per day and team
    (``by="team"``) or per day and kit (``by="kit"``)."""
    order = ((Visit.day, Team.name, Visit.start_time, Visit.id) if by == "team"
             else (Visit.day, Device.serial_number, Visit.start_time, Visit.id))
    query = (
        sa.select(Visit.id, Visit.day, Visit.start_time, Visit.end_time, Visit.kind, Visit.state, Team.name,
                  Device.serial_number, Kecamatan.name, Desa.name)
        .select_from(Visit)
        .join(Team, Team.id == Visit.team_id)
        .join(Kecamatan, Kecamatan.code == Visit.kecamatan_code)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .outerjoin(Device, Device.id == Visit.device_id)
        .where(_roster_visits_clause(reach, first, last))
        .order_by(*order)
    )
    return [RosterVisit(*row) for row in session.execute(query)]


def roster_visit_count(session: Any, reach: Reach, first: dt.date, last: dt.date) -> int:
    """How many visits :func:`roster_visits` lists."""
    query = (sa.select(sa.func.count(Visit.id)).select_from(Visit).join(Team, Team.id == Visit.team_id)
             .where(_roster_visits_clause(reach, first, last)))
    return int(session.execute(query).scalar_one())


def campaign_on(session: Any, day: dt.date, desa_code: str) -> Campaign | None:
    """The campaign running on ``day`` whose region covers the desa (the one begun last),
    or None: a roster's visit belongs to it."""
    query = (
        sa.select(Campaign)
        .where(Campaign.scope_code.in_(region_prefixes(desa_code)), Campaign.start_date <= day,
               Campaign.target_date >= day)
        .order_by(Campaign.start_date.desc(), Campaign.id.desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()
