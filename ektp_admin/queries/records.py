"""What a stored key refers to, for the words a screen shows instead of the key.

The audit trail and the status history keep raw keys (``recorded_visit_id: 387``,
``kecamatan_code: 35.10.01``); the screens name the record instead ("Kunjungan
21-09-2016, Desa Sarongan"). One query per kind of record for a whole page of keys.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

from ..models import Campaign, Desa, Device, Kecamatan, Resident, Team, Visit


@dataclass(frozen=True)
class VisitPlace:
    """A visit as a clerk names it: its day and where it was."""

    id: int
    day: dt.date
    desa_name: str | None
    kecamatan_name: str | None


#: kind of reference -> (key column, the columns that name it)
_NAMES: dict[str, tuple[Any, Any]] = {
    "kecamatan": (Kecamatan.code, Kecamatan.name),
    "desa": (Desa.code, Desa.name),
    "resident": (Resident.id, Resident.name),
    "team": (Team.id, Team.name),
    "campaign": (Campaign.id, Campaign.name),
    "device": (Device.id, Device.serial_number),
}
KINDS = (*_NAMES, "visit")


def record_names(session: Any, kind: str, keys: Iterable[Any]) -> dict[Any, Any]:
    """{key: name} of the records of ``kind`` (one query); a visit: {id: VisitPlace}.

    Keys of the wrong type or of records that are gone are simply missing.
    """
    if kind == "visit":
        return visit_places(session, keys)
    key_column, name_column = _NAMES[kind]
    python_type = key_column.type.python_type
    wanted = set()
    for key in keys:
        value = _id(key) if python_type is int else (key if isinstance(key, str) else None)
        if value is not None:
            wanted.add(value)
    if not wanted:
        return {}
    rows = session.execute(sa.select(key_column, name_column).where(key_column.in_(sorted(wanted))))
    return {key: name for key, name in rows}


def visit_places(session: Any, ids: Iterable[Any]) -> dict[int, VisitPlace]:
    """{visit id: its day, desa and kecamatan names} in one query."""
    wanted = sorted({n for n in (_id(i) for i in ids) if n is not None})
    if not wanted:
        return {}
    query = (
        sa.select(Visit.id, Visit.day, Desa.name, Kecamatan.name)
        .select_from(Visit)
        .outerjoin(Desa, Desa.code == Visit.desa_code)
        .outerjoin(Kecamatan, Kecamatan.code == Visit.kecamatan_code)
        .where(Visit.id.in_(wanted))
    )
    return {vid: VisitPlace(vid, day, desa, kec) for vid, day, desa, kec in session.execute(query)}


def _id(value: Any) -> int | None:
    """An id an INTEGER column can hold (every database), or None."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if number < 2**31 else None


def holder(session: Any, model: Any, column_name: str, value: Any, except_key: Any = None) -> Any:
    """The record of ``model`` whose unique ``column_name`` already holds ``value``
    (other than the one being edited, ``except_key``), or None."""
    column = getattr(model, column_name)
    query = sa.select(model).where(column == value)
    if except_key is not None:
        pk = model.__mapper__.primary_key[0]
        query = query.where(pk != except_key)
    with session.no_autoflush:
        return session.execute(query.limit(1)).scalars().first()


def is_known_region(session: Any, code: str) -> bool:
    """Is ``code`` a regency whose kecamatan are loaded, or one of those kecamatan?"""
    found = session.execute(
        sa.select(Kecamatan.code).where(sa.or_(Kecamatan.code == code, Kecamatan.regency_code == code)).limit(1)
    ).first()
    return found is not None


def regency_codes(session: Any) -> list[str]:
    """The regencies (kab/kota codes) whose kecamatan are loaded."""
    return list(session.execute(sa.select(Kecamatan.regency_code).distinct().order_by(Kecamatan.regency_code)).scalars())
