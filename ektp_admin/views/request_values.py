"""Values from URLs and forms made safe to put into SQL."""
from __future__ import annotations

from typing import Any

from ..domain.text import clean_text

__all__ = ["clean_text", "coerce_pk"]

# PostgreSQL's integer is 32-bit: a larger id in a URL must be a 404, not a DataError.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


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
    return text
