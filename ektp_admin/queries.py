"""The questions screens, exports and the CLI share, built once, here.

Every number shown in two places (a desa's outstanding count on the per-village
list, the progress page and the printable sheet) comes from a function below.
Ages are never stored: "17 or over on the reference date" becomes
``birth_date <= cutoff``, which any database can answer from an index.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from .domain.eligibility import LANSIA_AGE, OUTSTANDING_STATUSES, WAJIB_KTP_AGE, birth_date_cutoff
from .domain.enums import Citizenship, KtpStatus, MaritalStatus, ResultKind, VisitState
from .models import Campaign, Desa, Kecamatan, Resident, Visit, VisitResult


def reference_date() -> dt.date:
    """The day ages are counted on: ``EKTP_ADMIN_REFERENCE_DATE`` or today."""
    if has_app_context():
        configured = current_app.config.get("EKTP_ADMIN_REFERENCE_DATE")
        if configured:
            return configured if isinstance(configured, dt.date) else dt.date.fromisoformat(str(configured))
    return dt.date.today()


# ------------------------------------------------------------------ derived facts as SQL


def wajib_clause(on: dt.date | None = None, model: Any = Resident) -> Any:
    """UU 24/2013 art. 63: citizens and permanent foreigners, 17+ or ever married."""
    on = on or reference_date()
    return sa.and_(
        model.citizenship != Citizenship.WNA_OTHER.value,
        sa.or_(
            model.birth_date <= birth_date_cutoff(on, WAJIB_KTP_AGE),
            model.marital_status != MaritalStatus.SINGLE.value,
        ),
    )


def lansia_clause(on: dt.date | None = None, model: Any = Resident) -> Any:
    return model.birth_date <= birth_date_cutoff(on or reference_date(), LANSIA_AGE)


def outstanding_status_clause(model: Any = Resident) -> Any:
    return model.ktp_status.in_([s.value for s in OUTSTANDING_STATUSES])


def outstanding_clause(on: dt.date | None = None, model: Any = Resident) -> Any:
    return sa.and_(outstanding_status_clause(model), wajib_clause(on, model))


def newly_wajib_clause(since: dt.date, on: dt.date | None = None, model: Any = Resident) -> Any:
    """Turned 17 between ``since`` and ``on`` (and not married before)."""
    on = on or reference_date()
    return sa.and_(
        model.birth_date <= birth_date_cutoff(on, WAJIB_KTP_AGE),
        model.birth_date > birth_date_cutoff(since - dt.timedelta(days=1), WAJIB_KTP_AGE),
    )


# ------------------------------------------------------------------ regions and campaigns
#
# Everything below is shared by the per-village outstanding list, its printable
# sheet and CSV, the campaign progress page, the kit map and the home-visit list.
# Counting happens in SQL (conditional sums), never by loading residents.

from sqlalchemy.ext.compiler import compiles  # noqa: E402
from sqlalchemy.orm import aliased  # noqa: E402

from .domain.enums import DeviceOwnerKind  # noqa: E402
from .models import Device, Team  # noqa: E402

#: "Newly 17" counts from the start of the latest campaign covering a desa; with
#: no campaign, from this many days before the reference date.
NEWLY_17_DEFAULT_DAYS = 30

_COUNT_FIELDS = ("wajib", "outstanding", "lansia", "disabled_or_ill", "away", "newly_17")


def region_prefixes(code: str) -> list[str]:
    """``35.10.01.2001`` -> ``["35", "35.10", "35.10.01", "35.10.01.2001"]``."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def region_covers(scope: str, code: str) -> bool:
    """Does region ``scope`` contain region ``code`` (or equal it)?"""
    return code == scope or code.startswith(scope + ".")


def region_clause(code: str | None, desa_code: Any = Desa.code, kecamatan_code: Any = None) -> Any:
    """Rows whose desa lies in region ``code`` (province, kab/kota, kecamatan or desa code).

    A kecamatan code is matched on ``kecamatan_code`` when that column is given, so
    the kecamatan index serves it; other codes match the desa code or its prefix.
    """
    if not code:
        return sa.true()
    if kecamatan_code is not None and code.count(".") == 2:
        return kecamatan_code == code
    return sa.or_(desa_code == code, desa_code.like(_like_prefix(code), escape="\\"))


def _like_prefix(code: str) -> str:
    """LIKE pattern for the regions inside ``code`` (a stray % or _ in a typed scope stays literal)."""
    escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + ".%"


def campaign_starts(session: Any, on: dt.date, region_code: str | None = None) -> list[tuple[str, dt.date]]:
    """(scope code, start of its latest campaign) for campaigns begun by ``on``.

    Only scopes that cover part of ``region_code`` (all, when None); one row per
    scope, latest start first, so the first scope covering a desa names the latest
    campaign covering it.
    """
    query = (
        sa.select(Campaign.scope_code, sa.func.max(Campaign.start_date))
        .where(Campaign.start_date <= on)
        .group_by(Campaign.scope_code)
    )
    if region_code:
        query = query.where(
            sa.or_(
                Campaign.scope_code.in_(region_prefixes(region_code)),
                Campaign.scope_code.like(_like_prefix(region_code), escape="\\"),
            )
        )
    rows = [(scope, start) for scope, start in session.execute(query)]
    # Latest first; on a tie the narrower scope first (same date either way).
    return sorted(rows, key=lambda r: (r[1], len(r[0])), reverse=True)


def since_for_region(code: str, starts: list[tuple[str, dt.date]], on: dt.date) -> dt.date:
    """"Newly 17" start for a desa, given :func:`campaign_starts` of a region containing it."""
    for scope, start in starts:
        if region_covers(scope, code):
            return start
    return on - dt.timedelta(days=NEWLY_17_DEFAULT_DAYS)


def newly_17_since(session: Any, desa_code: str, on: dt.date | None = None) -> dt.date:
    """Start of the latest campaign covering the desa, else 30 days before ``on``."""
    on = on or reference_date()
    return since_for_region(desa_code, campaign_starts(session, on, desa_code), on)


def _newly_17_case(on: dt.date, starts: list[tuple[str, dt.date]], desa_code: Any) -> Any:
    """1 for a resident who turned 17 since the latest campaign covering their desa, else 0."""
    default = sa.case((newly_wajib_clause(on - dt.timedelta(days=NEWLY_17_DEFAULT_DAYS), on), 1), else_=0)
    whens = [
        (region_clause(scope, desa_code), sa.case((newly_wajib_clause(start, on), 1), else_=0))
        for scope, start in starts
    ]
    return sa.case(*whens, else_=default) if whens else default


# ------------------------------------------------------------------ outstanding counts


@dataclass(frozen=True)
class OutstandingCounts:
    """Wajib KTP residents of an area and how many are still to be recorded.

    The breakdown columns count outstanding residents only and may overlap (a
    lansia who is also disabled counts in both).
    """

    wajib: int
    outstanding: int
    lansia: int
    disabled_or_ill: int
    away: int
    newly_17: int

    @property
    def recorded(self) -> int:
        """Wajib and not outstanding (recorded, in the pipeline, or a duplicate)."""
        return self.wajib - self.outstanding

    @property
    def percent_done(self) -> float | None:
        return round(100.0 * self.recorded / self.wajib, 1) if self.wajib else None


@dataclass(frozen=True)
class DesaOutstanding(OutstandingCounts):
    """One row of the per-village list."""

    desa_code: str = ""
    desa_name: str = ""
    is_kelurahan: bool = False
    kecamatan_code: str = ""
    kecamatan_name: str = ""
    newly_17_since: dt.date | None = None


@dataclass(frozen=True)
class KecamatanOutstanding(OutstandingCounts):
    kecamatan_code: str = ""
    kecamatan_name: str = ""


def _count_columns(on: dt.date, starts: list[tuple[str, dt.date]]) -> list[Any]:
    outstanding = outstanding_status_clause()

    def among_outstanding(value: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((outstanding, value), else_=0)), 0)

    return [
        sa.func.count(Resident.id).label("wajib"),
        among_outstanding(1).label("outstanding"),
        among_outstanding(sa.case((lansia_clause(on), 1), else_=0)).label("lansia"),
        among_outstanding(
            sa.case((sa.or_(Resident.disabled.is_(True), Resident.seriously_ill.is_(True)), 1), else_=0)
        ).label("disabled_or_ill"),
        among_outstanding(sa.case((Resident.away.is_(True), 1), else_=0)).label("away"),
        among_outstanding(_newly_17_case(on, starts, Desa.code)).label("newly_17"),
    ]


def outstanding_counts_select(
    session: Any,
    region_code: str | None,
    on: dt.date,
    group_by: tuple[Any, ...] = (),
    starts: list[tuple[str, dt.date]] | None = None,
) -> Any:
    """The one aggregate behind every outstanding number (list, totals, progress).

    Desa LEFT JOIN its wajib residents, restricted to ``region_code``, grouped by
    ``group_by`` columns (none: a single totals row). Public functions below wrap it.
    ``starts`` is :func:`campaign_starts` of the region, when the caller has it.
    """
    if starts is None:
        starts = campaign_starts(session, on, region_code)
    return (
        sa.select(*group_by, *_count_columns(on, starts))
        .select_from(Desa)
        .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
        # The region is repeated on the resident side so the database can use the
        # resident's own kecamatan/desa index instead of reading every resident.
        .outerjoin(
            Resident,
            sa.and_(
                Resident.desa_code == Desa.code,
                region_clause(region_code, Resident.desa_code, Resident.kecamatan_code),
                wajib_clause(on),
            ),
        )
        .where(region_clause(region_code, Desa.code, Desa.kecamatan_code))
    )


def _counts(row: Any) -> dict[str, int]:
    # MariaDB returns SUM() as DECIMAL: make every count a plain int.
    return {name: int(getattr(row, name) or 0) for name in _COUNT_FIELDS}


def outstanding_by_desa(
    session: Any,
    kecamatan_code: str | None = None,
    on: dt.date | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[DesaOutstanding]:
    """Every desa of a kecamatan (or all) with wajib, recorded, outstanding and its breakdown.

    One aggregate query with conditional sums. Desa without residents appear with
    zeros. Ordered by kecamatan name, then desa name; ``limit``/``offset`` page it.
    """
    on = on or reference_date()
    starts = campaign_starts(session, on, kecamatan_code)
    group = (Desa.code, Desa.name, Desa.is_kelurahan, Desa.kecamatan_code, Kecamatan.name)
    labelled = (
        Desa.code.label("desa_code"), Desa.name.label("desa_name"), Desa.is_kelurahan.label("is_kelurahan"),
        Desa.kecamatan_code.label("kecamatan_code"), Kecamatan.name.label("kecamatan_name"),
    )
    query = (
        outstanding_counts_select(session, kecamatan_code, on, labelled, starts)
        .group_by(*group)
        .order_by(Kecamatan.name, Desa.kecamatan_code, Desa.name, Desa.code)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [
        DesaOutstanding(
            **_counts(row),
            desa_code=row.desa_code,
            desa_name=row.desa_name,
            is_kelurahan=bool(row.is_kelurahan),
            kecamatan_code=row.kecamatan_code,
            kecamatan_name=row.kecamatan_name,
            newly_17_since=since_for_region(row.desa_code, starts, on),
        )
        for row in session.execute(query)
    ]


def desa_count(session: Any, kecamatan_code: str | None = None) -> int:
    """How many desa the per-village list has (for its pager)."""
    query = sa.select(sa.func.count()).select_from(Desa).where(
        region_clause(kecamatan_code, Desa.code, Desa.kecamatan_code)
    )
    return int(session.execute(query).scalar_one())


def sum_counts(rows: Any) -> OutstandingCounts:
    """Totals of per-desa rows already fetched (saves a second scan of the residents)."""
    totals = dict.fromkeys(_COUNT_FIELDS, 0)
    for row in rows:
        for name in _COUNT_FIELDS:
            totals[name] += getattr(row, name)
    return OutstandingCounts(**totals)


def outstanding_totals(session: Any, region_code: str | None = None, on: dt.date | None = None) -> OutstandingCounts:
    """The totals row of the per-village list, and the "remaining" of campaign progress.

    ``region_code`` may name a kecamatan, a kab/kota, a desa or nothing (all).
    """
    on = on or reference_date()
    row = session.execute(outstanding_counts_select(session, region_code, on)).one()
    return OutstandingCounts(**_counts(row))


def outstanding_by_kecamatan(
    session: Any, region_code: str | None = None, on: dt.date | None = None
) -> list[KecamatanOutstanding]:
    """Per-kecamatan counts of a region (the progress page's breakdown)."""
    on = on or reference_date()
    labelled = (Kecamatan.code.label("kecamatan_code"), Kecamatan.name.label("kecamatan_name"))
    query = (
        outstanding_counts_select(session, region_code, on, labelled)
        .group_by(Kecamatan.code, Kecamatan.name)
        .order_by(Kecamatan.name, Kecamatan.code)
    )
    return [
        KecamatanOutstanding(**_counts(row), kecamatan_code=row.kecamatan_code, kecamatan_name=row.kecamatan_name)
        for row in session.execute(query)
    ]


class _StripLeadingZeros(sa.sql.functions.GenericFunction):
    type = sa.String()
    inherit_cache = True
    name = "ektp_strip_leading_zeros"



@compiles(_StripLeadingZeros)
def _strip_zeros_default(element: Any, compiler: Any, **kw: Any) -> str:
    return "ltrim(%s, '0')" % compiler.process(element.clauses, **kw)


@compiles(_StripLeadingZeros, "postgresql")
@compiles(_StripLeadingZeros, "mysql")
@compiles(_StripLeadingZeros, "mariadb")
def _strip_zeros_standard(element: Any, compiler: Any, **kw: Any) -> str:
    return "TRIM(LEADING '0' FROM %s)" % compiler.process(element.clauses, **kw)


def numeric_text_order(column: Any) -> list[Any]:
    """ORDER BY terms sorting digit strings ("2", "002", "12") as numbers, blanks last.

    RT and RW are typed as text, with or without leading zeros; a cast would fail on
    stray non-digits, so sort by the length of the unpadded text, then the text.
    """
    stripped = _StripLeadingZeros(column)
    return [
        sa.case((sa.or_(column.is_(None), column == ""), 1), else_=0),
        sa.func.length(stripped),
        stripped,
    ]


def rt_rw_order(model: Any = Resident) -> list[Any]:
    """RW, then RT (an RT lies inside an RW), each in numeric order."""
    return [*numeric_text_order(model.rw), *numeric_text_order(model.rt)]


def outstanding_residents(session: Any, desa_code: str, on: dt.date | None = None) -> Any:
    """The outstanding residents of one desa, by RW/RT then name: a statement to page or stream."""
    on = on or reference_date()
    return (
        sa.select(Resident)
        .where(Resident.desa_code == desa_code, outstanding_clause(on))
        .order_by(*rt_rw_order(), Resident.name_key, Resident.id)
    )


def _fmt_date(value: dt.date) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def outstanding_reason(resident: Resident, on: dt.date | None = None, since: dt.date | None = None) -> str:
    """Why an outstanding resident still waits, in the user's language.

    EFAC recapture, away (where, until when), seriously ill, disabled, lansia,
    newly 17 (since ``since``, by default 30 days before ``on``); several are
    joined with "; ". Empty when nothing special applies.
    """
    from .domain.eligibility import is_lansia, is_newly_wajib
    from .i18n import gettext

    on = on or reference_date()
    since = since or on - dt.timedelta(days=NEWLY_17_DEFAULT_DAYS)
    parts: list[str] = []
    if resident.ktp_status == KtpStatus.ENROL_FAILED.value:
        parts.append(gettext("EFAC: capture must be redone"))
    if resident.away:
        where, until = resident.away_location, resident.away_until
        if where and until:
            parts.append(gettext("away at %(place)s until %(date)s", place=where, date=_fmt_date(until)))
        elif where:
            parts.append(gettext("away at %(place)s", place=where))
        elif until:
            parts.append(gettext("away until %(date)s", date=_fmt_date(until)))
        else:
            parts.append(gettext("away"))
    if resident.seriously_ill:
        parts.append(gettext("seriously ill"))
    if resident.disabled:
        note = (resident.disability_note or "").strip()
        parts.append(gettext("disabled (%(note)s)", note=note) if note else gettext("disabled"))
    if is_lansia(resident.birth_date, on):
        parts.append(gettext("lansia (60+)"))
    if since <= on and is_newly_wajib(resident.birth_date, on, since):
        parts.append(gettext("newly 17"))
    return "; ".join(parts)


def next_visits(session: Any, desa_code: str, on: dt.date | None = None, limit: int = 5) -> list[Visit]:
    """Planned visits to a desa from ``on`` onwards, soonest first (for the printed sheet)."""
    on = on or reference_date()
    query = (
        sa.select(Visit)
        .where(Visit.desa_code == desa_code, Visit.state == VisitState.PLANNED.value, Visit.day >= on)
        .order_by(Visit.day, Visit.start_time, Visit.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


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


def home_visit_count(session: Any, region_code: str | None = None, on: dt.date | None = None) -> int:
    on = on or reference_date()
    query = sa.select(sa.func.count(Resident.id)).where(
        home_visit_clause(on), region_clause(region_code, Resident.desa_code, Resident.kecamatan_code)
    )
    return int(session.execute(query).scalar_one())


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
    days_elapsed: int
    days_left: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.recorded / self.baseline, 1) if self.baseline else None

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
    """"recorded" results in visits dated within the campaign window, by residents of the region."""
    return (
        sa.select(*group_by, sa.func.count(VisitResult.id).label("recorded"))
        .select_from(VisitResult)
        .join(Visit, Visit.id == VisitResult.visit_id)
        .join(Resident, Resident.id == VisitResult.resident_id)
        .where(
            VisitResult.result == ResultKind.RECORDED.value,
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
    session: Any, campaign: Campaign, kecamatan_code: str | None = None, on: dt.date | None = None
) -> CampaignProgress | None:
    """Baseline, recorded in the campaign, remaining, and the pace needed to meet the target.

    ``remaining`` is :func:`outstanding_totals` of the region, the very number the
    per-village list shows. The baseline is the campaign's stored one when it is
    measured over its whole scope, else (or when none is stored) recorded +
    remaining. None when the kecamatan lies outside the campaign's scope.
    """
    on = on or reference_date()
    region = campaign_region(campaign, kecamatan_code)
    if region is None:
        return None
    recorded = recorded_in_campaign(session, campaign, region)
    remaining = outstanding_totals(session, region, on).outstanding
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


def _device_scope_clause(kecamatan_code: str | None) -> Any:
    if not kecamatan_code:
        return sa.true()
    return sa.or_(Device.owner_kecamatan_code == kecamatan_code, Device.owner_kind == DeviceOwnerKind.DINAS.value)


def device_count(session: Any, kecamatan_code: str | None = None) -> int:
    return int(session.execute(sa.select(sa.func.count(Device.id)).where(_device_scope_clause(kecamatan_code))).scalar_one())


def device_whereabouts(
    session: Any,
    on: dt.date | None = None,
    *,
    kecamatan_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DeviceWhereabouts]:
    """Every kit with its owner, condition, location, latest and next visit: one query.

    Latest: the last visit not cancelled that was dated before ``on`` or marked done
    on it. Next: the first planned visit from ``on`` on. With ``kecamatan_code``,
    that kecamatan's kits and the Dinas kits (what a clerk sees).
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
        .where(_device_scope_clause(kecamatan_code))
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
