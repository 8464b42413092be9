"""The one base view every e-KTP model screen inherits.

It carries what all screens share, so a screen only declares columns, labels,
filters and forms:

- access (:class:`~ektp_admin.access.EktpAccess`): deny by default; ``grants``
  names the roles allowed each action, checked on every endpoint before it runs;
- reach (:class:`~ektp_admin.access.Reach`): every path (list, count, details
  and edit by id, delete, bulk actions, inline edit, pickers, export) sees only
  the rows the model's rule lets the user reach; an id out of reach is a 404,
  exactly like an id that does not exist, so guessing ids reveals nothing;
- forms (:mod:`.forms`) with CSRF tokens and Indonesian messages; delete, bulk
  actions and inline edits check the token themselves;
- optimistic concurrency: a stale form is refused, nothing overwritten;
- readable errors (:mod:`.errors`) instead of raw database text or a 500;
- the record's audit history on its details page;
- a streamed CSV export (:mod:`.csv_export`), itself recorded in the audit trail.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from flask import abort, current_app, flash, request
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from jinja2 import pass_context
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField
from wtforms.validators import ValidationError

from ..access import CREATE, DELETE, EDIT, EXPORT, READ, EktpAccess, rule_for
from ..domain.messages import N_, RuleViolation
from ..formatting import fmt_day, fmt_moment, fmt_time
from ..i18n import gettext, translate, translated_choices
from .csv_export import chosen_delimiter, csv_batches, csv_response, stream_rows, stream_tuples
from .export_columns import ExportColumn, ExportContext, compile_row, declared, lookups, selected
from .xlsx_export import xlsx_response

#: download formats of every list (and of the report screens)
EXPORT_KINDS = ("csv", "xlsx")
from .dates import EktpModelConverter, calendar_settings, invalid_day_message
from .errors import integrity_message
from .forms import (
    MODEL_ATTRIBUTE,
    EktpForm,
    EktpInlineFormAdmin,
    EktpInlineModelConverter,
    plain_errors,
    require_csrf,
)
from .list_rows import RowWriter, column_value
from .request_values import clean_text, key_candidates
from .words import field_label, words

log = logging.getLogger(__name__)


def _yes_no(view: Any, value: Any, name: str) -> str:
    return gettext("Yes") if value else gettext("No")


#: Values as a clerk reads them on lists and details pages: Ya/Tidak, never True,
#: dates dd-mm-yyyy, times HH:MM, timestamps in the office's zone ("21-09-2016 14:05 WIB",
#: formatting.py); Flask-Admin's own for the rest. (A datetime is also a date: it comes first.)
_READABLE = {
    bool: _yes_no,
    dt.datetime: lambda view, value, name: fmt_moment(value),
    dt.date: lambda view, value, name: fmt_day(value),
    dt.time: lambda view, value, name: fmt_time(value),
}
TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, **_READABLE}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, **_READABLE}


class SaysWhoHasIt:
    """A unique field's check that names the record already holding the value."""

    field_flags = {"unique": True}

    def __init__(self, view: "EktpModelView", name: str) -> None:
        self.view = view
        self.name = name

    def __call__(self, form: Any, field: Any) -> None:
        from ..queries.records import holder

        if field.data is None or field.data == "":
            return
        obj = getattr(form, "_obj", None)
        key = sa_inspect(obj).identity[0] if obj is not None and sa_inspect(obj).identity else None
        found = holder(self.view.db.session, self.view.model, self.name, field.data, key)
        if found is not None:
            raise ValidationError(self.view.duplicate_message(field, found))


def readable_blanks(form: Any) -> Any:
    """A select that may be left empty offers "(none)", never Flask-Admin's ``__None``."""
    for field in form:
        if getattr(field, "allow_blank", False) and getattr(field, "blank_text", None) in ("", "__None", None):
            field.blank_text = gettext("(none)")
    return form

VERSION_FIELD = "ektp_version"

#: How a value without a formatter of its own shows on lists and details pages:
#: The last list page anyone may ask for: its OFFSET (at 100 rows a page) stays
#: within a 32-bit integer on every database.
MAX_PAGE = 10_000_000


class EktpModelView(EktpAccess, ModelView):
    """Base of every e-KTP model screen."""

    #: name of the CSV file (without extension) and the audit's view name
    export_basename: str = "export"

    form_base_class = EktpForm
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    model_form_converter = EktpModelConverter  # dates typed dd-mm-yyyy, times HH:MM (views/dates.py)
    inline_model_form_converter = EktpInlineModelConverter
    export_types = list(EXPORT_KINDS)
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    page_size_options = (20, 50, 100)
    list_template = "ektp_admin/model/list.html"
    create_template = "ektp_admin/model/create.html"
    edit_template = "ektp_admin/model/edit.html"
    details_template = "ektp_admin/model/details.html"
    action_disallowed_list = ["delete"]  # bulk delete is never offered

    #: Flask-Admin's own endpoints and the grant each needs (bulk actions check
    #: their own grant too, see :meth:`is_action_allowed`).
    endpoint_actions = {
        "index_view": READ,
        "details_view": READ,
        "ajax_lookup": READ,
        "create_view": CREATE,
        "edit_view": EDIT,
        "ajax_update": EDIT,
        "action_view": EDIT,
        "delete_view": DELETE,
        "export": EXPORT,
    }

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        rule_for(model)  # a screen over a model nobody declared a reach rule for is refused
        for inline in getattr(self, "inline_models", None) or ():
            if not isinstance(inline, EktpInlineFormAdmin):  # its rows would skip the forms' rules
                raise TypeError(f"{type(self).__name__}: inline models must be EktpInlineFormAdmin instances.")
        self.db = db
        super().__init__(model, db, **kwargs)

    def get_details_columns(self) -> Any:
        # The optimistic-concurrency counter is bookkeeping: a hidden input of the
        # edit form (see scaffold_form), never a field a user reads.
        return [(name, text) for name, text in super().get_details_columns() if name != "version"]

    def get_column_name(self, field: str) -> str:
        # A column no screen labels (created_at, a model's own...) reads as the
        # audit's word for it, never as its stored name.
        if self.column_labels and field in self.column_labels:
            return self.column_labels[field]
        return field_label(getattr(self.model, "__tablename__", ""), field)

    # ------------------------------------------------------------------ access
    @property
    def can_create(self) -> bool:
        return self.allowed(CREATE)

    @property
    def can_edit(self) -> bool:
        return self.allowed(EDIT)

    @property
    def can_delete(self) -> bool:
        return self.allowed(DELETE)

    @property
    def can_export(self) -> bool:
        return self.allowed(EXPORT)

    # ------------------------------------------------------------------ reach
    def get_query(self) -> Any:
        return super().get_query().filter(self.reach.clause(self.model))

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(self.reach.clause(self.model))

    def get_one(self, id: Any) -> Any:
        """The record ``id`` if the user may reach it; otherwise 404.

        A record outside the user's kecamatan answers exactly like one that does
        not exist (and so does an id the key column could never hold).
        """
        column = self.model.__mapper__.primary_key[0]
        model = None
        for key in key_candidates(column, id):
            model = self.db.session.get(self.model, key)
            if model is not None:
                break
        if model is None or not self.reach.reaches(model):
            abort(404)
        return model

    def get_reachable_ids(self, ids: Iterable[Any]) -> list[Any]:
        """The given raw ids (from a bulk-action form) as keys; 404 if any is out of reach."""
        pk = self.model.__mapper__.primary_key[0]
        try:
            keys = list(dict.fromkeys(key_candidates(pk, i)[0] for i in ids))
        except IndexError:
            abort(404)
        if not keys:
            return []
        column = getattr(self.model, pk.key)
        found = {row[0] for row in self.get_query().with_entities(column).filter(column.in_(keys))}
        if len(found) != len(keys):
            abort(404)
        return keys

    def _get_list_extra_args(self) -> Any:
        # These values go into SQL parameters. A negative page would be a
        # negative OFFSET (PostgreSQL refuses it; pages count from 0), a page
        # beyond 64 bits an OverflowError, a NUL in a search or filter value a
        # DataError.
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        args.search = clean_text(args.search) or None
        if args.filters:
            args.filters = [(index, name, clean_text(value)) for index, name, value in args.filters]
        return args

    def get_invalid_value_msg(self, value: Any, filter: Any) -> str:
        return invalid_day_message(filter, value) or super().get_invalid_value_msg(value, filter)

    def ektp_calendar_settings(self) -> dict[str, Any]:
        """The list filters' calendar (month names, first day, "today"): list.html passes it to ektp_admin.js."""
        return calendar_settings()

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
    # The grant is checked before any endpoint runs (EktpAccess._handle_view):
    # Flask-Admin's own silent redirect for a missing can_create/can_edit never
    # happens, a refused request answers 403.
    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        require_csrf()
        return super().delete_view()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
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
        if name not in self._actions_data:
            abort(404)
        if not self.is_action_allowed(name):
            abort(403)
        # Actions receive raw ids from the form: every one must be reachable.
        self.get_reachable_ids(request.form.getlist("rowid"))
        return self.handle_action()

    def is_action_allowed(self, name: str) -> bool:
        if name in self.action_disallowed_list:
            return False
        return self.allowed(EDIT) and super().is_action_allowed(name)

    # ------------------------------------------------------------------ forms
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # A unique column (a named UniqueConstraint, which Flask-Admin does not
        # check) is checked before the save, saying which record holds the value.
        mapper = self.model.__mapper__
        for constraint in self.model.__table__.constraints:
            if not isinstance(constraint, sa.UniqueConstraint) or len(constraint.columns) != 1:
                continue
            name = mapper.get_property_by_column(next(iter(constraint.columns))).key
            unbound: Any = getattr(form_class, name, None)
            if hasattr(unbound, "field_class"):
                unbound.kwargs["validators"] = [*(unbound.kwargs.get("validators") or ()), SaysWhoHasIt(self, name)]
        # The form's text fields learn their columns' lengths from it (EktpForm.Meta.bind_field).
        setattr(form_class, MODEL_ATTRIBUTE, self.model)
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

    #: select fields whose options are an enum's, labelled in the user's
    #: language on every form: ``{"sex": Sex}``; ``(Enum, blank label)`` for an
    #: optional one (its blank is stored as NULL)
    form_choices: dict[str, Any] = {}

    def _translated_choices(self, form: Any) -> Any:
        for name, spec in self.form_choices.items():
            field = getattr(form, name, None)
            if field is None:
                continue
            enum, blank = spec if isinstance(spec, tuple) else (spec, None)
            choices = translated_choices(enum)
            field.choices = [("", str(blank)), *choices] if blank is not None else choices
        return form

    def create_form(self, obj: Any = None) -> Any:
        return readable_blanks(self._translated_choices(super().create_form(obj)))

    def edit_form(self, obj: Any = None) -> Any:
        form = readable_blanks(self._translated_choices(super().edit_form(obj)))
        field = getattr(form, VERSION_FIELD, None)
        if field is not None and obj is not None and request.method == "GET":
            field.data = str(obj.version)
        return form

    def duplicate_message(self, field: Any, holder: Any) -> str:
        """What a user reads who typed a value another record already holds in a
        unique field: which record (screens say more about their own records)."""
        return gettext("%(field)s \"%(value)s\" is already used by %(record)s.",
                       field=field.label.text, value=field.data, record=str(holder))

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

    #: what a user reads who saves a record that would land outside their reach
    out_of_reach_message: str = N_("You may only keep records of your own kecamatan.")

    def _on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        # The screen's own hook derives what it derives (a resident's kecamatan
        # from the desa...); then the saved row must still be within reach.
        super()._on_model_change(form, model, is_created)
        if not self.reach.reaches(model):
            raise ValidationError(gettext(self.out_of_reach_message))

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

    # ------------------------------------------------------------------ list rows
    @pass_context
    def get_list_value(self, context: Any, model: Any, name: str) -> Any:
        # Flask-Admin's, with the type formatter found once per type rather than
        # tried against every formatter's type for every cell (a list page looks the
        # column up once: list_rows.cell_value).
        return column_value(self, name)(context, model)

    def _type_formatter(self, kind: type) -> Any:
        cache = self.__dict__.setdefault("_ektp_type_formatters", {})
        if kind not in cache:
            cache[kind] = next((f for t, f in self.column_type_formatters.items() if issubclass(kind, t)), None)
        return cache[kind]

    # ------------------------------------------------------------------ details
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template and "list_columns" in kwargs:
            kwargs["ektp_row"] = RowWriter(self, kwargs.get("list_row_actions") or [],
                                           [name for name, _ in kwargs["list_columns"]],
                                           return_url=kwargs.get("return_url") or "", checkbox=bool(kwargs.get("actions")))
        if template == self.details_template and "model" in kwargs and "ektp_history" not in kwargs:
            from ..audit import AUDITED
            from ..services import record_history

            if isinstance(kwargs["model"], AUDITED):
                history: list[Any] = record_history(self.db.session, kwargs["model"])
                said = words(self.db.session)
                said.prefetch_changes((entry.table_name, entry.changes_dict) for entry in history)
                for entry in history:
                    entry.described = said.changes(entry.table_name, entry.changes_dict)
                kwargs["ektp_history"] = history
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
        return integrity_message(exc)

    # ------------------------------------------------------------------ export
    #: the exported columns, declared (:mod:`.export_columns`: ``text("NIK", Resident.nik)``,
    #: read as tuples at the database's speed), or (attribute or callable(row), header
    #: msgid) pairs read through ORM objects; empty -> the list columns
    export_columns: list[Any] = []

    def export_header(self) -> list[str]:
        return [gettext(c.header if isinstance(c, ExportColumn) else c[1]) for c in self.get_export_spec()]

    def get_export_spec(self) -> list[Any]:
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
        # Rows equal on the sort keys come in the key's order, the same on every run and
        # database (MariaDB orders ties by whichever index its plan reads).
        return query.order_by(*self.model.__mapper__.primary_key)

    #: rows fetched per round trip while an export streams
    export_batch_size = 1000

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> Any:
        if export_type not in EXPORT_KINDS:
            abort(404)
        query = self.filtered_query()
        from ..audit import record_export

        counter = record_export(self.db.session, self.export_basename, self._export_filters_description())
        header = self.export_header()
        spec = self.get_export_spec()
        if declared(spec):
            return self._export_declared(export_type, query, list(spec), header, counter)
        try:
            # The key query runs now: if the database refuses it, the request
            # fails before any byte is sent, and the audit says so.
            stream = stream_rows(self.db.session, query, self.model, self.export_batch_size)
        except Exception:
            counter.failed = True
            counter.finish()
            raise

        def rows() -> Iterator[list[Any]]:
            try:
                for obj in stream:
                    values = self.export_row(obj)
                    counter.count += 1
                    yield values
            except Exception:
                counter.failed = True  # the audit says the export broke off, not "N rows"
                raise
            finally:
                # End the export's snapshot first: on SQLite without WAL its read
                # lock would hold up the write that records the count.
                stream.close()
                counter.finish()
                # The query's session is the one of the request that built it, which
                # Flask-SQLAlchemy has removed by now: close it, or its connection
                # stays "idle in transaction" (PostgreSQL, MariaDB) and blocks DDL.
                query.session.close()

        if export_type == "xlsx":
            response = xlsx_response(f"{self.export_basename}.xlsx", header, rows(), sheet_name=self.export_basename)
        else:
            response = csv_response(f"{self.export_basename}.csv", header, rows())
        # Also when the user leaves before the first row: the key cursor first
        # (on SQLite its read lock would hold up the write that records the count).
        response.call_on_close(stream.close)
        response.call_on_close(counter.finish)
        return response

    def _export_declared(self, export_type: str, query: Any, columns: list[ExportColumn], header: list[str],
                         counter: Any) -> Any:
        """The fast path: exactly the declared columns as tuples (the list's search,
        filters, sort and the reach clause all kept), formatted by writers compiled once."""
        from ..queries import reference_date

        dialect = query.session.get_bind(mapper=self.model.__mapper__).dialect
        exprs, positions, converters = selected(columns, dialect)
        statement = query.with_entities(*exprs).statement
        try:
            stream = stream_tuples(self.db.session, statement, self.model, lookups(columns), self.export_batch_size)
        except Exception:
            counter.failed = True
            counter.finish()
            query.session.close()
            raise
        context = ExportContext(on=reference_date(), gettext=gettext, names=stream.names)

        def batches() -> Iterator[list[Any]]:
            try:
                yield from stream
            except Exception:
                counter.failed = True  # the audit says the export broke off, not "N rows"
                raise
            finally:
                stream.close()  # the snapshot first (SQLite without WAL: its read lock)
                counter.finish()
                query.session.close()

        if export_type == "xlsx":
            write = compile_row(columns, positions, context, for_csv=False, converters=converters)

            def rows() -> Iterator[list[Any]]:
                for batch in batches():
                    counter.count += len(batch)
                    yield from map(write, batch)

            response = xlsx_response(f"{self.export_basename}.xlsx", header, rows(), sheet_name=self.export_basename)
        else:
            delimiter = chosen_delimiter()
            write = compile_row(columns, positions, context, for_csv=True, delimiter=delimiter,
                                converters=converters)
            body = csv_batches(header, batches(), write, bom=current_app.config["EKTP_ADMIN_CSV_BOM"],
                               delimiter=delimiter, counter=counter)
            response = csv_response(f"{self.export_basename}.csv", header, (), body=body)
        response.call_on_close(stream.close)
        response.call_on_close(counter.finish)
        return response

    def _export_filters_description(self) -> dict[str, Any]:
        args = self._get_list_extra_args()
        filters = []
        for index, name, value in args.filters or []:
            flt = self._filters[index] if self._filters and 0 <= index < len(self._filters) else None
            filters.append([str(flt.name) if flt is not None else name,
                            str(flt.operation()) if flt is not None else "", value])
        return {"search": args.search or None, "filters": filters, "sort": args.sort}


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
        return fmt_day(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)
