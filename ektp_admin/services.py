"""Writes that keep several records in agreement (status, results, history).

Views and the CLI call these; each applies a domain rule and records what it did
in the same transaction. They flush nothing themselves: the caller commits.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect

from .domain.enums import KtpStatus, ResultKind
from .domain.messages import RuleViolation
from .domain.status import check_move
from .domain.visits import check_recorded_result, status_after_recording, status_after_removing_recording
from .models import AuditEntry, Resident, StatusChange, VisitResult


def apply_manual_status(session: Any, resident: Resident, is_created: bool, username: str | None,
                        on: dt.date | None = None) -> None:
    """Validate a status changed in the resident form and date it."""
    on = on or dt.date.today()
    state = inspect(resident)
    hist = state.attrs.ktp_status.history
    new = KtpStatus(resident.ktp_status or KtpStatus.NOT_RECORDED.value)
    if is_created:
        if new == KtpStatus.RECORDED:
            # A new resident may arrive already recorded elsewhere; it is not a
            # visit's recording, so it is not tied to a result.
            pass
        resident.ktp_status = new.value
        resident.ktp_status_changed_on = on
        resident.status_changes.append(StatusChange(old_status=None, new_status=new.value, changed_on=on, changed_by=username))
        return
    if not hist.has_changes() or not hist.deleted:
        return
    old = KtpStatus(hist.deleted[0])
    if old == new:
        return
    problems = check_move(old, new, by_hand=True)
    if problems:
        raise RuleViolation(*problems)
    resident.ktp_status_changed_on = on
    resident.status_changes.append(StatusChange(old_status=old.value, new_status=new.value, changed_on=on, changed_by=username))


def other_recording_visit(session: Any, resident_id: int, exclude_result_id: int | None) -> int | None:
    query = sa.select(VisitResult.visit_id).where(VisitResult.counted_resident_id == resident_id)
    if exclude_result_id is not None:
        query = query.where(VisitResult.id != exclude_result_id)
    return session.execute(query.limit(1)).scalar_one_or_none()


def apply_result(session: Any, result: VisitResult, username: str | None, on: dt.date) -> None:
    """A result was added or changed: move the resident's status to match."""
    state = inspect(result)
    hist = state.attrs.result.history
    was = hist.deleted[0] if hist.deleted else (None if state.pending or state.transient else result.result)
    now = result.result
    resident = result.resident
    if resident is None:
        resident = session.get(Resident, result.resident_id)
    if was == ResultKind.RECORDED.value and now != ResultKind.RECORDED.value:
        undo_recording(session, result, resident, username, on)
    elif now == ResultKind.RECORDED.value and was != ResultKind.RECORDED.value:
        problems = check_recorded_result(
            KtpStatus(resident.ktp_status), other_recording_visit(session, resident.id, result.id)
        )
        if problems:
            raise RuleViolation(*problems)
        previous = KtpStatus(resident.ktp_status)
        resident.ktp_status = status_after_recording(previous).value
        resident.ktp_status_changed_on = on
        resident.recorded_visit_id = result.visit_id or (result.visit.id if result.visit else None)
        result.previous_status = previous.value
        result.counted_resident_id = resident.id
        resident.status_changes.append(
            StatusChange(old_status=previous.value, new_status=resident.ktp_status, changed_on=on,
                         changed_by=username, note=f"visit #{result.visit_id}" if result.visit_id else None)
        )


def undo_recording(session: Any, result: VisitResult, resident: Resident, username: str | None, on: dt.date) -> None:
    """A "recorded" result goes away: restore the status it replaced."""
    previous = KtpStatus(result.previous_status or KtpStatus.NOT_RECORDED.value)
    current = KtpStatus(resident.ktp_status)
    restored = status_after_removing_recording(current, previous)
    resident.ktp_status = restored.value
    resident.ktp_status_changed_on = on
    resident.recorded_visit_id = None
    result.counted_resident_id = None
    resident.status_changes.append(
        StatusChange(old_status=current.value, new_status=restored.value, changed_on=on, changed_by=username,
                     note="recording removed")
    )


def record_history(session: Any, model: Any) -> list[AuditEntry]:
    """The audit entries of one record, newest first (for its details page)."""
    identity = inspect(model).identity
    if not identity:
        return []
    entries = session.execute(
        sa.select(AuditEntry)
        .where(AuditEntry.table_name == model.__tablename__, AuditEntry.record_id == ",".join(map(str, identity)))
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).scalars().all()
    for entry in entries:
        try:
            entry.changes_dict = json.loads(entry.changes or "{}")
        except ValueError:
            entry.changes_dict = {}
    return entries
