"""Campaign progress: recorded per day and per kecamatan against the target."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..domain.enums import ResultKind
from ..models import Campaign, Resident, Visit, VisitResult
from . import counted
from .clauses import (
    _like_prefix,
    duplicate_clause,
    reference_date,
    region_clause,
    region_covers,
    region_prefixes,
)
from .counted import _as_date
from .outstanding import KecamatanOutstanding, outstanding_by_kecamatan

# ------------------------------------------------------------------ campaign progress


@dataclass(frozen=True)
class KecamatanProgress:
    kecamatan_code: str
    kecamatan_name: str
    recorded: int
    remaining: int
    remaining_away: int = 0

    @property
    def baseline(self) -> int:
        return self.recorded + self.remaining

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.recorded / self.baseline, 1) if self.baseline else None


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's progress in one region (its whole scope, or one kecamatan of it).

    Every figure is the sum of :attr:`kecamatan` (one query feeds both), so the
    headline and its rows always agree. The baseline is recorded in the campaign
    + remaining; the figure entered for the campaign at its start
    (:attr:`baseline_entered`) is shown beside it: it cannot know the residents
    added (imports) or become wajib (turned 17) since.
    """

    campaign_id: int
    region_code: str
    start_date: dt.date
    target_date: dt.date
    on: dt.date
    recorded: int
    remaining: int
    #: of ``remaining``, those marked away (migrant workers): the rest are reachable here
    remaining_away: int
    days_elapsed: int
    days_left: int
    #: the per-kecamatan rows the figures above are the sums of
    kecamatan: tuple[KecamatanProgress, ...] = ()
    #: the baseline entered for the campaign (over its whole scope only), or None
    baseline_entered: int | None = None

    @property
    def baseline(self) -> int:
        """Outstanding at the start: recorded in the campaign + remaining (= the rows' sum)."""
        return self.recorded + self.remaining

    @property
    def added_since_start(self) -> int | None:
        """How far the baseline moved from the one entered (residents added or become wajib)."""
        return None if self.baseline_entered is None else self.baseline - self.baseline_entered

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


def running_campaign(session: Any, on: dt.date, covering: str | None = None) -> Campaign | None:
    """The campaign running on ``on`` (start <= on <= target; the one begun last if
    several), else the one begun last (among those overlapping ``covering``)."""
    query = sa.select(Campaign).order_by(Campaign.start_date.desc(), Campaign.id.desc()).limit(1)
    if covering:
        query = query.where(campaign_overlap_clause(covering))
    running = session.execute(
        query.where(Campaign.start_date <= on, Campaign.target_date >= on)
    ).scalars().first()
    return running or session.execute(query).scalars().first()


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


def recorded_in_campaign(session: Any, campaign: Campaign, region_code: str | None = None, *,
                         direct: bool = False) -> int:
    """Recordings in the campaign window by residents of the region (from the counters unless ``direct``)."""
    if not direct and counted.counters_built(session):
        query = counted.recorded_select(campaign.start_date, campaign.target_date, region_code)
    else:
        query = _recorded_select(campaign, region_code)
    return int(session.execute(query).scalar_one_or_none() or 0)


def recorded_per_day(
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None, *,
    direct: bool = False,
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
    if not direct and counted.counters_built(session):
        query = counted.recorded_select(campaign.start_date, campaign.target_date, region, "day")
    else:
        query = _recorded_select(campaign, region, Visit.day).group_by(Visit.day)
    counts = {_as_date(day): int(n) for day, n in session.execute(query) if n}
    last = min(on, campaign.target_date)
    days = {}
    day = campaign.start_date
    while day <= last:
        days[day] = 0
        day += dt.timedelta(days=1)
    days.update(counts)
    return sorted(days.items())


def campaign_progress(
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None, *,
    direct: bool = False, outstanding: Sequence[KecamatanOutstanding] | None = None,
) -> CampaignProgress | None:
    """Recorded in the campaign, remaining, the baseline and the pace needed to meet the target.

    ``remaining`` is the outstanding count of the per-village list (the same
    aggregate, :func:`outstanding_by_kecamatan`); every figure is the sum of the
    per-kecamatan rows it returns with. None when the kecamatan lies outside the
    campaign's scope.
    """
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return None
    rows = tuple(campaign_progress_by_kecamatan(session, campaign, kecamatan_code, on, direct=direct,
                                                outstanding=outstanding))
    entered = campaign.baseline_outstanding if region == campaign.scope_code else None
    return CampaignProgress(
        campaign_id=campaign.id,
        region_code=region,
        start_date=campaign.start_date,
        target_date=campaign.target_date,
        on=on,
        recorded=sum(r.recorded for r in rows),
        remaining=sum(r.remaining for r in rows),
        remaining_away=sum(r.remaining_away for r in rows),
        days_elapsed=recording_days(campaign.start_date, min(on, campaign.target_date)),
        days_left=recording_days(max(on, campaign.start_date), campaign.target_date),
        kecamatan=rows,
        baseline_entered=entered,
    )


def campaign_progress_by_kecamatan(
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None, *,
    direct: bool = False, outstanding: Sequence[KecamatanOutstanding] | None = None,
) -> list[KecamatanProgress]:
    """Recorded in the campaign and remaining, per kecamatan of the campaign's region.

    ``outstanding``: :func:`outstanding_by_kecamatan` rows the caller already read for a
    region that holds the campaign's (the home page's backlog): the campaign's kecamatan
    are taken from them instead of being counted again, so both figures come from one query.
    """
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return []
    if not direct and counted.counters_built(session):
        query = counted.recorded_select(campaign.start_date, campaign.target_date, region, "kecamatan_code")
    else:
        query = _recorded_select(campaign, region, Resident.kecamatan_code).group_by(Resident.kecamatan_code)
    recorded = {code: int(n) for code, n in session.execute(query)}
    reused = _rows_within(outstanding, region)
    rows = reused if reused is not None else outstanding_by_kecamatan(session, region, on, direct=direct)
    return [
        KecamatanProgress(row.kecamatan_code, row.kecamatan_name, recorded.get(row.kecamatan_code, 0),
                          row.outstanding, row.away)
        for row in rows
    ]


def _rows_within(rows: Sequence[KecamatanOutstanding] | None, region: str) -> list[KecamatanOutstanding] | None:
    """The kecamatan rows of ``region`` among ``rows`` when they answer for it exactly: a
    region of whole kecamatan (a kecamatan or wider), all of whose kecamatan ``rows`` hold
    (the caller read them for a region containing it). None: count them again."""
    if rows is None or region.count(".") > 2:
        return None
    return [row for row in rows if region_covers(region, row.kecamatan_code)]


def campaign_choices(session: Any, reach: Any, kecamatan_code: str | None, limit: int) -> list[tuple[int, str]]:
    """(id, name) of the campaigns ``reach`` covers (overlapping a chosen kecamatan), latest first."""
    query = reach.select(Campaign, Campaign.id, Campaign.name).order_by(Campaign.start_date.desc(), Campaign.id.desc())
    if kecamatan_code:
        query = query.where(campaign_overlap_clause(kecamatan_code))
    return [(cid, name) for cid, name in session.execute(query.limit(limit))]
