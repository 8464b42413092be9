"""What a clerk sees when a form is wrong, and which language the screens speak."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .seed import DESA_NAME
from .ui import EN, ID, field, form_group, pick, require_indonesian, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "typed, key, params",
    [
        ("35100157058000", "nik_16_digits", {"count": 14}),
        ("3510019909800001", "nik_day", {"day": "99"}),  # neither a man's day (01-31) nor a woman's (41-71)
    ],
    ids=["too-short", "impossible-day"],
)
def test_invalid_nik_is_explained_in_indonesian_and_kept(page: Page, typed: str, key: str, params: dict) -> None:
    message = ID[key] % params
    sign_in(page)
    page.goto("/admin/residents/new/")
    field(page, ID["nik"]).fill(typed)
    field(page, ID["name"]).fill("SUMARNO")
    field(page, ID["birth_date"]).fill("1980-05-17")
    field(page, ID["birth_date"]).press("Escape")  # close the date picker
    form = page.locator("form.admin-form")
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    page.get_by_role("button", name=ID["save"], exact=True).click()

    nik = field(page, ID["nik"])
    expect(nik).to_have_value(typed)
    group = page.locator(".form-group").filter(has=nik)
    expect(group).to_contain_text(message)
    assert group.inner_text().count(message) == 1, "the same error is shown once"
    expect(page.get_by_text(ID["created"])).to_have_count(0)
    require_indonesian(key, "nik", "save")


def test_screens_speak_indonesian_by_default(page: Page) -> None:
    """Every word these tests look for is translated, and the login page shows it."""
    require_indonesian()
    page.goto("/login")
    expect(page.get_by_role("button", name=ID["sign_in"])).to_be_visible()
    expect(page.get_by_label(ID["username"])).to_be_visible()
    expect(page.get_by_label(ID["password"])).to_be_visible()


def test_language_switch_shows_english_and_back(page: Page) -> None:
    page.goto("/login?lang=en")
    expect(page.get_by_role("button", name=EN["sign_in"])).to_be_visible()
    expect(page.get_by_label(EN["username"])).to_be_visible()
    expect(page.get_by_role("link", name=EN["indonesian"])).to_be_visible()

    # The choice is remembered after signing in.
    sign_in(page, EN)
    page.goto("/admin/residents/")
    expect(page.get_by_role("heading", name=EN["residents"])).to_be_visible()
    expect(page.get_by_role("search").get_by_role("button", name=EN["search"])).to_be_visible()

    page.get_by_role("link", name=EN["indonesian"]).click()
    expect(page.get_by_role("link", name=ID["english"])).to_be_visible()
    expect(page.get_by_role("search").get_by_role("button", name=ID["search"])).to_be_visible()
    expect(page.get_by_role("button", name=ID["sign_out"])).to_be_visible()
