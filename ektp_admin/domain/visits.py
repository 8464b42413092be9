"""Visit scheduling and visit results: recording hours, device bookings, recordings.

A "recorded" visit result is what moves a resident's KTP-el status to RECORDED, and
removing it moves the status back; the helpers here keep the two from disagreeing.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable

from .enums import DeviceCondition, KtpStatus, ResultKind, VisitState
from .messages import N_, Message, RuleViolation
from .status import RECORDING_STATUSES

__all__ = [
    "RecordingHours",
    "Booking",
    "check_visit_time",
    "overlaps",
    "check_device_booking",
    "check_recorded_result",
    "counted_resident_id",
    "status_after_recording",
    "status_after_removing_recording",
]

_SATURDAY = 5


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
    clashes = sorted(
        (
            other for other in others
            if other.device_serial == serial
            and other.day == candidate.day
            and other.state != VisitState.CANCELLED
            and not (candidate.visit_id is not None and other.visit_id == candidate.visit_id)
            and overlaps(candidate.start, candidate.end, other.start, other.end)
        ),
        key=lambda b: (b.start, b.end, b.visit_id or 0),
    )
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
