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
from .words import shorten, table_label, words

ACTION_LABELS = {"create": N_("Created"), "update": N_("Changed"), "delete": N_("Deleted"), "export": N_("Exported"),
                 "print": N_("Sheet printed")}


def describe_changes(raw: str | None, table: str = "", session: Any = None) -> str:
    """A change's stored JSON in words (:mod:`.words`): ``Status KTP-el: Belum rekam → Sudah
    rekam``; an export or a printed sheet as its rows and filters."""
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
    return "; ".join(words(session or _session()).changes(table, data))


def _session() -> Any:
    from ..state import db_session

    return db_session()


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
        "table_name": lambda v, c, m, n: table_label(m.table_name),
        "kecamatan_code": lambda v, c, m, n: v.words().value("", "kecamatan_code", m.kecamatan_code)
        if m.kecamatan_code else "",
        "changes": lambda v, c, m, n: describe_changes(m.changes, m.table_name, v.db.session),
    }
    # The CSV keeps the stored codes and JSON, for whoever analyses it.
    column_formatters_export: dict[str, Any] = {}
    simple_list_pager = True

    def words(self) -> Any:
        return words(self.db.session)

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and isinstance(rows, list):
            # The records the page's changes point at: one query per kind, not one per row.
            said = []
            for entry in rows:
                try:
                    data = json.loads(entry.changes or "{}")
                except ValueError:
                    continue
                if isinstance(data, dict) and "view" not in data:
                    said.append((entry.table_name, data))
            self.words().prefetch_changes(said)
            self.words().prefetch({"kecamatan": {e.kecamatan_code for e in rows if e.kecamatan_code}})
        return count, rows
