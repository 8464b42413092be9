"""Hardening issue, item 3: a resident's birth date makes sense - on or after
1 January 1900 and not in the future - on create and on edit, with a readable
message in the user's language (the rule: ``domain.eligibility.check_birth_date``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from security.ektp_support import (
    count,
    fetch,
    field_errors,
    form_fields,
    make_nik,
    post_form,
    resident_form,
    sign_in,
    submit,
    text,
)

from ektp_admin import models

TOO_EARLY = [dt.date(1899, 12, 31), dt.date(1800, 1, 1), dt.date(1, 1, 1)]


@pytest.mark.parametrize("birth", TOO_EARLY, ids=str)
def test_a_birth_date_before_1900_is_refused_on_create(app: Any, client: Any, birth: dt.date) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(birth=birth))
    assert response.status_code == 200
    assert f"The birth date ({birth.day:02d}-{birth.month:02d}-{birth.year:04d}) is before 1900; please check it." \
        in field_errors(text(response))
    assert count(app, models.Resident) == 0


def test_the_first_of_january_1900_is_accepted(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(birth=dt.date(1900, 1, 1)))
    assert response.status_code == 302, field_errors(text(response))
    assert count(app, models.Resident) == 1


def test_the_message_is_indonesian_for_an_indonesian_user(app: Any, client: Any) -> None:
    sign_in(client, "clerk", lang="id")
    response = post_form(client, "/admin/residents/new/", resident_form(birth=dt.date(1899, 12, 31)))
    assert any("31-12-1899" in e and "1900" in e and "before" not in e for e in field_errors(text(response)))


def test_a_birth_date_before_1900_is_refused_on_edit(app: Any, client: Any, make_resident: Any) -> None:
    born = dt.date(1945, 8, 17)
    resident = make_resident("SUGIHARTO", birth_date=born, sex="L", nik=make_nik(born, "L"))
    sign_in(client, "clerk")
    url = f"/admin/residents/edit/?id={resident}"
    response = submit(client, url, form_fields(text(client.get(url))), birth_date="1845-08-17")
    assert "The birth date (17-08-1845) is before 1900; please check it." in field_errors(text(response))
    assert fetch(app, models.Resident, resident).birth_date == born
