"""Where each recording kit is, its bookings, and how many a user reaches."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..access import Reach
from ..domain.enums import DeviceCondition, DeviceOwnerKind, DeviceRole, VisitState
from ..domain.visits import GOING_OUT
from ..models import Desa, Device, DeviceRelease, Kecamatan, Team, Visit
from .clauses import reference_date

# ------------------------------------------------------------------ kits


@dataclass(frozen=True)
class VisitBrief:
    id: int
    day: dt.date
    start_time: dt.time
    end_time: dt.time
    kind: str
    state: str
    kecamatan_name: str | None
    desa_name: str | None
    host_address: str | None
    team_name: str | None


@dataclass(frozen=True)
class DeviceWhereabouts:
    id: int
    serial_number: str
    owner_kind: str
    owner_kecamatan_code: str | None
    owner_kecamatan_name: str | None
    role: str
    condition: str
    location: str | None
    latest_visit: VisitBrief | None
    next_visit: VisitBrief | None


def device_count(session: Any, reach: Reach) -> int:
    """How many kits ``reach`` covers (a clerk: their kecamatan's and the Dinas')."""
    return int(session.execute(reach.select(Device, sa.func.count(Device.id))).scalar_one())


def device_whereabouts(
    session: Any,
    reach: Reach,
    on: dt.date | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    device_ids: list[int] | None = None,
) -> list[DeviceWhereabouts]:
    """Every kit with its owner, condition, location, latest and next visit: one query.

    The kit map and the device list (``device_ids``: the kits of its page) both
    ask this, so a kit's "last visit" is the same on both.

    Latest: the last visit not cancelled that was dated before ``on`` or marked done
    on it. Next: the first planned visit from ``on`` on. The kits are those
    ``reach`` covers: a clerk's (or one chosen kecamatan's) and the Dinas kits.
    """
    on = on or reference_date()
    latest_id = (
        sa.select(Visit.id)
        .where(
            Visit.device_id == Device.id,
            Visit.state != VisitState.CANCELLED.value,
            sa.or_(Visit.day < on, sa.and_(Visit.day == on, Visit.state == VisitState.DONE.value)),
        )
        .order_by(Visit.day.desc(), Visit.start_time.desc(), Visit.id.desc())
        .limit(1)
        .correlate(Device)
        .scalar_subquery()
    )
    next_id = (
        sa.select(Visit.id)
        .where(Visit.device_id == Device.id, Visit.state == VisitState.PLANNED.value, Visit.day >= on)
        .order_by(Visit.day, Visit.start_time, Visit.id)
        .limit(1)
        .correlate(Device)
        .scalar_subquery()
    )
    # The two ids in a derived table first, then plain outer joins: portable to
    # SQLite, PostgreSQL and MariaDB alike.
    ids = (
        sa.select(Device.id.label("device_id"), latest_id.label("latest_id"), next_id.label("next_id"))
        .where(reach.clause(Device), *([Device.id.in_(device_ids)] if device_ids is not None else []))
        .subquery("ektp_device_visits")
    )
    owner = aliased(Kecamatan, name="owner_kec")
    parts = {}
    for name, col in (("latest", ids.c.latest_id), ("next", ids.c.next_id)):
        parts[name] = (
            aliased(Visit, name=f"{name}_visit"),
            aliased(Kecamatan, name=f"{name}_kec"),
            aliased(Desa, name=f"{name}_desa"),
            aliased(Team, name=f"{name}_team"),
            col,
        )
    columns: list[Any] = [Device, owner.name.label("owner_name")]
    for name, (v, k, d, t, _) in parts.items():
        columns += [
            v.id.label(f"{name}_id"), v.day.label(f"{name}_day"), v.start_time.label(f"{name}_start"),
            v.end_time.label(f"{name}_end"), v.kind.label(f"{name}_kind"), v.state.label(f"{name}_state"),
            k.name.label(f"{name}_kec"), d.name.label(f"{name}_desa"), v.host_address.label(f"{name}_host"),
            t.name.label(f"{name}_team"),
        ]
    query = sa.select(*columns).select_from(Device).join(ids, ids.c.device_id == Device.id)
    query = query.outerjoin(owner, owner.code == Device.owner_kecamatan_code)
    for v, k, d, t, col in parts.values():
        query = (
            query.outerjoin(v, v.id == col)
            .outerjoin(k, k.code == v.kecamatan_code)
            .outerjoin(d, d.code == v.desa_code)
            .outerjoin(t, t.id == v.team_id)
        )
    query = query.order_by(
        sa.case((Device.owner_kind == DeviceOwnerKind.DINAS.value, 0), else_=1),
        owner.name,
        Device.serial_number,
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)

    def brief(row: Any, name: str) -> VisitBrief | None:
        if getattr(row, f"{name}_id") is None:
            return None
        return VisitBrief(
            id=getattr(row, f"{name}_id"),
            day=getattr(row, f"{name}_day"),
            start_time=getattr(row, f"{name}_start"),
            end_time=getattr(row, f"{name}_end"),
            kind=getattr(row, f"{name}_kind"),
            state=getattr(row, f"{name}_state"),
            kecamatan_name=getattr(row, f"{name}_kec"),
            desa_name=getattr(row, f"{name}_desa"),
            host_address=getattr(row, f"{name}_host"),
            team_name=getattr(row, f"{name}_team"),
        )

    out = []
    for row in session.execute(query):
        device = row[0]
        out.append(
            DeviceWhereabouts(
                id=device.id,
                serial_number=device.serial_number,
                owner_kind=device.owner_kind,
                owner_kecamatan_code=device.owner_kecamatan_code,
                owner_kecamatan_name=row.owner_name,
                role=device.role,
                condition=device.condition,
                location=device.location,
                latest_visit=brief(row, "latest"),
                next_visit=brief(row, "next"),
            )
        )
    return out


# ------------------------------------------------------------------ the standby rule


def standby_release(session: Any, device_id: int, day: dt.date) -> DeviceRelease | None:
    """The supervisor's release of kit ``device_id`` for ``day``, if one was given."""
    return session.execute(
        sa.select(DeviceRelease).where(DeviceRelease.device_id == device_id, DeviceRelease.day == day)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class StandbyOut:
    """A kecamatan's standby kit booked today for a visit away from the office."""

    device_id: int
    serial_number: str
    kecamatan_code: str
    visit_id: int
    kind: str
    start_time: dt.time
    end_time: dt.time
    desa_name: str | None
    release_reason: str | None
    released_by: str | None


@dataclass(frozen=True)
class KecamatanKits:
    """One kecamatan's kits as the rule sees them on one day."""

    kecamatan_code: str
    kecamatan_name: str
    standby_ready: int
    mobile_ready: int
    #: kits it owns, whatever their condition
    kits: int
    standby_out: tuple[StandbyOut, ...]


def _going_out() -> list[str]:
    return sorted(kind.value for kind in GOING_OUT)


def standby_kits_out(session: Any, reach: Reach, on: dt.date) -> list[StandbyOut]:
    """Kecamatan standby kits ``reach`` covers booked on ``on`` (not cancelled) for a village
    post, a home or a cluster visit, with the day's release if a supervisor gave one."""
    query = (
        sa.select(
            Device.id, Device.serial_number, Device.owner_kecamatan_code, Visit.id.label("visit_id"), Visit.kind,
            Visit.start_time, Visit.end_time, Desa.name.label("desa_name"), DeviceRelease.reason,
            DeviceRelease.released_by,
        )
        .select_from(Visit)
        .join(Device, Device.id == Visit.device_id)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .outerjoin(DeviceRelease, sa.and_(DeviceRelease.device_id == Device.id, DeviceRelease.day == on))
        .where(
            Visit.day == on,
            Visit.state != VisitState.CANCELLED.value,
            Visit.kind.in_(_going_out()),
            Device.role == DeviceRole.STANDBY.value,
            Device.owner_kind == DeviceOwnerKind.KECAMATAN.value,
            reach.clause(Device),
        )
        .order_by(Device.serial_number, Visit.start_time, Visit.id)
    )
    return [
        StandbyOut(row.id, row.serial_number, row.owner_kecamatan_code, row.visit_id, row.kind, row.start_time,
                   row.end_time, row.desa_name, row.reason, row.released_by)
        for row in session.execute(query)
    ]


def kecamatan_kits(session: Any, reach: Reach, on: dt.date | None = None) -> list[KecamatanKits]:
    """Every kecamatan ``reach`` covers with its working standby and mobile kits and its
    standby kits out today: what the kit board judges with
    :func:`ektp_admin.domain.kits.kit_rule_problems`."""
    on = on or reference_date()
    working = Device.condition == DeviceCondition.WORKING.value

    def ready(role: DeviceRole) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(working, Device.role == role.value), 1), else_=0)), 0)

    query = (
        sa.select(Kecamatan.code, Kecamatan.name, ready(DeviceRole.STANDBY).label("standby"),
                  ready(DeviceRole.MOBILE).label("mobile"), sa.func.count(Device.id).label("kits"))
        .select_from(Kecamatan)
        .outerjoin(Device, sa.and_(Device.owner_kecamatan_code == Kecamatan.code,
                                   Device.owner_kind == DeviceOwnerKind.KECAMATAN.value))
        .where(reach.clause(Kecamatan))
        .group_by(Kecamatan.code, Kecamatan.name)
        .order_by(Kecamatan.name, Kecamatan.code)
    )
    out_by_kecamatan: dict[str, list[StandbyOut]] = {}
    for out in standby_kits_out(session, reach, on):
        out_by_kecamatan.setdefault(out.kecamatan_code, []).append(out)
    return [
        KecamatanKits(row.code, row.name, int(row.standby), int(row.mobile), int(row.kits),
                      tuple(out_by_kecamatan.get(row.code, ())))
        for row in session.execute(query)
    ]


def bookings_on(session: Any, device_ids: list[int], on: dt.date) -> dict[int, list[VisitBrief]]:
    """{kit id: its visits on ``on`` that are not cancelled, earliest first} (where it is today)."""
    if not device_ids:
        return {}
    query = (
        sa.select(Visit.device_id, Visit.id, Visit.day, Visit.start_time, Visit.end_time, Visit.kind, Visit.state,
                  Kecamatan.name.label("kec"), Desa.name.label("desa"), Visit.host_address, Team.name.label("team"))
        .select_from(Visit)
        .outerjoin(Kecamatan, Kecamatan.code == Visit.kecamatan_code)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .outerjoin(Team, Team.id == Visit.team_id)
        .where(Visit.device_id.in_(device_ids), Visit.day == on, Visit.state != VisitState.CANCELLED.value)
        .order_by(Visit.device_id, Visit.start_time, Visit.id)
    )
    out: dict[int, list[VisitBrief]] = {}
    for row in session.execute(query):
        out.setdefault(row.device_id, []).append(VisitBrief(
            row.id, row.day, row.start_time, row.end_time, row.kind, row.state, row.kec, row.desa, row.host_address,
            row.team))
    return out


def planned_bookings(session: Any, device_ids: list[int], on: dt.date) -> dict[int, int]:
    """{kit id: planned visits from ``on`` on} (its bookings ahead)."""
    if not device_ids:
        return {}
    query = (
        sa.select(Visit.device_id, sa.func.count(Visit.id))
        .where(Visit.device_id.in_(device_ids), Visit.day >= on, Visit.state == VisitState.PLANNED.value)
        .group_by(Visit.device_id)
    )
    return {device_id: int(n) for device_id, n in session.execute(query)}


@dataclass(frozen=True)
class ReleaseRow:
    id: int
    device_id: int
    serial_number: str
    kecamatan_name: str | None
    day: dt.date
    reason: str
    released_by: str
    created_at: dt.datetime


def standby_releases(session: Any, reach: Reach, since: dt.date, limit: int = 100) -> list[ReleaseRow]:
    """Releases of kits ``reach`` covers for ``since`` and later, soonest first."""
    query = (
        sa.select(DeviceRelease, Device.serial_number, Kecamatan.name)
        .join(Device, Device.id == DeviceRelease.device_id)
        .outerjoin(Kecamatan, Kecamatan.code == Device.owner_kecamatan_code)
        .where(DeviceRelease.day >= since, reach.clause(DeviceRelease))
        .order_by(DeviceRelease.day, Device.serial_number)
        .limit(limit)
    )
    return [
        ReleaseRow(r.id, r.device_id, serial, name, r.day, r.reason, r.released_by, r.created_at)
        for r, serial, name in session.execute(query)
    ]


def standby_kit_options(session: Any, reach: Reach) -> list[tuple[str, str]]:
    """(id, "serial (kecamatan)") of the kecamatan standby kits ``reach`` covers, for the release form."""
    query = (
        sa.select(Device.id, Device.serial_number, Kecamatan.name)
        .join(Kecamatan, Kecamatan.code == Device.owner_kecamatan_code)
        .where(Device.role == DeviceRole.STANDBY.value, Device.owner_kind == DeviceOwnerKind.KECAMATAN.value,
               Device.condition == DeviceCondition.WORKING.value, reach.clause(Device))
        .order_by(Kecamatan.name, Device.serial_number)
    )
    return [(str(i), f"{serial} ({name})") for i, serial, name in session.execute(query)]
