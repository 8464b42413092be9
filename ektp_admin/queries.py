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
