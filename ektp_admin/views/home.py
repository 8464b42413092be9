"""The Admin index when the plugin creates its own Admin: the signed-in user's own
headline (their backlog, the latest campaign's forecast, today's visits, what needs
attention). The forecast is :func:`ektp_admin.queries.forecast.campaign_outlook`, the
very call the progress page makes, so both pages show the same numbers."""
from __future__ import annotations

from typing import Any

from flask import current_app, redirect, url_for
from flask_admin import AdminIndexView, expose

from ..access import current_ektp_user, current_reach, path_here, signed_in_elsewhere
from ..domain.enums import VisitKind, VisitState
from ..formatting import fmt_day, fmt_dec, fmt_hours, fmt_long_date, fmt_num, fmt_pct
from ..i18n import label
from ..models import Kecamatan
from ..queries.forecast import campaign_outlook
from ..queries.headline import headline
from ..queries.progress import running_campaign
from ..state import db_session
from .charts import bar_chart


class HomeView(AdminIndexView):
    """Landing page; sends a visitor who is not signed in to the login page."""

    @expose("/")
    def index(self) -> Any:
        user = current_ektp_user()
        if user is None:
            if signed_in_elsewhere():
                return self.render("ektp_admin/home.html", anonymous=False, no_role=True), 403
            endpoint = current_app.config["EKTP_ADMIN_LOGIN_ENDPOINT"]
            if endpoint:
                return redirect(url_for(endpoint, next=path_here()))
            return self.render("ektp_admin/home.html", anonymous=True)
        session = db_session()
        reach = current_reach()
        kecamatan = session.get(Kecamatan, reach.kecamatan_code) if reach.kecamatan_code else None
        head = headline(session, reach)
        campaign = running_campaign(session, head.on, reach.kecamatan_code)  # the progress page's default too
        outlook = None
        if campaign is not None:
            outlook = campaign_outlook(session, campaign, reach.kecamatan_code, head.on, outstanding=head.by_kecamatan)
        chart = None
        if outlook is not None:
            chart = bar_chart(outlook.per_day, head.on, outlook.forecast.pace, outlook.progress.needed_per_day)
        return self.render(
            "ektp_admin/home.html",
            anonymous=False,
            no_role=False,
            user=user,
            kecamatan=kecamatan,
            head=head,
            outlook=outlook,
            chart=chart,
            link=self._link,
            fmt_day=fmt_day, fmt_dec=fmt_dec, fmt_hours=fmt_hours, fmt_long_date=fmt_long_date, fmt_num=fmt_num, fmt_pct=fmt_pct,
            kind_label=lambda code: label(code, VisitKind),
            state_label=lambda code: label(code, VisitState),
        )

    def _link(self, endpoint: str, **values: Any) -> str | None:
        """The URL of one of our screens, or None when the portal left it out or the user may not open it."""
        name = endpoint.split(".", 1)[0]
        view = next((v for v in self.admin._views if v.endpoint == name), None)
        if view is None or endpoint not in current_app.view_functions or not view.is_accessible():
            return None
        return url_for(endpoint, **values)
