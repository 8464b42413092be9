"""Mounted under a prefix (/portal), a visitor sent to the login page comes back
to the page they asked for, prefix included, and never to a 404."""
from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD, csrf_token
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response


def _not_found(environ: Any, start_response: Any) -> Any:
    return Response("outside the portal", status=404)(environ, start_response)


def _sign_in_through_the_redirect(client: Client, start: str, prefix: str, headers: dict[str, str],
                                  *, proxy_strips: bool = False) -> None:
    """Follow the redirects as a browser would; behind a proxy, the proxy takes
    the prefix off every path it forwards (and says so in X-Forwarded-Prefix)."""

    def sent(path: str) -> str:
        if proxy_strips:
            assert path.startswith(prefix + "/"), f"{path} would leave the portal"
            return path[len(prefix):]
        return path

    first = client.get(start, headers=headers)
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert login_url.startswith(f"{prefix}/login"), login_url
    assert "next=" in login_url and f"{prefix}/admin/residents/" in login_url.replace("%2F", "/")
    page = client.get(sent(login_url), headers=headers)
    assert page.status_code == 200
    signed_in = client.post(sent(login_url), headers=headers, data={
        "username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == f"{prefix}/admin/residents/?page=0", signed_in.headers["Location"]
    landed = client.get(sent(signed_in.headers["Location"]), headers=headers)
    assert landed.status_code == 200, "the user lands on the page they asked for"


def test_mounted_with_a_dispatcher(app: Flask) -> None:
    client = Client(DispatcherMiddleware(_not_found, {"/portal": app}))
    _sign_in_through_the_redirect(client, "/portal/admin/residents/?page=0", "/portal", {})


def test_behind_a_proxy_that_sends_the_prefix(app: Flask, database_url: str, tmp_path: Any,  # app: the users
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EKTP_ADMIN_PROXIES", "1")
    from conftest import REFERENCE_DATE

    from ektp_admin.standalone import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SESSION_COOKIE_SECURE": False, "EKTP_ADMIN_REFERENCE_DATE": REFERENCE_DATE},
                     instance_path=str(tmp_path / "instance"))
    client = Client(app)
    headers = {"X-Forwarded-Prefix": "/portal", "X-Forwarded-For": "10.0.0.7", "X-Forwarded-Proto": "http"}
    try:
        _sign_in_through_the_redirect(client, "/admin/residents/?page=0", "/portal", headers, proxy_strips=True)
    finally:
        from ektp_admin import models

        with app.app_context():
            models.db.session.remove()
            models.db.engine.dispose()


def test_a_next_outside_the_mount_is_not_followed(app: Flask) -> None:
    client = Client(DispatcherMiddleware(_not_found, {"/portal": app}))
    page = client.get("/portal/login?next=/elsewhere/")
    answer = client.post("/portal/login?next=/elsewhere/", data={
        "username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/portal/"), answer.headers["Location"]
