"""The one base view every e-KTP screen inherits.

It carries what all screens share, so a screen only declares columns, labels,
filters and forms:

- access: deny by default; ``grants`` names the roles allowed each action;
- scoping: a clerk only ever reaches rows of their own kecamatan, on every path
  (list, count, details and edit by id, delete, bulk actions, inline edit,
  relation pickers, export);
- forms with Flask-WTF CSRF tokens and Indonesian WTForms messages;
- optimistic concurrency (a stale form is refused, nothing overwritten);
- readable errors instead of raw database text or a 500;
- a CSV export that streams from the database, opens in Excel and cannot run
  formulas.
"""
from __future__ import annotations

import csv
import json
import logging
from typing import Any, Iterable, Iterator

from flask import Response, abort, current_app, flash, redirect, request, stream_with_context, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.form import BaseForm
from flask_admin.helpers import get_redirect_target
from flask_wtf import FlaskForm
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.utils import secure_filename
from wtforms import HiddenField
from wtforms.validators import ValidationError

from ..access import CREATE, DELETE, EDIT, EXPORT, READ, EktpUser, current_ektp_user
from ..domain.enums import Role
from ..domain.messages import RuleViolation
from ..i18n import WTFormsTranslations, gettext, translate

log = logging.getLogger(__name__)

VERSION_FIELD = "ektp_version"

# Cells starting with these run as formulas in Excel/LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"

#: Readable reasons for the constraints a clerk can hit, by constraint name.
CONSTRAINT_MESSAGES = {
    "uq_ektp_resident_nik": "This NIK is already registered to another resident.",
    "uq_ektp_device_serial_number": "A device with this serial number already exists.",
    "uq_ektp_team_name": "A team with this name already exists.",
    "uq_ektp_user_username": "This username is already taken.",
    "uq_ektp_visit_result_visit_resident": "This resident is already listed in this visit.",
    "uq_ektp_visit_result_counted_resident": "This resident has already been recorded in another visit.",
}


class EktpForm(BaseForm):
    """Flask-Admin's form base with Flask-WTF's CSRF and our WTForms catalogue.

    Flask-WTF tokens (not WTForms' SessionCSRF) so a host that already runs
    ``CSRFProtect`` accepts our forms and vice versa.
    """

    class Meta(FlaskForm.Meta):
        _translations = WTFormsTranslations()

        def get_translations(self, form: Any) -> Any:
            return self._translations


def neutralise_cell(value: Any) -> str:
    """Text for one CSV cell that a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool) -> Iterator[str]:
    """Yield a CSV document line by line (the rows are consumed lazily)."""
    writer = csv.writer(_Echo())
    yield (UTF8_BOM if bom else "") + writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise_cell(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    bom = current_app.config["EKTP_ADMIN_CSV_BOM"]
    return Response(
        stream_with_context(csv_stream(header, rows, bom=bom)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={secure_filename(filename)}",
            "Cache-Control": "no-store",
        },
    )


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Relation picker (select2 ajax) that lists only rows the user may reach."""

    def __init__(self, name: str, session: Any, model: Any, *, scope_column: str | None = None, **options: Any):
        self.scope_column = scope_column
        super().__init__(name, session, model, **options)

    def get_query(self) -> Any:
        query = super().get_query()
        user = current_ektp_user()
        if user is None:
            return query.filter(False)
        if user.is_scoped and self.scope_column:
            query = query.filter(getattr(self.model, self.scope_column) == user.kecamatan_code)
        return query

    def get_one(self, pk: Any) -> Any:
        return self.get_query().filter(self.pk == pk).one_or_none()


class EktpModelView(ModelView):
    """Base of every e-KTP model screen."""

    #: role sets per action (read/create/edit/delete/export). Empty: closed to all.
    grants: dict[str, frozenset[Role]] = {}
    #: attribute of the model holding a kecamatan code; clerks see only theirs.
    #: ``None`` on a scoped model means clerks must not reach it at all unless granted.
    scope_column: str | None = None
    #: name of the CSV file (without extension) and the audit's view name
    export_basename: str = "export"

    form_base_class = EktpForm
    export_types = ["csv"]
    can_view_details = True
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    list_template = "ektp_admin/model/list.html"
    create_template = "ektp_admin/model/create.html"
    edit_template = "ektp_admin/model/edit.html"
    details_template = "ektp_admin/model/details.html"
    action_disallowed_list = ["delete"]  # bulk delete is never offered

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.db = db
        super().__init__(model, db, **kwargs)

    # ------------------------------------------------------------------ access
    @property
    def user(self) -> EktpUser | None:
        return current_ektp_user()

    def allowed(self, action: str) -> bool:
        user = self.user
        return user is not None and user.may(self.grants, action)

    def is_accessible(self) -> bool:
        return self.allowed(READ)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if self.user is None:
            endpoint = current_app.config["EKTP_ADMIN_LOGIN_ENDPOINT"]
            if endpoint:
                return redirect(url_for(endpoint, next=request.full_path))
            abort(401)
        abort(403)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allowed(CREATE)

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allowed(EDIT)

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allowed(DELETE)

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allowed(EXPORT)

    # ------------------------------------------------------------------ scoping
    def scope(self, query: Any) -> Any:
        user = self.user
        if user is None:
            return query.filter(False)
        if user.is_scoped and self.scope_column:
            return query.filter(getattr(self.model, self.scope_column) == user.kecamatan_code)
        return query

    def in_scope(self, model: Any) -> bool:
        user = self.user
        if user is None:
            return False
        if user.is_scoped and self.scope_column:
            return getattr(model, self.scope_column) == user.kecamatan_code
        return True

    def get_query(self) -> Any:
        return self.scope(super().get_query())

    def get_count_query(self) -> Any:
        return self.scope(super().get_count_query())

    def get_one(self, id: Any) -> Any:
        model = super().get_one(id)
        if model is not None and not self.in_scope(model):
            abort(404)
        return model

    @staticmethod
    def ajax_loader(db: Any, name: str, model: Any, *, scope_column: str | None = None, **options: Any) -> ScopedAjaxLoader:
        """A relation picker over ``model`` limited to rows the user may reach."""
        return ScopedAjaxLoader(name, db.session, model, scope_column=scope_column, **options)

    def _get_filter_groups(self) -> Any:
        # Flask-Admin computes filter options once at start-up; ours depend on the
        # database and on the user, so recompute the callable ones per request.
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                flt = self._filters[item["index"]]
                if callable(getattr(flt, "options", None)):
                    item["options"] = flt.get_options(self)
        return groups

    # ------------------------------------------------------------------ guarded endpoints
    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
        # Flask-Admin checks only that column_editable_list is set, not can_edit.
        if not self.can_edit:
            abort(403)
        return super().ajax_update()

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        return self.handle_action()

    def is_action_allowed(self, name: str) -> bool:
        if name in self.action_disallowed_list:
            return False
        return self.allowed(EDIT) and super().is_action_allowed(name)

    # ------------------------------------------------------------------ forms
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        if self.model.__mapper__.version_id_col is not None:
            setattr(form_class, VERSION_FIELD, HiddenField())
        return form_class

    def on_form_prefill(self, form: Any, id: Any) -> None:
        field = getattr(form, VERSION_FIELD, None)
        if field is not None:
            model = self.get_one(id)
            field.data = str(model.version)

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        field = getattr(form, VERSION_FIELD, None)
        if field is not None and obj is not None and request.method == "GET":
            field.data = str(obj.version)
        return form

    def stale_edit_message(self, form: Any, model: Any) -> str | None:
        """The refusal text when the record changed since the form was shown."""
        field = getattr(form, VERSION_FIELD, None)
        if field is None or not field.data:
            return None
        try:
            seen = int(field.data)
        except ValueError:
            return gettext("The form is damaged: reload the page and try again.")
        if seen == model.version:
            return None
        shown = []
        for name, f in form._fields.items():
            if name in (VERSION_FIELD, "csrf_token") or not hasattr(model, name):
                continue
            current = getattr(model, name)
            if _plain(current) != _plain(f.data):
                shown.append(f"{f.label.text}: {_plain(current) if current not in (None, '') else '-'}")
        changes = "; ".join(shown) if shown else gettext("(no visible field differs)")
        return gettext(
            "Someone else saved this record after you opened it, so your changes were not saved. "
            "Current values: %(values)s. Review them, then save again.",
            values=changes,
        )

    def update_model(self, form: Any, model: Any) -> bool:
        stale = self.stale_edit_message(form, model)
        if stale:
            flash(stale, "error")
            field = getattr(form, VERSION_FIELD)
            field.data = str(model.version)  # a second save is a deliberate overwrite
            return False
        return super().update_model(form, model)

    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        if not ok and "csrf_token" in getattr(form, "errors", {}):
            flash(gettext("Your session expired or the form is stale: please submit it again."), "error")
        return ok

    # ------------------------------------------------------------------ errors
    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, RuleViolation):
            for message in exc.messages:
                flash(translate(message), "error")
            return True
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, StaleDataError):
            flash(
                gettext("Someone else changed or removed this record at the same moment; nothing was saved. Reload and try again."),
                "error",
            )
            return True
        if isinstance(exc, IntegrityError):
            flash(self.integrity_message(exc), "error")
            log.warning("integrity error in %s: %s", self.endpoint, exc)
            return True
        if isinstance(exc, SQLAlchemyError):
            log.exception("database error in %s", self.endpoint)
            flash(gettext("The database refused the change. Nothing was saved; please try again."), "error")
            return True
        return super().handle_view_exception(exc)

    @staticmethod
    def integrity_message(exc: IntegrityError) -> str:
        text = str(getattr(exc, "orig", exc))
        for name, message in CONSTRAINT_MESSAGES.items():
            column = name.rsplit("_", 1)[-1]
            if name in text or (f".{column}" in text and name.split("_")[2] in text):
                return gettext(message)
        if "FOREIGN KEY" in text.upper() or "foreign key" in text:
            return gettext("This record is still referenced by other records and cannot be changed or removed.")
        return gettext("The data breaks a rule of the database (a duplicate or a missing reference). Nothing was saved.")

    # ------------------------------------------------------------------ export
    #: (attribute or callable(row), header msgid) pairs; empty -> the list columns
    export_columns: list[tuple[Any, str]] = []

    def export_header(self) -> list[str]:
        return [gettext(label) for _, label in self.get_export_spec()]

    def get_export_spec(self) -> list[tuple[Any, str]]:
        if self.export_columns:
            return self.export_columns
        return [(name, str(label)) for name, label in self.get_list_columns()]

    def export_row(self, row: Any) -> list[Any]:
        values = []
        for getter, _ in self.get_export_spec():
            value = getter(row) if callable(getter) else self.get_export_value(row, getter)
            values.append(value)
        return values

    def filtered_query(self) -> Any:
        """The list's query with the current search, filters and sort, unpaginated."""
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        joins: dict = {}
        query = self.get_query()
        if self._search_supported and view_args.search:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, view_args.search)
        if view_args.filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, view_args.filters)
        query, joins = self._apply_sorting(query, joins, sort[0] if sort else None, view_args.sort_desc)
        return query

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> Any:
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_export or export_type != "csv":
            flash(gettext("Permission denied."), "error")
            return redirect(return_url)
        query = self.filtered_query().execution_options(yield_per=1000)
        from ..audit import record_export

        counter = record_export(self.db.session, self.export_basename, self._export_filters_description())
        header = self.export_header()

        def rows() -> Iterator[list[Any]]:
            for obj in query:
                counter.count += 1
                yield self.export_row(obj)
            counter.finish()

        return csv_response(f"{self.export_basename}.csv", header, rows())

    def _export_filters_description(self) -> dict[str, Any]:
        args = self._get_list_extra_args()
        return {
            "search": args.search or None,
            "filters": [[self._filters[i].name if self._filters else i, name, value] for i, name, value in (args.filters or [])],
            "sort": args.sort,
        }


def _plain(value: Any) -> Any:
    """A value reduced for comparison and display in a conflict message."""
    if value is None:
        return ""
    if hasattr(value, "__table__"):
        insp = sa_inspect(value)
        return str(insp.identity[0]) if insp.identity else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
