"""Visit logs: recording sessions, and inline what happened to each resident seen.

A clerk logs a visit (day, hours, kind, desa, team, device) and enters one result
row per resident seen. The domain layer's rules (:mod:`ektp_admin.domain.visits`)
are enforced on save with readable messages: where the visit is, recording hours
(``EKTP_ADMIN_RECORDING_*``), its day (the campaign's window or
``EKTP_ADMIN_VISIT_DATE_RANGE``), a device in repair or already booked, a team
already elsewhere, a resident already recorded. The save locks the kit and team
it books first (:mod:`ektp_admin.locks`), so two saves at the same moment cannot
both pass the overlap check. A "recorded" row moves
the resident's KTP-el status through :mod:`ektp_admin.services`; changing it,
deleting the row or deleting the whole visit moves it back, so status and
results never disagree.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from flask import abort, current_app, g, request
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.fields import AjaxSelectField
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from .. import queries
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
    DeviceRole,
    KtpStatus,
    ResultKind,
    VisitKind,
    VisitState,
)
from ..domain.home_visits import GROUP_MAX, resident_elsewhere
from ..domain.messages import N_, Message, RuleViolation
from ..domain.visits import (
    DateWindow,
    RecordingHours,
    Region,
    StandbyRelease,
    VisitFacts,
    VisitPlace,
    check_standby_kit,
    check_visit_place,
    check_visit_schedule,
    visit_kecamatan_code,
)
from ..formatting import fmt_day, fmt_hours
from ..i18n import gettext, label, lazy_gettext, translate, translated_choices
from ..models import Campaign, Device, Kecamatan, Resident, Team, Visit, VisitResult
from ..queries.home_visits import residents_in_reach
from ..queries.kits import standby_release
from ..queries.visits import (
    device_bookings,
    recorded_count_clause,
    recorded_counts,
    saved_result_residents,
    team_bookings,
    visit_results_with_residents,
)
from ..state import db_session
from .base import EktpModelView
from .dates import day_filters
from .filters import ChoiceFilter
from .forms import (
    EktpInlineForm,
    EktpInlineFormAdmin,
    EktpInlineModelConverter,
    EktpInlineModelFormList,
    EktpTemplateWidget,
)
from .pickers import DesaLoader, ResidentLoader
from .request_values import int_key

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


def host_address_of(resident: Resident) -> str | None:
    """The host's address for the visit, with the RT/RW when the address lacks them."""
    address = (resident.address or "").strip()
    if (resident.rt or resident.rw) and "RT" not in address.upper():
        address = f"{address} RT {resident.rt or '-'}/RW {resident.rw or '-'}".strip()
    return address or None


def _config_time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def visit_date_range() -> DateWindow:
    """``EKTP_ADMIN_VISIT_DATE_RANGE``: (first, last) days a visit without a campaign may
    fall on, each a date, an ISO "YYYY-MM-DD" string or None (open)."""
    first, last = current_app.config["EKTP_ADMIN_VISIT_DATE_RANGE"] or (None, None)
    return DateWindow(_config_date(first), _config_date(last))


def _config_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _booking_changed(model: Visit) -> bool:
    """Is this save making a kit booking (a new visit, another kit, kind or day, or a
    cancelled visit brought back)?"""
    state = sa_inspect(model)
    if state.transient or state.pending or model.id is None:
        return True
    attrs = state.attrs
    if any(getattr(attrs, name).history.has_changes() for name in ("device", "device_id", "kind", "day")):
        return True
    return VisitState.CANCELLED.value in (attrs.state.history.deleted or ())


def _region(obj: Any) -> Region | None:
    """A kecamatan or desa row as the domain rules name it."""
    return Region(obj.code, obj.name) if obj is not None else None


# ------------------------------------------------------------------ pickers, within the user's reach


def _reachable(model: Any, *order_by: Any) -> Any:
    """A query factory for a select field: the rows of ``model`` the user reaches."""

    def query() -> Any:
        return current_reach().orm_query(_session(), model).order_by(*order_by)

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


def _result_choices() -> list[tuple[str, str]]:
    """Every result, after a blank one: a row proposed for a group is not "recorded"
    until the clerk says so."""
    return [("", gettext("(choose)")), *translated_choices(ResultKind)]


class ResultTableWidget(EktpTemplateWidget):
    """The results as rows of one compact table (``ektp_admin/visits/result_table.html``).

    The widget renders outside the view's ``render`` (no context processors), so it
    hands the template its words and the rows of another desa the view marked on
    the field (``ektp_elsewhere``: {row id: warning})."""

    def __init__(self) -> None:
        super().__init__("ektp_admin/visits/result_table.html")

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.update(
            labels={
                "resident": gettext("Resident"),
                "result": gettext("Result"),
                "note": gettext("Note"),
                "remove": gettext("Remove this row"),
            },
            elsewhere=getattr(field, "ektp_elsewhere", {}),
        )
        return super().__call__(field, **kwargs)


class ResultTableFormList(EktpInlineModelFormList):
    widget = ResultTableWidget()


class VisitInlineConverter(EktpInlineModelConverter):
    inline_field_list_type = ResultTableFormList


class ConfirmField(BooleanField):
    """A tick the form asks for and the model never stores."""

    def populate_obj(self, obj: Any, name: str) -> None:
        return None


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
            "choices": _result_choices,
            "validators": [DataRequired()],
        },
        "note": {"label": lazy_gettext("Note"), "validators": [Optional(), Length(max=200)]},
    }


#: The form's tick that lets a home visit keep residents of another desa.
CONFIRM_FIELD = "confirm_other_desa"


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
    create_template = "ektp_admin/visits/create.html"
    edit_template = "ektp_admin/visits/edit.html"
    inline_model_form_converter = VisitInlineConverter
    form_extra_fields = {
        CONFIRM_FIELD: ConfirmField(lazy_gettext("Yes, these residents of another desa were recorded at this house.")),
    }

    column_default_sort = [("day", True), ("start_time", True), ("id", True)]
    column_list = ["day", "hours", "kind", "desa", "team", "device", "state", "recorded"]
    column_sortable_list = ["day", "kind", "state"]
    column_details_list = [
        "day", "hours", "kind", "state", "kecamatan", "desa", "host_address", "host_resident",
        "team", "device", "campaign", "recorded", "notes", "created_at", "updated_at",
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
        "created_at": lazy_gettext("Entered at"),
        "updated_at": lazy_gettext("Last saved at"),
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
        (lambda m: m.day, N_("Day")),
        (lambda m: m.start_time, N_("Start")),
        (lambda m: m.end_time, N_("End")),
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
        "host_address", "team", "device", "campaign", "notes", CONFIRM_FIELD,
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
        between, *others = day_filters(Visit.day, lazy_gettext("Day"))
        self.column_filters = [
            between,
            ChoiceFilter(Visit.kecamatan_code, lazy_gettext("Kecamatan"), options=options("kecamatan")),
            ChoiceFilter(Visit.desa_code, lazy_gettext("Desa/Kelurahan"), options=options("desa")),
            ChoiceFilter(Visit.kind, lazy_gettext("Kind"), options=lambda: translated_choices(VisitKind)),
            ChoiceFilter(Visit.state, lazy_gettext("State"), options=lambda: translated_choices(VisitState)),
            IdChoiceFilter(Visit.device_id, lazy_gettext("Device"), options=options("device")),
            *others,  # last, so the filters' numbers in saved links stay as they were
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
    def create_form(self, obj: Any = None) -> Any:
        """``?resident=<id>&resident=<id>...`` (the record action of a home-visit group)
        opens the form with that group: the first resident hosts, the visit is a home
        visit at their address in their desa, today, and each resident has a result row
        to fill. Every id is checked against the user's reach; one out of reach (or
        unknown, or too many) refuses the whole request with 404, nothing is shown."""
        if request.method != "GET" or "resident" not in request.args:
            return super().create_form(obj)
        return self._translated_choices(self._create_form_class(None, **self._group_prefill()))

    def _group_prefill(self) -> dict[str, Any]:
        raw = request.args.getlist("resident")
        ids = [int_key(value) for value in raw]
        if not raw or len(raw) > GROUP_MAX or any(i is None for i in ids) or len(set(ids)) != len(ids):
            abort(404)
        residents = residents_in_reach(self.db.session, self.reach, ids)  # type: ignore[arg-type]
        if len(residents) != len(ids):
            abort(404)
        host = residents[0]
        return {
            "day": queries.reference_date(),
            "kind": VisitKind.HOME.value,
            "state": VisitState.DONE.value,
            "desa": host.desa,
            "host_resident": host,
            "host_address": host_address_of(host),
            "results": [{"id": None, "resident": r, "result": "", "note": ""} for r in residents],
        }

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

    # ------------------------------------------------------------------ saving
    def create_model(self, form: Any) -> Any:
        if not self._hold_bookings(form, None):
            return False
        return super().create_model(form)

    def update_model(self, form: Any, model: Any) -> bool:
        if not self._hold_bookings(form, model):
            return False
        saved = super().update_model(form, model)
        if not saved:
            # Refused (a stale form, a broken rule): let go of the kit and team at once.
            self.db.session.rollback()
        return saved

    def _hold_bookings(self, form: Any, model: Visit | None) -> bool:
        """Start the save's transaction by locking the kits and teams it books (see
        :func:`ektp_admin.locks.hold_rows`): a save racing for the same kit or team
        waits here and then sees this one's visit in its overlap check. False (with
        the reason flashed) when the database refused the lock."""
        from ..locks import hold_rows

        devices: set[int] = set()
        teams: set[int] = set()
        for ids, field, held in ((devices, "device", "device_id"), (teams, "team", "team_id")):
            chosen = getattr(form, field).data if hasattr(form, field) else None
            if chosen is not None:
                ids.add(chosen.id)
            if model is not None and getattr(model, held) is not None:
                ids.add(getattr(model, held))  # the kit and team it held so far are in play too
        try:
            hold_rows(self.db.session, [(Device, devices), (Team, teams)])
        except Exception as ex:
            if not self.handle_view_exception(ex):
                raise
            self.db.session.rollback()
            return False
        return True

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        from ..services import apply_visit_results

        session = self.db.session
        user = self.user
        today = queries.reference_date()  # the app's one "today" (EKTP_ADMIN_REFERENCE_DATE)
        with session.no_autoflush:
            problems = self._place_problems(model)
            problems += self._schedule_problems(model, today)
            problems += self._elsewhere_problems(form, model)
        if problems:
            raise RuleViolation(*problems)
        apply_visit_results(session, model, user.username if user else None, today)

    def rule_problems(self, model: Visit, today: dt.date) -> list[Message]:
        """The rules a save of this form checks (place, hours, day, kit, team, standby kit),
        for a visit built elsewhere: the home-visit planner's plan. The caller holds
        the kit first (:func:`ektp_admin.locks.hold_rows`), as :meth:`create_model` does."""
        with self.db.session.no_autoflush:
            return self._place_problems(model) + self._schedule_problems(model, today)

    def _place_problems(self, model: Visit) -> list[Message]:
        """Where the visit is (:func:`~ektp_admin.domain.visits.check_visit_place`); the
        kecamatan it is filed under is derived from the desa or the clerk's office."""
        session = self.db.session
        held_to = self.reach.kecamatan_code
        desa = model.desa
        place = VisitPlace(
            kind=VisitKind(model.kind),
            desa=_region(desa),
            desa_kecamatan=_region(desa.kecamatan) if desa is not None else None,
            kecamatan=_region(model.kecamatan),
            own_kecamatan_code=held_to if held_to and session.get(Kecamatan, held_to) is not None else None,
            has_host=model.host_resident is not None or bool((model.host_address or "").strip()),
        )
        code = visit_kecamatan_code(place)
        if code is not None:
            model.kecamatan = session.get(Kecamatan, code)
            model.kecamatan_code = code
        return check_visit_place(place)

    def _schedule_problems(self, model: Visit, today: dt.date) -> list[Message]:
        """Hours, day, the kit's condition and bookings, the team's bookings, the state
        and results (:func:`~ektp_admin.domain.visits.check_visit_schedule`)."""
        session = self.db.session
        removed = set(session.deleted)
        facts = VisitFacts(
            visit_id=model.id, day=model.day, start=model.start_time, end=model.end_time,
            state=VisitState(model.state),
            results=tuple(ResultKind(r.result) for r in model.results if r not in removed),
        )
        device = team = None
        if model.device is not None:
            device = (DeviceCondition(model.device.condition), model.device.serial_number,
                      device_bookings(session, model.device.id, model.day))
        if model.team is not None:
            team = (model.team.name, team_bookings(session, model.team.id, model.day))
        problems = check_visit_schedule(
            facts, today=today, hours=recording_hours(), window=self._date_window(model), device=device, team=team,
        )
        return problems + self._standby_problems(model)

    def _standby_problems(self, model: Visit) -> list[Message]:
        """A kecamatan's standby kit stays at its office unless a supervisor released it for
        the day (:func:`~ektp_admin.domain.visits.check_standby_kit`). Checked when the
        booking is made or changed (kit, kind, day, or back from cancelled), so a visit
        booked before the kit became the standby one stays editable."""
        kit = model.device
        if kit is None or not _booking_changed(model):
            return []
        found = standby_release(self.db.session, kit.id, model.day)
        release = StandbyRelease(found.day, found.reason, found.released_by) if found is not None else None
        return check_standby_kit(
            role=DeviceRole(kit.role), kecamatan_kit=kit.owner_kind == DeviceOwnerKind.KECAMATAN.value,
            kind=VisitKind(model.kind), state=VisitState(model.state), serial=kit.serial_number, day=model.day,
            release=release,
        )

    def _elsewhere_problems(self, form: Any, model: Visit) -> list[Message]:
        """Residents of another desa newly added to a home or cluster visit, unless the
        form's tick confirms them (residents saved on the visit before are not asked
        about again). A warning to confirm, not a refusal: see docs/DESIGN.md."""
        confirm = getattr(form, CONFIRM_FIELD, None)
        if confirm is not None and confirm.data:
            return []
        before = saved_result_residents(self.db.session, model.id)
        removed = set(self.db.session.deleted)
        visit_desa = _region(model.desa)
        problems = []
        for result in model.results:
            resident = result.resident
            if result in removed or resident is None or resident.id in before:
                continue
            message = resident_elsewhere(model.kind, visit_desa, resident.name, _region(resident.desa))
            if message is not None:
                problems.append(message)
        if problems:
            problems.append(Message("home_visit_other_desa_confirm", N_(
                "Tick the confirmation under the results to save them anyway, or remove those rows.")))
        return problems

    def _mark_elsewhere(self, form: Any, model: Visit | None) -> list[str]:
        """Mark the result rows of residents of another desa (the table highlights them)
        and return the warnings still to confirm (rows not saved on the visit before)."""
        results = getattr(form, "results", None)
        if results is None or not hasattr(form, "desa") or not hasattr(form, "kind"):
            return []
        before = saved_result_residents(self.db.session, model.id if model is not None else None)
        visit_desa = _region(form.desa.data)
        marks: dict[str, str] = {}
        unconfirmed: list[str] = []
        for entry in results.entries:
            resident = entry.form.resident.data
            if resident is None or results.should_delete(entry):
                continue
            message = resident_elsewhere(form.kind.data, visit_desa, resident.name, _region(resident.desa))
            if message is not None:
                marks[entry.id] = translate(message)
                if resident.id not in before:
                    unconfirmed.append(marks[entry.id])
        results.ektp_elsewhere = marks
        return unconfirmed

    @staticmethod
    def _date_window(model: Visit) -> DateWindow:
        campaign = model.campaign
        if campaign is not None:
            return DateWindow(campaign.start_date, campaign.target_date, campaign.name)
        return visit_date_range()

    def on_model_delete(self, model: Any) -> None:
        from ..services import remove_visit_results

        user = self.user
        remove_visit_results(self.db.session, model, user.username if user else None,
                             queries.reference_date())

    # ------------------------------------------------------------------ details
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            kwargs["ektp_results"] = list(self._result_rows(kwargs["model"]))
        if template in (self.create_template, self.edit_template) and "form" in kwargs:
            kwargs["ektp_elsewhere"] = self._mark_elsewhere(kwargs["form"], kwargs.get("model"))
        return super().render(template, **kwargs)

    def _result_rows(self, visit: Visit) -> Iterator[dict[str, Any]]:
        for result, resident in visit_results_with_residents(self.db.session, visit.id):
            yield {
                "nik": resident.nik,
                "name": resident.name,
                "desa": resident.desa.name if resident.desa is not None else resident.desa_code,
                "result": label(result.result, ResultKind),
                "recorded": result.result == ResultKind.RECORDED.value,
                "status": label(resident.ktp_status, KtpStatus),
                "note": result.note or "",
            }
