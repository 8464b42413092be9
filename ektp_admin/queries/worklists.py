"""Worklists of the pipeline's failures, per kecamatan: EFAC (the capture must be
redone: record again) and DUP (a duplicate record: file a deletion request)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..domain.enums import KtpStatus
from ..models import Kecamatan, Resident
from .clauses import region_clause
from .outstanding import rt_rw_order

#: worklist key -> the status it lists
WORKLISTS: dict[str, KtpStatus] = {"efac": KtpStatus.ENROL_FAILED, "dup": KtpStatus.DUPLICATE}


def worklist_residents(kind: str, reach_clause: Any, kecamatan_code: str | None = None) -> Any:
    """The residents on worklist ``kind`` within ``reach_clause`` (and one kecamatan),
    by kecamatan, desa, RW/RT and name: a statement to page or stream."""
    return (
        sa.select(Resident)
        .where(Resident.ktp_status == WORKLISTS[kind].value, reach_clause,
               region_clause(kecamatan_code, Resident.desa_code, Resident.kecamatan_code))
        .order_by(Resident.kecamatan_code, Resident.desa_code, *rt_rw_order(), Resident.name_key, Resident.id)
    )


def worklist_count(session: Any, kind: str, reach_clause: Any, kecamatan_code: str | None = None) -> int:
    query = sa.select(sa.func.count(Resident.id)).where(
        Resident.ktp_status == WORKLISTS[kind].value, reach_clause,
        region_clause(kecamatan_code, Resident.desa_code, Resident.kecamatan_code))
    return int(session.execute(query).scalar_one())


def worklist_counts(session: Any, reach_clause: Any, kecamatan_code: str | None = None) -> list[tuple[str, str, int, int]]:
    """(kecamatan code, name, EFAC, DUP) of every kecamatan with either, by name."""
    efac, dup = WORKLISTS["efac"].value, WORKLISTS["dup"].value
    query = (
        sa.select(Resident.kecamatan_code, Kecamatan.name,
                  sa.func.coalesce(sa.func.sum(sa.case((Resident.ktp_status == efac, 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Resident.ktp_status == dup, 1), else_=0)), 0))
        .join(Kecamatan, Kecamatan.code == Resident.kecamatan_code)
        .where(Resident.ktp_status.in_([efac, dup]), reach_clause,
               region_clause(kecamatan_code, Resident.desa_code, Resident.kecamatan_code))
        .group_by(Resident.kecamatan_code, Kecamatan.name)
        .order_by(Kecamatan.name, Resident.kecamatan_code)
    )
    return [(code, name, int(e), int(d)) for code, name, e, d in session.execute(query)]
