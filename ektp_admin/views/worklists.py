"""EFAC and DUP worklists per kecamatan: who must be recorded again, whose
duplicate record needs a deletion request.

``/admin/worklists/?kind=efac|dup&kecamatan=``: the counts per kecamatan, then
the residents on the list (paged) and its CSV. A clerk gets their own
kecamatan only (:meth:`EktpReportView.kecamatan_from_args` asks the reach).
"""
from __future__ import annotations

from typing import Any, Iterator

from flask import request
from flask_admin import expose

from .. import queries
from ..access import EXPORT, requires
from ..domain.eligibility import age_on
from ..domain.enums import Sex
from ..domain.messages import N_
from ..i18n import label
from ..models import Kecamatan, Resident
from ..queries.worklists import WORKLISTS, worklist_count, worklist_counts, worklist_residents
from .reports import REPORT_GRANTS, EktpReportView

HEADER = [N_("Kecamatan"), N_("Desa/Kelurahan"), "RW", "RT", N_("Name"), "NIK", N_("Sex"), N_("Age"), N_("Address"),
          N_("Phone"), N_("Status since")]
TITLES = {"efac": N_("EFAC: enrol failure at central, record again"),
          "dup": N_("DUP: duplicate record, needs a deletion request")}


class WorklistView(EktpReportView):
    """EFAC and DUP residents per kecamatan (all roles; a clerk sees their own kecamatan)."""

    grants = REPORT_GRANTS
    shows = (Resident, Kecamatan)

    def _kind(self) -> str:
        kind = (request.args.get("kind") or "efac").strip().lower()
        return kind if kind in WORKLISTS else "efac"

    @expose("/")
    def index(self) -> Any:
        kind = self._kind()
        kecamatan = self.kecamatan_from_args()
        code = kecamatan.code if kecamatan else None
        session = self.session
        reach = self.reach.clause(Resident)
        page = self.page(worklist_count(session, kind, reach, code))
        residents = list(session.execute(
            worklist_residents(kind, reach, code).limit(page.size).offset(page.offset)).scalars())
        on = queries.reference_date()
        return self.render(
            "ektp_admin/worklists/index.html",
            kind=kind,
            kinds=TITLES,
            kecamatan=kecamatan,
            kecamatan_options=self.kecamatan_options(),
            counts=worklist_counts(session, reach, code),
            residents=[(r, age_on(r.birth_date, on)) for r in residents],
            page=page,
            sex_label=lambda code: label(code, Sex),
        )

    @expose("/export.<export_type>")
    @requires(EXPORT)
    def export(self, export_type: str) -> Any:
        kind = self._kind()
        kecamatan = self.kecamatan_from_args()
        code = kecamatan.code if kecamatan else None
        session = self.session
        on = queries.reference_date()
        names = queries.kecamatan_names(session, code)
        statement = worklist_residents(kind, self.reach.clause(Resident), code)

        def rows() -> Iterator[list[Any]]:
            for r in self.streamed(statement):
                yield [names.get(r.kecamatan_code, r.kecamatan_code), r.desa.name, r.rw, r.rt, r.name, r.nik,
                       label(r.sex, Sex), age_on(r.birth_date, on), r.address, r.phone,
                       r.ktp_status_changed_on]

        return self.download(export_type, f"{kind}-{code or 'semua'}", HEADER, rows(),
                             {"kind": kind, "kecamatan": code or "all"})
