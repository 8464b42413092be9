"""Cleaning typed or pasted text before any rule or database sees it."""
from __future__ import annotations

from typing import Any


def clean_text(value: Any) -> Any:
    """Text from a URL or a form without the characters no database column holds.

    PostgreSQL refuses NUL in any text parameter (a DataError: a 500 on a list
    page); other control characters are never meant either. Tabs and line
    breaks stay.
    """
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
