"""The home-visit planner: cluster visits proposed with a host, a kit and a slot.

Plain values in, proposals out. A cluster (residents of one RT/RW to record at
home) is split into parts one kit records in a session (:data:`GROUP_MAX`), each
with its least mobile resident as the host (:func:`split_group`). Each part gets
the earliest free slot of a kit, within recording hours, on the days ahead:

- only a working kit that may go out is proposed: a kit in repair or retired never
  (:func:`check_device_booking`), a kecamatan's standby kit only on a day a
  supervisor released it for (:attr:`Kit.released_days`, :func:`check_standby_kit`);
- a slot that overlaps a booking of the kit (or a slot proposed just before) is skipped;
- a slot never ends after the recording hours, nor falls on a weekend when
  recording does not run on weekends.

The plan POST re-checks everything with the visit form's rules: a proposal is a
suggestion, not a booking.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from .enums import DeviceCondition, DeviceRole, VisitKind, VisitState
from .home_visits import GROUP_MAX, Candidate, split_group
from .visits import (
    Booking,
    RecordingHours,
    StandbyRelease,
    check_device_booking,
    check_standby_kit,
    check_visit_time,
    overlaps,
)

__all__ = [
    "SETUP_MINUTES",
    "MINUTES_PER_RESIDENT",
    "SLOT_STEP_MINUTES",
    "PLAN_DAYS",
    "Kit",
    "Slot",
    "Proposal",
    "session_minutes",
    "usable_kits",
    "plan_visits",
]

#: Minutes to bring the kit into a house and set it up.
SETUP_MINUTES = 30
#: Minutes one recording takes at a house (3-10 minutes, the slow end: the least mobile).
MINUTES_PER_RESIDENT = 10
#: Proposed slots start on this grid from the start of recording hours.
SLOT_STEP_MINUTES = 30
#: How many days ahead the planner looks for a free kit.
PLAN_DAYS = 14


@dataclass(frozen=True)
class Kit:
    """A recording kit as the planner sees it."""

    key: int
    serial: str
    role: DeviceRole
    condition: DeviceCondition
    kecamatan_kit: bool = True
    #: days a supervisor released it (a standby kit) to go out
    released_days: frozenset[_dt.date] = frozenset()


@dataclass(frozen=True)
class Slot:
    kit: Kit
    day: _dt.date
    start: _dt.time
    end: _dt.time


@dataclass(frozen=True)
class Proposal:
    """One cluster visit: its residents, host first, and a slot (None: no kit free in the days looked at)."""

    members: tuple[Candidate, ...]
    slot: Slot | None

    @property
    def host(self) -> Candidate:
        return self.members[0]

    @property
    def kind(self) -> VisitKind:
        return VisitKind.CLUSTER if len(self.members) > 1 else VisitKind.HOME


def session_minutes(residents: int) -> int:
    """How long a visit recording ``residents`` at one house takes, rounded up to the slot grid."""
    minutes = SETUP_MINUTES + MINUTES_PER_RESIDENT * max(residents, 1)
    return -(-minutes // SLOT_STEP_MINUTES) * SLOT_STEP_MINUTES


def usable_kits(kits: Iterable[Kit], day: _dt.date) -> list[Kit]:
    """The kits a home visit on ``day`` may be proposed with: working, and mobile (or a
    standby kit released for that day)."""
    usable = []
    for kit in kits:
        planned = Booking(None, kit.serial, day, _dt.time(0), _dt.time(0, 1), VisitState.PLANNED)
        if check_device_booking(kit.condition, planned, ()):
            continue  # in repair or retired
        release = StandbyRelease(day, "", "") if day in kit.released_days else None
        if check_standby_kit(role=kit.role, kecamatan_kit=kit.kecamatan_kit, kind=VisitKind.HOME,
                             state=VisitState.PLANNED, serial=kit.serial, day=day, release=release):
            continue
        usable.append(kit)
    return usable


def _at(day: _dt.date, t: _dt.time) -> _dt.datetime:
    return _dt.datetime.combine(day, t)


def _free_slot(
    size: int, kits: Sequence[Kit], taken: list[Booking], first_day: _dt.date, days: int, hours: RecordingHours
) -> Slot | None:
    length = _dt.timedelta(minutes=session_minutes(size))
    step = _dt.timedelta(minutes=SLOT_STEP_MINUTES)
    for offset in range(days):
        day = first_day + _dt.timedelta(days=offset)
        kits_of_day = usable_kits(kits, day)
        if not kits_of_day:
            continue
        # Each kit's bookings of the day, picked once (not from every booking per slot tried).
        kit_taken: dict[str, list[Booking]] = {kit.serial: [] for kit in kits_of_day}
        for booking in taken:
            if booking.day == day and booking.device_serial in kit_taken:
                kit_taken[booking.device_serial].append(booking)
        start = _at(day, hours.start)
        while start + length <= _at(day, hours.end):
            end = start + length
            if check_visit_time(day, start.time(), end.time(), hours):
                break  # a weekend without recording
            for kit in kits_of_day:
                # The kit's condition was checked by usable_kits: what is left of the
                # device rule (check_device_booking) is an overlap with its bookings.
                if not any(overlaps(start.time(), end.time(), b.start, b.end) for b in kit_taken[kit.serial]):
                    return Slot(kit, day, start.time(), end.time())
            start += step
    return None


def plan_visits(
    clusters: Iterable[Sequence[Candidate]],
    kits: Sequence[Kit],
    bookings: Iterable[Booking],
    *,
    first_day: _dt.date,
    days: int = PLAN_DAYS,
    hours: RecordingHours = RecordingHours(),
    size: int = GROUP_MAX,
) -> list[Proposal]:
    """A proposal per part of each cluster (in the clusters' order), each in the earliest
    free slot of a usable kit from ``first_day`` on, for ``days`` days. ``bookings``
    are the kits' existing non-cancelled visits on those days; each slot proposed
    is taken for the proposals after it."""
    taken = [b for b in bookings if b.state != VisitState.CANCELLED]
    proposals = []
    for cluster in clusters:
        for part in split_group(cluster, size):
            slot = _free_slot(len(part), kits, taken, first_day, days, hours)
            if slot is not None:
                taken.append(Booking(None, slot.kit.serial, slot.day, slot.start, slot.end, VisitState.PLANNED))
            proposals.append(Proposal(tuple(part), slot))
    return proposals
