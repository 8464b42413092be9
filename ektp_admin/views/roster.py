"""The Dinas teams' rotation roster: proposed, adjusted by a supervisor, saved as planned village posts.

``/admin/team-roster/?first=&last=&team=&propose=1``: the days (typed dd-mm-yyyy)
and the Dinas teams; "Propose" shows the roster of
:func:`ektp_admin.domain.roster.propose_roster` (the desa backlog from the per-desa
counters, the kecamatan kits that may go out, their and the teams' bookings) as an
editable table: each row (day, team, desa, kit, hours) may be changed or dropped.

``POST /admin/team-roster/save``: every row kept becomes a planned village post
(the team, the kit, the desa and its kecamatan, the hours, the campaign running that
day). Nothing on the form is trusted: each team, desa and kit is read again through
the reach, the kit must belong to the desa's kecamatan, and the visit form's own rules
run (:meth:`ektp_admin.views.visits.VisitView.rule_problems`: hours, the day, the kit's
condition and bookings, the standby rule, the team's bookings) after the kits and
teams are locked (:func:`ektp_admin.locks.hold_rows`), with the rows' clashes among
themselves (:func:`ektp_admin.domain.roster.roster_clashes`). All rows are saved in
one transaction, or none: each refused row is named with the rule's sentence.

``/admin/team-roster/schedule?first=&last=``: the Dinas teams' visits per team and
per kit, day by day (printable), and as CSV/XLSX (``export.<type>?by=team|kit``).

Supervisors and admins only: a clerk's kecamatan is not theirs to send the Dinas
teams to.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf.csrf import generate_csrf

from .. import queries
from ..access import CREATE, EXPORT, READ, STAFF, requires
from ..domain.enums import DeviceCondition, DeviceOwnerKind, DeviceRole, TeamKind, VisitKind, VisitState
from ..domain.messages import N_
from ..domain.roster import RosterKit, RosterRow, RosterTeam, propose_roster, recording_days, roster_clashes
from ..formatting import fmt_day, fmt_time, parse_time
from ..i18n import gettext, label, translate
from ..models import Desa, Device, DeviceRelease, Kecamatan, Team, Visit
from ..queries.roster import (
    campaign_on,
    desa_backlog,
    dinas_teams,
    kit_bookings_between,
    roster_kits,
    roster_visit_count,
    roster_visits,
    team_bookings_between,
)
from .dates import calendar_settings, read_day
from .forms import require_csrf
from .reports import EktpReportView
from .request_values import int_key

#: The longest roster proposed at once, in days.
MAX_ROSTER_DAYS = 31
#: The most rows one save takes.
MAX_ROWS = 400
#: The visit screen whose rules a roster's rows pass (``views/__init__.py``).
VISITS_ENDPOINT = "ektp_visits"


@dataclass
class RowInput:
    """One row of the editable roster, as proposed or as posted (text, re-read on save)."""

    index: int
    day: str
    team: str
    desa: str
    kit: str
    start: str
    end: str
    dropped: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def kecamatan_code(self) -> str:
        return self.desa[:8]


@dataclass
class _Checked:
    row: RowInput
    plan: RosterRow
    desa: Desa
    device: Device
    team: Team


class TeamRosterView(EktpReportView):
    """The Dinas teams' roster (supervisors and admins)."""

    grants = {READ: STAFF, CREATE: STAFF, EXPORT: STAFF}
    shows = (Team, Device, DeviceRelease, Desa, Kecamatan, Visit)

    # ------------------------------------------------------------------ the range
    def _range(self, values: Any, *, past_allowed: bool = False) -> tuple[dt.date, dt.date, list[str]]:
        """The first and last day asked for (tomorrow and a week by default), and what is wrong
        with them (a day passed too, unless ``past_allowed``: the schedule may look back)."""
        on = queries.reference_date()
        errors: list[str] = []
        first = on + dt.timedelta(days=1)
        last = first + dt.timedelta(days=6)
        for name in ("first", "last"):
            raw = (values.get(name) or "").strip()
            if not raw:
                continue
            try:
                day = read_day(raw)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            if day is not None:
                first, last = (day, last) if name == "first" else (first, day)
        if not errors:
            if last < first:
                errors.append(gettext("The last day (%(last)s) comes before the first (%(first)s).",
                                      first=fmt_day(first), last=fmt_day(last)))
            elif (last - first).days + 1 > MAX_ROSTER_DAYS:
                errors.append(gettext("A roster covers at most %(num)s days at once.", num=MAX_ROSTER_DAYS))
            elif first < on and not past_allowed:
                errors.append(gettext("%(date)s has passed: a roster starts today or later.", date=fmt_day(first)))
        return first, last, errors

    # ------------------------------------------------------------------ proposing
    @expose("/")
    def index(self) -> Any:
        args = request.args
        first, last, errors = self._range(args)
        teams = dinas_teams(self.session, self.reach)
        proposing = "propose" in args
        wanted = set(args.getlist("team"))
        chosen = [t for t in teams if str(t.key) in wanted] if proposing else teams
        rows: list[RowInput] = []
        if proposing and not chosen:
            errors.append(gettext("Choose at least one Dinas team."))
        if proposing and not errors:
            rows = self._proposal(first, last, chosen)
            if not rows:
                errors.append(gettext("Nothing to propose: no kecamatan with outstanding residents has a kit that "
                                      "may go out on these days, or the teams are booked."))
        return self._render(first, last, chosen, rows, errors, proposed=proposing and not errors)

    def _proposal(self, first: dt.date, last: dt.date, teams: list[RosterTeam]) -> list[RowInput]:
        from .visits import recording_hours

        session, reach = self.session, self.reach
        hours = recording_hours()
        kits = roster_kits(session, reach, first, last)
        plan = propose_roster(
            recording_days(first, last, hours), teams, desa_backlog(session, reach, queries.reference_date()), kits,
            kit_bookings=kit_bookings_between(session, [k.key for k in kits], first, last),
            team_bookings=team_bookings_between(session, [t.key for t in teams], first, last), hours=hours,
        )
        return [RowInput(i, fmt_day(r.day), str(r.team.key), r.desa_code, str(r.kit.key), fmt_time(r.start),
                         fmt_time(r.end)) for i, r in enumerate(plan)]

    def _render(self, first: dt.date, last: dt.date, chosen: list[RosterTeam], rows: list[RowInput],
                errors: list[str], *, proposed: bool) -> Any:
        session, reach = self.session, self.reach
        on = queries.reference_date()
        kecamatan_names = dict(reach.kecamatan_options(session))
        kits = roster_kits(session, reach, first, last) if rows else []
        desa_options: dict[str, list[tuple[str, str]]] = {}
        kit_options: dict[str, list[tuple[str, str]]] = {}
        for kit in kits:
            if kit.condition == DeviceCondition.WORKING:
                kit_options.setdefault(kit.kecamatan_code, []).append(
                    (str(kit.key), f"{kit.serial} ({label(kit.role, DeviceRole)})"))
        for row in rows:
            code = row.kecamatan_code
            if code not in desa_options:
                desa_options[code] = reach.desa_options(session, code) if code in kecamatan_names else []
        backlog: dict[str, int] = {}
        if proposed:
            for desa in desa_backlog(session, reach, on):
                backlog[desa.kecamatan_code] = backlog.get(desa.kecamatan_code, 0) + desa.outstanding
        days_given: dict[str, int] = {}
        for row in rows:
            days_given[row.kecamatan_code] = days_given.get(row.kecamatan_code, 0) + 1
        summary = sorted(((code, kecamatan_names.get(code, code), n, days_given.get(code, 0))
                          for code, n in backlog.items() if n > 0), key=lambda r: (-r[2], r[1]))
        return self.render(
            "ektp_admin/roster/index.html",
            first=first, last=last, errors=errors, rows=rows, proposed=proposed,
            teams=dinas_teams(session, reach), chosen={t.key for t in chosen},
            kecamatan_names=kecamatan_names, desa_options=desa_options, kit_options=kit_options,
            summary=summary, token=generate_csrf() if rows and self.allowed(CREATE) else "",
            may_save=self.allowed(CREATE), calendar=calendar_settings(), on=on,
        )

    # ------------------------------------------------------------------ saving
    @expose("/save", methods=("POST",))
    @requires(CREATE)
    def save(self) -> Any:
        """Every kept row becomes a planned village post, all in one transaction or none."""
        require_csrf()
        form = request.form
        session = self.session
        first, last, _ = self._range(form)
        chosen = [t for t in dinas_teams(session, self.reach) if str(t.key) in set(form.getlist("team"))]
        indices = [i for i in (int_key(v) for v in form.getlist("row")[:MAX_ROWS]) if i is not None]
        rows = [self._posted_row(form, i) for i in dict.fromkeys(indices)]
        kept = [row for row in rows if not row.dropped]
        if not kept:
            return self._render(first, last, chosen, rows, [gettext("Nothing was saved: every row was dropped.")],
                                proposed=True)
        visits_view = next((v for v in self.admin._views if v.endpoint == VISITS_ENDPOINT), None)
        if visits_view is None:
            return self._render(first, last, chosen, rows, [gettext(
                "Visits cannot be saved here: the visit log is not part of this portal.")], proposed=True)
        on = queries.reference_date()
        checked = [c for c in (self._check(row, on) for row in kept) if c is not None]
        if any(row.errors for row in kept):
            return self._refused(first, last, chosen, rows, kept)

        from ..locks import hold_rows

        try:
            hold_rows(session, [(Device, [c.device.id for c in checked]), (Team, [c.team.id for c in checked])])
        except Exception:  # the database gave up waiting for a lock
            session.rollback()
            return self._render(first, last, chosen, rows, [gettext(
                "The kits or teams are being booked by someone else: try again.")], proposed=True)
        clashes = roster_clashes([c.plan for c in checked])
        # The rows are checked against the database as it was (their clashes among
        # themselves are roster_clashes'): nothing is flushed until all have passed.
        with session.no_autoflush:
            for i, c in enumerate(checked):
                visit = Visit(
                    day=c.plan.day, start_time=c.plan.start, end_time=c.plan.end,
                    kind=VisitKind.VILLAGE_POST.value, state=VisitState.PLANNED.value, desa=c.desa,
                    kecamatan_code=c.desa.kecamatan_code, team=c.team, device=c.device,
                    campaign=campaign_on(session, c.plan.day, c.desa.code),
                )
                session.add(visit)
                problems = clashes.get(i, []) + visits_view.rule_problems(visit, on)
                c.row.errors += [translate(m) for m in problems]
        if any(row.errors for row in kept):
            session.rollback()
            return self._refused(first, last, chosen, rows, kept)
        session.commit()
        flash(gettext("Roster saved: %(count)s village posts planned.", count=len(checked)), "success")
        return redirect(url_for(".schedule", first=fmt_day(first), last=fmt_day(last)), 303)

    def _posted_row(self, form: Any, i: int) -> RowInput:
        def value(name: str) -> str:
            return (form.get(f"{name}-{i}") or "").strip()[:40]

        return RowInput(i, value("day"), value("team"), value("desa"), value("kit"), value("start"), value("end"),
                        dropped=bool(form.get(f"drop-{i}")))

    def _check(self, row: RowInput, on: dt.date) -> _Checked | None:
        """Read the row's team, desa and kit again through the reach, and its day and hours;
        the problems go to ``row.errors``."""
        session, reach = self.session, self.reach
        try:
            day = read_day(row.day)
        except ValueError as exc:
            row.errors.append(str(exc))
            day = None
        if day is None and not row.errors:
            row.errors.append(gettext("Write the date as dd-mm-yyyy, for example 21-09-2016."))
        if day is not None and day < on:
            row.errors.append(gettext("%(date)s has passed: plan a visit for today or a later day.",
                                      date=fmt_day(day)))
        start = end = None
        try:
            start, end = parse_time(row.start), parse_time(row.end)
        except ValueError:
            pass
        if start is None or end is None:
            row.errors.append(gettext("Write the times as HH:MM (for example 08:30)."))
        team_id = int_key(row.team)
        team = session.get(Team, team_id) if team_id is not None else None
        if team is None or team.kind != TeamKind.DINAS.value or not reach.reaches(team):
            row.errors.append(gettext("Choose one of the Dinas teams."))
        desa = session.get(Desa, row.desa) if row.desa else None
        if desa is None or not reach.reaches(desa):
            row.errors.append(gettext("Choose the desa of this village post."))
            desa = None
        kit_id = int_key(row.kit)
        device = session.get(Device, kit_id) if kit_id is not None else None
        if device is None or not reach.reaches(device):
            row.errors.append(gettext("Choose the kit for this visit."))
            device = None
        elif desa is not None and (device.owner_kind != DeviceOwnerKind.KECAMATAN.value
                                   or device.owner_kecamatan_code != desa.kecamatan_code):
            row.errors.append(gettext("Kit %(serial)s is not a kit of kecamatan %(kecamatan)s.",
                                      serial=device.serial_number, kecamatan=desa.kecamatan.name))
        if row.errors or day is None or start is None or end is None or team is None or desa is None \
                or device is None:
            return None
        plan = RosterRow(day, RosterTeam(team.id, team.name), desa.kecamatan_code, desa.code,
                         RosterKit(device.id, device.serial_number, desa.kecamatan_code, DeviceRole(device.role),
                                   DeviceCondition(device.condition)), start, end)
        return _Checked(row, plan, desa, device, team)

    def _refused(self, first: dt.date, last: dt.date, chosen: list[RosterTeam], rows: list[RowInput],
                 kept: list[RowInput]) -> Any:
        teams = {str(t.key): t.name for t in dinas_teams(self.session, self.reach)}
        errors = [gettext("Nothing was saved: correct or drop the rows below and save again.")]
        for number, row in enumerate(rows, start=1):
            for error in row.errors:
                errors.append(gettext("Row %(row)s (%(day)s, %(team)s): %(problem)s", row=number, day=row.day,
                                      team=teams.get(row.team, "-"), problem=error))
        return self._render(first, last, chosen, rows, errors, proposed=True)

    # ------------------------------------------------------------------ output
    @expose("/schedule")
    def schedule(self) -> Any:
        """The Dinas teams' visits per team and per kit, day by day."""
        first, last, errors = self._range(request.args, past_allowed=True)
        session, reach = self.session, self.reach
        by_team = roster_visits(session, reach, first, last, by="team") if not errors else []
        by_kit = roster_visits(session, reach, first, last, by="kit") if not errors else []
        return self.render(
            "ektp_admin/roster/schedule.html", first=first, last=last, errors=errors, by_team=by_team,
            by_kit=by_kit, total=roster_visit_count(session, reach, first, last) if not errors else 0,
            kind_label=lambda code: label(code, VisitKind), state_label=lambda code: label(code, VisitState),
            visit_url=self._visit_url, calendar=calendar_settings(),
        )

    @expose("/export.<export_type>")
    @requires(EXPORT)
    def export(self, export_type: str) -> Any:
        first, last, errors = self._range(request.args, past_allowed=True)
        by = "kit" if request.args.get("by") == "kit" else "team"
        visits = roster_visits(self.session, self.reach, first, last, by=by) if not errors else []
        header = [N_("Day"), N_("Start"), N_("End"), N_("Team"), N_("Kit"), N_("Kecamatan"), N_("Desa/Kelurahan"),
                  N_("Kind"), N_("State")]
        rows = ([v.day, fmt_time(v.start_time), fmt_time(v.end_time), v.team_name, v.serial_number or "",
                 v.kecamatan_name, v.desa_name or "", label(v.kind, VisitKind), label(v.state, VisitState)]
                for v in visits)
        return self.download(export_type, f"roster_{'tim' if by == 'team' else 'kit'}_{first:%Y%m%d}", header, rows,
                             {"first": fmt_day(first), "last": fmt_day(last), "by": by})

    def _visit_url(self, visit_id: int) -> str | None:
        view = next((v for v in self.admin._views if v.endpoint == VISITS_ENDPOINT), None)
        if view is None or not view.is_accessible():
            return None
        return url_for(f"{VISITS_ENDPOINT}.details_view", id=visit_id)
