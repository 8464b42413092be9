"""A small municipal portal with its own blueprints, Admin, database and login
embeds the plugin, and both keep working side by side."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from conftest import csrf_token, make_nik
from flask import Blueprint, Flask, jsonify, request, session
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ektp_admin import EktpAdmin, EktpUser, Role
from ektp_admin.regions import load_regions


class HostBase(DeclarativeBase):
    pass


class Employee(HostBase):
    """A table of the host portal itself."""

    __tablename__ = "portal_employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))


# The portal's own users: role and kecamatan kept in its session after its own login.
PORTAL_USERS = {
    "camat": EktpUser("camat", Role.CLERK, "35.10.01"),
    "kadis": EktpUser("kadis", Role.SUPERVISOR),
}


def portal_user() -> EktpUser | None:
    """The documented hook: the host says who is signed in, with role and kecamatan."""
    return PORTAL_USERS.get(session.get("portal_user", ""))


def create_portal(database_url: str, *, with_babel: bool, with_csrf: bool) -> tuple[Flask, Any]:
    app = Flask("municipal_portal")
    app.config.update(SECRET_KEY="portal-secret", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True,
                      EKTP_ADMIN_REFERENCE_DATE=dt.date(2016, 9, 21))
    db = SQLAlchemy(model_class=HostBase)
    db.init_app(app)

    # Blueprints whose names a naive plugin would collide with.
    residents = Blueprint("residents", __name__, url_prefix="/residents")
    devices = Blueprint("devices", __name__, url_prefix="/devices")

    @residents.route("/")
    def portal_residents() -> Any:
        return "portal residents page"

    @devices.route("/")
    def portal_devices() -> Any:
        return "portal devices page"

    auth = Blueprint("portal_auth", __name__)

    @auth.route("/portal-login", methods=["POST"])
    def portal_login() -> Any:
        session["portal_user"] = request.form["user"]
        return jsonify(ok=True)

    app.register_blueprint(residents)
    app.register_blueprint(devices)
    app.register_blueprint(auth)
    if with_babel:
        from flask_babel import Babel

        Babel(app, locale_selector=lambda: "en")
    if with_csrf:
        from flask_wtf.csrf import CSRFProtect

        # The portal's own (test-only) login is exempt; everything else needs a token.
        CSRFProtect(app).exempt(auth)
    admin = Admin(app, name="Portal Pemkab", url="/admin")
    admin.add_view(ModelView(Employee, db, endpoint="portal_employee", url="employees"))

    EktpAdmin(app, admin=admin, db=db, current_user=portal_user)
    return app, db


@pytest.fixture(params=[(False, False), (True, True)], ids=["no-babel-no-csrfprotect", "babel-and-csrfprotect"])
def portal(request: Any, database_url: str) -> Iterator[tuple[Flask, Any]]:
    with_babel, with_csrf = request.param
    app, db = create_portal(database_url, with_babel=with_babel, with_csrf=with_csrf)
    with app.app_context():
        db.create_all()  # the host's create_all now knows the ektp_ tables too
        from ektp_admin import models

        with db.engine.begin() as conn:
            for table in reversed(models.metadata.sorted_tables):
                if table.name not in ("ektp_kecamatan", "ektp_desa"):
                    conn.execute(sa.text(f"DELETE FROM {table.name}"))
        load_regions(db.session, "35.10")
        db.session.add(models.Resident(nik=make_nik(dt.date(1970, 1, 2), "L"), name="BUDI SANTOSO", sex="L",
                                       birth_date=dt.date(1970, 1, 2), desa_code="35.10.01.2001",
                                       kecamatan_code="35.10.01"))
        db.session.commit()
    yield app, db
    with app.app_context():
        db.session.remove()
        Employee.__table__.drop(db.engine, checkfirst=True)
        db.engine.dispose()


def test_host_blueprints_and_admin_keep_working(portal: Any) -> None:
    app, _ = portal
    client = app.test_client()
    assert client.get("/residents/").get_data(as_text=True) == "portal residents page"
    assert client.get("/devices/").get_data(as_text=True) == "portal devices page"
    assert client.get("/admin/employees/").status_code == 200
    endpoints = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()}
    ours = {e for e in endpoints if e.startswith("ektp_")}
    assert {"ektp_residents", "ektp_visits", "ektp_devices", "ektp_outstanding", "ektp_teams"} <= ours
    assert "ektp_users" not in ours  # the host brings its own users


def test_host_metadata_includes_plugin_tables(portal: Any) -> None:
    _, db = portal
    assert {"ektp_resident", "ektp_visit", "portal_employee"} <= set(db.metadata.tables)


def test_host_user_drives_access_and_scope(portal: Any) -> None:
    app, _ = portal
    client = app.test_client()
    assert client.get("/admin/residents/").status_code in (401, 403)
    client.post("/portal-login", data={"user": "camat"})
    page = client.get("/admin/residents/")
    assert page.status_code == 200
    assert "BUDI SANTOSO" in page.get_data(as_text=True)
    assert client.get("/admin/outstanding/").status_code == 200


def test_clerk_edit_through_host_session_with_csrf(portal: Any) -> None:
    app, db = portal
    client = app.test_client()
    client.post("/portal-login", data={"user": "camat"})
    with app.app_context():
        from ektp_admin.models import Resident

        resident_id = db.session.execute(sa.select(Resident.id)).scalar_one()
    form_page = client.get(f"/admin/residents/edit/?id={resident_id}")
    assert form_page.status_code == 200
    html = form_page.get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(html), "nik": make_nik(dt.date(1970, 1, 2), "L", serial=1),
        "name": "BUDI SANTOSO", "sex": "L", "birth_date": "1970-01-02", "marital_status": "married",
        "citizenship": "wni", "desa": "35.10.01.2001", "phone": "081234567890", "ktp_status": "not_recorded",
        "ektp_version": "1",
    }
    refused = client.post(f"/admin/residents/edit/?id={resident_id}", data={**data, "csrf_token": "forged"})
    assert refused.status_code in (200, 400)
    with app.app_context():
        from ektp_admin.models import Resident

        assert db.session.get(Resident, resident_id).phone is None
    saved = client.post(f"/admin/residents/edit/?id={resident_id}", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    with app.app_context():
        from ektp_admin.models import AuditEntry, Resident

        db.session.expire_all()
        assert db.session.get(Resident, resident_id).phone == "081234567890"
        entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "update")).scalar_one()
        assert entry.username == "camat"


def test_init_app_twice_and_second_sqlalchemy_fail_loudly(database_url: str) -> None:
    app = Flask("twice")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    host_db = SQLAlchemy()
    host_db.init_app(app)
    with pytest.raises(RuntimeError, match="pass it to EktpAdmin"):
        EktpAdmin(app)
    app2 = Flask("twice2")
    app2.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    EktpAdmin(app2, current_user=lambda: None)
    with pytest.raises(RuntimeError, match="already registered"):
        EktpAdmin(app2)


def test_own_admin_under_custom_prefix() -> None:
    app = Flask("prefixed")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", EKTP_ADMIN_URL="/ektp", SECRET_KEY="x")
    EktpAdmin(app, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    with app.app_context():
        from ektp_admin.models import db

        db.create_all()
        client = app.test_client()
        assert client.get("/ektp/residents/").status_code == 200
        assert client.get("/ektp/outstanding/").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_supervisor_releases_a_standby_kit_with_or_without_csrfprotect(portal: Any) -> None:
    """The kit board's release form carries Flask-WTF's token whether or not the host
    runs CSRFProtect (which alone puts ``csrf_token()`` into templates)."""
    app, db = portal
    from ektp_admin import models

    with app.app_context():
        kit = models.Device(serial_number="PSG-STB", owner_kind="kecamatan", owner_kecamatan_code="35.10.01",
                            role="standby")
        db.session.add(kit)
        db.session.commit()
        kit_id = kit.id
    client = app.test_client()
    client.post("/portal-login", data={"user": "kadis"})
    board = client.get("/admin/kits/")
    assert board.status_code == 200
    token = csrf_token(board.get_data(as_text=True))
    response = client.post("/admin/kits/release", data={"csrf_token": token, "device": kit_id, "day": "22-09-2016",
                                                        "reason": "mobile kit in repair"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.execute(sa.select(models.DeviceRelease.reason)).scalars().all() == ["mobile kit in repair"]
    assert client.post("/admin/kits/release", data={"device": kit_id, "day": "23-09-2016",
                                                    "reason": "no token"}).status_code == 400
    assert client.get("/admin/").status_code == 200 and client.get("/admin/progress/").status_code == 200


def test_a_host_admin_draws_its_menu_every_time(portal: Any) -> None:
    """The menu and links the plugin reuses on its own Admin (views/chrome.py) are never
    reused on a host's: its screens answer to its own rules."""
    app, _ = portal
    client = app.test_client()
    client.post("/portal-login", data={"user": "camat"})
    for _ in range(2):
        page = client.get("/admin/residents/").get_data(as_text=True)
        assert 'href="/admin/employees/"' in page
    assert not app.extensions["ektp_admin"].page_parts
