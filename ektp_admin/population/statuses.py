"""Status sync: KTP-el statuses from a file (NIK, status, date), through the pipeline.

Rows name the statuses the national pipeline reports after a recording: SFE,
PRR, printed, handed over, EFAC, DUP. Each row is one move of that resident's
status, checked with :func:`ektp_admin.domain.status.check_move` against the
status the database holds (an illegal move is a reported row, never an
overwrite), dated with the row's date (never in the future, never before the
resident's last change) and written with its history row, as
:mod:`ektp_admin.services` does for a move made by hand. A row whose resident
already has that status changes nothing.

Same formats, validation and all-or-nothing rules as the resident import
(:mod:`.importer`): every row is checked first (NIKs looked up in batches),
then the moves are written in one transaction, each batch re-checked against
the rows as the transaction sees them.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

import sqlalchemy as sa

from .. import counters
from ..domain.enums import KtpStatus
from ..domain.messages import N_, Message
from ..domain.status import check_move
from ..engines import refresh_statistics
from ..models import Resident, StatusChange
from . import vocabulary
from .bulk import BulkInsert, BulkStatement
from .importer import (
    BATCH,
    CHECKED,
    DONE,
    REFUSED,
    STATUSES,
    ImportOutcome,
    ImportRequest,
    audit,
    audit_alone,
    failed,
    load_regions,
    nik_in,
    note,
    one_transaction,
    prepare_sqlite,
    read_facts,
    refuse_duplicates,
    utcnow,
)
from .reading import FileProblem, map_columns, open_table
from .rows import ERROR, FIELD_LABELS, REQUIRED_STATUS, Problem, StatusRows
from .work import Progress, Report, Sink, Spool

_TABLE = Resident.__table__
_LOOKUP = (_TABLE.c.id, _TABLE.c.nik, _TABLE.c.ktp_status, _TABLE.c.ktp_status_changed_on, _TABLE.c.kecamatan_code)
MOVE, SAME = "move", "same"


def _fmt(day: dt.date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"


def plan(resident: Any, status: str, on: dt.date, kecamatan_code: str | None,
         kecamatan_names: dict[str, str]) -> tuple[str, list[Problem]]:
    """What a row asks of one resident (``resident``: the looked-up row, or None):
    a move, nothing (the same status), or the problems that refuse it."""
    if resident is None:
        return "", [Problem("nik", Message("sync_unknown_nik", N_("No resident has this NIK.")))]
    if kecamatan_code and resident.kecamatan_code != kecamatan_code:
        return "", [Problem("nik", Message(
            "sync_outside_kecamatan",
            N_("This resident lives in kecamatan %(kecamatan)s, outside this import's kecamatan %(chosen)s."),
            {"kecamatan": kecamatan_names.get(resident.kecamatan_code, resident.kecamatan_code),
             "chosen": kecamatan_names.get(kecamatan_code, kecamatan_code)}))]
    old, new = KtpStatus(resident.ktp_status), KtpStatus(status)
    if old == new:
        return SAME, []
    problems = [Problem("status", m) for m in check_move(old, new, by_hand=True)]
    last = resident.ktp_status_changed_on
    if last is not None and on < last:
        problems.append(Problem("date", Message(
            "sync_date_before_last",
            N_("The date %(date)s is before the resident's last status change (%(last)s)."),
            {"date": _fmt(on), "last": _fmt(last)})))
    return (MOVE if not problems else ""), problems


def import_statuses(engine: sa.Engine, request: ImportRequest, folder: str,
                    sink: Sink | None = None) -> ImportOutcome:
    """Sync statuses from a file (see the module's docstring)."""
    progress = Progress(sink)
    outcome = ImportOutcome(STATUSES, file_name=request.file_name, dry_run=request.dry_run,
                            partial=request.partial, kecamatan_code=request.kecamatan_code)
    os.makedirs(folder, exist_ok=True)
    report = Report(folder, create=True)
    spool: Spool | None = None
    try:
        try:
            facts = read_facts(request, outcome, progress)
            spool = Spool(folder)
            regions = load_regions(engine)
            if request.kecamatan_code and request.kecamatan_code not in regions.kecamatan_names:
                raise FileProblem(Message("import_no_kecamatan", N_("There is no kecamatan %(kecamatan)s."),
                                          {"kecamatan": request.kecamatan_code}))
            with open_table(facts) as table:
                columns = map_columns(table.header, vocabulary.column_names(vocabulary.STATUS_COLUMNS),
                                      REQUIRED_STATUS, FIELD_LABELS)
                outcome.unused_columns = columns.unused
                checker = StatusRows(columns, today=request.today,
                                     reference_date=request.reference_date or request.today)
                pending: list[tuple[int, Any]] = []
                for line, cells in table.rows:
                    outcome.rows += 1
                    row = checker.check(cells)
                    if not row.ok:
                        note(report, outcome, line, row.nik, row.problems, checker.column_of)
                        spool.add(line, row.nik, None)
                    else:
                        pending.append((line, row))
                        if len(pending) >= BATCH:
                            _check_moves(engine, pending, request, regions.kecamatan_names, spool, report, outcome,
                                         checker.column_of)
                            pending = []
                    if outcome.rows % 1000 == 0:
                        progress("checking", line, facts.lines)
                _check_moves(engine, pending, request, regions.kecamatan_names, spool, report, outcome,
                             checker.column_of)
            if outcome.rows == 0:
                raise FileProblem(Message("import_no_rows", N_("The file has column names but no rows.")))
            spool.loaded()
            refuse_duplicates(spool, report, outcome, checker.column_of("nik"))
        except FileProblem as problem:
            outcome.file_problems = problem.messages
            outcome.state = REFUSED
            report.finish()
            audit_alone(engine, request, outcome, StatusChange.__tablename__)
            return outcome
        report.flush()
        if outcome.bad_rows and not request.partial:
            outcome.state = REFUSED
        else:
            _write(engine, request, spool, report, outcome, progress, regions.kecamatan_names,
                   checker.column_of, write=not request.dry_run)
            if outcome.state == DONE and outcome.moved:
                refresh_statistics(engine, [Resident.__tablename__, StatusChange.__tablename__])
        report.finish()
        if outcome.state != DONE:
            audit_alone(engine, request, outcome, StatusChange.__tablename__)
        progress("done", outcome.rows, outcome.rows, force=True)
        return outcome
    except Exception as exc:
        failed(engine, request, outcome, exc, StatusChange.__tablename__)
        return outcome
    finally:
        report.close()
        if spool is not None:
            spool.close()


def _lookup(conn: sa.Connection, niks: list[str], *, lock: bool = False) -> dict[str, Any]:
    query = sa.select(*_LOOKUP).where(nik_in(conn.engine))
    if lock:
        query = query.with_for_update()
    return {row.nik: row for row in conn.execute(query, {"niks": niks})}


def _check_moves(engine: sa.Engine, pending: list[tuple[int, Any]], request: ImportRequest,
                 kecamatan_names: dict[str, str], spool: Spool, report: Report, outcome: ImportOutcome,
                 column_of: Any) -> None:
    """Check a batch of well-formed rows against the residents' current statuses."""
    if not pending:
        return
    with engine.connect() as conn:
        found = _lookup(conn, [row.nik for _, row in pending])
    for line, row in pending:
        kind, problems = plan(found.get(row.nik), row.status, row.on, request.kecamatan_code, kecamatan_names)
        problems = row.problems + problems
        if note(report, outcome, line, row.nik, problems, column_of) if problems else False:
            spool.add(line, row.nik, None)
        else:
            spool.add(line, row.nik, (row.nik, row.status, row.on.toordinal()))


def _write(engine: sa.Engine, request: ImportRequest, spool: Spool, report: Report, outcome: ImportOutcome,
           progress: Progress, kecamatan_names: dict[str, str], column_of: Any, *, write: bool) -> None:
    """Make the moves in one transaction (``write=False``: count them, for a dry run).

    Each batch is looked up again inside the transaction (locked where the database
    can): a resident whose status changed since the check makes the row bad - the
    whole import is refused, or with ``partial`` that row is left out."""
    now = utcnow()
    changed_by = request.username
    note_text = f"status sync: {request.file_name}"[:200]
    total = spool.count(ok=True)
    done = 0
    changed_meanwhile = False
    touched: set[str] = set()
    if write:
        prepare_sqlite(engine)
    with engine.connect() as conn:
        with one_transaction(conn, write=write) as transaction:
            move = BulkStatement(conn, sa.update(_TABLE).where(_TABLE.c.id == sa.bindparam("p_id")).values(
                ktp_status=sa.bindparam("p_status", type_=_TABLE.c.ktp_status.type),
                ktp_status_changed_on=sa.bindparam("p_on", type_=_TABLE.c.ktp_status_changed_on.type),
                version=_TABLE.c.version + 1,
                updated_at=sa.bindparam("p_now", type_=_TABLE.c.updated_at.type),
            ), ["p_id", "p_status", "p_on", "p_now"])
            history = BulkInsert(conn, StatusChange.__table__, [
                "resident_id", "old_status", "new_status", "changed_on", "changed_at", "changed_by", "note"])
            for batch in spool.batches(BATCH):
                found = _lookup(conn, [values[0] for _, values in batch], lock=write)
                moves, changes = [], []
                for line, (nik, status, ordinal) in batch:
                    on = dt.date.fromordinal(ordinal)
                    resident = found.get(nik)
                    kind, problems = plan(resident, status, on, request.kecamatan_code, kecamatan_names)
                    if problems or resident is None:
                        for problem in problems:
                            report.add(line, column_of(problem.field), nik, ERROR, problem.message)
                        outcome.bad_rows += 1
                        changed_meanwhile = True
                        continue
                    if kind == SAME:
                        outcome.unchanged += 1
                        continue
                    moves.append((resident.id, status, on, now))
                    touched.add(resident.kecamatan_code)
                    changes.append((resident.id, resident.ktp_status, status, on, now, changed_by, note_text))
                outcome.moved += len(moves)
                if write:
                    move.execute(moves)
                    history.execute(changes)
                done += len(batch)
                progress("writing" if write else "comparing", done, total)
            if changed_meanwhile and not request.partial:
                transaction.rollback()
                outcome.moved = 0
                outcome.state = REFUSED
                return
            if write:
                # The kecamatan whose residents moved are counted again, in this transaction.
                counters.rebuild(conn, request.reference_date or request.today, kecamatan=touched)
                audit(conn, request, outcome, StatusChange.__tablename__)
                progress("committing", done, total, force=True)
                transaction.commit()
                outcome.state = DONE
            else:
                transaction.rollback()
                outcome.state = CHECKED
