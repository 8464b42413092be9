"""Imports started from the upload screen, run in the background without a broker.

The upload request saves the file into the import's own folder (never held in
memory), records an :class:`~ektp_admin.models.ImportJob` and starts a thread
that runs the import with its own app context and connection; the request
returns at once. The page then polls a JSON endpoint that reads the job's row
and its ``progress.json`` (written every half second by the thread: a row in
the database could not be updated while the import's own transaction holds an
SQLite database). Any worker of the portal on the same host can answer the
poll, since the state lives in the database and the folder, not the process.

A process that dies mid-import (a restart, a kill) leaves its transaction
uncommitted, so the database is as it was; the job then stops reporting
progress and the screen shows it as interrupted after :data:`STALE_AFTER`.

A report names residents (each bad row's NIK, the residents absent from a full
refresh): it is kept ``EKTP_ADMIN_IMPORT_REPORT_DAYS`` after its import ended,
then removed (:func:`remove_old_reports`, whenever the import screen is opened or
a file uploaded); the job's row and its summary stay.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from ..models import ImportJob
from ..state import get_state
from .importer import FAILED, RESIDENTS, ImportOutcome, ImportRequest, utcnow

log = logging.getLogger(__name__)

PROGRESS_NAME = "progress.json"
#: no progress for this long: the job's process has gone (the thread writes every 0.5 s)
STALE_AFTER = dt.timedelta(minutes=2)
RUNNING_STATES = ("queued", "running")
INTERRUPTED = "interrupted"


def import_folder(app: Flask | None = None) -> str:
    """Where uploads and reports go: ``EKTP_ADMIN_IMPORT_FOLDER``, else the
    instance folder's ``ektp_imports``."""
    app = app or current_app
    configured = app.config.get("EKTP_ADMIN_IMPORT_FOLDER")
    return configured or os.path.join(app.instance_path, "ektp_imports")


def job_folder(job_id: int, app: Flask | None = None) -> str:
    return os.path.join(import_folder(app), str(int(job_id)))


class ProgressFile:
    """The thread's progress sink: ``{"phase", "done", "total", "at"}`` replaced atomically."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, PROGRESS_NAME)

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        temporary = self.path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as fh:
            json.dump({"phase": phase, "done": done, "total": total, "at": time.time()}, fh)
        os.replace(temporary, self.path)


def read_progress(folder: str) -> dict[str, Any]:
    try:
        with open(os.path.join(folder, PROGRESS_NAME), encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@dataclass
class JobView:
    """A job as the screen shows it: its row, its live progress, whether it is stuck."""

    job: ImportJob
    progress: dict[str, Any]
    state: str

    @property
    def finished(self) -> bool:
        return self.state not in RUNNING_STATES

    @property
    def outcome(self) -> ImportOutcome:
        return ImportOutcome.from_json(self.job.summary, self.job.kind)

    @property
    def percent(self) -> int | None:
        total, done = self.progress.get("total"), self.progress.get("done")
        if not total or done is None:
            return None
        return max(0, min(100, int(100 * done / total)))


def describe(job: ImportJob, app: Flask | None = None, now: float | None = None) -> JobView:
    progress = read_progress(job_folder(job.id, app))
    state = job.state
    if state in RUNNING_STATES:
        last = progress.get("at")
        started = job.started_at.replace(tzinfo=dt.timezone.utc).timestamp()
        seen = float(last) if isinstance(last, (int, float)) else started
        if (now or time.time()) - seen > STALE_AFTER.total_seconds():
            state = INTERRUPTED
    return JobView(job, progress, state)


def running_job(session: Any, app: Flask | None = None) -> JobView | None:
    """An import still running (not stale), if any: one at a time."""
    query = sa.select(ImportJob).where(ImportJob.state.in_(RUNNING_STATES)).order_by(ImportJob.id.desc())
    for job in session.execute(query.limit(5)).scalars():
        view = describe(job, app)
        if not view.finished:
            return view
    return None


def start(app: Flask, job_id: int, request: ImportRequest) -> threading.Thread:
    """Run job ``job_id`` in a thread of its own (daemon: a stopped process stops it,
    and its transaction is rolled back)."""
    thread = threading.Thread(target=_run, args=(app, job_id, request), name=f"ektp-import-{job_id}", daemon=True)
    thread.start()
    return thread


def _run(app: Flask, job_id: int, request: ImportRequest) -> None:
    with app.app_context():
        engine = get_state(app).db.engine
        folder = job_folder(job_id, app)
        sink = ProgressFile(folder)
        table = ImportJob.__table__
        try:
            with engine.begin() as conn:
                conn.execute(sa.update(table).where(table.c.id == job_id).values(state="running"))
            sink("reading", 0, None)
            if request.kind == RESIDENTS:
                from .importer import import_residents

                outcome = import_residents(engine, request, folder, sink)
            else:
                from .statuses import import_statuses

                outcome = import_statuses(engine, request, folder, sink)
        except Exception:  # the importer reports its own failures; this is a bug of ours
            log.exception("import job %s crashed", job_id)
            outcome = ImportOutcome(request.kind, state=FAILED, file_name=request.file_name)
        finally:
            _remove_upload(request.path)
        with engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == job_id).values(
                state=outcome.state, summary=outcome.as_json(), sha256=outcome.sha256, size_bytes=outcome.size,
                rows_read=outcome.rows, rows_total=outcome.rows, finished_at=utcnow(),
            ))


def _remove_upload(path: str) -> None:
    """The uploaded file holds personal data: once imported only its hash stays."""
    try:
        os.remove(path)
    except OSError:
        pass


def report_kept(job: ImportJob, app: Flask | None = None) -> bool:
    """Is the finished job's report still there (not yet removed as too old)?"""
    return os.path.isdir(job_folder(job.id, app))


def remove_old_reports(session: Any, app: Flask | None = None, now: dt.datetime | None = None) -> list[int]:
    """Remove the folders of imports that ended more than ``EKTP_ADMIN_IMPORT_REPORT_DAYS``
    ago (their reports and anything an interrupted import left); the ids removed.

    A job without an end (interrupted: a job runs minutes, not days) counts from its
    start; a folder without a job row is left alone.
    """
    app = app or current_app
    root = import_folder(app)
    try:
        ids = sorted(int(name) for name in os.listdir(root) if name.isdigit())
    except OSError:  # no import yet
        return []
    if not ids:
        return []
    days = app.config["EKTP_ADMIN_IMPORT_REPORT_DAYS"]
    before = (now or utcnow()) - dt.timedelta(days=days)
    table = ImportJob.__table__
    ended = sa.func.coalesce(table.c.finished_at, table.c.started_at)
    old = session.execute(sa.select(table.c.id).where(table.c.id.in_(ids), ended < before)).scalars().all()
    for job_id in old:
        shutil.rmtree(os.path.join(root, str(job_id)), ignore_errors=True)
    return list(old)
