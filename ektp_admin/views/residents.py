"""Residents: the people the campaign must record."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from markupsafe import Markup
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .. import queries
from ..access import ALL, CREATE, EDIT, EXPORT, READ, options
from ..domain.eligibility import age_on, check_birth_date, check_departure, is_lansia
from ..domain.enums import (
    Citizenship,
    Departure,
    KtpStatus,
    MaritalStatus,
    ResultKind,
    Role,
    Sex,
    VisitKind,
)
from ..domain.messages import N_
from ..domain.nik import check_nik_matches, parse_nik
from ..formatting import fmt_day
from ..i18n import gettext, label, lazy_gettext, translate, translated_choices
from ..models import Resident
from ..queries.residents import (
    resident_id_by_nik,
    resident_search_clause,
    resident_visit_results,
    visit_result_count,
)
from .base import EktpModelView
from .filters import BooleanClauseFilter, ChoiceFilter
from .forms import ReachableChoice
from .pickers import DesaLoader


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


class ResidentView(EktpModelView):
    grants = {
        READ: ALL,
        CREATE: frozenset({Role.ADMIN, Role.CLERK}),
        EDIT: frozenset({Role.ADMIN, Role.CLERK}),
        "delete": frozenset({Role.ADMIN}),
        EXPORT: ALL,
    }
    out_of_reach_message = N_("You may only keep residents of your own kecamatan.")
    export_basename = "penduduk"
    details_template = "ektp_admin/resident_details.html"

    # 1.29 M rows: no COUNT(*) on every page, and a stable order.
    simple_list_pager = True
    column_default_sort = [("name_key", False), ("id", False)]
    column_list = ["nik", "name", "sex", "birth_date", "desa", "rt", "rw", "ktp_status", "needs"]
    column_sortable_list = ["nik", ("name", "name_key"), "birth_date", "ktp_status"]
    column_searchable_list = ["nik", "name"]
    column_details_list = [
        "nik", "kk_number", "name", "sex", "birth_place", "birth_date", "age", "marital_status",
        "citizenship", "desa", "address", "rt", "rw", "phone", "disabled", "disability_note",
        "seriously_ill", "away", "away_location", "away_until", "departure", "departed_on", "departure_note",
        "departure_visit_id", "ktp_status", "ktp_status_changed_on",
        "recorded_visit", "notes", "version",
    ]
    column_labels = {
        "nik": "NIK",
        "kk_number": lazy_gettext("KK number"),
        "name": lazy_gettext("Name"),
        "sex": lazy_gettext("Sex"),
        "birth_place": lazy_gettext("Birth place"),
        "birth_date": lazy_gettext("Birth date"),
        "age": lazy_gettext("Age"),
        "marital_status": lazy_gettext("Marital status"),
        "citizenship": lazy_gettext("Citizenship"),
        "desa": lazy_gettext("Desa/Kelurahan"),
        "address": lazy_gettext("Address"),
        "rt": "RT",
        "rw": "RW",
        "phone": lazy_gettext("Phone"),
        "disabled": lazy_gettext("Disabled"),
        "disability_note": lazy_gettext("Disability"),
        "seriously_ill": lazy_gettext("Seriously ill"),
        "away": lazy_gettext("Away (migrant worker)"),
        "away_location": lazy_gettext("Away at"),
        "away_until": lazy_gettext("Away until"),
        "departure": lazy_gettext("Left for good"),
        "departed_on": lazy_gettext("Since"),
        "departure_note": lazy_gettext("Where to, or how it is known"),
        "departure_visit_id": lazy_gettext("Reported by visit"),
        "ktp_status": lazy_gettext("KTP-el status"),
        "ktp_status_changed_on": lazy_gettext("Status changed on"),
        "recorded_visit": lazy_gettext("Recorded in visit"),
        "notes": lazy_gettext("Notes"),
        "needs": lazy_gettext("Needs"),
        "version": lazy_gettext("Version"),
    }
    column_formatters = {
        "sex": lambda v, c, m, n: label(m.sex, Sex),
        "ktp_status": lambda v, c, m, n: label(m.ktp_status, KtpStatus),
        "departure": lambda v, c, m, n: label(m.departure, Departure) if m.departure else "",
        "departed_on": lambda v, c, m, n: fmt_day(m.departed_on),
        "departure_visit_id": lambda v, c, m, n: _visit_link(m.departure_visit_id),
        "marital_status": lambda v, c, m, n: label(m.marital_status, MaritalStatus),
        "citizenship": lambda v, c, m, n: label(m.citizenship, Citizenship),
        "birth_date": lambda v, c, m, n: fmt_day(m.birth_date),
        "age": lambda v, c, m, n: age_on(m.birth_date, queries.reference_date()),
        "needs": lambda v, c, m, n: resident_needs(m),
        "desa": lambda v, c, m, n: m.desa.name if m.desa else "",
        "disabled": lambda v, c, m, n: _yes_no(m.disabled),
        "seriously_ill": lambda v, c, m, n: _yes_no(m.seriously_ill),
        "away": lambda v, c, m, n: _yes_no(m.away),
    }
    export_columns = [
        ("nik", "NIK"),
        ("kk_number", "KK number"),
        ("name", "Name"),
        (lambda m: label(m.sex, Sex), "Sex"),
        ("birth_place", "Birth place"),
        (lambda m: m.birth_date, "Birth date"),  # a date: dd-mm-yyyy in CSV, a date cell in XLSX
        (lambda m: age_on(m.birth_date, queries.reference_date()), "Age"),
        (lambda m: m.kecamatan_code, "Kecamatan code"),
        (lambda m: m.desa.name, "Desa/Kelurahan"),
        ("address", "Address"),
        ("rt", "RT"),
        ("rw", "RW"),
        ("phone", "Phone"),
        (lambda m: label(m.ktp_status, KtpStatus), "KTP-el status"),
        (lambda m: resident_needs(m), "Needs"),
        # Read back by the import (population/vocabulary.py): a departure round-trips.
        (lambda m: label(m.departure, Departure) if m.departure else "", "Left for good"),
        (lambda m: m.departed_on, "Left on"),
        ("departure_note", "Where to, or how it is known"),
    ]

    form_columns = [
        "nik", "kk_number", "name", "sex", "birth_place", "birth_date", "marital_status", "citizenship",
        "desa", "address", "rt", "rw", "phone", "disabled", "disability_note", "seriously_ill",
        "away", "away_location", "away_until", "departure", "departed_on", "departure_note", "ktp_status", "notes",
    ]
    form_choices = {"sex": Sex, "marital_status": MaritalStatus, "citizenship": Citizenship,
                    "departure": (Departure, lazy_gettext("(lives here)"))}
    form_overrides = {
        "departure": SelectField,
        "sex": SelectField,
        "marital_status": SelectField,
        "citizenship": SelectField,
        "ktp_status": SelectField,
    }
    form_args = {
        "departure": {"label": lazy_gettext("Left for good"), "filters": [lambda v: v or None],
                      "validators": [Optional()],
                      "description": lazy_gettext("Deceased or moved out: the resident leaves the wajib and "
                                                  "outstanding counts, the sheets and the targets.")},
        "departed_on": {"label": lazy_gettext("Since")},
        "departure_note": {"label": lazy_gettext("Where to, or how it is known")},
        # The NIK's own check (validate_form) names exactly what is wrong with it.
        "nik": {"label": "NIK", "validators": [DataRequired()], "filters": [lambda s: s.strip() if s else s]},
        "kk_number": {"label": lazy_gettext("KK number"), "validators": [Optional(), Regexp(r"^\d{16}$", message=lazy_gettext("KK number must be exactly 16 digits."))]},
        "name": {"label": lazy_gettext("Name"), "validators": [DataRequired(), Length(max=120)], "filters": [lambda s: " ".join(s.split()) if s else s]},
        "rt": {"label": "RT", "validators": [Optional(), Regexp(r"^\d{1,3}$", message=lazy_gettext("RT is a number of at most 3 digits."))]},
        "rw": {"label": "RW", "validators": [Optional(), Regexp(r"^\d{1,3}$", message=lazy_gettext("RW is a number of at most 3 digits."))]},
        "phone": {"label": lazy_gettext("Phone"), "validators": [Optional(), Regexp(r"^\+?[0-9 \-]{8,20}$", message=lazy_gettext("Phone number: digits only, 8 to 20."))]},
        "desa": {"label": lazy_gettext("Desa/Kelurahan"), "validators": [ReachableChoice(lazy_gettext(
            "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list."))]},
        "birth_date": {"label": lazy_gettext("Birth date"), "validators": [DataRequired()]},
    }

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {"desa": DesaLoader("desa", db)}
        self.column_filters = [
            ChoiceFilter(Resident.kecamatan_code, lazy_gettext("Kecamatan"), options=options("kecamatan")),
            ChoiceFilter(Resident.desa_code, lazy_gettext("Desa/Kelurahan"), options=options("desa")),
            ChoiceFilter(Resident.ktp_status, lazy_gettext("KTP-el status"), options=lambda: translated_choices(KtpStatus)),
            BooleanClauseFilter(Resident.id, lazy_gettext("Wajib KTP"), lambda: queries.wajib_clause()),
            BooleanClauseFilter(Resident.id, lazy_gettext("Outstanding"), lambda: queries.outstanding_clause()),
            BooleanClauseFilter(Resident.id, lazy_gettext("Lansia (60+)"), lambda: queries.lansia_clause()),
            BooleanClauseFilter(Resident.disabled, lazy_gettext("Disabled"), lambda: Resident.disabled.is_(True)),
            BooleanClauseFilter(Resident.seriously_ill, lazy_gettext("Seriously ill"), lambda: Resident.seriously_ill.is_(True)),
            BooleanClauseFilter(Resident.away, lazy_gettext("Away (migrant worker)"), lambda: Resident.away.is_(True)),
        ]
        super().__init__(model, db, **kwargs)

    # ------------------------------------------------------------------ search
    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        clause = resident_search_clause(search)
        query = query.filter(clause)
        if count_query is not None:
            count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    # ------------------------------------------------------------------ forms
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # Flask-Admin adds a generic "Already exists." check for the unique NIK;
        # validate_form says which NIK and why, once.
        from flask_admin.contrib.sqla.validators import Unique

        field = form_class.nik
        field.kwargs["validators"] = [v for v in field.kwargs.get("validators", []) if not isinstance(v, Unique)]
        return form_class

    def create_form(self, obj: Any = None) -> Any:
        return self._with_choices(super().create_form(obj), creating=True)

    def edit_form(self, obj: Any = None) -> Any:
        return self._with_choices(super().edit_form(obj), creating=False, obj=obj)

    def _with_choices(self, form: Any, *, creating: bool, obj: Any = None) -> Any:
        if creating:
            form.ktp_status.choices = [(s.value, gettext(s.label)) for s in KtpStatus]
        else:
            current = KtpStatus(obj.ktp_status) if obj is not None else KtpStatus.NOT_RECORDED
            from ..domain.status import ALLOWED_MOVES

            reachable = [current] + [s for s in KtpStatus if s in ALLOWED_MOVES.get(current, ()) and s != KtpStatus.RECORDED]
            form.ktp_status.choices = [(s.value, gettext(s.label)) for s in reachable]
        return form

    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        if not hasattr(form, "nik") or not form.nik.data:
            return ok
        return self._validate_resident(form) and ok

    def _validate_resident(self, form: Any) -> bool:
        ok = True
        today = queries.reference_date()  # the one "today" of the app (EKTP_ADMIN_REFERENCE_DATE)
        if form.birth_date.data:
            for message in check_birth_date(form.birth_date.data, today):
                form.birth_date.errors.append(translate(message))
                ok = False
        # A value the list does not offer (a forged POST) is refused by the field itself.
        departure = Departure(form.departure.data) if form.departure.data in {d.value for d in Departure} else None
        note = form.departure_note.data
        stored = getattr(form, "_obj", None)
        if stored is not None and stored.departure_visit_id and departure == stored.departure:
            note = note or "visit"  # a visit's "deceased" result is its own source
        for message in check_departure(departure, form.departed_on.data, note, form.birth_date.data, today):
            target = form.departure_note if message.code.startswith("departure_needs_") and \
                message.code != "departure_needs_date" else form.departed_on
            target.errors = [*target.errors, translate(message)]
            ok = False
        check = parse_nik(form.nik.data)
        if not check.ok:
            # The NIK's own check says exactly what is wrong (it replaces a generic
            # "too long" from the column's length).
            form.nik.errors = [translate(m) for m in check.errors]
            return False
        # A sex the list does not offer (a forged POST) is already refused by its
        # field; there is nothing to compare the NIK with then.
        sex = form.sex.data if form.sex.data in {s.value for s in Sex} else None
        if check.parts is not None and form.birth_date.data and sex:
            for message in check_nik_matches(check.parts, form.birth_date.data, Sex(sex)):
                form.nik.errors.append(translate(message))
                ok = False
        existing = resident_id_by_nik(self.db.session, form.nik.data)
        editing_id = getattr(getattr(form, "_obj", None), "id", None)
        if existing is not None and existing != editing_id:
            form.nik.errors.append(gettext("This NIK is already registered to another resident."))
            ok = False
        return ok

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        from ..services import apply_manual_status

        if model.desa is not None:
            model.kecamatan_code = model.desa.kecamatan_code
        if not model.departure:
            model.departure, model.departed_on, model.departure_note = None, None, None
        if model.departure_note is not None:
            model.departure_visit_id = None  # entered by hand: no longer the visit's word alone
        if not model.departure:
            model.departure_visit_id = None
        apply_manual_status(self.db.session, model, is_created, self.user.username if self.user else None,
                            queries.reference_date())

    def on_model_delete(self, model: Any) -> None:
        results = visit_result_count(self.db.session, model.id)
        if results:
            raise ValidationError(gettext(
                "This resident appears in %(count)d visit result(s) and cannot be deleted; "
                "remove the results from their visit logs first.",
                count=results,
            ))

    # ------------------------------------------------------------------ details
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            model = kwargs["model"]
            kwargs["ektp_visit_results"] = resident_visit_results(self.db.session, model.id)
            kwargs["ektp_status_changes"] = model.status_changes
            kwargs["ektp_labels"] = {"result": ResultKind, "kind": VisitKind, "status": KtpStatus}
        return super().render(template, **kwargs)


def _visit_link(visit_id: int | None) -> Any:
    if not visit_id:
        return ""
    return Markup('<a href="{}">{}</a>').format(
        url_for("ektp_visits.details_view", id=visit_id) if "ektp_visits.details_view" in current_app.view_functions
        else "#", gettext("Visit log %(id)s", id=visit_id))


def resident_needs(m: Resident) -> str:
    on = queries.reference_date()
    parts = []
    if is_lansia(m.birth_date, on):
        parts.append(gettext("lansia"))
    if m.disabled:
        parts.append(gettext("disabled"))
    if m.seriously_ill:
        parts.append(gettext("ill"))
    if m.away:
        parts.append(gettext("away"))
    return ", ".join(parts)
