"""Campaigns (the target progress is measured against) and outreach records."""
from __future__ import annotations

from typing import Any

from wtforms import SelectField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from .. import queries
from ..access import ADMIN_ONLY, ALL, CREATE, DELETE, EDIT, EXPORT, READ, STAFF
from ..domain.enums import OutreachChannel, Role, VisitState
from ..domain.messages import N_
from ..formatting import fmt_day, fmt_time
from ..i18n import gettext, label, lazy_gettext
from ..queries.records import is_known_region, regency_codes
from .base import EktpModelView
from .forms import ReachableChoice
from .pickers import DesaLoader, PlannedVisitLoader


class CampaignView(EktpModelView):
    grants = {READ: ALL, CREATE: STAFF, EDIT: STAFF, DELETE: ADMIN_ONLY, EXPORT: STAFF}
    export_basename = "kampanye"
    column_default_sort = [("start_date", True)]
    column_list = ["name", "start_date", "target_date", "scope_code", "baseline_outstanding"]
    column_labels = {
        "name": lazy_gettext("Name"),
        "start_date": lazy_gettext("Start"),
        "target_date": lazy_gettext("Target date"),
        "scope_code": lazy_gettext("Scope (region code)"),
        "baseline_outstanding": lazy_gettext("Outstanding at start"),
        "notes": lazy_gettext("Notes"),
    }
    form_columns = ["name", "start_date", "target_date", "scope_code", "baseline_outstanding", "notes"]
    form_args = {
        "name": {"label": lazy_gettext("Name"), "validators": [DataRequired(), Length(max=120)]},
        "scope_code": {"label": lazy_gettext("Scope (region code)"), "validators": [DataRequired(), Regexp(
            r"^\d{2}\.\d{2}(\.\d{2})?$",
            message=lazy_gettext("Give a regency code (35.10) or a kecamatan code (35.10.01)."))]},
        # Within a database integer on every engine (SQLite would store anything).
        "baseline_outstanding": {"label": lazy_gettext("Outstanding at start"), "validators": [
            Optional(), NumberRange(min=0, max=2_000_000_000,
                                    message=lazy_gettext("Enter a number of residents between 0 and 2,000,000,000."))]},
    }

    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        scope = getattr(form, "scope_code", None)
        if scope is not None and scope.data and not scope.errors \
                and not is_known_region(self.db.session, scope.data):
            regencies = regency_codes(self.db.session)
            example = regencies[0] + ".01" if regencies else "35.10.01"
            scope.errors = [*scope.errors, gettext(
                "%(code)s is not a region of this office: give the regency code (%(regency)s) "
                "or the code of one of its kecamatan (%(example)s).",
                code=scope.data, regency=", ".join(regencies) or "-",
                example=example)]
            ok = False
        return ok

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.target_date < model.start_date:
            raise ValidationError(gettext("The target date must not be before the start."))


class OutreachView(EktpModelView):
    """Socialisation per desa: mosque announcements, village hall, school."""

    grants = {
        READ: ALL,
        CREATE: frozenset({Role.ADMIN, Role.CLERK}),
        EDIT: frozenset({Role.ADMIN, Role.CLERK}),
        DELETE: frozenset({Role.ADMIN, Role.CLERK}),
        EXPORT: ALL,
    }
    out_of_reach_message = N_("You may only record outreach in your own kecamatan.")
    export_basename = "sosialisasi"
    column_default_sort = [("held_on", True)]
    column_list = ["held_on", "desa", "channel", "by_whom", "visit", "notes"]
    column_labels = {
        "held_on": lazy_gettext("Date"),
        "desa": lazy_gettext("Desa/Kelurahan"),
        "visit": lazy_gettext("Visit announced"),
        "channel": lazy_gettext("Channel"),
        "by_whom": lazy_gettext("By whom"),
        "notes": lazy_gettext("Notes"),
    }
    column_formatters = {"channel": lambda v, c, m, n: label(m.channel, OutreachChannel),
                         "visit": lambda v, c, m, n: _visit_text(m.visit)}
    form_columns = ["desa", "channel", "held_on", "by_whom", "visit", "notes"]
    form_overrides = {"channel": SelectField}
    form_choices = {"channel": OutreachChannel}
    form_args = {"by_whom": {"label": lazy_gettext("By whom"), "validators": [DataRequired(), Length(max=120)]},
                 "desa": {"label": lazy_gettext("Desa/Kelurahan"), "validators": [ReachableChoice(lazy_gettext(
                     "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list."))]},
                 "visit": {"label": lazy_gettext("Visit announced"), "description": lazy_gettext(
                     "A planned visit of this desa/kelurahan; left empty, its next planned visit.")}}

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {
            "desa": DesaLoader("desa", db),
            "visit": PlannedVisitLoader("visit", db),
        }
        super().__init__(model, db, **kwargs)

    def validate_form(self, form: Any) -> bool:
        ok = super().validate_form(form)
        field, desa = getattr(form, "visit", None), getattr(form, "desa", None)
        if field is None or desa is None or field.errors:
            return ok
        sent = [v for v in (field.raw_data or []) if v not in (None, "", "__None")]
        visit = field.data
        if sent and visit is None:
            # Unknown, or a visit of a kecamatan out of reach: never silently replaced.
            field.errors = [*field.errors, gettext(
                "This visit is unknown or outside your kecamatan: pick one from the list.")]
            return False
        if visit is None or visit is field.object_data:
            return ok  # left empty (the next planned visit is taken), or kept as it was
        if desa.data is not None and visit.desa_code != desa.data.code:
            field.errors = [*field.errors, gettext(
                "This visit is for another desa/kelurahan: pick a visit of %(desa)s.", desa=desa.data.name)]
            return False
        if visit.state != VisitState.PLANNED.value or visit.day < queries.reference_date():
            field.errors = [*field.errors, gettext(
                "This visit is no longer planned: pick a visit still to come.")]
            return False
        return ok

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.desa is not None:
            model.kecamatan_code = model.desa.kecamatan_code
            if model.visit is None:
                # Left empty: the desa's next planned visit (from the outreach day, or today).
                on = max(model.held_on, queries.reference_date()) if model.held_on else queries.reference_date()
                with self.db.session.no_autoflush:
                    upcoming = queries.next_visits(self.db.session, model.desa.code, on, limit=1)
                model.visit = upcoming[0] if upcoming else None


def _visit_text(visit: Any) -> str:
    """``24-09-2016 08:00-14:00, Balai Desa Sarongan`` (empty without a visit)."""
    if visit is None:
        return ""
    text = f"{fmt_day(visit.day)} {fmt_time(visit.start_time)}-{fmt_time(visit.end_time)}"
    return f"{text}, {visit.host_address}" if visit.host_address else text
