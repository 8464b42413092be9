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

from ..access import ADMIN_ONLY, ALL, CREATE, DELETE, EDIT, EXPORT, READ, STAFF
from ..domain.enums import OutreachChannel, Role
from ..domain.messages import N_
from ..i18n import gettext, label, lazy_gettext
from ..queries.records import is_known_region, regency_codes
from .base import EktpModelView
from .forms import ReachableChoice
from .pickers import DesaLoader


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
    column_list = ["held_on", "desa", "channel", "by_whom", "notes"]
    column_labels = {
        "held_on": lazy_gettext("Date"),
        "desa": lazy_gettext("Desa/Kelurahan"),
        "channel": lazy_gettext("Channel"),
        "by_whom": lazy_gettext("By whom"),
        "notes": lazy_gettext("Notes"),
    }
    column_formatters = {"channel": lambda v, c, m, n: label(m.channel, OutreachChannel)}
    form_columns = ["desa", "channel", "held_on", "by_whom", "notes"]
    form_overrides = {"channel": SelectField}
    form_choices = {"channel": OutreachChannel}
    form_args = {"by_whom": {"label": lazy_gettext("By whom"), "validators": [DataRequired(), Length(max=120)]},
                 "desa": {"label": lazy_gettext("Desa/Kelurahan"), "validators": [ReachableChoice(lazy_gettext(
                     "This desa/kelurahan is unknown or outside your kecamatan: pick one from the list."))]}}

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {
            "desa": DesaLoader("desa", db)
        }
        super().__init__(model, db, **kwargs)


    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.desa is not None:
            model.kecamatan_code = model.desa.kecamatan_code
