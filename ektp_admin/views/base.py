"""The one base view every e-KTP screen inherits.

It carries what all screens share, so a screen only declares columns, labels,
filters and forms:

- access: deny by default; ``grants`` names the roles allowed each action, and
  every endpoint (list, details, create, edit, delete, bulk action, inline
  edit, ajax lookup, export) answers 403 to a role without the grant;
- scoping: a clerk only ever reaches rows of their own kecamatan, on every path
  (list, count, details and edit by id, delete, bulk actions, inline edit,
  relation pickers, export); an id outside the scope is a 404, exactly like an
  id that does not exist, so guessing ids reveals nothing;
- forms with Flask-WTF CSRF tokens and Indonesian WTForms messages; delete,
  bulk actions and inline edits check the token themselves, so a host without
  ``CSRFProtect`` is protected too;
- optimistic concurrency (a stale form is refused, nothing overwritten);
- readable errors instead of raw database text or a 500;
- the record's audit history on its details page;
- a CSV export that streams from the database, opens in Excel, cannot run
  formulas, and is itself recorded in the audit trail.

:class:`EktpAccess` holds the access rules alone, for any Flask-Admin view.
"""
from __future__ import annotations

import csv
import json
import logging
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, request, stream_with_context, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.utils import secure_filename
from wtforms import HiddenField
from wtforms.validators import ValidationError

from ..access import CREATE, DELETE, EDIT, EXPORT, READ, EktpUser, current_ektp_user
from ..domain.enums import Role
from ..domain.messages import N_, RuleViolation
from ..i18n import WTFormsTranslations, gettext, translate

log = logging.getLogger(__name__)

VERSION_FIELD = "ektp_version"

# Cells starting with these run as formulas in Excel/LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"

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

# PostgreSQL's integer is 32-bit: a larger id in a URL must be a 404, not a DataError.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class EktpForm(BaseForm):
    """Flask-Admin's form base with Flask-WTF's CSRF and our WTForms catalogue.

    Flask-WTF tokens (not WTForms' SessionCSRF) so a host that already runs
    ``CSRFProtect`` accepts our forms and vice versa.
    """

    class Meta(FlaskForm.Meta):
        _translations = WTFormsTranslations()

        def get_translations(self, form: Any) -> Any:
            return self._translations

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            # Typed text loses characters no column can hold (a pasted NUL)
            # before any validator sees it; passwords are taken as typed.
            from wtforms import PasswordField, StringField

            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = (clean_text, *unbound_field.kwargs.get("filters", ()))
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)


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


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]], *, counter: Any = None) -> Response:
    """A streamed CSV download; ``counter`` (an audit ExportCounter) is finished
    when the response closes, also when the user leaves before the last row."""
    bom = current_app.config["EKTP_ADMIN_CSV_BOM"]
    response = Response(
        stream_with_context(csv_stream(header, rows, bom=bom)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={secure_filename(filename)}",
            "Cache-Control": "no-store",
        },
    )
    if counter is not None:
        response.call_on_close(counter.finish)
    return response


def clean_text(value: Any) -> Any:
    """Text from a URL or a form without the characters no database column holds.

    PostgreSQL refuses NUL in any text parameter (a DataError: a 500 on a list
    page); other control characters are never meant either. Tabs and line
    breaks stay.
    """
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)


def coerce_pk(column: Any, value: Any) -> Any:
    """``value`` (from a URL or a form) as the primary key column's Python type.

    Raises ValueError for a value that column can never hold ("abc", a 30-digit
    number), so the caller answers "not found" instead of letting PostgreSQL or
    MariaDB raise a DataError (a 500).
    """
    if value is None:
        raise ValueError("no id")
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # pragma: no cover - every pk here is int or str
        return value
    if python_type is int:
        number = int(str(value).strip())
        if not _INT_MIN <= number <= _INT_MAX:
            raise ValueError("id out of range")
        return number
    text = str(value)
    length = getattr(column.type, "length", None)
    if length is not None and len(text) > length:
        raise ValueError("id too long")
    return text


def require_csrf() -> None:
    """Refuse (400) a state-changing request without a valid CSRF token.

    Flask-Admin's delete, bulk-action and inline-edit endpoints validate a form
    whose failure only flashes and redirects; calling this first makes them
    refuse outright, with or without the host's ``CSRFProtect``.
    """
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    from flask_wtf.csrf import validate_csrf

    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.form.get(field) or request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except ValidationError:
        abort(400, description=gettext(
            "This request was refused because its security token is missing or has expired. "
            "Reload the page and try again."
        ))


class ReachableChoice:
    """Required relation picker whose value must be one the user may choose.

    A scoped picker resolves an unknown or out-of-scope value (a forged POST,
    a desa of another kecamatan) to nothing; instead of WTForms' "This field is
    required" the user reads why the value was refused.
    """

    field_flags = {"required": True}

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        from wtforms.validators import StopValidation

        sent = [v for v in (field.raw_data or []) if v not in (None, "", "__None")]
        if field.data is not None:
            return
        field.errors[:] = []
        if sent:
            raise StopValidation(str(self.message) if self.message else gettext(
                "The value chosen is unknown or outside your kecamatan: pick one from the list."))
        raise StopValidation(field.gettext("This field is required."))


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Relation picker (select2 ajax) that lists only rows the user may reach."""

    def __init__(self, name: str, session: Any, model: Any, *, scope_column: str | None = None, **options: Any):
        self.scope_column = scope_column
        super().__init__(name, session, model, **options)

    def get_query(self) -> Any:
        query = super().get_query()
        user = current_ektp_user()
        if user is None:
            return query.filter(sa.false())
        if user.is_scoped and self.scope_column:
            query = query.filter(getattr(self.model, self.scope_column) == user.kecamatan_code)
        return query

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> Any:
        return super().get_list(clean_text(term or ""), max(offset or 0, 0), max(1, min(limit or 10, 100)))

    def get_one(self, pk: Any) -> Any:
        column = getattr(self.model, self.pk)
        try:
            value = coerce_pk(column.property.columns[0], pk)
        except ValueError:
            return None
        return self.get_query().filter(column == value).one_or_none()


class EktpAccess:
    """Deny-by-default access shared by model and non-model screens.

    ``grants`` maps an action (read/create/edit/delete/export, or a screen's
    own word such as "print") to the roles allowed it; a view that grants
    nothing is closed to everyone, signed in or not.
    """

    #: role sets per action (read/create/edit/delete/export). Empty: closed to all.
    grants: dict[str, frozenset[Role]] = {}

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

    def require(self, action: str) -> None:
        """Abort unless the current user holds ``action`` (401/redirect to login, or 403)."""
        if self.allowed(action):
            return
        if self.user is None:
            endpoint = current_app.config["EKTP_ADMIN_LOGIN_ENDPOINT"]
            if endpoint:
                abort(redirect(url_for(endpoint, next=request.full_path)))
            abort(401)
        abort(403)

    def scope_clause(self, column: Any) -> Any:
        """A SQL condition limiting ``column`` (a kecamatan code) to the user's reach."""
        user = self.user
        if user is None:
            return sa.false()
        if user.is_scoped:
            return column == user.kecamatan_code
        return sa.true()


class EktpModelView(EktpAccess, ModelView):
    """Base of every e-KTP model screen."""

    #: attribute of the model holding a kecamatan code; clerks see only theirs.
    #: ``None``: the rows are not kecamatan data (clerks see all rows they are granted).
    scope_column: str | None = None
    #: name of the CSV file (without extension) and the audit's view name
    export_basename: str = "export"

    form_base_class = EktpForm
    export_types = ["csv"]
    can_view_details = True
    can_set_page_size = True
    page_size = 50
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
            return query.filter(sa.false())
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
        """The record ``id`` if the user may reach it; otherwise 404.

        A record outside the user's kecamatan answers exactly like one that does
        not exist (and so does an id the key column could never hold).
        """
        pk_columns = self.model.__mapper__.primary_key
        try:
            value = coerce_pk(pk_columns[0], id)
        except (ValueError, TypeError):
            abort(404)
        model = self.db.session.get(self.model, value)
        if model is None or not self.in_scope(model):
            abort(404)
        return model

    def get_scoped_ids(self, ids: Iterable[Any]) -> list[Any]:
        """The given raw ids (from a bulk-action form) as keys; 404 if any is out of reach."""
        pk = self.model.__mapper__.primary_key[0]
        try:
            keys = list(dict.fromkeys(coerce_pk(pk, i) for i in ids))
        except (ValueError, TypeError):
            abort(404)
        if not keys:
            return []
        column = getattr(self.model, pk.key)
        found = {row[0] for row in self.get_query().with_entities(column).filter(column.in_(keys))}
        if len(found) != len(keys):
            abort(404)
        return keys

    @staticmethod
    def ajax_loader(db: Any, name: str, model: Any, *, scope_column: str | None = None, **options: Any) -> ScopedAjaxLoader:
        """A relation picker over ``model`` limited to rows the user may reach."""
        return ScopedAjaxLoader(name, db.session, model, scope_column=scope_column, **options)

    def _get_list_extra_args(self) -> Any:
        # These values go into SQL parameters. A negative page would be a
        # negative OFFSET (PostgreSQL refuses it; pages count from 0), a NUL in
        # a search or filter value a DataError.
        args = super()._get_list_extra_args()
        args.page = max(args.page or 0, 0)
        args.search = clean_text(args.search) or None
        if args.filters:
            args.filters = [(index, name, clean_text(value)) for index, name, value in args.filters]
        return args

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
    # Flask-Admin answers a missing can_create/can_edit/can_delete with a silent
    # redirect; ours answer 403 so a refused request looks refused.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        self.require(CREATE)
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        self.require(EDIT)
        return super().edit_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        self.require(DELETE)
        require_csrf()
        return super().delete_view()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
        # Flask-Admin checks only that column_editable_list is set, not can_edit.
        self.require(EDIT)
        require_csrf()
        if not self.column_editable_list:
            abort(404)
        response = super().ajax_update()
        # Flask-Admin answers a refused value (validation, stale row) with 500:
        # it is the user's input, not a server fault.
        if isinstance(response, tuple) and len(response) == 2 and response[1] == 500:
            return response[0], 400
        return response

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        require_csrf()
        name = request.form.get("action", "")
        if name not in self._actions_data or not self.is_action_allowed(name):
            abort(403)
        # Actions receive raw ids from the form: every one must be reachable.
        self.get_scoped_ids(request.form.getlist("rowid"))
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
        # Only a freshly opened form takes the current version. A form re-shown
        # after a validation error keeps the version the user started from, so
        # a change saved by someone else meanwhile is still detected.
        field = getattr(form, VERSION_FIELD, None)
        if field is not None and request.method == "GET":
            field.data = str(self.get_one(id).version)

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        field = getattr(form, VERSION_FIELD, None)
        if field is not None and obj is not None and request.method == "GET":
            field.data = str(obj.version)
        return form

    def stale_edit_message(self, form: Any, model: Any) -> str | None:
        """The refusal text when the record changed since the form was shown."""
        field = getattr(form, VERSION_FIELD, None)
        if field is None:
            return None
        try:
            seen = int(field.data)
        except (TypeError, ValueError):
            return gettext("The form is damaged: reload the page and try again.")
        if seen == model.version:
            return None
        shown = []
        for name, f in form._fields.items():
            if name in (VERSION_FIELD, "csrf_token") or not hasattr(model, name):
                continue
            current = getattr(model, name)
            if _plain(current) != _plain(f.data):
                value = _display(current)
                shown.append(f"{f.label.text}: {value if value != '' else '-'}")
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
            # The user has now seen the current values: saving the re-shown
            # form again is a deliberate overwrite.
            getattr(form, VERSION_FIELD).data = str(model.version)
            return False
        return super().update_model(form, model)

    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        plain_errors(form)
        if not ok and "csrf_token" in getattr(form, "errors", {}):
            flash(gettext("Your session expired or the form is stale: please submit it again."), "error")
        return ok

    # ------------------------------------------------------------------ details
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs and "ektp_history" not in kwargs:
            from ..audit import AUDITED
            from ..services import record_history

            if isinstance(kwargs["model"], AUDITED):
                kwargs["ektp_history"] = record_history(self.db.session, kwargs["model"])
        return super().render(template, **kwargs)

    # ------------------------------------------------------------------ errors
    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, HTTPException):
            raise exc  # an abort() inside a model hook stays a 403/404, never flashed text
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
        if current_app.config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"):
            return False  # Flask-Admin's own handler re-raises
        # Anything else is a bug: log it whole, show the user no raw text.
        log.exception("unexpected error in %s", self.endpoint)
        flash(gettext("Something went wrong and nothing was saved. Please try again or tell the administrator."), "error")
        return True

    @staticmethod
    def integrity_message(exc: IntegrityError) -> str:
        text = str(getattr(exc, "orig", exc))
        for name, (sqlite_columns, message) in CONSTRAINT_MESSAGES.items():
            # PostgreSQL and MariaDB name the constraint; SQLite names its columns.
            if name in text or text.rstrip().endswith(sqlite_columns):
                return gettext(message)
        if "foreign key" in text.lower():
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

    #: rows fetched per round trip while an export streams
    export_batch_size = 1000

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> Any:
        self.require(EXPORT)
        if export_type != "csv":
            abort(404)
        query = self.filtered_query()
        from ..audit import record_export

        counter = record_export(self.db.session, self.export_basename, self._export_filters_description())
        header = self.export_header()

        def rows() -> Iterator[list[Any]]:
            stream = stream_rows(self.db.session, query, self.model, self.export_batch_size)
            try:
                for obj in stream:
                    values = self.export_row(obj)
                    counter.count += 1
                    yield values
            finally:
                # Close the key cursor first: on SQLite its read lock would hold
                # up the write that records the count.
                stream.close()
                counter.finish()
                # The query's session is the one of the request that built it, which
                # Flask-SQLAlchemy has removed by now: close it, or its connection
                # stays "idle in transaction" (PostgreSQL, MariaDB) and blocks DDL.
                query.session.close()

        return csv_response(f"{self.export_basename}.csv", header, rows(), counter=counter)

    def _export_filters_description(self) -> dict[str, Any]:
        args = self._get_list_extra_args()
        filters = []
        for index, name, value in args.filters or []:
            flt = self._filters[index] if self._filters and 0 <= index < len(self._filters) else None
            filters.append([str(flt.name) if flt is not None else name,
                            str(flt.operation()) if flt is not None else "", value])
        return {"search": args.search or None, "filters": filters, "sort": args.sort}


def stream_rows(session: Any, query: Any, model: Any, size: int = 1000) -> Iterator[Any]:
    """Every row of ``query``, in its order, holding at most ``size`` rows in memory.

    Only the primary keys stream (a server-side cursor on a connection of its
    own); each batch of rows is then loaded through the session. A row's
    formatter may therefore run queries of its own, which MariaDB would refuse
    on a connection with an unbuffered result open.
    """
    mapper = model.__mapper__
    pk = mapper.primary_key[0]
    column = getattr(model, mapper.get_property_by_column(pk).key)
    keys_query = query.with_entities(column)
    bind = session.get_bind(mapper=mapper)
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            result = conn.execution_options(stream_results=True, max_row_buffer=size).execute(keys_query.statement)
            for chunk in result.partitions(size):
                yield from _load_batch(query, column, [row[0] for row in chunk])
    else:  # a session bound to one connection (a host's test setup): keys first
        keys = [row[0] for row in keys_query]
        for start in range(0, len(keys), size):
            yield from _load_batch(query, column, keys[start:start + size])


def _load_batch(query: Any, column: Any, keys: list[Any]) -> Iterator[Any]:
    # An item is the model, or a row whose first element is (a query with add_columns).
    found = {}
    for item in query.filter(column.in_(keys)).order_by(None):
        entity = item if hasattr(item, "__table__") else item[0]
        found[getattr(entity, column.key)] = item
    for key in keys:
        if key in found:  # a row deleted meanwhile is skipped
            yield found[key]


def plain_errors(form: Any) -> None:
    """Turn lazy (translated-on-render) error messages into plain text, in place.

    Flask-Admin's field macro renders only ``e is string``: a validator message
    given as ``lazy_gettext(...)`` would vanish and the user would read just
    "Failed to save record." Walks inline forms (FieldList/FormField) too.
    """
    for field in form:
        entries = getattr(field, "entries", None)
        if entries is not None:
            for entry in entries:
                sub = getattr(entry, "form", None)
                if sub is not None:
                    plain_errors(sub)
                elif isinstance(entry.errors, list):
                    entry.errors[:] = [_plain_message(e) for e in entry.errors]
        sub = getattr(field, "form", None)
        if sub is not None and entries is None and hasattr(sub, "_fields"):
            plain_errors(sub)
        if isinstance(getattr(field, "errors", None), list):
            field.errors[:] = [_plain_message(e) for e in field.errors]


def _plain_message(message: Any) -> Any:
    return message if isinstance(message, (str, list, tuple, dict)) else str(message)


def still_referenced(session: Any, checks: Iterable[tuple[Any, Any, str, str]]) -> list[str]:
    """What still points at a record, as readable counts ("3 residents").

    ``checks`` are ``(model, condition, singular msgid, plural msgid)``; the
    msgids take ``%(num)d``. A delete hook raises when the list is not empty, so
    the user reads every reason instead of a foreign-key error.
    """
    from ..i18n import ngettext

    reasons = []
    for model, condition, singular, plural in checks:
        count = session.execute(sa.select(sa.func.count()).select_from(model).where(condition)).scalar_one()
        if count:
            reasons.append(ngettext(singular, plural, count))
    return reasons


def _plain(value: Any) -> Any:
    """A value reduced for comparison in a conflict message."""
    if value is None:
        return ""
    if hasattr(value, "__table__"):
        insp = sa_inspect(value)
        return str(insp.identity[0]) if insp.identity else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _display(value: Any) -> str:
    """A current value as the user would read it in a conflict message."""
    if value is None:
        return ""
    if hasattr(value, "__table__"):
        return str(value)
    if hasattr(value, "strftime") and hasattr(value, "day"):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)


def json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
