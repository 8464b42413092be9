"""The audit log: read-only for admins and supervisors, filterable, exportable."""
from __future__ import annotations

from typing import Any

from ..access import EXPORT, READ, STAFF
from ..i18n import lazy_gettext
from .base import EktpModelView


class AuditLogView(EktpModelView):
    grants = {READ: STAFF, EXPORT: STAFF}  # no create/edit/delete for anyone
    export_basename = "audit"
    can_view_details = True
    column_default_sort = [("id", True)]
    column_list = ["at", "username", "action", "table_name", "record_id", "kecamatan_code", "changes"]
    column_filters = ["username", "action", "table_name", "record_id", "kecamatan_code", "at"]
    column_searchable_list = ["record_id", "username"]
    column_labels = {
        "at": lazy_gettext("When (UTC)"),
        "username": lazy_gettext("Who"),
        "action": lazy_gettext("Action"),
        "table_name": lazy_gettext("Table / view"),
        "record_id": lazy_gettext("Record"),
        "kecamatan_code": lazy_gettext("Kecamatan"),
        "changes": lazy_gettext("Changes"),
    }
    simple_list_pager = True
