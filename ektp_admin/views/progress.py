"""Progress against a campaign's target: how much of the backlog is recorded, and the pace.

``/admin/progress/?campaign=<id>&kecamatan=<code>``: by default the campaign
running today (``queries.reference_date()`` within its start..target), else the
latest. Recorded within the campaign window, remaining (the outstanding count of
the per-village list, from the same query), the baseline (recorded + remaining,
with the figure entered for the campaign beside it), days left, the pace needed
against the pace so far, recordings per day (an SVG chart drawn here, and a
table), the forecast (pace over the last finished days, projected finish against
the target: :mod:`ektp_admin.domain.forecast`) and the per-kecamatan breakdown,
with each kecamatan's forecast, furthest behind first.
"""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_admin import expose

from .. import queries
from ..i18n import gettext
from ..models import Campaign, Kecamatan, Resident
from ..queries.forecast import campaign_outlook, forecast_by_kecamatan
from .charts import bar_chart
from .reports import REPORT_GRANTS, EktpReportView
from .request_values import coerce_pk

#: How many campaigns the selector offers (latest first).
CAMPAIGN_CHOICES = 200


class ProgressView(EktpReportView):
    """Campaign progress (all roles; a clerk sees their own kecamatan's share)."""

    grants = REPORT_GRANTS
    shows = (Campaign, Resident, Kecamatan)

    @expose("/")
    def index(self) -> Any:
        kecamatan = self.kecamatan_from_args()
        code = kecamatan.code if kecamatan else None
        session = self.session
        campaign = self._campaign(code)
        on = queries.reference_date()
        outlook = chart = None
        breakdown: list[Any] = []
        forecasts: list[Any] = []
        if campaign is not None:
            outlook = campaign_outlook(session, campaign, code, on)
            if outlook is None:  # the campaign does not touch this kecamatan
                name = kecamatan.name if kecamatan is not None else code
                abort(404, description=gettext("This campaign does not cover kecamatan %(name)s.", name=name))
            breakdown = list(outlook.progress.kecamatan)  # the rows the figures above are the sums of
            forecasts = forecast_by_kecamatan(session, campaign, breakdown, code, on)
            chart = bar_chart(outlook.per_day, on, outlook.forecast.pace, outlook.progress.needed_per_day)
        return self.render(
            "ektp_admin/progress/index.html",
            campaign=campaign,
            campaigns=self._campaign_choices(code),
            kecamatan=kecamatan,
            kecamatan_options=self.kecamatan_options(),
            progress=outlook.progress if outlook else None,
            forecast=outlook.forecast if outlook else None,
            per_day=outlook.per_day if outlook else [],
            chart=chart,
            breakdown=breakdown,
            forecasts=forecasts,
            on=on,
        )

    def _campaign(self, kecamatan_code: str | None) -> Campaign | None:
        raw = (request.args.get("campaign") or "").strip()
        session = self.session
        if not raw:
            return queries.running_campaign(session, queries.reference_date(), kecamatan_code)
        try:
            key = coerce_pk(Campaign.__table__.c.id, raw)
        except ValueError:
            key = None
        campaign = session.get(Campaign, key) if key is not None else None
        if campaign is None or not self.reach.reaches(campaign):
            abort(404, description=gettext("There is no campaign with the number %(id)s.", id=raw))
        return campaign

    def _campaign_choices(self, kecamatan_code: str | None) -> list[tuple[int, str]]:
        return queries.campaign_choices(self.session, self.reach, kecamatan_code, CAMPAIGN_CHOICES)
