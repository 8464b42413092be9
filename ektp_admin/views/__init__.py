"""Flask-Admin views, one module per screen family, registered on an Admin.

Every endpoint is named ``ektp_*`` so it cannot collide with a host blueprint,
and every URL is relative, so the screens sit under whatever prefix the host's
Admin has (``/admin/residents/`` by default).

Adding a screen: a reach rule for its model (``access.RULES``), a view class
(``EktpModelView`` or ``EktpReportView`` with ``grants``), one ``add(...)`` line
below. :func:`unguarded` refuses a screen that skips a step, at start-up.
"""
from __future__ import annotations

from typing import Any

from flask_admin import Admin

from .. import models
from ..i18n import lazy_gettext


def register_views(admin: Admin, db: Any, *, with_users: bool = True) -> None:
    from .audit_log import AuditLogView
    from .campaigns import CampaignView, OutreachView
    from .devices import DeviceView, TeamView
    from .home_visits import HomeVisitView
    from .kits import KitMapView
    from .outstanding import OutstandingView
    from .progress import ProgressView
    from .regions import DesaView, KecamatanView
    from .residents import ResidentView
    from .users import UserView
    from .visits import VisitView

    recording = lazy_gettext("Recording")
    people = lazy_gettext("Residents")
    kits = lazy_gettext("Kits & teams")
    regions = lazy_gettext("Regions")
    admin_cat = lazy_gettext("Administration")

    add = admin.add_view
    add(ResidentView(models.Resident, db, name=lazy_gettext("Residents"), endpoint="ektp_residents", url="residents", category=people))
    add(OutstandingView(name=lazy_gettext("Outstanding by village"), endpoint="ektp_outstanding", url="outstanding", category=people))
    add(HomeVisitView(name=lazy_gettext("Home visits"), endpoint="ektp_home_visits", url="home-visits", category=people))
    add(ProgressView(name=lazy_gettext("Campaign progress"), endpoint="ektp_progress", url="progress", category=recording))
    add(VisitView(models.Visit, db, name=lazy_gettext("Visit logs"), endpoint="ektp_visits", url="visits", category=recording))
    add(CampaignView(models.Campaign, db, name=lazy_gettext("Campaigns"), endpoint="ektp_campaigns", url="campaigns", category=recording))
    add(OutreachView(models.Outreach, db, name=lazy_gettext("Outreach"), endpoint="ektp_outreach", url="outreach", category=recording))
    add(DeviceView(models.Device, db, name=lazy_gettext("Devices"), endpoint="ektp_devices", url="devices", category=kits))
    add(TeamView(models.Team, db, name=lazy_gettext("Teams"), endpoint="ektp_teams", url="teams", category=kits))
    add(KitMapView(name=lazy_gettext("Where the kits are"), endpoint="ektp_kit_map", url="kits", category=kits))
    add(KecamatanView(models.Kecamatan, db, name=lazy_gettext("Kecamatan"), endpoint="ektp_kecamatan", url="kecamatan", category=regions))
    add(DesaView(models.Desa, db, name=lazy_gettext("Desa/Kelurahan"), endpoint="ektp_desa", url="desa", category=regions))
    if with_users:
        add(UserView(models.User, db, name=lazy_gettext("Users"), endpoint="ektp_users", url="users", category=admin_cat))
    add(AuditLogView(models.AuditEntry, db, name=lazy_gettext("Audit log"), endpoint="ektp_audit", url="audit", category=admin_cat))

    problems = unguarded(admin._views)
    if problems:
        raise RuntimeError("e-KTP screens without access rules: " + "; ".join(problems))


def unguarded(views: Any) -> list[str]:
    """What is wrong with the e-KTP screens among ``views``: an ``ektp_`` screen
    that is not an access-checked view, grants nothing, or shows a model with no
    reach rule. Empty when every screen is safe."""
    from ..access import EktpAccess, rule_for
    from .home import HomeView
    from .reports import EktpReportView

    problems = []
    for view in views:
        endpoint = getattr(view, "endpoint", None) or ""
        if not endpoint.startswith("ektp_") or isinstance(view, HomeView):
            continue
        if not isinstance(view, EktpAccess):
            problems.append(f"{view.endpoint} does not check access (base it on EktpModelView or EktpReportView)")
            continue
        if not view.grants:
            problems.append(f"{view.endpoint} grants nothing to anyone")
        shown = [view.model] if hasattr(view, "model") else list(getattr(view, "shows", ()))
        if isinstance(view, EktpReportView) and not shown:
            problems.append(f"{view.endpoint} does not say which models it shows (EktpReportView.shows)")
        for model in shown:
            try:
                rule_for(model)
            except LookupError as exc:
                problems.append(f"{view.endpoint}: {exc}")
    return problems
