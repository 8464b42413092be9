"""The counts the campaign forecast needs, one query per number, fed to
:func:`ektp_admin.domain.forecast.forecast`.

The progress page and the home page both call :func:`campaign_forecast` (and
the progress page :func:`forecast_by_kecamatan`), so they show the same numbers.
Recorded counts use the campaign's own definition (:func:`.progress._recorded_select`),
so a counters table can replace them behind these functions without a screen noticing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..domain import counting
from ..domain.eligibility import OUTSTANDING_STATUSES, WAJIB_KTP_AGE, birth_date_cutoff
from ..domain.enums import Citizenship, MaritalStatus
from ..domain.forecast import Forecast, PaceWindow, forecast, pace_window
from ..models import Campaign, Counter, Resident, Visit
from . import counted
from .clauses import reference_date, region_clause
from .outstanding import KecamatanOutstanding
from .progress import (
    CampaignProgress,
    KecamatanProgress,
    _recorded_select,
    campaign_progress,
    campaign_region,
    recorded_per_day,
)


@dataclass(frozen=True)
class KecamatanForecast:
    kecamatan_code: str
    kecamatan_name: str
    forecast: Forecast


def recording_weekends() -> bool:
    """``EKTP_ADMIN_RECORDING_WEEKENDS`` (True outside an app)."""
    return bool(current_app.config.get("EKTP_ADMIN_RECORDING_WEEKENDS", True)) if has_app_context() else True


def campaign_pace_window(campaign: Campaign, on: dt.date) -> PaceWindow:
    return pace_window(campaign.start_date, campaign.target_date, on, recording_weekends())


# ------------------------------------------------------------------ one query per number


def recorded_between(
    session: Any, campaign: Campaign, region_code: str | None, first: dt.date | None, last: dt.date | None, *,
    direct: bool = False,
) -> int:
    """Recordings of the campaign in region ``region_code`` on visits dated ``first``..``last``
    (from the counters unless ``direct``)."""
    return sum(_recorded_between(session, campaign, region_code, first, last, direct=direct).values())


def recorded_between_by_kecamatan(
    session: Any, campaign: Campaign, region_code: str | None, first: dt.date | None, last: dt.date | None, *,
    direct: bool = False,
) -> dict[str, int]:
    """{kecamatan code: recordings on visits dated ``first``..``last``} within the region."""
    return _recorded_between(session, campaign, region_code, first, last, by_kecamatan=True, direct=direct)


def _recorded_between(
    session: Any, campaign: Campaign, region_code: str | None, first: dt.date | None, last: dt.date | None, *,
    by_kecamatan: bool = False, direct: bool = False,
) -> dict[str, int]:
    if first is None or last is None:
        return {}
    start, end = max(first, campaign.start_date), min(last, campaign.target_date)
    if start > end:
        return {}
    if not direct and counted.counters_built(session):
        query = counted.recorded_select(start, end, region_code, *(("kecamatan_code",) if by_kecamatan else ()))
    else:
        group = (Resident.kecamatan_code,) if by_kecamatan else ()
        query = _recorded_select(campaign, region_code, *group).where(Visit.day >= start, Visit.day <= end)
        if group:
            query = query.group_by(*group)
    return _counts(session.execute(query).all(), by_kecamatan)


def _counts(rows: list[Any], by_kecamatan: bool) -> dict[str, int]:
    """A count query's rows as {kecamatan code: n} (zeros left out), or {"": total}."""
    if by_kecamatan:
        return {code: int(n) for code, n in rows if n}
    return {"": int(rows[0][0] or 0)} if rows else {}


def turning_17_clause(on: dt.date, until: dt.date, model: Any = Resident) -> Any:
    """Outstanding residents not wajib KTP on ``on`` who turn 17 after it and by ``until``:
    citizens or permanent residents, never married, still living here, not recorded."""
    return sa.and_(
        model.birth_date > birth_date_cutoff(on, WAJIB_KTP_AGE),
        model.birth_date <= birth_date_cutoff(until, WAJIB_KTP_AGE),
        model.marital_status == MaritalStatus.SINGLE.value,
        model.citizenship != Citizenship.WNA_OTHER.value,
        model.departure.is_(None),
        model.ktp_status.in_([s.value for s in OUTSTANDING_STATUSES]),
    )


def residents_turning_17(session: Any, region_code: str | None, on: dt.date, until: dt.date, *,
                         direct: bool = False) -> int:
    """How many residents of the region join the backlog between ``on`` and ``until``."""
    return sum(_turning_17(session, region_code, on, until, by_kecamatan=False, direct=direct).values())


def residents_turning_17_by_kecamatan(
    session: Any, region_code: str | None, on: dt.date, until: dt.date, *, direct: bool = False
) -> dict[str, int]:
    return _turning_17(session, region_code, on, until, by_kecamatan=True, direct=direct)


def _turning_17(session: Any, region_code: str | None, on: dt.date, until: dt.date, *, by_kecamatan: bool,
                direct: bool) -> dict[str, int]:
    """Read from the counters when their window holds both days: the outstanding cells past
    ``on``'s 17th-birthday cutoff are single residents keyed by their birth date."""
    if until <= on:
        return {}
    window = None if direct else counted.read_window(session)
    if window is not None and window.covers(on) and window.covers(until):
        c = Counter.__table__.c
        group: tuple[Any, ...] = (c.kecamatan_code,) if by_kecamatan else ()
        query = sa.select(*group, sa.func.coalesce(sa.func.sum(c.n), 0)).where(
            c.kind == counting.KIND_WAJIB_OUTSTANDING,
            c.day > sa.literal(birth_date_cutoff(on, WAJIB_KTP_AGE), sa.Date),
            c.day <= sa.literal(birth_date_cutoff(until, WAJIB_KTP_AGE), sa.Date),
            region_clause(region_code, c.desa_code, c.kecamatan_code),
        )
    else:
        group = (Resident.kecamatan_code,) if by_kecamatan else ()
        query = sa.select(*group, sa.func.count(Resident.id)).where(
            turning_17_clause(on, until), region_clause(region_code, Resident.desa_code, Resident.kecamatan_code)
        )
    if group:
        query = query.group_by(*group)
    return _counts(session.execute(query).all(), by_kecamatan)


# ------------------------------------------------------------------ the forecast


def campaign_forecast(
    session: Any, campaign: Campaign, progress: CampaignProgress, per_day: list[tuple[dt.date, int]] | None = None
) -> Forecast:
    """The campaign's outlook in ``progress``'s region on ``progress.on``; the pace window's
    recordings are summed from ``per_day`` (:func:`~.progress.recorded_per_day`) when given."""
    on = progress.on
    window = campaign_pace_window(campaign, on)
    first, last = window.first, window.last
    if per_day is not None:
        in_window = 0 if first is None or last is None else sum(n for day, n in per_day if first <= day <= last)
    else:
        in_window = recorded_between(session, campaign, progress.region_code, window.first, window.last)
    return forecast(
        start=campaign.start_date,
        target=campaign.target_date,
        on=on,
        baseline=progress.baseline,
        recorded=progress.recorded,
        remaining=progress.remaining,
        window=window,
        window_recorded=in_window,
        joining=residents_turning_17(session, progress.region_code, on, campaign.target_date),
        weekends=recording_weekends(),
    )


def forecast_by_kecamatan(
    session: Any,
    campaign: Campaign,
    breakdown: list[KecamatanProgress],
    kecamatan_code: str | None = None,
    on: dt.date | None = None,
) -> list[KecamatanForecast]:
    """The outlook of each kecamatan of ``breakdown``
    (:func:`~.progress.campaign_progress_by_kecamatan`), furthest behind first."""
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return []
    window = campaign_pace_window(campaign, on)
    in_window = recorded_between_by_kecamatan(session, campaign, region, window.first, window.last)
    joining = residents_turning_17_by_kecamatan(session, region, on, campaign.target_date)
    weekends = recording_weekends()
    out = [
        KecamatanForecast(
            row.kecamatan_code,
            row.kecamatan_name,
            forecast(
                start=campaign.start_date,
                target=campaign.target_date,
                on=on,
                baseline=row.baseline,
                recorded=row.recorded,
                remaining=row.remaining,
                window=window,
                window_recorded=in_window.get(row.kecamatan_code, 0),
                joining=joining.get(row.kecamatan_code, 0),
                weekends=weekends,
            ),
        )
        for row in breakdown
    ]
    return sorted(out, key=lambda k: (k.forecast.behind_key, k.kecamatan_name))


@dataclass(frozen=True)
class CampaignOutlook:
    """What the progress page and the home page show of one campaign in one region."""

    campaign: Campaign
    progress: CampaignProgress
    forecast: Forecast
    #: (day, recordings) from the start to today (today's bar is not over yet)
    per_day: list[tuple[dt.date, int]]


def campaign_outlook(
    session: Any,
    campaign: Campaign,
    kecamatan_code: str | None = None,
    on: dt.date | None = None,
    *,
    outstanding: Sequence[KecamatanOutstanding] | None = None,
) -> CampaignOutlook | None:
    """Progress, forecast and recordings per day; None when the kecamatan lies outside the campaign.

    The progress page and the home page both call this, so they show the same numbers
    (both read the per-desa counters, :mod:`ektp_admin.counters`); ``outstanding``: the
    per-kecamatan rows the home page read for its backlog (see
    :func:`~.progress.campaign_progress_by_kecamatan`).
    """
    on = on or reference_date()
    per_day = recorded_per_day(session, campaign, kecamatan_code, on)
    progress = campaign_progress(session, campaign, kecamatan_code, on, outstanding=outstanding)
    if progress is None:
        return None
    return CampaignOutlook(
        campaign=campaign,
        progress=progress,
        forecast=campaign_forecast(session, campaign, progress, per_day),
        per_day=per_day,
    )
