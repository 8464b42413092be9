"""The screens work under the plugin's Content-Security-Policy (no inline script),
and the browser reports no violation of it.

Every page is served with ``Content-Security-Policy: ... script-src 'self' ...``
and ``Cache-Control: no-store``. A clerk opens the residents list (and its
filter menu), a resident's edit form (the Select2 desa picker, the date picker,
saving), a visit form (adding and removing an inline result row), creates and
deletes an outreach record (the delete button's confirmation, refused and then
accepted), the outstanding page and the printable sheet (its Print button).
Every console message and ``securitypolicyviolation`` event is collected;
there must be none about the policy, and no script error.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect

from .seed import DESA, DESA_NAME, KECAMATAN, SARONGAN
from .ui import _ADMIN_ID, _PLUGIN_ID, ID, field, form_group, pick, sign_in

pytestmark = pytest.mark.e2e

SITI = SARONGAN[0][0]
ADD_FILTER = _ADMIN_ID.gettext("Add Filter")
PRINT = _PLUGIN_ID.gettext("Print")
#: Recorded in the page before any of its scripts runs: what the policy refused,
#: and how often the sheet asked the browser to print.
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


class Watched:
    """What the browser said while the pages were open."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.headers: dict[str, dict[str, str]] = {}
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("response", self._response)
        page.add_init_script(WATCH)

    def _console(self, message: ConsoleMessage) -> None:
        if "content security policy" in message.text.lower() or "content-security-policy" in message.text.lower():
            self.console.append(f"{message.type}: {message.text} ({self.page.url})")

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.headers[response.url] = response.headers

    def violations(self) -> list[str]:
        return self.console + list(self.page.evaluate("window.__cspViolations || []"))

    def check(self) -> None:
        assert self.violations() == [], self.violations()
        assert self.errors == [], self.errors


@pytest.fixture
def watched(page: Page) -> Iterator[Watched]:
    watch = Watched(page)
    yield watch
    watch.check()


def _answered_with_the_policy(watch: Watched, url_part: str) -> None:
    headers = next(h for url, h in watch.headers.items() if url_part in url)
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert headers["cache-control"] == "no-store"


def test_the_screens_work_under_the_policy(page: Page, watched: Watched) -> None:
    sign_in(page)

    # The residents list, and its filter menu (Flask-Admin's menu without onclick).
    page.goto("/admin/residents/")
    _answered_with_the_policy(watched, "/admin/residents/")
    rows = page.locator("table.model-list tbody tr")
    expect(rows.first).to_be_visible()
    page.get_by_role("link", name=ADD_FILTER, exact=True).click()
    filter_item = page.locator(".field-filters a.filter").first
    expect(filter_item).to_be_visible()
    filter_item.click()
    expect(page.locator("#filter_form .filters tr")).to_have_count(1)
    assert "javascript" not in page.url and page.url.endswith("/admin/residents/")
    assert watched.violations() == []

    # A resident's edit form: the desa picker, the date picker, saving.
    page.goto("/admin/residents/")
    search = page.get_by_role("search").get_by_role("textbox")
    search.fill(SITI)
    search.press("Enter")
    rows.first.get_by_title(ID["edit_record"]).click()
    expect(page).to_have_url(re.compile(r"/admin/residents/edit/"))
    form = page.locator("form.admin-form")
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    birth = field(page, ID["birth_date"])
    birth.click()
    expect(page.locator(".daterangepicker:visible")).to_have_count(1)  # the date picker opened (ektp_admin.js)
    birth.press("Escape")
    expect(birth).to_have_value("17-05-1980")
    page.get_by_role("button", name=ID["save_continue"]).click()
    expect(page.get_by_text(ID["saved"])).to_be_visible()
    assert watched.violations() == []

    # A visit form: inline result rows are added and removed.
    page.goto("/admin/visits/new/")
    _answered_with_the_policy(watched, "/admin/visits/new/")
    add = page.get_by_role("button", name=ID["add_result"])
    add.click()
    add.click()
    results = page.locator("form.admin-form .inline-field-list > .inline-field")
    expect(results).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())  # "Are you sure...?" before a new row goes
    results.last.locator(".inline-remove-field").click()
    expect(results).to_have_count(1)
    assert watched.violations() == []


def test_delete_asks_first_under_the_policy(page: Page, watched: Watched) -> None:
    sign_in(page)
    page.goto("/admin/outreach/new/")
    form = page.locator("form.admin-form")
    pick(page, form_group(form, ID["desa"]), "saro", DESA_NAME)
    held_on = form.locator("input[name=held_on]")
    held_on.fill("2016-09-10")
    held_on.press("Escape")
    form.locator("input[name=by_whom]").fill("Takmir Masjid Uji CSP")
    page.get_by_role("button", name=ID["save"], exact=True).click()
    expect(page.get_by_text(ID["created"])).to_be_visible()
    row = page.locator("table.model-list tbody tr").filter(has_text="Takmir Masjid Uji CSP")
    expect(row).to_have_count(1)

    questions: list[str] = []

    def refuse(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    row.locator("button[data-ektp-confirm]").click()
    expect(row).to_have_count(1)  # refused: nothing deleted
    assert len(questions) == 1

    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button[data-ektp-confirm]").click()
    expect(page.locator("table.model-list tbody tr").filter(has_text="Takmir Masjid Uji CSP")).to_have_count(0)


def test_the_outstanding_page_and_the_printable_sheet(page: Page, watched: Watched) -> None:
    sign_in(page)
    page.goto(f"/admin/outstanding/?kecamatan={KECAMATAN}")
    _answered_with_the_policy(watched, "/admin/outstanding/")
    expect(page.get_by_role("link", name=DESA_NAME, exact=True)).to_be_visible()

    page.goto(f"/admin/outstanding/{DESA}/print/")
    _answered_with_the_policy(watched, "/print/")
    expect(page.get_by_text(SITI)).to_be_visible()
    page.get_by_role("button", name=PRINT, exact=True).click()
    page.wait_for_function("window.__printed === 1")
