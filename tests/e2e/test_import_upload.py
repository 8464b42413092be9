"""A supervisor uploads a population file, watches the import's progress and reads its report.

The file is laid out as the residents export (Indonesian columns), tens of
thousands of rows so the progress bar has time to move, plus three bad rows;
a partial import writes the valid rows and lists the bad ones with line,
column and reason, in Indonesian, on the page and in the CSV download. No
resident of the clerk's kecamatan (Pesanggaran) is touched, so the other
browser tests read the same campaign whatever order they run in.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from babel.support import Translations
from playwright.sync_api import Page, expect

import ektp_admin.i18n
from ektp_admin.population.sample import EXPORT_HEADER_ID, resident_rows

from .conftest import ROOT, Portal, _portal_env
from .ui import screenshot, sign_in

pytestmark = pytest.mark.e2e

SUPERVISOR, SUPERVISOR_PASSWORD = "dinas-impor", "rahasia-dinas-impor-16"
ROWS = 40_000
_ID = Translations.load(ektp_admin.i18n.TRANSLATIONS_DIR, ["id"], "ektp_admin")


def t(msgid: str, **params: object) -> str:
    text = _ID.gettext(msgid)
    return text % params if params else text


def _supervisor(portal: Portal) -> None:
    env = _portal_env(portal.log_path.parent)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "ektp", "create-user", SUPERVISOR,
                           "--role", "supervisor", "--password", SUPERVISOR_PASSWORD],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _file(folder: Path) -> tuple[Path, int]:
    """Residents of every kecamatan but Pesanggaran, and three bad rows at the end."""
    path = folder / "penduduk-banyuwangi.csv"
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        rows = resident_rows(ROWS, seed=99)
        writer.writerow(next(rows))
        for row in rows:
            if row[7] != "35.10.01":
                writer.writerow(row)
                written += 1
        bad = [""] * len(EXPORT_HEADER_ID)
        writer.writerow(["", "", "TANPA NIK", "Laki-laki", "", "17-05-1980", "", "35.10.02", "Sukorejo"] + bad[9:])
        writer.writerow(["3510021705800999", "", "KELAMIN ANEH", "X", "", "17-05-1980", "", "35.10.02",
                         "Sukorejo"] + bad[9:])
        writer.writerow(["3510021705800998", "", "DESA ANEH", "Laki-laki", "", "17-05-1980", "", "35.10.02",
                         "Atlantis"] + bad[9:])
    return path, written


def test_supervisor_uploads_watches_progress_and_reads_the_report(page: Page, portal: Portal,
                                                                  tmp_path: Path) -> None:
    _supervisor(portal)
    path, good = _file(tmp_path)
    sign_in(page, username=SUPERVISOR, password=SUPERVISOR_PASSWORD)
    page.goto("/admin/import-residents/")
    expect(page.get_by_role("heading", name=t("Recent imports"))).to_be_visible()
    page.get_by_label(t("File (CSV or XLSX)")).set_input_files(str(path))
    page.get_by_label(t("Partial import: write the valid rows even when others are bad")).check()
    page.get_by_role("button", name=t("Import"), exact=True).click()

    # The upload returns at once; the page shows the import running and its progress moving.
    expect(page).to_have_url(re.compile(r"/admin/import-residents/job\?id=\d+$"))
    progress = page.locator("[data-ektp-progress]")
    expect(progress).to_be_visible()
    text = progress.locator("[data-ektp-progress-text]")
    expect(text).to_contain_text(" / ", timeout=60_000)  # "Memeriksa baris: 12.000 / 40.005 (30 %)"
    screenshot(page, "07-import-progress")

    # When it ends the page reloads itself with the report.
    headline = page.locator(".ektp-import-headline")
    expect(headline).to_contain_text(
        t("Imported: %(added)s residents added, %(updated)s updated, %(unchanged)s unchanged.",
          added=format_decimal(good, locale="id"), updated=0, unchanged=0), timeout=240_000)
    expect(progress).to_have_count(0)
    issues = page.locator("table.ektp-import-issues")
    expect(issues).to_contain_text(t("%(field)s is empty.", field="NIK"))
    expect(issues).to_contain_text("X")
    expect(issues).to_contain_text("Atlantis")
    lines = [r.strip() for r in issues.locator("tbody tr td:first-child").all_inner_texts()]
    assert lines == [str(good + 2), str(good + 3), str(good + 4)], "the file's own line numbers"
    screenshot(page, "08-import-report", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download the report (CSV)")).click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0].split(",")[:2] == [t("Line"), t("Column")]
    assert len(report) == 5, "the header, three rows and the closing line"
    assert report[-1] == t("# complete: %(rows)s rows") % {"rows": 3}
