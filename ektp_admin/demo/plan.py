"""The plan of the load: how many live in each desa and where, who is outstanding before
the campaign, and whom its first two weeks recorded (or tried to).

Shares are kept exact over the whole run by error diffusion while desa and kecamatan
vary: each desa gets the share it is owed so far, not its own rounded share.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ..domain.eligibility import WAJIB_KTP_AGE
from ..domain.enums import ResultKind
from .campaign import CAMPAIGN_START, OUTSTANDING_SHARE
from .people import Person, wajib_since
from .pipeline import Backlog
from .vocabulary import DUSUN, KECAMATAN_WEIGHT, MIGRANT_KECAMATAN, STREETS

#: One try to record a backlog resident in the campaign, and how it went.
Attempt = tuple[Backlog, ResultKind]


@dataclass
class DesaPlan:
    code: str
    name: str
    is_kelurahan: bool
    residents: int
    outstanding_factor: float
    recording_factor: float
    rw_rt: list[tuple[str, str, str]] = field(default_factory=list)  # (place, rw, rt)
    #: a preset's exact number of wajib KTP residents here (``residents`` then only
    #: sizes the neighbourhoods: households are drawn until the wajib count is met)
    wajib: int | None = None


#: Wajib KTP residents per resident in the demo's households (about 30 % are children).
WAJIB_PER_RESIDENT = 0.713


def plan_desa(rng: random.Random, desa_rows: list[Any], total: int, *,
              by_wajib: bool = False) -> dict[str, list[DesaPlan]]:
    """How many residents live in each desa (exactly ``total`` in all), per kecamatan;
    with ``by_wajib`` the counts are wajib KTP residents (a preset's exact figure)."""
    by_kec: dict[str, list[Any]] = {}
    for row in desa_rows:
        by_kec.setdefault(row.kecamatan_code, []).append(row)
    weights: list[tuple[Any, float]] = []
    for kec_code, rows in by_kec.items():
        kec_weight = KECAMATAN_WEIGHT.get(kec_code, 8 * len(rows))
        local = [rng.uniform(0.5, 1.6) * (1.4 if r.is_kelurahan else 1.0) for r in rows]
        for row, w in zip(rows, local):
            weights.append((row, kec_weight * w / sum(local)))
    total_weight = sum(w for _r, w in weights)
    exact = [total * w / total_weight for _r, w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    plans: dict[str, list[DesaPlan]] = {}
    raw_factor = []
    for (row, _w), n in zip(weights, counts):
        factor = rng.uniform(0.6, 1.5)
        if row.kecamatan_code in MIGRANT_KECAMATAN:
            factor *= 1.25
        if row.is_kelurahan:
            factor *= 0.7
        raw_factor.append(factor)
        residents = round(n / WAJIB_PER_RESIDENT) if by_wajib else n
        plan = DesaPlan(row.code, row.name, row.is_kelurahan, residents, factor, rng.uniform(0.6, 1.4),
                        wajib=n if by_wajib else None)
        plan.rw_rt = neighbourhoods(rng, row.is_kelurahan, residents)
        plans.setdefault(row.kecamatan_code, []).append(plan)
    # Normalise so that the factors average 1 over the population.
    scale = sum(counts) / (sum(f * n for f, n in zip(raw_factor, counts)) or 1)
    for kec_plans in plans.values():
        for plan in kec_plans:
            plan.outstanding_factor *= scale
    return plans


def neighbourhoods(rng: random.Random, kelurahan: bool, residents: int) -> list[tuple[str, str, str]]:
    """Dusun (or street) with RW and RT numbers, numbered across the desa as in Java."""
    rts = max(4, min(60, residents // 200 + 4))
    places = rng.sample(STREETS if kelurahan else DUSUN[1:], k=min(5, max(2, rts // 8)))
    if not kelurahan:
        places[0] = "KRAJAN"
    out = []
    rw = rt = 0
    per_rw = max(2, rts // (2 * len(places)) or 2)
    while rt < rts:
        place = places[rw % len(places)]
        rw += 1
        for _ in range(per_rw):
            rt += 1
            out.append((place, f"{rw:03d}", f"{rt:03d}"))
    return out


def _propensity(person: Person) -> float:
    """How likely a wajib resident is to be outstanding, relative to the others."""
    age = person.age
    if age == WAJIB_KTP_AGE:
        return 20.0  # newly 17
    if age < WAJIB_KTP_AGE:
        return 4.0  # married young
    if age >= 60:
        return 2.0 + (1.5 if age >= 75 else 0.0)
    if 20 <= age <= 45:
        return 1.1
    return 0.5


class BacklogQuota:
    """Who is outstanding before the campaign: ``share`` (OUTSTANDING_SHARE) of the wajib,
    desa by desa. With a preset's plan (wajib counts per desa, factors averaging 1 over
    them) the quotas add up to exactly ``share`` x the wajib total."""

    def __init__(self, share: float = OUTSTANDING_SHARE) -> None:
        self.share = share
        self.expected = 0.0
        self.so_far = 0

    def choose(self, rng: random.Random, plan: DesaPlan, wajib: list[Person]) -> set[int]:
        """Indexes in ``wajib`` of the desa's residents outstanding before the campaign."""
        self.expected += len(wajib) * self.share * plan.outstanding_factor
        quota = max(0, min(len(wajib), round(self.expected) - self.so_far))
        self.so_far += quota
        # Weighted sampling without replacement (Efraimidis-Spirakis): who is outstanding.
        # Whoever turned 17 after the campaign began cannot have been recorded before it.
        keyed = sorted(
            ((2.0 if wajib_since(p.row["birth_date"], p.marital) >= CAMPAIGN_START
              else rng.random() ** (1.0 / _propensity(p)), i)
             for i, p in enumerate(wajib)),
            reverse=True,
        )
        forced = sum(key > 1.0 for key, _i in keyed)
        if forced > quota:
            self.so_far += forced - quota
            quota = forced
        return {i for _key, i in keyed[:quota]}


#: How readily the campaign reached each backlog category (relative weights).
_REACH = {"away": 0.15, "lansia": 1.2, "ill": 1.0, "disabled": 1.2, "newly17": 1.4, "other": 1.0}


def choose_attempts(rng: random.Random, backlog: list[Backlog], plans: dict[str, DesaPlan],
                    quota: int) -> list[Attempt]:
    """The kecamatan's tries in the campaign's first two weeks: ``quota`` recorded (those
    wajib on a campaign day, weighted by category and desa), some others not at home,
    away, refused or failed; the rest not tried yet."""
    candidates = [b for b in backlog if b.recordable_days]
    keyed = sorted(
        ((rng.random() ** (1.0 / (_REACH[b.category] * plans[b.desa_code].recording_factor)), b.resident_id, b)
         for b in candidates),
        key=lambda k: (k[0], k[1]), reverse=True,
    )
    recorded = [b for _k, _id, b in keyed[: max(0, min(quota, len(keyed)))]]
    recorded_ids = {b.resident_id for b in recorded}
    attempts: list[Attempt] = [(b, ResultKind.RECORDED) for b in recorded]
    for b in backlog:
        if b.resident_id in recorded_ids or not b.recordable_days:
            continue
        roll = rng.random()
        if b.category == "away" and roll < 0.35:
            attempts.append((b, ResultKind.AWAY))
        elif b.home and roll < 0.12:
            attempts.append((b, ResultKind.NOT_HOME))
        elif b.home and roll < 0.16:
            attempts.append((b, ResultKind.CAPTURE_FAILED))
        elif roll < 0.02:
            attempts.append((b, ResultKind.REFUSED))
    return attempts
