"""Whom to record at home: outstanding lansia, disabled and seriously ill residents.

``/admin/home-visits/?kecamatan=&desa=``: grouped by desa and RW/RT so that
neighbours can be recorded together at the nearest house (a "cluster" visit);
``/admin/home-visits/export.csv`` with the same filters. Residents away (migrant
workers) are left out until their ``away until`` date has passed.

Each group offers one record action ("Catat kunjungan"): the visit form opened with
the group's residents (ids only, re-checked there against the reach), the least
mobile first as the host (:mod:`ektp_admin.domain.home_visits`); a group bigger
than one kit records in a morning is offered in parts. The desa page of the
outstanding list offers the same actions (:func:`record_actions`).
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from flask import g, request, url_for
from flask_admin import expose

from .. import queries
from ..access import CREATE, EXPORT, requires
from ..domain.eligibility import age_on
from ..domain.enums import Sex
from ..domain.home_visits import Candidate, split_group
from ..domain.messages import N_
from ..i18n import label
from ..models import Desa, Kecamatan, Resident
from .reasons import outstanding_reason
from .reports import REPORT_GRANTS, EktpReportView

HEADER = [
    N_("Kecamatan"), N_("Desa/Kelurahan"), "RW", "RT", N_("Name"), "NIK", N_("Sex"), N_("Age"), N_("Address"),
    N_("Phone"), N_("Reason"),
]


#: The visit screen the record action opens (``views/__init__.py``).
VISITS_ENDPOINT = "ektp_visits"


def record_visit_url(admin: Any, resident_ids: Sequence[int], return_url: str) -> str | None:
    """The visit form opened with these residents (the first hosts), or None when the
    host has no visit screen or the user may not create visits."""
    if not resident_ids or not _may_record(admin):
        return None
    return url_for(f"{VISITS_ENDPOINT}.create_view", resident=list(resident_ids), url=return_url)


def _may_record(admin: Any) -> bool:
    """Whether the host has the visit screen and the user may create visits (once a request)."""
    known = g.get("ektp_may_record")
    if known is None:
        view = next((v for v in getattr(admin, "_views", []) if v.endpoint == VISITS_ENDPOINT), None)
        known = g.ektp_may_record = view is not None and bool(view.allowed(CREATE))
    return known


def record_actions(admin: Any, members: Iterable[Resident], return_url: str) -> list[dict[str, Any]]:
    """One record action per part of a group (one part unless the group is bigger than
    a kit records in a morning): ``{"url", "host", "residents", "first", "last"}``,
    the host first. Empty when the user may not create visits."""
    group = [Candidate(r.id, r.birth_date, bool(r.seriously_ill), bool(r.disabled)) for r in members]
    actions = []
    position = 0
    for part in split_group(group):
        url = record_visit_url(admin, [c.key for c in part], return_url)
        if url is None:
            return []
        actions.append({"url": url, "host": part[0].key, "residents": [c.key for c in part],
                        "first": position + 1, "last": position + len(part)})
        position += len(part)
    return actions


class HomeVisitView(EktpReportView):
    """Residents who need a home visit, clustered by desa and RW/RT."""

    grants = REPORT_GRANTS
    shows = (Resident, Desa, Kecamatan)

    def _region(self) -> tuple[Kecamatan | None, Desa | None, str | None]:
        kecamatan = self.kecamatan_from_args()
        desa_code = (request.args.get("desa") or "").strip()
        desa = self.get_desa(desa_code) if desa_code else None
        if desa is not None and kecamatan is not None and desa.kecamatan_code != kecamatan.code:
            kecamatan = desa.kecamatan
        if desa is not None:
            return kecamatan or desa.kecamatan, desa, desa.code
        return kecamatan, None, kecamatan.code if kecamatan else None

    @expose("/")
    def index(self) -> Any:
        kecamatan, desa, region = self._region()
        on = queries.reference_date()
        session = self.session
        per_desa = queries.home_visits_per_desa(session, region, on)
        page = self.page(sum(per_desa.values()))
        residents = queries.home_visit_page(session, region, on, per_desa, page.offset, page.size)
        desa_codes = sorted({r.desa_code for r in residents})
        sizes = queries.home_visit_cluster_sizes(session, desa_codes, on)
        starts = queries.campaign_starts(session, on, region)
        groups: list[dict[str, Any]] = []
        for r in residents:
            key = (r.desa_code, queries.cluster_part(r.rw), queries.cluster_part(r.rt))
            if not groups or groups[-1]["key"] != key:
                groups.append({"key": key, "desa": r.desa, "rw": key[1], "rt": key[2], "size": sizes.get(key, 0), "rows": []})
            since = queries.since_for_region(r.desa_code, starts, on)
            groups[-1]["rows"].append((r, age_on(r.birth_date, on), outstanding_reason(r, on, since)))
        here = request.full_path
        for group in groups:
            group["actions"] = record_actions(self.admin, (row[0] for row in group["rows"]), here)
            group["hosts"] = {action["host"] for action in group["actions"]}
        return self.render(
            "ektp_admin/home_visits/index.html",
            kecamatan=kecamatan,
            desa=desa,
            kecamatan_options=self.kecamatan_options(),
            desa_options=self._desa_options(kecamatan),
            groups=groups,
            page=page,
            on=on,
        )

    def _desa_options(self, kecamatan: Kecamatan | None) -> list[tuple[str, str]]:
        if kecamatan is None:
            return []
        return self.reach.desa_options(self.session, kecamatan.code)

    @expose("/export.<export_type>")
    @requires(EXPORT)
    def export(self, export_type: str) -> Any:
        kecamatan, desa, region = self._region()
        on = queries.reference_date()
        session = self.session
        starts = queries.campaign_starts(session, on, region)
        statement = queries.home_visit_residents(session, region, on)
        # Names looked up before streaming: no query may run while the rows stream
        # (MariaDB cannot, on the same connection).
        kecamatan_names = queries.kecamatan_names(session, region[:8] if region else None)

        def rows() -> Iterator[list[Any]]:
            for r in self.streamed(statement):
                since = queries.since_for_region(r.desa_code, starts, on)
                yield [
                    kecamatan_names.get(r.kecamatan_code, r.kecamatan_code), r.desa.name, r.rw, r.rt, r.name, r.nik, label(r.sex, Sex),
                    age_on(r.birth_date, on), r.address, r.phone, outstanding_reason(r, on, since),
                ]

        return self.download(
            export_type,
            f"kunjungan-rumah-{region or 'semua'}",
            HEADER,
            rows(),
            {"kecamatan": kecamatan.code if kecamatan else "all", "desa": desa.code if desa else None,
             "on": on.isoformat()},
        )
