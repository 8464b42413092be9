"""Visit logs as they are written: the visit, its results, and what a recording does.

This is the bulk twin of :mod:`ektp_admin.services` for a visit entered with its results
(the visit log's create form): the same domain rules decide, only the writing differs
(buffered Core rows instead of ORM objects). See the package docstring for the pairs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..domain.enums import KtpStatus, ResultKind, VisitKind, VisitState
from ..domain.messages import RuleViolation
from ..domain.visits import (
    check_recorded_result,
    counted_resident_id,
    status_after_recording,
)
from ..models import StatusChange, Visit, VisitResult
from ..services import recording_note
from .campaign import DemoSummary
from .pipeline import Backlog
from .store import BulkWriter, Ids

#: When planned visits were entered (the afternoon of DEMO_TODAY).
_PLANNED_AT = dt.datetime(2016, 9, 21, 16, 0)


@dataclass(frozen=True)
class Recording:
    """What a new "recorded" result does to its resident, as :func:`record` decides it."""

    previous: KtpStatus  # the result's previous_status and the change's old_status
    status: KtpStatus  # the resident's new ktp_status and the change's new_status
    on: dt.date  # the resident's ktp_status_changed_on and the change's changed_on
    visit_id: int  # the resident's recorded_visit_id
    note: str | None  # the change's note


def record(current: KtpStatus, other_visit_id: int | None, visit_id: int, day: dt.date) -> Recording:
    """A "recorded" result entered in visit ``visit_id`` held on ``day``.

    Twin of the recording branch of :func:`ektp_admin.services.apply_result`: refused
    (RuleViolation) by :func:`~ektp_admin.domain.visits.check_recorded_result` when
    another visit (``other_visit_id``) already counts the resident or the resident is
    not outstanding; the status is :func:`~ektp_admin.domain.visits.status_after_recording`
    of the current one, dated on the visit's day (as ``apply_visit_results`` dates
    recordings) and noted with :func:`~ektp_admin.services.recording_note`.
    """
    problems = check_recorded_result(KtpStatus(current), other_visit_id)
    if problems:
        raise RuleViolation(*problems)
    previous = KtpStatus(current)
    return Recording(previous, status_after_recording(previous), day, visit_id, recording_note(visit_id))


class VisitLog:
    """Writes visits with their results and the status moves those results cause.

    ``counted`` is the bulk twin of :func:`ektp_admin.services.other_recording_visit`:
    the visit whose result counts each resident recorded so far. The load starts on an
    empty database, so this ledger holds exactly what that query would find.
    """

    def __init__(self, ids: Ids, writer: BulkWriter, summary: DemoSummary, campaign_id: int) -> None:
        self.ids = ids
        self.writer = writer
        self.summary = summary
        self.campaign_id = campaign_id
        self.counted: dict[int, int] = {}

    def write_visit(self, *, kec_code: str, kind: VisitKind, desa_code: str | None,
                    host_resident_id: int | None, members: list[tuple[Backlog, ResultKind]],
                    day: dt.date, start: dt.time, end: dt.time, state: VisitState, team: tuple[int | None, str],
                    device_id: int, host_address: str, notes: str | None = None) -> int:
        """One visit; a done visit with a result per member. Returns the visit's id."""
        team_id, team_name = team
        visit_id = self.ids.take(Visit.__table__)
        entered = dt.datetime.combine(day, end) + dt.timedelta(minutes=20)
        self.writer.add(Visit.__table__, {
            "id": visit_id, "day": day, "start_time": start, "end_time": end,
            "kind": kind.value, "state": state.value, "kecamatan_code": kec_code,
            "desa_code": desa_code, "host_address": host_address or None,
            "host_resident_id": host_resident_id,
            "team_id": team_id, "device_id": device_id, "campaign_id": self.campaign_id,
            "notes": notes, "version": 1,
            "created_at": entered if state != VisitState.PLANNED else _PLANNED_AT,
            "updated_at": entered if state != VisitState.PLANNED else _PLANNED_AT,
        })
        if state == VisitState.DONE:
            self.summary.visits_done += 1
            self._write_results(visit_id, day, entered, team_name, members)
        elif state == VisitState.PLANNED:
            self.summary.visits_planned += 1
        else:
            self.summary.visits_cancelled += 1
        return visit_id

    def _write_results(self, visit_id: int, day: dt.date, entered: dt.datetime, team_name: str,
                       members: list[tuple[Backlog, ResultKind]]) -> None:
        """Twin of :func:`ektp_admin.services.apply_visit_results` for a new visit: each
        result row, and for a "recorded" one the resident's move and its history row
        (entered by the team, ``changed_by``, when the visit's log was typed in)."""
        for member, result in members:
            result_id = self.ids.take(VisitResult.__table__)
            recording = None
            if result == ResultKind.RECORDED:
                recording = record(member.status, self.counted.get(member.resident_id), visit_id, day)
            self.writer.add(VisitResult.__table__, {
                "id": result_id, "visit_id": visit_id, "resident_id": member.resident_id,
                "result": result.value, "counted_resident_id": counted_resident_id(result, member.resident_id),
                "previous_status": recording.previous.value if recording else None,
                "note": _result_note(member, result),
            })
            if recording is None:
                self.summary.other_results += 1
                continue
            self.counted[member.resident_id] = visit_id
            member.status = recording.status
            self.summary.recorded_in_campaign += 1
            self.writer.add(StatusChange.__table__, {
                "id": self.ids.take(StatusChange.__table__), "resident_id": member.resident_id,
                "old_status": recording.previous.value, "new_status": recording.status.value,
                "changed_on": recording.on, "changed_at": entered, "changed_by": team_name,
                "visit_result_id": result_id, "note": recording.note,
            })
            self.writer.move_status(member.resident_id, recording.status, recording.on, recording.visit_id)


def _result_note(member: Backlog, result: ResultKind) -> str | None:
    if result == ResultKind.RECORDED and member.category == "away":
        return "Pulang kampung saat Idul Adha."
    if result == ResultKind.AWAY:
        return "Menurut keluarga masih bekerja di luar daerah."
    return None
