"""The kit board: where each kit is today, its bookings, its condition, and the rule.

``/admin/kits/``: every kit in reach (:func:`ektp_admin.queries.device_whereabouts`,
with today's visits and the planned ones ahead), each kecamatan that breaks the
rule "one kit on standby at the office while the other goes out" today or lacks a
working standby or mobile kit (:func:`ektp_admin.domain.kits.kit_rule_problems`),
and the standby kits released to go out. A clerk sees their kecamatan's kits and
the Dinas kits; others may narrow the board to one kecamatan (``?kecamatan=``).

``POST /admin/kits/release``: a supervisor (or an admin) releases a standby kit
for one day, with a reason; a clerk cannot. Stored in ``ektp_device_release``,
audited, shown here and honoured by the visit form.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError

from .. import queries
from ..access import EDIT, STAFF, requires
from ..domain.enums import (
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    VisitKind,
    VisitState,
)
from ..domain.kits import KecamatanKitFacts, KitProblem, kit_rule_problems
from ..domain.text import clean_text
from ..formatting import fmt_day
from ..i18n import gettext, label
from ..models import Device, DeviceRelease, Kecamatan, Visit
from ..population.rows import parse_date
from ..queries.kits import (
    bookings_on,
    kecamatan_kits,
    planned_bookings,
    standby_kit_options,
    standby_release,
    standby_releases,
)
from .forms import require_csrf
from .reports import REPORT_GRANTS, EktpReportView
from .request_values import int_key

#: Longest reason a release keeps (the column's width).
REASON_CHARS = 200


class KitMapView(EktpReportView):
    """The kit board (read: every role; releasing a standby kit: supervisors and admins)."""

    grants = {**REPORT_GRANTS, EDIT: STAFF}
    shows = (Device, Visit, Kecamatan, DeviceRelease)

    @expose("/")
    def index(self) -> Any:
        kecamatan = self.kecamatan_from_args()
        reach = self.narrowed_reach(kecamatan)
        on = queries.reference_date()
        session = self.session
        page = self.page(queries.device_count(session, reach))
        devices = queries.device_whereabouts(session, reach, on, limit=page.size, offset=page.offset)
        ids = [d.id for d in devices]
        rule_rows = []
        for row in kecamatan_kits(session, reach, on):
            problems = kit_rule_problems(KecamatanKitFacts(row.standby_ready, row.mobile_ready, len(row.standby_out)))
            if problems:
                rule_rows.append((row, problems))
        may_release = self.allowed(EDIT)
        return self.render(
            "ektp_admin/kits/index.html",
            devices=devices,
            today=bookings_on(session, ids, on),
            planned=planned_bookings(session, ids, on),
            rule_rows=rule_rows,
            releases=standby_releases(session, reach, on),
            may_release=may_release,
            standby_options=standby_kit_options(session, reach) if may_release else [],
            # Flask-WTF's token, whether or not the host runs CSRFProtect (which alone
            # puts ``csrf_token()`` into templates)
            release_token=generate_csrf() if may_release else "",
            kecamatan=kecamatan,
            kecamatan_options=self.kecamatan_options(),
            page=page,
            on=on,
            problem_text=_problem_text,
            owner_label=lambda code: label(code, DeviceOwnerKind),
            role_label=lambda code: label(code, DeviceRole),
            condition_label=lambda code: label(code, DeviceCondition),
            kind_label=lambda code: label(code, VisitKind),
            state_label=lambda code: label(code, VisitState),
            working=DeviceCondition.WORKING.value,
            kit_url=self._kit_url,
            visit_url=self._visit_url,
            form_values=request.args,
        )

    @expose("/release", methods=("POST",))
    @requires(EDIT)
    def release(self) -> Any:
        """Release a kecamatan's standby kit to go out on one day, with a reason."""
        require_csrf()
        form = request.form
        session = self.session
        device_id = int_key(form.get("device"))
        device = session.get(Device, device_id) if device_id is not None else None
        if device is None or not self.reach.reaches(device):
            return self._refuse(gettext("Choose the standby kit to release."))
        if device.role != DeviceRole.STANDBY.value or device.owner_kind != DeviceOwnerKind.KECAMATAN.value:
            return self._refuse(gettext("Kit %(serial)s is not a kecamatan's standby kit: it needs no release.",
                                        serial=device.serial_number))
        raw_day = (form.get("day") or "").strip()
        day = parse_date(raw_day) if raw_day else None
        if day is None:
            return self._refuse(gettext("Write the day as DD-MM-YYYY (for example 22-09-2016)."))
        today = queries.reference_date()
        if day < today:
            return self._refuse(gettext("%(date)s has passed: a kit can be released for today or a later day.",
                                        date=fmt_day(day)))
        reason = clean_text(form.get("reason") or "").strip()
        if not reason:
            return self._refuse(gettext("Give the reason the standby kit may go out (for example: the mobile kit "
                                        "is in repair)."))
        if len(reason) > REASON_CHARS:
            return self._refuse(gettext("The reason is too long: at most %(num)s characters.", num=REASON_CHARS))
        existing = standby_release(session, device.id, day)
        if existing is not None:
            return self._refuse(gettext("Kit %(serial)s is already released for %(date)s (by %(user)s: %(reason)s).",
                                        serial=device.serial_number, date=fmt_day(day), user=existing.released_by,
                                        reason=existing.reason))
        user = self.user
        session.add(DeviceRelease(device_id=device.id, day=day, reason=reason,
                                  released_by=user.username if user else "?"))
        try:
            session.commit()
        except IntegrityError:  # released at the same moment by someone else
            session.rollback()
            return self._refuse(gettext("Kit %(serial)s is already released for %(date)s.",
                                        serial=device.serial_number, date=fmt_day(day)))
        flash(gettext("Kit %(serial)s may go out on %(date)s.", serial=device.serial_number, date=fmt_day(day)),
              "success")
        return redirect(url_for(".index"), 303)

    def _refuse(self, message: str) -> Any:
        flash(message, "error")
        kept: dict[str, Any] = {f"release_{k}": request.form.get(k, "") for k in ("device", "day", "reason")}
        return redirect(url_for(".index", **{k: v for k, v in kept.items() if v}), 303)

    def _kit_url(self, device_id: int) -> str | None:
        return self._link("ektp_devices.details_view", id=device_id)

    def _visit_url(self, visit_id: int) -> str | None:
        return self._link("ektp_visits.details_view", id=visit_id)

    def _link(self, endpoint: str, **values: Any) -> str | None:
        """A link to another of our screens, or None when the portal left it out or the user may not open it."""
        name = endpoint.split(".", 1)[0]
        view = next((v for v in self.admin._views if v.endpoint == name), None)
        if view is None or not view.is_accessible():
            return None
        return url_for(endpoint, **values)


def _problem_text(problem: KitProblem) -> str:
    if problem == KitProblem.STANDBY_OUT:
        return gettext("its standby kit is out today")
    if problem == KitProblem.NO_STANDBY:
        return gettext("no working standby kit")
    return gettext("no working mobile kit")
