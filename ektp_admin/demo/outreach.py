"""Outreach before and during the campaign: the mosque after Friday prayers in every desa,
most village halls (RT/RW meetings), some schools (pupils who have turned 17)."""
from __future__ import annotations

import datetime as dt
import random

from ..domain.enums import OutreachChannel, Sex
from ..models import Outreach
from .campaign import DemoSummary
from .draw import pick, random_date, ri
from .people import full_name, title
from .plan import DesaPlan
from .store import BulkWriter, Ids
from .vocabulary import MOSQUES

_FRIDAYS = [dt.date(2016, 9, 2), dt.date(2016, 9, 9), dt.date(2016, 9, 16)]
_SCHOOL_DAYS = [dt.date(2016, 9, 5), dt.date(2016, 9, 6), dt.date(2016, 9, 12), dt.date(2016, 9, 13),
                dt.date(2016, 9, 14)]


class OutreachLog:
    """Writes each desa's outreach records."""

    def __init__(self, ids: Ids, writer: BulkWriter, summary: DemoSummary,
                 plans: dict[str, list[DesaPlan]]) -> None:
        self.ids = ids
        self.writer = writer
        self.summary = summary
        self.plans = plans

    def for_kecamatan(self, rng: random.Random, kec_code: str, kec_name: str) -> None:
        for plan in self.plans.get(kec_code, []):
            rows = []
            mosque = pick(rng, MOSQUES)
            takmir = title(full_name(rng, Sex.MALE, ri(rng, 1960, 1975)))
            rows.append((OutreachChannel.MOSQUE, pick(rng, _FRIDAYS), f"H. {takmir} (takmir Masjid {title(mosque)})",
                         "Pengumuman jadwal perekaman KTP-el setelah salat Jumat."))
            if rng.random() < 0.7:
                head = full_name(rng, Sex.MALE if rng.random() < 0.85 else Sex.FEMALE, ri(rng, 1960, 1980))
                head = title(head)
                chief = "Lurah" if plan.is_kelurahan else "Kepala Desa"
                rows.append((OutreachChannel.VILLAGE_HALL,
                             random_date(rng, dt.date(2016, 8, 29), dt.date(2016, 9, 18)),
                             f"{chief} {plan.name} ({head})",
                             "Rapat RT/RW: daftar warga yang belum rekam dibagikan ke ketua RT."))
            if rng.random() < 0.3:
                rows.append((OutreachChannel.SCHOOL, pick(rng, _SCHOOL_DAYS),
                             f"Kepala SMA/SMK di Kecamatan {kec_name}",
                             "Siswa kelas XII yang sudah 17 tahun diminta datang ke pos perekaman."))
            for channel, held_on, by_whom, notes in rows:
                stamp = dt.datetime.combine(held_on, dt.time(16, 0))
                self.writer.add(Outreach.__table__, {
                    "id": self.ids.take(Outreach.__table__), "desa_code": plan.code, "kecamatan_code": kec_code,
                    "channel": channel.value, "held_on": held_on, "by_whom": by_whom, "notes": notes,
                    "version": 1, "created_at": stamp, "updated_at": stamp,
                })
                self.summary.outreach += 1
