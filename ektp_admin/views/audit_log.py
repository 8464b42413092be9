"""The audit log: read-only for admins and supervisors, filterable, exportable.

No role is granted create, edit or delete, so the base view answers 403 to the
new/edit/delete/inline-edit/action endpoints for everyone: an entry written in
the transaction of a change can never be altered from the UI.
"""
from __future__ import annotations

import json
from typing import Any

from ..access import EXPORT, READ, STAFF
from ..domain.messages import N_
from ..formatting import fmt_moment
from ..i18n import gettext, lazy_gettext
from ..models import AuditEntry
from .base import EktpModelView
from .dates import day_filters

ACTION_LABELS = {"create": N_("Created"), "update": N_("Changed"), "delete": N_("Deleted"), "export": N_("Exported"),
                 "print": N_("Sheet printed")}
#: The most characters of one value the log shows (the CSV export keeps them whole).
SHOWN_VALUE_CHARS = 200


def shorten(value: Any, limit: int = SHOWN_VALUE_CHARS) -> Any:
    """A long text cut to ``limit`` characters, saying how long it was."""
    if not isinstance(value, str) or len(value) <= limit:
        return value
    return value[:limit] + "… " + gettext("(%(count)s characters)", count=len(value))


def describe_changes(raw: str | None) -> str:
    """``{"name": ["A", "B"]}`` as ``name: A → B``; an export as its view, filters and rows."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return shorten(raw or "")
    if not isinstance(data, dict):
        return shorten(str(data))
    if "rows" in data and "view" in data:
        rows = data.get("rows")
        if data.get("failed"):
            return gettext(
                "broke off after %(rows)s row(s); filters: %(filters)s",
                rows=rows or 0,
                filters=shorten(json.dumps(data.get("filters"), ensure_ascii=False, default=str)),
            )
        return gettext(
            "%(rows)s row(s); filters: %(filters)s",
            rows="?" if rows is None else rows,
            filters=shorten(json.dumps(data.get("filters"), ensure_ascii=False, default=str)),
        )
    parts = []
    for field, pair in data.items():
        if isinstance(pair, list) and len(pair) == 2:
            before, after = ("-" if v is None else shorten(v) for v in pair)
            parts.append(f"{field}: {before} \u2192 {after}")
        else:
            parts.append(f"{field}: {shorten(str(pair))}")
    return "; ".join(parts)


class AuditLogView(EktpModelView):
    grants = {READ: STAFF, EXPORT: STAFF}  # no create/edit/delete for anyone
    export_basename = "audit"
    can_view_details = True
    column_default_sort = [("id", True)]
    column_list = ["at", "username", "action", "table_name", "record_id", "kecamatan_code", "changes"]
    # "When" is the office's day (EKTP_ADMIN_TIMEZONE), typed dd-mm-yyyy; the times are stored in UTC.
    column_filters = ["username", "action", "table_name", "record_id", "kecamatan_code",
                      *day_filters(AuditEntry.at, lazy_gettext("When"))]
    column_searchable_list = ["record_id", "username"]
    column_labels = {
        "at": lazy_gettext("When"),
        "username": lazy_gettext("Who"),
        "action": lazy_gettext("Action"),
        "table_name": lazy_gettext("Table / view"),
        "record_id": lazy_gettext("Record"),
        "kecamatan_code": lazy_gettext("Kecamatan"),
        "changes": lazy_gettext("Changes"),
    }
    column_formatters = {
        "at": lambda v, c, m, n: fmt_moment(m.at),
        "action": lambda v, c, m, n: gettext(ACTION_LABELS.get(m.action, m.action)),
        "changes": lambda v, c, m, n: describe_changes(m.changes),
    }
    # The CSV keeps the stored codes and JSON, for whoever analyses it.
    column_formatters_export: dict[str, Any] = {}
    simple_list_pager = True
