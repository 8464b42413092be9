"""A first-class extension: state per app, effects on the host only where asked."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, make_nik
from flask import Flask, session
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ektp_admin import NO_EKTP_ROLE, EktpAdmin, EktpUser, Role, get_state, models
from ektp_admin.config import ConfigError


class PortalBase(DeclarativeBase):
    pass


class Notice(PortalBase):
    __tablename__ = "portal_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(80))


_PORTALS: list[tuple[Flask, Any]] = []


@pytest.fixture(autouse=True)
def _close_portals() -> Any:
    """Every portal a test built gives its connections back (a server database counts them)."""
    yield
    while _PORTALS:
        portal, db = _PORTALS.pop()
        with portal.app_context():
            db.session.remove()
            db.engine.dispose()


def _portal(database_url: str, hook: Any, name: str = "portal", **config: Any) -> tuple[Flask, Any]:
    app = Flask(name)
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True,
                      EKTP_ADMIN_REFERENCE_DATE=dt.date(2016, 9, 21), **config)
    db = SQLAlchemy(model_class=PortalBase)
    db.init_app(app)
    _PORTALS.append((app, db))

    @app.post("/sign-in/<who>")
    def sign_in(who: str) -> str:
        session["who"] = who
        return "ok"

    return app, db


def _residents(app: Any, db: Any) -> None:
    with app.app_context():
        for desa, name in ((DESA_A, "WARGA A"), (DESA_B, "WARGA B")):
            birth = dt.date(1980, 1, 1)
            db.session.add(models.Resident(
                nik=make_nik(birth, "L", desa[:8]), name=name, sex="L", birth_date=birth, desa_code=desa,
                kecamatan_code=desa[:8], marital_status="married", citizenship="wni", ktp_status="not_recorded"))
        db.session.commit()


def _export_names(client: Any) -> list[str]:
    body = client.get("/admin/residents/export/csv/").get_data(as_text=True).lstrip("\ufeff")
    return sorted(row[2] for row in list(csv.reader(io.StringIO(body)))[1:-1])  # less header and trailer


def test_one_object_on_two_apps_keeps_each_apps_hook(app: Any, database_url: str) -> None:
    """The first app's clerk is not the second app's supervisor (the hook is per app)."""
    ektp = EktpAdmin()
    first, db1 = _portal(database_url, None, "first")
    second, db2 = _portal(database_url, None, "second")
    ektp.init_app(first, db=db1, current_user=lambda: EktpUser("camat", Role.CLERK, KEC_A))
    ektp.init_app(second, db=db2, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    _residents(first, db1)
    assert _export_names(first.test_client()) == ["WARGA A"]
    assert _export_names(second.test_client()) == ["WARGA A", "WARGA B"]
    assert get_state(first).db is db1 and get_state(second).db is db2


def test_audit_listeners_hang_on_the_given_db_only(app: Any, database_url: str) -> None:
    """A flush in the host's own sessions is not audited; the plugin's db is."""
    portal, db = _portal(database_url, None)
    EktpAdmin(portal, db=db, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    with portal.app_context():
        before = db.session.execute(sa.select(sa.func.count(models.AuditEntry.id))).scalar_one()
        db.session.commit()  # end the read: MariaDB would keep its snapshot and miss the next commit
        with Session(db.engine) as own:  # the host's own session, not the plugin's
            birth = dt.date(1981, 2, 2)
            own.add(models.Resident(nik=make_nik(birth, "L", KEC_A), name="TANPA AUDIT", sex="L", birth_date=birth,
                                    desa_code=DESA_A, kecamatan_code=KEC_A, marital_status="single",
                                    citizenship="wni", ktp_status="not_recorded"))
            own.commit()
        assert db.session.execute(sa.select(sa.func.count(models.AuditEntry.id))).scalar_one() == before
        db.session.commit()
        resident = db.session.execute(sa.select(models.Resident).where(models.Resident.name == "TANPA AUDIT")).scalar_one()
        resident.phone = "081234567890"
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count(models.AuditEntry.id))).scalar_one() == before + 1


def test_the_hooks_three_answers(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None, EKTP_ADMIN_LOGIN_ENDPOINT="sign_in_page")
    answers = {"camat": EktpUser("camat", Role.CLERK, KEC_A), "staff": NO_EKTP_ROLE}

    @portal.get("/sign-in")
    def sign_in_page() -> str:
        return "portal sign-in"

    EktpAdmin(portal, db=db, current_user=lambda: answers.get(session.get("who", "")))
    client = portal.test_client()
    anonymous = client.get("/admin/residents/")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    client.post("/sign-in/staff")
    refused = client.get("/admin/residents/")
    assert refused.status_code == 403, "signed in without an e-KTP role: a 403 page, not the login page"
    client.post("/sign-in/camat")
    assert client.get("/admin/residents/").status_code == 200


def test_everything_under_one_menu_entry_and_only_the_chosen_screens(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None, EKTP_ADMIN_MENU_CATEGORY="e-KTP",
                         EKTP_ADMIN_SCREENS=("residents", "outstanding", "visits"))
    admin = Admin(portal, name="Portal", url="/admin")
    EktpAdmin(portal, admin=admin, db=db, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    ours = [v for v in admin._views if v.endpoint.startswith("ektp_")]
    assert [v.endpoint for v in ours] == ["ektp_residents", "ektp_outstanding", "ektp_visits"]
    assert {str(v.category) for v in ours} == {"e-KTP"}
    menu = [str(item.name) for item in admin.menu()]
    assert menu.count("e-KTP") == 1
    assert portal.test_client().get("/admin/devices/").status_code == 404


def test_an_unknown_screen_is_refused(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None, EKTP_ADMIN_SCREENS=("residents", "penduduk"))
    with pytest.raises(ConfigError, match=r"unknown screens \['penduduk'\]"):
        EktpAdmin(portal, db=db, current_user=lambda: None)


def test_a_url_the_hosts_admin_already_serves_is_refused(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None)
    admin = Admin(portal, name="Portal", url="/admin")
    admin.add_view(ModelView(Notice, db, endpoint="portal_residents", url="residents"))
    with pytest.raises(RuntimeError, match=r"already has a screen at /admin/residents/ \(portal_residents\)"):
        EktpAdmin(portal, admin=admin, db=db, current_user=lambda: None)


def test_a_route_the_host_already_serves_is_refused(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None)

    @portal.get("/admin/outstanding/")
    def portal_outstanding() -> str:
        return "the portal's own page"

    with pytest.raises(RuntimeError, match=r"already serves /admin/outstanding/ \(portal_outstanding\)"):
        EktpAdmin(portal, db=db, current_user=lambda: None)


def test_the_language_switch_can_be_turned_off(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None, EKTP_ADMIN_LANGUAGE_SWITCH=False, EKTP_ADMIN_DEFAULT_LOCALE="id")
    EktpAdmin(portal, db=db, current_user=lambda: EktpUser("kadis", Role.SUPERVISOR))
    page = portal.test_client().get("/admin/residents/?lang=en").get_data(as_text=True)
    assert "Penduduk" in page and "Residents" not in page.split("<title>")[1].split("</title>")[0]


def test_a_host_with_a_hook_gets_no_login_table_and_no_create_user(app: Any, database_url: str) -> None:
    portal, db = _portal(database_url, None)
    EktpAdmin(portal, db=db, current_user=lambda: None)
    assert "ektp_user" not in db.metadata.tables
    assert "ektp_resident" in db.metadata.tables
    result = portal.test_cli_runner().invoke(args=["ektp", "--help"])
    assert "load-regions" in result.output and "create-user" not in result.output
    standalone_like, db2 = _portal(database_url, None, "standalone_like")
    EktpAdmin(standalone_like, db=db2)
    assert "ektp_user" in db2.metadata.tables
    result = standalone_like.test_cli_runner().invoke(args=["ektp", "--help"])
    assert "create-user" in result.output
