"""Visit logs: recording sessions, and inline what happened to each resident seen.

A clerk logs a visit (day, hours, kind, desa, team, device) and enters one result
row per resident seen. The domain layer's rules are enforced on save with
readable messages: recording hours (``EKTP_ADMIN_RECORDING_*``), a device in
repair or already booked, a resident already recorded. A "recorded" row moves
the resident's KTP-el status through :mod:`ektp_admin.services`; changing it,
deleting the row or deleting the whole visit moves it back, so status and
results never disagree.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import sqlalchemy as sa
from flask import current_app, g
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.filters import DateBetweenFilter
from flask_admin.model.fields import AjaxSelectField
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional

from ..access import (
    ADMIN_ONLY,
    ALL,
    CLERK_AND_ADMIN,
    CREATE,
    DELETE,
    EDIT,
    EXPORT,
    READ,
    current_reach,
    options,
)
from ..domain.enums import (
    DeviceCondition,
    DeviceOwnerKind,
    KtpStatus,
    ResultKind,
    VisitKind,
    VisitState,
)
from ..domain.messages import N_, Message, RuleViolation
from ..domain.visits import (
    Booking,
    RecordingHours,
    check_device_booking,
    check_visit_time,
)
from ..formatting import fmt_day, fmt_hours, fmt_time
from ..i18n import gettext, label, lazy_gettext, translated_choices
from ..models import Campaign, Device, Kecamatan, Resident, Team, Visit, VisitResult
from ..queries.visits import device_bookings, recorded_count_clause, recorded_counts
from ..state import db_session
from .base import EktpModelView
from .filters import ChoiceFilter
from .forms import EktpInlineForm, EktpInlineFormAdmin
from .pickers import DesaLoader, ResidentLoader
from .request_values import int_key

#: Kinds of visit held at someone's house: they need the host (resident or address).
AT_A_HOME = frozenset({VisitKind.HOME, VisitKind.CLUSTER})
#: Export column whose value comes from the query's count column, not from the visit.
RECORDED_COUNT = "recorded_count"


def _session() -> Any:
    return db_session()


def _hours(visit: Visit) -> str:
    return fmt_hours(visit.start_time, visit.end_time)


def _place(visit: Visit) -> str:
    """The desa, or the kecamatan for an office visit."""
    if visit.desa is not None:
        return visit.desa.name
    return visit.kecamatan.name if visit.kecamatan is not None else ""


# ------------------------------------------------------------------ settings


def recording_hours() -> RecordingHours:
    """``EKTP_ADMIN_RECORDING_START``/``_END`` (time or "HH:MM") and ``_WEEKENDS``."""
    cfg = current_app.config
    return RecordingHours(
        _config_time(cfg["EKTP_ADMIN_RECORDING_START"]),
        _config_time(cfg["EKTP_ADMIN_RECORDING_END"]),
        bool(cfg["EKTP_ADMIN_RECORDING_WEEKENDS"]),
    )


def _config_time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


# ------------------------------------------------------------------ pickers, within the user's reach


def _reachable(model: Any, *order_by: Any) -> Any:
    """A query factory for a select field: the rows of ``model`` the user reaches."""

    def query() -> Any:
        return _session().query(model).filter(current_reach().clause(model)).order_by(*order_by)

    return query


def _device_label(device: Device) -> str:
    owner = gettext("Dinas") if device.owner_kind == DeviceOwnerKind.DINAS.value else (
        device.owner_kecamatan.name if device.owner_kecamatan is not None else device.owner_kecamatan_code or ""
    )
    text = f"{device.serial_number} ({owner})"
    if device.condition != DeviceCondition.WORKING.value:
        text += f" - {label(device.condition, DeviceCondition)}"
    return text




class BlankableQuerySelectField(QuerySelectField):
    """A select over a non-nullable relation whose value the view may derive itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_blank"] = True
        super().__init__(*args, **kwargs)


class IdChoiceFilter(ChoiceFilter):
    """``column = id`` for an integer foreign key; anything but an id the column
    can hold (digits, within 32 bits) is refused, so it never reaches the database."""

    def validate(self, value: Any) -> bool:
        return int_key(value) is not None

    def clean(self, value: Any) -> int:
        return int_key(value)  # type: ignore[return-value]


# ------------------------------------------------------------------ forms


class InlineResultForm(EktpInlineForm):
    """Result rows: no CSRF of their own (the visit form has it), our WTForms messages."""


class VisitResultInline(EktpInlineFormAdmin):
    form_base_class = InlineResultForm
    form_columns = ["id", "resident", "result", "note"]
    form_label = lazy_gettext("Result")
    form_overrides = {"result": SelectField}
    column_labels = {
        "resident": lazy_gettext("Resident"),
        "result": lazy_gettext("Result"),
        "note": lazy_gettext("Note"),
    }
    form_args = {
        "resident": {"label": lazy_gettext("Resident")},
        "result": {
            "label": lazy_gettext("Result"),
            "choices": lambda: translated_choices(ResultKind),
            "default": ResultKind.RECORDED.value,
        },
        "note": {"label": lazy_gettext("Note"), "validators": [Optional(), Length(max=200)]},
    }


# ------------------------------------------------------------------ the screen


class VisitView(EktpModelView):
    """Visit logs with their results, scoped to the clerk's kecamatan."""

    grants = {
        READ: ALL,
        CREATE: CLERK_AND_ADMIN,
        EDIT: CLERK_AND_ADMIN,
        DELETE: ADMIN_ONLY,
        EXPORT: ALL,
    }
    out_of_reach_message = N_("You may only keep visits of your own kecamatan.")
    export_basename = "kunjungan"
    details_template = "ektp_admin/visits/details.html"

    column_default_sort = [("day", True), ("start_time", True), ("id", True)]
    column_list = ["day", "hours", "kind", "desa", "team", "device", "state", "recorded"]
    column_sortable_list = ["day", "kind", "state"]
    column_details_list = [
        "day", "hours", "kind", "state", "kecamatan", "desa", "host_address", "host_resident",
        "team", "device", "campaign", "recorded", "notes",
    ]
    column_labels = {
        "day": lazy_gettext("Day"),
        "hours": lazy_gettext("Hours"),
        "start_time": lazy_gettext("Start"),
        "end_time": lazy_gettext("End"),
        "kind": lazy_gettext("Kind"),
        "state": lazy_gettext("State"),
        "kecamatan": lazy_gettext("Kecamatan"),
        "desa": lazy_gettext("Desa/Kelurahan"),
        "host_address": lazy_gettext("Host address"),
        "host_resident": lazy_gettext("Host (resident)"),
        "team": lazy_gettext("Team"),
        "device": lazy_gettext("Device"),
        "campaign": lazy_gettext("Campaign"),
        "recorded": lazy_gettext("Residents recorded"),
        "notes": lazy_gettext("Notes"),
        "results": lazy_gettext("Results"),
    }
    column_formatters = {
        "day": lambda v, c, m, n: fmt_day(m.day),
        "hours": lambda v, c, m, n: _hours(m),
        "kind": lambda v, c, m, n: label(m.kind, VisitKind),
        "state": lambda v, c, m, n: label(m.state, VisitState),
        "desa": lambda v, c, m, n: _place(m),
        "device": lambda v, c, m, n: m.device.serial_number if m.device is not None else "",
        "recorded": lambda v, c, m, n: v.recorded_count(m),
    }
    export_columns = [
        (lambda m: m.id, N_("Visit number")),
        (lambda m: fmt_day(m.day), N_("Day")),
        (lambda m: fmt_time(m.start_time), N_("Start")),
        (lambda m: fmt_time(m.end_time), N_("End")),
        (lambda m: label(m.kind, VisitKind), N_("Kind")),
        (lambda m: label(m.state, VisitState), N_("State")),
        (lambda m: m.kecamatan.name if m.kecamatan is not None else m.kecamatan_code, N_("Kecamatan")),
        (lambda m: m.desa.name if m.desa is not None else "", N_("Desa/Kelurahan")),
        (lambda m: m.host_address or "", N_("Host address")),
        (lambda m: m.team.name if m.team is not None else "", N_("Team")),
        (lambda m: m.device.serial_number if m.device is not None else "", N_("Device")),
        (RECORDED_COUNT, N_("Residents recorded")),
        (lambda m: m.notes or "", N_("Notes")),
    ]

    form_columns = [
        "day", "start_time", "end_time", "kind", "state", "kecamatan", "desa", "host_resident",
        "host_address", "team", "device", "campaign", "notes",
    ]
    form_overrides = {"kind": SelectField, "state": SelectField, "kecamatan": BlankableQuerySelectField}
    form_args = {
        "day": {"label": lazy_gettext("Day"), "validators": [DataRequired()]},
        "start_time": {"label": lazy_gettext("Start"), "default_format": "%H:%M"},
        "end_time": {"label": lazy_gettext("End"), "default_format": "%H:%M"},
        "kind": {"label": lazy_gettext("Kind"), "choices": lambda: translated_choices(VisitKind)},
        "state": {"label": lazy_gettext("State"), "choices": lambda: translated_choices(VisitState)},
        "kecamatan": {
            "label": lazy_gettext("Kecamatan"),
            "query_factory": _reachable(Kecamatan, Kecamatan.name),
            "blank_text": lazy_gettext("(none)"),
            "validators": [Optional()],
            "description": lazy_gettext("Taken from the desa; choose it only for an office visit."),
        },
        "desa": {"label": lazy_gettext("Desa/Kelurahan")},
        "host_resident": {
            "label": lazy_gettext("Host (resident)"),
            "description": lazy_gettext("Home or cluster visit: the resident whose house it is."),
        },
        "host_address": {"label": lazy_gettext("Host address"), "validators": [Optional(), Length(max=200)]},
        "team": {"label": lazy_gettext("Team"), "query_factory": _reachable(Team, Team.name), "blank_text": lazy_gettext("(none)")},
        "device": {"label": lazy_gettext("Device"), "query_factory": _reachable(Device, Device.serial_number), "get_label": _device_label,
                   "blank_text": lazy_gettext("(none)")},
        "campaign": {"label": lazy_gettext("Campaign"), "query_factory": _reachable(Campaign, Campaign.start_date.desc(), Campaign.id.desc()), "blank_text": lazy_gettext("(none)")},
        "notes": {"label": lazy_gettext("Notes")},
        "results": {"label": lazy_gettext("Results")},
    }

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {
            "desa": DesaLoader("desa", db),
            "host_resident": ResidentLoader("host_resident", db),
        }
        self.inline_models = [VisitResultInline(VisitResult, form_ajax_refs={"resident": ResidentLoader("resident", db)})]
        self.column_filters = [
            DateBetweenFilter(Visit.day, lazy_gettext("Day")),
            ChoiceFilter(Visit.kecamatan_code, lazy_gettext("Kecamatan"), options=options("kecamatan")),
            ChoiceFilter(Visit.desa_code, lazy_gettext("Desa/Kelurahan"), options=options("desa")),
            ChoiceFilter(Visit.kind, lazy_gettext("Kind"), options=lambda: translated_choices(VisitKind)),
            ChoiceFilter(Visit.state, lazy_gettext("State"), options=lambda: translated_choices(VisitState)),
            IdChoiceFilter(Visit.device_id, lazy_gettext("Device"), options=options("device")),
        ]
        super().__init__(model, db, **kwargs)

    # ------------------------------------------------------------------ list
    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows is not None and isinstance(rows, list):
            g.ektp_visit_recorded = recorded_counts(self.db.session, [v.id for v in rows])
        return count, rows

    def recorded_count(self, visit: Visit) -> int:
        counts = g.get("ektp_visit_recorded")
        if counts is None or visit.id not in counts:
            counts = recorded_counts(self.db.session, [visit.id])
        return counts.get(visit.id, 0)

    # ------------------------------------------------------------------ export
    def filtered_query(self) -> Any:
        return (
            super()
            .filtered_query()
            .options(
                joinedload(Visit.kecamatan), joinedload(Visit.desa), joinedload(Visit.team), joinedload(Visit.device)
            )
            .add_columns(recorded_count_clause().label(RECORDED_COUNT))
        )

    def export_row(self, row: Any) -> list[Any]:
        visit, count = row
        return [count if getter == RECORDED_COUNT else getter(visit) for getter, _ in self.get_export_spec()]

    # ------------------------------------------------------------------ forms
    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        if not hasattr(form, "results"):
            return ok  # the delete form
        # A picker that may be left blank turns an id outside the user's reach (a
        # forged POST) into "nothing chosen": refuse it instead of saving the blank.
        for field in form:
            if isinstance(field, (AjaxSelectField, QuerySelectField)):
                raw = (field.raw_data or [""])[0]
                if raw not in ("", "__None") and field.data is None:
                    field.errors = list(field.errors) + [gettext("Not a valid choice.")]
                    ok = False
        seen: set[int] = set()
        for entry in form.results.entries:
            if form.results.should_delete(entry):
                continue
            resident = entry.form.resident.data
            if resident is None:
                continue
            if resident.id in seen:
                entry.form.resident.errors = list(entry.form.resident.errors) + [
                    gettext("This resident is listed twice in this visit.")
                ]
                ok = False
            seen.add(resident.id)
        return ok

    def stale_edit_message(self, form: Any, model: Any) -> str | None:
        # The result rows are not one value a conflict message could show; the
        # visit's version moves whenever they change, so staleness still counts them.
        results = form._fields.pop("results", None)
        try:
            return super().stale_edit_message(form, model)
        finally:
            if results is not None:
                form._fields["results"] = results

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        from ..services import apply_visit_results

        session = self.db.session
        user = self.user
        today = dt.date.today()
        with session.no_autoflush:
            problems = self._place_problems(form, model)
            problems += self._schedule_problems(model, today)
        if problems:
            raise RuleViolation(*problems)
        apply_visit_results(session, model, user.username if user else None, today)

    def _place_problems(self, form: Any, model: Visit) -> list[Message]:
        """Where the visit is: the kecamatan comes from the desa, or the clerk's own office."""
        problems: list[Message] = []
        kind = VisitKind(model.kind)
        chosen = model.kecamatan
        if model.desa is not None:
            kecamatan = model.desa.kecamatan
            if chosen is not None and chosen.code != kecamatan.code:
                problems.append(Message(
                    "visit_desa_elsewhere",
                    N_("%(desa)s is in kecamatan %(desa_kecamatan)s, not %(kecamatan)s."),
                    {"desa": model.desa.name, "desa_kecamatan": kecamatan.name, "kecamatan": chosen.name},
                ))
        else:
            kecamatan = chosen
            if kind != VisitKind.OFFICE:
                problems.append(Message(
                    "visit_needs_desa",
                    N_("A visit of the kind \"%(kind)s\" needs its desa/kelurahan."),
                    {"kind": kind},
                ))
            held_to = self.reach.kecamatan_code
            if kecamatan is None and held_to:
                kecamatan = self.db.session.get(Kecamatan, held_to)
            if kecamatan is None and kind == VisitKind.OFFICE:
                problems.append(Message(
                    "visit_needs_kecamatan",
                    N_("Choose the kecamatan of this office visit (or its desa/kelurahan)."),
                ))
        if kecamatan is not None:
            model.kecamatan = kecamatan
            model.kecamatan_code = kecamatan.code
        if kind in AT_A_HOME and model.host_resident is None and not (model.host_address or "").strip():
            problems.append(Message(
                "visit_needs_host",
                N_("A home or cluster visit needs its host: the resident whose house it is, or the address."),
            ))
        return problems

    def _schedule_problems(self, model: Visit, today: dt.date) -> list[Message]:
        """Recording hours, the device's condition and bookings, results and the state."""
        problems = list(check_visit_time(model.day, model.start_time, model.end_time, recording_hours()))
        state = VisitState(model.state)
        if model.device is not None and not any(m.code == "visit_end_before_start" for m in problems):
            candidate = Booking(
                visit_id=model.id, device_serial=model.device.serial_number, day=model.day,
                start=model.start_time, end=model.end_time, state=state,
            )
            others = device_bookings(self.db.session, model.device.id, model.day)
            problems += check_device_booking(DeviceCondition(model.device.condition), candidate, others)
        removed = set(self.db.session.deleted)
        live = [r for r in model.results if r not in removed]
        params = {"date": fmt_day(model.day)}
        if model.day > today and state == VisitState.DONE:
            problems.append(Message(
                "visit_done_in_future",
                N_("The visit on %(date)s has not taken place yet, so it cannot be marked done."),
                params,
            ))
        if model.day > today and live:
            problems.append(Message(
                "visit_results_in_future",
                N_("The visit on %(date)s has not taken place yet: enter its results once it has."),
                params,
            ))
        if state == VisitState.CANCELLED and any(r.result == ResultKind.RECORDED.value for r in live):
            problems.append(Message(
                "visit_cancelled_with_recordings",
                N_("A visit with \"recorded\" results cannot be cancelled: change or remove those results first."),
            ))
        return problems

    def on_model_delete(self, model: Any) -> None:
        from ..services import remove_visit_results

        user = self.user
        remove_visit_results(self.db.session, model, user.username if user else None, dt.date.today())

    # ------------------------------------------------------------------ details
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            kwargs["ektp_results"] = list(self._result_rows(kwargs["model"]))
        return super().render(template, **kwargs)

    def _result_rows(self, visit: Visit) -> Iterator[dict[str, Any]]:
        rows = self.db.session.execute(
            sa.select(VisitResult, Resident)
            .join(Resident, Resident.id == VisitResult.resident_id)
            .where(VisitResult.visit_id == visit.id)
            .order_by(VisitResult.id)
        )
        for result, resident in rows:
            yield {
                "nik": resident.nik,
                "name": resident.name,
                "desa": resident.desa.name if resident.desa is not None else resident.desa_code,
                "result": label(result.result, ResultKind),
                "recorded": result.result == ResultKind.RECORDED.value,
                "status": label(resident.ktp_status, KtpStatus),
                "note": result.note or "",
            }
