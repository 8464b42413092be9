"""Database and rule refusals turned into sentences a clerk can act on."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.exc import IntegrityError

from ..domain.messages import N_
from ..i18n import gettext
from ..queries.residents import count_rows

#: Readable reasons for the constraints a clerk can hit, by constraint name, with
#: the columns SQLite names instead ("UNIQUE constraint failed: ektp_resident.nik").
CONSTRAINT_MESSAGES: dict[str, tuple[str, str]] = {
    "uq_ektp_resident_nik": ("ektp_resident.nik", N_("This NIK is already registered to another resident.")),
    "uq_ektp_device_serial_number": (
        "ektp_device.serial_number", N_("A device with this serial number already exists.")),
    "uq_ektp_team_name": ("ektp_team.name", N_("A team with this name already exists.")),
    "uq_ektp_user_username": ("ektp_user.username", N_("This username is already taken.")),
    "uq_ektp_visit_result_visit_resident": (
        "ektp_visit_result.visit_id, ektp_visit_result.resident_id",
        N_("This resident is already listed in this visit.")),
    "uq_ektp_visit_result_counted_resident": (
        "ektp_visit_result.counted_resident_id",
        N_("This resident has already been recorded in another visit.")),
}


def integrity_message(exc: IntegrityError) -> str:
    """The constraint's readable reason (PostgreSQL and MariaDB name it; SQLite names its columns)."""
    text = str(getattr(exc, "orig", exc))
    for name, (sqlite_columns, message) in CONSTRAINT_MESSAGES.items():
        if name in text or text.rstrip().endswith(sqlite_columns):
            return gettext(message)
    if "foreign key" in text.lower():
        return gettext("This record is still referenced by other records and cannot be changed or removed.")
    return gettext("The data breaks a rule of the database (a duplicate or a missing reference). Nothing was saved.")


def still_referenced(session: Any, checks: Iterable[tuple[Any, Any, str, str]]) -> list[str]:
    """What still points at a record, as readable counts ("3 residents").

    ``checks`` are ``(model, condition, singular msgid, plural msgid)``; the
    msgids take ``%(num)d``. A delete hook raises when the list is not empty, so
    the user reads every reason instead of a foreign-key error.
    """
    from ..i18n import ngettext

    reasons = []
    for model, condition, singular, plural in checks:
        count = count_rows(session, model, condition)
        if count:
            reasons.append(ngettext(singular, plural, count))
    return reasons


