"""Checking a resident file beside the writing: the rows are read and checked
on the second core while the importer writes the previous batch.

:func:`check_rows` reads the file, checks every row (:mod:`.rows`), puts each
row in the spool and each problem in the report, exactly as a check of the
whole file before writing did; every :data:`BATCH` rows it hands the valid ones
to the writer through a bounded queue (memory stays flat whatever the file's
size: the checker waits while the writer is behind). At the end it finds the
duplicate NIKs over the spool and sends the counts.

:class:`CheckingWorker` runs it in a process of its own (a fresh interpreter,
``python -m ektp_admin.population.checking``: no fork of a threaded web
server, no second import of the host's ``__main__``) for a big file, in a
thread for a small one (a process costs a second to start). The writer only ever writes inside its one
transaction and commits after the checker's last word, so a bad row, a
duplicate found at the end, or a checker that dies (an error, a kill, the
out-of-memory killer) rolls everything back: :class:`CheckerFailed` says which.
No Flask and no database here.
"""
from __future__ import annotations

import logging
import marshal
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..domain.messages import N_, Message
from .reading import Columns, FileFacts, FileProblem, open_table
from .rows import DATE_FIELDS, ERROR, RESIDENT_FIELDS, WARNING, Problem, Regions, ResidentRows
from .work import Report, Spool

log = logging.getLogger(__name__)

#: rows the checker hands the writer at a time
BATCH = 2000
#: batches waiting for the writer at most (the checker waits beyond: memory stays flat)
QUEUE_BATCHES = 8
#: a file of at least this many lines is checked in a process of its own; a smaller one in a thread
PROCESS_MIN_LINES = 20_000
#: how often (seconds) either side looks whether the other is still there
POLL_SECONDS = 1.0
_DUPLICATE_GROUP = 500


class CheckerFailed(Exception):
    """The checking worker stopped without finishing (an error of ours, a kill)."""


@dataclass
class CheckJob:
    """What the checker needs, as plain values (it may run in another process)."""

    facts: FileFacts
    columns: Columns
    regions: list[tuple[str, str, str, str]]
    folder: str
    today: Any
    reference_date: Any
    kecamatan_code: str | None = None
    #: rows per batch (0: :data:`BATCH`)
    batch: int = 0


@dataclass
class CheckCounts:
    """What the whole check found: the outcome's counts and whether the file may be written."""

    rows: int = 0
    bad_rows: int = 0
    warning_rows: int = 0
    duplicate_rows: int = 0
    problems: list[Message] = field(default_factory=list)


class _Stopped(BaseException):
    """The writer gave up: the checking thread ends (it cannot be killed)."""


def check_rows(job: CheckJob, send: Callable[[Any], None]) -> None:
    """The checker's body: ``send(message)`` hands the writer
    ``("batch", last line, bad rows so far, marshalled rows)``, then one of
    ``("done", CheckCounts)``, ``("problem", [Message])`` (the file as a whole)
    or ``("error", the exception in a line, its traceback)``."""
    try:
        counts = _check(job, send)
    except _Stopped:
        return
    except FileProblem as problem:
        send(("problem", problem.messages))
    except BaseException as exc:  # anything else is a bug of ours: the writer must hear of it, not wait
        send(("error", "".join(traceback.format_exception_only(exc)).strip(), traceback.format_exc(limit=12)))
    else:
        send(("done", counts))


def _check(job: CheckJob, send: Callable[[Any], None]) -> CheckCounts:
    size = job.batch or BATCH
    regions = Regions(job.regions)
    checker = ResidentRows(job.columns, regions, today=job.today, reference_date=job.reference_date,
                           kecamatan_code=job.kecamatan_code)
    dates = [i for i, f in enumerate(RESIDENT_FIELDS) if f in DATE_FIELDS]
    counts = CheckCounts()
    spool = Spool(job.folder)
    report = Report(job.folder)
    column_of = checker.column_of
    try:
        batch: list[list[Any]] = []
        lines: list[int] = []

        def hand_over(line: int) -> None:
            data = marshal.dumps(batch)
            spool.add_batch(lines, data)
            send(("batch", line, counts.bad_rows, data))
            batch.clear()
            lines.clear()

        with open_table(job.facts) as table:
            line = 0
            for line, cells in table.rows:
                counts.rows += 1
                result = checker.check(cells)
                if result.problems:
                    bad, warned = note_problems(report, line, result.nik, result.problems, column_of)
                    if bad:
                        counts.bad_rows += 1
                    elif warned:
                        counts.warning_rows += 1
                spool.add_row(line, result.nik, result.values is not None)
                if result.values is not None:
                    values = list(result.values)  # dates as day numbers: marshal stores no date
                    for i in dates:
                        if values[i] is not None:
                            values[i] = values[i].toordinal()
                    batch.append(values)
                    lines.append(line)
                    if len(batch) >= size:
                        hand_over(line)
            if batch:
                hand_over(line)
        spool.loaded()
        counts.duplicate_rows = refuse_duplicates(spool, report, column_of("nik"))
        counts.bad_rows += counts.duplicate_rows
        if counts.rows == 0:
            raise FileProblem(Message("import_no_rows", N_("The file has column names but no rows.")))
        report.flush()
        return counts
    finally:
        report.close()
        spool.close(remove=False)


def note_problems(report: Report, line: int, nik: str, problems: list[Problem],
                  column_of: Callable[[str | None], str]) -> tuple[bool, bool]:
    """Put a row's problems in the report: (has an error, has a warning)."""
    bad = warned = False
    for problem in problems:
        report.add(line, column_of(problem.field), nik, problem.severity, problem.message)
        bad = bad or problem.severity == ERROR
        warned = warned or problem.severity == WARNING
    return bad, warned


def refuse_duplicates(spool: Spool, report: Report, column: str) -> int:
    """Every row of a NIK that appears more than once is a bad row (which one is right is
    for the office to say). Returns how many of those rows were valid until now."""
    lines: list[int] = []
    for nik, at in spool.duplicates():
        for line in at:
            others = ", ".join(str(n) for n in at if n != line)
            report.add(line, column, nik, ERROR, Message(
                "import_duplicate_nik", N_("This NIK is also on line(s) %(lines)s of the file."), {"lines": others}))
            lines.append(line)
    refused = 0
    for start in range(0, len(lines), _DUPLICATE_GROUP):
        chunk = lines[start:start + _DUPLICATE_GROUP]
        marks = ",".join("?" * len(chunk))
        refused += int(spool.conn.execute(
            f"SELECT count(*) FROM rows WHERE ok = 1 AND line IN ({marks})", chunk).fetchone()[0])
    if lines:
        spool.refuse(lines)
    return refused


_LENGTH = struct.Struct("!Q")


def main() -> None:
    """The checking process (``python -m ektp_admin.population.checking``): the job
    arrives pickled on stdin, the messages leave on stdout, each a length and a pickle.
    The pipe's own buffer bounds what waits for the importer; a killed importer breaks
    the pipe and the next send ends this process (BrokenPipeError)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print or warning goes to stderr, never into the messages
    job = pickle.load(sys.stdin.buffer)

    def send(message: Any) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(data)))
        out.write(data)
        out.flush()

    check_rows(job, send)


class CheckingWorker:
    """Runs :func:`check_rows` beside the writer and hands its batches over.

    ``for last_line, rows in worker.batches(): ...`` yields the valid rows as they are
    checked (lists of values, dates as day numbers); once it ends, :attr:`counts` holds
    what the whole check found. A ``FileProblem`` of the file is raised from
    :meth:`batches`; a checker that failed or vanished raises :class:`CheckerFailed`.
    ``stop_writing_at_bad``: batches after the first bad row are not handed over (the
    import will be refused anyway) but the check goes on to the end for the report.
    At most :data:`QUEUE_BATCHES` batches wait for the writer.
    """

    def __init__(self, job: CheckJob, *, stop_writing_at_bad: bool) -> None:
        self.job = job
        self.stop_writing_at_bad = stop_writing_at_bad
        self.counts: CheckCounts | None = None
        # (an interpreter embedded without a python executable to start: the thread)
        self.in_process = bool(sys.executable) and (job.facts.lines or 0) >= PROCESS_MIN_LINES
        self._finished = False
        self._stop = threading.Event()
        self._queue: queue.Queue[Any] = queue.Queue(QUEUE_BATCHES)
        self._process: Any = None
        if self.in_process:
            # A fresh interpreter (not multiprocessing: it would import the host's __main__ again).
            package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
            self._process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, env=env)
            assert self._process.stdin is not None
            with self._process.stdin as given:
                pickle.dump(job, given, pickle.HIGHEST_PROTOCOL)
            # Only the checker holds the sending end: its exit or death is the reader's end of file.
            self._runner = threading.Thread(target=self._receive, args=(self._process.stdout,),
                                            name="ektp-import-receive", daemon=True)
        else:
            self._runner = threading.Thread(target=check_rows, args=(job, self._put), name="ektp-import-check",
                                            daemon=True)
        self._runner.start()

    def _put(self, message: Any) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopped()
            try:
                self._queue.put(message, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _receive(self, receiving: Any) -> None:
        """The process's messages into the queue; its end without a last word, as an error."""
        try:
            while True:
                head = receiving.read(_LENGTH.size)
                size = _LENGTH.unpack(head)[0] if len(head) == _LENGTH.size else -1
                data = receiving.read(size) if size > 0 else b""
                if not data or len(data) < size:  # the end of the pipe, maybe inside a message
                    message = ("error", "the checking process ended without finishing "
                                        f"(exit code {self._process.wait()})", "")
                else:
                    message = pickle.loads(data)
                self._put(message)
                if message[0] != "batch":
                    return
        except _Stopped:
            return
        finally:
            receiving.close()

    def _next(self) -> Any:
        while True:
            try:
                return self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not self._runner.is_alive():
                    try:  # its last word may have arrived just as it ended
                        return self._queue.get(timeout=POLL_SECONDS)
                    except queue.Empty:
                        raise CheckerFailed("the checking worker stopped without a word") from None

    def batches(self) -> Iterator[tuple[int, list[list[Any]]]]:
        while not self._finished:
            message = self._next()
            kind = message[0]
            if kind == "batch":
                _, line, bad_rows, data = message
                if not (bad_rows and self.stop_writing_at_bad):
                    yield line, marshal.loads(data)
                continue
            self._finished = True
            if kind == "done":
                self.counts = message[1]
            elif kind == "problem":
                raise FileProblem(*message[1])
            else:
                if message[2]:
                    log.error("the import's checker failed:\n%s", message[2])
                raise CheckerFailed(message[1])

    def wait(self) -> CheckCounts:
        """The whole check's counts (the rest of the file checked, its batches dropped:
        the writer stopped early)."""
        for _ in self.batches():
            pass
        if self.counts is None:
            raise CheckerFailed("the check did not finish")
        return self.counts

    def close(self) -> None:
        """Stop the checker if it still runs, and wait for it."""
        self._finished = True
        self._stop.set()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            self._process.wait(timeout=10)
        self._runner.join(timeout=10)


if __name__ == "__main__":
    # The importer's classes are this module's, not __main__'s: run the imported copy.
    from ektp_admin.population.checking import main as checking_main

    checking_main()


__all__ = ["BATCH", "CheckCounts", "CheckJob", "CheckerFailed", "CheckingWorker", "check_rows", "note_problems",
           "refuse_duplicates"]
