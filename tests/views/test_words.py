"""No raw values where a clerk reads (issue 11, "Wrong words and numbers").

The audit trail and the status history keep stored codes and keys; every screen
shows the field's label and the value as a clerk reads it (views/words.py).
Pages are read in English (the msgids) unless a test says otherwise.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import sqlalchemy as sa
from security.ektp_support import (
    DESA_A,
    KEC_A,
    add,
    field_errors,
    flashes,
    form_fields,
    make_device,
    make_team,
    post_form,
    resident_form,
    sign_in,
    submit,
    text,
)

from ektp_admin import models
from ektp_admin.domain.enums import ResultKind, VisitKind, VisitState


def _clean(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _record_at_a_visit(app: Any, resident_id: int) -> int:
    """A done visit in Sarongan on 09-09-2016 recording the resident, as the visit form does it."""
    from ektp_admin.services import apply_visit_results

    with app.app_context():
        visit = models.Visit(day=dt.date(2016, 9, 9), start_time=dt.time(8, 0), end_time=dt.time(10, 0),
                             kind=VisitKind.HOME.value, state=VisitState.DONE.value, kecamatan_code=KEC_A,
                             desa_code=DESA_A)
        visit.results.append(models.VisitResult(resident_id=resident_id, result=ResultKind.RECORDED.value))
        models.db.session.add(visit)
        apply_visit_results(models.db.session, visit, "clerk", dt.date(2016, 9, 21))
        models.db.session.commit()
        return visit.id


def test_history_and_audit_speak_in_labels_not_stored_names(app: Any, client: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    vid = _record_at_a_visit(app, rid)
    with app.app_context():
        desa = models.db.session.get(models.Desa, DESA_A).name
    sign_in(client, "admin")
    details = text(client.get(f"/admin/residents/details/?id={rid}"))
    history = _clean(details[details.index('id="ektp-status-changes"'):])
    visit_words = f"Visit 09-09-2016, {desa}"
    assert visit_words in history and f"visit #{vid}" not in history
    recorded_in = _clean(details[details.index("Recorded in visit"):details.index("Visit history")])
    assert visit_words in recorded_in and f"#{vid}" not in recorded_in

    audit = _clean(text(client.get("/admin/audit/")))
    assert "KTP-el status: Not recorded \u2192 Recorded" in audit
    assert f"Recorded in visit: {visit_words}" in audit
    for raw in ("ktp_status", "not_recorded", "recorded_visit_id", "visit_id", "True", "False"):
        assert re.search(rf"\b{raw}\b", audit) is None, raw
    # the trail itself keeps the stored values
    with app.app_context():
        stored = [e.changes for e in models.db.session.execute(
            sa.select(models.AuditEntry).where(models.AuditEntry.table_name == "ektp_resident")).scalars()]
    assert any('"ktp_status": ["not_recorded", "recorded"]' in c for c in stored)


def test_a_password_change_reads_changed_without_the_hash(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    with app.app_context():
        uid = models.db.session.execute(sa.select(models.User.id).filter_by(username="clerk_b")).scalar_one()
    url = f"/admin/users/edit/?id={uid}"
    fields = form_fields(text(client.get(url)), "ektp_version")
    assert submit(client, url, fields, new_password="sandi-baru-yang-panjang").status_code == 302
    details = _clean(text(client.get(f"/admin/users/details/?id={uid}")))
    history = details[details.index("Change history"):]
    assert "Password: changed" in history and "Sessions ended: 0 \u2192 1" in history
    assert "password_hash" not in details and "***" not in details and "pbkdf2" not in details
    assert "Active: Yes" in history  # the user's creation, Ya/Tidak rather than True
    indonesian = _clean(text(client.get(f"/admin/users/details/?id={uid}&lang=id")))
    assert "Kata sandi: diubah" in indonesian


def test_no_select_offers_a_raw_none(client: Any) -> None:
    sign_in(client, "admin")
    for url in ("/admin/visits/new/", "/admin/devices/new/", "/admin/teams/new/", "/admin/users/new/",
                "/admin/residents/new/", "/admin/outreach/new/", "/admin/campaigns/new/"):
        page = text(client.get(url))
        shown = re.findall(r'<option[^>]*value="__None"[^>]*>([^<]*)</option>', page)
        assert all(label.strip() == "(none)" for label in shown), (url, shown)
        assert ">__None<" not in page, url


def test_the_version_is_a_hidden_input_only_and_a_stale_save_is_still_refused(app: Any, client: Any) -> None:
    device = make_device(app, "KIT-VERSI")
    sign_in(client, "admin")
    details = _clean(text(client.get(f"/admin/devices/details/?id={device}")))
    assert "Version" not in details and "Created on" in details and "Last changed" in details
    url = f"/admin/devices/edit/?id={device}"
    page = text(client.get(url))
    assert re.search(r'<input[^>]*name="ektp_version"[^>]*type="hidden"|<input[^>]*type="hidden"[^>]*name="ektp_version"',
                     page)
    assert not re.search(r"<label[^>]*>\s*Version", page)
    stale = form_fields(page, "ektp_version")
    assert submit(client, url, form_fields(text(client.get(url)), "ektp_version"), location="Gudang").status_code == 302
    refused = text(submit(client, url, stale, location="Balai desa"))
    assert any("Someone else saved this record" in f for f in flashes(refused))
    with app.app_context():
        assert models.db.session.get(models.Device, device).location == "Gudang"


def test_a_duplicate_serial_number_names_the_device_that_has_it(app: Any, client: Any) -> None:
    make_device(app, "KIT-PSG-01", location="Kantor Kecamatan")
    sign_in(client, "admin")
    form = {"serial_number": "KIT-PSG-01", "owner_kind": "dinas", "role": "mobile", "condition": "working"}
    errors = field_errors(text(post_form(client, "/admin/devices/new/", form)))
    with app.app_context():
        kecamatan = models.db.session.get(models.Kecamatan, KEC_A).name
    assert errors == [f"Serial number KIT-PSG-01 is already registered to device KIT-PSG-01 of "
                      f"Kecamatan {kecamatan} (Kantor Kecamatan)."]
    sign_in(client, "admin", lang="id")
    errors = field_errors(text(post_form(client, "/admin/devices/new/", form)))
    assert errors and errors[0].startswith("Nomor seri KIT-PSG-01 sudah terdaftar") and kecamatan in errors[0]


def test_duplicate_nik_username_and_team_name_say_who_has_them(app: Any, client: Any, make_resident: Any) -> None:
    first = resident_form(name="SITI AMINAH")
    sign_in(client, "clerk")
    assert post_form(client, "/admin/residents/new/", first).status_code == 302
    with app.app_context():
        desa = models.db.session.get(models.Desa, DESA_A).name
    errors = field_errors(text(post_form(client, "/admin/residents/new/", {**first, "name": "ORANG LAIN"})))
    assert any(e.startswith(f"This NIK is already registered to SITI AMINAH, {desa}") for e in errors), errors
    # a clerk of another kecamatan learns no name
    sign_in(client, "clerk_b")
    from security.ektp_support import DESA_B

    errors = field_errors(text(post_form(client, "/admin/residents/new/",
                                         {**first, "name": "ORANG LAIN", "desa": DESA_B})))
    assert "This NIK is already registered to a resident of another kecamatan." in errors
    assert not any("SITI AMINAH" in e for e in errors)

    sign_in(client, "admin")
    errors = field_errors(text(post_form(client, "/admin/users/new/", {
        "username": "clerk", "role": "admin", "active": "y", "new_password": "sandi-panjang-sekali"})))
    assert any(e.startswith("Username clerk is already taken by another user (Clerk (kecamatan operator)")
               for e in errors), errors
    make_team(app, "Tim Pesanggaran")
    errors = field_errors(text(post_form(client, "/admin/teams/new/", {"name": "Tim Pesanggaran", "kind": "kecamatan"})))
    assert any(e.startswith("A team named Tim Pesanggaran already exists") for e in errors), errors


def test_lists_and_details_show_yes_no_and_days(app: Any, client: Any, make_resident: Any) -> None:
    add(app, models.Campaign(name="Kampanye", start_date=dt.date(2016, 9, 7), target_date=dt.date(2016, 10, 6),
                             scope_code="35.10"))
    sign_in(client, "admin")
    desa = _clean(text(client.get(f"/admin/desa/details/?id={DESA_A.replace('.', '..')}")))
    assert re.search(r"Kelurahan (Yes|No)\b", desa) and "True" not in desa and "False" not in desa
    campaigns = _clean(text(client.get("/admin/campaigns/")))
    assert "07-09-2016" in campaigns and "2016-09-07" not in campaigns


def test_a_catalogue_kept_for_a_request_follows_a_language_switched_within_it(app: Any) -> None:
    """The plugin's catalogues are looked up once a request (i18n.RequestDomain); a
    language switched within the request (force_locale, refresh) is still honoured."""
    from flask import session
    from flask_babel import force_locale, refresh

    from ektp_admin.i18n import LANG_SESSION_KEY, WTFormsTranslations, gettext

    with app.test_request_context("/admin/?lang=id"):
        assert gettext("Name") == "Nama" and gettext("Name") == "Nama"
        with force_locale("en"):
            assert gettext("Name") == "Name"
            assert WTFormsTranslations().gettext("This field is required.") == "This field is required."
        assert gettext("Name") == "Nama"
        assert WTFormsTranslations().gettext("This field is required.") != "This field is required."
        session[LANG_SESSION_KEY] = "en"
        with app.test_request_context("/admin/"):  # another request: its own choice
            assert gettext("Name") == "Nama"
    with app.test_request_context("/admin/?lang=en"):
        assert gettext("Name") == "Name"
        refresh()
        assert gettext("Name") == "Name"
    with app.app_context():  # outside a request: the default language
        assert gettext("Name") == "Nama"
