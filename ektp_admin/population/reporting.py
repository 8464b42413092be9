"""An import's report in words: the summary lines and the bad rows, in the
reader's language (the caller passes its ``translate`` and ``gettext``), for the
CLI, the screen and the downloadable CSV alike."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from ..domain.messages import N_, Message
from .importer import CHECKED, DONE, FAILED, REFUSED, RESIDENTS, ImportOutcome
from .rows import ERROR
from .work import Report

Translate = Callable[[Message], str]
Gettext = Callable[..., str]

#: The report CSV's columns (msgids).
REPORT_HEADER = [N_("Line"), N_("Column"), "NIK", N_("Kind"), N_("Reason")]
#: The absent residents CSV's columns (msgids).
ABSENT_HEADER = ["NIK", N_("Name"), N_("Desa code")]
SEVERITY = {"error": N_("error"), "warning": N_("warning")}


def issue_rows(folder: str, translate: Translate, gettext: Gettext, *,
               limit: int | None = None) -> Iterator[list[Any]]:
    """[line, column, NIK, kind, reason] of every problem, by line."""
    try:
        report = Report(folder)
    except FileNotFoundError:
        return
    try:
        for line, column, nik, severity, message in report.issues(limit=limit):
            yield [line, column, nik, gettext(SEVERITY.get(severity, severity)), translate(message)]
    finally:
        report.close()


def absent_rows(folder: str, *, limit: int | None = None) -> Iterator[list[Any]]:
    try:
        report = Report(folder)
    except FileNotFoundError:
        return
    try:
        for nik, name, desa_code in report.absent(limit=limit):
            yield [nik, name, desa_code]
    finally:
        report.close()


def headline(outcome: ImportOutcome, gettext: Gettext, number: Callable[[Any], str] = str) -> str:
    """One sentence: what happened to the database (``number`` formats the counts)."""
    n = number
    if outcome.state == DONE:
        if outcome.kind == RESIDENTS:
            return gettext("Imported: %(added)s residents added, %(updated)s updated, %(unchanged)s unchanged.",
                           added=n(outcome.added), updated=n(outcome.updated), unchanged=n(outcome.unchanged))
        return gettext("Imported: %(moved)s status changes, %(unchanged)s residents already had that status.",
                       moved=n(outcome.moved), unchanged=n(outcome.unchanged))
    if outcome.state == CHECKED:
        if outcome.kind == RESIDENTS:
            return gettext("Dry run, nothing written: %(added)s residents would be added, %(updated)s updated, "
                           "%(unchanged)s unchanged.", added=n(outcome.added), updated=n(outcome.updated),
                           unchanged=n(outcome.unchanged))
        return gettext("Dry run, nothing written: %(moved)s status changes would be made, %(unchanged)s residents "
                       "already have that status.", moved=n(outcome.moved), unchanged=n(outcome.unchanged))
    if outcome.state == FAILED:
        return gettext("The import failed and wrote nothing.")
    if outcome.state == REFUSED and outcome.file_problems:
        return gettext("The file cannot be imported; nothing was written.")
    if outcome.state == REFUSED:
        return gettext("Nothing was written: %(bad)s of %(rows)s rows are not valid. Correct them, or import "
                       "only the valid rows (partial import).", bad=n(outcome.bad_rows), rows=n(outcome.rows))
    return gettext("The import has not finished.")


def details(outcome: ImportOutcome, translate: Translate, gettext: Gettext,
            number: Callable[[Any], str] = str) -> list[str]:
    """The further lines of the summary (file, rows, unused columns, absent residents)."""
    n = number
    lines = [translate(m) for m in outcome.file_problems]
    if outcome.sha256:
        lines.append(gettext("File: %(name)s (%(format)s, %(size)s bytes, SHA-256 %(sha)s).", name=outcome.file_name,
                             format=outcome.file_format or "", size=n(outcome.size), sha=outcome.sha256))
    if outcome.rows:
        lines.append(gettext("Rows read: %(rows)s; not valid: %(bad)s; with a warning: %(warned)s.",
                             rows=n(outcome.rows), bad=n(outcome.bad_rows), warned=n(outcome.warning_rows)))
    if outcome.state == DONE and outcome.bad_rows and outcome.partial:
        lines.append(gettext("Partial import: the %(bad)s rows that are not valid were left out.",
                             bad=n(outcome.bad_rows)))
    if outcome.departures_set or outcome.departures_cleared:
        lines.append(gettext("Departures: %(set)s residents marked deceased or moved out, %(cleared)s back on the "
                             "list.", set=n(outcome.departures_set), cleared=n(outcome.departures_cleared)))
    if outcome.unused_columns:
        lines.append(gettext("Columns not used by the import (ignored): %(columns)s.",
                             columns=", ".join(outcome.unused_columns)))
    if outcome.absent:
        lines.append(gettext("%(count)s residents of the region are not in the file: they are listed, not removed.",
                             count=n(outcome.absent)))
    return lines


def is_error(severity: str) -> bool:
    return severity == ERROR


#: The phases an import reports progress in, with their label msgids (CLI and screen).
PHASES = {
    "reading": N_("Reading the file"),
    "checking": N_("Checking rows"),
    "comparing": N_("Comparing with the database"),
    "writing": N_("Writing"),
    # the rows are checked and written (compared, for a dry run) side by side
    "checking_writing": N_("Checking and writing rows"),
    "checking_comparing": N_("Checking rows and comparing with the database"),
    "indexing": N_("Rebuilding indexes"),
    "committing": N_("Committing"),
    "done": N_("Done"),
}
