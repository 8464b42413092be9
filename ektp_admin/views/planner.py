"""The home-visit planner: cluster visits proposed for a desa or a kecamatan, planned in one click.

``/admin/home-visit-planner/?kecamatan=&desa=``: the residents to record at home
(:mod:`ektp_admin.queries.home_visits`, the first :data:`PLAN_LIMIT` in list
order) grouped by RT/RW, split to what one kit records in a session, each with its
proposed host and a slot of a working mobile kit of the kecamatan (or of its standby
kit on a day a supervisor released it) within recording hours on the days ahead (:func:`ektp_admin.domain.planner.plan_visits`). Below,
the planned visits whose day has passed (overdue).

``POST /admin/home-visit-planner/plan``: one proposal becomes a planned visit
(kind home or cluster, state planned, the host, their address, the kit, day and
hours) with each resident on it as an "invited" result row to fill on the day.
CSRF, the reach (every resident and the kit), nobody already invited to a planned
visit ahead (the refusal names its date), and the visit form's own rules
(:meth:`ektp_admin.views.visits.VisitView.rule_problems`) with the kit locked
first (:func:`ektp_admin.locks.hold_rows`): a slot taken meanwhile is refused.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf.csrf import generate_csrf

from .. import queries
from ..access import CLERK_AND_ADMIN, CREATE, requires
from ..domain.enums import ResultKind, VisitKind, VisitState
from ..domain.home_visits import GROUP_MAX, Candidate
from ..domain.planner import PLAN_DAYS, plan_visits
from ..formatting import fmt_day, fmt_time
from ..i18n import gettext, label, translate
from ..models import Desa, Device, Kecamatan, Resident, Visit, VisitResult
from ..population.rows import parse_date
from ..queries.home_visits import residents_in_reach, still_to_visit
from ..queries.planner import (
    bookings_between,
    invitations_ahead,
    invited_ahead_clause,
    invited_ahead_count,
    kecamatan_kits_for_planning,
    overdue_planned_count,
    overdue_planned_visits,
    released_days,
)
from .forms import require_csrf
from .reports import REPORT_GRANTS, EktpReportView
from .request_values import int_key

#: Residents the planner proposes visits for at once (the first, in list order).
PLAN_LIMIT = 200
#: The visit screen whose rules a plan passes (``views/__init__.py``).
VISITS_ENDPOINT = "ektp_visits"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class HomeVisitPlannerView(EktpReportView):
    """Proposed cluster visits (read: every role) and planning them (clerks and admins)."""

    grants = {**REPORT_GRANTS, CREATE: CLERK_AND_ADMIN}
    shows = (Resident, Desa, Kecamatan, Device, Visit)

    def _region(self) -> tuple[Kecamatan | None, Desa | None]:
        kecamatan = self.kecamatan_from_args()
        desa_code = (request.args.get("desa") or "").strip()
        desa = self.get_desa(desa_code) if desa_code else None
        if desa is not None:
            return desa.kecamatan, desa
        return kecamatan, None

    @expose("/")
    def index(self) -> Any:
        kecamatan, desa = self._region()
        on = queries.reference_date()
        session = self.session
        region = desa.code if desa is not None else kecamatan.code if kecamatan is not None else None
        proposals: list[dict[str, Any]] = []
        total = invited = 0
        first_day = on + dt.timedelta(days=1)
        if kecamatan is not None:
            total = queries.home_visit_count(session, region, on)
            statement = queries.home_visit_residents(session, region, on)
            invited = invited_ahead_count(session, statement, on)
            residents = list(session.execute(
                statement.where(~invited_ahead_clause(on)).limit(PLAN_LIMIT)).scalars())
            by_id = {r.id: r for r in residents}
            clusters: list[list[Candidate]] = []
            keys: list[tuple[str, str, str]] = []
            for r in residents:
                key = (r.desa_code, queries.cluster_part(r.rw), queries.cluster_part(r.rt))
                if not keys or keys[-1] != key:
                    keys.append(key)
                    clusters.append([])
                clusters[-1].append(Candidate(r.id, r.birth_date, bool(r.seriously_ill), bool(r.disabled)))
            kits = kecamatan_kits_for_planning(session, kecamatan.code)
            last_day = first_day + dt.timedelta(days=PLAN_DAYS - 1)
            released = released_days(session, list(kits), first_day, last_day)
            kits = {key: replace(kit, released_days=released.get(key, frozenset())) for key, kit in kits.items()}
            bookings = bookings_between(session, list(kits), first_day, last_day)
            from .visits import recording_hours

            planned = plan_visits(clusters, list(kits.values()), bookings, first_day=first_day,
                                  hours=recording_hours())
            for proposal in planned:
                members = [by_id[c.key] for c in proposal.members]
                proposals.append({"proposal": proposal, "host": members[0], "members": members,
                                  "desa": members[0].desa, "rw": queries.cluster_part(members[0].rw),
                                  "rt": queries.cluster_part(members[0].rt)})
        may_plan = self.allowed(CREATE) and self._visits_view() is not None
        overdue_total = overdue_planned_count(session, self.reach, region, on)
        return self.render(
            "ektp_admin/planner/index.html",
            kecamatan=kecamatan,
            desa=desa,
            kecamatan_options=self.kecamatan_options(),
            desa_options=self.reach.desa_options(session, kecamatan.code) if kecamatan is not None else [],
            proposals=proposals,
            total=total,
            invited=invited,
            shown=sum(len(p["members"]) for p in proposals),
            first_day=first_day,
            plan_days=PLAN_DAYS,
            overdue=overdue_planned_visits(session, self.reach, region, on),
            overdue_total=overdue_total,
            may_plan=may_plan,
            plan_token=generate_csrf() if may_plan else "",
            kind_label=lambda code: label(code, VisitKind),
            visit_url=self._visit_url,
            on=on,
        )

    def _visits_view(self) -> Any:
        view = next((v for v in self.admin._views if v.endpoint == VISITS_ENDPOINT), None)
        if view is None or not view.allowed(CREATE):
            return None
        return view

    def _visit_url(self, visit_id: int) -> str | None:
        view = next((v for v in self.admin._views if v.endpoint == VISITS_ENDPOINT), None)
        if view is None or not view.is_accessible():
            return None
        return url_for(f"{VISITS_ENDPOINT}.details_view", id=visit_id)

    @expose("/plan", methods=("POST",))
    @requires(CREATE)
    def plan(self) -> Any:
        """Turn one proposal into a planned visit with its residents invited."""
        require_csrf()
        form = request.form
        session = self.session
        visits_view = self._visits_view()
        if visits_view is None:
            return self._refuse(gettext("Visits cannot be planned here: the visit log is not available to you."))
        raw = form.getlist("resident")
        ids = [int_key(value) for value in raw]
        if not raw or len(raw) > GROUP_MAX or any(i is None for i in ids) or len(set(ids)) != len(ids):
            return self._refuse(gettext("Choose between 1 and %(num)s residents for one visit.", num=GROUP_MAX))
        wanted = [i for i in ids if i is not None]
        residents = residents_in_reach(session, self.reach, wanted)
        if len(residents) != len(wanted):
            return self._refuse(gettext("Some of these residents are not in your area (or no longer exist): "
                                        "nothing was planned."))
        on = queries.reference_date()
        waiting = still_to_visit(session, wanted, on)
        left = [r.name for r in residents if r.id not in waiting]
        if left:
            return self._refuse(gettext("%(names)s no longer need a home visit: nothing was planned.",
                                        names=", ".join(left)))
        host = residents[0]
        if any(r.desa_code != host.desa_code for r in residents):
            return self._refuse(gettext("A planned visit gathers residents of one desa: nothing was planned."))
        device_id = int_key(form.get("kit"))
        device = session.get(Device, device_id) if device_id is not None else None
        if device is None or not self.reach.reaches(device):
            return self._refuse(gettext("Choose the kit for this visit."))
        day = parse_date((form.get("day") or "").strip())
        if day is None:
            return self._refuse(gettext("Write the day as DD-MM-YYYY (for example 22-09-2016)."))
        start, end = _time(form.get("start")), _time(form.get("end"))
        if start is None or end is None:
            return self._refuse(gettext("Write the times as HH:MM (for example 08:30)."))
        if day < on:
            return self._refuse(gettext("%(date)s has passed: plan a visit for today or a later day.",
                                        date=fmt_day(day)))

        from ..locks import hold_rows
        from ..services import apply_visit_results
        from .visits import host_address_of

        try:
            hold_rows(session, [(Device, [device.id])])
        except Exception:  # the database gave up waiting for the kit's lock
            session.rollback()
            return self._refuse(gettext("The kit is being booked by someone else: try again."))
        invited = invitations_ahead(session, wanted, on)  # read before the new visit's rows exist
        visit = Visit(
            day=day, start_time=start, end_time=end,
            kind=(VisitKind.CLUSTER if len(residents) > 1 else VisitKind.HOME).value,
            state=VisitState.PLANNED.value, desa=host.desa, kecamatan_code=host.desa.kecamatan_code,
            host_resident=host, host_address=host_address_of(host), device=device,
        )
        session.add(visit)
        for resident in residents:
            visit.results.append(VisitResult(resident=resident, result=ResultKind.INVITED.value))
        refusals = [translate(message) for message in visits_view.rule_problems(visit, on)]
        if invited:
            refusals.append(gettext(
                "Already invited to another planned visit: %(names)s (on %(dates)s). Nothing was planned.",
                names=", ".join(r.name for r in residents if r.id in invited),
                dates=", ".join(fmt_day(d) for d in sorted(set(invited.values())))))
        if refusals:
            session.rollback()
            for refusal in refusals:
                flash(refusal, "error")
            return redirect(self._back(), 303)
        user = self.user
        apply_visit_results(session, visit, user.username if user else None, on)
        session.commit()
        flash(gettext("Visit planned on %(date)s, %(start)s-%(end)s, at %(host)s's house with kit %(serial)s: "
                      "%(count)s residents invited.", date=fmt_day(day), start=fmt_time(start), end=fmt_time(end),
                      host=host.name, serial=device.serial_number, count=len(residents)), "success")
        return redirect(self._back(), 303)

    def _back(self) -> str:
        region: dict[str, Any] = {k: (request.form.get(k) or "").strip() for k in ("kecamatan", "desa")}
        return url_for(".index", **{k: v for k, v in region.items() if v})

    def _refuse(self, message: str) -> Any:
        flash(message, "error")
        return redirect(self._back(), 303)


def _time(value: Any) -> dt.time | None:
    match = _TIME.match((value or "").strip())
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None
