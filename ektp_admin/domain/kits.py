"""The kit rule: each kecamatan keeps one kit on standby at its office while the
other goes out. What a kecamatan's kits say about it today, in codes.

Plain counts in (from the query layer), problem codes out; the board words them.
A kit in repair or retired counts as missing.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["KitProblem", "KecamatanKitFacts", "kit_rule_problems"]


class KitProblem(StrEnum):
    STANDBY_OUT = "standby_out"  # its standby kit is booked out today (a village post or a home)
    NO_STANDBY = "no_standby"  # no working standby kit
    NO_MOBILE = "no_mobile"  # no working mobile kit


@dataclass(frozen=True)
class KecamatanKitFacts:
    #: working standby kits owned by the kecamatan
    standby_ready: int
    #: working mobile kits owned by the kecamatan
    mobile_ready: int
    #: its standby kits booked today for a visit away from the office (released or not)
    standby_out: int


def kit_rule_problems(facts: KecamatanKitFacts) -> list[KitProblem]:
    """What breaks the rule today, in the order the board lists it."""
    problems = []
    if facts.standby_out > 0:
        problems.append(KitProblem.STANDBY_OUT)
    if facts.standby_ready <= 0:
        problems.append(KitProblem.NO_STANDBY)
    if facts.mobile_ready <= 0:
        problems.append(KitProblem.NO_MOBILE)
    return problems
