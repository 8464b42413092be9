"""Why an outstanding resident still waits, in the user's language (sheets, lists, CSV)."""
from __future__ import annotations

import datetime as dt

from ..domain.eligibility import is_lansia, is_newly_wajib
from ..domain.enums import KtpStatus
from ..formatting import fmt_day
from ..i18n import gettext
from ..models import Resident
from ..queries import NEWLY_17_DEFAULT_DAYS, reference_date


def outstanding_reason(resident: Resident, on: dt.date | None = None, since: dt.date | None = None,
                       *, public: bool = False) -> str:
    """Why an outstanding resident still waits, in the user's language.

    EFAC recapture, away (where, until when), seriously ill, disabled, lansia,
    newly 17 (since ``since``, by default 30 days before ``on``); several are
    joined with "; ". Empty when nothing special applies.

    ``public``: for the sheet read out at the mosque and pinned at the village
    hall - no health or disability details, nor where a migrant works.
    """
    on = on or reference_date()
    since = since or on - dt.timedelta(days=NEWLY_17_DEFAULT_DAYS)
    parts: list[str] = []
    if resident.ktp_status == KtpStatus.ENROL_FAILED.value:
        parts.append(gettext("EFAC: capture must be redone"))
    if resident.away and public:
        parts.append(gettext("away"))
    elif resident.away:
        where, until = resident.away_location, resident.away_until
        if where and until:
            parts.append(gettext("away at %(place)s until %(date)s", place=where, date=fmt_day(until)))
        elif where:
            parts.append(gettext("away at %(place)s", place=where))
        elif until:
            parts.append(gettext("away until %(date)s", date=fmt_day(until)))
        else:
            parts.append(gettext("away"))
    if resident.seriously_ill and not public:
        parts.append(gettext("seriously ill"))
    if resident.disabled and not public:
        note = (resident.disability_note or "").strip()
        parts.append(gettext("disabled (%(note)s)", note=note) if note else gettext("disabled"))
    if is_lansia(resident.birth_date, on):
        parts.append(gettext("lansia (60+)"))
    if since <= on and is_newly_wajib(resident.birth_date, on, since):
        parts.append(gettext("newly 17"))
    return "; ".join(parts)
