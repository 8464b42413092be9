"""Campaign progress: recorded per day and per kecamatan against the target."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..domain.enums import ResultKind
from ..models import Campaign, Resident, Visit, VisitResult
from .clauses import (
    _like_prefix,
    duplicate_clause,
    reference_date,
    region_clause,
    region_covers,
    region_prefixes,
)
from .outstanding import OutstandingCounts, outstanding_by_kecamatan, outstanding_totals

# ------------------------------------------------------------------ campaign progress


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's progress in one region (its whole scope, or one kecamatan of it)."""

    campaign_id: int
    region_code: str
    start_date: dt.date
    target_date: dt.date
    on: dt.date
    baseline: int
    baseline_stored: bool
    recorded: int
    remaining: int
    #: of ``remaining``, those marked away (migrant workers): the rest are reachable here
    remaining_away: int
    days_elapsed: int
    days_left: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.recorded / self.baseline, 1) if self.baseline else None

    @property
    def remaining_reachable(self) -> int:
        return self.remaining - self.remaining_away

    @property
    def needed_per_day(self) -> int | None:
        """Recordings a day still needed to finish by the target, rounded up (None once it has passed)."""
        if self.days_left <= 0:
            return None
        return -(-self.remaining // self.days_left)

    @property
    def actual_per_day(self) -> float | None:
        if self.days_elapsed <= 0:
            return None
        return round(self.recorded / self.days_elapsed, 1)


@dataclass(frozen=True)
class KecamatanProgress:
    kecamatan_code: str
    kecamatan_name: str
    recorded: int
    remaining: int

    @property
    def baseline(self) -> int:
        return self.recorded + self.remaining

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.recorded / self.baseline, 1) if self.baseline else None


def latest_campaign(session: Any, covering: str | None = None) -> Campaign | None:
    """The campaign begun last (among those overlapping region ``covering``, if given)."""
    query = sa.select(Campaign).order_by(Campaign.start_date.desc(), Campaign.id.desc()).limit(1)
    if covering:
        query = query.where(campaign_overlap_clause(covering))
    return session.execute(query).scalars().first()


def campaign_overlap_clause(region_code: str) -> Any:
    """Campaigns whose scope covers ``region_code`` or lies inside it."""
    return sa.or_(
        Campaign.scope_code.in_(region_prefixes(region_code)),
        Campaign.scope_code.like(_like_prefix(region_code), escape="\\"),
    )


def campaign_region(campaign: Campaign, kecamatan_code: str | None = None) -> str | None:
    """Where a campaign's progress is measured for a kecamatan: None if they do not overlap."""
    scope = campaign.scope_code
    if not kecamatan_code:
        return scope
    if region_covers(scope, kecamatan_code):
        return kecamatan_code
    if region_covers(kecamatan_code, scope):
        return scope
    return None


def recording_days(first: dt.date, last: dt.date, weekends: bool | None = None) -> int:
    """Recording days from ``first`` to ``last``, both included (weekends per config)."""
    if last < first:
        return 0
    if weekends is None:
        weekends = current_app.config.get("EKTP_ADMIN_RECORDING_WEEKENDS", True) if has_app_context() else True
    total = (last - first).days + 1
    if weekends:
        return total
    full_weeks, rest = divmod(total, 7)
    days = full_weeks * 5
    for i in range(rest):
        if (first + dt.timedelta(days=full_weeks * 7 + i)).weekday() < 5:
            days += 1
    return days


def _recorded_select(campaign: Campaign, region_code: str | None, *group_by: Any) -> Any:
    """"recorded" results in visits dated within the campaign window, by residents of the region;
    a resident whose record turned out a duplicate (DUP) counts again once it is resolved."""
    return (
        sa.select(*group_by, sa.func.count(VisitResult.id).label("recorded"))
        .select_from(VisitResult)
        .join(Visit, Visit.id == VisitResult.visit_id)
        .join(Resident, Resident.id == VisitResult.resident_id)
        .where(
            VisitResult.result == ResultKind.RECORDED.value,
            sa.not_(duplicate_clause()),
            Visit.day >= campaign.start_date,
            Visit.day <= campaign.target_date,
            region_clause(region_code, Resident.desa_code, Resident.kecamatan_code),
        )
    )


def recorded_in_campaign(session: Any, campaign: Campaign, region_code: str | None = None) -> int:
    return int(session.execute(_recorded_select(campaign, region_code)).scalar_one() or 0)


def recorded_per_day(
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None
) -> list[tuple[dt.date, int]]:
    """(day, recordings) for every day of the campaign so far, zeros included.

    Days run from the start to the earlier of ``on`` and the target; a day after
    ``on`` that nevertheless has recordings is listed too, so the days add up to
    :func:`recorded_in_campaign`.
    """
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return []
    query = _recorded_select(campaign, region, Visit.day).group_by(Visit.day)
    counts = {day: int(n) for day, n in session.execute(query)}
    last = min(on, campaign.target_date)
    days = {}
    day = campaign.start_date
    while day <= last:
        days[day] = 0
        day += dt.timedelta(days=1)
    days.update(counts)
    return sorted(days.items())


def campaign_progress(
    session: Any,
    campaign: Campaign,
    kecamatan_code: str | None = None,
    on: dt.date | None = None,
    *,
    totals: OutstandingCounts | None = None,
    recorded: int | None = None,
) -> CampaignProgress | None:
    """Baseline, recorded in the campaign, remaining, and the pace needed to meet the target.

    ``remaining`` is :func:`outstanding_totals` of the region, the very number the
    per-village list shows. The baseline is the campaign's stored one when it is
    measured over its whole scope, else (or when none is stored) recorded +
    remaining. None when the kecamatan lies outside the campaign's scope.
    ``totals``: :func:`outstanding_totals` of the same region on the same day, when the
    caller already has it (the home page's backlog), so it is not counted twice;
    ``recorded``: :func:`recorded_in_campaign` of the region, likewise (the sum of
    :func:`recorded_per_day`).
    """
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return None
    if recorded is None:
        recorded = recorded_in_campaign(session, campaign, region)
    if totals is None:
        totals = outstanding_totals(session, region, on)
    remaining = totals.outstanding
    stored = region == campaign.scope_code and campaign.baseline_outstanding is not None
    baseline = campaign.baseline_outstanding if stored else recorded + remaining
    return CampaignProgress(
        campaign_id=campaign.id,
        region_code=region,
        start_date=campaign.start_date,
        target_date=campaign.target_date,
        on=on,
        baseline=int(baseline or 0),
        baseline_stored=stored,
        recorded=recorded,
        remaining=remaining,
        remaining_away=totals.away,
        days_elapsed=recording_days(campaign.start_date, min(on, campaign.target_date)),
        days_left=recording_days(max(on, campaign.start_date), campaign.target_date),
    )


def campaign_progress_by_kecamatan(
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None
) -> list[KecamatanProgress]:
    """Recorded in the campaign and remaining, per kecamatan of the campaign's region."""
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return []
    recorded = {
        code: int(n)
        for code, n in session.execute(
            _recorded_select(campaign, region, Resident.kecamatan_code).group_by(Resident.kecamatan_code)
        )
    }
    return [
        KecamatanProgress(row.kecamatan_code, row.kecamatan_name, recorded.get(row.kecamatan_code, 0), row.outstanding)
        for row in outstanding_by_kecamatan(session, region, on)
    ]


def campaign_choices(session: Any, reach: Any, kecamatan_code: str | None, limit: int) -> list[tuple[int, str]]:
    """(id, name) of the campaigns ``reach`` covers (overlapping a chosen kecamatan), latest first."""
    query = reach.select(Campaign, Campaign.id, Campaign.name).order_by(Campaign.start_date.desc(), Campaign.id.desc())
    if kecamatan_code:
        query = query.where(campaign_overlap_clause(kecamatan_code))
    return [(cid, name) for cid, name in session.execute(query.limit(limit))]
