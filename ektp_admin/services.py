"""Writes that keep several records in agreement (status, results, history).

Views and the CLI call these; each applies a domain rule and records what it did
in the same transaction. The caller commits; only the visit-result helpers flush
(a visit's new rows need ids before the status history can point at them).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy import inspect

from .domain.enums import Departure, KtpStatus, ResultKind
from .domain.messages import RuleViolation
from .domain.status import check_move
from .domain.visits import (
    check_recorded_result,
    status_after_recording,
    status_after_removing_recording,
)
from .models import AuditEntry, Resident, StatusChange, Visit, VisitResult


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


def other_recording_visit(session: Any, resident_id: int, exclude_result_id: int | None,
                          *, also_exclude: Iterable[int] = ()) -> int | None:
    """The visit that already holds a counting "recorded" result for the resident, if any.

    Reads what the database holds without flushing the session first: a result a
    form has just added is not there yet, so it cannot find itself. ``also_exclude``
    names result rows that are going away in the same save.
    """
    query = sa.select(VisitResult.visit_id).where(VisitResult.counted_resident_id == resident_id)
    excluded = {i for i in (exclude_result_id, *also_exclude) if i is not None}
    if excluded:
        query = query.where(VisitResult.id.not_in(excluded))
    with session.no_autoflush:
        return session.execute(query.limit(1)).scalar_one_or_none()


#: (status change, the result that caused it): ids are linked after the flush.
Recording = tuple[StatusChange, VisitResult]


def apply_result(session: Any, result: VisitResult, username: str | None, on: dt.date, *,
                 removed_on: dt.date | None = None, going_away: Iterable[int] = ()) -> list[Recording]:
    """A result was added or changed: move the resident's status to match.

    Works on rows a form has just built and not flushed (Flask-Admin inline rows):
    what the row held before comes from the attribute history, the resident from
    the relationship or the column. Handles a row changed to or from "recorded"
    and a "recorded" row moved to another resident. ``on`` dates a recording,
    ``removed_on`` (default ``on``) dates an undo. Returns the status changes it
    wrote, for :func:`link_recordings` once the flush has given the rows ids.
    """
    recorded = ResultKind.RECORDED.value
    state = inspect(result)
    with session.no_autoflush:
        if state.transient or state.pending:
            was, was_resident_id = None, None
        else:
            hist = state.attrs.result.history
            was = hist.deleted[0] if hist.deleted else result.result
            id_hist = state.attrs.resident_id.history
            was_resident_id = id_hist.deleted[0] if id_hist.deleted else result.resident_id
        resident = result.resident if result.resident is not None else session.get(Resident, result.resident_id)
        if resident is None:
            return []
        now = result.result
        same_resident = was_resident_id is None or was_resident_id == resident.id
        written: list[Recording] = []
        if was == recorded and (now != recorded or not same_resident):
            before = resident if same_resident else session.get(Resident, was_resident_id)
            written += undo_recording(session, result, before, username, removed_on or on)
        if now == recorded and (was != recorded or not same_resident):
            problems = check_recorded_result(
                KtpStatus(resident.ktp_status),
                other_recording_visit(session, resident.id, result.id, also_exclude=going_away),
            )
            if problems:
                raise RuleViolation(*problems)
            previous = KtpStatus(resident.ktp_status)
            resident.ktp_status = status_after_recording(previous).value
            resident.ktp_status_changed_on = on
            # A visit being created has no id yet: link_recordings sets it after the flush.
            resident.recorded_visit_id = result.visit_id or (result.visit.id if result.visit else None)
            result.previous_status = previous.value
            result.counted_resident_id = resident.id
            change = StatusChange(old_status=previous.value, new_status=resident.ktp_status, changed_on=on,
                                  changed_by=username, note=_visit_note(result))
            resident.status_changes.append(change)
            written.append((change, result))
        if was != now or not same_resident:
            if was == ResultKind.DECEASED.value:
                before = resident if same_resident else session.get(Resident, was_resident_id)
                if before is not None:
                    undo_departure(before, result)
            if now == ResultKind.DECEASED.value:
                record_death(resident, result, on)
            if now == ResultKind.AWAY.value and not resident.away:
                resident.away = True  # the family says so; where and until when stay for the clerk to fill
        return written


def _result_visit_id(result: VisitResult) -> int | None:
    return result.visit_id or (result.visit.id if result.visit is not None else None)


def record_death(resident: Resident, result: VisitResult, on: dt.date) -> None:
    """A visit found the resident deceased: off the backlog for good (unless already departed)."""
    if resident.departure is not None:
        return
    resident.departure = Departure.DECEASED.value
    resident.departed_on = on
    resident.departure_note = None  # the visit is the source: departure_visit_id says which
    resident.departure_visit_id = _result_visit_id(result)


def undo_departure(resident: Resident, result: VisitResult) -> None:
    """The "deceased" result goes away or changes: undo what it alone had set."""
    visit_id = _result_visit_id(result)
    if resident.departure == Departure.DECEASED.value and visit_id is not None \
            and resident.departure_visit_id == visit_id:
        resident.departure = None
        resident.departed_on = None
        resident.departure_visit_id = None


def undo_recording(session: Any, result: VisitResult, resident: Resident, username: str | None,
                   on: dt.date) -> list[Recording]:
    """A "recorded" result goes away: restore the status it replaced.

    Refused (RuleViolation) once the KTP-el has moved on past RECORDED (SFE...).
    """
    with session.no_autoflush:
        previous = KtpStatus(result.previous_status or KtpStatus.NOT_RECORDED.value)
        current = KtpStatus(resident.ktp_status)
        restored = status_after_removing_recording(current, previous)
        resident.ktp_status = restored.value
        resident.ktp_status_changed_on = on
        resident.recorded_visit_id = None
        result.counted_resident_id = None
        change = StatusChange(old_status=current.value, new_status=restored.value, changed_on=on,
                              changed_by=username, note="recording removed")
        resident.status_changes.append(change)
        return [(change, result)]


def recording_note(visit_id: int | None) -> str | None:
    """The note on the status change a visit's recording writes ("visit #12")."""
    return f"visit #{visit_id}" if visit_id else None


def _visit_note(result: VisitResult) -> str | None:
    return recording_note(result.visit_id or (result.visit.id if result.visit is not None else None))


def link_recordings(recordings: Iterable[Recording]) -> None:
    """After a flush: point each status change at its result row, and a recorded
    resident at the visit (a visit being created had no id before the flush)."""
    for change, result in recordings:
        state = inspect(result)
        if state.deleted or state.was_deleted or result.id is None:
            continue
        change.visit_result_id = result.id
        if change.new_status == KtpStatus.RECORDED.value:
            change.note = change.note or _visit_note(result)
            resident = result.resident
            if resident is not None and resident.recorded_visit_id is None:
                resident.recorded_visit_id = result.visit_id


def apply_visit_results(session: Any, visit: Visit, username: str | None, today: dt.date) -> None:
    """Bring residents' statuses in line with a visit's results after a form save.

    For a visit whose ``results`` a form has just rewritten (Flask-Admin inline
    rows: new rows appended, changed rows updated, removed rows passed to
    ``session.delete``): removed "recorded" rows restore the status they replaced,
    changed rows move it either way, new "recorded" rows record the resident.
    Recordings are dated on the visit's day, undos on ``today``. Flushes once (the
    rows need ids) and links the status history to the rows; the caller commits.
    A rule broken anywhere raises RuleViolation and the caller rolls back.
    """
    removed = [r for r in session.deleted
               if isinstance(r, VisitResult) and r.visit_id is not None and r.visit_id == visit.id]
    going_away = [r.id for r in removed if r.id is not None]
    recordings: list[Recording] = []
    changed = bool(removed)
    with session.no_autoflush:
        for result in removed:
            if result.result == ResultKind.RECORDED.value and result.counted_resident_id is not None:
                resident = result.resident or session.get(Resident, result.resident_id)
                undo_recording(session, result, resident, username, today)
            elif result.result == ResultKind.DECEASED.value:
                resident = result.resident or session.get(Resident, result.resident_id)
                if resident is not None:
                    undo_departure(resident, result)
        live = [r for r in visit.results if r not in removed]
        # Undo first, so a recording moved from one row to another is free again.
        ordered = sorted(live, key=lambda r: r.result == ResultKind.RECORDED.value)
        for result in ordered:
            state = inspect(result)
            if state.transient or state.pending or session.is_modified(result):
                changed = True
            recordings += apply_result(session, result, username, visit.day, removed_on=today, going_away=going_away)
        if changed and inspect(visit).persistent:
            # Touch the visit so its version moves: a form opened before this save
            # (with the old rows) is then refused as stale instead of re-adding them.
            visit.updated_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    session.flush()
    link_recordings(recordings)
    for result in visit.results:
        # A visit being created had no id when its "deceased" result was applied.
        resident = result.resident
        if result.result == ResultKind.DECEASED.value and resident is not None \
                and resident.departure == Departure.DECEASED.value and resident.departure_visit_id is None \
                and resident.departure_note is None:
            resident.departure_visit_id = visit.id


def remove_visit_results(session: Any, visit: Visit, username: str | None, today: dt.date) -> None:
    """A whole visit is about to be deleted: undo its recordings first.

    Refused (RuleViolation) when one of them has already moved on past RECORDED.
    """
    result_ids = []
    with session.no_autoflush:
        for result in visit.results:
            result_ids.append(result.id)
            if result.result == ResultKind.RECORDED.value and result.counted_resident_id is not None:
                resident = result.resident or session.get(Resident, result.resident_id)
                undo_recording(session, result, resident, username, today)
            elif result.result == ResultKind.DECEASED.value:
                resident = result.resident or session.get(Resident, result.resident_id)
                if resident is not None:
                    undo_departure(resident, result)
    if result_ids:
        # The history keeps the changes but no longer points at rows that go away
        # (the foreign key does this itself, except on SQLite without PRAGMA foreign_keys).
        session.execute(
            sa.update(StatusChange).where(StatusChange.visit_result_id.in_(result_ids)).values(visit_result_id=None)
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
