"""Finding residents: the search every list and picker shares."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.text import clean_text
from ..models import Resident, Visit, VisitResult


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


def resident_id_by_nik(session: Any, nik: str) -> int | None:
    """The id of the resident holding ``nik`` (any kecamatan: a NIK is unique nationwide)."""
    return session.execute(sa.select(Resident.id).where(Resident.nik == nik)).scalar_one_or_none()


def visit_result_count(session: Any, resident_id: int) -> int:
    """In how many visit results the resident appears."""
    return int(session.execute(
        sa.select(sa.func.count()).select_from(VisitResult).where(VisitResult.resident_id == resident_id)
    ).scalar_one())


def resident_visit_results(session: Any, resident_id: int) -> list[VisitResult]:
    """The resident's visit results with their visits, latest first (the details page)."""
    return list(session.execute(
        sa.select(VisitResult)
        .join(VisitResult.visit)
        .where(VisitResult.resident_id == resident_id)
        .options(joinedload(VisitResult.visit).joinedload(Visit.desa),
                 joinedload(VisitResult.visit).joinedload(Visit.kecamatan))
        .order_by(Visit.day.desc(), Visit.start_time.desc(), VisitResult.id.desc())
    ).scalars())


def count_rows(session: Any, model: Any, condition: Any) -> int:
    """How many rows of ``model`` meet ``condition``."""
    return int(session.execute(sa.select(sa.func.count()).select_from(model).where(condition)).scalar_one())
