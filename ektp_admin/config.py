"""``EKTP_ADMIN_*`` settings, checked once at ``init_app``.

Each value is read in the forms people write it (``"07:00"``, ``"2016-09-21"``,
``"50"``), turned into its Python type in the app's config, and refused with a
message naming the key when it cannot mean anything. Screens then read plain,
typed values.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Callable

Check = Callable[[Any], Any]


class ConfigError(ValueError):
    """An ``EKTP_ADMIN_*`` setting the plugin cannot use."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty text")
    return value


def _url_prefix(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value != value.strip():
        raise ValueError('a URL path starting with "/" (e.g. "/admin")')
    return value.rstrip("/") or "/"


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError("true or false")


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError('a time of day such as "07:00"') from None


def _date_or_none(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError('a date such as "2016-09-21", or None for today') from None


def _zone(value: Any) -> dt.tzinfo:
    """An IANA zone name (``"Asia/Jakarta"`` for WIB) read through ``zoneinfo``."""
    if isinstance(value, dt.tzinfo):
        return value
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(value or "").strip()
    try:
        if not name:
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            'a time zone name from the IANA database, such as "Asia/Jakarta" (WIB), "Asia/Makassar" (WITA) '
            'or "Asia/Jayapura" (WIT); an unknown name on Windows may mean the tzdata package is missing'
        ) from None


def _count(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return number

    return check


def _locales(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    try:
        locales = tuple(str(v) for v in value)
    except TypeError:
        raise ValueError('a list of language codes such as ("id", "en")') from None
    if not locales or any(not v for v in locales):
        raise ValueError('a list of language codes such as ("id", "en")')
    return locales


def _screens(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        raise ValueError('None (every screen) or a list of screen names such as ("residents", "outstanding")') from None


def _date_range(value: Any) -> tuple[dt.date | None, dt.date | None] | None:
    if value is None:
        return None
    try:
        first, last = value
    except (TypeError, ValueError):
        raise ValueError('a pair of dates such as ("2011-01-01", "2100-12-31"), either end None for open') from None
    first, last = _date_or_none(first), _date_or_none(last)
    if first and last and first > last:
        raise ValueError("a first day on or before the last day")
    return first, last


def _seconds(value: Any) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else -1.0
    except ValueError:
        number = -1.0
    if not 0 <= number <= 600:
        raise ValueError("a number of seconds from 0 to 600")
    return number


def _delimiter(value: Any) -> str:
    if value not in (",", ";"):
        raise ValueError('"," or ";"')
    return str(value)


def _endpoint_or_none(value: Any) -> str | None:
    """None, or a non-empty text."""
    if value in (None, ""):
        return None
    return _text(value)


def _folder_or_none(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError("a folder path, or None for the instance folder")
    return os.fspath(value)


#: How each key is read; every key of ``DEFAULT_CONFIG`` has one (a test checks).
CHECKS: dict[str, Check] = {
    "EKTP_ADMIN_URL": _url_prefix,
    "EKTP_ADMIN_NAME": _text,
    "EKTP_ADMIN_DEFAULT_LOCALE": _text,
    "EKTP_ADMIN_LOCALES": _locales,
    "EKTP_ADMIN_RECORDING_START": _time,
    "EKTP_ADMIN_RECORDING_END": _time,
    "EKTP_ADMIN_RECORDING_WEEKENDS": _bool,
    "EKTP_ADMIN_REFERENCE_DATE": _date_or_none,
    "EKTP_ADMIN_PAGE_SIZE": _count(1, 1000),
    "EKTP_ADMIN_LIST_COUNT_LIMIT": _count(1000, 100_000_000),
    "EKTP_ADMIN_CSV_BOM": _bool,
    "EKTP_ADMIN_CSV_DELIMITER": _delimiter,
    "EKTP_ADMIN_LOGIN_ENDPOINT": _endpoint_or_none,
    "EKTP_ADMIN_LANGUAGE_SWITCH": _bool,
    "EKTP_ADMIN_MENU_CATEGORY": _endpoint_or_none,
    "EKTP_ADMIN_SCREENS": _screens,
    "EKTP_ADMIN_VISIT_DATE_RANGE": _date_range,
    "EKTP_ADMIN_SQLITE_BUSY_TIMEOUT": _seconds,
    "EKTP_ADMIN_MAX_REQUEST_BYTES": _count(1, 2**40),
    "EKTP_ADMIN_MAX_UPLOAD_BYTES": _count(1, 2**40),
    "EKTP_ADMIN_MAX_TEXT_CHARS": _count(1, 1_000_000),
    "EKTP_ADMIN_CONTENT_SECURITY_POLICY": _endpoint_or_none,
    "EKTP_ADMIN_IMPORT_FOLDER": _folder_or_none,
    "EKTP_ADMIN_IMPORT_REPORT_DAYS": _count(1, 3650),
    "EKTP_ADMIN_TIMEZONE": _zone,
}


def validate(config: Any, defaults: dict[str, Any]) -> None:
    """Fill in defaults, check every ``EKTP_ADMIN_*`` value and store it typed.

    Raises :class:`ConfigError` naming the key, the value and what it should be.
    """
    for key, default in defaults.items():
        config.setdefault(key, default)
    for key in sorted(k for k in config if k.startswith("EKTP_ADMIN_")):
        check = CHECKS.get(key)
        if check is None:
            continue  # a key of the standalone portal's own, or a future one
        try:
            config[key] = check(config[key])
        except ValueError as exc:
            raise ConfigError(f"{key} = {config[key]!r} cannot be used: give {exc}.") from None
    if config["EKTP_ADMIN_RECORDING_START"] >= config["EKTP_ADMIN_RECORDING_END"]:
        raise ConfigError(
            "EKTP_ADMIN_RECORDING_START must be before EKTP_ADMIN_RECORDING_END "
            f"(got {config['EKTP_ADMIN_RECORDING_START']} and {config['EKTP_ADMIN_RECORDING_END']})."
        )
    if config["EKTP_ADMIN_DEFAULT_LOCALE"] not in config["EKTP_ADMIN_LOCALES"]:
        raise ConfigError(
            f"EKTP_ADMIN_DEFAULT_LOCALE = {config['EKTP_ADMIN_DEFAULT_LOCALE']!r} is not one of "
            f"EKTP_ADMIN_LOCALES {config['EKTP_ADMIN_LOCALES']!r}."
        )
