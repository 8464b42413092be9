"""Hardening issue, item 1: requests and texts of bounded size.

- a request to the plugin larger than ``EKTP_ADMIN_MAX_REQUEST_BYTES`` (2 MB) is
  refused with 413 before its body is read, with a page in the user's language;
- an endpoint that takes a file gets ``EKTP_ADMIN_MAX_UPLOAD_BYTES`` instead;
- embedded, the plugin's limit and 413 page touch none of the host's routes;
- every text field of every form is held to its column (VARCHAR length, or
  ``EKTP_ADMIN_MAX_TEXT_CHARS`` for TEXT such as notes), with WTForms' message;
- the audit log shows long values cut short.
"""
from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request
from security.ektp_support import (
    KEC_A,
    close_app,
    count,
    csrf_token,
    field_errors,
    make_device,
    make_host,
    post_form,
    resident_form,
    sign_in,
    text,
)
from wtforms import FieldList, HiddenField, PasswordField, StringField
from wtforms.validators import Length

from ektp_admin import EktpUser, Role, get_state, models
from ektp_admin.http_policy import accepts_upload
from ektp_admin.views.forms import MODEL_ATTRIBUTE, column_text_limit

MB = 1024 * 1024
HIDDEN = (HiddenField, PasswordField)
TOO_BIG = 2 * MB + 1


def _form_body(size: int, **fields: str) -> bytes:
    """An url-encoded body of ``size`` bytes (a notes field padded out)."""
    head = "&".join(f"{k}={v}" for k, v in fields.items())
    head += "&notes="
    return (head + "x" * (size - len(head))).encode()


# ---------------------------------------------------------------------- 413


def test_an_anonymous_oversized_post_to_login_is_refused_with_413(client: Any) -> None:
    response = client.post("/login", data=_form_body(TOO_BIG, username="admin"),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = text(response)
    # Indonesian by default, saying the limit.
    assert "terlalu besar" in page and "2 MB" in page


def test_the_413_page_speaks_the_users_language(client: Any) -> None:
    client.get("/login?lang=en")
    response = client.post("/login", data=_form_body(TOO_BIG), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "What you sent is too large: at most 2 MB is accepted." in text(response)


def test_the_body_of_a_refused_request_is_not_read(app: Any) -> None:
    """The limit applies before anyone (CSRFProtect's before_request included) reads the form."""

    class Exploding(io.BytesIO):
        read_bytes = 0

        def read(self, *args: Any) -> bytes:
            Exploding.read_bytes += 1
            raise AssertionError("the body of an oversized request was read")

    client = app.test_client()
    response = client.post("/login", input_stream=Exploding(), content_type="application/x-www-form-urlencoded",
                           environ_overrides={"CONTENT_LENGTH": str(100 * MB)})
    assert response.status_code == 413
    assert Exploding.read_bytes == 0


def test_a_clerks_huge_notes_are_refused_and_nothing_is_stored(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    page = text(client.get("/admin/residents/new/"))
    body = _form_body(3 * MB, csrf_token=csrf_token(page), **{k: v for k, v in resident_form().items()})
    response = client.post("/admin/residents/new/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "What you sent is too large" in text(response)
    assert count(app, models.Resident) == 0


def test_the_limit_is_configurable(database_url: str, tmp_path: Any) -> None:
    from ektp_admin.standalone import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "EKTP_ADMIN_MAX_REQUEST_BYTES": 1000}, instance_path=str(tmp_path / "instance"))
    try:
        client = app.test_client()
        assert client.post("/login", data=_form_body(1001), content_type="application/x-www-form-urlencoded"
                           ).status_code == 413
        assert client.post("/login", data=_form_body(900), content_type="application/x-www-form-urlencoded"
                           ).status_code != 413
        assert app.config["MAX_CONTENT_LENGTH"] == 1000  # standalone: the whole portal
    finally:
        close_app(app)


def test_an_upload_endpoint_gets_the_upload_limit(app: Any, client: Any) -> None:
    @accepts_upload
    def upload() -> str:
        return str(len(request.get_data()))

    app.add_url_rule("/admin/ektp-test-upload", endpoint="ektp_test_upload", view_func=upload, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/admin/ektp-test-upload", data=b"x" * (3 * MB))
    assert response.status_code == 200 and text(response) == str(3 * MB)
    app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"] = 2 * MB
    assert client.post("/admin/ektp-test-upload", data=b"x" * (3 * MB)).status_code == 413


def test_embedded_the_limit_and_page_touch_no_host_route(database_url: str) -> None:
    users = {"camat": EktpUser("camat", Role.CLERK, KEC_A)}
    host = make_host(database_url, users)

    @host.post("/host-upload")
    def host_upload() -> str:
        return str(len(request.get_data()))

    try:
        assert host.config["MAX_CONTENT_LENGTH"] is None  # no global limit imposed on the host
        client = host.test_client()
        client.post("/host-login", data={"who": "camat"})
        assert text(client.post("/host-upload", data=b"x" * (3 * MB))) == str(3 * MB)
        response = client.post("/admin/residents/new/", data=_form_body(TOO_BIG),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert "terlalu besar" in text(response)
    finally:
        close_app(host)


def test_a_hosts_own_413_page_stays_for_its_routes(database_url: str) -> None:
    from ektp_admin import EktpAdmin

    host = Flask("host_with_limit")
    host.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True, MAX_CONTENT_LENGTH=1000)

    @host.errorhandler(413)
    def host_too_large(error: Any) -> Any:
        return "host says too large", 413

    @host.post("/host-form")
    def host_form() -> str:
        return request.form.get("a", "")

    EktpAdmin(host, current_user=lambda: EktpUser("kadis", Role.ADMIN))
    try:
        client = host.test_client()
        response = client.post("/host-form", data={"a": "x" * 2000})
        assert response.status_code == 413 and text(response) == "host says too large"
        # The host's stricter limit holds for the plugin too.
        assert client.post("/admin/residents/new/", data={"notes": "x" * 2000}).status_code == 413
    finally:
        close_app(host)


# ---------------------------------------------------------------------- text lengths


def _model_views(app: Any) -> list[Any]:
    from ektp_admin.views.base import EktpModelView

    return [v for v in get_state(app).admin._views if isinstance(v, EktpModelView)]


def test_every_text_field_of_every_form_is_held_to_its_column(app: Any) -> None:
    checked = 0
    with app.test_request_context("/"):
        for view in _model_views(app):
            for form_class in {view._create_form_class, view._edit_form_class}:
                form = form_class()
                for field in form:
                    if isinstance(field, FieldList):  # inline rows: a visit's results, a team's members
                        inline = field.unbound_field.args[0]()
                        model = getattr(inline, MODEL_ATTRIBUTE)
                        checked += _check_text_fields(view.endpoint, inline, model)
                checked += _check_text_fields(view.endpoint, form, view.model)
    assert checked >= 30


def _check_text_fields(endpoint: str, form: Any, model: Any) -> int:
    checked = 0
    for field in form:
        limit = column_text_limit(model, field.short_name)
        if limit is None or not isinstance(field, StringField) or isinstance(field, HIDDEN):
            continue
        maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
        assert maxima and min(maxima) <= limit, (endpoint, field.name, limit, maxima)
        checked += 1
    return checked


def test_text_columns_have_a_limit_and_varchars_a_sensible_length() -> None:
    for model in models.MODELS:
        for column in model.__table__.columns:
            if isinstance(column.type, sa.String) and column.type.length:
                assert column.type.length <= 255, (model.__name__, column.name)


@pytest.mark.parametrize("lang, message", [
    ("en", "Field cannot be longer than 2000 characters."),
    ("id", "Isian tidak boleh lebih dari 2000 karakter."),
])
def test_notes_longer_than_the_limit_are_refused_readably(app: Any, client: Any, lang: str, message: str) -> None:
    sign_in(client, "clerk", lang=lang)
    response = post_form(client, "/admin/residents/new/", resident_form(notes="catatan " * 300))
    assert response.status_code == 200
    assert message in field_errors(text(response))
    assert count(app, models.Resident) == 0


def test_notes_at_the_limit_are_kept(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(notes="x" * 2000))
    assert response.status_code == 302, field_errors(text(response))
    assert count(app, models.Resident) == 1


def test_a_phone_number_longer_than_its_column_is_refused(app: Any, client: Any) -> None:
    # The phone pattern allows "+" and 20 digits: 21 characters, one more than the column holds.
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(phone="+" + "8" * 20))
    assert "Field cannot be longer than 20 characters." in field_errors(text(response))
    assert count(app, models.Resident) == 0


def test_an_overlong_nik_reads_the_niks_own_message(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    data = resident_form()
    response = post_form(client, "/admin/residents/new/", {**data, "nik": data["nik"] + "1"})
    assert field_errors(text(response)) == ["NIK must have 16 digits, got 17."]


def test_the_text_limit_is_configurable(app: Any, client: Any) -> None:
    app.config["EKTP_ADMIN_MAX_TEXT_CHARS"] = 50
    sign_in(client, "admin")
    make_device(app, "KIT-009")
    response = post_form(client, "/admin/devices/new/", {"serial_number": "KIT-010", "owner_kind": "dinas",
                                                         "role": "mobile", "condition": "working",
                                                         "notes": "y" * 51})
    assert "Field cannot be longer than 50 characters." in field_errors(text(response))


# ---------------------------------------------------------------------- the audit log


def test_the_audit_log_shows_long_values_cut_short(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    long_note = "panjang " * 240  # 1,920 characters
    assert post_form(client, "/admin/residents/new/", resident_form(notes=long_note)).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(text(client.get("/admin/")))})
    sign_in(client, "admin")
    page = text(client.get("/admin/audit/"))
    assert "(1920 characters)" in page
    assert long_note.strip() not in page
    assert page.count("panjang") < 40
