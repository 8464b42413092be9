"""The standalone portal: the plugin, a login, and an SQLite file by default.

``wsgi.py`` exposes :func:`create_app` as ``app``. ``DATABASE_URL`` selects
PostgreSQL (``postgresql+psycopg://...``) or MariaDB (``mysql+pymysql://...``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import event
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from . import DEFAULT_CONFIG, EktpAdmin
from .i18n import LANG_SESSION_KEY, WTFormsTranslations, gettext, lazy_gettext
from .models import User, db

log = logging.getLogger(__name__)

#: Failed logins before an account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15

auth = Blueprint("ektp_auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


class LoginForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> Any:
            return WTFormsTranslations()

    username = StringField(lazy_gettext("Username"), validators=[DataRequired()])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])


class LogoutForm(FlaskForm):
    pass


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    default = url_for("ektp_home.index")
    if not target:
        return default
    # Only a path on this site: browsers read "/\\evil.example" like "//evil.example".
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        from .domain.text import clean_text

        username = clean_text(form.username.data).strip()
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
        now = _now()
        if user is not None and user.locked_until and user.locked_until > now:
            # Even the right password is refused until the lock ends.
            return _locked(form)
        if user is None or not user.active or not check_password_hash(user.password_hash, form.password.data):
            if user is None:
                # Same work as a real check, so timing does not reveal which usernames exist.
                check_password_hash(_DUMMY_HASH, form.password.data)
            elif _count_failure(user.id, now):
                return _locked(form)
            flash(gettext("Wrong username or password."), "error")
            return _render_login(form), 401
        if user.failed_logins or user.locked_until:
            _reset_failures(user.id)
        # A new session for the signed-in user: nothing from before the login
        # survives but the chosen language.
        language = session.get(LANG_SESSION_KEY)
        session.clear()
        if language:
            session[LANG_SESSION_KEY] = language
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return _render_login(form)


def _count_failure(user_id: int, now: dt.datetime) -> bool:
    """Count one failed login; lock the account at the limit. True when it is now locked.

    Single UPDATE statements, so concurrent attempts can neither lose a count
    nor collide on the row's version (the user screen's optimistic lock); and
    they are no edits of the record, so they stay out of the audit trail.
    """
    table = User.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == user_id).values(failed_logins=table.c.failed_logins + 1)
    )
    locked = db.session.execute(
        sa.update(table)
        .where(table.c.id == user_id, table.c.failed_logins >= MAX_FAILED_LOGINS)
        .values(failed_logins=0, locked_until=now + dt.timedelta(minutes=LOCK_MINUTES))
    ).rowcount
    db.session.commit()
    if locked:
        log.warning("account %s locked after %d failed logins", user_id, MAX_FAILED_LOGINS)
    return bool(locked)


def _reset_failures(user_id: int) -> None:
    table = User.__table__
    db.session.execute(sa.update(table).where(table.c.id == user_id).values(failed_logins=0, locked_until=None))
    db.session.commit()


def _locked(form: LoginForm) -> Any:
    flash(
        gettext("Too many failed logins: this account is locked for %(minutes)d minutes.", minutes=LOCK_MINUTES),
        "error",
    )
    response = current_app.make_response((_render_login(form), 429))
    response.headers["Retry-After"] = str(LOCK_MINUTES * 60)
    return response


def _render_login(form: LoginForm) -> str:
    # Rendered through the Admin's index view so the page has the Admin's theme and menu.
    from . import get_state

    return get_state().admin.index_view.render("ektp_admin/login.html", form=form)


@auth.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    language = session.get(LANG_SESSION_KEY)
    session.clear()
    if language:
        session[LANG_SESSION_KEY] = language
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("ektp_auth.login"))


@auth.route("/")
def root() -> Any:
    return redirect(url_for("ektp_home.index"))


_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def create_app(test_config: dict[str, Any] | None = None, *, instance_path: str | None = None) -> Flask:
    app = Flask(
        "ektp_admin.standalone",
        instance_path=instance_path or os.environ.get("EKTP_ADMIN_INSTANCE") or None,
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    sqlite_path = Path(app.instance_path) / "ektp_admin.sqlite"
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(Path(app.instance_path)),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("EKTP_ADMIN_INSECURE_COOKIES") != "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=os.environ.get("EKTP_ADMIN_INSECURE_COOKIES") != "1",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=10),
        EKTP_ADMIN_LOGIN_ENDPOINT="ektp_auth.login",
    )
    if os.environ.get("EKTP_ADMIN_REFERENCE_DATE"):
        app.config["EKTP_ADMIN_REFERENCE_DATE"] = dt.date.fromisoformat(os.environ["EKTP_ADMIN_REFERENCE_DATE"])
    if test_config:
        app.config.update(test_config)

    # The portal is the plugin's alone: its request limit holds for every route
    # (an upload endpoint raises its own, see ektp_admin.http_policy).
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config.get(
            "EKTP_ADMIN_MAX_REQUEST_BYTES", DEFAULT_CONFIG["EKTP_ADMIN_MAX_REQUEST_BYTES"])

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "ektp_auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to open this page.")
    app.register_blueprint(auth)
    EktpAdmin(app)
    with app.app_context():
        enable_sqlite_foreign_keys(db.engine)

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError) -> Any:
        # Flask-WTF's own text is English and technical; say what to do instead.
        from . import get_state

        message = gettext(
            "This request was refused because its security token is missing or has expired. "
            "Reload the page and try again."
        )
        return get_state().admin.index_view.render("ektp_admin/message.html", message=message), 400

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def enable_sqlite_foreign_keys(engine: sa.Engine) -> bool:
    """Make SQLite enforce foreign keys (and ON DELETE rules) on every connection.

    SQLite ignores them unless each connection says ``PRAGMA foreign_keys=ON``;
    PostgreSQL and MariaDB always enforce them. Does nothing on other databases
    or when already enabled; True when the engine is SQLite.
    """
    if engine.dialect.name != "sqlite":
        return False
    if not event.contains(engine, "connect", _sqlite_foreign_keys_on):
        event.listen(engine, "connect", _sqlite_foreign_keys_on)
        engine.dispose()  # connections opened before now would not have it
    return True


def _sqlite_foreign_keys_on(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder (created once)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
