"""The kit, team, region, campaign, outreach and user screens: create, read,
update, delete as the roles allowed to, with readable refusals when a record is
still referenced.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import (
    DESA_A,
    DESA_A2,
    KEC_A,
    add,
    count,
    drop_temp_regions,
    fetch,
    field_errors,
    flashes,
    form_fields,
    make_campaign,
    make_device,
    make_outreach,
    make_team,
    make_visit,
    post_form,
    sign_in,
    submit,
    temp_region,
    text,
    token_for,
)

from ektp_admin import models


def delete(client: Any, screen: str, id: Any) -> Any:
    """Delete from the list page's row button, as a user would; the page after the redirect."""
    return client.post(f"/admin/{screen}/delete/", data={"id": id, "csrf_token": token_for(client),
                                                         "url": f"/admin/{screen}/"}, follow_redirects=True)


def _one(app: Any, model: Any, **where: Any) -> Any:
    with app.app_context():
        row = models.db.session.execute(sa.select(model).filter_by(**where)).scalar_one()
        models.db.session.expunge(row)
        return row


# ---------------------------------------------------------------------- devices


def test_devices_crud(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    form = {"serial_number": "KIT-PSG-02", "owner_kind": "kecamatan", "owner_kecamatan": KEC_A, "role": "mobile",
            "condition": "working", "location": "Balai Desa Sarongan"}
    assert post_form(client, "/admin/devices/new/", form).status_code == 302
    device = _one(app, models.Device, serial_number="KIT-PSG-02")
    listing = text(client.get("/admin/devices/"))
    assert "KIT-PSG-02" in listing and "Mobile" in listing and "Balai Desa Sarongan" in listing

    url = f"/admin/devices/edit/?id={device.id}"
    response = submit(client, url, form_fields(text(client.get(url)), "ektp_version"), condition="in_repair")
    assert response.status_code == 302
    assert fetch(app, models.Device, device.id).condition == "in_repair"
    assert "In repair" in text(client.get(f"/admin/devices/details/?id={device.id}"))

    page = text(delete(client, "devices", device.id))
    assert "Record was successfully deleted." in flashes(page)
    assert fetch(app, models.Device, device.id) is None


@pytest.mark.parametrize("form, message", [
    ({"serial_number": "KIT-X", "owner_kind": "kecamatan", "role": "mobile", "condition": "working"},
     "A kecamatan's kit needs its kecamatan."),
    ({"serial_number": "", "owner_kind": "dinas", "role": "mobile", "condition": "working"}, "This field is required."),
    ({"serial_number": "KIT-X", "owner_kind": "dinas", "role": "flying", "condition": "working"}, "Not a valid choice."),
])
def test_a_device_form_error_is_explained(client: Any, form: dict[str, str], message: str) -> None:
    sign_in(client, "admin")
    response = post_form(client, "/admin/devices/new/", form)
    page = text(response)
    assert response.status_code == 200
    assert message in flashes(page) + field_errors(page)
    assert dict(form_fields(page))["serial_number"] == form["serial_number"]


def test_a_dinas_kit_belongs_to_no_kecamatan(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    form = {"serial_number": "KIT-DINAS", "owner_kind": "dinas", "owner_kecamatan": KEC_A, "role": "mobile",
            "condition": "working"}
    assert post_form(client, "/admin/devices/new/", form).status_code == 302
    assert _one(app, models.Device, serial_number="KIT-DINAS").owner_kecamatan_code is None


def test_a_device_named_in_visits_is_not_deleted(app: Any, client: Any) -> None:
    device = make_device(app, "KIT-SIBUK")
    make_visit(app, device_id=device)
    make_visit(app, device_id=device, day=dt.date(2016, 9, 21))
    sign_in(client, "admin")
    listing = text(client.get("/admin/devices/"))
    assert "21-09-2016" in listing  # the last visit, on the list
    page = text(delete(client, "devices", device))
    assert "This device cannot be deleted: it is named in 2 visits. Mark it retired instead." in flashes(page)
    assert fetch(app, models.Device, device) is not None


# ---------------------------------------------------------------------- teams


def test_a_supervisor_plans_a_team_with_its_members(app: Any, client: Any) -> None:
    sign_in(client, "supervisor")
    form = {"name": "Tim Dinas Keliling", "kind": "dinas", "notes": "minggu 1: Pesanggaran",
            "members-0-name": "Bu Rina", "members-0-position": "operator",
            "members-1-name": "Pak Joko", "members-1-position": "sopir"}
    response = post_form(client, "/admin/teams/new/", form)
    assert response.status_code == 302, flashes(text(response)) + field_errors(text(response))
    team = _one(app, models.Team, name="Tim Dinas Keliling")
    with app.app_context():
        members = models.db.session.execute(sa.select(models.TeamMember.name).where(
            models.TeamMember.team_id == team.id).order_by(models.TeamMember.id)).scalars().all()
    assert members == ["Bu Rina", "Pak Joko"]
    listing = text(client.get("/admin/teams/"))
    assert "Bu Rina, Pak Joko" in listing and "Dinas team" in listing

    url = f"/admin/teams/edit/?id={team.id}"
    response = submit(client, url, form_fields(text(client.get(url)), "ektp_version"), notes="minggu 2: Bangorejo")
    assert response.status_code == 302
    assert fetch(app, models.Team, team.id).notes == "minggu 2: Bangorejo"


def test_a_team_named_in_a_visit_is_not_deleted_and_a_free_one_is(app: Any, client: Any) -> None:
    busy, free = make_team(app, "Tim Sibuk"), make_team(app, "Tim Bebas")
    add(app, models.TeamMember(team_id=free, name="Pak Joko"))
    make_visit(app, team_id=busy)
    sign_in(client, "admin")
    assert "This team cannot be deleted: it is named in 1 visit." in flashes(text(delete(client, "teams", busy)))
    assert fetch(app, models.Team, busy) is not None
    assert "Record was successfully deleted." in flashes(text(delete(client, "teams", free)))
    assert count(app, models.TeamMember) == 0  # the members go with their team


# ---------------------------------------------------------------------- regions


@pytest.fixture
def spare_region(app: Any) -> Any:
    yield temp_region(app, "35.10.92", "35.10.92.2001")
    drop_temp_regions(app)


def test_an_admin_corrects_a_desa_name_and_postal_code(app: Any, client: Any, spare_region: Any) -> None:
    _, desa = spare_region
    sign_in(client, "admin")
    url = f"/admin/desa/edit/?id={desa}"
    response = submit(client, url, form_fields(text(client.get(url))), name="DESA UJI", postal_code="68488")
    assert response.status_code == 302
    assert fetch(app, models.Desa, desa).postal_code == "68488"


def test_a_kecamatan_still_in_use_is_not_deleted_and_says_why(app: Any, client: Any, make_resident: Any) -> None:
    make_resident(desa=DESA_A)
    make_device(app, "KIT-1", KEC_A)
    make_team(app, "Tim A", KEC_A)
    sign_in(client, "admin")
    message = flashes(text(delete(client, "kecamatan", KEC_A)))
    [refusal] = [m for m in message if m.startswith("This kecamatan cannot be deleted: it still has")]
    for reason in ("desa/kelurahan", "1 resident", "1 device", "1 team", "1 user"):
        assert reason in refusal
    assert fetch(app, models.Kecamatan, KEC_A) is not None


def test_an_unused_kecamatan_is_deleted(app: Any, client: Any, spare_region: Any) -> None:
    kecamatan, desa = spare_region
    team = make_team(app, "Tim Uji", kecamatan)
    sign_in(client, "admin")
    assert "This kecamatan cannot be deleted: it still has 1 desa/kelurahan, 1 team." in flashes(
        text(delete(client, "kecamatan", kecamatan)))
    assert "Record was successfully deleted." in flashes(text(delete(client, "desa", desa)))
    assert fetch(app, models.Desa, desa) is None
    assert "Record was successfully deleted." in flashes(text(delete(client, "teams", team)))
    assert "Record was successfully deleted." in flashes(text(delete(client, "kecamatan", kecamatan)))
    assert fetch(app, models.Kecamatan, kecamatan) is None


def test_a_desa_with_residents_visits_or_outreach_is_not_deleted(app: Any, client: Any, make_resident: Any) -> None:
    make_resident(desa=DESA_A2)
    make_resident("RUDI", sex="L", desa=DESA_A2)
    make_visit(app, desa=DESA_A2)
    make_outreach(app, DESA_A2)
    sign_in(client, "admin")
    assert ("This desa/kelurahan cannot be deleted: it still has 2 residents, 1 visit, 1 outreach record."
            in flashes(text(delete(client, "desa", DESA_A2))))
    assert fetch(app, models.Desa, DESA_A2) is not None


def test_regions_are_never_typed_in(client: Any) -> None:
    sign_in(client, "admin")
    assert client.get("/admin/kecamatan/new/").status_code == 403
    assert client.get("/admin/desa/new/").status_code == 403


def test_the_database_enforces_foreign_keys(app: Any) -> None:
    """SQLite too (PRAGMA foreign_keys on every connection), like PostgreSQL and MariaDB."""
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            with models.db.engine.begin() as conn:
                conn.execute(models.Desa.__table__.insert().values(code="35.10.99.9999", name="HANTU",
                                                                   is_kelurahan=False, kecamatan_code="99.99.99"))


# ---------------------------------------------------------------------- campaigns


def test_campaigns_crud(app: Any, client: Any) -> None:
    sign_in(client, "supervisor")
    form = {"name": "Jemput Bola September", "start_date": "2016-09-05", "target_date": "2016-10-05",
            "scope_code": "35.10", "baseline_outstanding": "56014"}
    assert post_form(client, "/admin/campaigns/new/", form).status_code == 302
    campaign = _one(app, models.Campaign, name="Jemput Bola September")
    assert campaign.baseline_outstanding == 56014
    assert "Jemput Bola September" in text(client.get("/admin/campaigns/"))
    url = f"/admin/campaigns/edit/?id={campaign.id}"
    assert submit(client, url, form_fields(text(client.get(url)), "ektp_version"),
                  target_date="2016-10-20").status_code == 302
    assert fetch(app, models.Campaign, campaign.id).target_date == dt.date(2016, 10, 20)


def test_a_campaign_ending_before_it_starts_is_refused(app: Any, client: Any) -> None:
    sign_in(client, "supervisor")
    form = {"name": "Terbalik", "start_date": "2016-10-05", "target_date": "2016-09-05", "scope_code": "35.10"}
    response = post_form(client, "/admin/campaigns/new/", form)
    page = text(response)
    assert "The target date must not be before the start." in flashes(page)
    assert dict(form_fields(page))["name"] == "Terbalik"
    assert count(app, models.Campaign) == 0


def test_deleting_a_campaign_keeps_its_visits(app: Any, client: Any) -> None:
    campaign = make_campaign(app)
    visit = make_visit(app, campaign_id=campaign)
    sign_in(client, "admin")
    assert "Record was successfully deleted." in flashes(text(delete(client, "campaigns", campaign)))
    assert fetch(app, models.Visit, visit).campaign_id is None  # ON DELETE SET NULL, on every database


# ---------------------------------------------------------------------- outreach


def test_a_clerk_records_outreach_in_their_desa(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    form = {"desa": DESA_A, "channel": "mosque", "held_on": "2016-09-09", "by_whom": "Takmir Masjid Al-Ikhlas",
            "notes": "diumumkan setelah Jumatan"}
    assert post_form(client, "/admin/outreach/new/", form).status_code == 302
    record = _one(app, models.Outreach, by_whom="Takmir Masjid Al-Ikhlas")
    assert record.kecamatan_code == KEC_A
    listing = text(client.get("/admin/outreach/"))
    assert "Mosque (takmir)" in listing and "Sarongan" in listing
    url = f"/admin/outreach/edit/?id={record.id}"
    assert submit(client, url, form_fields(text(client.get(url)), "ektp_version"),
                  channel="village_hall").status_code == 302
    assert fetch(app, models.Outreach, record.id).channel == "village_hall"
    assert "Record was successfully deleted." in flashes(text(delete(client, "outreach", record.id)))


def test_an_outreach_form_without_who_comes_back(client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/outreach/new/", {"desa": DESA_A, "channel": "school",
                                                          "held_on": "2016-09-09", "by_whom": ""})
    assert "This field is required." in field_errors(text(response))


# ---------------------------------------------------------------------- users


def test_users_crud(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    form = {"username": "operator_psg", "role": "clerk", "kecamatan": KEC_A, "active": "y",
            "new_password": "kata-sandi-panjang"}
    assert post_form(client, "/admin/users/new/", form).status_code == 302
    created = _one(app, models.User, username="operator_psg")
    listing = text(client.get("/admin/users/"))
    assert "operator_psg" in listing and "Clerk (kecamatan operator)" in listing
    url = f"/admin/users/edit/?id={created.id}"
    fields = [(k, v) for k, v in form_fields(text(client.get(url)), "ektp_version") if k != "active"]
    assert submit(client, url, fields).status_code == 302
    assert fetch(app, models.User, created.id).active is False  # unticked: the account is closed
    assert "Record was successfully deleted." in flashes(text(delete(client, "users", created.id)))
    assert fetch(app, models.User, created.id) is None


@pytest.mark.parametrize("changes, message", [
    ({"baseline_outstanding": "99999999999"}, "Enter a number of residents between 0 and 2,000,000,000."),
    ({"baseline_outstanding": "-5"}, "Enter a number of residents between 0 and 2,000,000,000."),
    ({"scope_code": "Banyuwangi"}, "Give a regency code (35.10) or a kecamatan code (35.10.01)."),
    ({"start_date": "kemarin"}, "Write the date as dd-mm-yyyy, for example 21-09-2016."),
])
def test_a_campaign_form_error_is_the_same_on_every_database(app: Any, client: Any, changes: dict[str, str],
                                                            message: str) -> None:
    sign_in(client, "supervisor")
    form = {"name": "Jemput Bola", "start_date": "2016-09-05", "target_date": "2016-10-05", "scope_code": "35.10",
            **changes}
    response = post_form(client, "/admin/campaigns/new/", form)
    page = text(response)
    assert response.status_code == 200
    assert message in field_errors(page)
    assert count(app, models.Campaign) == 0
