"""Where each recording kit is: owner, role, condition, location, latest and next visit.

``/admin/kits/``: one query (:func:`ektp_admin.queries.device_whereabouts`).
A clerk sees their kecamatan's kits and the Dinas kits; others may narrow the
map to one kecamatan (``?kecamatan=``), which also keeps the Dinas kits.
"""
from __future__ import annotations

from typing import Any

from flask_admin import expose

from .. import queries
from ..domain.enums import (
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    VisitKind,
    VisitState,
)
from ..i18n import label
from ..models import Device, Kecamatan, Visit
from .reports import REPORT_GRANTS, EktpReportView


class KitMapView(EktpReportView):
    """Read-only map of kits (editing stays on the Devices screen)."""

    grants = REPORT_GRANTS
    shows = (Device, Visit, Kecamatan)

    @expose("/")
    def index(self) -> Any:
        kecamatan = self.kecamatan_from_args()
        reach = self.narrowed_reach(kecamatan)
        on = queries.reference_date()
        session = self.session
        page = self.page(queries.device_count(session, reach))
        devices = queries.device_whereabouts(session, reach, on, limit=page.size, offset=page.offset)
        return self.render(
            "ektp_admin/kits/index.html",
            devices=devices,
            kecamatan=kecamatan,
            kecamatan_options=self.kecamatan_options(),
            page=page,
            on=on,
            owner_label=lambda code: label(code, DeviceOwnerKind),
            role_label=lambda code: label(code, DeviceRole),
            condition_label=lambda code: label(code, DeviceCondition),
            kind_label=lambda code: label(code, VisitKind),
            state_label=lambda code: label(code, VisitState),
            working=DeviceCondition.WORKING.value,
        )
