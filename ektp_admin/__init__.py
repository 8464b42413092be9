"""ektp-admin: Flask-Admin screens for an e-KTP recording campaign.

    from ektp_admin import EktpAdmin

    ektp = EktpAdmin()
    ektp.init_app(app, admin=portal_admin, db=db, current_user=portal_user)
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from .access import NO_EKTP_ROLE, EktpUser, UserLoader, current_ektp_user, flask_login_user
from .domain.enums import Role
from .http_policy import DEFAULT_CSP
from .state import State, get_state

__all__ = ["NO_EKTP_ROLE", "EktpAdmin", "EktpUser", "Role", "current_ektp_user", "get_state"]
__version__ = "0.1.0"

#: Every config key the plugin reads, with its default (documented in the README).
DEFAULT_CONFIG: dict[str, Any] = {
    "EKTP_ADMIN_URL": "/admin",
    "EKTP_ADMIN_NAME": "e-KTP Jemput Bola",
    "EKTP_ADMIN_DEFAULT_LOCALE": "id",
    "EKTP_ADMIN_LOCALES": ("id", "en"),
    "EKTP_ADMIN_RECORDING_START": dt.time(7, 0),
    "EKTP_ADMIN_RECORDING_END": dt.time(20, 0),
    "EKTP_ADMIN_RECORDING_WEEKENDS": True,
    #: (first, last) day of a visit without a campaign (one with a campaign falls in its window).
    "EKTP_ADMIN_VISIT_DATE_RANGE": ("2011-01-01", "2100-12-31"),
    "EKTP_ADMIN_REFERENCE_DATE": None,
    "EKTP_ADMIN_PAGE_SIZE": 50,
    #: a list counts its rows up to this many; beyond it says "more than ..." (a count is a scan)
    "EKTP_ADMIN_LIST_COUNT_LIMIT": 100_000,
    "EKTP_ADMIN_CSV_BOM": True,
    # "," or ";" (Excel in an Indonesian locale splits at ";"); every export menu offers both.
    "EKTP_ADMIN_CSV_DELIMITER": ",",
    "EKTP_ADMIN_LOGIN_ENDPOINT": None,
    "EKTP_ADMIN_LANGUAGE_SWITCH": True,
    "EKTP_ADMIN_MENU_CATEGORY": None,
    "EKTP_ADMIN_SCREENS": None,
    #: Seconds an SQLite write waits for another writer before giving up.
    "EKTP_ADMIN_SQLITE_BUSY_TIMEOUT": 15,
    # Requests to the plugin's endpoints: larger ones are refused with 413, unread.
    "EKTP_ADMIN_MAX_REQUEST_BYTES": 2 * 1024 * 1024,
    # Endpoints that take a file (the population file upload) get this instead.
    "EKTP_ADMIN_MAX_UPLOAD_BYTES": 300 * 1024 * 1024,
    # Longest text a free-text (Text column) form field takes, such as notes.
    "EKTP_ADMIN_MAX_TEXT_CHARS": 2000,
    # Sent with every page of the plugin; None leaves the header to the host.
    "EKTP_ADMIN_CONTENT_SECURITY_POLICY": DEFAULT_CSP,
    "EKTP_ADMIN_IMPORT_FOLDER": None,
    # Days an import's report (its bad rows, with NIKs and names) is kept in that folder.
    "EKTP_ADMIN_IMPORT_REPORT_DAYS": 30,
    # The office's time zone: timestamps are stored in UTC and shown in it ("14:05 WIB").
    "EKTP_ADMIN_TIMEZONE": "Asia/Jakarta",
}


#: The endpoints that take a file upload (their size limit: EKTP_ADMIN_MAX_UPLOAD_BYTES).
UPLOAD_ENDPOINTS = frozenset({"ektp_import_residents.upload", "ektp_import_statuses.upload"})


def _limit_uploads() -> None:
    from flask import current_app, request

    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"]


class EktpAdmin:
    """Adds the e-KTP recording screens to a Flask app (and to its Flask-Admin).

    :param admin: the host's :class:`flask_admin.Admin`; when omitted the plugin
        creates its own under ``EKTP_ADMIN_URL``.
    :param db: the host's Flask-SQLAlchemy object; the plugin's tables join its
        metadata and every query runs through its session. When omitted the
        plugin's own ``ektp_admin.models.db`` is set up on the app.
    :param current_user: a callable answering, for the current request, an
        :class:`EktpUser` (signed in, with an e-KTP role), :data:`NO_EKTP_ROLE`
        (signed in to the portal, no e-KTP role: 403 pages) or ``None`` (nobody
        signed in: the login page). Defaults to Flask-Login's ``current_user``
        when it has ``role`` and ``kecamatan_code`` attributes; then the plugin
        also keeps its own logins (the ``ektp_user`` table, the users screen
        and ``flask ektp create-user``), which a host with a hook never gets.

    One object may be initialised on several apps: everything it learns lives
    per app in ``app.extensions["ektp_admin"]`` (:class:`~ektp_admin.state.State`).
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        admin: Admin | None = None,
        db: Any = None,
        current_user: UserLoader | None = None,
    ) -> None:
        self._default_user_loader = current_user
        if app is not None:
            self.init_app(app, admin=admin, db=db, current_user=current_user)

    # Everything below is per app and lives in app.extensions["ektp_admin"]; the
    # object itself keeps no reference to an app, a hook or a db.
    def init_app(
        self,
        app: Flask,
        *,
        admin: Admin | None = None,
        db: Any = None,
        current_user: UserLoader | None = None,
    ) -> None:
        if "ektp_admin" in app.extensions:
            raise RuntimeError("EktpAdmin is already registered on this app.")
        user_loader: UserLoader = current_user or self._default_user_loader or flask_login_user
        manages_users = user_loader is flask_login_user
        from .config import validate

        validate(app.config, DEFAULT_CONFIG)

        db = self._init_db(app, db, manages_users=manages_users)
        self._init_sqlite(app, db)
        self._init_babel(app)
        from .i18n import lend_catalogues_to_flask_admin

        lend_catalogues_to_flask_admin()
        admin = self._init_admin(app, admin)

        app.extensions["ektp_admin"] = State(admin=admin, db=db, user_loader=user_loader, manages_users=manages_users)

        # Template-only blueprint: our templates join the app's loader and
        # our static files get a URL, without any route of their own.
        app.register_blueprint(
            Blueprint(
                "ektp_assets",
                __name__,
                template_folder="templates",
                static_folder="static",
                static_url_path="/ektp-admin-static",
            )
        )

        from . import audit, cli, counters, http_policy, list_marks
        from .views import register_views

        http_policy.install(app)
        audit.install(db)
        counters.install(db)  # per-desa counters kept in the flush's transaction
        list_marks.install(db)  # the residents list's page marks, likewise
        # Before anything reads the form (a host's CSRFProtect does, first): the upload
        # screens' own size limit, so a too-large upload is refused before it is parsed.
        app.before_request_funcs.setdefault(None, []).insert(0, _limit_uploads)
        # The users screen manages the plugin's own logins: only when no host hook is given.
        register_views(admin, db, with_users=manages_users, screens=app.config["EKTP_ADMIN_SCREENS"],
                       category=app.config["EKTP_ADMIN_MENU_CATEGORY"])
        app.cli.add_command(cli.commands_for(manages_users=manages_users))

        @app.context_processor
        def _ektp_context() -> dict[str, Any]:
            from .formatting import fmt_day, fmt_moment
            from .i18n import current_language, gettext, label
            from .views.chrome import cached_part

            return {
                "ektp_day": fmt_day,  # 21-09-2016
                "ektp_moment": fmt_moment,  # a stored UTC timestamp in the office's zone: 21-09-2016 14:05 WIB
                "ektp_user": current_ektp_user,
                "ektp_language": current_language,
                "ektp_gettext": gettext,
                "ektp_label": label,
                "ektp_endpoints": app.view_functions,
                "ektp_part": cached_part,
            }

    # ------------------------------------------------------------------ setup steps
    @staticmethod
    def _init_db(app: Flask, db: Any, *, manages_users: bool = True) -> Any:
        from . import models, search_index

        if db is None:
            if "sqlalchemy" in app.extensions:
                raise RuntimeError(
                    "This app already has a Flask-SQLAlchemy object: pass it to EktpAdmin "
                    "as db=your_db so the e-KTP tables share its engine and session."
                )
            app.config.setdefault("SQLALCHEMY_DATABASE_URI", "sqlite:///ektp_admin.sqlite")
            models.db.init_app(app)
            return models.db
        if not hasattr(db, "session") or not hasattr(db, "metadata"):
            raise TypeError("db= must be a flask_sqlalchemy.SQLAlchemy object.")
        if db.metadata is not models.metadata:
            for table in models.metadata.sorted_tables:
                if table.name == models.User.__tablename__ and not manages_users:
                    continue  # the host keeps its own logins
                if table.name not in db.metadata.tables:
                    table.to_metadata(db.metadata)
            search_index.install(db.metadata.tables[models.Resident.__tablename__])
        if "migrate" in app.extensions:  # the portal's autogenerate leaves the name-search index alone
            from .migrations import leave_out_search_index

            leave_out_search_index(app.extensions["migrate"])
        return db

    @staticmethod
    def _init_sqlite(app: Flask, db: Any) -> None:
        """WAL mode and the busy timeout on the engine the plugin's tables use, when it
        is SQLite (the host's too: see :func:`ektp_admin.engines.configure_sqlite`)."""
        from .engines import configure_sqlite

        def configure() -> bool:
            try:
                engine = db.engine  # in an app context
            except RuntimeError:  # the host registers its db on the app after us
                return False
            configure_sqlite(engine, app.config["EKTP_ADMIN_SQLITE_BUSY_TIMEOUT"])
            return True

        with app.app_context():
            if configure():
                return
        done: list[bool] = []
        lock = threading.Lock()

        @app.before_request
        def _ektp_sqlite_setup() -> None:
            if not done:
                with lock:
                    if not done and configure():
                        done.append(True)

    @staticmethod
    def _init_babel(app: Flask) -> None:
        # Flask-Admin fails with KeyError 'babel' when flask-babel is installed
        # but not initialised: make sure it is, without replacing a host's own.
        if "babel" not in app.extensions:
            from flask_babel import Babel

            from .i18n import select_locale

            app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["EKTP_ADMIN_DEFAULT_LOCALE"])
            Babel(app, locale_selector=select_locale)

    @staticmethod
    def _init_admin(app: Flask, admin: Admin | None) -> Admin:
        from .i18n import TRANSLATIONS_DIR

        if admin is None:
            url = app.config["EKTP_ADMIN_URL"]
            for other in app.extensions.get("admin", []):
                if other.url == url:
                    raise RuntimeError(
                        f"An Admin is already mounted at {url}: pass it as admin=... "
                        "or set EKTP_ADMIN_URL to another prefix."
                    )
            from .views.home import HomeView

            admin = Admin(
                app,
                name=app.config["EKTP_ADMIN_NAME"],
                url=url,
                endpoint="ektp_home",
                index_view=HomeView(url=url, endpoint="ektp_home"),
                # Fluid: the menu keeps to one line at 1366 px and lists get the width.
                theme=Bootstrap4Theme(swatch="default", base_template="ektp_admin/layout.html", fluid=True),
                translations_path=TRANSLATIONS_DIR,
            )
        elif admin.translations_path is None:
            # Flask-Admin has no Indonesian catalogue; lend it ours.
            admin.translations_path = TRANSLATIONS_DIR
        return admin
