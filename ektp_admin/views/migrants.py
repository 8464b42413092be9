"""Migrants: outstanding residents away (working elsewhere), per desa, with where
and until when, and a calendar of their expected returns to plan a visit for them.

``/admin/migrants/?kecamatan=&desa=&month=2017-06``: the count per desa, the
returns per month (each a link to its residents), then the residents (paged);
``export.csv`` / ``export.xlsx`` with the same filters. A clerk gets their own
kecamatan only. The residents are those counted "away" by the outstanding
summaries (:mod:`ektp_admin.queries.migrants`).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator

from flask import abort, request
from flask_admin import expose

from .. import queries
from ..access import EXPORT, requires
from ..domain.messages import N_
from ..formatting import fmt_month
from ..i18n import gettext
from ..models import Desa, Kecamatan, Resident
from ..queries.migrants import away_by_desa, away_count, away_page, away_residents, expected_returns
from .reports import REPORT_GRANTS, EktpReportView

HEADER = [N_("Kecamatan"), N_("Desa/Kelurahan"), "RW", "RT", N_("Name"), "NIK", N_("Address"), N_("Phone"),
          N_("Away at"), N_("Away until")]
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MigrantView(EktpReportView):
    """Residents away per desa and their expected returns (all roles, within reach)."""

    grants = REPORT_GRANTS
    shows = (Resident, Desa, Kecamatan)

    def _chosen(self) -> tuple[Kecamatan | None, Desa | None, dt.date | None]:
        kecamatan = self.kecamatan_from_args()
        code = (request.args.get("desa") or "").strip()
        desa = self.get_desa(code) if code else None
        if desa is not None and kecamatan is not None and desa.kecamatan_code != kecamatan.code:
            desa = None  # a desa of another kecamatan than the one chosen: the kecamatan wins
        text = (request.args.get("month") or "").strip()
        month = None
        if text:
            found = MONTH.match(text)
            try:
                month = dt.date(int(found.group(1)), int(found.group(2)), 1) if found else None
            except ValueError:
                month = None
            if month is None:
                abort(400, description=gettext("Give the month as yyyy-mm, for example 2017-06."))
        return kecamatan, desa, month

    @staticmethod
    def _region(kecamatan: Kecamatan | None, desa: Desa | None) -> str | None:
        return desa.code if desa is not None else kecamatan.code if kecamatan is not None else None

    @expose("/")
    def index(self) -> Any:
        kecamatan, desa, month = self._chosen()
        region = self._region(kecamatan, desa)
        on = queries.reference_date()
        session = self.session
        reach = self.reach.clause(Resident)
        page = self.page(away_count(session, on, reach, region, month))
        return self.render(
            "ektp_admin/migrants/index.html",
            kecamatan=kecamatan,
            desa=desa,
            month=month,
            kecamatan_options=self.kecamatan_options(),
            by_desa=away_by_desa(session, on, reach, kecamatan.code if kecamatan else None),
            returns=expected_returns(session, on, reach, region),
            residents=away_page(session, on, reach, region, month, size=page.size, offset=page.offset),
            page=page,
            on=on,
            fmt_month=fmt_month,
            filters={"kecamatan": kecamatan.code if kecamatan else "", "desa": desa.code if desa else ""},
        )

    @expose("/export.<export_type>")
    @requires(EXPORT)
    def export(self, export_type: str) -> Any:
        kecamatan, desa, month = self._chosen()
        region = self._region(kecamatan, desa)
        on = queries.reference_date()
        session = self.session
        names = queries.kecamatan_names(session, kecamatan.code if kecamatan else None)
        statement = away_residents(on, self.reach.clause(Resident), region, month)

        def rows() -> Iterator[list[Any]]:
            for r in self.streamed(statement):
                yield [names.get(r.kecamatan_code, r.kecamatan_code), r.desa.name, r.rw, r.rt, r.name, r.nik,
                       r.address, r.phone, r.away_location, r.away_until]

        return self.download(
            export_type, f"merantau-{region or 'semua'}{'-' + month.strftime('%Y-%m') if month else ''}", HEADER,
            rows(), {"kecamatan": kecamatan.code if kecamatan else "all", "desa": desa.code if desa else "",
                     "month": month.strftime("%Y-%m") if month else "", "on": on.isoformat()},
        )
