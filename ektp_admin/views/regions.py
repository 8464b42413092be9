"""Kecamatan and desa: loaded from Kemendagri codes (``flask ektp load-regions``), read-mostly."""
from __future__ import annotations

from typing import Any

from wtforms.validators import ValidationError

from ..access import ADMIN_ONLY, ALL, EDIT, EXPORT, READ
from ..i18n import Np_, gettext, lazy_gettext
from ..models import Desa, Device, Outreach, Resident, Team, User, Visit
from ..state import get_state
from .base import EktpModelView
from .errors import still_referenced


class KecamatanView(EktpModelView):
    grants = {READ: ALL, EDIT: ADMIN_ONLY, "delete": ADMIN_ONLY, EXPORT: ALL}
    export_basename = "kecamatan"
    column_default_sort = [("code", False)]
    column_list = ["code", "name"]
    column_searchable_list = ["name", "code"]
    column_labels = {"code": lazy_gettext("Code"), "name": lazy_gettext("Name"), "regency_code": lazy_gettext("Regency code")}
    form_columns = ["name"]

    def on_model_delete(self, model: Any) -> None:
        code = model.code
        reasons = still_referenced(self.db.session, [
            (Desa, Desa.kecamatan_code == code, *Np_("%(num)d desa/kelurahan", "%(num)d desa/kelurahan")),
            (Resident, Resident.kecamatan_code == code, *Np_("%(num)d resident", "%(num)d residents")),
            (Visit, Visit.kecamatan_code == code, *Np_("%(num)d visit", "%(num)d visits")),
            (Device, Device.owner_kecamatan_code == code, *Np_("%(num)d device", "%(num)d devices")),
            (Team, Team.kecamatan_code == code, *Np_("%(num)d team", "%(num)d teams")),
            (Outreach, Outreach.kecamatan_code == code, *Np_("%(num)d outreach record", "%(num)d outreach records")),
            *([(User, User.kecamatan_code == code, *Np_("%(num)d user", "%(num)d users"))]
              if get_state().manages_users else []),
        ])
        if reasons:
            raise ValidationError(gettext(
                "This kecamatan cannot be deleted: it still has %(what)s.", what=", ".join(reasons)))


class DesaView(EktpModelView):
    grants = {READ: ALL, EDIT: ADMIN_ONLY, "delete": ADMIN_ONLY, EXPORT: ALL}
    export_basename = "desa"
    column_default_sort = [("code", False)]
    column_list = ["code", "name", "is_kelurahan", "kecamatan", "postal_code"]
    column_searchable_list = ["name", "code"]
    column_labels = {
        "code": lazy_gettext("Code"),
        "name": lazy_gettext("Name"),
        "is_kelurahan": lazy_gettext("Kelurahan"),
        "kecamatan": lazy_gettext("Kecamatan"),
        "postal_code": lazy_gettext("Postal code"),
    }
    column_filters = ["kecamatan.name", "is_kelurahan"]
    form_columns = ["name", "postal_code"]

    def on_model_delete(self, model: Any) -> None:
        code = model.code
        reasons = still_referenced(self.db.session, [
            (Resident, Resident.desa_code == code, *Np_("%(num)d resident", "%(num)d residents")),
            (Visit, Visit.desa_code == code, *Np_("%(num)d visit", "%(num)d visits")),
            (Outreach, Outreach.desa_code == code, *Np_("%(num)d outreach record", "%(num)d outreach records")),
        ])
        if reasons:
            raise ValidationError(gettext(
                "This desa/kelurahan cannot be deleted: it still has %(what)s.", what=", ".join(reasons)))
