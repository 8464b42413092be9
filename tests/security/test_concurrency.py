"""Issue 4, optimistic concurrency: when two people edit the same record, the
second save is refused with a message that says what happened and shows the
current values; nothing is overwritten.

Two real clients, each signed in through the login form, open the same edit
page; the first saves; the second saves the form it opened earlier.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import (
    KEC_A,
    PASSWORD,
    add,
    fetch,
    field_errors,
    flashes,
    form_fields,
    make_campaign,
    make_device,
    make_outreach,
    make_team,
    make_visit,
    sign_in,
    submit,
    text,
)
from werkzeug.security import generate_password_hash

from ektp_admin import models

STALE = "Someone else saved this record after you opened it, so your changes were not saved."


@pytest.fixture
def second_clerk(app: Any) -> str:
    add(app, models.User(username="clerk2", role="clerk", kecamatan_code=KEC_A,
                         password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
    return "clerk2"


# screen, the two users, how to make the record, field A changes, field B changes, model
CASES = {
    "residents": ("clerk", "clerk2", lambda app, mk: mk("SITI AMINAH"), ("name", "SITI AMINAH RAHAYU"),
                  ("phone", "081399988877"), models.Resident),
    "outreach": ("clerk", "clerk2", lambda app, mk: make_outreach(app), ("by_whom", "Kepala Desa"),
                 ("notes", "diumumkan ba'da Jumat"), models.Outreach),
    "visits": ("clerk", "clerk2", lambda app, mk: make_visit(app, state="planned"), ("host_address", "Rumah Pak RT"),
               ("notes", "bawa genset"), models.Visit),
    "devices": ("admin", "admin", lambda app, mk: make_device(app), ("location", "Desa Sumberagung"),
                ("notes", "baterai lemah"), models.Device),
    "teams": ("supervisor", "admin", lambda app, mk: make_team(app), ("notes", "rotasi minggu 2"),
              ("name", "Tim Pesanggaran Baru"), models.Team),
    "campaigns": ("supervisor", "admin", lambda app, mk: make_campaign(app), ("name", "Jemput Bola Tahap 2"),
                  ("notes", "target diperpanjang"), models.Campaign),
}


@pytest.mark.parametrize("screen", list(CASES))
def test_the_second_save_of_the_same_record_is_refused(app: Any, second_clerk: str, make_resident: Any,
                                                       screen: str) -> None:
    user_a, user_b, make, (field_a, value_a), (field_b, value_b), model = CASES[screen]
    record = make(app, make_resident)
    original = fetch(app, model, record)
    first, second = sign_in(app.test_client(), user_a), sign_in(app.test_client(), user_b)
    url = f"/admin/{screen}/edit/?id={record}"
    form_a = form_fields(text(first.get(url)), "ektp_version")
    form_b = form_fields(text(second.get(url)), "ektp_version")

    saved = submit(first, url, form_a, **{field_a: value_a})
    assert saved.status_code == 302, flashes(text(saved)) + field_errors(text(saved))
    assert getattr(fetch(app, model, record), field_a) == value_a

    refused = submit(second, url, form_b, **{field_b: value_b})
    page = text(refused)
    assert refused.status_code == 200
    [message] = [m for m in flashes(page) if STALE in m]
    assert value_a in message  # the current value, saved by the first user
    assert dict(form_fields(page, "ektp_version"))[field_b] == value_b  # the second user's input is still there
    stored = fetch(app, model, record)
    assert getattr(stored, field_a) == value_a  # nothing overwritten ...
    assert getattr(stored, field_b) == getattr(original, field_b)  # ... and nothing of B's saved
    assert stored.version == original.version + 1


def test_after_seeing_the_current_values_saving_again_is_deliberate(app: Any, second_clerk: str,
                                                                    make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    first, second = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "clerk2")
    url = f"/admin/residents/edit/?id={rid}"
    form_a = form_fields(text(first.get(url)), "ektp_version")
    form_b = form_fields(text(second.get(url)), "ektp_version")
    assert submit(first, url, form_a, name="SITI AMINAH RAHAYU").status_code == 302
    refused = submit(second, url, form_b, phone="081399988877")
    assert refused.status_code == 200
    # the re-shown form carries the new version: submitting it is an informed choice
    again = submit(second, url, form_fields(text(refused), "ektp_version"))
    assert again.status_code == 302
    assert fetch(app, models.Resident, rid).phone == "081399988877"


def test_a_stale_form_with_an_input_error_stays_stale(app: Any, second_clerk: str, make_resident: Any) -> None:
    """Fixing a typo in a form opened before someone else's save must not overwrite it."""
    rid = make_resident("SITI AMINAH")
    first, second = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "clerk2")
    url = f"/admin/residents/edit/?id={rid}"
    form_a = form_fields(text(first.get(url)), "ektp_version")
    form_b = form_fields(text(second.get(url)), "ektp_version")
    assert submit(first, url, form_a, name="SITI AMINAH RAHAYU").status_code == 302
    typo = submit(second, url, form_b, rt="1A")
    assert typo.status_code == 200 and "RT is a number of at most 3 digits." in field_errors(text(typo))
    fixed = submit(second, url, form_fields(text(typo), "ektp_version"), rt="005")
    assert fixed.status_code == 200
    assert any(STALE in m for m in flashes(text(fixed)))
    stored = fetch(app, models.Resident, rid)
    assert (stored.name, stored.rt) == ("SITI AMINAH RAHAYU", None)


def test_a_save_racing_between_load_and_commit_is_refused(app: Any, make_resident: Any) -> None:
    """The version check in the UPDATE itself catches what the form check cannot see."""
    rid = make_resident("SITI AMINAH")
    clerk = sign_in(app.test_client(), "clerk")
    url = f"/admin/residents/edit/?id={rid}"
    form = form_fields(text(clerk.get(url)), "ektp_version")

    def other_clerk_commits(session: Any, context: Any, instances: Any) -> None:
        with models.db.engine.begin() as conn:
            table = models.Resident.__table__
            conn.execute(sa.update(table).where(table.c.id == rid).values(name="LAIN", version=table.c.version + 1))

    sa.event.listen(models.db.session, "before_flush", other_clerk_commits, once=True)
    response = submit(clerk, url, form, phone="081399988877")
    assert response.status_code == 200
    assert "Someone else changed or removed this record at the same moment; nothing was saved." in " ".join(
        flashes(text(response)))
    stored = fetch(app, models.Resident, rid)
    assert (stored.name, stored.phone) == ("LAIN", None)


def test_a_form_without_its_version_is_refused(app: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    clerk = sign_in(app.test_client(), "clerk")
    url = f"/admin/residents/edit/?id={rid}"
    form = [(k, v) for k, v in form_fields(text(clerk.get(url)), "ektp_version") if k != "ektp_version"]
    response = submit(clerk, url, form, name="TANPA VERSI")
    assert response.status_code == 200
    assert "The form is damaged: reload the page and try again." in flashes(text(response))
    assert fetch(app, models.Resident, rid).name == "SITI AMINAH"


def test_editing_a_record_deleted_meanwhile_says_it_is_gone(app: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    clerk, admin = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "admin")
    url = f"/admin/residents/edit/?id={rid}"
    form = form_fields(text(clerk.get(url)), "ektp_version")
    # the list's one delete form (its return url and token); the row's button adds the id
    delete_form = form_fields(text(admin.get("/admin/residents/")), "url")
    assert submit(admin, "/admin/residents/delete/", delete_form, id=str(rid)).status_code == 302
    assert fetch(app, models.Resident, rid) is None
    response = submit(clerk, url, form, name="SITI AMINAH RAHAYU")
    assert response.status_code == 404
    assert fetch(app, models.Resident, rid) is None
