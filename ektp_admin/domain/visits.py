"""Visit rules: where a visit is, when it may be, what it books, and its results.

The view gathers plain values (:class:`VisitPlace`, :class:`Booking`,
:class:`TeamBooking`, :class:`DateWindow`...) and gets back :class:`Message` lists;
nothing here knows a form, a model or a session.

A "recorded" visit result is what moves a resident's KTP-el status to RECORDED, and
removing it moves the status back; the helpers here keep the two from disagreeing.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

from .enums import DeviceCondition, DeviceRole, KtpStatus, ResultKind, VisitKind, VisitState
from .messages import N_, Message, RuleViolation
from .status import RECORDING_STATUSES

__all__ = [
    "AT_A_HOME",
    "RecordingHours",
    "Booking",
    "TeamBooking",
    "Region",
    "VisitPlace",
    "DateWindow",
    "VisitFacts",
    "check_visit_place",
    "visit_kecamatan_code",
    "check_visit_time",
    "check_visit_date",
    "check_visit_progress",
    "check_visit_schedule",
    "overlaps",
    "check_device_booking",
    "check_team_booking",
    "GOING_OUT",
    "StandbyRelease",
    "check_standby_kit",
    "check_recorded_result",
    "counted_resident_id",
    "status_after_recording",
    "status_after_removing_recording",
]

_SATURDAY = 5
#: Kinds of visit held at someone's house: they need the host (resident or address).
AT_A_HOME = frozenset({VisitKind.HOME, VisitKind.CLUSTER})


def _fmt_date(d: _dt.date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def _fmt_time(t: _dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@dataclass(frozen=True)
class RecordingHours:
    """When recording desks are open (Banyuwangi: morning until 20:00, weekends too)."""

    start: _dt.time = _dt.time(7, 0)
    end: _dt.time = _dt.time(20, 0)
    weekends: bool = True

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("recording hours must end after they start")


@dataclass(frozen=True)
class Booking:
    """A visit's claim on a recording device for a time slot."""

    visit_id: int | None  # None for a visit not saved yet
    device_serial: str
    day: _dt.date
    start: _dt.time
    end: _dt.time
    state: VisitState


@dataclass(frozen=True)
class TeamBooking:
    """A visit's claim on a team for a time slot; ``place`` names where (desa or kecamatan)."""

    visit_id: int | None  # None for a visit not saved yet
    team_name: str
    day: _dt.date
    start: _dt.time
    end: _dt.time
    state: VisitState
    place: str = ""


@dataclass(frozen=True)
class Region:
    """A kecamatan or a desa as the rules name it: its code and its name."""

    code: str
    name: str


@dataclass(frozen=True)
class VisitPlace:
    """Where a visit is held, as the clerk filled it in.

    ``desa_kecamatan`` is the kecamatan the chosen desa lies in; ``kecamatan`` the one
    chosen on the form (only needed for an office visit); ``own_kecamatan_code`` the
    kecamatan the clerk is held to (None for users who reach the whole regency).
    """

    kind: VisitKind
    desa: Region | None = None
    desa_kecamatan: Region | None = None
    kecamatan: Region | None = None
    own_kecamatan_code: str | None = None
    has_host: bool = False


@dataclass(frozen=True)
class DateWindow:
    """The days a visit may fall on: its campaign's window, or the configured range.

    ``campaign`` names the campaign whose window it is (None for the configured range);
    either end may be open (None).
    """

    first: _dt.date | None
    last: _dt.date | None
    campaign: str | None = None


@dataclass(frozen=True)
class VisitFacts:
    """The visit being saved, as the schedule rules see it.

    ``results`` are the result kinds of its rows that stay after the save.
    """

    visit_id: int | None
    day: _dt.date
    start: _dt.time
    end: _dt.time
    state: VisitState
    results: Sequence[ResultKind] = ()


# ------------------------------------------------------------------ where


def visit_kecamatan_code(place: VisitPlace) -> str | None:
    """The kecamatan a visit is filed under: the desa's, else the one chosen, else the
    clerk's own (an office visit of a clerk who left it blank). None if none is known."""
    if place.desa is not None:
        return place.desa_kecamatan.code if place.desa_kecamatan is not None else None
    if place.kecamatan is not None:
        return place.kecamatan.code
    return place.own_kecamatan_code


def check_visit_place(place: VisitPlace) -> list[Message]:
    """A visit outside an office needs its desa (in the kecamatan chosen, if one was);
    an office visit needs its kecamatan; a visit at a home needs its host."""
    problems: list[Message] = []
    if place.desa is not None:
        home = place.desa_kecamatan
        chosen = place.kecamatan
        if chosen is not None and home is not None and chosen.code != home.code:
            problems.append(Message(
                "visit_desa_elsewhere",
                N_("%(desa)s is in kecamatan %(desa_kecamatan)s, not %(kecamatan)s."),
                {"desa": place.desa.name, "desa_kecamatan": home.name, "kecamatan": chosen.name},
            ))
    else:
        if place.kind != VisitKind.OFFICE:
            problems.append(Message(
                "visit_needs_desa",
                N_("A visit of the kind \"%(kind)s\" needs its desa/kelurahan."),
                {"kind": place.kind},
            ))
        elif visit_kecamatan_code(place) is None:
            problems.append(Message(
                "visit_needs_kecamatan",
                N_("Choose the kecamatan of this office visit (or its desa/kelurahan)."),
            ))
    if place.kind in AT_A_HOME and not place.has_host:
        problems.append(Message(
            "visit_needs_host",
            N_("A home or cluster visit needs its host: the resident whose house it is, or the address."),
        ))
    return problems


def check_visit_time(
    day: _dt.date, start: _dt.time, end: _dt.time, hours: RecordingHours = RecordingHours()
) -> list[Message]:
    """A visit must end after it starts and lie within recording hours (and days)."""
    errors: list[Message] = []
    if end <= start:
        errors.append(Message(
            "visit_end_before_start",
            N_("The visit must end after it starts (start %(start)s, end %(end)s)."),
            {"start": _fmt_time(start), "end": _fmt_time(end)},
        ))
    if start < hours.start:
        errors.append(Message(
            "visit_too_early",
            N_("Recording starts at %(opens)s; this visit starts at %(start)s."),
            {"opens": _fmt_time(hours.start), "start": _fmt_time(start)},
        ))
    if end > hours.end:
        errors.append(Message(
            "visit_too_late",
            N_("Recording ends at %(closes)s; this visit ends at %(end)s."),
            {"closes": _fmt_time(hours.end), "end": _fmt_time(end)},
        ))
    if not hours.weekends and day.weekday() >= _SATURDAY:
        errors.append(Message(
            "visit_weekend",
            N_("%(date)s is a weekend day, and recording is not scheduled on weekends."),
            {"date": _fmt_date(day)},
        ))
    return errors


def check_visit_date(day: _dt.date, window: DateWindow) -> list[Message]:
    """A visit's day lies within its campaign's window, or within the configured range.

    The campaign's progress counts the visits dated from its start to its target date,
    so a visit of the campaign outside them would count nowhere.
    """
    if (window.first is None or day >= window.first) and (window.last is None or day <= window.last):
        return []
    first = _fmt_date(window.first) if window.first is not None else None
    last = _fmt_date(window.last) if window.last is not None else None
    if window.campaign is not None:
        return [Message(
            "visit_outside_campaign",
            N_("The visit on %(date)s is outside campaign %(campaign)s, which runs from %(first)s to %(last)s: "
               "change the day, or choose another campaign."),
            {"date": _fmt_date(day), "campaign": window.campaign, "first": first or "-", "last": last or "-"},
        )]
    if window.first is not None and day < window.first:
        return [Message(
            "visit_date_too_early",
            N_("The visit on %(date)s is too early: visits can be logged from %(first)s."),
            {"date": _fmt_date(day), "first": first},
        )]
    return [Message(
        "visit_date_too_late",
        N_("The visit on %(date)s is too far ahead: visits can be logged until %(last)s."),
        {"date": _fmt_date(day), "last": last},
    )]


def check_visit_progress(facts: VisitFacts, today: _dt.date) -> list[Message]:
    """A visit still ahead can be neither done nor have results (residents "invited" by the
    planner wait for the day); a done visit has no "invited" row left; a cancelled one
    cannot keep "recorded" results."""
    problems: list[Message] = []
    params = {"date": _fmt_date(facts.day)}
    seen = [r for r in facts.results if r != ResultKind.INVITED]  # an invitation is not a result yet
    if facts.state == VisitState.DONE and len(seen) < len(facts.results):
        problems.append(Message(
            "visit_done_with_invited",
            N_("The visit on %(date)s is marked done but some residents are still \"invited\": enter what "
               "happened to each of them (or remove their rows)."),
            params,
        ))
    if facts.day > today and facts.state == VisitState.DONE:
        problems.append(Message(
            "visit_done_in_future",
            N_("The visit on %(date)s has not taken place yet, so it cannot be marked done."),
            params,
        ))
    if facts.day > today and seen:
        problems.append(Message(
            "visit_results_in_future",
            N_("The visit on %(date)s has not taken place yet: enter its results once it has."),
            params,
        ))
    if facts.state == VisitState.CANCELLED and ResultKind.RECORDED in facts.results:
        problems.append(Message(
            "visit_cancelled_with_recordings",
            N_("A visit with \"recorded\" results cannot be cancelled: change or remove those results first."),
        ))
    return problems


def overlaps(a_start: _dt.time, a_end: _dt.time, b_start: _dt.time, b_end: _dt.time) -> bool:
    """Half-open intervals: a visit ending at 10:00 does not clash with one starting at 10:00."""
    return a_start < b_end and b_start < a_end


def check_device_booking(
    condition: DeviceCondition, candidate: Booking, others: Iterable[Booking]
) -> list[Message]:
    """Can ``candidate`` use its device? Not if the device is broken or already taken.

    A cancelled visit claims nothing and is never refused. The device's condition is
    its condition *now*, so it only blocks *planned* visits: a done visit is history
    and must stay editable after its kit has gone to repair. Overlaps are checked
    against every other non-cancelled booking of the same device on the same day
    (the candidate's own saved booking is ignored).
    """
    if candidate.state == VisitState.CANCELLED:
        return []
    errors: list[Message] = []
    serial = candidate.device_serial
    if candidate.state == VisitState.PLANNED:
        if condition == DeviceCondition.IN_REPAIR:
            errors.append(Message(
                "device_in_repair",
                N_("Device %(serial)s is in repair and cannot be used for a visit."),
                {"serial": serial},
            ))
        elif condition == DeviceCondition.RETIRED:
            errors.append(Message(
                "device_retired",
                N_("Device %(serial)s is retired and cannot be used for a visit."),
                {"serial": serial},
            ))
    clashes = _clashes(candidate, others, lambda other: other.device_serial == serial)
    for other in clashes:
        params = {
            "serial": serial,
            "date": _fmt_date(other.day),
            "start": _fmt_time(other.start),
            "end": _fmt_time(other.end),
        }
        if other.visit_id is None:
            errors.append(Message(
                "device_double_booked",
                N_("Device %(serial)s is already booked for another visit on %(date)s "
                   "from %(start)s to %(end)s."),
                params,
            ))
        else:
            errors.append(Message(
                "device_double_booked",
                N_("Device %(serial)s is already booked for visit #%(visit)s on %(date)s "
                   "from %(start)s to %(end)s."),
                {**params, "visit": other.visit_id},
            ))
    return errors


#: Kinds of visit away from the kecamatan office: a standby kit does not go to them.
GOING_OUT = frozenset({VisitKind.VILLAGE_POST, VisitKind.HOME, VisitKind.CLUSTER})


@dataclass(frozen=True)
class StandbyRelease:
    """A supervisor's leave for a standby kit to go out on one day."""

    day: _dt.date
    reason: str
    released_by: str


def check_standby_kit(
    *,
    role: DeviceRole,
    kecamatan_kit: bool,
    kind: VisitKind,
    state: VisitState,
    serial: str,
    day: _dt.date,
    release: StandbyRelease | None,
) -> list[Message]:
    """Each kecamatan keeps one kit on standby at its office while the other goes out.

    A kecamatan's standby kit is not booked for a village post, a home or a cluster
    visit unless a supervisor released it for that day (``release``, with its reason).
    Office visits, cancelled visits and the Dinas' kits are not concerned.
    """
    if not kecamatan_kit or role != DeviceRole.STANDBY or state == VisitState.CANCELLED or kind not in GOING_OUT:
        return []
    if release is not None and release.day == day:
        return []
    return [Message(
        "device_standby",
        N_("Kit %(serial)s is the kecamatan's standby kit and stays at the office: it cannot go to a "
           "village post or a home visit on %(date)s unless a supervisor releases it for that day "
           "(with a reason, on the kit board). Choose the mobile kit."),
        {"serial": serial, "date": _fmt_date(day)},
    )]


def check_team_booking(candidate: TeamBooking, others: Iterable[TeamBooking]) -> list[Message]:
    """A team cannot be in two places at once: not at two non-cancelled visits of the
    same day whose hours overlap (back to back is fine). A cancelled candidate claims
    nothing; the candidate's own saved booking is ignored."""
    if candidate.state == VisitState.CANCELLED:
        return []
    errors: list[Message] = []
    team = candidate.team_name
    for other in _clashes(candidate, others, lambda other: other.team_name == team):
        params = {
            "team": team,
            "place": other.place or "-",
            "date": _fmt_date(other.day),
            "start": _fmt_time(other.start),
            "end": _fmt_time(other.end),
        }
        if other.visit_id is None:
            errors.append(Message(
                "team_double_booked",
                N_("Team %(team)s is already at another visit in %(place)s on %(date)s "
                   "from %(start)s to %(end)s."),
                params,
            ))
        else:
            errors.append(Message(
                "team_double_booked",
                N_("Team %(team)s is already at visit #%(visit)s in %(place)s on %(date)s "
                   "from %(start)s to %(end)s."),
                {**params, "visit": other.visit_id},
            ))
    return errors


_B = TypeVar("_B", Booking, TeamBooking)


def _clashes(candidate: Booking | TeamBooking, others: Iterable[_B], same: Callable[[_B], bool]) -> list[_B]:
    """The other non-cancelled bookings of the same thing (``same``) whose hours overlap
    the candidate's on its day, its own saved booking left out, earliest first."""
    return sorted(
        (
            other for other in others
            if same(other)
            and other.day == candidate.day
            and other.state != VisitState.CANCELLED
            and not (candidate.visit_id is not None and other.visit_id == candidate.visit_id)
            and overlaps(candidate.start, candidate.end, other.start, other.end)
        ),
        key=lambda b: (b.start, b.end, b.visit_id or 0),
    )


def check_visit_schedule(
    facts: VisitFacts,
    *,
    today: _dt.date,
    hours: RecordingHours = RecordingHours(),
    window: DateWindow = DateWindow(None, None),
    device: tuple[DeviceCondition, str, Iterable[Booking]] | None = None,
    team: tuple[str, Iterable[TeamBooking]] | None = None,
) -> list[Message]:
    """Every rule on when a visit is, in the order the clerk reads them: its hours, its
    day, its device (``(condition, serial, other bookings of the day)``), its team
    (``(name, other bookings of the day)``), then its state and results against today.

    Bookings are not checked while the hours make no sense (end before start).
    """
    problems = check_visit_time(facts.day, facts.start, facts.end, hours)
    problems += check_visit_date(facts.day, window)
    hours_ok = not any(m.code == "visit_end_before_start" for m in problems)
    if device is not None and hours_ok:
        condition, serial, bookings = device
        candidate = Booking(facts.visit_id, serial, facts.day, facts.start, facts.end, facts.state)
        problems += check_device_booking(DeviceCondition(condition), candidate, bookings)
    if team is not None and hours_ok:
        team_name, team_bookings = team
        team_candidate = TeamBooking(facts.visit_id, team_name, facts.day, facts.start, facts.end, facts.state)
        problems += check_team_booking(team_candidate, team_bookings)
    problems += check_visit_progress(facts, today)
    return problems


def check_recorded_result(current_status: KtpStatus, other_recorded_visit_id: int | None) -> list[Message]:
    """Can a "recorded" result be entered for this resident? At most one counts.

    ``other_recorded_visit_id`` is another visit that already holds a "recorded"
    result for the resident (None if there is none).
    """
    if other_recorded_visit_id is not None:
        return [Message(
            "already_recorded_in_visit",
            N_("This resident was already recorded in visit #%(visit)s."),
            {"visit": other_recorded_visit_id},
        )]
    status = KtpStatus(current_status)
    if status not in RECORDING_STATUSES:
        return [_already_recorded(status)]
    return []


def counted_resident_id(result: str, resident_id: int | None) -> int | None:
    """What a visit result's ``counted_resident_id`` holds: the resident on a "recorded"
    result, None on any other. The column is UNIQUE, so the database itself keeps one
    counting recording per resident (what :func:`check_recorded_result` checks first)."""
    return resident_id if result == ResultKind.RECORDED else None


def _already_recorded(status: KtpStatus) -> Message:
    return Message(
        "already_recorded_status",
        N_("This resident is already recorded (status: %(status)s)."),
        {"status": status},
    )


def status_after_recording(current: KtpStatus) -> KtpStatus:
    """The status a "recorded" result moves the resident to (RECORDED).

    Raises RuleViolation when the resident is not outstanding (already recorded).
    """
    status = KtpStatus(current)
    if status not in RECORDING_STATUSES:
        raise RuleViolation(_already_recorded(status))
    return KtpStatus.RECORDED


def status_after_removing_recording(current: KtpStatus, previous: KtpStatus) -> KtpStatus:
    """The status to restore when a "recorded" result is removed: ``previous``.

    Only while the record is still RECORDED: once it has moved on (SFE, PRR, ...) the
    national pipeline has it and removing the visit result cannot undo that.
    """
    status, before = KtpStatus(current), KtpStatus(previous)
    if status != KtpStatus.RECORDED:
        raise RuleViolation(Message(
            "recording_undo_too_late",
            N_("The \"recorded\" result cannot be removed: the KTP-el has already moved on "
               "to %(status)s, which cannot be undone from a visit log."),
            {"status": status},
        ))
    if before not in RECORDING_STATUSES:
        raise RuleViolation(Message(
            "recording_undo_bad_previous",
            N_("The status before this recording (%(previous)s) is not one a recording can start from."),
            {"previous": before},
        ))
    return before
