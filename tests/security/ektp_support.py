"""Helpers shared by the security and screen tests (import as ``security.ektp_support``).

They drive the portal as a user would: sign in through the real login form,
read the CSRF token from the page just fetched, post forms, read what the page
shows (flash messages, field errors) and what the database stores. Nothing here
imports ``conftest`` (several test folders have one).
"""
from __future__ import annotations

import datetime as dt
import html as html_lib
import itertools
import json
import re
from typing import Any

import sqlalchemy as sa

from ektp_admin import models

PASSWORD = "rahasia-uji-123"
KEC_A, KEC_B = "35.10.01", "35.10.02"
DESA_A, DESA_A2, DESA_B = "35.10.01.2001", "35.10.01.2002", "35.10.02.2001"
ROLES = ["admin", "supervisor", "clerk"]

# A serial range of our own, so our NIKs never meet conftest's make_nik ones.
_serial = itertools.count(7001)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: Any, username: str, *, lang: str = "en") -> Any:
    """Sign in through the login form, then pick the UI language (English by default,
    so the tests read the plugin's msgids whatever the catalogues hold)."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.get(f"/admin/?lang={lang}")
    return client


def token_for(client: Any) -> str:
    """A valid CSRF token of this client's session (any page's token will do)."""
    return csrf_token(client.get("/login").get_data(as_text=True))


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    """The flash messages a page shows, as the user reads them (tags stripped, unescaped)."""
    out = []
    for block in re.findall(r'<div class="alert alert-[a-z]+ alert-dismissable">(.*?)</div>', page, re.S):
        block = re.sub(r"<button.*?</button>", "", block, flags=re.S)
        out.append(html_lib.unescape(re.sub(r"<[^>]+>", "", block)).strip())
    return out


def field_errors(page: str) -> list[str]:
    """The messages shown under form fields."""
    out = []
    for block in re.findall(r'<ul class="form-text text-danger[^"]*">(.*?)</ul>', page, re.S):
        out.extend(html_lib.unescape(m.strip()) for m in re.findall(r"<li>(.*?)</li>", block, re.S))
    return out


def input_value(page: str, name: str) -> str | None:
    """The value attribute of the input named ``name`` as the browser would read it."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html_lib.unescape(value.group(1)) if value else ""


def post_form(client: Any, form_url: str, data: dict[str, Any], *, post_url: str | None = None) -> Any:
    """GET the form (as a browser would), then POST ``data`` with the page's CSRF token."""
    page = client.get(form_url)
    assert page.status_code == 200, (form_url, page.status_code)
    return client.post(post_url or form_url, data={**data, "csrf_token": csrf_token(text(page))})


def make_nik(birth_date: dt.date, sex: str = "L", kecamatan: str = KEC_A) -> str:
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{birth_date:%m%y}{next(_serial):04d}"


def resident_form(**overrides: Any) -> dict[str, Any]:
    """A valid resident form as a clerk of kecamatan A fills it in."""
    birth = overrides.pop("birth", dt.date(1985, 3, 9))
    sex = overrides.get("sex", "L")
    data = {
        "nik": make_nik(birth, sex, KEC_A), "name": "AHMAD FAUZI", "sex": sex,
        "birth_place": "BANYUWANGI", "birth_date": birth.isoformat(), "marital_status": "married",
        "citizenship": "wni", "desa": DESA_A, "address": "JL. MERDEKA 1", "rt": "001", "rw": "002",
        "phone": "081234567890", "ktp_status": "not_recorded",
    }
    data.update(overrides)
    return data


def add(app: Any, *objects: Any) -> list[Any]:
    """Insert model objects directly (as the database would hold them); their ids."""
    with app.app_context():
        for obj in objects:
            models.db.session.add(obj)
        models.db.session.commit()
        return [sa.inspect(obj).identity[0] for obj in objects]


def make_visit(app: Any, *, kecamatan: str = KEC_A, desa: str | None = DESA_A, day: dt.date = dt.date(2016, 9, 20),
               kind: str = "village_post", state: str = "done", **extra: Any) -> int:
    return add(app, models.Visit(day=day, start_time=dt.time(8, 0), end_time=dt.time(12, 0), kind=kind, state=state,
                                 kecamatan_code=kecamatan, desa_code=desa, **extra))[0]


def make_device(app: Any, serial: str = "KIT-001", kecamatan: str | None = KEC_A, **extra: Any) -> int:
    kind = "kecamatan" if kecamatan else "dinas"
    return add(app, models.Device(serial_number=serial, owner_kind=kind, owner_kecamatan_code=kecamatan, **extra))[0]


def make_team(app: Any, name: str = "Tim Pesanggaran", kecamatan: str | None = KEC_A) -> int:
    return add(app, models.Team(name=name, kind="kecamatan" if kecamatan else "dinas", kecamatan_code=kecamatan))[0]


def make_campaign(app: Any, name: str = "Jemput Bola September") -> int:
    return add(app, models.Campaign(name=name, start_date=dt.date(2016, 9, 1), target_date=dt.date(2016, 9, 30),
                                    scope_code="35.10"))[0]


def make_outreach(app: Any, desa: str = DESA_A, by_whom: str = "Takmir Masjid Al-Ikhlas") -> int:
    return add(app, models.Outreach(desa_code=desa, kecamatan_code=desa[:8], channel="mosque",
                                    held_on=dt.date(2016, 9, 10), by_whom=by_whom))[0]


def make_result(app: Any, visit_id: int, resident_id: int, result: str = "not_home") -> int:
    return add(app, models.VisitResult(visit_id=visit_id, resident_id=resident_id, result=result))[0]


def fetch(app: Any, model: Any, id: Any) -> Any:
    """A fresh copy of a stored row (None if gone)."""
    with app.app_context():
        obj = models.db.session.get(model, id)
        if obj is not None:
            models.db.session.expunge(obj)
        return obj


def count(app: Any, model: Any, *where: Any) -> int:
    with app.app_context():
        return models.db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def audit_entries(app: Any, **where: Any) -> list[dict[str, Any]]:
    """Audit rows (oldest first) as dicts, ``changes`` decoded."""
    with app.app_context():
        query = sa.select(models.AuditEntry).order_by(models.AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(models.AuditEntry, key) == value)
        rows = models.db.session.execute(query).scalars().all()
        return [
            {"username": r.username, "action": r.action, "table_name": r.table_name, "record_id": r.record_id,
             "kecamatan_code": r.kecamatan_code, "at": r.at, "changes": json.loads(r.changes) if r.changes else None}
            for r in rows
        ]


def purge_data(engine: sa.Engine) -> None:
    """Empty every table but the regions (as the app fixture does before each test)."""
    keep = {"ektp_kecamatan", "ektp_desa"}
    with engine.begin() as conn:
        conn.execute(sa.update(models.Resident.__table__).values(recorded_visit_id=None))
        for table in reversed(models.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())


def temp_region(app: Any, kecamatan: str = "35.10.90", desa: str = "35.10.90.2001") -> tuple[str, str]:
    """A kecamatan and desa of our own (the packaged regions stay untouched)."""
    with app.app_context():
        session = models.db.session
        if session.get(models.Kecamatan, kecamatan) is None:
            session.add(models.Kecamatan(code=kecamatan, name="KECAMATAN UJI", regency_code="35.10"))
            session.flush()
        if desa and session.get(models.Desa, desa) is None:
            session.add(models.Desa(code=desa, name="DESA UJI", kecamatan_code=kecamatan))
        session.commit()
    return kecamatan, desa


def drop_temp_regions(app: Any) -> None:
    """Remove what :func:`temp_region` made, after every row that points at it."""
    with app.app_context():
        engine = models.db.engine
        purge_data(engine)
        with engine.begin() as conn:
            conn.execute(models.Desa.__table__.delete().where(models.Desa.name == "DESA UJI"))
            conn.execute(models.Kecamatan.__table__.delete().where(models.Kecamatan.name == "KECAMATAN UJI"))


def make_host(database_url: str, users: dict[str, Any], *, csrf_protect: bool = False) -> Any:
    """A host portal embedding the plugin: its own login, the documented
    ``current_user=`` hook, and (by default) no CSRFProtect of its own."""
    from flask import Flask, request, session

    from ektp_admin import EktpAdmin

    host = Flask("host_portal")
    host.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True,
                       EKTP_ADMIN_REFERENCE_DATE=dt.date(2016, 9, 21))
    if csrf_protect:
        from flask_wtf.csrf import CSRFProtect

        CSRFProtect(host)

    @host.post("/host-login")
    def host_login() -> str:
        session["who"] = request.form["who"]
        return "ok"

    if csrf_protect:
        host.extensions["csrf"].exempt(host_login)
    EktpAdmin(host, current_user=lambda: users.get(session.get("who", "")))
    return host


def filter_arg(app: Any, endpoint: str, label: str, operation: str) -> str:
    """The URL argument (``flt0_<n>``) of a list filter, found by its label and operation."""
    from ektp_admin import get_state

    view = next(v for v in get_state(app).admin._views if v.endpoint == endpoint)
    with app.test_request_context("/?lang=en"):
        from flask import session

        session["ektp_admin_lang"] = "en"
        for arg, (index, _name, flt) in _filter_items(view):
            if str(flt.name) == label and str(flt.operation()) == operation:
                return f"flt0_{arg}"
    raise AssertionError(f"no filter {label!r} {operation!r} on {endpoint}")


def _filter_items(view: Any) -> Any:
    for index, flt in enumerate(view._filters or []):
        yield view.get_filter_arg(index, flt), (index, flt.name, flt)


def form_fields(page: str, with_field: str = "csrf_token") -> list[tuple[str, str]]:
    """What a browser would submit for a page's (last) form holding ``with_field``.

    Inputs (checked boxes only), the selected option of each select (or its first
    option), textareas; buttons are left out.
    """
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.forms: list[list[tuple[str, str]]] = []
            self.current: list[tuple[str, str]] | None = None
            self.select: tuple[str, list[tuple[str, bool]]] | None = None
            self.option: tuple[str, bool] | None = None
            self.option_text = ""
            self.textarea: str | None = None
            self.textarea_text = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.current = []
            elif self.current is None:
                return
            elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "reset"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.current.append((a["name"], a.get("value", "y" if a.get("type") == "checkbox" else "")))
            elif tag == "select" and a.get("name"):
                self.select = (a["name"], [])
            elif tag == "option" and self.select is not None:
                self.option = (a.get("value"), "selected" in a) if "value" in a else None
                self.option_text = ""
                self._option_attrs = a
            elif tag == "textarea" and a.get("name"):
                self.textarea, self.textarea_text = a["name"], ""

        def handle_data(self, data: str) -> None:
            if self.textarea is not None:
                self.textarea_text += data
            if self.select is not None:
                self.option_text += data

        def handle_endtag(self, tag: str) -> None:
            if tag == "option" and self.select is not None:
                value, selected = self.option if self.option else (self.option_text.strip(), "selected" in self._option_attrs)
                self.select[1].append((value, selected))
                self.option = None
            elif tag == "select" and self.select is not None and self.current is not None:
                name, options = self.select
                chosen = [v for v, sel in options if sel] or [v for v, _ in options[:1]]
                self.current.extend((name, v) for v in chosen)
                self.select = None
            elif tag == "textarea" and self.textarea is not None and self.current is not None:
                body = self.textarea_text  # a browser drops the newline right after <textarea>
                body = body[2:] if body.startswith("\r\n") else body[1:] if body.startswith("\n") else body
                self.current.append((self.textarea, body))
                self.textarea = None
            elif tag == "form" and self.current is not None:
                self.forms.append(self.current)
                self.current = None

    reader = Reader()
    reader.feed(page)
    forms = [f for f in reader.forms if any(name == with_field for name, _ in f)]
    assert forms, f"no form with a {with_field} field"
    return forms[-1]


def submit(client: Any, url: str, fields: list[tuple[str, str]], **changes: str) -> Any:
    """POST ``fields`` (from :func:`form_fields`) to ``url`` with some values changed."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict([(k, changes[k] if k in changes else v) for k, v in fields])
    for key, value in changes.items():
        if key not in data:
            data[key] = value
    return client.post(url, data=data)


def close_app(app: Any) -> None:
    """Release an extra app's database connections (the app fixture does this for its own)."""
    with app.app_context():
        models.db.session.remove()
        models.db.engine.dispose()
