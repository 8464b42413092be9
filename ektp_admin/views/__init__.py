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
from ..domain.messages import N_
from ..i18n import lazy_gettext

#: The screens, in menu order: (key = URL under the Admin, menu category msgid).
SCREENS: tuple[tuple[str, str], ...] = (
    ("residents", N_("Residents")),
    ("outstanding", N_("Residents")),
    ("home-visits", N_("Residents")),
    ("home-visit-planner", N_("Residents")),
    ("team-roster", N_("Residents")),
    ("migrants", N_("Residents")),
    ("worklists", N_("Residents")),
    ("import-residents", N_("Residents")),
    ("import-statuses", N_("Residents")),
    ("progress", N_("Recording")),
    ("visits", N_("Recording")),
    ("campaigns", N_("Recording")),
    ("outreach", N_("Recording")),
    ("devices", N_("Kits & teams")),
    ("teams", N_("Kits & teams")),
    ("kits", N_("Kits & teams")),
    ("kecamatan", N_("Regions")),
    ("desa", N_("Regions")),
    ("users", N_("Administration")),
    ("audit", N_("Administration")),
)


def _screen(key: str, db: Any) -> Any:
    """The view of screen ``key`` (imported only when it is built)."""
    from .audit_log import AuditLogView
    from .campaigns import CampaignView, OutreachView
    from .devices import DeviceView, TeamView
    from .home_visits import HomeVisitView
    from .imports import ImportView, StatusImportView
    from .kits import KitMapView
    from .migrants import MigrantView
    from .outstanding import OutstandingView
    from .planner import HomeVisitPlannerView
    from .progress import ProgressView
    from .regions import DesaView, KecamatanView
    from .residents import ResidentView
    from .roster import TeamRosterView
    from .users import UserView
    from .visits import VisitView
    from .worklists import WorklistView

    builders: dict[str, Any] = {
        "residents": lambda **kw: ResidentView(models.Resident, db, name=lazy_gettext("Residents"), **kw),
        "outstanding": lambda **kw: OutstandingView(name=lazy_gettext("Outstanding by village"), **kw),
        "home-visits": lambda **kw: HomeVisitView(name=lazy_gettext("Home visits"), **kw),
        "home-visit-planner": lambda **kw: HomeVisitPlannerView(name=lazy_gettext("Home-visit planner"), **kw),
        "team-roster": lambda **kw: TeamRosterView(name=lazy_gettext("Team roster"), **kw),
        "migrants": lambda **kw: MigrantView(name=lazy_gettext("Migrants (away)"), **kw),
        "worklists": lambda **kw: WorklistView(name=lazy_gettext("EFAC and DUP worklists"), **kw),
        "import-residents": lambda **kw: ImportView(name=lazy_gettext("Import residents"), **kw),
        "import-statuses": lambda **kw: StatusImportView(name=lazy_gettext("Status sync"), **kw),
        "progress": lambda **kw: ProgressView(name=lazy_gettext("Campaign progress"), **kw),
        "visits": lambda **kw: VisitView(models.Visit, db, name=lazy_gettext("Visit logs"), **kw),
        "campaigns": lambda **kw: CampaignView(models.Campaign, db, name=lazy_gettext("Campaigns"), **kw),
        "outreach": lambda **kw: OutreachView(models.Outreach, db, name=lazy_gettext("Outreach"), **kw),
        "devices": lambda **kw: DeviceView(models.Device, db, name=lazy_gettext("Devices"), **kw),
        "teams": lambda **kw: TeamView(models.Team, db, name=lazy_gettext("Teams"), **kw),
        "kits": lambda **kw: KitMapView(name=lazy_gettext("Kit board"), **kw),
        "kecamatan": lambda **kw: KecamatanView(models.Kecamatan, db, name=lazy_gettext("Kecamatan"), **kw),
        "desa": lambda **kw: DesaView(models.Desa, db, name=lazy_gettext("Desa/Kelurahan"), **kw),
        "users": lambda **kw: UserView(models.User, db, name=lazy_gettext("Users"), **kw),
        "audit": lambda **kw: AuditLogView(models.AuditEntry, db, name=lazy_gettext("Audit log"), **kw),
    }
    return builders[key]


#: endpoint of each screen: ektp_ + its key (kits and audit keep their historic names)
ENDPOINTS = {"home-visits": "ektp_home_visits", "kits": "ektp_kit_map", "audit": "ektp_audit"}


def register_views(
    admin: Admin, db: Any, *, with_users: bool = True, screens: Any = None, category: str | None = None,
) -> None:
    """Add the chosen screens (all by default) to ``admin``.

    ``category`` puts every screen under one menu entry of the host (e.g.
    "e-KTP"); by default they use the plugin's own categories. A URL of ours
    that the host's Admin or app already serves is refused with an error.
    """
    from ..config import ConfigError

    keys = [key for key, _ in SCREENS]
    chosen = keys if screens is None else list(screens)
    unknown = [key for key in chosen if key not in keys]
    if unknown:
        raise ConfigError(f"EKTP_ADMIN_SCREENS names unknown screens {unknown}: choose from {keys}.")
    if not with_users and "users" in chosen:
        chosen.remove("users")  # the plugin keeps no logins of its own beside a host's hook
    for key, menu in SCREENS:
        if key not in chosen:
            continue
        _refuse_taken_url(admin, key)
        view = _screen(key, db)(
            endpoint=ENDPOINTS.get(key, "ektp_" + key.replace("-", "_")),
            url=key,
            category=category or lazy_gettext(menu),
        )
        admin.add_view(view)

    problems = unguarded(admin._views)
    if problems:
        raise RuntimeError("e-KTP screens without access rules: " + "; ".join(problems))


def _refuse_taken_url(admin: Admin, key: str) -> None:
    url = f"{(admin.url or '').rstrip('/')}/{key}"
    for view in admin._views:
        if (view.url or "").rstrip("/") == url:
            raise RuntimeError(
                f"The Admin already has a screen at {url}/ ({view.endpoint}): ektp-admin cannot add its "
                f"'{key}' screen there. Leave it out with EKTP_ADMIN_SCREENS, or mount the host's screen elsewhere."
            )
    app = getattr(admin, "app", None)
    if app is not None:
        for rule in app.url_map.iter_rules():
            if rule.rule.rstrip("/") == url or rule.rule.startswith(url + "/"):
                raise RuntimeError(
                    f"The app already serves {rule.rule} ({rule.endpoint}): ektp-admin cannot add its '{key}' "
                    "screen there. Leave it out with EKTP_ADMIN_SCREENS, or move the host's route."
                )


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
