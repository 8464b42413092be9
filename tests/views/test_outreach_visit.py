"""Outreach names the planned visit it announces: picked within reach, of its desa,
still to come; left empty, the desa's next planned visit."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from security.ektp_support import DESA_A, DESA_A2, DESA_B, field_errors, post_form, sign_in, text

from ektp_admin import models

FORM = {"desa": DESA_A, "channel": "mosque", "held_on": "19-09-2016", "by_whom": "Takmir Masjid Al-Ikhlas"}


def _visit(app: Any, day: dt.date, desa: str = DESA_A, state: str = "planned", **extra: Any) -> int:
    with app.app_context():
        visit = models.Visit(day=day, start_time=dt.time(8, 0), end_time=dt.time(14, 0), kind="village_post",
                             state=state, kecamatan_code=desa[:8], desa_code=desa, **extra)
        models.db.session.add(visit)
        models.db.session.commit()
        return visit.id


def _outreach_visit(app: Any) -> list[int | None]:
    with app.app_context():
        return list(models.db.session.execute(
            sa.select(models.Outreach.visit_id).order_by(models.Outreach.id)).scalars())


def test_left_empty_it_announces_the_desas_next_planned_visit(app: Any, client: Any) -> None:
    _visit(app, dt.date(2016, 9, 10))                       # past
    _visit(app, dt.date(2016, 9, 22), state="cancelled")    # cancelled
    _visit(app, dt.date(2016, 9, 23), desa=DESA_A2)         # another desa
    later = _visit(app, dt.date(2016, 9, 30))
    soonest = _visit(app, dt.date(2016, 9, 24))
    sign_in(client, "clerk")
    assert post_form(client, "/admin/outreach/new/", FORM).status_code == 302
    assert _outreach_visit(app) == [soonest]
    # picked by hand: that one
    assert post_form(client, "/admin/outreach/new/", {**FORM, "visit": str(later)}).status_code == 302
    assert _outreach_visit(app) == [soonest, later]
    assert "30-09-2016 08:00-14:00" in text(client.get("/admin/outreach/"))


def test_no_planned_visit_leaves_it_empty(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    assert post_form(client, "/admin/outreach/new/", FORM).status_code == 302
    assert _outreach_visit(app) == [None]


def test_a_visit_of_another_kecamatan_is_refused(app: Any, client: Any) -> None:
    theirs = _visit(app, dt.date(2016, 9, 24), desa=DESA_B)
    sign_in(client, "clerk")
    response = post_form(client, "/admin/outreach/new/", {**FORM, "visit": str(theirs)})
    assert response.status_code == 200
    assert "This visit is unknown or outside your kecamatan: pick one from the list." in field_errors(text(response))
    assert _outreach_visit(app) == []
    # nor is it offered by the picker
    offered = client.get("/admin/outreach/ajax/lookup/?name=visit&query=")
    assert offered.status_code == 200 and str(theirs) not in [str(i) for i, _ in json.loads(offered.data)]


def test_the_picker_offers_planned_visits_to_come_within_reach(app: Any, client: Any) -> None:
    _visit(app, dt.date(2016, 9, 10))
    _visit(app, dt.date(2016, 9, 25), state="cancelled")
    _visit(app, dt.date(2016, 9, 24), desa=DESA_B)
    mine = _visit(app, dt.date(2016, 9, 24), host_address="Balai Desa Sarongan")
    sign_in(client, "clerk")
    offered = json.loads(client.get("/admin/outreach/ajax/lookup/?name=visit&query=").data)
    assert [i for i, _ in offered] == [mine]
    assert "24-09-2016" in offered[0][1] and "Balai Desa Sarongan" in offered[0][1]
    assert json.loads(client.get("/admin/outreach/ajax/lookup/?name=visit&query=balai").data)[0][0] == mine
    sign_in(client, "clerk_b")
    assert mine not in [i for i, _ in json.loads(client.get("/admin/outreach/ajax/lookup/?name=visit&query=").data)]


def test_a_visit_of_another_desa_or_no_longer_planned_is_refused(app: Any, client: Any) -> None:
    other_desa = _visit(app, dt.date(2016, 9, 24), desa=DESA_A2)
    done = _visit(app, dt.date(2016, 9, 22), state="cancelled")
    sign_in(client, "clerk")
    response = post_form(client, "/admin/outreach/new/", {**FORM, "visit": str(other_desa)})
    assert "This visit is for another desa/kelurahan: pick a visit of Sarongan." in field_errors(text(response))
    response = post_form(client, "/admin/outreach/new/", {**FORM, "visit": str(done)})
    assert "This visit is no longer planned: pick a visit still to come." in field_errors(text(response))
    assert _outreach_visit(app) == []
