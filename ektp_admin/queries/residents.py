"""Finding residents: the search every list and picker shares."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..domain.text import clean_text
from ..models import Resident


def resident_search_clause(search: str) -> Any:
    """NIK (exact or prefix) or name prefix, each served by an index.

    Stock Flask-Admin ORs ``ILIKE '%term%'`` over every column, which no index
    can serve on 1.29 M rows.
    """
    term = " ".join(clean_text(search).split())
    if not term:
        return sa.true()
    if term.isdigit():
        if len(term) >= 16:
            return Resident.nik == term[:16]
        # The next number of the same length bounds the range: digits sort alike
        # under every collation (a ':' after '9' does not under ICU collations).
        following = str(int(term) + 1).zfill(len(term))
        if len(following) > len(term):  # all nines: everything from term upwards
            return Resident.nik >= term
        return sa.and_(Resident.nik >= term, Resident.nik < following)
    key = term.upper()
    upper = key[:-1] + chr(ord(key[-1]) + 1)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.and_(
        Resident.name_key >= key,
        Resident.name_key < upper,
        Resident.name_key.like(escaped + "%", escape="\\"),
    )
