"""Hardening issue, item 2: the server errors crafted input used to cause, one by one.

``test_fuzz.py`` walks every endpoint; these pin down what it (and the issue)
found, each where it was fixed:

- ``sex=X`` on resident create reached ``Sex("X")`` (500): refused by its field;
- a visits device filter above 32 bits reached the database (500 on PostgreSQL,
  and beyond 64 bits on SQLite too), and its CSV broke off after the header
  while the audit said 0 rows: the filter refuses it; an export whose query
  fails now fails before its first byte, and the audit says it broke off;
- ``/admin/progress/?campaign=`` with such a number: 404 (already on main);
- a list page beyond 64 bits (OverflowError in OFFSET): the last page;
- a NUL in a text key (``/admin/kecamatan/details/?id=%00``): 404, not a DataError;
- a NUL in a team member's field (inline rows had no text cleaning): cleaned;
- an export's recorded filters are clipped (a crafted URL overflowed the
  audit's TEXT column on MariaDB).
"""
from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import (
    DESA_A,
    KEC_A,
    add,
    audit_entries,
    field_errors,
    filter_arg,
    form_fields,
    make_campaign,
    make_device,
    make_team,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    submit,
    text,
)

from ektp_admin import models
from ektp_admin.views import base as base_view


def test_a_forged_sex_on_resident_create_is_refused_readably(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(sex="X"))
    assert response.status_code == 200
    assert "Not a valid choice." in field_errors(text(response))


@pytest.mark.parametrize("device", ["2147483648", "99999999999999999999", "\u00b2"])
def test_a_device_filter_no_id_can_match_is_ignored_on_the_list_and_its_export(app: Any, client: Any,
                                                                             device: str) -> None:
    make_visit(app, device_id=make_device(app))
    make_visit(app)
    sign_in(client, "admin")
    flt = filter_arg(app, "ektp_visits", "Device", "equals")
    assert client.get(f"/admin/visits/?{flt}={device}").status_code == 200
    response = client.get(f"/admin/visits/export/csv/?{flt}={device}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert len(rows) == 4  # the header, both visits, the trailer: a filter that cannot apply is dropped
    [entry] = audit_entries(app, action="export")
    assert entry["changes"]["rows"] == 2


@pytest.mark.parametrize("campaign", ["2147483648", "99999999999999999999", "-1", "abc", "\x00"])
def test_a_campaign_number_no_campaign_can_have_is_not_found(app: Any, client: Any, campaign: str) -> None:
    make_campaign(app)
    sign_in(client, "supervisor")
    response = client.get("/admin/progress/", query_string={"campaign": campaign})
    assert response.status_code == 404


def test_a_page_beyond_64_bits_shows_an_empty_last_page(app: Any, client: Any, make_resident: Any) -> None:
    make_resident()
    sign_in(client, "admin")
    for url in ("/admin/residents/", "/admin/visits/", "/admin/audit/", "/admin/residents/export/csv/"):
        response = client.get(url, query_string={"page": "99999999999999999999"})
        assert response.status_code == 200, url
        response.get_data()
        response.close()


@pytest.mark.parametrize("url", ["/admin/kecamatan/details/", "/admin/desa/edit/", "/admin/kecamatan/edit/"])
def test_a_nul_in_a_text_key_is_not_found(app: Any, client: Any, url: str) -> None:
    sign_in(client, "admin")
    for bad in ("\x00", f"{KEC_A}\x00", "a\x00b"):
        assert client.get(url, query_string={"id": bad}).status_code == 404


def test_a_nul_in_an_inline_row_is_cleaned_like_any_field(app: Any, client: Any) -> None:
    team = make_team(app)
    add(app, models.TeamMember(team_id=team, name="ANGGOTA", position="operator"))
    sign_in(client, "supervisor")
    url = f"/admin/teams/edit/?id={team}"
    response = submit(client, url, form_fields(text(client.get(url))), **{"members-0-position": "oper\x00ator"})
    assert response.status_code == 302, field_errors(text(response))
    with app.app_context():
        positions = models.db.session.execute(sa.select(models.TeamMember.position)).scalars().all()
    assert positions == ["operator"]


def test_an_inline_row_is_held_to_its_columns(app: Any, client: Any) -> None:
    team = make_team(app)
    add(app, models.TeamMember(team_id=team, name="ANGGOTA", position="operator"))
    sign_in(client, "supervisor")
    url = f"/admin/teams/edit/?id={team}"
    response = submit(client, url, form_fields(text(client.get(url))), **{"members-0-phone": "0" * 21})
    assert "Field cannot be longer than 20 characters." in field_errors(text(response))


def test_an_export_whose_query_fails_fails_before_its_first_byte_and_says_so(app: Any, client: Any,
                                                                           make_resident: Any,
                                                                           monkeypatch: Any) -> None:
    make_resident()
    original = base_view.EktpModelView.filtered_query

    def refused(self: Any) -> Any:  # a query the database refuses, as a crafted filter was
        return original(self).filter(sa.text("no_such_column = 1"))

    monkeypatch.setattr(base_view.EktpModelView, "filtered_query", refused)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    sign_in(client, "admin")
    response = client.get("/admin/residents/export/csv/")
    assert response.status_code == 500  # an error, not a file cut off after its header
    assert response.mimetype != "text/csv"
    [entry] = audit_entries(app, action="export")
    assert entry["changes"]["failed"] is True and entry["changes"]["rows"] == 0


def test_an_export_that_breaks_midway_says_so_in_the_audit(app: Any, client: Any, make_resident: Any,
                                                         monkeypatch: Any) -> None:
    monkeypatch.setattr(base_view.EktpModelView, "export_batch_size", 1)
    for name in ("WARGA A", "WARGA B", "WARGA C"):
        make_resident(name)
    plain = base_view.stream_tuples

    def breaks_on_the_second(*args: Any, **kwargs: Any) -> Any:
        stream = plain(*args, **kwargs)
        batches = stream._batches

        def broken() -> Any:
            try:
                yield next(batches)
                raise sa.exc.OperationalError("SELECT", {}, Exception("connection lost"))
            finally:
                batches.close()

        stream._batches = broken()
        return stream

    monkeypatch.setattr(base_view, "stream_tuples", breaks_on_the_second)
    sign_in(client, "admin")
    with pytest.raises(sa.exc.OperationalError):
        client.get("/admin/residents/export/csv/").get_data()
    [entry] = audit_entries(app, action="export")
    assert entry["changes"]["failed"] is True and entry["changes"]["rows"] == 1
    page = text(client.get("/admin/audit/?lang=en"))
    assert "broke off after 1 row(s)" in page


def test_an_exports_recorded_filters_are_clipped(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    flt = filter_arg(app, "ektp_residents", "Desa/Kelurahan", "equals")
    response = client.get("/admin/residents/export/csv/", query_string={"search": "x" * 5000, flt: DESA_A * 400})
    assert response.status_code == 200
    response.get_data()
    [entry] = audit_entries(app, action="export")
    assert len(entry["changes"]["filters"]["search"]) <= 201
    assert all(len(f[2]) <= 201 for f in entry["changes"]["filters"]["filters"])


def test_a_screen_with_inline_rows_outside_the_forms_rules_is_refused_at_start_up() -> None:
    from flask_admin.model.form import InlineFormAdmin

    from ektp_admin.views.base import EktpModelView

    class Loose(EktpModelView):
        def __init__(self, model: Any, db: Any, **kwargs: Any) -> None:
            self.inline_models = [InlineFormAdmin(models.TeamMember)]
            super().__init__(model, db, **kwargs)

    with pytest.raises(TypeError, match="EktpInlineFormAdmin"):
        Loose(models.Team, models.db, endpoint="ektp_loose")
