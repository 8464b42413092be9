"""List filters shared by the screens."""
from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa
from flask import has_request_context
from flask_admin.contrib.sqla.filters import BaseSQLAFilter

from ..i18n import gettext, lazy_gettext


class ChoiceFilter(BaseSQLAFilter):
    """``column = value`` with a dropdown of options (a callable, read per request).

    The options come from the database and depend on the user (a clerk sees only
    their kecamatan's desa), so they are read on each request, never at start-up.
    """

    def get_options(self, view: Any) -> Any:
        if not has_request_context():
            return None
        return [(value, str(text)) for value, text in (self.options() or [])]

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.get_column(alias) == value)

    def operation(self) -> str:
        return lazy_gettext("equals")


class BooleanClauseFilter(BaseSQLAFilter):
    """Yes/no on a derived fact (wajib KTP, outstanding, lansia...) given as a SQL clause."""

    def __init__(self, column: Any, name: str, clause: Callable[[], Any], **kwargs: Any) -> None:
        self.clause = clause
        super().__init__(column, name, options=(("1", lazy_gettext("Yes")), ("0", lazy_gettext("No"))), **kwargs)

    def validate(self, value: Any) -> bool:
        return value in ("0", "1")

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        clause = self.clause()
        return query.filter(clause if value == "1" else sa.not_(clause))

    def operation(self) -> str:
        return gettext("is")
