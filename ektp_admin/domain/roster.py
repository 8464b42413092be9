"""The Dinas teams' rotation: which team goes to which kecamatan (and desa post) each day.

Plain values in, a proposed roster out; the supervisor adjusts it and the save
passes every row through the visit rules (:mod:`.visits`) again.

The rule (:func:`propose_roster`):

- the team-days of the range (every recording day x every team) are shared among
  the kecamatan in proportion to their outstanding residents (highest averages:
  the kecamatan furthest behind gets the first day, and keeps getting days while
  its backlog per day given stays the largest);
- a team stays on its kecamatan on the following days while that kecamatan still
  has days owed and a kit for it; else it moves to the kecamatan owed most;
- in a kecamatan the team's desa posts follow the desa's outstanding, largest first
  (then round again);
- a row needs a kit of the kecamatan that may go out that day for the post's hours
  (:func:`kits_for_post`): working (never in repair or retired), mobile or a
  standby kit released for that day, not booked at overlapping hours (nor by
  another row of the roster). A kecamatan without such a kit is not proposed that
  day; two teams share a kecamatan-day only with two kits;
- a team already booked at overlapping hours that day gets no row;
- days without recording (weekends, when the campaign does not work them) get none.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .enums import DeviceCondition, DeviceRole, VisitKind, VisitState
from .messages import Message
from .visits import (
    Booking,
    RecordingHours,
    StandbyRelease,
    TeamBooking,
    check_device_booking,
    check_standby_kit,
    check_team_booking,
    check_visit_time,
)

__all__ = [
    "POST_START",
    "POST_HOURS",
    "RosterKit",
    "RosterTeam",
    "DesaBacklog",
    "RosterRow",
    "post_hours",
    "recording_days",
    "kits_for_post",
    "share_team_days",
    "propose_roster",
    "roster_clashes",
]

#: A village post opens at this hour (or when recording starts, if later)...
POST_START = _dt.time(8, 0)
#: ...and stays this many hours (never past the end of recording).
POST_HOURS = 8


@dataclass(frozen=True)
class RosterKit:
    """A kecamatan's recording kit as the roster sees it; ``released_days``: the days a
    supervisor released it (a standby kit) to go out."""

    key: int
    serial: str
    kecamatan_code: str
    role: DeviceRole
    condition: DeviceCondition
    released_days: frozenset[_dt.date] = frozenset()


@dataclass(frozen=True)
class RosterTeam:
    key: int
    name: str


@dataclass(frozen=True)
class DesaBacklog:
    """A desa's outstanding residents (read from the per-desa counters)."""

    code: str
    kecamatan_code: str
    outstanding: int


@dataclass(frozen=True)
class RosterRow:
    """One team-day: a village post of ``team`` in ``desa_code`` with ``kit``."""

    day: _dt.date
    team: RosterTeam
    kecamatan_code: str
    desa_code: str
    kit: RosterKit
    start: _dt.time
    end: _dt.time


def post_hours(hours: RecordingHours = RecordingHours()) -> tuple[_dt.time, _dt.time]:
    """A village post's hours: from :data:`POST_START` (or the start of recording, if later)
    for :data:`POST_HOURS` hours, cut at the end of recording."""
    start = max(hours.start, POST_START)
    if start >= hours.end:
        start = hours.start
    end_minutes = min(start.hour * 60 + start.minute + POST_HOURS * 60, hours.end.hour * 60 + hours.end.minute)
    return start, _dt.time(end_minutes // 60, end_minutes % 60)


def recording_days(first: _dt.date, last: _dt.date, hours: RecordingHours = RecordingHours()) -> list[_dt.date]:
    """The days from ``first`` to ``last`` that recording runs (weekends only when it works them)."""
    days = []
    day = first
    while day <= last:
        if not check_visit_time(day, hours.start, hours.end, hours):
            days.append(day)
        day += _dt.timedelta(days=1)
    return days


def kits_for_post(
    kits: Iterable[RosterKit], day: _dt.date, start: _dt.time, end: _dt.time, bookings: Iterable[Booking]
) -> list[RosterKit]:
    """The kits that may go to a village post on ``day`` from ``start`` to ``end``: working,
    mobile or a standby kit released that day, and free at those hours (``bookings``:
    the kits' other non-cancelled visits)."""
    taken = list(bookings)
    usable = []
    for kit in kits:
        candidate = Booking(None, kit.serial, day, start, end, VisitState.PLANNED)
        if check_device_booking(kit.condition, candidate, taken):
            continue  # in repair, retired or booked at those hours
        release = StandbyRelease(day, "", "") if day in kit.released_days else None
        if check_standby_kit(role=kit.role, kecamatan_kit=True, kind=VisitKind.VILLAGE_POST,
                             state=VisitState.PLANNED, serial=kit.serial, day=day, release=release):
            continue  # a standby kit stays at the office
        usable.append(kit)
    return usable


def share_team_days(backlog: dict[str, int], team_days: int) -> dict[str, int]:
    """``team_days`` shared among kecamatan in proportion to their backlog (highest
    averages: each next day to the kecamatan with the most outstanding per day given
    plus one; ties to the larger backlog, then the code). Kecamatan with nothing
    outstanding get none."""
    shares = {code: 0 for code, n in backlog.items() if n > 0}
    for _ in range(team_days if shares else 0):
        code = min(shares, key=lambda c: (-backlog[c] / (shares[c] + 1), -backlog[c], c))
        shares[code] += 1
    return shares


@dataclass
class _Rotation:
    owed: dict[str, int]
    backlog: dict[str, int]
    desa_queue: dict[str, list[str]]
    next_desa: dict[str, int] = field(default_factory=dict)

    def desa(self, kecamatan: str) -> str:
        queue = self.desa_queue[kecamatan]
        at = self.next_desa.get(kecamatan, 0)
        self.next_desa[kecamatan] = at + 1
        return queue[at % len(queue)]

    def order(self, preferred: str | None) -> list[str]:
        """Kecamatan to try for a team: its own of yesterday while owed days, then the ones
        owed most (furthest behind first), then any with a backlog."""
        owed = sorted((c for c, n in self.owed.items() if n > 0),
                      key=lambda c: (-self.owed[c], -self.backlog[c], c))
        if preferred in owed:
            owed.remove(preferred)
            owed.insert(0, preferred)
        rest = sorted((c for c in self.backlog if c not in owed), key=lambda c: (-self.backlog[c], c))
        return owed + rest


def propose_roster(
    days: Sequence[_dt.date],
    teams: Sequence[RosterTeam],
    backlog: Iterable[DesaBacklog],
    kits: Iterable[RosterKit],
    *,
    kit_bookings: Iterable[Booking] = (),
    team_bookings: Iterable[TeamBooking] = (),
    hours: RecordingHours = RecordingHours(),
) -> list[RosterRow]:
    """The proposed roster for ``teams`` over ``days`` (day by day, teams in the order given)."""
    start, end = post_hours(hours)
    desa_rows = sorted((d for d in backlog if d.outstanding > 0), key=lambda d: (-d.outstanding, d.code))
    per_kecamatan: dict[str, int] = {}
    queue: dict[str, list[str]] = {}
    for d in desa_rows:
        per_kecamatan[d.kecamatan_code] = per_kecamatan.get(d.kecamatan_code, 0) + d.outstanding
        queue.setdefault(d.kecamatan_code, []).append(d.code)
    work_days = [day for day in days if not check_visit_time(day, start, end, hours)]
    rotation = _Rotation(share_team_days(per_kecamatan, len(work_days) * len(teams)), per_kecamatan, queue)
    kits_of: dict[str, list[RosterKit]] = {}
    for kit in kits:
        kits_of.setdefault(kit.kecamatan_code, []).append(kit)
    kit_taken = [b for b in kit_bookings if b.state != VisitState.CANCELLED]
    team_taken = [b for b in team_bookings if b.state != VisitState.CANCELLED]
    where: dict[int, str] = {}  # team -> its kecamatan of the last day it worked
    rows: list[RosterRow] = []
    for day in work_days:
        for team in teams:
            if check_team_booking(TeamBooking(None, team.name, day, start, end, VisitState.PLANNED), team_taken):
                continue  # already somewhere else at those hours
            for kecamatan in rotation.order(where.get(team.key)):
                free = kits_for_post(kits_of.get(kecamatan, ()), day, start, end, kit_taken)
                if not free:
                    continue  # no kit may go out there today: not proposed
                kit = free[0]
                row = RosterRow(day, team, kecamatan, rotation.desa(kecamatan), kit, start, end)
                rows.append(row)
                kit_taken.append(Booking(None, kit.serial, day, start, end, VisitState.PLANNED))
                rotation.owed[kecamatan] = rotation.owed.get(kecamatan, 0) - 1
                where[team.key] = kecamatan
                break
    return rows


def roster_clashes(rows: Sequence[RosterRow]) -> dict[int, list[Message]]:
    """{row index: messages} for rows of one roster that book the same team or the same kit
    at overlapping hours as an earlier row (the visit rules' own messages)."""
    problems: dict[int, list[Message]] = {}
    for i, row in enumerate(rows):
        earlier = rows[:i]
        found = check_team_booking(
            TeamBooking(None, row.team.name, row.day, row.start, row.end, VisitState.PLANNED),
            [TeamBooking(None, r.team.name, r.day, r.start, r.end, VisitState.PLANNED) for r in earlier
             if r.team.key == row.team.key])
        found += check_device_booking(
            DeviceCondition.WORKING,
            Booking(None, row.kit.serial, row.day, row.start, row.end, VisitState.PLANNED),
            [Booking(None, r.kit.serial, r.day, r.start, r.end, VisitState.PLANNED) for r in earlier
             if r.kit.key == row.kit.key])
        if found:
            problems[i] = found
    return problems
