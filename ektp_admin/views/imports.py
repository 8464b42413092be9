"""Upload screens: import residents, sync KTP-el statuses (admins and supervisors).

``/admin/import-residents/`` and ``/admin/import-statuses/``: a form (file,
kecamatan, dry run, partial, full refresh), the recent imports, and one page
per import that shows its progress live (``import_progress.js`` polls
``progress``) and, once it ends, its report: the summary, each bad row with
line, column and reason, and the CSV downloads. The import itself runs in a
background thread (:mod:`ektp_admin.population.jobs`): the upload request
returns as soon as the file is saved. It is the system acting for the
office: the whole regency, or the kecamatan chosen in the form.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from .. import queries
from ..access import CREATE, EXPORT, READ, STAFF, requires
from ..domain.messages import N_
from ..domain.text import clean_text
from ..formatting import fmt_moment, fmt_num
from ..http_policy import accepts_upload
from ..i18n import gettext, translate
from ..models import ImportJob
from ..population import jobs
from ..population.importer import RESIDENTS, STATUSES, ImportRequest
from ..population.reporting import ABSENT_HEADER, PHASES, REPORT_HEADER, absent_rows, details, headline, issue_rows
from .forms import require_csrf
from .reports import EktpReportView
from .request_values import coerce_pk

#: Bad rows shown on the page (the CSV has them all).
SHOWN_ISSUES = 200
SHOWN_ABSENT = 100
RECENT = 20
STATES = {
    "queued": N_("Waiting to start"),
    "running": N_("Running"),
    "done": N_("Imported"),
    "checked": N_("Checked (dry run)"),
    "refused": N_("Refused: nothing written"),
    "failed": N_("Failed: nothing written"),
    jobs.INTERRUPTED: N_("Interrupted: nothing written"),
}


class ImportView(EktpReportView):
    """The upload screen of one kind of import (residents, or statuses)."""

    grants = {READ: STAFF, CREATE: STAFF, EXPORT: STAFF}
    shows = (ImportJob,)
    kind = RESIDENTS

    # ------------------------------------------------------------------ pages
    @expose("/")
    def index(self) -> Any:
        session = self.session
        jobs.remove_old_reports(session)
        recent = session.execute(
            sa.select(ImportJob).where(ImportJob.kind == self.kind, self.reach.clause(ImportJob))
            .order_by(ImportJob.id.desc()).limit(RECENT)).scalars().all()
        return self.render(
            "ektp_admin/imports/index.html",
            kind=self.kind,
            jobs=[jobs.describe(job) for job in recent],
            running=jobs.running_job(session),
            kecamatan_options=self.kecamatan_options(),
            max_bytes=current_app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"],
            state_label=self.state_label,
            fmt_moment=fmt_moment,
        )

    @expose("/upload", methods=("POST",))
    @accepts_upload  # EKTP_ADMIN_MAX_UPLOAD_BYTES, not the plugin's 2 MB request limit
    @requires(CREATE)
    def upload(self) -> Any:
        require_csrf()
        request.max_content_length = current_app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"]
        try:
            upload = request.files.get("file")
            form = request.form
        except RequestEntityTooLarge:
            return self._refuse(gettext("The file is larger than %(size)s bytes; split it, or ask the administrator "
                                        "to raise EKTP_ADMIN_MAX_UPLOAD_BYTES.",
                                        size=fmt_num(current_app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"])))
        if upload is None or not upload.filename:
            return self._refuse(gettext("Choose a CSV or XLSX file to import."))
        kecamatan_code = (form.get("kecamatan") or "").strip() or None
        if kecamatan_code is not None:
            known = dict(self.kecamatan_options())
            if kecamatan_code not in known or not self.reach.reaches_kecamatan(kecamatan_code):
                return self._refuse(gettext("There is no kecamatan with the code %(code)s.", code=kecamatan_code))
        session = self.session
        jobs.remove_old_reports(session)
        running = jobs.running_job(session)
        if running is not None:
            flash(gettext("Another import is running; start this one when it has finished."), "error")
            return redirect(self._job_url(running.job))
        file_name = clean_text(os.path.basename(upload.filename.replace("\\", "/"))).strip()[:255] or "upload"
        job = ImportJob(
            kind=self.kind, file_name=file_name, state="queued", username=self.user.username if self.user else None,
            dry_run=bool(form.get("dry_run")), partial=bool(form.get("partial")),
            full_refresh=bool(form.get("full_refresh")) and self.kind == RESIDENTS, kecamatan_code=kecamatan_code,
        )
        session.add(job)
        session.commit()
        folder = jobs.job_folder(job.id)
        os.makedirs(folder, exist_ok=True)
        extension = os.path.splitext(secure_filename(file_name))[1].lower()[:8]
        path = os.path.join(folder, "upload" + extension)
        try:
            upload.save(path)
        finally:
            upload.close()  # a large upload is spooled to a temporary file: give it back now
        import_request = ImportRequest(
            path=path, file_name=file_name, username=job.username, dry_run=job.dry_run, partial=job.partial,
            kecamatan_code=kecamatan_code, full_refresh=job.full_refresh, today=dt.date.today(),
            reference_date=queries.reference_date(), kind=self.kind,
        )
        jobs.start(current_app._get_current_object(), job.id, import_request)  # type: ignore[attr-defined]
        return redirect(self._job_url(job))

    @expose("/job")
    def job(self) -> Any:
        view = jobs.describe(self._job())
        outcome = view.outcome
        folder = jobs.job_folder(view.job.id)
        finished = view.finished
        # a report there was (problems, or residents absent), removed as too old
        report_removed = (finished and (outcome.bad_rows + outcome.warning_rows > 0 or bool(outcome.absent))
                          and not jobs.report_kept(view.job))
        return self.render(
            "ektp_admin/imports/job.html",
            kind=self.kind,
            view=view,
            outcome=outcome,
            headline=headline(outcome, gettext, fmt_num) if finished and view.state != jobs.INTERRUPTED else None,
            details=details(outcome, translate, gettext, fmt_num) if finished else [],
            issues=list(issue_rows(folder, translate, gettext, limit=SHOWN_ISSUES)) if finished else [],
            issue_total=outcome.bad_rows + outcome.warning_rows,
            absent=list(absent_rows(folder, limit=SHOWN_ABSENT)) if finished and outcome.absent else [],
            shown_issues=SHOWN_ISSUES,
            shown_absent=SHOWN_ABSENT,
            state_label=self.state_label,
            phases={k: gettext(v) for k, v in PHASES.items()},
            progress_url=url_for(".progress", id=view.job.id),
            fmt_moment=fmt_moment,
            report_removed=report_removed,
            report_days=current_app.config["EKTP_ADMIN_IMPORT_REPORT_DAYS"],
        )

    @expose("/progress")
    def progress(self) -> Any:
        view = jobs.describe(self._job())
        progress = view.progress
        phase = str(progress.get("phase") or "reading")
        done, total = progress.get("done") or 0, progress.get("total")
        text = gettext(PHASES.get(phase, PHASES["reading"]))
        if total and not view.finished:
            text += f": {fmt_num(done)} / {fmt_num(total)} ({view.percent} %)"
        response = jsonify(state=view.state, finished=view.finished, phase=phase, done=done, total=total,
                           percent=view.percent, text=text)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/report.csv")
    @requires(EXPORT)
    def report_csv(self) -> Any:
        job = self._job()
        folder = self._report_folder(job)
        return self.csv(f"laporan-impor-{job.id}", REPORT_HEADER, issue_rows(folder, translate, gettext),
                        {"job": job.id, "file": job.file_name})

    @expose("/absent.csv")
    @requires(EXPORT)
    def absent_csv(self) -> Any:
        job = self._job()
        folder = self._report_folder(job)
        return self.csv(f"tidak-ada-di-berkas-{job.id}", ABSENT_HEADER, absent_rows(folder),
                        {"job": job.id, "file": job.file_name})

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def state_label(state: str) -> str:
        return gettext(STATES.get(state, state))

    def _job(self) -> ImportJob:
        raw = request.args.get("id")
        try:
            key = coerce_pk(ImportJob.__table__.c.id, raw)
        except (ValueError, TypeError):
            key = None
        job = self.session.get(ImportJob, key) if key is not None else None
        if job is None or job.kind != self.kind or not self.reach.reaches(job):
            abort(404, description=gettext("There is no import with the number %(id)s.", id=raw or ""))
        return job

    def _report_folder(self, job: ImportJob) -> str:
        """The job's report folder; a report removed as too old is a 404 that says so
        (never an empty file that reads as "no problems")."""
        if not jobs.report_kept(job):
            abort(404, description=gettext(
                "The report of import %(id)s was removed %(days)s days after the import ended: it named "
                "residents. The summary stays on the import's page.",
                id=job.id, days=current_app.config["EKTP_ADMIN_IMPORT_REPORT_DAYS"]))
        return jobs.job_folder(job.id)

    def _job_url(self, job: ImportJob) -> str:
        endpoint = "ektp_import_residents" if job.kind == RESIDENTS else "ektp_import_statuses"
        return url_for(f"{endpoint}.job", id=job.id)

    def _refuse(self, message: str) -> Any:
        flash(message, "error")
        return redirect(url_for(".index"), 303)


class StatusImportView(ImportView):
    """The status sync's upload screen."""

    kind = STATUSES
