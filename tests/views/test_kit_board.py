"""The kit rule and its board (/admin/kits/).

Each kecamatan keeps one kit on standby at its office while the other goes out:
a standby kit is not booked for a village post or a home visit unless a supervisor
(or an admin) released it for the day with a reason; a clerk cannot. The board
lists every kit in reach and each kecamatan that breaks the rule today or lacks a
working standby or mobile kit. The reference day is 21 September 2016.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, KEC_B, REFERENCE_DATE, csrf_token

from ektp_admin import models
from ektp_admin.domain.enums import DeviceRole

URL = "/admin/kits/"
TODAY = REFERENCE_DATE
TOMORROW = REFERENCE_DATE + dt.timedelta(days=1)


def text(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def sign_in(login_as: Any) -> Any:
    def _sign_in(username: str) -> Any:
        client = login_as(username)
        assert client.get(URL + "?lang=en").status_code == 200
        return client

    return _sign_in


def _add(app: Any, *objs: Any) -> list[int]:
    with app.app_context():
        models.db.session.add_all(objs)
        models.db.session.commit()
        return [o.id for o in objs]


@pytest.fixture
def kits(app: Any) -> dict[str, int]:
    """A: a standby and a mobile kit (all well). B: standby in repair, mobile working.
    A Dinas kit on standby (the rule is the kecamatan's)."""
    def kit(serial: str, kecamatan: str | None, role: DeviceRole, condition: str = "working") -> Any:
        return models.Device(serial_number=serial, owner_kind="kecamatan" if kecamatan else "dinas",
                             owner_kecamatan_code=kecamatan, role=role.value, condition=condition,
                             location=f"Kantor {serial}")

    ids = _add(app, kit("A-STB", KEC_A, DeviceRole.STANDBY), kit("A-MOB", KEC_A, DeviceRole.MOBILE),
               kit("B-STB", KEC_B, DeviceRole.STANDBY, "in_repair"), kit("B-MOB", KEC_B, DeviceRole.MOBILE),
               kit("DINAS-1", None, DeviceRole.STANDBY))
    return dict(zip(("A-STB", "A-MOB", "B-STB", "B-MOB", "DINAS-1"), ids))


def visit_form(token: str, **fields: Any) -> dict[str, str]:
    data = {
        "csrf_token": token, "day": TOMORROW.isoformat(), "start_time": "08:00", "end_time": "12:00",
        "kind": "village_post", "state": "planned", "kecamatan": "__None", "desa": DESA_A, "host_resident": "",
        "host_address": "", "team": "__None", "device": "__None", "campaign": "__None", "notes": "",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


def book(client: Any, **fields: Any) -> Any:
    token = csrf_token(client.get("/admin/visits/new/").get_data(as_text=True))
    return client.post("/admin/visits/new/", data=visit_form(token, **fields))


def release(client: Any, **fields: Any) -> Any:
    token = csrf_token(client.get(URL).get_data(as_text=True)) if fields.pop("token", True) else ""
    return client.post(URL + "release", data={"csrf_token": token, **{k: str(v) for k, v in fields.items()}})


def visits(app: Any) -> list[tuple[int, str]]:
    with app.app_context():
        return [tuple(r) for r in models.db.session.execute(
            sa.select(models.Visit.device_id, models.Visit.kind).order_by(models.Visit.id)).all()]


def releases(app: Any) -> list[tuple[int, dt.date, str, str]]:
    with app.app_context():
        return [tuple(r) for r in models.db.session.execute(sa.select(
            models.DeviceRelease.device_id, models.DeviceRelease.day, models.DeviceRelease.reason,
            models.DeviceRelease.released_by).order_by(models.DeviceRelease.id)).all()]


STANDBY_REFUSED = "Kit A-STB is the kecamatan's standby kit and stays at the office"


# ------------------------------------------------------------------ the rule, per role


@pytest.mark.parametrize("kind,extra", [("village_post", {}), ("home", {"host_address": "Rumah Pak RT"}),
                                        ("cluster", {"host_address": "Rumah Bu RW"})])
def test_clerk_cannot_book_the_standby_kit_out(app: Any, sign_in: Any, kits: dict[str, int], kind: str,
                                               extra: dict[str, str]) -> None:
    client = sign_in("clerk")
    page = text(book(client, device=kits["A-STB"], kind=kind, **extra))
    assert STANDBY_REFUSED in page and "unless a supervisor releases it for that day" in page
    assert visits(app) == []
    # the mobile kit goes; the standby kit serves the office
    assert book(client, device=kits["A-MOB"], kind=kind, **extra).status_code == 302
    assert book(client, device=kits["A-STB"], kind="office", desa="").status_code == 302
    assert visits(app) == [(kits["A-MOB"], kind), (kits["A-STB"], "office")]


def test_the_dinas_kit_is_not_held_by_the_rule(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    assert book(sign_in("clerk"), device=kits["DINAS-1"]).status_code == 302


def test_clerk_cannot_release(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    client = sign_in("clerk")
    assert release(client, device=kits["A-STB"], day="22-09-2016", reason="saya mau").status_code == 403
    assert releases(app) == []
    assert "Release the standby kit for that day" not in text(client.get(URL))


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisor_or_admin_releases_then_the_clerk_books(app: Any, sign_in: Any, kits: dict[str, int],
                                                           role: str) -> None:
    staff = sign_in(role)
    response = release(staff, device=kits["A-STB"], day="22-09-2016", reason="Kit keliling rusak")
    assert response.status_code == 303
    assert "Kit A-STB may go out on 22-09-2016." in text(staff.get(URL))
    assert releases(app) == [(kits["A-STB"], TOMORROW, "Kit keliling rusak", role)]
    board = text(staff.get(URL))
    assert re.search(r'data-release="A-STB 2016-09-22">.*?Kit keliling rusak.*?' + role, board, re.S)
    # audited, like every change
    with app.app_context():
        entry = models.db.session.execute(sa.select(models.AuditEntry).where(
            models.AuditEntry.table_name == "ektp_device_release")).scalar_one()
        assert entry.username == role and entry.action == "create" and entry.kecamatan_code == KEC_A
    clerk = sign_in("clerk")
    assert book(clerk, device=kits["A-STB"]).status_code == 302  # on the released day
    page = text(book(clerk, device=kits["A-STB"], day=(TOMORROW + dt.timedelta(days=1)).isoformat()))
    assert STANDBY_REFUSED in page  # only that day
    assert visits(app) == [(kits["A-STB"], "village_post")]


@pytest.mark.parametrize("fields,message", [
    ({"day": "22-09-2016", "reason": ""}, "Give the reason the standby kit may go out"),
    ({"day": "32-09-2016", "reason": "x"}, "Write the day as DD-MM-YYYY"),
    ({"day": "", "reason": "x"}, "Write the day as DD-MM-YYYY"),
    ({"day": "20-09-2016", "reason": "x"}, "20-09-2016 has passed"),
    ({"day": "22-09-2016", "reason": "x" * 201}, "The reason is too long"),
])
def test_bad_release_input_is_refused_clearly(app: Any, sign_in: Any, kits: dict[str, int], fields: dict[str, str],
                                              message: str) -> None:
    client = sign_in("supervisor")
    response = release(client, device=kits["A-STB"], **fields)
    assert response.status_code == 303
    assert message in text(client.get(response.headers["Location"]))
    assert releases(app) == []


def test_release_of_a_mobile_or_unknown_kit_or_twice(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    client = sign_in("supervisor")
    for device, message in ((kits["A-MOB"], "Kit A-MOB is not a kecamatan's standby kit"),
                            (kits["DINAS-1"], "Kit DINAS-1 is not a kecamatan's standby kit"),
                            ("999999", "Choose the standby kit to release"), ("abc", "Choose the standby kit")):
        response = release(client, device=device, day="22-09-2016", reason="x")
        assert message in text(client.get(response.headers["Location"]))
    release(client, device=kits["A-STB"], day="22-09-2016", reason="pertama")
    response = release(client, device=kits["A-STB"], day="2016-09-22", reason="kedua")
    assert "Kit A-STB is already released for 22-09-2016 (by supervisor: pertama)." in text(
        client.get(response.headers["Location"]))
    assert [r[2] for r in releases(app)] == ["pertama"]
    assert release(client, device=kits["A-STB"], day="22-09-2016", reason="x", token=False).status_code == 400


def test_a_visit_booked_before_the_rule_stays_editable(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    """A standby kit already booked out (before it became the standby one) is not refused
    when the visit is saved again unchanged; changing its day books it anew."""
    [visit_id] = _add(app, models.Visit(day=TOMORROW, start_time=dt.time(8), end_time=dt.time(12),
                                        kind="village_post", state="planned", kecamatan_code=KEC_A,
                                        desa_code=DESA_A, device_id=kits["A-STB"]))
    client = sign_in("clerk")
    page = client.get(f"/admin/visits/edit/?id={visit_id}").get_data(as_text=True)
    version = re.search(r'name="ektp_version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="ektp_version"', page)
    data = visit_form(csrf_token(page), device=kits["A-STB"], notes="dicatat ulang")
    data["ektp_version"] = version.group(1)
    assert client.post(f"/admin/visits/edit/?id={visit_id}", data=data).status_code == 302
    page = client.get(f"/admin/visits/edit/?id={visit_id}").get_data(as_text=True)
    data = visit_form(csrf_token(page), device=kits["A-STB"], day="2016-09-23")
    data["ektp_version"] = (re.search(r'name="ektp_version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="ektp_version"', page)).group(1)
    assert STANDBY_REFUSED in text(client.post(f"/admin/visits/edit/?id={visit_id}", data=data))


# ------------------------------------------------------------------ the board


def _rule_row(page: str, kecamatan: str) -> str:
    start = page.index(f'data-rule-kecamatan="{kecamatan}"')
    return page[start: page.index("</tr>", start)]


def _kit_row(page: str, serial: str) -> str:
    start = page.index(f'data-serial="{serial}"')
    return page[start: page.index("</tr>", start)]


def direct_breaches(app: Any) -> set[str]:
    """Kecamatan lacking a working standby or mobile kit, or whose standby kit is out
    today, counted straight from the tables."""
    with app.app_context():
        s = models.db.session
        D, V = models.Device, models.Visit
        codes = set(s.execute(sa.select(models.Kecamatan.code)).scalars())
        ready = {(code, role) for code, role in s.execute(sa.select(D.owner_kecamatan_code, D.role).where(
            D.condition == "working", D.owner_kind == "kecamatan"))}
        out = set(s.execute(sa.select(D.owner_kecamatan_code).join(V, V.device_id == D.id).where(
            V.day == TODAY, V.state != "cancelled", V.kind != "office", D.role == "standby",
            D.owner_kind == "kecamatan")).scalars())
    return {c for c in codes if (c, "standby") not in ready or (c, "mobile") not in ready or c in out}


def test_board_lists_the_kecamatan_breaking_the_rule(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    # today A's standby kit is out at a village post, without a release
    [visit_id] = _add(app, models.Visit(day=TODAY, start_time=dt.time(8), end_time=dt.time(12), kind="village_post",
                                        state="planned", kecamatan_code=KEC_A, desa_code=DESA_A,
                                        device_id=kits["A-STB"]))
    _add(app, models.Visit(day=TODAY, start_time=dt.time(8), end_time=dt.time(12), kind="office", state="planned",
                           kecamatan_code=KEC_B, desa_code=None, device_id=kits["B-MOB"]))
    page = text(sign_in("supervisor").get(URL))
    expected = direct_breaches(app)
    assert KEC_A in expected and KEC_B in expected and len(expected) == 25  # 23 kecamatan have no kits at all
    assert set(re.findall(r'data-rule-kecamatan="([\d.]+)"', page)) == expected
    assert re.search(r'data-figure="rule_breaches">25<', page)
    a = _rule_row(page, KEC_A)
    assert 'data-problem="standby_out"' in a and "A-STB" in a and "not released" in a
    assert f"/admin/visits/details/?id={visit_id}" in a
    assert 'data-problem="no_standby"' not in a and 'data-problem="no_mobile"' not in a
    b = _rule_row(page, KEC_B)
    assert 'data-problem="no_standby"' in b and 'data-problem="standby_out"' not in b  # in repair: missing
    assert re.search(r'data-col="standby_ready">0<', b) and re.search(r'data-col="mobile_ready">1<', b)
    # where each kit is today, and its bookings ahead
    assert "Village post" in _kit_row(page, "A-STB") and "Kantor A-MOB" in _kit_row(page, "A-MOB")
    assert re.search(r'data-col="planned">1<', _kit_row(page, "A-STB"))
    assert re.search(r'data-col="planned">0<', _kit_row(page, "A-MOB"))


def test_a_released_standby_kit_out_is_listed_with_its_reason(app: Any, sign_in: Any,
                                                              kits: dict[str, int]) -> None:
    _add(app, models.DeviceRelease(device_id=kits["A-STB"], day=TODAY, reason="Pemindai keliling rusak",
                                   released_by="supervisor"),
         models.Visit(day=TODAY, start_time=dt.time(8), end_time=dt.time(12), kind="home", state="planned",
                      kecamatan_code=KEC_A, desa_code=DESA_A, host_address="Rumah", device_id=kits["A-STB"]))
    a = _rule_row(text(sign_in("supervisor").get(URL)), KEC_A)
    assert "released by supervisor: Pemindai keliling rusak" in a and "not released" not in a


def test_clerk_sees_only_their_kecamatan_on_the_board(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    _add(app, models.DeviceRelease(device_id=kits["B-STB"], day=TOMORROW, reason="RAHASIA B", released_by="x"))
    page = text(sign_in("clerk").get(URL))
    assert set(re.findall(r'data-serial="([^"]+)"', page)) == {"A-STB", "A-MOB", "DINAS-1"}
    assert re.findall(r'data-rule-kecamatan="([\d.]+)"', page) == []  # A keeps the rule today
    assert "RAHASIA B" not in page and "B-STB" not in page
    assert sign_in("clerk").get(f"{URL}?kecamatan={KEC_B}").status_code == 404
    page_b = text(sign_in("clerk_b").get(URL))
    assert re.findall(r'data-rule-kecamatan="([\d.]+)"', page_b) == [KEC_B]
    assert "RAHASIA B" in page_b and "A-STB" not in page_b


def test_supervisor_narrows_the_board_to_one_kecamatan(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    page = text(sign_in("supervisor").get(f"{URL}?kecamatan={KEC_B}"))
    assert re.findall(r'data-rule-kecamatan="([\d.]+)"', page) == [KEC_B]
    assert set(re.findall(r'data-serial="([^"]+)"', page)) == {"B-STB", "B-MOB", "DINAS-1"}


def test_the_board_links_to_each_kit(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    client = sign_in("clerk")
    row = _kit_row(text(client.get(URL)), "A-STB")
    href = re.search(r'href="([^"]+)"', row).group(1)
    assert href == f"/admin/devices/details/?id={kits['A-STB']}"
    assert "A-STB" in text(client.get(href))


def test_a_foreign_visit_of_the_clerk_is_not_in_the_board(app: Any, sign_in: Any, kits: dict[str, int]) -> None:
    _add(app, models.Visit(day=TODAY, start_time=dt.time(8), end_time=dt.time(12), kind="village_post",
                           state="planned", kecamatan_code=KEC_B, desa_code=DESA_B, device_id=kits["B-MOB"]))
    page = text(sign_in("clerk").get(URL))
    assert "B-MOB" not in page
