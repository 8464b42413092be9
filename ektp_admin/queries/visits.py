"""Visits: residents recorded per visit, and what holds a kit or a team on a day."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..domain.enums import ResultKind, VisitState
from ..domain.visits import Booking, TeamBooking
from ..models import Desa, Device, Kecamatan, Resident, Team, Visit, VisitResult


def recorded_count_clause() -> Any:
    """Residents recorded in a visit ("recorded" results): the one definition of the
    number the list, the details page and the export show."""
    return (
        sa.select(sa.func.count(VisitResult.id))
        .where(VisitResult.visit_id == Visit.id, VisitResult.result == ResultKind.RECORDED.value)
        .correlate(Visit)
        .scalar_subquery()
    )


def recorded_counts(session: Any, visit_ids: list[int]) -> dict[int, int]:
    """{visit id: residents recorded} for the given visits, in one query."""
    if not visit_ids:
        return {}
    rows = session.execute(sa.select(Visit.id, recorded_count_clause()).where(Visit.id.in_(visit_ids)))
    return {visit_id: count for visit_id, count in rows}


def device_bookings(session: Any, device_id: int, day: dt.date) -> list[Booking]:
    """Every non-cancelled visit holding the device on ``day`` (any kecamatan)."""
    rows = session.execute(
        sa.select(Visit.id, Device.serial_number, Visit.day, Visit.start_time, Visit.end_time, Visit.state)
        .join(Device, Device.id == Visit.device_id)
        .where(Visit.device_id == device_id, Visit.day == day, Visit.state != VisitState.CANCELLED.value)
        .order_by(Visit.start_time, Visit.id)
    )
    return [
        Booking(visit_id=vid, device_serial=serial, day=vday, start=start, end=end, state=VisitState(state))
        for vid, serial, vday, start, end, state in rows
    ]


def visit_results_with_residents(session: Any, visit_id: int) -> list[tuple[VisitResult, Resident]]:
    """(result, resident) of one visit, in the order they were entered."""
    return [tuple(row) for row in session.execute(
        sa.select(VisitResult, Resident)
        .join(Resident, Resident.id == VisitResult.resident_id)
        .where(VisitResult.visit_id == visit_id)
        .order_by(VisitResult.id)
    )]


def kecamatan_names(session: Any, kecamatan_code: str | None = None) -> dict[str, str]:
    """{code: name} of every kecamatan, or of one."""
    query = sa.select(Kecamatan.code, Kecamatan.name)
    if kecamatan_code:
        query = query.where(Kecamatan.code == kecamatan_code)
    return {code: name for code, name in session.execute(query)}


def team_bookings(session: Any, team_id: int, day: dt.date) -> list[TeamBooking]:
    """Every non-cancelled visit holding the team on ``day`` (any kecamatan), with
    where it is (the desa, or the kecamatan of an office visit)."""
    return team_bookings_where(session, Visit.team_id == team_id, Visit.day == day)


def team_bookings_where(session: Any, *criteria: Any) -> list[TeamBooking]:
    """The non-cancelled visits matching ``criteria`` as the team rule sees them: the
    team, the hours and where (the desa, or the kecamatan of an office visit)."""
    rows = session.execute(
        sa.select(Visit.id, Team.name, Visit.day, Visit.start_time, Visit.end_time, Visit.state,
                  sa.func.coalesce(Desa.name, Kecamatan.name))
        .join(Team, Team.id == Visit.team_id)
        .join(Kecamatan, Kecamatan.code == Visit.kecamatan_code)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .where(*criteria, Visit.state != VisitState.CANCELLED.value)
        .order_by(Visit.day, Visit.start_time, Visit.id)
    )
    return [
        TeamBooking(visit_id=vid, team_name=name, day=vday, start=start, end=end, state=VisitState(state),
                    place=place or "")
        for vid, name, vday, start, end, state, place in rows
    ]


def saved_result_residents(session: Any, visit_id: int | None) -> set[int]:
    """Residents the visit's results held when it was last saved (read without flushing
    the form's changes): who was already confirmed on it."""
    if visit_id is None:
        return set()
    with session.no_autoflush:
        rows = session.execute(sa.select(VisitResult.resident_id).where(VisitResult.visit_id == visit_id))
        return {resident_id for (resident_id,) in rows}


def planned_visit_clause(on: dt.date) -> Any:
    """Visits still planned on ``on`` or later: those an outreach may announce."""
    return sa.and_(Visit.state == VisitState.PLANNED.value, Visit.day >= on)


def planned_visit_search_clause(term: str) -> Any:
    """A planned visit by its desa's name or its place (host address), ``term`` anywhere in it."""
    pattern = f"%{term}%"
    return sa.or_(Visit.desa.has(Desa.name.ilike(pattern)), Visit.host_address.ilike(pattern))


def visit_order() -> tuple[Any, ...]:
    """Soonest first."""
    return Visit.day, Visit.start_time, Visit.id
