"""Issue 4, sessions and logins of the standalone portal: throttling after
repeated failures, secure cookies in the production configuration, passwords
hashed with Werkzeug's current default (scrypt), no open redirect, a fresh
session at sign-in.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from ektp_admin import models
from ektp_admin.standalone import LOCK_MINUTES, MAX_FAILED_LOGINS

from security.ektp_support import (
    close_app,
    KEC_A,
    PASSWORD,
    csrf_token,
    fetch,
    field_errors,
    flashes,
    post_form,
    sign_in,
    text,
    token_for,
)

WRONG = "Wrong username or password."
LOCKED = f"Too many failed logins: this account is locked for {LOCK_MINUTES} minutes."


def attempt(client: Any, username: str, password: str, next_url: str | None = None) -> Any:
    page = text(client.get("/login?lang=en"))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": csrf_token(page)})


def user(app: Any, username: str) -> Any:
    with app.app_context():
        row = models.db.session.execute(sa.select(models.User).filter_by(username=username)).scalar_one()
        models.db.session.expunge(row)
        return row


# ---------------------------------------------------------------------- throttling


@pytest.mark.parametrize("username", ["clerk", "tidak_ada"])
def test_a_wrong_password_or_unknown_user_gets_the_same_answer(client: Any, username: str) -> None:
    response = attempt(client, username, "salah-sekali")
    assert response.status_code == 401
    assert flashes(text(response)) == [WRONG]
    assert client.get("/admin/residents/").status_code == 302


def test_the_account_locks_after_five_failures_even_for_the_right_password(app: Any, client: Any) -> None:
    statuses = [attempt(client, "clerk", f"salah-{i}").status_code for i in range(MAX_FAILED_LOGINS)]
    assert statuses == [401] * (MAX_FAILED_LOGINS - 1) + [429]
    locked = attempt(client, "clerk", PASSWORD)
    assert locked.status_code == 429
    assert LOCKED in flashes(text(locked))
    assert locked.headers["Retry-After"] == str(LOCK_MINUTES * 60)
    assert client.get("/admin/residents/").status_code == 302  # not signed in
    stored = user(app, "clerk")
    assert stored.locked_until is not None and stored.locked_until > dt.datetime.utcnow()


def test_the_lock_ends_and_a_good_login_clears_the_count(app: Any, client: Any) -> None:
    for i in range(MAX_FAILED_LOGINS):
        attempt(client, "clerk", f"salah-{i}")
    with app.app_context():
        table = models.User.__table__
        models.db.session.execute(sa.update(table).where(table.c.username == "clerk")
                                  .values(locked_until=dt.datetime(2000, 1, 1)))
        models.db.session.commit()
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    stored = user(app, "clerk")
    assert (stored.failed_logins, stored.locked_until) == (0, None)


def test_failures_below_the_limit_are_forgotten_after_a_good_login(app: Any, client: Any) -> None:
    for i in range(MAX_FAILED_LOGINS - 1):
        attempt(client, "clerk", f"salah-{i}")
    assert user(app, "clerk").failed_logins == MAX_FAILED_LOGINS - 1
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    other = app.test_client()
    assert [attempt(other, "clerk", "salah").status_code for _ in range(MAX_FAILED_LOGINS - 1)] == [401] * 4


def test_one_locked_account_does_not_lock_the_others(client: Any) -> None:
    for i in range(MAX_FAILED_LOGINS):
        attempt(client, "clerk", f"salah-{i}")
    assert attempt(client, "clerk_b", PASSWORD).status_code == 302


def test_failed_logins_stay_out_of_the_change_history(app: Any, client: Any) -> None:
    from security.ektp_support import audit_entries

    before = len(audit_entries(app, table_name="ektp_user"))
    for i in range(MAX_FAILED_LOGINS):
        attempt(client, "clerk", f"salah-{i}")
    assert len(audit_entries(app, table_name="ektp_user")) == before


def test_an_inactive_account_cannot_sign_in(app: Any, client: Any) -> None:
    with app.app_context():
        models.db.session.execute(sa.update(models.User.__table__).where(models.User.username == "clerk")
                                  .values(active=False))
        models.db.session.commit()
    response = attempt(client, "clerk", PASSWORD)
    assert response.status_code == 401 and flashes(text(response)) == [WRONG]


# ---------------------------------------------------------------------- redirects and sessions


@pytest.mark.parametrize("next_url, lands", [
    ("/admin/devices/", "/admin/devices/"),
    ("//evil.example/", "/admin/"),
    ("https://evil.example/", "/admin/"),
    ("/\\evil.example/", "/admin/"),
    ("javascript:alert(1)", "/admin/"),
])
def test_after_login_only_a_path_of_this_site_is_followed(client: Any, next_url: str, lands: str) -> None:
    response = attempt(client, "clerk", PASSWORD, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == lands


def test_sign_in_starts_a_fresh_session(client: Any) -> None:
    client.get("/login?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("ektp_admin_lang") == "en"  # the chosen language stays


def test_sign_out_forgets_the_user(client: Any) -> None:
    sign_in(client, "clerk")
    assert client.post("/logout", data={"csrf_token": token_for(client)}).status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/admin/residents/").status_code == 302
    assert client.get("/logout").status_code == 405  # never by a plain link


# ---------------------------------------------------------------------- cookies


@pytest.fixture
def production_app(database_url: str, tmp_path: Path, monkeypatch: Any, app: Any) -> Any:
    """The portal as deployed: no test overrides of the cookie settings."""
    from ektp_admin.standalone import create_app

    monkeypatch.delenv("EKTP_ADMIN_INSECURE_COOKIES", raising=False)
    prod = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "prod-secret"},
                      instance_path=str(tmp_path / "prod"))
    yield prod
    close_app(prod)


def test_production_cookies_are_secure_httponly_and_samesite(production_app: Any) -> None:
    config = production_app.config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]
    client = production_app.test_client()
    page = text(client.get("/login", base_url="https://ektp.example"))
    response = client.post("/login", base_url="https://ektp.example",
                           headers={"Referer": "https://ektp.example/login"},  # HTTPS: same-origin checked
                           data={"username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_insecure_cookies_only_when_asked_for(database_url: str, tmp_path: Path, monkeypatch: Any, app: Any) -> None:
    from ektp_admin.standalone import create_app

    monkeypatch.setenv("EKTP_ADMIN_INSECURE_COOKIES", "1")
    lan = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"}, instance_path=str(tmp_path / "lan"))
    assert lan.config["SESSION_COOKIE_SECURE"] is False and lan.config["SESSION_COOKIE_HTTPONLY"] is True
    close_app(lan)


def test_security_headers(client: Any) -> None:
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


# ---------------------------------------------------------------------- passwords


def test_the_user_screen_hashes_with_scrypt(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    form = {"username": "operator_baru", "role": "clerk", "kecamatan": KEC_A, "active": "y",
            "new_password": "kata-sandi-panjang"}
    assert post_form(client, "/admin/users/new/", form).status_code == 302
    created = user(app, "operator_baru")
    assert created.password_hash.startswith("scrypt:")
    assert check_password_hash(created.password_hash, "kata-sandi-panjang")
    assert attempt(app.test_client(), "operator_baru", "kata-sandi-panjang").status_code == 302

    # a new password from the edit screen: scrypt again, the old one stops working, a lock is lifted
    with app.app_context():
        models.db.session.execute(sa.update(models.User.__table__).where(models.User.id == created.id)
                                  .values(locked_until=dt.datetime(2100, 1, 1)))
        models.db.session.commit()
    edit = f"/admin/users/edit/?id={created.id}"
    from security.ektp_support import form_fields, submit

    response = submit(client, edit, form_fields(text(client.get(edit)), "ektp_version"),
                      new_password="kata-sandi-lain-lagi")
    assert response.status_code == 302, flashes(text(response))
    changed = user(app, "operator_baru")
    assert changed.password_hash.startswith("scrypt:") and changed.locked_until is None
    assert attempt(app.test_client(), "operator_baru", "kata-sandi-panjang").status_code == 401
    assert attempt(app.test_client(), "operator_baru", "kata-sandi-lain-lagi").status_code == 302


def test_the_cli_hashes_with_scrypt(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["ektp", "create-user", "kasi", "--role", "supervisor",
                                 "--password", "kata-sandi-panjang"])
    assert result.exit_code == 0, result.output
    assert user(app, "kasi").password_hash.startswith("scrypt:")


@pytest.mark.parametrize("form, message", [
    ({"username": "pendek", "role": "admin", "new_password": "pendek"}, "Field must be at least 10 characters long."),
    ({"username": "tanpa_sandi", "role": "admin"}, "A new user needs a password (at least 10 characters)."),
    ({"username": "juru", "role": "clerk", "new_password": "kata-sandi-panjang"}, "A clerk must belong to a kecamatan."),
    ({"username": "clerk", "role": "admin", "new_password": "kata-sandi-panjang"}, "Already exists."),
])
def test_the_user_form_explains_what_is_wrong(app: Any, client: Any, form: dict[str, str], message: str) -> None:
    sign_in(client, "admin")
    response = post_form(client, "/admin/users/new/", form)
    page = text(response)
    assert response.status_code == 200
    assert message in flashes(page) + field_errors(page)
    assert 'value="%s"' % form["username"] in page


def test_an_admin_cannot_lock_themselves_out(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    me = user(app, "admin")
    from security.ektp_support import form_fields, submit

    edit = f"/admin/users/edit/?id={me.id}"
    fields = [(k, v) for k, v in form_fields(text(client.get(edit)), "ektp_version") if k != "active"]
    response = submit(client, edit, fields)
    assert "You cannot take away your own administrator rights or deactivate yourself." in flashes(text(response))
    response = client.post("/admin/users/delete/", data={"id": me.id, "csrf_token": token_for(client)},
                           follow_redirects=True)
    assert "You cannot delete your own account." in flashes(text(response))
    assert fetch(app, models.User, me.id).active is True


def test_password_hashes_never_reach_a_page(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    me = user(app, "clerk")
    for url in ("/admin/users/", f"/admin/users/details/?id={me.id}", f"/admin/users/edit/?id={me.id}", "/admin/audit/"):
        page = text(client.get(url))
        assert "pbkdf2:" not in page and "scrypt:" not in page, url
