"""Visit logs as they are written: the visit, its results, and what a recording does."""
from __future__ import annotations

import datetime as dt

from ..domain.enums import KtpStatus, ResultKind, VisitKind, VisitState
from ..models import StatusChange, Visit, VisitResult
from .campaign import DemoSummary
from .pipeline import Backlog
from .store import BulkWriter, Ids

#: When planned visits were entered (the afternoon of DEMO_TODAY).
_PLANNED_AT = dt.datetime(2016, 9, 21, 16, 0)


class VisitLog:
    """Writes visits with their results and the status moves those results cause."""

    def __init__(self, ids: Ids, writer: BulkWriter, summary: DemoSummary, campaign_id: int) -> None:
        self.ids = ids
        self.writer = writer
        self.summary = summary
        self.campaign_id = campaign_id

    def write_visit(self, *, kec_code: str, kind: VisitKind, desa_code: str | None,
                    host_resident_id: int | None, members: list[tuple[Backlog, ResultKind]],
                    day: dt.date, start: dt.time, end: dt.time, state: VisitState, team: tuple[int, str],
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
        for member, result in members:
            result_id = self.ids.take(VisitResult.__table__)
            counted = result == ResultKind.RECORDED
            self.writer.add(VisitResult.__table__, {
                "id": result_id, "visit_id": visit_id, "resident_id": member.resident_id,
                "result": result.value, "counted_resident_id": member.resident_id if counted else None,
                "previous_status": member.status.value if counted else None,
                "note": _result_note(member, result),
            })
            if counted:
                self.summary.recorded_in_campaign += 1
                self.writer.add(StatusChange.__table__, {
                    "id": self.ids.take(StatusChange.__table__), "resident_id": member.resident_id,
                    "old_status": member.status.value, "new_status": KtpStatus.RECORDED.value,
                    "changed_on": day, "changed_at": entered, "changed_by": team_name,
                    "visit_result_id": result_id, "note": f"visit #{visit_id}",
                })
                self.writer.move_status(member.resident_id, KtpStatus.RECORDED, day, visit_id)
            else:
                self.summary.other_results += 1


def _result_note(member: Backlog, result: ResultKind) -> str | None:
    if result == ResultKind.RECORDED and member.category == "away":
        return "Pulang kampung saat Idul Adha."
    if result == ResultKind.AWAY:
        return "Menurut keluarga masih bekerja di luar daerah."
    return None
