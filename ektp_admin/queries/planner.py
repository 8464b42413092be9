"""What the home-visit planner reads: a kecamatan's kits, their bookings ahead, and
planned visits whose day has passed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..domain.enums import DeviceCondition, DeviceOwnerKind, DeviceRole, ResultKind, VisitState
from ..domain.planner import Kit
from ..domain.visits import Booking
from ..models import Desa, Device, DeviceRelease, Resident, Visit, VisitResult
from .clauses import region_clause


def kecamatan_kits_for_planning(session: Any, kecamatan_code: str) -> dict[int, Kit]:
    """{device id: kit} of every kit the kecamatan owns, whatever its role and condition
    (:func:`ektp_admin.domain.planner.usable_kits` decides which may go out)."""
    query = (
        sa.select(Device.id, Device.serial_number, Device.role, Device.condition)
        .where(Device.owner_kind == DeviceOwnerKind.KECAMATAN.value, Device.owner_kecamatan_code == kecamatan_code)
        .order_by(Device.serial_number, Device.id)
    )
    return {
        device_id: Kit(device_id, serial, DeviceRole(role), DeviceCondition(condition), True)
        for device_id, serial, role, condition in session.execute(query)
    }


def released_days(session: Any, device_ids: list[int], first: dt.date, last: dt.date) -> dict[int, frozenset[dt.date]]:
    """{kit id: the days from ``first`` to ``last`` a supervisor released it to go out}."""
    if not device_ids:
        return {}
    days: dict[int, set[dt.date]] = {}
    rows = session.execute(
        sa.select(DeviceRelease.device_id, DeviceRelease.day)
        .where(DeviceRelease.device_id.in_(device_ids), DeviceRelease.day >= first, DeviceRelease.day <= last)
    )
    for device_id, day in rows:
        days.setdefault(device_id, set()).add(day)
    return {device_id: frozenset(found) for device_id, found in days.items()}


def bookings_between(session: Any, device_ids: list[int], first: dt.date, last: dt.date) -> list[Booking]:
    """Every non-cancelled visit holding one of the kits from ``first`` to ``last``."""
    if not device_ids:
        return []
    rows = session.execute(
        sa.select(Visit.id, Device.serial_number, Visit.day, Visit.start_time, Visit.end_time, Visit.state)
        .join(Device, Device.id == Visit.device_id)
        .where(Visit.device_id.in_(device_ids), Visit.day >= first, Visit.day <= last,
               Visit.state != VisitState.CANCELLED.value)
        .order_by(Visit.day, Visit.start_time, Visit.id)
    )
    return [Booking(vid, serial, day, start, end, VisitState(state)) for vid, serial, day, start, end, state in rows]


@dataclass(frozen=True)
class OverdueVisit:
    id: int
    day: dt.date
    start_time: dt.time
    end_time: dt.time
    kind: str
    desa_name: str | None
    host_address: str | None
    host_name: str | None
    serial_number: str | None


def _overdue_clause(reach: Any, region_code: str | None, on: dt.date) -> Any:
    return sa.and_(
        Visit.state == VisitState.PLANNED.value,
        Visit.day < on,
        reach.clause(Visit),
        region_clause(region_code, sa.func.coalesce(Visit.desa_code, Visit.kecamatan_code), Visit.kecamatan_code),
    )


def overdue_planned_count(session: Any, reach: Any, region_code: str | None, on: dt.date) -> int:
    """Planned visits in the region ``reach`` covers whose day is before ``on``."""
    query = sa.select(sa.func.count(Visit.id)).where(_overdue_clause(reach, region_code, on))
    return int(session.execute(query).scalar_one())


def overdue_planned_visits(
    session: Any, reach: Any, region_code: str | None, on: dt.date, limit: int = 100
) -> list[OverdueVisit]:
    """:func:`overdue_planned_count`'s visits, the oldest first, at most ``limit``."""
    query = (
        sa.select(Visit.id, Visit.day, Visit.start_time, Visit.end_time, Visit.kind, Desa.name, Visit.host_address,
                  Resident.name, Device.serial_number)
        .select_from(Visit)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .outerjoin(Resident, Resident.id == Visit.host_resident_id)
        .outerjoin(Device, Device.id == Visit.device_id)
        .where(_overdue_clause(reach, region_code, on))
        .order_by(Visit.day, Visit.start_time, Visit.id)
        .limit(limit)
    )
    return [OverdueVisit(*row) for row in session.execute(query)]


def invited_ahead_clause(on: dt.date) -> Any:
    """Residents already invited to a planned visit on ``on`` or later: the planner
    proposes them no second visit (an overdue invitation does not hold them)."""
    return (
        sa.select(VisitResult.id)
        .join(Visit, Visit.id == VisitResult.visit_id)
        .where(VisitResult.resident_id == Resident.id, VisitResult.result == ResultKind.INVITED.value,
               Visit.state == VisitState.PLANNED.value, Visit.day >= on)
        .correlate(Resident)
        .exists()
    )


def invited_ahead_count(session: Any, statement: Any, on: dt.date) -> int:
    """How many of the residents ``statement`` (a select of residents) lists are already
    invited to a planned visit ahead."""
    query = sa.select(sa.func.count()).select_from(
        statement.with_only_columns(Resident.id).order_by(None).where(invited_ahead_clause(on)).subquery())
    return int(session.execute(query).scalar_one())


def invitations_ahead(session: Any, resident_ids: list[int], on: dt.date) -> dict[int, dt.date]:
    """{resident id: the day of the planned visit on ``on`` or later they are already
    invited to (the soonest)} for those of ``resident_ids`` who are."""
    if not resident_ids:
        return {}
    rows = session.execute(
        sa.select(VisitResult.resident_id, sa.func.min(Visit.day))
        .join(Visit, Visit.id == VisitResult.visit_id)
        .where(VisitResult.resident_id.in_(resident_ids), VisitResult.result == ResultKind.INVITED.value,
               Visit.state == VisitState.PLANNED.value, Visit.day >= on)
        .group_by(VisitResult.resident_id)
    )
    return {resident_id: day for resident_id, day in rows}
