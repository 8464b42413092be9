"""How dates, times and numbers are shown and read: the one place every screen,
sheet, form and export takes them from. Dates are dd-mm-yyyy and times HH:MM, as
clerks write them; timestamps (stored in UTC) are shown in the office's zone,
``EKTP_ADMIN_TIMEZONE``, with the zone's name ("21-09-2016 14:05 WIB")."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from babel.numbers import get_group_symbol
from flask_babel import format_date, format_decimal, get_locale

from .office_time import office_zone

#: How a typed date may be written: dd-mm-yyyy (also d-m-yyyy), dd/mm/yyyy,
#: dd.mm.yyyy, and yyyy-mm-dd as pasted from a spreadsheet or a database.
DAY_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?(?:[:.](\d{2}))?$")


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


def fmt_month(value: dt.date | None) -> str:
    """September 2016, in the user's language; ``month`` in URLs is ``2016-09``."""
    return format_date(value, format="MMMM yyyy") if value else ""


def fmt_num(value: Any) -> str:
    """A count in the user's locale (1.288.630 in Indonesian)."""
    if value is None:
        return "-"
    if type(value) is int and value >= 0:
        # Babel's pattern machinery costs ~0.2 ms a call, and a summary shows
        # thousands of counts: a count only needs the locale's group separator.
        return f"{value:,}".replace(",", _group_symbol(str(get_locale() or "en")))
    return format_decimal(value, format="#,##0")


@lru_cache(maxsize=None)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


def fmt_dec(value: Any) -> str:
    """A rate with at most one decimal (0,3 in Indonesian)."""
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0.#")


def fmt_pct(value: Any) -> str:
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0.0") + " %"


def local_moment(value: dt.datetime) -> dt.datetime:
    """A stored timestamp (naive = UTC) in the office's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(office_zone())


def fmt_moment(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """A stored (UTC) timestamp in the office's zone: 21-09-2016 14:05 WIB."""
    if not value:
        return ""
    local = local_moment(value)
    clock = f"{local.hour:02d}:{local.minute:02d}" + (f":{local.second:02d}" if seconds else "")
    return f"{fmt_day(local)} {clock} {local.tzname() or ''}".rstrip()


def zone_name() -> str:
    """The office zone's short name now (WIB), for headers such as "When (WIB)"."""
    return dt.datetime.now(dt.timezone.utc).astimezone(office_zone()).tzname() or str(office_zone())


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments (naive, as stored) where ``day`` begins and ends in the office's zone."""
    zone = office_zone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def parse_day(text: str | None) -> dt.date | None:
    """A date as typed or pasted (:data:`DAY_FORMATS`); None for a blank.

    Raises ValueError for anything else (the form field says it in words). A year
    is four digits; whether the day makes sense (a birth, a visit) is the domain
    rules' to say.
    """
    text = (text or "").strip()
    if not text:
        return None
    for pattern in DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def parse_time(text: str | None) -> dt.time | None:
    """A time of day as typed: 09:00, 9:00, 09.00 (the Indonesian way), 0900, 9; None for a blank.

    Seconds, if given, are dropped (visits are planned to the minute). Raises ValueError otherwise.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"not a time: {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59 or int(match.group(3) or 0) > 59:
        raise ValueError(f"not a time: {text!r}")
    return dt.time(hour, minute)
