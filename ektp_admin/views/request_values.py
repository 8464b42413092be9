"""Values from URLs and forms made safe to put into SQL."""
from __future__ import annotations

import re
from typing import Any

from flask_admin import tools

from ..domain.text import clean_text

__all__ = ["clean_text", "coerce_pk", "decode_pk", "int_key", "key_candidates"]

# PostgreSQL's integer is 32-bit: a larger id in a URL must be a 404, not a DataError.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def int_key(value: Any) -> int | None:
    """``value`` as a non-negative id an INTEGER column can hold, or None.

    ASCII digits only ("\u00b2".isdigit() is true, int() of it fails), within 32 bits.
    """
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= _INT_MAX else None


def coerce_pk(column: Any, value: Any) -> Any:
    """``value`` (from a URL or a form) as the primary key column's Python type.

    Raises ValueError for a value that column can never hold ("abc", a 30-digit
    number), so the caller answers "not found" instead of letting PostgreSQL or
    MariaDB raise a DataError (a 500).
    """
    if value is None:
        raise ValueError("no id")
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # pragma: no cover - every pk here is int or str
        return value
    if python_type is int:
        number = int(str(value).strip())
        if not _INT_MIN <= number <= _INT_MAX:
            raise ValueError("id out of range")
        return number
    text = str(value)
    length = getattr(column.type, "length", None)
    if length is not None and len(text) > length:
        raise ValueError("id too long")
    if clean_text(text) != text:  # a NUL: PostgreSQL refuses it in any text parameter
        raise ValueError("id with control characters")
    return text


def decode_pk(value: Any) -> Any:
    """A key as Flask-Admin writes it into links and forms, decoded.

    Flask-Admin doubles every "." of a key in its URLs ("35.10.01" is written
    ``35..10..01``); a key that cannot be one value raises ValueError.
    """
    if value is None:
        raise ValueError("no id")
    parts = tools.iterdecode(str(value))
    if len(parts) != 1:
        raise ValueError("not one key")
    return parts[0]


def key_candidates(column: Any, value: Any) -> list[Any]:
    """The keys ``value`` may mean: as Flask-Admin encoded it, then as typed.

    A link of Flask-Admin's carries ``35..10..01``; a portal's own link may
    carry ``35.10.01``. Values the column can never hold are dropped, so an
    empty list means "not found".
    """
    found: list[Any] = []
    for decode in (decode_pk, lambda v: v):
        try:
            key = coerce_pk(column, decode(value))
        except (ValueError, TypeError):
            continue
        if key not in found:
            found.append(key)
    return found
