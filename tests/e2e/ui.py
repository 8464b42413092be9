"""What the screens say, and how a clerk finds things on them.

Elements are found the way a person finds them: by visible labels, button and
link texts, table headers. Only Select2's pickers (no accessible roles of their
own) and Flask-Admin's inline result rows (their labels point at no input) are
found by their widget classes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from playwright.sync_api import Locator, Page, expect

import ektp_admin.i18n

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CLERK = "pesanggaran"
CLERK_PASSWORD = "rahasia-pesanggaran-16"
#: Every role's login in the browser tests' portal: (username, password, role).
USERS = {
    "admin": ("admin", "rahasia-admin-2016", "admin"),
    "supervisor": ("dinas", "rahasia-dinas-2016", "supervisor"),
    "clerk": (CLERK, CLERK_PASSWORD, "clerk"),
}

#: The English msgids of the words the tests look for: the plugin's own (``ektp_admin``
#: domain) and Flask-Admin's (``admin`` domain, our Indonesian admin.po).
PLUGIN_WORDS: dict[str, str] = {
    "sign_in": "Sign in",
    "username": "Username",
    "password": "Password",
    "signed_out": "You are signed out.",
    "sign_out": "Sign out",
    "residents": "Residents",
    "nik": "NIK",
    "name": "Name",
    "birth_date": "Birth date",
    "phone": "Phone",
    "recording_menu": "Recording",
    "visit_logs": "Visit logs",
    "day": "Day",
    "start": "Start",
    "end": "End",
    "kind": "Kind",
    "home_visit": "Home visit",
    "state": "State",
    "done": "Done",
    "desa": "Desa/Kelurahan",
    "host_resident": "Host (resident)",
    "host_address": "Host address",
    "team": "Team",
    "device": "Device",
    "results": "Results",
    "recorded": "Recorded",
    "not_home": "Not at home",
    "outstanding": "Outstanding",
    "residents_recorded": "Residents recorded",
    "download_csv": "CSV (comma)",
    "printable": "Printable list",
    "nik_16_digits": "NIK must have 16 digits, got %(count)s.",
    "nik_day": "The day in the NIK (%(day)s) must be 01-31 for men or 41-71 for women.",
    "outstanding_menu": "Outstanding by village",
    "planner": "Home-visit planner",
    "plan": "Plan",
    "show": "Show",
    "planned": "Planned",
    "invited": "Invited, not seen yet",
    "team_roster": "Team roster",
    "first_day": "First day",
    "last_day": "Last day",
    "propose": "Propose",
    "save_roster": "Save the roster",
    "drop_row": "Drop row %(row)s",
    "desa_row": "Desa/Kelurahan, row %(row)s",
    "per_team": "Per team",
    "per_kit": "Per kit",
}
#: The per-desa CSV's columns, as the village head's spreadsheet shows them.
CSV_HEADER = ["NIK", "Name", "Sex", "Age", "RW", "RT", "Address", "Phone", "KTP-el status", "Reason",
              "Desa/Kelurahan", "Kecamatan"]
#: Words Indonesian writes as English does.
SAME_IN_BOTH = {"NIK", "Desa/Kelurahan", "RW", "RT", "Kecamatan"}
ADMIN_WORDS: dict[str, str] = {
    "search": "Search",
    "edit_record": "Edit Record",
    "save": "Save",
    "save_continue": "Save and Continue Editing",
    "saved": "Record was successfully saved.",
    "created": "Record was successfully created.",
    "create": "Create",
    "add": "Add",
}

_TRANSLATIONS = Path(ektp_admin.i18n.TRANSLATIONS_DIR)
_PLUGIN_ID = Translations.load(str(_TRANSLATIONS), ["id"], "ektp_admin")
_ADMIN_ID = Translations.load(str(_TRANSLATIONS), ["id"], "admin")

#: Indonesian, the default language: the words of the catalogues the portal ships,
#: so the tests follow the translator's choices instead of guessing them.
ID: dict[str, Any] = {
    **{key: _PLUGIN_ID.gettext(msgid) for key, msgid in PLUGIN_WORDS.items()},
    **{key: _ADMIN_ID.gettext(msgid) for key, msgid in ADMIN_WORDS.items()},
    "csv_header": [_PLUGIN_ID.gettext(h) for h in CSV_HEADER],
    "english": "English",  # the switch names the other language in that language
}
ID["add_result"] = f"{ID['add']} {ID['results']}"

#: English, after ``?lang=en``: the msgids themselves.
EN: dict[str, Any] = {**PLUGIN_WORDS, **ADMIN_WORDS, "indonesian": "Bahasa Indonesia"}


def untranslated(*keys: str) -> list[str]:
    """msgids (of ``keys``, or of every word above) the Indonesian catalogues leave in English."""
    plugin = [PLUGIN_WORDS[k] for k in keys if k in PLUGIN_WORDS] if keys else [*PLUGIN_WORDS.values(), *CSV_HEADER]
    admin = [ADMIN_WORDS[k] for k in keys if k in ADMIN_WORDS] if keys else list(ADMIN_WORDS.values())
    missing = {w for w in plugin if w not in SAME_IN_BOTH and _PLUGIN_ID.gettext(w) == w}
    missing |= {w for w in admin if _ADMIN_ID.gettext(w) == w}
    return sorted(missing)


def require_indonesian(*keys: str) -> None:
    """Fail with the words a clerk would read in English (all the tests use, or ``keys``)."""
    missing = untranslated(*keys)
    if missing:
        pytest.fail(
            f"The Indonesian UI is incomplete: {len(missing)} word(s) the clerk's screens show have no "
            f"translation in ektp_admin/translations/id: {', '.join(repr(m) for m in missing)}",
            pytrace=False,
        )


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save ``docs/screenshots/<name>.png`` (overwritten on every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def field(scope: Page | Locator, label: str, role: str = "textbox") -> Locator:
    """The input (or select: role="combobox") whose label is ``label`` (a required one ends in '*')."""
    return scope.get_by_role(role, name=re.compile(rf"^{re.escape(label)}(\s*\*)?\s*$"))


def form_group(form: Locator, label: str) -> Locator:
    """A field's group (label, widget, help text) in a Flask-Admin form."""
    return form.locator(".form-group").filter(has=form.page.locator("label", has_text=label))


def pick(page: Page, picker: Locator, typed: str, option: str) -> None:
    """Open the Select2 picker inside ``picker``, type, and click the offered option."""
    picker.locator(".select2-choice").click()
    drop = page.locator("#select2-drop")  # Select2 3.5 moves the open drop-down here
    drop.locator("input.select2-input").fill(typed)
    drop.locator(".select2-result-label", has_text=option).click()
    expect(picker.locator(".select2-chosen")).to_contain_text(option)


def cell(table: Locator, row_text: str, header: str) -> str:
    """The text under column ``header`` in the row of ``table`` that shows ``row_text``."""
    headers = [t.strip() for t in table.locator("thead tr").first.locator("th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has_text=row_text)
    expect(row).to_have_count(1)
    return row.locator("td").nth(headers.index(header)).inner_text().strip()


def open_dropdown(page: Page, toggle: Locator) -> Locator:
    """Open a Bootstrap drop-down by its toggle and return its open menu.

    Bootstrap binds the toggles at the end of the page: a click before the page has
    loaded opens nothing (a person would see the page still loading and wait)."""
    page.wait_for_load_state("load")
    toggle.click()
    menu = toggle.locator("xpath=..").locator(".dropdown-menu.show")
    expect(menu).to_be_visible()
    return menu


def open_menu(page: Page, category: str | None, entry: str) -> None:
    """Click a top-menu entry as a person does (its category first)."""
    page.wait_for_load_state("load")
    nav = page.locator("#admin-navbar-collapse > ul.navbar-nav").first
    if category is not None:
        menu = open_dropdown(page, nav.locator("a.dropdown-toggle", has_text=category).first)
        menu.get_by_text(entry, exact=True).first.click()
    else:
        nav.get_by_role("link", name=entry, exact=True).first.click()
    page.wait_for_load_state()


def sign_in(page: Page, ui: dict[str, Any] = ID, username: str = CLERK, password: str = CLERK_PASSWORD) -> None:
    """Fill the login form by its labels and send it."""
    page.goto("/login")
    page.get_by_label(ui["username"]).fill(username)
    page.get_by_label(ui["password"]).fill(password)
    page.get_by_role("button", name=ui["sign_in"]).click()
    expect(page.get_by_role("button", name=ui["sign_out"])).to_be_visible()
