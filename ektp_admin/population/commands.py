"""``flask ektp import-residents`` and ``flask ektp import-statuses``.

The command line is the system acting for the office (the whole regency, or
the one kecamatan ``--kecamatan`` names). Same import code as the upload
screen; the report is printed in the chosen language (``--lang``, default the
portal's default language) and, with ``--report``, written as a CSV.
"""
from __future__ import annotations

import csv
import getpass
import os
import shutil
import sys
import tempfile
from typing import Any, Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from ..cli import ektp_cli
from ..domain.messages import Message
from .importer import CHECKED, DONE, RESIDENTS, STATUSES, ImportOutcome, ImportRequest
from .reporting import PHASES

#: How many bad rows the terminal shows (the --report CSV has them all).
SHOWN = 50


class TerminalProgress:
    """A progress bar on a terminal; elsewhere (a log, a pipe) a line per tenth."""

    def __init__(self, gettext: Callable[..., str]) -> None:
        self.gettext = gettext
        self.tty = sys.stderr.isatty()
        self.phase = ""
        self.bar: Any = None
        self.shown = -1
        self.last_done = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase == "done":
            self.close()
            return
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.shown = -1
            self.last_done = 0
            label = self.gettext(PHASES.get(phase, phase))
            if self.tty and total:
                self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
                self.bar.__enter__()
            else:
                click.echo(f"{label}...")
        if self.bar is not None and total:
            self.bar.update(max(0, min(done, total) - self.last_done))
            self.last_done = min(done, total)
        elif not self.tty and total:
            tenth = min(10, done * 10 // max(total, 1))
            if tenth > self.shown:
                self.shown = tenth
                click.echo(f"  {self.gettext(PHASES.get(phase, phase))}: {done:,} / {total:,} ({tenth * 10} %)")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _options(function: Any) -> Any:
    for option in reversed([
        click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False)),
        click.option("--dry-run", is_flag=True, help="Check the file and count what would change; write nothing."),
        click.option("--kecamatan", "kecamatan_code", metavar="CODE",
                     help="Only this kecamatan's desa (e.g. 35.10.01): rows of other kecamatan are bad rows."),
        click.option("--partial", is_flag=True,
                     help="Write the valid rows even when others are bad (default: one bad row, nothing written)."),
        click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
                     help="Also write every bad row (line, column, reason) to this CSV file."),
        click.option("--lang", type=click.Choice(["id", "en"]), default=None,
                     help="Language of the report (default: the portal's default language)."),
    ]):
        function = option(function)
    return function


@ektp_cli.command("import-residents")
@_options
@click.option("--full-refresh", is_flag=True,
              help="The file lists every resident of the region: report those it does not name (never removed).")
@with_appcontext
def import_residents_command(path: str, dry_run: bool, kecamatan_code: str | None, partial: bool,
                             report_path: str | None, lang: str | None, full_refresh: bool) -> None:
    """Import residents from FILE (CSV or XLSX, e.g. a residents export): add new NIKs,
    update changed ones, delete nothing."""
    _run(RESIDENTS, path, dry_run=dry_run, kecamatan_code=kecamatan_code, partial=partial,
         report_path=report_path, lang=lang, full_refresh=full_refresh)


@ektp_cli.command("import-statuses")
@_options
@with_appcontext
def import_statuses_command(path: str, dry_run: bool, kecamatan_code: str | None, partial: bool,
                            report_path: str | None, lang: str | None) -> None:
    """Move KTP-el statuses from FILE (NIK, status, date: SFE, PRR, printed, handed over,
    EFAC, DUP), each move checked against the pipeline and dated in the history."""
    _run(STATUSES, path, dry_run=dry_run, kecamatan_code=kecamatan_code, partial=partial, report_path=report_path,
         lang=lang, full_refresh=False)


def _run(kind: str, path: str, *, dry_run: bool, kecamatan_code: str | None, partial: bool,
         report_path: str | None, lang: str | None, full_refresh: bool) -> None:
    from flask_babel import force_locale

    from ..i18n import gettext, translate
    from ..queries import reference_date
    from ..state import get_state
    from .reporting import REPORT_HEADER, details, headline, issue_rows

    engine = get_state().db.engine
    request = ImportRequest(
        path=path, file_name=os.path.basename(path), username=f"cli:{_who()}", dry_run=dry_run, partial=partial,
        kecamatan_code=kecamatan_code, full_refresh=full_refresh, reference_date=reference_date(), kind=kind,
    )
    folder = tempfile.mkdtemp(prefix="ektp-import-")
    try:
        with force_locale(lang or current_app.config["EKTP_ADMIN_DEFAULT_LOCALE"]):
            progress = TerminalProgress(gettext)
            try:
                outcome = _import(kind, engine, request, folder, progress)
            finally:
                progress.close()
            _print(outcome, folder, translate, gettext, details, headline, issue_rows)
            if report_path:
                from ..views.csv_export import neutralise_cell

                with open(report_path, "w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow([gettext(h) for h in REPORT_HEADER])
                    # The reasons quote the file's cells: never let a spreadsheet run them as formulas.
                    writer.writerows([neutralise_cell(c) for c in row] for row in issue_rows(folder, translate, gettext))
                click.echo(gettext("Report written to %(path)s.", path=report_path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome.state not in (DONE, CHECKED):
        raise SystemExit(1)


def _import(kind: str, engine: Any, request: ImportRequest, folder: str, progress: Any) -> ImportOutcome:
    if kind == RESIDENTS:
        from .importer import import_residents

        return import_residents(engine, request, folder, progress)
    from .statuses import import_statuses

    return import_statuses(engine, request, folder, progress)


def _print(outcome: ImportOutcome, folder: str, translate: Callable[[Message], str], gettext: Callable[..., str],
           details: Any, headline: Any, issue_rows: Any) -> None:
    click.echo(headline(outcome, gettext, _number))
    for line in details(outcome, translate, gettext, _number):
        click.echo("  " + line)
    shown = 0
    for line, column, nik, kind, reason in issue_rows(folder, translate, gettext, limit=SHOWN + 1):
        if shown == SHOWN:
            click.echo("  " + gettext("... and more: see the whole report with --report FILE."))
            break
        where = gettext("line %(line)s", line=line) + (f", {column}" if column else "")
        click.echo(f"  {where}: {reason}" + (f" [{kind}]" if kind != gettext("error") else ""))
        shown += 1


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container): the audit still says it was the CLI
        return "unknown"
