"""Derived facts as SQL (wajib KTP, lansia, outstanding, newly 17), regions, and
the reference day everything is counted on.

Ages are never stored: "17 or over on the reference date" becomes
``birth_date <= cutoff``, which any database can answer from an index.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..domain.eligibility import (
    LANSIA_AGE,
    OUTSTANDING_STATUSES,
    WAJIB_KTP_AGE,
    birth_date_cutoff,
)
from ..domain.enums import Citizenship, KtpStatus, MaritalStatus
from ..models import Campaign, Desa, Resident
from ..office_time import office_zone


def reference_date() -> dt.date:
    """The day ages are counted on: ``EKTP_ADMIN_REFERENCE_DATE``, or today in the office's
    zone (``EKTP_ADMIN_TIMEZONE``: at 06:00 WIB the server's UTC clock still says yesterday)."""
    if has_app_context():
        configured = current_app.config.get("EKTP_ADMIN_REFERENCE_DATE")
        if configured:
            return configured if isinstance(configured, dt.date) else dt.date.fromisoformat(str(configured))
    return dt.datetime.now(office_zone()).date()


# ------------------------------------------------------------------ derived facts as SQL


def wajib_clause(on: dt.date | None = None, model: Any = Resident) -> Any:
    """UU 24/2013 art. 63: citizens and permanent foreigners, 17+ or ever married,
    who still live here (not deceased, not moved out)."""
    on = on or reference_date()
    return sa.and_(
        model.departure.is_(None),
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


def duplicate_clause(model: Any = Resident) -> Any:
    """A duplicate record (DUP): not counted as recorded until its deletion request is processed."""
    return model.ktp_status == KtpStatus.DUPLICATE.value


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



#: "Newly 17" counts from the start of the latest campaign covering a desa; with
#: no campaign, from this many days before the reference date.
NEWLY_17_DEFAULT_DAYS = 30

_COUNT_FIELDS = ("wajib", "outstanding", "lansia", "disabled_or_ill", "away", "newly_17", "duplicate")


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
    the kecamatan index serves it; a desa code is matched exactly; other codes
    match the desa code or its prefix.
    """
    if not code:
        return sa.true()
    if kecamatan_code is not None and code.count(".") == 2:
        return kecamatan_code == code
    if code.count(".") == 3:
        # A desa has no regions inside it: an equality the desa index serves (an OR
        # with a LIKE makes SQLite read every resident).
        return desa_code == code
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
