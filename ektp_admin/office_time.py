"""The office's time zone (``EKTP_ADMIN_TIMEZONE``): what "today" and "14:05" mean to a clerk.

Apart from :mod:`ektp_admin.formatting` (which translates) so the query layer can
ask for today's date in the office's zone too.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: WIB: Java, Sumatra, West and Central Kalimantan.
DEFAULT_ZONE = "Asia/Jakarta"


def office_zone() -> dt.tzinfo:
    """``EKTP_ADMIN_TIMEZONE`` of the current app (checked into a zone at init_app)."""
    zone = current_app.config.get("EKTP_ADMIN_TIMEZONE") if has_app_context() else None
    if isinstance(zone, dt.tzinfo):
        return zone
    return ZoneInfo(zone or DEFAULT_ZONE)
