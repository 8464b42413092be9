"""Where each recording kit is, its bookings, and how many a user reaches."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..access import Reach
from ..domain.enums import DeviceOwnerKind, VisitState
from ..models import Desa, Device, Kecamatan, Team, Visit
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
