"""How dates, times and numbers are shown: the one place every screen, sheet and
export takes them from. Dates are dd-mm-yyyy and times HH:MM, as clerks write them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, format_decimal


def fmt_day(value: dt.date | None) -> str:
    """21-09-2016."""
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}" if value else ""


def fmt_time(value: dt.time | None) -> str:
    """09:00."""
    return f"{value.hour:02d}:{value.minute:02d}" if value else ""


def fmt_hours(start: dt.time | None, end: dt.time | None) -> str:
    """09:00-12:00."""
    return f"{fmt_time(start)}-{fmt_time(end)}"


def fmt_long_date(value: dt.date | None) -> str:
    """21 September 2016, in the user's language."""
    return format_date(value, format="long") if value else ""


def fmt_num(value: Any) -> str:
    """A count in the user's locale (1.288.630 in Indonesian)."""
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0")


def fmt_dec(value: Any) -> str:
    """A rate with at most one decimal (0,3 in Indonesian)."""
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0.#")


def fmt_pct(value: Any) -> str:
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0.0") + " %"


def fmt_moment(value: dt.datetime | None) -> str:
    """21-09-2016 14:05:09."""
    return f"{fmt_day(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}" if value else ""
