"""Residents: the people the campaign must record."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from markupsafe import Markup
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .. import list_marks, queries
from ..access import ALL, CREATE, EDIT, EXPORT, READ, options
from ..domain.eligibility import LANSIA_AGE, age_on, birth_date_cutoff, check_birth_date, check_departure, is_lansia
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
from ..i18n import Np_, gettext, label, lazy_gettext, translate, translated_choices
from ..models import Desa, Resident
from ..queries.residents import (
    resident_search_clause,
    resident_visit_results,
    visit_result_count,
)
from .base import EktpModelView
from .export_columns import code_label, day, derived, name_of, text
from .filters import BooleanClauseFilter, ChoiceFilter
from .forms import ReachableChoice
from .paging import SeekPaging
from .pickers import DesaLoader
from .words import VISIT_NOTE, words


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


class ResidentView(SeekPaging, EktpModelView):
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

    # 1.29 M rows: a count that stops (SeekPaging), keyset pages, and a stable order.
    total_msgids = Np_("%(count)s resident in this list", "%(count)s residents in this list")
    more_msgids = Np_("more than %(count)s resident in this list", "more than %(count)s residents in this list")
    column_default_sort = [("name_key", False), ("id", False)]
    column_list = ["nik", "name", "sex", "birth_date", "desa", "rt", "rw", "ktp_status", "needs"]
    column_sortable_list = ["nik", ("name", "name_key"), "birth_date", "ktp_status"]
    column_searchable_list = ["nik", "name"]
    column_details_list = [
        "nik", "kk_number", "name", "sex", "birth_place", "birth_date", "age", "marital_status",
        "citizenship", "desa", "address", "rt", "rw", "phone", "disabled", "disability_note",
        "seriously_ill", "away", "away_location", "away_until", "departure", "departed_on", "departure_note",
        "departure_visit_id", "ktp_status", "ktp_status_changed_on",
        "recorded_visit", "notes",
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
    }
    column_formatters = {
        "sex": lambda v, c, m, n: label(m.sex, Sex),
        "ktp_status": lambda v, c, m, n: label(m.ktp_status, KtpStatus),
        "departure": lambda v, c, m, n: label(m.departure, Departure) if m.departure else "",
        "departed_on": lambda v, c, m, n: fmt_day(m.departed_on),
        "departure_visit_id": lambda v, c, m, n: _visit_link(v, m.departure_visit_id),
        "recorded_visit": lambda v, c, m, n: _visit_link(v, m.recorded_visit_id),
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
    #: one line a column (:mod:`.export_columns`): read as tuples, formatted once per value
    export_columns = [
        text("NIK", Resident.nik),
        text("KK number", Resident.kk_number),
        text("Name", Resident.name),
        code_label("Sex", Resident.sex, Sex),
        text("Birth place", Resident.birth_place),
        day("Birth date", Resident.birth_date),  # dd-mm-yyyy in CSV, a date cell in XLSX
        derived("Age", lambda ctx: lambda born: age_on(born, ctx.on), Resident.birth_date),
        text("Kecamatan code", Resident.kecamatan_code),
        name_of("Desa/Kelurahan", Resident.desa_code, Desa),
        text("Address", Resident.address),
        text("RT", Resident.rt),
        text("RW", Resident.rw),
        text("Phone", Resident.phone),
        code_label("KTP-el status", Resident.ktp_status, KtpStatus),
        derived("Needs", lambda ctx: needs_writer(ctx.on), Resident.birth_date, Resident.disabled,
                Resident.seriously_ill, Resident.away),
        # Read back by the import (population/vocabulary.py): a departure round-trips.
        code_label("Left for good", Resident.departure, Departure),
        day("Left on", Resident.departed_on),
        text("Where to, or how it is known", Resident.departure_note),
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
        self._kecamatan_filter = ChoiceFilter(Resident.kecamatan_code, lazy_gettext("Kecamatan"),
                                              options=options("kecamatan"))
        self._desa_filter = ChoiceFilter(Resident.desa_code, lazy_gettext("Desa/Kelurahan"), options=options("desa"))
        self._outstanding_filter = BooleanClauseFilter(Resident.id, lazy_gettext("Outstanding"),
                                                       lambda: queries.outstanding_clause())
        self.column_filters = [
            self._kecamatan_filter,
            self._desa_filter,
            ChoiceFilter(Resident.ktp_status, lazy_gettext("KTP-el status"), options=lambda: translated_choices(KtpStatus)),
            BooleanClauseFilter(Resident.id, lazy_gettext("Wajib KTP"), lambda: queries.wajib_clause()),
            self._outstanding_filter,
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

    # ------------------------------------------------------------------ the total
    def known_total(self, filters: list[Any], limit: int) -> tuple[int, bool] | None:
        """Outstanding residents of a region (the reach, narrowed by a kecamatan or desa
        filter): exactly the summaries' number, from the counters. Everyone of a region:
        more than ``limit`` when the counters already hold more wajib KTP residents."""
        regions = [self.reach.kecamatan_code] if self.reach.kecamatan_code else []
        outstanding = False
        for index, _name, value in filters:
            flt = self._filters[index] if self._filters else None
            if flt is self._outstanding_filter and value == "1":
                outstanding = True
            elif flt is self._kecamatan_filter and value.count(".") == 2:
                regions.append(value)
            elif flt is self._desa_filter and value.count(".") == 3:
                regions.append(value)
            else:  # another filter: only counting its rows tells
                return None
        region = max(regions, key=len, default=None)
        if region is not None and not all(queries.region_covers(code, region) for code in regions):
            return None  # regions apart: no rows, counted as such
        session, on = self.db.session, queries.reference_date()
        if outstanding:
            count = queries.counted_outstanding(session, region, on)
            return None if count is None else (count, True)
        lower = queries.counted_wajib_at_least(session, region, on, limit)
        return (limit, False) if lower is not None and lower > limit else None

    def marked_scope(self, filters: list[Any], order: Any) -> str | None:
        """The reach's whole list in name order has page marks (a supervisor's: the
        regency; a clerk's: the kecamatan); a filtered or otherwise sorted list has none."""
        if filters or order.desc or getattr(order.column, "key", None) != "name_key":
            return None
        return list_marks.scope_of(self.reach.kecamatan_code)

    # ------------------------------------------------------------------ forms
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
        # A NIK another resident holds: the base's unique check names who (duplicate_message).
        return ok

    def duplicate_message(self, field: Any, holder: Any) -> str:
        # Who holds it is said only within the user's reach: a clerk learns no
        # names from another kecamatan.
        if not self.reach.reaches(holder):
            return gettext("This NIK is already registered to a resident of another kecamatan.")
        return gettext("This NIK is already registered to %(name)s, %(desa)s (Kec. %(kecamatan)s).",
                       name=holder.name, desa=holder.desa.name if holder.desa else holder.desa_code,
                       kecamatan=holder.desa.kecamatan.name if holder.desa and holder.desa.kecamatan
                       else holder.kecamatan_code)

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
            said = words(self.db.session)
            said.prefetch({"visit": {int(m.group(1)) for c in model.status_changes
                                     if (m := VISIT_NOTE.match(c.note or ""))}})
            kwargs["ektp_status_note"] = said.status_note
            kwargs["ektp_labels"] = {"result": ResultKind, "kind": VisitKind, "status": KtpStatus}
        return super().render(template, **kwargs)


def _visit_link(view: Any, visit_id: int | None) -> Any:
    """"Kunjungan 21-09-2016, Sarongan", linked to the visit's page."""
    if not visit_id:
        return ""
    text = words(view.db.session).value("ektp_resident", "recorded_visit_id", visit_id)
    if "ektp_visits.details_view" not in current_app.view_functions:
        return text
    return Markup('<a href="{}">{}</a>').format(url_for("ektp_visits.details_view", id=visit_id), text)


def resident_needs(m: Resident) -> str:
    return needs_text(is_lansia(m.birth_date, queries.reference_date()), m.disabled, m.seriously_ill, m.away)


def needs_writer(on: Any) -> Any:
    """:func:`needs_text` for an export's rows: lansia is ``birth_date <= cutoff`` (as in
    SQL), and the words are made once for each of the 16 combinations."""
    cutoff = birth_date_cutoff(on, LANSIA_AGE)
    words: dict[tuple[bool, ...], str] = {}

    def needs(born: Any, disabled: Any, ill: Any, away: Any) -> str:
        key = (born is not None and born <= cutoff, bool(disabled), bool(ill), bool(away))
        text = words.get(key)
        if text is None:
            text = words[key] = needs_text(*key)
        return text

    return needs


def needs_text(lansia: bool, disabled: bool, ill: bool, away: bool) -> str:
    """What a resident needs to be recorded, in words: "lansia, disabled"."""
    parts = []
    if lansia:
        parts.append(gettext("lansia"))
    if disabled:
        parts.append(gettext("disabled"))
    if ill:
        parts.append(gettext("ill"))
    if away:
        parts.append(gettext("away"))
    return ", ".join(parts)
