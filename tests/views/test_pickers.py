"""Pickers a clerk can read: a desa with its kecamatan, a resident with NIK, desa and RT."""
from __future__ import annotations

from typing import Any

from conftest import DESA_A, DESA_B

from ektp_admin import models


def test_desa_of_the_same_name_are_told_apart_by_their_kecamatan(app: Any, login_as: Any) -> None:
    client = login_as("admin")
    found = client.get("/admin/residents/ajax/lookup/?name=desa&query=Tamansari&lang=en").get_json()
    with app.app_context():
        expected = {
            d.code: f"{d.name} (Kec. {d.kecamatan.name})"
            for d in models.db.session.query(models.Desa).filter(models.Desa.name.ilike("tamansari"))
        }
    assert len(expected) >= 2, "Banyuwangi has more than one Tamansari"
    assert dict((code, label) for code, label in found) == expected
    assert len({label for _, label in found}) == len(found), "no two entries read alike"


def test_a_resident_is_offered_with_nik_desa_and_rt(app: Any, login_as: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH", rt="003", rw="001")
    make_resident("SITI AMINAH", rt="005", rw="002")
    client = login_as("clerk")
    found = client.get("/admin/visits/ajax/lookup/?name=host_resident&query=SITI").get_json()
    with app.app_context():
        resident = models.db.session.get(models.Resident, rid)
        desa = models.db.session.get(models.Desa, DESA_A).name
    assert [rid, f"SITI AMINAH - {resident.nik} - {desa} RT 003/RW 001"] in found
    assert len({label for _, label in found}) == 2


def test_region_filters_are_reused_per_reach_and_read_again_after_a_while(
        app: Any, client: Any, login_as: Any, monkeypatch: Any) -> None:
    """Every list page offers the kecamatan and desa as filters: read once for a while per
    app and reach, never one user's list shown to another."""
    from ektp_admin import access

    def rename(name: str) -> str:
        with app.app_context():
            desa = models.db.session.get(models.Desa, DESA_A)
            old, desa.name = desa.name, name
            models.db.session.commit()
            return old

    login_as("admin")
    assert DESA_B in client.get("/admin/residents/").get_data(as_text=True)
    before = rename("Sarongan Baru")
    try:
        assert "Sarongan Baru" not in client.get("/admin/residents/").get_data(as_text=True)  # reused
        monkeypatch.setattr(access, "REGION_OPTIONS_SECONDS", 0.0)
        assert "Sarongan Baru" in client.get("/admin/residents/").get_data(as_text=True)  # read again
    finally:
        rename(before)  # the regions are kept from test to test
    monkeypatch.setattr(access, "REGION_OPTIONS_SECONDS", 3600.0)
    client.get("/logout")
    login_as("clerk")  # of KEC_A: the regency's lists, just read, are not theirs
    page = client.get("/admin/residents/").get_data(as_text=True)
    assert DESA_A in page and DESA_B not in page
