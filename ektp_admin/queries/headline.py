"""The home page's headline for one user: their backlog, today's visits, what needs attention."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..access import Reach
from ..domain.enums import DeviceCondition, KtpStatus, VisitState
from ..models import Device, Resident, Visit
from .clauses import reference_date, wajib_clause
from .home_visits import home_visit_count
from .outstanding import KecamatanOutstanding, OutstandingCounts, outstanding_by_kecamatan, sum_counts


@dataclass(frozen=True)
class Headline:
    on: dt.date
    region_code: str | None
    backlog: OutstandingCounts
    home_visits: int
    visits_today: list[Visit]
    planned_in_the_past: int
    enrol_failed: int
    kits_not_working: int
    #: the per-kecamatan rows ``backlog`` sums (the campaign's progress reuses them)
    by_kecamatan: tuple[KecamatanOutstanding, ...] = ()


def headline(session: Any, reach: Reach, on: dt.date | None = None, *, today_limit: int = 20) -> Headline:
    """What the signed-in user's day starts with, all within their reach."""
    on = on or reference_date()
    region = reach.kecamatan_code
    visits_today = list(session.execute(
        reach.select(Visit).where(Visit.day == on, Visit.state != VisitState.CANCELLED.value)
        .order_by(Visit.start_time, Visit.id).limit(today_limit)
    ).scalars())
    planned_in_the_past = session.execute(
        reach.select(Visit, sa.func.count(Visit.id)).where(Visit.state == VisitState.PLANNED.value, Visit.day < on)
    ).scalar_one()
    enrol_failed = session.execute(
        reach.select(Resident, sa.func.count(Resident.id))
        .where(Resident.ktp_status == KtpStatus.ENROL_FAILED.value, wajib_clause(on))
    ).scalar_one()
    kits_not_working = session.execute(
        reach.select(Device, sa.func.count(Device.id)).where(Device.condition != DeviceCondition.WORKING.value)
    ).scalar_one()
    by_kecamatan = tuple(outstanding_by_kecamatan(session, region, on))
    return Headline(
        on=on,
        region_code=region,
        backlog=sum_counts(by_kecamatan),
        by_kecamatan=by_kecamatan,
        home_visits=home_visit_count(session, region, on),
        visits_today=visits_today,
        planned_in_the_past=int(planned_in_the_past),
        enrol_failed=int(enrol_failed),
        kits_not_working=int(kits_not_working),
    )
