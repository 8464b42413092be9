"""The standalone portal: the plugin, a login, and an SQLite file by default.

``flask --app ektp_admin.standalone`` finds :func:`create_app` (so the portal
runs from an installed wheel); the repository's ``wsgi.py`` exposes it as
``app``. ``DATABASE_URL`` selects PostgreSQL (``postgresql+psycopg://...``) or
MariaDB (``mysql+pymysql://...``).

Signing in is throttled by client address and by account name with growing
delays, never locked (:mod:`ektp_admin.throttle` explains the rules); every
refusal is logged (name typed and address, never the password). Sessions end
on sign-out, on a new password and by an admin's "End sessions" action
(:mod:`ektp_admin.sessions`). The client address is ``request.remote_addr``:
behind a reverse proxy set ``EKTP_ADMIN_PROXIES`` to the number of proxies in
front, so werkzeug's ``ProxyFix`` takes it from ``X-Forwarded-For``.
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
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from . import DEFAULT_CONFIG, EktpAdmin, throttle
from .i18n import LANG_SESSION_KEY, WTFormsTranslations, gettext, lazy_gettext, ngettext
from .models import User, db
from .sessions import end_sessions, parse_token, session_is_current

log = logging.getLogger(__name__)

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
def _load_user(token: str) -> User | None:
    # "id:epoch" (User.get_id): a session ends when the user's epoch moves on.
    parsed = parse_token(token)
    if parsed is None:
        return None
    user_id, epoch = parsed
    user = db.session.get(User, user_id)
    return user if session_is_current(user, epoch) else None


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
    # Within this app: under a mount prefix (/portal) every path of ours starts with it.
    if request.script_root and not target.startswith(request.script_root + "/"):
        return default
    return target


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in. Throttled by address and by account name (:mod:`ektp_admin.throttle`).

    Unknown username, wrong password and inactive account get one answer (401,
    "Wrong username or password.", the same page) after the same work: one
    password hash check (against a dummy hash when the name is unknown), the
    same throttle queries and the same failure record.
    """
    form = LoginForm()
    if form.validate_on_submit():
        from .domain.text import clean_text

        username = clean_text(form.username.data).strip()
        address = throttle.address_key(request.remote_addr)
        account = throttle.account_key(username)
        wait = throttle.check(db.session, address, account)
        if wait is not None:
            log.warning("sign-in refused for %r from %s: throttled by %s, %d s to wait",
                        username[:80], address, wait.reason, wait.seconds)
            return _throttled(form, wait)
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
        password_ok = check_password_hash(user.password_hash if user is not None else _DUMMY_HASH,
                                          form.password.data or "")
        if user is None or not password_ok or not user.active:
            reason = "unknown user" if user is None else "wrong password" if not password_ok else "inactive account"
            throttle.record_failure(db.session, address, account)
            log.warning("sign-in refused for %r from %s: %s", username[:80], address, reason)
            flash(gettext("Wrong username or password."), "error")
            return _render_login(form), 401
        throttle.forgive(db.session, address, account)
        # A new session for the signed-in user: nothing from before the login
        # survives but the chosen language.
        language = session.get(LANG_SESSION_KEY)
        session.clear()
        if language:
            session[LANG_SESSION_KEY] = language
        login_user(user)
        log.info("signed in: %r from %s", user.username, address)
        return redirect(_safe_next(request.args.get("next")))
    return _render_login(form)


def _throttled(form: LoginForm, wait: throttle.Wait) -> Any:
    flash(
        ngettext(
            "Too many failed sign-in attempts. Try again in %(num)d minute.",
            "Too many failed sign-in attempts. Try again in %(num)d minutes.",
            wait.minutes,
        ),
        "error",
    )
    response = current_app.make_response((_render_login(form), 429))
    response.headers["Retry-After"] = str(wait.seconds)
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
    # Every session of this user ends, not just this cookie: a copy of it taken
    # earlier (or a session left open on another computer) stops working too.
    end_sessions(db.session, [current_user.id], audit=False)
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


#: What an unknown username's password is checked against, so that the answer
#: takes as long as for a real one. Werkzeug's default method, which is what the
#: users screen and the CLI write.
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
    if os.environ.get("EKTP_ADMIN_TIMEZONE"):
        app.config["EKTP_ADMIN_TIMEZONE"] = os.environ["EKTP_ADMIN_TIMEZONE"]
    if test_config:
        app.config.update(test_config)

    proxies = _proxy_count(os.environ.get("EKTP_ADMIN_PROXIES"))
    if proxies:
        # The client's address (throttling) and scheme (secure cookies) as the
        # proxies in front report them; only that many hops are believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_prefix=proxies)  # type: ignore[method-assign]
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


def _proxy_count(value: str | None) -> int:
    if not value or not value.strip():
        return 0
    try:
        count = int(value)
    except ValueError:
        raise RuntimeError(f"EKTP_ADMIN_PROXIES must be a number of proxies (0, 1, 2...), not {value!r}") from None
    if count < 0:
        raise RuntimeError(f"EKTP_ADMIN_PROXIES must be 0 or more, not {count}")
    return count


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
