"""When and with which kit the campaign's tries happened, and what is planned next.

Those who cannot come (lansia, the seriously ill, the disabled) are visited at home, or
in a cluster at a neighbour's home; the rest come to a village post or walk in at the
kecamatan office. Every slot is booked on a kit with the domain's own rules
(:func:`~ektp_admin.domain.visits.check_visit_time`,
:func:`~ektp_admin.domain.visits.check_device_booking`): no kit in two places at once.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ..domain.enums import (
    DeviceCondition,
    DeviceRole,
    ResultKind,
    VisitKind,
    VisitState,
)
from ..domain.visits import (
    Booking,
    RecordingHours,
    check_device_booking,
    check_visit_time,
)
from .campaign import DONE_DAYS, PLANNED_DAYS
from .draw import pick
from .pipeline import Backlog
from .plan import Attempt, DesaPlan
from .recording import VisitLog
from .teams import Crews
from .vocabulary import CANCEL_NOTES

_HOURS = RecordingHours()
DAY_START = _HOURS.start.hour * 60 + _HOURS.start.minute  # minutes after midnight
DAY_END = _HOURS.end.hour * 60 + _HOURS.end.minute


def minutes(t: int) -> dt.time:
    """Minutes after midnight as a time of day."""
    return dt.time(t // 60, t % 60)


def round_up(minutes: int, step: int = 15) -> int:
    return -(-minutes // step) * step


class Schedule:
    """Device bookings: no kit in two places at once (checked with the domain rule)."""

    def __init__(self) -> None:
        self.cursor: dict[tuple[str, dt.date], int] = {}
        self.bookings: dict[tuple[str, dt.date], list[Booking]] = {}

    def place(self, serial: str, day: dt.date, duration: int, earliest: int, state: VisitState,
              gap: int = 15) -> tuple[int, int] | None:
        """Book ``duration`` minutes on ``serial`` that day, or None when the day is full."""
        key = (serial, day)
        cursor = self.cursor.get(key)
        start = round_up(max(earliest, DAY_START if cursor is None else cursor + gap))
        end = start + duration
        if end > DAY_END:
            return None
        booking = Booking(None, serial, day, minutes(start), minutes(end), state)
        problems = check_visit_time(day, booking.start, booking.end) + check_device_booking(
            DeviceCondition.WORKING, booking, self.bookings.get(key, ())
        )
        if problems:  # a bug in the demo, not in the data: stop loudly
            raise RuntimeError("; ".join(str(p) for p in problems))
        self.bookings.setdefault(key, []).append(booking)
        self.cursor[key] = end
        return start, end


@dataclass
class Group:
    """Residents seen in one visit (none for a planned or cancelled one)."""

    kind: VisitKind
    desa_code: str | None
    members: list[Attempt]
    host: Backlog | None = None
    dinas_day: dt.date | None = None
    dinas_team: int = 0


def group_attempts(rng: random.Random, attempts: list[Attempt]) -> list[Group]:
    """Home and cluster visits for those who cannot come, village posts and office
    walk-ins for the rest; neighbours join a cluster at the host's home."""
    by_rw: dict[tuple[str, str], list[Attempt]] = {}
    rest: list[Attempt] = []
    for attempt in sorted(attempts, key=lambda a: (a[0].rw, a[0].rt, a[0].resident_id)):
        member, result = attempt
        if member.home:
            by_rw.setdefault((member.desa_code, member.rw), []).append(attempt)
        else:
            rest.append(attempt)
    neighbours: dict[tuple[str, str], list[Attempt]] = {}
    posts: dict[str, list[Attempt]] = {}
    office: list[Attempt] = []
    for attempt in rest:
        member, result = attempt
        key = (member.desa_code, member.rw)
        if key in by_rw and result != ResultKind.AWAY and rng.random() < 0.6:
            neighbours.setdefault(key, []).append(attempt)
        elif result == ResultKind.RECORDED and rng.random() < 0.25:
            office.append(attempt)
        else:
            posts.setdefault(member.desa_code, []).append(attempt)
    groups: list[Group] = []
    for key, home_attempts in by_rw.items():
        if len(home_attempts) == 1 and key not in neighbours:
            member, _r = home_attempts[0]
            groups.append(Group(VisitKind.HOME, member.desa_code, home_attempts, host=member))
            continue
        everyone = home_attempts + neighbours.get(key, [])
        for i in range(0, len(everyone), 6):
            part = everyone[i:i + 6]
            host = next((m for m, r in part if r != ResultKind.NOT_HOME), part[0][0])
            kind = VisitKind.CLUSTER if len(part) > 1 else VisitKind.HOME
            groups.append(Group(kind, host.desa_code, part, host=host))
    for desa_code, desa_attempts in posts.items():
        for i in range(0, len(desa_attempts), 45):
            groups.append(Group(VisitKind.VILLAGE_POST, desa_code, desa_attempts[i:i + 45]))
    for attempt in office:
        groups.append(Group(VisitKind.OFFICE, None, [attempt]))
    return groups


class VisitScheduler:
    """Books the campaign's visits on the kits and hands them to the :class:`VisitLog`."""

    def __init__(self, crews: Crews, log: VisitLog, plans_by_code: dict[str, DesaPlan]) -> None:
        self.crews = crews
        self.log = log
        self.plans_by_code = plans_by_code
        self.schedule = Schedule()
        self.office_sessions: dict[tuple[str, dt.date], Group] = {}

    def kecamatan(self, rng: random.Random, kec_code: str, kec_name: str, attempts: list[Attempt],
                  backlog: list[Backlog], plans: dict[str, DesaPlan]) -> None:
        """Two weeks of visit logs for the kecamatan's tries, then what comes next."""
        groups = group_attempts(rng, attempts)
        dinas_days = {day: team for day, team in self.crews.dinas_days.get(kec_code, []) if day in DONE_DAYS}
        posts = sorted((g for g in groups if g.kind == VisitKind.VILLAGE_POST),
                       key=lambda g: (-len(g.members), g.desa_code or ""))
        for (day, team_index), group in zip(sorted(dinas_days.items()), posts):
            if all(day in m.recordable_days for m, _r in group.members):
                group.dinas_day = day
                group.dinas_team = team_index
        for group in groups:
            self._schedule_done(rng, kec_code, group)
        self._flush_office(kec_code, kec_name)
        recorded_ids = {b.resident_id for b, result in attempts if result == ResultKind.RECORDED}
        self._cancelled_and_planned(rng, kec_code, backlog, recorded_ids, plans)

    # ------------------------------------------------------------------ done visits
    def _schedule_done(self, rng: random.Random, kec_code: str, group: Group) -> None:
        days = sorted(set.intersection(*(set(m.recordable_days) for m, _r in group.members)))
        if not days:
            return
        crews = self.crews
        if group.kind == VisitKind.OFFICE:
            serial = crews.kits[kec_code][DeviceRole.STANDBY.value][1]
            until = crews.repair_from.get(serial)
            days = [d for d in days if until is None or d < until] or days
            self._office_walk_in(kec_code, group, rng.sample(days, len(days)))
            return
        team_id, team_name = crews.kec_team[kec_code]
        device_id, serial = crews.kits[kec_code][DeviceRole.MOBILE.value]
        options = [(day, team_id, team_name, device_id, serial) for day in rng.sample(days, len(days))]
        if group.dinas_day is not None:
            options.insert(0, (group.dinas_day, *crews.dinas[group.dinas_team]))
        n = len(group.members)
        if group.kind == VisitKind.VILLAGE_POST:
            duration = min(300, max(120, 30 + 6 * n))
            earliest = 8 * 60 if (duration > 120 or rng.random() < 0.8) else 18 * 60
        elif group.kind == VisitKind.CLUSTER:
            duration, earliest = 20 + 8 * n, DAY_START
        else:
            duration, earliest = pick(rng, (30, 30, 45)), DAY_START
        duration = round_up(duration, 5)
        for day, team_id, team_name, device_id, serial in options:
            slot = self.schedule.place(serial, day, duration, earliest, VisitState.DONE)
            if slot is None and earliest > DAY_START:
                slot = self.schedule.place(serial, day, duration, DAY_START, VisitState.DONE)
            if slot is not None:
                self._write(kec_code, group, day, slot, VisitState.DONE, (team_id, team_name), device_id,
                            self._where(group))
                return
        # No room on any day: these residents stay outstanding (only at extreme sizes).

    def _office_walk_in(self, kec_code: str, group: Group, candidates: list[dt.date]) -> None:
        """Walk-ins at the kecamatan office: one session a day on the standby kit."""
        for day in candidates:
            session = self.office_sessions.get((kec_code, day))
            if session is None:
                self.office_sessions[(kec_code, day)] = Group(VisitKind.OFFICE, None, list(group.members))
                return
            if len(session.members) < 80 or day == candidates[-1]:
                session.members.extend(group.members)
                return

    def _flush_office(self, kec_code: str, kec_name: str) -> None:
        # The office desk is kept by the kecamatan's own staff on the standby kit,
        # while the team is out with the mobile one: no team, so no team in two places.
        team: tuple[int | None, str] = (None, f"Petugas Kantor Kecamatan {kec_name}")
        device_id, serial = self.crews.kits[kec_code][DeviceRole.STANDBY.value]
        for (code, day), session in sorted(self.office_sessions.items(), key=lambda kv: kv[0]):
            if code != kec_code:
                continue
            weekend = day.weekday() >= 5
            duration = max(4 * 60 if weekend else 7 * 60, 6 * len(session.members))
            slot = self.schedule.place(serial, day, min(duration, DAY_END - 8 * 60), 8 * 60, VisitState.DONE)
            if slot is not None:
                self._write(kec_code, session, day, slot, VisitState.DONE, team, device_id,
                            f"Kantor Kecamatan {kec_name}")
        self.office_sessions = {k: v for k, v in self.office_sessions.items() if k[0] != kec_code}

    # ------------------------------------------------------------------ what comes next
    def _cancelled_and_planned(self, rng: random.Random, kec_code: str, backlog: list[Backlog],
                               recorded_ids: set[int], plans: dict[str, DesaPlan]) -> None:
        team = self.crews.kec_team[kec_code]
        device_id, serial = self.crews.kits[kec_code][DeviceRole.MOBILE.value]
        desa_codes = sorted(plans)
        if desa_codes and rng.random() < 0.5:  # rain or a power cut: a post called off
            desa_code = pick(rng, desa_codes)
            day = pick(rng, DONE_DAYS)
            slot = self.schedule.place(serial, day, 180, 8 * 60, VisitState.CANCELLED)
            if slot is not None:
                group = Group(VisitKind.VILLAGE_POST, desa_code, [])
                self._write(kec_code, group, day, slot, VisitState.CANCELLED, team, device_id,
                            self._where(group), notes=pick(rng, CANCEL_NOTES))
        remaining = [b for b in backlog if b.resident_id not in recorded_ids]
        dinas = {day: index for day, index in self.crews.dinas_days.get(kec_code, []) if day in PLANNED_DAYS}
        desa_left = sorted({b.desa_code for b in remaining})
        for desa_code in desa_left:  # the "next visit" the outstanding list shows
            if rng.random() > 0.7:
                continue
            day = pick(rng, PLANNED_DAYS)
            visit_team, visit_device, visit_serial = team, device_id, serial
            if dinas and rng.random() < 0.3:
                day = pick(rng, sorted(dinas))
                dinas_id, dinas_name, visit_device, visit_serial = self.crews.dinas[dinas[day]]
                visit_team = (dinas_id, dinas_name)
            slot = self.schedule.place(visit_serial, day, 240, 8 * 60, VisitState.PLANNED)
            if slot is not None:
                group = Group(VisitKind.VILLAGE_POST, desa_code, [])
                self._write(kec_code, group, day, slot, VisitState.PLANNED, visit_team, visit_device,
                            self._where(group))
        for member in remaining:
            if not member.home or rng.random() > 0.35:
                continue
            day = pick(rng, PLANNED_DAYS)
            slot = self.schedule.place(serial, day, 30, DAY_START, VisitState.PLANNED)
            if slot is not None:
                group = Group(VisitKind.HOME, member.desa_code, [], host=member)
                self._write(kec_code, group, day, slot, VisitState.PLANNED, team, device_id, self._where(group))

    # ------------------------------------------------------------------ helpers
    def _where(self, group: Group) -> str:
        """The host's address (home, cluster), the desa's hall (village post), else ""."""
        if group.host is not None:
            return f"{group.host.address}, RT {group.host.rt} RW {group.host.rw}"
        if group.kind == VisitKind.VILLAGE_POST and group.desa_code is not None:
            desa = self.plans_by_code[group.desa_code]
            return f"Kantor Kelurahan {desa.name}" if desa.is_kelurahan else f"Balai Desa {desa.name}"
        return ""

    def _write(self, kec_code: str, group: Group, day: dt.date, slot: tuple[int, int], state: VisitState,
               team: tuple[int | None, str], device_id: int, where: str, notes: str | None = None) -> int:
        start, end = slot
        return self.log.write_visit(
            kec_code=kec_code, kind=group.kind, desa_code=group.desa_code,
            host_resident_id=group.host.resident_id if group.host is not None else None,
            members=group.members if state == VisitState.DONE else [],
            day=day, start=minutes(start), end=minutes(end), state=state, team=team,
            device_id=device_id, host_address=where, notes=notes,
        )
