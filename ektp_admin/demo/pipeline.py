"""Where each wajib resident stood in the KTP-el pipeline before the campaign.

Residents arrive as imported from SIAK, status already set (no status history: the
import is not a move made in this portal). The outstanding ones (the backlog) are
NOT_RECORDED, or ENROL_FAILED when a capture must be redone; the rest went through the
pipeline before the campaign began, each move dated no earlier than the day they became
wajib KTP. Recordings in the campaign are :mod:`.recording`'s business.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..domain.eligibility import WAJIB_KTP_AGE, is_wajib_ktp
from ..domain.enums import KtpStatus, MaritalStatus
from .campaign import CAMPAIGN_START, DONE_DAYS
from .draw import date_since, pick, random_date
from .people import Person, wajib_since
from .vocabulary import (
    DISABILITY_NOTES,
    ILLNESS_NOTES,
    MIGRANT_KECAMATAN,
    MIGRANT_PLACES,
)


@dataclass
class Backlog:
    """One resident outstanding on DEMO_TODAY before the campaign (kept per kecamatan)."""

    resident_id: int
    desa_code: str
    rw: str
    rt: str
    address: str
    birth_date: dt.date
    marital: MaritalStatus
    status: KtpStatus
    category: str  # newly17 | lansia | ill | disabled | away | other
    home: bool  # needs a home visit (lansia, seriously ill, disabled)

    @cached_property
    def recordable_days(self) -> list[dt.date]:
        """The campaign's done days on which the resident was wajib KTP (could be recorded)."""
        return [d for d in DONE_DAYS if is_wajib_ktp(self.birth_date, self.marital, d)]


def sort_into_pipeline(rng: random.Random, wajib: list[Person], outstanding_ids: set[int]) -> list[Backlog]:
    """Give each wajib resident a status: outstanding (index in ``outstanding_ids``) or
    somewhere along the pipeline. Returns the backlog (the outstanding ones)."""
    backlog = []
    for i, person in enumerate(wajib):
        if i in outstanding_ids:
            backlog.append(outstanding(rng, person))
        else:
            through_pipeline(rng, person)
    return backlog


def outstanding(rng: random.Random, person: Person) -> Backlog:
    """Why the resident has not been recorded (the article's categories), and their status."""
    row, age, sex = person.row, person.age, person.sex
    category = "other"
    if age == WAJIB_KTP_AGE:
        category = "newly17"
    elif age >= 60:
        category = "lansia"
        if rng.random() < 0.25:
            ill(rng, row)
        elif rng.random() < 0.15:
            disabled(rng, row)
    elif 20 <= age <= 50 and rng.random() < (0.6 if row["kecamatan_code"] in MIGRANT_KECAMATAN else 0.5):
        category = "away"
        row["away"] = True
        row["away_location"] = pick(rng, MIGRANT_PLACES[sex])
        row["away_until"] = (None if rng.random() < 0.3
                             else random_date(rng, dt.date(2016, 10, 1), dt.date(2018, 12, 31)))
    else:
        roll = rng.random()
        if roll < 0.18:
            category = "ill"
            ill(rng, row)
        elif roll < 0.4:
            category = "disabled"
            disabled(rng, row)
    status = KtpStatus.NOT_RECORDED
    if category in ("other", "lansia", "disabled") and rng.random() < 0.12:
        status = KtpStatus.ENROL_FAILED  # recorded once; the capture must be redone
        row["ktp_status"] = status.value
        row["ktp_status_changed_on"] = date_since(rng, dt.date(2013, 1, 1), dt.date(2016, 8, 31),
                                                  wajib_since(row["birth_date"], person.marital))
        row["notes"] = "EFAC: sidik jari tidak terbaca di pusat, perlu rekam ulang."
    home = category in ("lansia", "ill", "disabled") or row["seriously_ill"] or row["disabled"]
    return Backlog(row["id"], row["desa_code"], row["rw"], row["rt"], row["address"],
                   row["birth_date"], person.marital, status, category, home)


def through_pipeline(rng: random.Random, person: Person) -> None:
    """A wajib resident recorded before the campaign, somewhere along the pipeline."""
    S = KtpStatus
    row, age = person.row, person.age
    if age <= 18:  # recorded recently: many wait for blanks (PRR), 2016's shortage
        status = rng.choices((S.RECORDED, S.SENT, S.PRINT_READY, S.PRINTED, S.HANDED_OVER),
                             weights=(20, 25, 35, 10, 10))[0]
    else:
        status = rng.choices((S.RECORDED, S.SENT, S.PRINT_READY, S.PRINTED, S.HANDED_OVER, S.DUPLICATE),
                             weights=(1.5, 2, 3.5, 2, 90, 1))[0]
    first = dt.date(2012, 1, 2) if status == S.HANDED_OVER else dt.date(2016, 1, 4)
    row["ktp_status"] = status.value
    row["ktp_status_changed_on"] = date_since(
        rng, first, CAMPAIGN_START - dt.timedelta(days=1), wajib_since(row["birth_date"], person.marital)
    )
    if status == S.DUPLICATE:
        row["notes"] = "DUP: perekaman ganda, menunggu permohonan hapus data ke pusat."
    if 20 <= age <= 45 and rng.random() < 0.03:
        row["away"] = True
        row["away_location"] = pick(rng, MIGRANT_PLACES[person.sex])
    elif rng.random() < (0.02 if age >= 60 else 0.008):
        disabled(rng, row)
    elif rng.random() < (0.015 if age >= 60 else 0.003):
        ill(rng, row)


def ill(rng: random.Random, row: dict[str, Any]) -> None:
    row["seriously_ill"] = True
    row["notes"] = pick(rng, ILLNESS_NOTES)


def disabled(rng: random.Random, row: dict[str, Any]) -> None:
    row["disabled"] = True
    row["disability_note"] = pick(rng, DISABILITY_NOTES)
