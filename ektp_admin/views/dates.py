"""Dates and times as a clerk types them: the form fields, their inputs and the
list filters of every screen.

Flask-Admin 2.2's date inputs (``data-role="datepicker"``) hand the typed text to
bootstrap-daterangepicker 1.3, which re-reads the box on every key-up with a
lenient ``moment(text, "YYYY-MM-DD")`` and writes its guess back: the first "2"
of ``2016-09-21`` becomes ``0002-01-01`` and the rest lands after it
(``0002-01-01016-09-21``); its time input does the same with ``HH:mm:ss``.
Our inputs carry no ``data-role``, so Flask-Admin's ``form.js`` leaves them
alone; ``static/ektp_admin/ektp_admin.js`` opens the same daterangepicker (no
CDN: Flask-Admin ships it and moment) on them with ``DD-MM-YYYY``, the user's
month and day names, Monday first, the field's value or the campaign's "today"
(``queries.reference_date()``), and lets typing be: the box is rewritten only
when the picker closes on a date it could read whole.

The server reads every form people write a date in (:func:`~ektp_admin.formatting.parse_day`)
and a time (:func:`~ektp_admin.formatting.parse_time`), and says what it expects
in the user's language when it cannot.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import sqlalchemy as sa
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import converts
from markupsafe import Markup
from wtforms import Field
from wtforms.widgets import TextInput

from .. import queries
from ..formatting import (
    fmt_day,
    fmt_time,
    local_day_bounds,
    parse_day,
    parse_time,
)
from ..i18n import gettext, lazy_gettext

#: A date somewhere in a typed range ("01-09-2016 - 30-09-2016", "1/9/2016 sampai 30/9/2016").
_DAY_TOKEN = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def day_message() -> str:
    return gettext("Write the date as dd-mm-yyyy, for example 21-09-2016.")


def time_message() -> str:
    return gettext("Write the time as HH:MM, for example 09:00 or 14:30.")


def read_day(text: str | None) -> dt.date | None:
    """A typed date, or ValueError with the sentence the user reads."""
    try:
        return parse_day(text)
    except ValueError:
        raise ValueError(day_message()) from None


def calendar_settings() -> dict[str, Any]:
    """What the calendar says and where it opens, in the user's language (JSON-able)."""
    from babel.dates import get_day_names, get_month_names
    from flask_babel import get_locale

    locale = get_locale() or "id"
    months = get_month_names("wide", locale=locale)
    days = get_day_names("abbreviated", locale=locale)  # 0 = Monday
    return {
        "months": [months[m] for m in range(1, 13)],
        "days": [days[6], *(days[d] for d in range(6))],  # Sunday first, as the picker counts
        "firstDay": 1,  # weeks start on Monday
        "apply": gettext("Apply"),
        "cancel": gettext("Cancel"),
        "from": gettext("First day"),
        "to": gettext("Last day"),
        "today": fmt_day(queries.reference_date()),
    }


class DayInput(TextInput):
    """A text box for a date (dd-mm-yyyy) that ektp_admin.js gives a calendar."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-ektp-date", "day")
        kwargs.setdefault("data-ektp-calendar", json.dumps(calendar_settings(), ensure_ascii=False))
        kwargs.setdefault("placeholder", gettext("dd-mm-yyyy"))
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", "10")
        return super().__call__(field, **kwargs)


class ClockInput(TextInput):
    """A text box for a time of day, typed as HH:MM (no picker to fight the keyboard)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-ektp-time", "1")
        kwargs.setdefault("placeholder", gettext("HH:MM"))
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", "8")
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(field, **kwargs)


class _TypedField(Field):
    def validate(self, form: Any, extra_validators: Any = ()) -> bool:
        # What was typed could not be read: say how to write it. (Validators would
        # see no value and replace the sentence with "This field is required.")
        if self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)


class DayField(_TypedField):
    """A date typed dd-mm-yyyy (or d-m-yyyy, dd/mm/yyyy, yyyy-mm-dd), shown dd-mm-yyyy."""

    widget = DayInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.pop("format", None)  # Flask-Admin's form_args for its own DateField
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)  # what was typed comes back as typed, with its error
        return fmt_day(self.data) if isinstance(self.data, dt.date) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        self.data = read_day(" ".join(str(v) for v in valuelist))


class ClockField(_TypedField):
    """A time of day typed 09:00 (also 9:00, 09.00, 0900), shown HH:MM."""

    widget = ClockInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        for flask_admin_arg in ("format", "formats", "default_format", "widget_format"):
            kwargs.pop(flask_admin_arg, None)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return fmt_time(self.data) if isinstance(self.data, dt.time) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_time(" ".join(str(v) for v in valuelist))
        except ValueError:
            raise ValueError(time_message()) from None


class DayConverterMixin:
    """Date and Time columns become :class:`DayField` / :class:`ClockField` on every form."""

    @converts("Date")
    def convert_date(self, field_args: dict[str, Any], **extra: Any) -> DayField:
        field_args.pop("widget", None)
        return DayField(**field_args)

    @converts("Time")
    def convert_time(self, field_args: dict[str, Any], **extra: Any) -> ClockField:
        field_args.pop("widget", None)
        return ClockField(**field_args)


class EktpModelConverter(DayConverterMixin, AdminModelConverter):
    """The form converter of every e-KTP model screen (and of its inline rows)."""


# ------------------------------------------------------------------ list filters


class DayFilter(BaseSQLAFilter):
    """A list filter on a day, typed dd-mm-yyyy or picked.

    On a Date column the day is compared as it is; on a DateTime column (a UTC
    timestamp) a day is the office's day, from its local midnight to the next.
    """

    #: client input: one day (``ektp-day``) or a range (``ektp-days``), opened by ektp_admin.js
    input_type = "ektp-day"

    def __init__(self, column: Any, name: Any, **kwargs: Any) -> None:
        kwargs.setdefault("data_type", self.input_type)
        super().__init__(column, name, **kwargs)

    def _is_moment(self, column: Any) -> bool:
        return isinstance(getattr(column, "type", None), sa.DateTime)

    def clean(self, value: Any) -> Any:
        day = parse_day(value)
        if day is None:
            raise ValueError("empty")
        return day

    def _first(self, column: Any, day: dt.date) -> Any:
        return local_day_bounds(day)[0] if self._is_moment(column) else day

    def _after(self, column: Any, day: dt.date) -> Any:
        """The first value past ``day``."""
        return local_day_bounds(day)[1] if self._is_moment(column) else day + dt.timedelta(days=1)


class DayOnFilter(DayFilter):
    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        column = self.get_column(alias)
        return query.filter(column >= self._first(column, value), column < self._after(column, value))

    def operation(self) -> Any:
        return lazy_gettext("on")


class DayFromFilter(DayFilter):
    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        column = self.get_column(alias)
        return query.filter(column >= self._first(column, value))

    def operation(self) -> Any:
        return lazy_gettext("on or after")


class DayUntilFilter(DayFilter):
    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        column = self.get_column(alias)
        return query.filter(column < self._after(column, value))

    def operation(self) -> Any:
        return lazy_gettext("on or before")


class DayBetweenFilter(DayFilter):
    """Two days, typed with any separator ("01-09-2016 - 30-09-2016") or picked."""

    input_type = "ektp-days"

    def clean(self, value: Any) -> Any:
        found = _DAY_TOKEN.findall(str(value or ""))
        if len(found) != 2:
            raise ValueError("not two dates")
        first, last = (parse_day(v) for v in found)
        assert first is not None and last is not None
        return (first, last) if first <= last else (last, first)

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        column = self.get_column(alias)
        first, last = value
        return query.filter(column >= self._first(column, first), column < self._after(column, last))

    def operation(self) -> Any:
        return lazy_gettext("between")


def day_filters(column: Any, name: Any) -> list[DayFilter]:
    """The filters of one date (or timestamp) column: between, on, on or after, on or before."""
    return [cls(column, name) for cls in (DayBetweenFilter, DayOnFilter, DayFromFilter, DayUntilFilter)]


def invalid_day_message(flt: Any, value: Any) -> str | None:
    """What a user reads whose typed filter date cannot be read (None: not a day filter)."""
    if not isinstance(flt, DayFilter):
        return None
    if isinstance(flt, DayBetweenFilter):
        return gettext("Filter %(name)s: write two dates as dd-mm-yyyy, for example 01-09-2016 - 30-09-2016 "
                       "(got %(value)s).", name=flt.name, value=value)
    return gettext("Filter %(name)s: write the date as dd-mm-yyyy, for example 21-09-2016 (got %(value)s).",
                   name=flt.name, value=value)
