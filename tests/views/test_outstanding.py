"""The per-village outstanding list, its printable sheet, its CSV, and the home-visit list.

Pages are read in English (the session's language set to ``en``) so the
assertions hold whatever the Indonesian catalogue says; one test reads the CSV
header in the default language to show it goes through the catalogue.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, KEC_B

from ektp_admin import models
from ektp_admin.domain.enums import Citizenship, KtpStatus, MaritalStatus, VisitKind, VisitState

URL = "/admin/outstanding/"
BOM = "\ufeff"


# ------------------------------------------------------------------ helpers


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def cells(page: str, marker: str) -> dict[str, str]:
    """{data-col: visible text} of the table row carrying ``marker`` (e.g. ``data-desa="..."``)."""
    start = page.index(marker)
    row = page[start: page.index("</tr>", start)]
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", value)).strip()
        for name, value in re.findall(r'data-col="([a-z_0-9]+)"[^>]*>(.*?)</td>', row, re.S)
    }


def totals_row(page: str) -> dict[str, str]:
    return cells(page, 'class="font-weight-bold ektp-totals"')


def read_csv(response: Any) -> list[list[str]]:
    body = text(response)
    assert body.startswith(BOM), "CSV must start with a BOM so Excel reads UTF-8"
    *rows, trailer = csv.reader(io.StringIO(body[len(BOM):]))
    assert re.fullmatch(r"# (complete|selesai): [\d.,]+ (rows|baris)", trailer[0]), "the last line: the file is whole"
    assert int(re.sub(r"\D", "", trailer[0])) == len(rows) - 1
    return rows


def export_entries(app: Any) -> list[dict[str, Any]]:
    with app.app_context():
        entries = models.db.session.execute(
            sa.select(models.AuditEntry).where(models.AuditEntry.action == "export").order_by(models.AuditEntry.id)
        ).scalars().all()
        return [{"user": e.username, "kecamatan_code": e.kecamatan_code, **json.loads(e.changes)} for e in entries]


@pytest.fixture
def village(make_resident: Any) -> dict[str, int]:
    """Desa A (Sarongan): every kind of resident; desa B (Sukorejo, other kecamatan): one."""
    return {
        "adult": make_resident("AMINAH", birth_date=dt.date(1980, 5, 17), rw="1", rt="2", address="Dusun Krajan",
                               phone="081234567890"),
        "recorded": make_resident("BAMBANG", birth_date=dt.date(1981, 1, 2), status=KtpStatus.RECORDED, rw="1", rt="1"),
        "child": make_resident("CHILD", birth_date=dt.date(2006, 4, 4), rw="1", rt="1"),
        "married16": make_resident("DEWI MUDA", birth_date=dt.date(2000, 3, 1),
                                   marital_status=MaritalStatus.MARRIED.value, rw="1", rt="1"),
        "efac": make_resident("EFAC ORANG", birth_date=dt.date(1979, 2, 3), status=KtpStatus.ENROL_FAILED, rw="2", rt="1"),
        "wna": make_resident("FOREIGNER", birth_date=dt.date(1970, 6, 6), citizenship=Citizenship.WNA_OTHER.value),
        "lansia": make_resident("GINAH", birth_date=dt.date(1940, 1, 1), rw="2", rt="3", address="Dusun Rowo"),
        "disabled": make_resident("HARTO", birth_date=dt.date(1985, 1, 1), disabled=True, rw="2", rt="3"),
        "away": make_resident("IWAN", birth_date=dt.date(1987, 1, 1), away=True, away_location="Malaysia",
                              away_until=dt.date(2017, 3, 1), rw="3", rt="1"),
        "new17": make_resident("JOKO", birth_date=dt.date(1999, 9, 10), rw="3", rt="2"),
        "b": make_resident("KARTINI", birth_date=dt.date(1975, 1, 1), desa=DESA_B),
    }


def _planned_visit(app: Any, day: dt.date, desa: str = DESA_A, **extra: Any) -> None:
    with app.app_context():
        models.db.session.add(models.Visit(
            day=day, start_time=extra.pop("start", dt.time(8, 0)), end_time=extra.pop("end", dt.time(14, 0)),
            kind=extra.pop("kind", VisitKind.VILLAGE_POST.value), state=extra.pop("state", VisitState.PLANNED.value),
            kecamatan_code=desa[:8], desa_code=desa, **extra,
        ))
        models.db.session.commit()


# ------------------------------------------------------------------ access


OWN_URLS = [
    URL, f"{URL}export.csv", f"{URL}{DESA_A}/", f"{URL}{DESA_A}/print/", f"{URL}{DESA_A}/export.csv",
    "/admin/home-visits/", "/admin/home-visits/export.csv", "/admin/progress/", "/admin/kits/",
]
OTHER_KECAMATAN_URLS = [
    f"{URL}?kecamatan={KEC_B}",
    f"{URL}export.csv?kecamatan={KEC_B}",
    f"{URL}{DESA_B}/",
    f"{URL}{DESA_B}/print/",
    f"{URL}{DESA_B}/export.csv",
    f"{URL}{DESA_B}/?page=2",
    f"/admin/home-visits/?kecamatan={KEC_B}",
    f"/admin/home-visits/?desa={DESA_B}",
    f"/admin/home-visits/export.csv?desa={DESA_B}",
    f"/admin/home-visits/export.csv?kecamatan={KEC_B}",
    f"/admin/progress/?kecamatan={KEC_B}",
    f"/admin/kits/?kecamatan={KEC_B}",
]


@pytest.mark.parametrize("url", OWN_URLS)
def test_anonymous_is_sent_to_login(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", OWN_URLS)
@pytest.mark.parametrize("role", ["admin", "supervisor", "clerk"])
def test_every_role_reads_and_exports(as_user: Any, village: Any, role: str, url: str) -> None:
    response = as_user(role).get(url)
    assert response.status_code == 200, text(response)[:1000]


@pytest.mark.parametrize("url", OTHER_KECAMATAN_URLS)
def test_clerk_gets_404_for_another_kecamatan(as_user: Any, village: Any, url: str) -> None:
    client = as_user("clerk")
    response = client.get(url)
    assert response.status_code == 404
    assert "KARTINI" not in text(response)


def test_clerk_of_the_other_kecamatan_reaches_it(as_user: Any, village: Any) -> None:
    client = as_user("clerk_b")
    page = text(client.get(f"{URL}{DESA_B}/"))
    assert "KARTINI" in page and "AMINAH" not in page
    assert client.get(f"{URL}{DESA_A}/").status_code == 404


@pytest.mark.parametrize("url", [
    f"{URL}?kecamatan=35.10.99", f"{URL}?kecamatan=nonsense", f"{URL}35.10.01.9999/", f"{URL}not-a-code/",
    f"{URL}35.10.01.9999/print/", f"{URL}35.10.01.9999/export.csv", "/admin/home-visits/?desa=35.10.01.9999",
])
def test_unknown_codes_are_a_clear_404(as_user: Any, url: str) -> None:
    response = as_user("supervisor").get(url)
    assert response.status_code == 404
    assert "There is no" in text(response)


def test_menu_offers_the_screens_to_a_clerk(as_user: Any) -> None:
    page = text(as_user("clerk").get(URL))
    for href in ("/admin/outstanding/", "/admin/progress/", "/admin/kits/", "/admin/home-visits/"):
        assert f'href="{href}"' in page


# ------------------------------------------------------------------ the list


def test_counts_per_desa(as_user: Any, village: Any) -> None:
    page = text(as_user("supervisor").get(f"{URL}?kecamatan={KEC_A}"))
    row = cells(page, f'data-desa="{DESA_A}"')
    # wajib: all but the child and the foreigner without permit (the married 16-year-old is)
    assert row["wajib"] == "8"
    assert row["recorded"] == "1"
    assert row["outstanding"] == "7"  # EFAC counts as outstanding
    assert row["percent"] == "12.5 %"
    assert (row["lansia"], row["disabled_or_ill"], row["away"], row["newly_17"]) == ("1", "1", "1", "1")
    empty = cells(page, f'data-desa="{DESA_A2}"')
    assert (empty["wajib"], empty["outstanding"], empty["percent"]) == ("0", "0", "-")
    assert f'data-desa="{DESA_B}"' not in page
    totals = totals_row(page)
    assert (totals["wajib"], totals["outstanding"], totals["recorded"]) == ("8", "7", "1")
    assert f'href="/admin/outstanding/{DESA_A}/"' in page


def test_all_kecamatan_and_the_totals(as_user: Any, village: Any, app: Any) -> None:
    app.config["EKTP_ADMIN_PAGE_SIZE"] = 100
    client = as_user("supervisor")
    page = text(client.get(URL))
    assert totals_row(page)["outstanding"] == "8"
    assert "Page 1 of 3" in page  # 217 desa, 100 a page
    last = text(client.get(f"{URL}?page=3"))
    assert "Page 3 of 3" in last
    assert text(client.get(f"{URL}?page=99")).count("ektp-outstanding-row") == 17  # clamped to the last page
    for odd in ("abc", "-4", "0", "99999999999999999999"):
        for url in (URL, f"{URL}{DESA_A}/", "/admin/kits/", "/admin/home-visits/"):
            response = client.get(f"{url}?page={odd}")
            assert response.status_code == 200, (url, odd)


def test_clerk_defaults_to_own_kecamatan(as_user: Any, village: Any) -> None:
    page = text(as_user("clerk").get(URL))
    assert f'data-desa="{DESA_A}"' in page and f'data-desa="{DESA_B}"' not in page
    assert "All kecamatan" not in page
    assert totals_row(page)["outstanding"] == "7"


def test_desa_row_links_to_the_resident_list_filtered_to_it(as_user: Any, village: Any) -> None:
    client = as_user("supervisor")
    page = text(client.get(f"{URL}?kecamatan={KEC_A}"))
    start = page.index(f'data-desa="{DESA_A}"')
    row = page[start: page.index("</tr>", start)]
    link = html.unescape(re.search(r'href="(/admin/residents/\?[^"]+)"', row).group(1))
    listing = text(client.get(link))
    assert "AMINAH" in listing and "EFAC ORANG" in listing
    assert "BAMBANG" not in listing  # recorded
    assert "KARTINI" not in listing  # other desa


# ------------------------------------------------------------------ one desa


def test_desa_page_lists_outstanding_residents_by_rw_rt_then_name(as_user: Any, village: Any) -> None:
    page = text(as_user("clerk").get(f"{URL}{DESA_A}/"))
    order = ["DEWI MUDA", "AMINAH", "EFAC ORANG", "GINAH", "HARTO", "IWAN", "JOKO", "FOREIGNER"]
    present = [name for name in order if name in page]
    assert present == order[:-1]  # the foreigner without permit is not wajib
    assert [m for m in re.findall(r">([A-Z][A-Z ]+)</a></td>", page)] == order[:-1]
    assert "BAMBANG" not in page and "CHILD" not in page
    assert "081234567890" in page and "Dusun Krajan" in page
    assert "EFAC: capture must be redone" in page
    assert "away at Malaysia until 01-03-2017" in page
    assert "lansia (60+)" in page and "newly 17" in page
    assert 'data-col="outstanding">7<' in page


def test_desa_page_paginates(as_user: Any, village: Any, app: Any) -> None:
    app.config["EKTP_ADMIN_PAGE_SIZE"] = 3
    client = as_user("clerk")
    # the residents' table only (page 1 also proposes the desa's home-visit groups)
    first, second, third = (
        page[page.index("ektp-outstanding-residents"):]
        for page in (text(client.get(f"{URL}{DESA_A}/{query}")) for query in ("", "?page=2", "?page=3"))
    )
    assert "Page 1 of 3" in first
    assert "DEWI MUDA" in first and "EFAC ORANG" in first and "GINAH" not in first
    assert "GINAH" in second and "IWAN" in second and "DEWI MUDA" not in second
    assert "JOKO" in third


# ------------------------------------------------------------------ printable sheet


def test_printable_page(as_user: Any, village: Any, app: Any, client: Any) -> None:
    _planned_visit(app, dt.date(2016, 9, 24), host_address="Balai Desa Sarongan", start=dt.time(8, 0),
                   end=dt.time(16, 0))
    _planned_visit(app, dt.date(2016, 9, 10))  # in the past: not announced
    _planned_visit(app, dt.date(2016, 9, 25), state=VisitState.CANCELLED.value)
    response = as_user("clerk").get(f"{URL}{DESA_A}/print/")
    assert response.status_code == 200
    page = text(response)
    assert "navbar" not in page and "admin-navbar" not in page
    assert "Residents who must hold a KTP-el and are not yet recorded" in page
    assert "Sarongan" in page and "Pesanggaran" in page
    assert "7 residents" in page  # not yet recorded
    assert "September 21, 2016" in page  # the date of the list
    for name in ("AMINAH", "DEWI MUDA", "EFAC ORANG", "GINAH", "HARTO", "IWAN", "JOKO"):
        assert name in page
    assert "BAMBANG" not in page and "KARTINI" not in page
    # neither NIK nor phone numbers go on a sheet pinned up in public
    with app.app_context():
        nik = models.db.session.get(models.Resident, village["adult"]).nik
    assert nik not in page and "081234567890" not in page
    # nor health, disability or where a migrant works (the staff's desa page says it)
    for private in ("disabled", "seriously ill", "Malaysia"):
        assert private not in page, private
    staff_page = text(as_user("clerk").get(f"{URL}{DESA_A}/"))
    assert "disabled" in staff_page and "Malaysia" in staff_page
    # grouped by RT: RW 1 has RT 1 then RT 2, RW 2 has RT 1 then RT 3
    heads = re.findall(r"RT (\S+) / RW (\S+)</th>", page)
    assert heads == [("1", "1"), ("2", "1"), ("1", "2"), ("3", "2"), ("1", "3"), ("2", "3")]
    # where and when to come: the planned visit, not the past or cancelled one
    assert "September 24, 2016, 08:00" in page and "Balai Desa Sarongan" in page
    assert "September 10, 2016" not in page and "September 25, 2016" not in page
    css = re.search(r'href="([^"]+print\.css)"', page).group(1)
    with client.get(css) as stylesheet:
        assert stylesheet.status_code == 200 and b"@media print" in stylesheet.data


def test_the_sheet_reads_out_the_desas_next_visit(as_user: Any, village: Any, app: Any) -> None:
    """Date (dd-mm-yyyy), time and place of the desa's next planned visit: not another
    desa's (sooner), not a past or cancelled one (sooner), and still no private detail."""
    _planned_visit(app, dt.date(2016, 9, 22), desa=DESA_B, host_address="Balai Desa Sukorejo")
    _planned_visit(app, dt.date(2016, 9, 22), desa=DESA_A2, host_address="Balai Desa Sumberagung")
    _planned_visit(app, dt.date(2016, 9, 20), host_address="Musala lama")
    _planned_visit(app, dt.date(2016, 9, 23), state=VisitState.CANCELLED.value, host_address="Rumah Pak RT")
    _planned_visit(app, dt.date(2016, 9, 30), host_address="Sekolah")
    _planned_visit(app, dt.date(2016, 9, 24), host_address="Balai Desa Sarongan", start=dt.time(9, 0),
                   end=dt.time(15, 0))
    page = text(as_user("clerk").get(f"{URL}{DESA_A}/print/"))
    start = page.index("data-next-visit=")
    announced = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page[start: page.index("</p>", start)])))
    assert "24-09-2016" in announced and "09:00" in announced and "15:00" in announced
    assert "Balai Desa Sarongan" in announced
    for elsewhere in ("Sukorejo", "Sumberagung", "Musala lama", "Rumah Pak RT", "22-09-2016", "20-09-2016"):
        assert elsewhere not in page, elsewhere
    for private in ("disabled", "seriously ill", "Malaysia"):
        assert private not in page, private


def test_the_sheet_names_the_place_by_kind_without_an_address(as_user: Any, village: Any, app: Any) -> None:
    _planned_visit(app, dt.date(2016, 9, 24))
    page = text(as_user("clerk").get(f"{URL}{DESA_A}/print/"))
    start = page.index("data-next-visit=")
    announced = html.unescape(re.sub(r"<[^>]+>", "", page[start: page.index("</p>", start)]))
    assert "24-09-2016" in announced and "Village post, Sarongan" in announced


def test_printable_page_without_planned_visit(as_user: Any, village: Any) -> None:
    page = text(as_user("clerk").get(f"{URL}{DESA_A2}/print/"))
    assert "No recording visit is planned in this village yet" in page
    assert "Everyone in this village who must hold a KTP-el has been recorded." in page


# ------------------------------------------------------------------ CSV


def test_summary_csv(as_user: Any, village: Any, app: Any) -> None:
    response = as_user("clerk").get(f"{URL}export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:8] == ["Kecamatan code", "Kecamatan", "Desa code", "Desa/Kelurahan", "Wajib KTP", "Recorded",
                           "Outstanding", "Done (%)"]
    a = next(r for r in rows[1:] if r[2] == DESA_A)
    assert a[4:12] == ["8", "1", "7", "12.5", "1", "1", "1", "1"]
    assert {r[0] for r in rows[1:]} == {KEC_A}
    entry = export_entries(app)[-1]
    assert entry["user"] == "clerk" and entry["kecamatan_code"] == KEC_A
    assert entry["view"] == "ektp_outstanding.export_summary"
    assert entry["filters"]["kecamatan"] == KEC_A and entry["rows"] == len(rows) - 1


def test_residents_csv_neutralises_formulas(as_user: Any, village: Any, make_resident: Any, app: Any) -> None:
    make_resident('=HYPERLINK("http://evil.example","klik")', address="+62 jalan", phone="-", rw="9", rt="9")
    rows = read_csv(as_user("clerk").get(f"{URL}{DESA_A}/export.csv"))
    header = rows[0]
    assert header[:4] == ["NIK", "Name", "Sex", "Age"] and "Reason" in header
    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in names
    assert '=HYPERLINK("http://evil.example","klik")' not in names
    evil = next(r for r in rows[1:] if r[1].startswith("'="))
    assert evil[header.index("Address")] == "'+62 jalan"
    assert "AMINAH" in names and "BAMBANG" not in names and "KARTINI" not in names
    assert next(r for r in rows[1:] if r[1] == "EFAC ORANG")[header.index("Reason")] == "EFAC: capture must be redone"
    entry = export_entries(app)[-1]
    assert entry["view"] == "ektp_outstanding.export_desa"
    assert entry["filters"]["desa"] == DESA_A and entry["rows"] == 8  # seven, and the formula


def test_csv_headers_go_through_the_catalogue(login_as: Any, village: Any, app: Any) -> None:
    from ektp_admin.i18n import gettext
    from ektp_admin.views.outstanding import RESIDENTS_HEADER

    body = login_as("clerk").get(f"{URL}{DESA_A}/export.csv").get_data(as_text=True)
    with app.test_request_context("/"):  # the default language, as the download had
        expected = [gettext(h) for h in RESIDENTS_HEADER]
    assert next(csv.reader(io.StringIO(body[1:]))) == expected


# ------------------------------------------------------------------ home visits


def test_home_visits_grouped_by_desa_and_rt(as_user: Any, make_resident: Any, app: Any) -> None:
    make_resident("MBAH SARI", birth_date=dt.date(1938, 1, 1), rw="1", rt="2", address="Gang Melati 1")
    make_resident("MBAH KARYO", birth_date=dt.date(1941, 1, 1), rw="01", rt="002", address="Gang Melati 4")
    make_resident("TUNANETRA", birth_date=dt.date(1980, 1, 1), disabled=True, rw="3", rt="1")
    make_resident("OLD AWAY", birth_date=dt.date(1946, 1, 1), away=True, away_until=dt.date(2017, 1, 1))
    make_resident("HEALTHY", birth_date=dt.date(1982, 1, 1))
    make_resident("OLD ELSEWHERE", birth_date=dt.date(1944, 1, 1), desa=DESA_B)
    client = as_user("clerk")
    page = text(client.get("/admin/home-visits/"))
    assert "MBAH SARI" in page and "MBAH KARYO" in page and "TUNANETRA" in page
    assert "OLD AWAY" not in page and "HEALTHY" not in page and "OLD ELSEWHERE" not in page
    cluster = page[page.index(f'data-desa="{DESA_A}" data-rw="1" data-rt="2"'):]
    cluster = cluster[: cluster.index("</tbody>")]
    assert "MBAH SARI" in cluster and "MBAH KARYO" in cluster and "2 residents" in cluster
    assert "cluster visit possible" in cluster
    assert "3 residents to record at home." in page
    alone = page[page.index(f'data-desa="{DESA_A}" data-rw="3" data-rt="1"'):]
    alone = alone[: alone.index("</tbody>")]
    assert "TUNANETRA" in alone and "1 resident" in alone and "1 residents" not in alone
    assert "cluster visit possible" not in alone

    narrowed = text(client.get(f"/admin/home-visits/?desa={DESA_A2}"))
    assert "Nobody needs a home visit here." in narrowed

    rows = read_csv(client.get("/admin/home-visits/export.csv"))
    assert rows[0][:5] == ["Kecamatan", "Desa/Kelurahan", "RW", "RT", "Name"]
    assert [r[4] for r in rows[1:]] == ["MBAH KARYO", "MBAH SARI", "TUNANETRA"]
    assert rows[1][0] == "Pesanggaran" and rows[1][1] == "Sarongan"
    entry = export_entries(app)[-1]
    assert entry["view"] == "ektp_home_visits.export" and entry["rows"] == 3

    everyone = text(as_user("supervisor").get("/admin/home-visits/"))
    assert "OLD ELSEWHERE" in everyone


def test_export_needs_its_grant(as_user: Any, village: Any, monkeypatch: Any) -> None:
    from ektp_admin.access import ALL, READ
    from ektp_admin.views.outstanding import OutstandingView

    monkeypatch.setattr(OutstandingView, "grants", {READ: ALL})
    client = as_user("supervisor")
    page = text(client.get(f"{URL}{DESA_A}/"))
    assert "CSV (comma)" not in page and "XLSX" not in page and "Printable list" in page
    assert client.get(f"{URL}{DESA_A}/export.csv").status_code == 403
    assert client.get(f"{URL}export.csv").status_code == 403


@pytest.mark.parametrize("url", [URL, f"{URL}{DESA_A}/", "/admin/progress/", "/admin/kits/", "/admin/home-visits/"])
def test_screens_use_the_plugins_own_stylesheet(as_user: Any, client: Any, url: str) -> None:
    page = text(as_user("clerk").get(url))
    hrefs = re.findall(r'href="([^"]*ektp_admin\.css)"', page)
    assert hrefs and not any(h.startswith(("http:", "https:", "//")) for h in hrefs)  # no CDN
    for href in hrefs:
        with client.get(href) as response:
            assert response.status_code == 200, href


def test_a_desa_page_lists_and_groups_what_the_lists_and_a_direct_query_name(as_user: Any, make_resident: Any,
                                                                            app: Any) -> None:
    """The desa page reads its residents and its home-visit groups in one pass (each
    marked "at home" or not): every page together names the desa's outstanding
    residents in list order, and the groups name the home-visit list's residents of
    the desa - both checked against queries of their own."""
    from ektp_admin import queries
    from ektp_admin.models import Resident

    for i in range(70):  # RW/RT "01"/"1" sort as numbers; lansia, ill, disabled, away, back, married minors
        make_resident(f"WARGA {i:02d}", birth_date=dt.date(1940 + i % 70, 1 + i % 12, 1 + i % 27),
                      rw=("01", "1", "2", "")[i % 4], rt=str(1 + i % 3), seriously_ill=i % 7 == 0,
                      disabled=i % 11 == 0, away=i % 9 == 0,
                      away_until=dt.date(2016, 1, 1) if i % 18 == 0 else None,
                      marital_status=MaritalStatus.MARRIED.value if i % 5 == 0 else MaritalStatus.SINGLE.value,
                      status=KtpStatus.RECORDED if i % 13 == 0 else KtpStatus.NOT_RECORDED)
    with app.app_context():
        on = queries.reference_date()
        session = models.db.session
        listed = [r.name for r in session.execute(queries.outstanding_residents(session, DESA_A, on)).scalars()]
        at_home = [r.name for r in session.execute(
            queries.home_visit_residents(session, DESA_A, on).where(Resident.desa_code == DESA_A)).scalars()]
    assert len(listed) > 50 and 0 < len(at_home) < len(listed)

    client = as_user("clerk")
    shown: list[str] = []
    url = f"{URL}{DESA_A}/"
    for page_number in range(1, 10):  # the pages one after the other by their "Next" link, to the last
        page = text(client.get(url))
        table = page[page.index("ektp-outstanding-residents"):]
        shown += re.findall(r"WARGA \d\d", table[: table.index("</table>")])
        if page_number == 1:
            groups = page[page.index("ektp-home-groups"):]
            grouped = re.findall(r"WARGA \d\d", groups[: groups.index("</table>")])
        else:
            assert "ektp-home-groups" not in page
        url = html.unescape(re.findall(r'<a class="page-link" href="([^"]+)">Next', page)[0])
        if url == "#":
            break
    assert shown == listed
    assert sorted(grouped) == sorted(at_home) and len(grouped) == len(at_home)  # each group shows its host first
