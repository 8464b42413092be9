"""Recording kits and the teams that carry them."""
from __future__ import annotations

from typing import Any

from flask import g
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import queries
from ..access import ADMIN_ONLY, ALL, CREATE, DELETE, EDIT, EXPORT, READ, STAFF, options
from ..domain.enums import (
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    TeamKind,
    VisitKind,
)
from ..formatting import fmt_day
from ..i18n import Np_, gettext, label, lazy_gettext, translated_choices
from ..models import Device, TeamMember, Visit
from .base import EktpModelView
from .errors import still_referenced
from .filters import ChoiceFilter
from .forms import EktpInlineFormAdmin


class DeviceView(EktpModelView):
    """Registry of kits: owner, role (standby/mobile), condition, where it is now."""

    grants = {READ: ALL, CREATE: ADMIN_ONLY, EDIT: ADMIN_ONLY, DELETE: ADMIN_ONLY, EXPORT: ALL}
    export_basename = "perangkat"
    column_default_sort = [("serial_number", False)]
    column_list = ["serial_number", "owner_kind", "owner_kecamatan", "role", "condition", "location", "last_visit",
                   "next_visit"]
    column_details_list = ["serial_number", "owner_kind", "owner_kecamatan", "role", "condition", "location",
                           "last_visit", "next_visit", "notes", "created_at", "updated_at"]
    column_searchable_list = ["serial_number", "location"]
    column_labels = {
        "serial_number": lazy_gettext("Serial number"),
        "owner_kind": lazy_gettext("Owner"),
        "owner_kecamatan": lazy_gettext("Kecamatan"),
        "role": lazy_gettext("Role"),
        "condition": lazy_gettext("Condition"),
        "location": lazy_gettext("Where it is now"),
        "last_visit": lazy_gettext("Last visit"),
        "next_visit": lazy_gettext("Next visit"),
        "notes": lazy_gettext("Notes"),
    }
    column_formatters = {
        "owner_kind": lambda v, c, m, n: label(m.owner_kind, DeviceOwnerKind),
        "role": lambda v, c, m, n: label(m.role, DeviceRole),
        "condition": lambda v, c, m, n: label(m.condition, DeviceCondition),
        "last_visit": lambda v, c, m, n: _describe_visit(v.whereabouts(m).latest_visit),
        "next_visit": lambda v, c, m, n: _describe_visit(v.whereabouts(m).next_visit),
    }
    form_columns = ["serial_number", "owner_kind", "owner_kecamatan", "role", "condition", "location", "notes"]
    form_overrides = {"owner_kind": SelectField, "role": SelectField, "condition": SelectField}
    form_choices = {"owner_kind": DeviceOwnerKind, "role": DeviceRole, "condition": DeviceCondition}
    form_args = {
        "serial_number": {"label": lazy_gettext("Serial number"), "validators": [DataRequired(), Length(max=40)]},
        "owner_kecamatan": {"label": lazy_gettext("Kecamatan")},
    }

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.column_filters = [
            ChoiceFilter(Device.owner_kecamatan_code, lazy_gettext("Kecamatan"), options=options("kecamatan")),
            ChoiceFilter(Device.role, lazy_gettext("Role"), options=lambda: translated_choices(DeviceRole)),
            ChoiceFilter(Device.condition, lazy_gettext("Condition"), options=lambda: translated_choices(DeviceCondition)),
        ]
        super().__init__(model, db, **kwargs)

    def duplicate_message(self, field: Any, holder: Any) -> str:
        return gettext(
            "Serial number %(serial)s is already registered to device %(device)s of %(owner)s (%(where)s).",
            serial=field.data, device=holder.serial_number, owner=_owner(holder),
            where=holder.location or label(holder.role, DeviceRole),
        )

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and isinstance(rows, list):
            self._fetch_whereabouts([d.id for d in rows])
        return count, rows

    def _fetch_whereabouts(self, ids: list[int]) -> dict[int, Any]:
        found = {w.id: w for w in queries.device_whereabouts(
            self.db.session, self.reach, queries.reference_date(), device_ids=ids)}
        g.ektp_device_whereabouts = {**g.get("ektp_device_whereabouts", {}), **{i: found.get(i) for i in ids}}
        return g.ektp_device_whereabouts

    def whereabouts(self, device: Device) -> Any:
        """The kit's last visit that happened and its next planned one: the kit map's
        very query (:func:`~ektp_admin.queries.device_whereabouts`), for the page's kits at once."""
        known = g.get("ektp_device_whereabouts", {})
        if device.id not in known:
            known = self._fetch_whereabouts([device.id])
        return known.get(device.id) or _NO_VISITS

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.owner_kind == DeviceOwnerKind.KECAMATAN.value and model.owner_kecamatan is None:
            raise ValidationError(gettext("A kecamatan's kit needs its kecamatan."))
        if model.owner_kind == DeviceOwnerKind.DINAS.value:
            model.owner_kecamatan = None

    def on_model_delete(self, model: Any) -> None:
        reasons = still_referenced(self.db.session, [
            (Visit, Visit.device_id == model.id, *Np_("%(num)d visit", "%(num)d visits")),
        ])
        if reasons:
            raise ValidationError(gettext(
                "This device cannot be deleted: it is named in %(what)s. Mark it retired instead.",
                what=", ".join(reasons)))


class _NoVisits:
    latest_visit = None
    next_visit = None


_NO_VISITS = _NoVisits()


def _owner(device: Device) -> str:
    """"Kecamatan Pesanggaran" or "Dinas"."""
    if device.owner_kind == DeviceOwnerKind.DINAS.value or device.owner_kecamatan is None:
        return gettext("the Dinas")
    return gettext("Kecamatan %(name)s", name=device.owner_kecamatan.name)


def _describe_visit(visit: Any) -> str:
    """``21-09-2016 Pos desa Sarongan`` (a :class:`~ektp_admin.queries.VisitBrief`)."""
    if visit is None:
        return ""
    place = visit.desa_name or visit.kecamatan_name or ""
    return f"{fmt_day(visit.day)} {label(visit.kind, VisitKind)} {place}".strip()


class TeamMemberInline(EktpInlineFormAdmin):
    form_columns = ["id", "name", "position", "phone"]
    form_label = lazy_gettext("Member")
    column_labels = {"name": lazy_gettext("Name"), "position": lazy_gettext("Position"), "phone": lazy_gettext("Phone")}


class TeamView(EktpModelView):
    """Dinas and kecamatan teams with their members (supervisors plan them)."""

    grants = {READ: ALL, CREATE: STAFF, EDIT: STAFF, DELETE: ADMIN_ONLY, EXPORT: STAFF}
    export_basename = "tim"
    column_default_sort = [("name", False)]
    column_list = ["name", "kind", "kecamatan", "members"]
    column_searchable_list = ["name"]
    column_labels = {
        "name": lazy_gettext("Name"),
        "kind": lazy_gettext("Kind"),
        "kecamatan": lazy_gettext("Kecamatan"),
        "members": lazy_gettext("Members"),
        "notes": lazy_gettext("Notes"),
    }
    column_formatters = {
        "kind": lambda v, c, m, n: label(m.kind, TeamKind),
        "members": lambda v, c, m, n: ", ".join(x.name for x in m.members),
    }
    form_columns = ["name", "kind", "kecamatan", "notes"]
    form_overrides = {"kind": SelectField}
    form_choices = {"kind": TeamKind}
    form_args = {"name": {"label": lazy_gettext("Name"), "validators": [DataRequired(), Length(max=100)]}}

    def duplicate_message(self, field: Any, holder: Any) -> str:
        where = holder.kecamatan.name if holder.kecamatan is not None else label(holder.kind, TeamKind)
        return gettext("A team named %(name)s already exists (%(where)s).", name=holder.name, where=where)

    def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
        self.inline_models = [TeamMemberInline(TeamMember)]
        super().__init__(model, db, **kwargs)


    def on_model_delete(self, model: Any) -> None:
        reasons = still_referenced(self.db.session, [
            (Visit, Visit.team_id == model.id, *Np_("%(num)d visit", "%(num)d visits")),
        ])
        if reasons:
            raise ValidationError(gettext(
                "This team cannot be deleted: it is named in %(what)s.", what=", ".join(reasons)))
