"""Importing residents: check the rows and write them side by side, in one transaction.

The same code runs for ``flask ektp import-residents`` and for the upload screen
(in a background thread, :mod:`ektp_admin.population.jobs`). The phases:

1. **reading**: one pass over the bytes (SHA-256, encoding, lines) and the
   header mapped to fields (:mod:`.reading`): a file without a needed column
   stops here;
2. **checking and writing**, side by side: the checker (:mod:`.checking`, a
   process of its own for a big file) checks every row with the domain rules
   (:mod:`.rows`), puts it in the spool and hands the valid rows over in
   batches; meanwhile each batch is written here - its NIKs looked up at once,
   new residents inserted and changed ones updated with Core statements
   (nothing is ever deleted) - or, for a dry run, only compared. After the
   checker's last word (duplicate NIKs found over the spool; for a full refresh,
   the residents the file does not name listed - reported, never removed), the
   transaction is rolled back if the file has a bad row (all-or-nothing;
   ``partial`` keeps the valid rows) or a duplicate NIK;
3. **indexes, counters, audit, commit**: all in the **one** transaction. A
   killed process leaves the database as it was.

Memory does not grow with the file: rows stream from the file through a
bounded queue to the database, and into the spool (a scratch SQLite file).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from .. import counters, search_index
from ..domain.enums import Citizenship, KtpStatus, MaritalStatus
from ..domain.messages import N_, Message
from ..engines import refresh_statistics
from ..models import AuditEntry, Desa, Kecamatan, Resident, StatusChange, name_key
from . import vocabulary
from .bulk import BulkInsert, BulkStatement
from .checking import (
    CheckCounts,
    CheckerFailed,
    CheckingWorker,
    CheckJob,
    note_problems,
    refuse_duplicates as refuse_duplicate_rows,
)
from .reading import FileFacts, FileProblem, Label, inspect_file, map_columns, open_table
from .rows import (
    DATE_FIELDS,
    DEPARTURE_FIELDS,
    FIELD_LABELS,
    INSERT_ONLY,
    KEEP_WHEN_EMPTY,
    REQUIRED_RESIDENT,
    RESIDENT_FIELDS,
    RETURNED,
    Problem,
    Regions,
    ResidentRows,
)
from .work import SPOOL_NAME, Progress, Report, Sink, Spool

#: rows per database batch (one lookup, one INSERT and one UPDATE executemany each)
BATCH = 2000
RESIDENTS, STATUSES = "residents", "statuses"
#: SQLite page cache of the writing connection, in KiB (restored when it closes)
SQLITE_CACHE_KB = 64 * 1024
#: A load of at least this many rows may rebuild the residents' secondary indexes once
#: at the end instead of updating them row by row (same transaction; see _drop_indexes_for_a_load)
REBUILD_MIN_ROWS = 50_000
#: PostgreSQL's memory for sorting while the indexes are rebuilt (MB; that transaction only)
INDEX_MEMORY_MB = 256
#: Outcome states
DONE, CHECKED, REFUSED, FAILED = "done", "checked", "refused", "failed"


@dataclass
class ImportRequest:
    """What to import and how."""

    path: str
    file_name: str
    username: str | None = None
    dry_run: bool = False
    partial: bool = False
    kecamatan_code: str | None = None
    full_refresh: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    reference_date: dt.date | None = None
    kind: str = RESIDENTS


@dataclass
class ImportOutcome:
    """What an import did (or would do): counts, the file, what was wrong with it."""

    kind: str
    state: str = REFUSED
    file_name: str = ""
    sha256: str | None = None
    size: int | None = None
    file_format: str | None = None
    rows: int = 0
    bad_rows: int = 0
    warning_rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    absent: int = 0
    #: residents the import marked deceased or moved out, and those it brought back
    departures_set: int = 0
    departures_cleared: int = 0
    unused_columns: list[str] = field(default_factory=list)
    file_problems: list[Message] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    kecamatan_code: str | None = None

    @property
    def written(self) -> bool:
        return self.state == DONE

    def as_json(self) -> str:
        from .work import message_to_json

        data = asdict(self)
        data["file_problems"] = [json.loads(message_to_json(m)) for m in self.file_problems]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None, kind: str = RESIDENTS) -> "ImportOutcome":
        if not text:
            return cls(kind)
        from .work import message_from_json

        data = json.loads(text)
        problems = [message_from_json(json.dumps(m)) for m in data.pop("file_problems", [])]
        known = {f for f in cls.__dataclass_fields__}
        outcome = cls(**{k: v for k, v in data.items() if k in known})
        outcome.file_problems = problems
        return outcome

    def audit_changes(self) -> dict[str, Any]:
        """What the audit entry keeps: the file (name, hash) and the counts."""
        keys = ("kind", "state", "file_name", "sha256", "size", "rows", "bad_rows", "warning_rows", "added",
                "updated", "unchanged", "moved", "absent", "departures_set", "departures_cleared", "dry_run", "partial",
                "kecamatan_code")
        return {k: getattr(self, k) for k in keys}


# ---------------------------------------------------------------------- shared steps


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def read_facts(request: ImportRequest, outcome: ImportOutcome, progress: Progress) -> FileFacts:
    facts = inspect_file(request.path, lambda done, total: progress("reading", done, total))
    outcome.sha256, outcome.size, outcome.file_format = facts.sha256, facts.size, facts.description
    return facts


def note(report: Report, outcome: ImportOutcome, line: int, nik: str, problems: list[Problem],
         column_of: Callable[[str | None], str]) -> bool:
    """Put a row's problems in the report; True when the row has an error."""
    bad, warned = note_problems(report, line, nik, problems, column_of)
    if bad:
        outcome.bad_rows += 1
    elif warned:
        outcome.warning_rows += 1
    return bad


def refuse_duplicates(spool: Spool, report: Report, outcome: ImportOutcome, column: str) -> None:
    """Every row of a NIK that appears more than once is a bad row (which one is right is
    for the office to say)."""
    outcome.bad_rows += refuse_duplicate_rows(spool, report, column)


def audit(conn: sa.Connection, request: ImportRequest, outcome: ImportOutcome, table_name: str) -> None:
    """The import's one audit entry (who, which file and hash, the counts)."""
    conn.execute(sa.insert(AuditEntry.__table__).values(
        at=utcnow(), username=request.username, action="import", table_name=table_name, record_id=None,
        kecamatan_code=request.kecamatan_code,
        changes=json.dumps(outcome.audit_changes(), ensure_ascii=False, sort_keys=True, default=str),
    ))


def audit_alone(engine: sa.Engine, request: ImportRequest, outcome: ImportOutcome, table_name: str) -> None:
    """The audit entry of an import that wrote nothing (refused, a dry run)."""
    with engine.begin() as conn:
        audit(conn, request, outcome, table_name)


def load_region_rows(engine: sa.Engine) -> list[tuple[str, str, str, str]]:
    """(desa code, desa name, kecamatan code, kecamatan name) of every desa."""
    query = (sa.select(Desa.code, Desa.name, Kecamatan.code, Kecamatan.name)
             .join(Kecamatan, Kecamatan.code == Desa.kecamatan_code))
    with engine.connect() as conn:
        return [(d, dn, k, kn) for d, dn, k, kn in conn.execute(query)]


def load_regions(engine: sa.Engine) -> Regions:
    return Regions(load_region_rows(engine))


@contextmanager
def one_transaction(conn: sa.Connection, *, write: bool) -> Iterator[sa.Transaction]:
    """The import's single transaction on ``conn``.

    SQLite's Python driver begins a transaction only before an INSERT, UPDATE or
    DELETE: a SELECT before it reads outside the transaction, and DDL (the index
    rebuild) would be committed on the spot - a killed import would leave the
    indexes dropped. So on SQLite the driver's own transaction handling is
    switched off for this connection and the transaction is begun explicitly,
    ``BEGIN IMMEDIATE`` when writing (the write lock from the first statement,
    so nothing changes between a check and its write). Restored afterwards.
    """
    dbapi = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    saved = getattr(dbapi, "isolation_level", "")
    transaction = conn.begin()
    try:
        if dbapi is not None:
            dbapi.isolation_level = None
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        yield transaction
    finally:
        if transaction.is_active:
            transaction.rollback()
        if dbapi is not None:
            dbapi.isolation_level = saved


def prepare_sqlite(engine: sa.Engine) -> None:
    """On SQLite, switch the database to WAL (once; it persists) so the screens can
    still read while the import's long transaction writes."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    try:
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            if str(mode).lower() != "wal":
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    except sa.exc.OperationalError:  # another connection holds a lock: go on in the current mode
        pass


# ---------------------------------------------------------------------- residents


def import_residents(engine: sa.Engine, request: ImportRequest, folder: str,
                     sink: Sink | None = None) -> ImportOutcome:
    """Import a resident file (see the module's docstring). ``folder`` holds the
    scratch spool and the report (which stays); ``sink(phase, done, total)`` hears
    the progress. Raises nothing for a bad file: the outcome says ``refused``."""
    progress = Progress(sink)
    outcome = ImportOutcome(RESIDENTS, file_name=request.file_name, dry_run=request.dry_run,
                            partial=request.partial, kecamatan_code=request.kecamatan_code)
    os.makedirs(folder, exist_ok=True)
    report = Report(folder, create=True)
    try:
        return _import_residents(engine, request, folder, outcome, report, progress)
    except Exception as exc:
        failed(engine, request, outcome, exc, Resident.__tablename__)
        return outcome
    finally:
        report.close()


def failed(engine: sa.Engine, request: ImportRequest, outcome: ImportOutcome, exc: BaseException,
           table_name: str) -> None:
    """An import stopped by an error (the database refused a row, a lost connection):
    its transaction was rolled back; say so, and audit it."""
    import logging

    logging.getLogger(__name__).exception("import of %s failed", request.file_name)
    outcome.state = FAILED
    outcome.added = outcome.updated = outcome.moved = outcome.departures_set = outcome.departures_cleared = 0
    outcome.file_problems = [Message("import_failed", N_("The import stopped with an error and wrote nothing: "
                                                         "%(detail)s"), {"detail": f"{type(exc).__name__}: {exc}"[:300]})]
    try:
        audit_alone(engine, request, outcome, table_name)
    except Exception:  # the database itself is gone: the log has it
        logging.getLogger(__name__).exception("could not audit the failed import of %s", request.file_name)


def _import_residents(engine: sa.Engine, request: ImportRequest, folder: str, outcome: ImportOutcome,
                      report: Report, progress: Progress) -> ImportOutcome:
    worker: CheckingWorker | None = None
    try:
        try:
            facts = read_facts(request, outcome, progress)
            job, present = _check_job(engine, request, facts, folder, outcome)
            worker = CheckingWorker(job, stop_writing_at_bad=not request.partial)
            written = _write_while_checking(engine, request, worker, present, facts, outcome, report, progress)
        except FileProblem as problem:
            _nothing_written(outcome)
            outcome.file_problems = problem.messages
            outcome.state = REFUSED
            report.finish()
            audit_alone(engine, request, outcome, Resident.__tablename__)
            return outcome
        if written:
            outcome.state = DONE if not request.dry_run else CHECKED
        else:
            _nothing_written(outcome)
            if outcome.bad_rows and not request.partial:
                outcome.state = REFUSED
            else:  # partial, with duplicate NIKs found at the end: the valid rows again, from the spool
                _write_from_spool(engine, request, folder, present, outcome, progress)
                outcome.state = DONE if not request.dry_run else CHECKED
        report.finish()
        if outcome.state != DONE:
            audit_alone(engine, request, outcome, Resident.__tablename__)
        progress("done", outcome.rows, outcome.rows, force=True)
        return outcome
    finally:
        if worker is not None:
            worker.close()
        if os.path.exists(os.path.join(folder, SPOOL_NAME)):
            os.remove(os.path.join(folder, SPOOL_NAME))


def _nothing_written(outcome: ImportOutcome) -> None:
    outcome.added = outcome.updated = outcome.unchanged = outcome.moved = 0
    outcome.departures_set = outcome.departures_cleared = 0


def _check_job(engine: sa.Engine, request: ImportRequest, facts: FileFacts, folder: str,
               outcome: ImportOutcome) -> tuple[CheckJob, list[str]]:
    """The header mapped to fields and the regions loaded (a file without a needed column
    is refused here, before any row is read): what the checker needs, and the fields the
    file gives."""
    with open_table(facts) as table:
        header = table.header
    columns = map_columns(header, vocabulary.column_names(vocabulary.RESIDENT_COLUMNS), REQUIRED_RESIDENT,
                          FIELD_LABELS)
    outcome.unused_columns = columns.unused
    regions = load_region_rows(engine)
    if request.kecamatan_code and request.kecamatan_code not in {k for _, _, k, _ in regions}:
        raise FileProblem(Message("import_no_kecamatan", N_("There is no kecamatan %(kecamatan)s."),
                                  {"kecamatan": request.kecamatan_code}))
    job = CheckJob(facts, columns, regions, folder, today=request.today,
                   reference_date=request.reference_date or request.today, kecamatan_code=request.kecamatan_code)
    present = ResidentRows(columns, Regions(regions), today=job.today, reference_date=job.reference_date).present
    return job, present


def _write_while_checking(engine: sa.Engine, request: ImportRequest, worker: CheckingWorker, present: list[str],
                          facts: FileFacts, outcome: ImportOutcome, report: Report, progress: Progress) -> bool:
    """Write (or, for a dry run, compare) each batch as the checker hands it over, in one
    transaction that is committed only when the whole file turned out writable.
    False: nothing was written (a bad row, or duplicate NIKs the end of the check found)."""
    counts: CheckCounts | None = None

    def checked_all(conn: sa.Connection) -> bool:
        nonlocal counts
        counts = worker.counts
        assert counts is not None
        _take_counts(outcome, counts)
        if request.full_refresh:
            _report_absent(conn, request, report, outcome, progress)
        return not counts.duplicate_rows and (request.partial or not counts.bad_rows)

    phase = "checking_comparing" if request.dry_run else "checking_writing"
    progress(phase, 0, facts.lines, force=True)  # the checker is starting
    try:
        return _write_residents(engine, request, present, worker.batches(), facts.lines, outcome, progress,
                                write=not request.dry_run, phase=phase, checked_all=checked_all)
    except (FileProblem, CheckerFailed):
        raise
    except Exception:
        if counts is not None:  # the check had ended well: the database failed
            raise
        # Duplicate NIKs make the writing fail (the unique index): let the check end and say so.
        counts = worker.wait()
        if not counts.duplicate_rows:
            raise
        _take_counts(outcome, counts)
        if request.full_refresh:
            with engine.connect() as conn:
                _report_absent(conn, request, report, outcome, progress)
        return False


def _take_counts(outcome: ImportOutcome, counts: CheckCounts) -> None:
    outcome.rows, outcome.bad_rows, outcome.warning_rows = counts.rows, counts.bad_rows, counts.warning_rows


def _write_from_spool(engine: sa.Engine, request: ImportRequest, folder: str, present: list[str],
                      outcome: ImportOutcome, progress: Progress) -> None:
    """The valid rows once more, from the spool the checker left (``--partial`` with duplicate NIKs)."""
    spool = Spool(folder, existing=True)
    try:
        batches = ((rows[-1][0], [values for _, values in rows]) for rows in spool.batches(BATCH))
        _write_residents(engine, request, present, batches, spool.count(ok=True), outcome, progress,
                         write=not request.dry_run, phase="comparing" if request.dry_run else "writing")
    finally:
        spool.close(remove=False)


def _scope(request: ImportRequest) -> Any:
    return Resident.kecamatan_code == request.kecamatan_code if request.kecamatan_code else sa.true()


def _report_absent(conn: sa.Connection, request: ImportRequest, report: Report, outcome: ImportOutcome,
                   progress: Progress) -> None:
    """Residents of the import's region the file does not name: reported, never removed.
    (On the import's own connection the rows it wrote are all named by the file, so the
    answer is the one the database gave before.)"""
    spool = Spool(report.folder, existing=True)
    query = (sa.select(Resident.nik, Resident.name, Resident.desa_code).where(_scope(request))
             .order_by(Resident.nik))
    done = 0
    try:
        # the options on the statement: on the connection they would stay for the import's next ones
        result = conn.execute(query.execution_options(stream_results=True, max_row_buffer=BATCH))
        for chunk in result.partitions(BATCH):
            present = spool.niks_present([row.nik for row in chunk])
            for row in chunk:
                if row.nik not in present:
                    report.add_absent(row.nik, row.name, row.desa_code)
                    outcome.absent += 1
            done += len(chunk)
            progress("comparing", done, None)
    finally:
        spool.close(remove=False)


_RESIDENT_TABLE = Resident.__table__
_COLUMNS = {f: _RESIDENT_TABLE.c[f] for f in RESIDENT_FIELDS}
#: where each field is in a checked row (the checker's order, RESIDENT_FIELDS)
_AT = {f: i for i, f in enumerate(RESIDENT_FIELDS)}
_DATES_AT = tuple(_AT[f] for f in RESIDENT_FIELDS if f in DATE_FIELDS)
(_NIK, _NAME, _DESA, _MARITAL, _CITIZENSHIP, _DISABLED, _ILL, _AWAY, _STATUS, _DEPARTURE, _DEPARTED_ON,
 _DEPARTURE_NOTE) = (_AT[f] for f in ("nik", "name", "desa_code", "marital_status", "citizenship", "disabled",
                                      "seriously_ill", "away", "ktp_status", "departure", "departed_on",
                                      "departure_note"))
#: the columns of a new resident, in the order :func:`_new_resident` gives them
_INSERT_KEYS = (*RESIDENT_FIELDS, "ktp_status_changed_on", "name_key", "kecamatan_code", "version", "created_at",
                "updated_at")


def _decode(values: list[Any]) -> list[Any]:
    """A checked row as the checker sent it (dates as day numbers) with its dates back, in place."""
    for i in _DATES_AT:
        if values[i] is not None:
            values[i] = _from_day_number(values[i])
    return values


@lru_cache(maxsize=65536)
def _from_day_number(day: int) -> dt.date:
    return dt.date.fromordinal(day)


def _update_statement(present: list[str], *, departure: bool = False) -> Any:
    """One UPDATE for every changed resident of a batch (executemany): the fields the
    file has; an empty "keep" field (marital status...) keeps the stored value.
    ``departure``: the statement for residents whose departure changes as well (the
    three fields together, and no longer the word of a visit)."""
    table = _RESIDENT_TABLE
    values: dict[str, Any] = {}
    for f in present:
        if f in INSERT_ONLY or f == "nik" or f in DEPARTURE_FIELDS:
            continue
        param = sa.bindparam("p_" + f, type_=table.c[f].type)
        values[f] = sa.func.coalesce(param, table.c[f]) if f in KEEP_WHEN_EMPTY else param
    if departure:
        for f in DEPARTURE_FIELDS:
            values[f] = sa.bindparam("p_" + f, type_=table.c[f].type)
        values["departure_visit_id"] = sa.null()
    values["name_key"] = sa.bindparam("p_name_key", type_=table.c.name_key.type)
    values["kecamatan_code"] = sa.bindparam("p_kecamatan_code", type_=table.c.kecamatan_code.type)
    values["version"] = table.c.version + 1
    values["updated_at"] = sa.bindparam("p_now", type_=table.c.updated_at.type)
    return sa.update(table).where(table.c.id == sa.bindparam("p_id")).values(values)


def _departure_change(row: list[Any], old: Any, source: str) -> tuple[Any, Any, Any] | None:
    """(departure, since, note) to store for an existing resident, or None to keep what is stored.

    An empty cell keeps; "returned" clears; a departure the database already has (same
    kind, same day) is kept with its note (or its visit) unless the file gives another
    note. ``source`` is the note of a death the file gives no source for.
    """
    wanted = row[_DEPARTURE]
    if wanted is None:
        return None
    if wanted == RETURNED:
        return (None, None, None) if old.departure is not None else None
    note = row[_DEPARTURE_NOTE]
    if old.departure == wanted and old.departed_on == row[_DEPARTED_ON] and note in (None, old.departure_note):
        return None
    return wanted, row[_DEPARTED_ON], note or source


def _write_residents(engine: sa.Engine, request: ImportRequest, present: list[str],
                     batches: Iterable[tuple[int, list[list[Any]]]], total: int | None, outcome: ImportOutcome,
                     progress: Progress, *, write: bool, phase: str,
                     checked_all: Callable[[sa.Connection], bool] | None = None) -> bool:
    """Upsert the valid rows by NIK in one transaction (``write=False``: only count
    what would change, for a dry run). ``batches``: (last line, rows of values) as
    they come, ``total`` the progress bar's end. ``checked_all(conn)``, once the
    batches are over, says whether the writes may stay; if not, the transaction is
    rolled back and False returned."""
    compared = [f for f in present if f not in INSERT_ONLY and f != "nik" and f not in DEPARTURE_FIELDS]
    departures = "departure" in present
    lookup_columns = [_RESIDENT_TABLE.c.id, _RESIDENT_TABLE.c.nik, *(_COLUMNS[f] for f in compared)]
    if departures:
        lookup_columns += [_RESIDENT_TABLE.c[f] for f in (*DEPARTURE_FIELDS, "departure_visit_id")]
    update = _update_statement(present)
    departure_update = _update_statement(present, departure=True)
    lookup = sa.select(*lookup_columns).where(nik_in(engine))
    # a checked row's compared values, as a tuple in the order the lookup reads them
    stored_end = 2 + len(compared)
    compared_values = _values_of([_AT[f] for f in compared])
    update_keys = [*("p_" + f for f in compared), "p_id", "p_now", "p_name_key", "p_kecamatan_code"]
    departure_keys = ["p_" + f for f in DEPARTURE_FIELDS]
    insert: BulkInsert | None = None
    bulk_update: BulkStatement | None = None
    bulk_departure: BulkStatement | None = None
    done = 0
    now = utcnow()
    note = f"import: {request.file_name}"[:200]
    if write:
        prepare_sqlite(engine)
    with engine.connect() as conn:
        tuned = write and conn.dialect.name == "sqlite"
        if tuned:
            # Random NIKs land all over ten indexes: a page cache of its own (the
            # default is 2 MB) saves re-reading index pages. A fixed cap, not per row.
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
            conn.commit()
        try:
            with one_transaction(conn, write=write) as transaction:
                # An empty table (a regency's first load) has nobody to look up: every row is new
                # (the file's NIKs are unique, and the unique index stops anyone added meanwhile).
                empty = conn.execute(sa.select(_RESIDENT_TABLE.c.id).limit(1)).first() is None
                rebuilt = _drop_indexes_for_a_load(conn, total or 0) if write else []
                if rebuilt:  # a big load: the names' word index too is filled once at the end
                    rebuilt += search_index.suspend_for_a_load(conn)
                for last_line, batch in batches:
                    rows = [_decode(values) for values in batch]
                    existing = {} if empty else {
                        r.nik: r for r in conn.execute(lookup, {"niks": [r[_NIK] for r in rows]}).all()}
                    inserts, updates, departed, dated = [], [], [], []
                    for row in rows:
                        old = existing.get(row[_NIK])
                        if old is None:
                            new = _new_resident(row, now, request.today, note)
                            inserts.append(new)
                            if new[_STATUS] != _NOT_RECORDED:
                                dated.append(row[_NIK])
                            if new[_DEPARTURE] is not None:
                                outcome.departures_set += 1
                            continue
                        change = _departure_change(row, old, note) if departures else None
                        given = compared_values(row)
                        # the same values as stored: unchanged (one tuple comparison); otherwise
                        # field by field (an empty "keep" cell, "" stored for None, is no change)
                        if change is None and (given == old[2:stored_end] or not any(
                                _differs(f, new_value, old_value)
                                for f, new_value, old_value in zip(compared, given, old[2:stored_end]))):
                            outcome.unchanged += 1
                            continue
                        params = [*given, old.id, now, name_key(row[_NAME]), row[_DESA][:8]]
                        if change is None:
                            updates.append(params)
                            continue
                        departed.append([*params, *change])
                        if change[0] is None:
                            outcome.departures_cleared += 1
                        else:
                            outcome.departures_set += 1
                    outcome.added += len(inserts)
                    outcome.updated += len(updates) + len(departed)
                    if write:
                        if inserts:
                            if insert is None:
                                insert = BulkInsert(conn, _RESIDENT_TABLE, _INSERT_KEYS)
                            insert.execute(inserts)
                        if updates:
                            if bulk_update is None:
                                bulk_update = BulkStatement(conn, update, update_keys)
                            bulk_update.execute(updates)
                        if departed:
                            if bulk_departure is None:
                                bulk_departure = BulkStatement(conn, departure_update,
                                                               [*update_keys, *departure_keys])
                            bulk_departure.execute(departed)
                        if dated:
                            _date_first_status(conn, dated, request, now, note)
                    done = last_line
                    progress(phase, done, total)
                if checked_all is not None and not checked_all(conn):
                    transaction.rollback()
                    return False
                if rebuilt:
                    if conn.dialect.name == "postgresql":  # memory to sort in, for this transaction only
                        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY_MB}MB'")
                    progress("indexing", 0, len(rebuilt), force=True)
                    for number, sql in enumerate(rebuilt, start=1):
                        conn.exec_driver_sql(sql)
                        progress("indexing", number, len(rebuilt))
                if write:
                    # The counters are counted again in the same transaction (cheaper than
                    # per row for a load; any desa may have gained or lost residents).
                    counters.rebuild(conn, request.reference_date or request.today)
                    audit(conn, request, outcome, Resident.__tablename__)
                    progress("committing", done, total, force=True)
                    transaction.commit()
                else:
                    transaction.rollback()
        finally:
            if tuned:
                conn.exec_driver_sql("PRAGMA cache_size=-2000")  # the pooled connection's default again
                conn.commit()
    if write and (outcome.added or outcome.updated):
        refresh_statistics(engine, [Resident.__tablename__, StatusChange.__tablename__])
    return True


def _drop_indexes_for_a_load(conn: sa.Connection, rows: int) -> list[str]:
    """A big load: drop the residents' secondary indexes (inside the import's
    transaction: a kill or an error brings them back) and return the statements
    that recreate them at the end, exactly as the database had them. Random NIKs
    would otherwise touch index pages all over for every row; building each index
    once is several times faster. Unique indexes stay (the lookups need them).

    - SQLite: when the load at least doubles the table (readers are not held up:
      in WAL mode they read the last committed state, indexes included);
    - PostgreSQL: only into an empty table (a regency's first load), because the
      dropped indexes lock the table against readers until the import commits;
    - elsewhere (MariaDB: DDL would commit the transaction) never.
    """
    if rows < REBUILD_MIN_ROWS or conn.dialect.name not in ("sqlite", "postgresql"):
        return []
    existing = conn.execute(sa.select(sa.func.count()).select_from(_RESIDENT_TABLE)).scalar_one()
    table = _RESIDENT_TABLE.name
    if conn.dialect.name == "sqlite":
        if existing * 2 > rows:
            return []
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'", (table,)).all()
    else:
        if existing:
            return []
        indexes = conn.execute(sa.text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = :table AND pg_table_is_visible(t.oid) AND NOT x.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"),
            {"table": table}).all()
    quote = conn.dialect.identifier_preparer.quote_identifier
    for name, _sql in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [sql for _name, sql in indexes]


def nik_in(bind: sa.Engine | sa.Connection) -> Any:
    """``nik IN :niks`` for a batch of NIKs: one array parameter on PostgreSQL
    (``= ANY``: one statement whatever the batch's size), an expanding IN elsewhere."""
    if bind.dialect.name == "postgresql":
        return _RESIDENT_TABLE.c.nik == sa.any_(sa.bindparam("niks", type_=ARRAY(sa.String)))
    return _RESIDENT_TABLE.c.nik.in_(sa.bindparam("niks", expanding=True))


def _differs(field_name: str, new: Any, old: Any) -> bool:
    if new is None and field_name in KEEP_WHEN_EMPTY:
        return False
    if isinstance(old, str) and isinstance(new, str):
        return old != new
    return (old if old != "" else None) != new


_NOT_RECORDED, _SINGLE, _WNI = KtpStatus.NOT_RECORDED.value, MaritalStatus.SINGLE.value, Citizenship.WNI.value


def _values_of(indexes: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """``row -> (row[i] for i in indexes)`` as a tuple, at C speed."""
    if len(indexes) == 1:
        first = indexes[0]
        return lambda row: (row[first],)
    return itemgetter(*indexes)


def _new_resident(row: list[Any], now: dt.datetime, today: dt.date, source: str) -> list[Any]:
    """A new resident's columns (:data:`_INSERT_KEYS`) from a checked row (which it reuses)."""
    status = row[_STATUS] or _NOT_RECORDED
    departure = row[_DEPARTURE] if row[_DEPARTURE] != RETURNED else None
    row[_DEPARTURE] = departure
    if departure:
        row[_DEPARTURE_NOTE] = row[_DEPARTURE_NOTE] or source
    else:
        row[_DEPARTED_ON] = row[_DEPARTURE_NOTE] = None
    row[_MARITAL] = row[_MARITAL] or _SINGLE
    row[_CITIZENSHIP] = row[_CITIZENSHIP] or _WNI
    row[_DISABLED] = bool(row[_DISABLED])
    row[_ILL] = bool(row[_ILL])
    row[_AWAY] = bool(row[_AWAY])
    row[_STATUS] = status
    row += (today if status != _NOT_RECORDED else None, name_key(row[_NAME]), row[_DESA][:8], 1, now, now)
    return row


def _date_first_status(conn: sa.Connection, niks: list[str], request: ImportRequest, now: dt.datetime,
                       note: str) -> None:
    """A new resident who arrives past "not recorded" gets the dated history row the
    resident form writes for one created by hand."""
    table = _RESIDENT_TABLE
    conn.execute(sa.insert(StatusChange.__table__).from_select(
        ["resident_id", "old_status", "new_status", "changed_on", "changed_at", "changed_by", "note"],
        sa.select(table.c.id, sa.null(), table.c.ktp_status, sa.literal(request.today, sa.Date),
                  sa.literal(now, sa.DateTime), sa.literal(request.username, sa.String),
                  sa.literal(note, sa.String)).where(nik_in(conn)),
    ), {"niks": niks})


__all__ = [
    "BATCH", "CHECKED", "DONE", "FAILED", "REFUSED", "RESIDENTS", "STATUSES", "ImportOutcome", "ImportRequest",
    "Label", "import_residents",
]
