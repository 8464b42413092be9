"""ektp-admin: Flask-Admin screens for an e-KTP recording campaign.

    from ektp_admin import EktpAdmin

    ektp = EktpAdmin()
    ektp.init_app(app, admin=portal_admin, db=db, current_user=portal_user)
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from .access import EktpUser, UserLoader, current_ektp_user, flask_login_user
from .domain.enums import Role
from .http_policy import DEFAULT_CSP
from .state import State, get_state

__all__ = ["EktpAdmin", "EktpUser", "Role", "current_ektp_user", "get_state"]
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
    "EKTP_ADMIN_REFERENCE_DATE": None,
    "EKTP_ADMIN_PAGE_SIZE": 50,
    "EKTP_ADMIN_CSV_BOM": True,
    "EKTP_ADMIN_LOGIN_ENDPOINT": None,
    # Requests to the plugin's endpoints: larger ones are refused with 413, unread.
    "EKTP_ADMIN_MAX_REQUEST_BYTES": 2 * 1024 * 1024,
    # Endpoints that take a file (the population file upload) get this instead.
    "EKTP_ADMIN_MAX_UPLOAD_BYTES": 64 * 1024 * 1024,
    # Longest text a free-text (Text column) form field takes, such as notes.
    "EKTP_ADMIN_MAX_TEXT_CHARS": 2000,
    # Sent with every page of the plugin; None leaves the header to the host.
    "EKTP_ADMIN_CONTENT_SECURITY_POLICY": DEFAULT_CSP,
}


class EktpAdmin:
    """Adds the e-KTP recording screens to a Flask app (and to its Flask-Admin).

    :param admin: the host's :class:`flask_admin.Admin`; when omitted the plugin
        creates its own under ``EKTP_ADMIN_URL``.
    :param db: the host's Flask-SQLAlchemy object; the plugin's tables join its
        metadata and every query runs through its session. When omitted the
        plugin's own ``ektp_admin.models.db`` is set up on the app.
    :param current_user: a callable returning :class:`EktpUser` or ``None`` for
        the current request. Defaults to Flask-Login's ``current_user`` when it
        has ``role`` and ``kecamatan_code`` attributes.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        admin: Admin | None = None,
        db: Any = None,
        current_user: UserLoader | None = None,
    ) -> None:
        self.user_loader: UserLoader = current_user or flask_login_user
        if app is not None:
            self.init_app(app, admin=admin, db=db, current_user=current_user)

    # The state below is per app and lives in app.extensions["ektp_admin"]; the
    # object itself keeps no reference to an app.
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
        if current_user is not None:
            self.user_loader = current_user
        for key, value in DEFAULT_CONFIG.items():
            app.config.setdefault(key, value)

        db = self._init_db(app, db)
        self._init_babel(app)
        from .i18n import lend_catalogues_to_flask_admin

        lend_catalogues_to_flask_admin()
        admin = self._init_admin(app, admin)

        app.extensions["ektp_admin"] = self
        app.extensions["ektp_admin.state"] = State(admin=admin, db=db)

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

        from . import audit, cli, http_policy
        from .views import register_views

        http_policy.install(app)
        audit.install(db)
        # The users screen manages the plugin's own logins: only when no host hook is given.
        register_views(admin, db, with_users=current_user is None and self.user_loader is flask_login_user)
        app.cli.add_command(cli.ektp_cli)

        @app.context_processor
        def _ektp_context() -> dict[str, Any]:
            from .i18n import current_language, gettext, label

            return {
                "ektp_user": current_ektp_user,
                "ektp_language": current_language,
                "ektp_gettext": gettext,
                "ektp_label": label,
                "ektp_endpoints": app.view_functions,
            }

    # ------------------------------------------------------------------ setup steps
    @staticmethod
    def _init_db(app: Flask, db: Any) -> Any:
        from . import models

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
                if table.name not in db.metadata.tables:
                    table.to_metadata(db.metadata)
        return db

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
                theme=Bootstrap4Theme(swatch="default", base_template="ektp_admin/layout.html"),
                translations_path=TRANSLATIONS_DIR,
            )
        elif admin.translations_path is None:
            # Flask-Admin has no Indonesian catalogue; lend it ours.
            admin.translations_path = TRANSLATIONS_DIR
        return admin
