"""Kecamatan and desa: loaded from Kemendagri codes (``flask ektp load-regions``), read-mostly."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from wtforms.validators import ValidationError

from ..access import ADMIN_ONLY, ALL, EDIT, EXPORT, READ
from ..i18n import gettext, lazy_gettext
from ..models import Desa, Kecamatan, Resident, Visit
from .base import EktpModelView


class KecamatanView(EktpModelView):
    grants = {READ: ALL, EDIT: ADMIN_ONLY, "delete": ADMIN_ONLY, EXPORT: ALL}
    export_basename = "kecamatan"
    column_default_sort = [("code", False)]
    column_list = ["code", "name"]
    column_searchable_list = ["name", "code"]
    column_labels = {"code": lazy_gettext("Code"), "name": lazy_gettext("Name"), "regency_code": lazy_gettext("Regency code")}
    form_columns = ["name"]

    def on_model_delete(self, model: Any) -> None:
        if self.session.execute(sa.select(Desa.code).where(Desa.kecamatan_code == model.code).limit(1)).first():
            raise ValidationError(gettext("This kecamatan still has desa/kelurahan and cannot be deleted."))


class DesaView(EktpModelView):
    grants = {READ: ALL, EDIT: ADMIN_ONLY, "delete": ADMIN_ONLY, EXPORT: ALL}
    scope_column = "kecamatan_code"
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
        for table, column, what in ((Resident, Resident.desa_code, "residents"), (Visit, Visit.desa_code, "visits")):
            count = self.session.execute(sa.select(sa.func.count()).where(column == model.code)).scalar_one()
            if count:
                raise ValidationError(
                    gettext("This desa still has %(count)d %(what)s and cannot be deleted.", count=count, what=gettext(what))
                )
