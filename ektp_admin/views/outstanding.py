"""Per-village outstanding list: who in each desa still has to be recorded.

URLs (relative to the view, ``/admin/outstanding/`` by default):

- ``/?kecamatan=35.10.01``: every desa of a kecamatan (or all) with wajib KTP,
  recorded, outstanding, percent done and the outstanding broken down, plus a
  totals row; a clerk always gets their own kecamatan;
- ``/export.csv?kecamatan=``: the same summary as CSV;
- ``/<desa code>/``: that desa's outstanding residents, paginated, by RW/RT and name,
  after its home-visit groups (by RW/RT), each with its record action;
- ``/<desa code>/print/``: a printable sheet for the village head or the mosque
  caretaker (no admin navigation, no NIK, no phone numbers);
- ``/<desa code>/export.csv``: the residents as CSV.

Every number comes from :mod:`ektp_admin.queries` (one aggregate query, never a
per-desa loop), so the list, the sheet and the progress page agree.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_admin import expose

from .. import queries
from ..access import EXPORT, requires
from ..domain.eligibility import age_on
from ..domain.enums import KtpStatus, Sex, VisitKind
from ..domain.messages import N_
from ..formatting import fmt_day, fmt_long_date, fmt_num, fmt_time
from ..i18n import label, ngettext
from ..models import Desa, Kecamatan, Resident, Visit
from ..queries.home_visits import desa_outstanding_keys, home_visit_rows
from ..queries.paging import rows_in_order
from .home_visits import record_actions
from .reasons import outstanding_reason
from .reports import REPORT_GRANTS, EktpReportView, resident_list_links, resident_list_url

#: Columns of the per-desa summary CSV (English msgids, translated when written).
SUMMARY_HEADER = [
    N_("Kecamatan code"), N_("Kecamatan"), N_("Desa code"), N_("Desa/Kelurahan"), N_("Wajib KTP"),
    N_("Recorded"), N_("Outstanding"), N_("Done (%)"), N_("Lansia (60+)"), N_("Disabled or seriously ill"),
    N_("Away (migrant worker)"), N_("Newly 17"), N_("Newly 17 since"),
]
#: The desa page proposes home visits for at most this many residents (in list order).
HOME_GROUPS_LIMIT = 500
#: Columns of one desa's residents CSV.
RESIDENTS_HEADER = [
    "NIK", N_("Name"), N_("Sex"), N_("Age"), "RW", "RT", N_("Address"), N_("Phone"), N_("KTP-el status"),
    N_("Reason"), N_("Desa/Kelurahan"), N_("Kecamatan"),
]


class OutstandingView(EktpReportView):
    """Per-village outstanding list, its printable sheet per desa, and CSV."""

    grants = REPORT_GRANTS
    shows = (Resident, Desa, Kecamatan, Visit)

    # ------------------------------------------------------------------ summary
    @expose("/")
    def index(self) -> Any:
        kecamatan = self.kecamatan_from_args()
        code = kecamatan.code if kecamatan else None
        on = queries.reference_date()
        session = self.session
        # One aggregate for the page and its totals row: at most a few hundred desa.
        all_rows = queries.outstanding_by_desa(session, code, on)
        page = self.page(len(all_rows))
        rows = all_rows[page.offset : page.offset + page.size]
        totals = queries.sum_counts(all_rows)
        sinces = {row.newly_17_since for row in rows}
        return self.render(
            "ektp_admin/outstanding/index.html",
            kecamatan=kecamatan,
            kecamatan_options=self.kecamatan_options(),
            rows=rows,
            totals=totals,
            page=page,
            on=on,
            newly_17_since=sinces.pop() if len(sinces) == 1 else None,
            resident_list_url=resident_list_links(self.admin),
        )

    @expose("/export.<export_type>")
    @requires(EXPORT)
    def export_summary(self, export_type: str) -> Any:
        kecamatan = self.kecamatan_from_args()
        code = kecamatan.code if kecamatan else None
        on = queries.reference_date()
        rows = queries.outstanding_by_desa(self.session, code, on)
        return self.download(
            export_type,
            f"belum-rekam-{code or 'semua'}",
            SUMMARY_HEADER,
            (
                [
                    r.kecamatan_code, r.kecamatan_name, r.desa_code, r.desa_name, r.wajib, r.recorded,
                    r.outstanding, None if r.percent_done is None else round(r.percent_done, 1), r.lansia,
                    r.disabled_or_ill, r.away, r.newly_17, r.newly_17_since,
                ]
                for r in rows
            ),
            {"kecamatan": code or "all", "on": on.isoformat()},
        )

    # ------------------------------------------------------------------ one desa
    @expose("/<desa_code>/")
    def desa(self, desa_code: str) -> Any:
        desa = self.get_desa(desa_code)
        on = queries.reference_date()
        session = self.session
        starts = queries.campaign_starts(session, on, desa.code)
        counts = queries.outstanding_totals(session, desa.code, on, starts=starts)
        page = self.page(counts.outstanding)
        since = queries.since_for_region(desa.code, starts, on)
        # The desa's list in order, each resident marked "at home" or not: the page's
        # residents and (on the first page) its home-visit groups from one read.
        keys = desa_outstanding_keys(session, desa.code, on)
        residents = [
            (resident, outstanding_reason(resident, on, since))
            for resident in rows_in_order(session, sa.select(Resident), Resident.id,
                                          [key for key, _ in keys[page.offset : page.offset + page.size]],
                                          scalars=True)
        ]
        at_home = [key for key, home in keys if home][:HOME_GROUPS_LIMIT] if page.number == 1 else []
        return self.render(
            "ektp_admin/outstanding/desa.html",
            desa=desa,
            home_groups=self._home_groups(home_visit_rows(session, at_home)),
            home_visits_url=self.admin_url("ektp_home_visits.index", kecamatan=desa.kecamatan_code, desa=desa.code),
            migrants_url=self.admin_url("ektp_migrants.index", kecamatan=desa.kecamatan_code, desa=desa.code),
            counts=counts,
            residents=residents,
            page=page,
            on=on,
            since=since,
            status_label=lambda code: label(code, KtpStatus),
            resident_list_url=resident_list_url(self.admin, desa.code),
        )

    def _home_groups(self, rows: list[Any]) -> list[dict[str, Any]]:
        """The desa's residents to record at home (:func:`home_visit_rows`, in list order)
        by RW/RT, each part of a group with its record action, its residents host first."""
        by_id = {r.id: r for r in rows}
        here = request.full_path
        groups = []
        for (rw, rt), grouped in itertools.groupby(
            rows, key=lambda r: (queries.cluster_part(r.rw), queries.cluster_part(r.rt))
        ):
            members = list(grouped)
            actions = record_actions(self.admin, members, here)
            parts = [[by_id[i] for i in a["residents"]] for a in actions] or [members]
            for number, part in enumerate(parts):
                groups.append({"rw": rw, "rt": rt, "residents": part,
                               "url": actions[number]["url"] if actions else None})
        return groups

    def admin_url(self, endpoint: str, **values: Any) -> str | None:
        """A link to another screen of this Admin, or None when the host left it out or
        the user may not open it."""
        view = next((v for v in getattr(self.admin, "_views", []) if v.endpoint == endpoint.split(".")[0]), None)
        if view is None or not view.is_accessible():
            return None
        return url_for(endpoint, **values)

    @expose("/<desa_code>/print/")
    def print_desa(self, desa_code: str) -> Any:
        desa = self.get_desa(desa_code)
        on = queries.reference_date()
        session = self.session
        visits = queries.next_visits(session, desa.code, on)
        starts = queries.campaign_starts(session, on, desa.code)
        context = dict(
            desa=desa,
            kecamatan=desa.kecamatan,
            counts=queries.outstanding_totals(session, desa.code, on, starts=starts),
            visits=visits,
            # the one to read out at the mosque or the meeting (what outreach announces)
            next_visit=visits[0] if visits else None,
            on=on,
            fmt_day=fmt_day,
            fmt_long_date=fmt_long_date,
            fmt_time=fmt_time,
            fmt_num=fmt_num,
            visit_kind=lambda code: label(code, VisitKind),
            ngettext=ngettext,
            back_url=self.get_url(".desa", desa_code=desa.code),
        )
        since = queries.since_for_region(desa.code, starts, on)
        # Everything else is loaded first: while the residents stream, no other
        # query may run on the connection (MariaDB cannot).
        statement = queries.outstanding_residents(session, desa.code, on)
        desa_code, kecamatan_code = desa.code, desa.kecamatan_code
        shown = itertools.count()
        result = self.streamed(statement, 500)
        try:
            residents = (r for r, _ in zip(result, shown))
            # A standalone page: no admin layout, so nothing but the sheet is printed.
            page = render_template("ektp_admin/outstanding/print.html", groups=_groups_by_rt(residents, on, since),
                                   **context)
        finally:
            result.close()
        # The sheet names the village's outstanding residents: a bulk read of
        # personal data, recorded (with how many it showed) before it leaves.
        from ..audit import record_read

        record_read(session, request.endpoint or "ektp_outstanding.print_desa",
                    {"desa": desa_code, "on": on.isoformat()}, next(shown), action="print",
                    record_id=desa_code, kecamatan_code=kecamatan_code)
        return page

    @expose("/<desa_code>/export.<export_type>")
    @requires(EXPORT)
    def export_desa(self, desa_code: str, export_type: str) -> Any:
        desa = self.get_desa(desa_code)
        on = queries.reference_date()
        session = self.session
        since = queries.newly_17_since(session, desa.code, on)
        statement = queries.outstanding_residents(session, desa.code, on)
        # Plain strings: the export's audit entry commits (expiring ORM objects)
        # and no query may run while the rows stream.
        desa_name, kecamatan_name = desa.name, desa.kecamatan.name

        def rows() -> Iterator[list[Any]]:
            for r in self.streamed(statement):
                yield [
                    r.nik, r.name, label(r.sex, Sex), age_on(r.birth_date, on), r.rw, r.rt, r.address,
                    r.phone, label(r.ktp_status, KtpStatus), outstanding_reason(r, on, since),
                    desa_name, kecamatan_name,
                ]

        return self.download(
            export_type,
            f"belum-rekam-{desa.code}",
            RESIDENTS_HEADER,
            rows(),
            {"desa": desa.code, "on": on.isoformat()},
        )


def _groups_by_rt(residents: Any, on: Any, since: Any) -> Iterator[dict[str, Any]]:
    """Consecutive residents of the same RW/RT as one group (the query sorts by them)."""

    def key(r: Resident) -> tuple[str, str]:
        return (queries.cluster_part(r.rw), queries.cluster_part(r.rt))

    number = itertools.count(1)
    for (rw, rt), members in itertools.groupby(residents, key=key):
        yield {
            "rw": rw,
            "rt": rt,
            "rows": [(next(number), r, outstanding_reason(r, on, since, public=True)) for r in members],
        }

