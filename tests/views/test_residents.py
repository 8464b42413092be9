"""The residents screen: search, filters, the form's validation messages, and the
details page (visit history, status changes, change history).

Ages are counted on the suite's reference date, 21-09-2016.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import REFERENCE_DATE
from security.ektp_support import (
    DESA_A,
    DESA_A2,
    DESA_B,
    KEC_A,
    KEC_B,
    add,
    count,
    fetch,
    field_errors,
    filter_arg,
    flashes,
    form_fields,
    input_value,
    make_nik,
    make_result,
    make_visit,
    post_form,
    resident_form,
    sign_in,
    submit,
    text,
)

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus


def names_listed(page: str) -> set[str]:
    """The resident names in the list's rows."""
    import html

    return {html.unescape(n.strip()) for n in re.findall(r'<td class="col-name">\s*(.*?)\s*</td>', page, re.S)}


# ---------------------------------------------------------------------- search


@pytest.fixture
def people(make_resident: Any) -> dict[str, Any]:
    specs = {
        "SITI AMINAH": dict(birth_date=dt.date(1980, 5, 17), sex="P"),
        "SITI FATIMAH": dict(birth_date=dt.date(1982, 1, 3), sex="P"),
        "AMINAH SITI": dict(birth_date=dt.date(1975, 7, 9), sex="P"),
        "BUDI_SANTOSO": dict(birth_date=dt.date(1970, 1, 2), sex="L"),
        "BUDIMAN": dict(birth_date=dt.date(1971, 2, 3), sex="L"),
    }
    ids = {}
    for name, spec in specs.items():
        nik = make_nik(spec["birth_date"], spec["sex"], KEC_A)
        ids[name] = (make_resident(name, nik=nik, **spec), nik)
    return ids


def test_search_by_the_full_nik_finds_exactly_one(client: Any, people: Any) -> None:
    sign_in(client, "clerk")
    _, nik = people["SITI FATIMAH"]
    assert names_listed(text(client.get(f"/admin/residents/?search={nik}"))) == {"SITI FATIMAH"}


def test_search_by_a_nik_prefix(client: Any, people: Any) -> None:
    sign_in(client, "clerk")
    _, nik = people["BUDIMAN"]
    assert names_listed(text(client.get(f"/admin/residents/?search={nik[:12]}"))) == {"BUDIMAN"}
    # every NIK here starts with Pesanggaran's code
    assert len(names_listed(text(client.get("/admin/residents/?search=351001")))) == 5


@pytest.mark.parametrize("term, expected", [
    ("SITI", {"SITI AMINAH", "SITI FATIMAH", "AMINAH SITI"}),  # any word of the name ...
    ("FATIMAH", {"SITI FATIMAH"}),  # ... the surname too
    ("fatim", {"SITI FATIMAH"}),  # ... the beginning of a word, in any case
    ("siti  ami", {"SITI AMINAH", "AMINAH SITI"}),  # several words: all of them, in any order
    ("fatimah siti", {"SITI FATIMAH"}),
    ("SITI ZAINAL", set()),
    ("MINAH", set()),  # not a substring inside a word
    ("BUDI", {"BUDI_SANTOSO", "BUDIMAN"}),
    ("SANTOSO", {"BUDI_SANTOSO"}),  # "_" parts words, like a space (not on MariaDB: see below)
    ("B%N", set()),  # "%" and "_" are no wildcards (B%N would find BUDIMAN)
    ("B_N", set()),
    ("%", set()),
    ("ZAINAL", set()),
])
def test_search_by_any_word_of_the_name(app: Any, client: Any, people: Any, term: str, expected: set[str]) -> None:
    with app.app_context():
        if term == "SANTOSO" and models.db.engine.dialect.name in ("mysql", "mariadb"):
            expected = set()  # InnoDB's FULLTEXT parser counts "_" as a letter: BUDI_SANTOSO is one word
    sign_in(client, "clerk")
    assert names_listed(text(client.get("/admin/residents/", query_string={"search": term}))) == expected


def spaced(nik: str) -> str:
    return " ".join(nik[i:i + 4] for i in range(0, 16, 4))


def dotted(nik: str) -> str:
    return f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}.{nik[6:12]}.{nik[12:]}"


@pytest.mark.parametrize("written", [spaced, dotted, lambda nik: f" {nik[:4]}-{nik[4:8]}-{nik[8:12]}-{nik[12:]} "],
                         ids=["spaces", "dots", "dashes"])
def test_a_nik_typed_with_spaces_or_dots_is_found_like_its_digits(client: Any, people: Any, written: Any) -> None:
    sign_in(client, "clerk")
    _, nik = people["SITI FATIMAH"]
    assert names_listed(text(client.get("/admin/residents/", query_string={"search": written(nik)}))) == \
        {"SITI FATIMAH"}
    # a prefix written the same way
    prefix = written(nik)[:-7].strip(" .-")
    assert "SITI FATIMAH" in names_listed(text(client.get("/admin/residents/", query_string={"search": prefix})))
    assert names_listed(text(client.get("/admin/residents/", query_string={"search": "3510 01"}))) == set(people)


def test_the_picker_finds_a_surname_and_a_spaced_nik(client: Any, people: Any) -> None:
    sign_in(client, "clerk")
    _, nik = people["SITI FATIMAH"]
    for term in ("FATIMAH", spaced(nik)):
        found = client.get("/admin/visits/ajax/lookup/", query_string={"name": "host_resident", "query": term})
        assert found.status_code == 200 and "SITI FATIMAH" in found.get_data(as_text=True), term


# ---------------------------------------------------------------------- filters


@pytest.fixture
def population(make_resident: Any) -> None:
    """One resident per situation the filters tell apart (reference date 21-09-2016)."""
    S = KtpStatus
    make_resident("DEWASA BELUM", birth_date=dt.date(1980, 5, 17), sex="P")
    make_resident("REMAJA", birth_date=dt.date(2005, 1, 1), sex="L")
    make_resident("REMAJA MENIKAH", birth_date=dt.date(2000, 6, 1), sex="P", marital_status="married")
    make_resident("BARU TUJUH BELAS", birth_date=dt.date(1999, 9, 21), sex="L")
    make_resident("LANSIA SUDAH", birth_date=dt.date(1940, 2, 2), sex="L", status=S.RECORDED)
    make_resident("ULANG EFAC", birth_date=dt.date(1990, 3, 3), sex="L", status=S.ENROL_FAILED)
    make_resident("CACAT", birth_date=dt.date(1985, 4, 4), sex="P", status=S.PRINTED, disabled=True)
    make_resident("SAKIT", birth_date=dt.date(1950, 6, 6), sex="P", seriously_ill=True)
    make_resident("MERANTAU", birth_date=dt.date(1992, 7, 7), sex="L", desa=DESA_A2, away=True,
                  away_location="Malaysia")
    make_resident("ORANG ASING", birth_date=dt.date(1970, 8, 8), sex="L", citizenship="wna_other")
    make_resident("WARGA BANGOREJO", birth_date=dt.date(1960, 9, 9), sex="L", desa=DESA_B, status=S.SENT)


EVERYONE = {"DEWASA BELUM", "REMAJA", "REMAJA MENIKAH", "BARU TUJUH BELAS", "LANSIA SUDAH", "ULANG EFAC", "CACAT",
            "SAKIT", "MERANTAU", "ORANG ASING", "WARGA BANGOREJO"}
WAJIB = EVERYONE - {"REMAJA", "ORANG ASING"}

FILTERS = [
    ("Wajib KTP", "is", "1", WAJIB),
    ("Wajib KTP", "is", "0", {"REMAJA", "ORANG ASING"}),
    ("Outstanding", "is", "1", {"DEWASA BELUM", "REMAJA MENIKAH", "BARU TUJUH BELAS", "ULANG EFAC", "SAKIT",
                                "MERANTAU"}),
    ("Lansia (60+)", "is", "1", {"LANSIA SUDAH", "SAKIT"}),
    ("Disabled", "is", "1", {"CACAT"}),
    ("Seriously ill", "is", "1", {"SAKIT"}),
    ("Away (migrant worker)", "is", "1", {"MERANTAU"}),
    ("Away (migrant worker)", "is", "0", EVERYONE - {"MERANTAU"}),
    ("Kecamatan", "equals", KEC_B, {"WARGA BANGOREJO"}),
    ("Desa/Kelurahan", "equals", DESA_A2, {"MERANTAU"}),
    ("KTP-el status", "equals", "enrol_failed", {"ULANG EFAC"}),
    ("KTP-el status", "equals", "sent", {"WARGA BANGOREJO"}),
]


@pytest.mark.parametrize("label, operation, value, expected", FILTERS,
                         ids=[f"{f[0]}={f[2]}" for f in FILTERS])
def test_each_filter_lists_who_it_should(app: Any, client: Any, population: Any, label: str, operation: str,
                                         value: str, expected: set[str]) -> None:
    sign_in(client, "supervisor")
    arg = filter_arg(app, "ektp_residents", label, operation)
    assert names_listed(text(client.get(f"/admin/residents/?{arg}={value}&page_size=100"))) == expected


def test_filters_combine_and_the_export_follows_them(app: Any, client: Any, population: Any) -> None:
    sign_in(client, "supervisor")
    outstanding = filter_arg(app, "ektp_residents", "Outstanding", "is")
    lansia = filter_arg(app, "ektp_residents", "Lansia (60+)", "is").replace("flt0_", "flt1_")
    url = f"?{outstanding}=1&{lansia}=1"
    assert names_listed(text(client.get(f"/admin/residents/{url}"))) == {"SAKIT"}
    body = text(client.get(f"/admin/residents/export/csv/{url}"))
    assert body.count("\n") == 3 and "SAKIT" in body and body.endswith("\r\n# complete: 1 rows\r\n")


def test_a_clerk_filters_within_their_kecamatan(app: Any, client: Any, population: Any) -> None:
    sign_in(client, "clerk")
    arg = filter_arg(app, "ektp_residents", "Wajib KTP", "is")
    assert names_listed(text(client.get(f"/admin/residents/?{arg}=1&page_size=100"))) == WAJIB - {"WARGA BANGOREJO"}


def _total(page: str) -> str:
    found = re.search(r'class="nav-link ektp-list-total"[^>]*>([^<]*)<', page)
    assert found, "the list shows its total"
    return found.group(1)


def _residents(n: int) -> str:
    return f"{n} resident in this list" if n == 1 else f"{n} residents in this list"


def _direct(app: Any, *where: Any) -> int:
    with app.app_context():
        return models.db.session.execute(
            sa.select(sa.func.count()).select_from(models.Resident).where(*where)).scalar_one()


def test_the_outstanding_total_is_the_summaries_number_and_a_direct_count(app: Any, client: Any,
                                                                         population: Any) -> None:
    """Outstanding in a region (the reach, a kecamatan or a desa filter) is read from
    the counters, not counted on the page: the same number as a direct count."""
    from ektp_admin.queries import outstanding_clause, outstanding_totals

    r = models.Resident
    outstanding = filter_arg(app, "ektp_residents", "Outstanding", "is")
    kecamatan = filter_arg(app, "ektp_residents", "Kecamatan", "equals").replace("flt0_", "flt1_")
    desa = filter_arg(app, "ektp_residents", "Desa/Kelurahan", "equals").replace("flt0_", "flt1_")
    cases = [
        ("supervisor", "", sa.true(), None),
        ("supervisor", f"&{kecamatan}={KEC_A}", r.kecamatan_code == KEC_A, KEC_A),
        ("supervisor", f"&{kecamatan}={KEC_B}", r.kecamatan_code == KEC_B, KEC_B),
        ("supervisor", f"&{desa}={DESA_A2}", r.desa_code == DESA_A2, DESA_A2),
        ("clerk", "", r.kecamatan_code == KEC_A, KEC_A),
        ("clerk", f"&{desa}={DESA_A2}", r.desa_code == DESA_A2, DESA_A2),
        ("clerk", f"&{kecamatan}={KEC_B}", sa.false(), "nowhere"),  # outside the reach: nobody
    ]
    for who, more, where, region in cases:
        sign_in(client, who)
        page = text(client.get(f"/admin/residents/?{outstanding}=1{more}&page_size=100"))
        expected = _direct(app, outstanding_clause(REFERENCE_DATE), where)
        assert _total(page) == _residents(expected), (who, more)
        assert len(names_listed(page)) == expected, (who, more)
        if region != "nowhere":  # the summaries say the same
            with app.app_context():
                assert outstanding_totals(models.db.session, region, REFERENCE_DATE,
                                          direct=True).outstanding == expected
    assert expected == 0 and _direct(app, outstanding_clause(REFERENCE_DATE)) == 6


@pytest.mark.parametrize("limit", [5, 8, 9, 11, 20])
def test_everyone_in_reach_is_more_than_the_limit_only_when_a_direct_count_is(app: Any, client: Any,
                                                                             population: Any, limit: int) -> None:
    """The unfiltered list's "more than" comes from the counters' wajib KTP when they
    already exceed the limit (one cell a desa, then the region's cells), else from a
    count that stops at the limit; a first page holding everyone is its own count.
    Whichever it says is what a direct count says."""
    app.config["EKTP_ADMIN_LIST_COUNT_LIMIT"] = limit
    for who, where in (("supervisor", sa.true()), ("clerk", models.Resident.kecamatan_code == KEC_A)):
        sign_in(client, who)
        said, everyone = _total(text(client.get("/admin/residents/"))), _direct(app, where)
        if said.startswith("more than"):
            assert said == f"more than {limit} residents in this list" and everyone > limit, (who, said)
        else:
            assert said == _residents(everyone), (who, said)
        if everyone <= limit:
            assert said == _residents(everyone), (who, said)
    if limit == 5:  # said by the counters alone: more wajib KTP residents were 17 or married when their window opened
        assert said == "more than 5 residents in this list"


# ---------------------------------------------------------------------- the form


def _stored_niks(app: Any) -> set[str]:
    with app.app_context():
        return {nik for (nik,) in models.db.session.query(models.Resident.nik)}


def test_a_valid_resident_is_saved_as_typed(app: Any, client: Any) -> None:
    sign_in(client, "clerk")
    data = resident_form(name="  ahmad   fauzi ", rt="1", rw="2", disabled="y", disability_note="tuna netra")
    response = post_form(client, "/admin/residents/new/", data)
    assert response.status_code == 302, flashes(text(response)) + field_errors(text(response))
    with app.app_context():
        stored = models.db.session.query(models.Resident).filter_by(nik=data["nik"]).one()
        assert (stored.name, stored.kecamatan_code, stored.desa_code, stored.disabled) == (
            "ahmad fauzi", KEC_A, DESA_A, True)
        assert [(c.old_status, c.new_status) for c in stored.status_changes] == [(None, "not_recorded")]


INVALID = [
    ("too short", dict(nik="35100117058"), "nik", "NIK must have 16 digits, got 11."),
    ("letters", dict(nik="35100117O5800O01"), "nik", 'The NIK may contain only the digits 0-9; remove "O".'),
    ("birth date", dict(birth=dt.date(1985, 3, 9), nik="3510011003850001"), "nik",
     "The birth date in the NIK (10-03-1985) does not match the birth date entered (09-03-1985)."),
    ("sex", dict(birth=dt.date(1985, 3, 9), sex="L", nik="3510014903850001"), "nik",
     "The NIK is a woman's (40 is added to the birth day) but the sex entered is male."),
    ("future", dict(birth=dt.date(2099, 3, 9), nik="3510010903990001"), "birth_date",
     "The birth date (09-03-2099) is in the future."),
    ("phone", dict(phone="0812-abc"), "phone", "Phone number: digits only, 8 to 20."),
    ("rt", dict(rt="A1"), "rt", "RT is a number of at most 3 digits."),
    ("kk", dict(kk_number="1234"), "kk_number", "KK number must be exactly 16 digits."),
    ("no name", dict(name=""), "name", "This field is required."),
]


@pytest.mark.parametrize("case, changes, field, message", INVALID, ids=[c[0] for c in INVALID])
def test_an_invalid_resident_comes_back_with_the_input_and_a_message(app: Any, client: Any, case: str,
                                                                    changes: dict[str, Any], field: str,
                                                                    message: str) -> None:
    sign_in(client, "clerk")
    data = resident_form(**changes)
    before = _stored_niks(app)
    response = post_form(client, "/admin/residents/new/", data)
    page = text(response)
    assert response.status_code == 200
    assert message in field_errors(page)
    assert "Failed to create record." in flashes(page)
    typed = dict(form_fields(page))
    for key in ("nik", "name", "address", "phone", "birth_date", field):
        if key in data:
            assert typed.get(key, "") == " ".join(str(data[key]).split()), key  # the user's input, as typed
    assert _stored_niks(app) == before


def test_a_duplicate_nik_is_refused_on_create_and_edit(app: Any, client: Any, make_resident: Any) -> None:
    nik = make_nik(dt.date(1985, 3, 9), "L")
    make_resident("SUDAH ADA", nik=nik, birth_date=dt.date(1985, 3, 9), sex="L")
    other = make_resident("LAINNYA")
    sign_in(client, "clerk")
    response = post_form(client, "/admin/residents/new/", resident_form(nik=nik, name="DOBEL"))
    assert response.status_code == 200
    assert any(e.startswith("This NIK is already registered to SUDAH ADA, ") for e in field_errors(text(response)))
    assert dict(form_fields(text(response)))["name"] == "DOBEL"
    assert count(app, models.Resident) == 2

    url = f"/admin/residents/edit/?id={other}"
    response = submit(client, url, form_fields(text(client.get(url)), "ektp_version"), nik=nik,
                      birth_date="1985-03-09", sex="L")
    assert any(e.startswith("This NIK is already registered to SUDAH ADA, ") for e in field_errors(text(response)))
    assert fetch(app, models.Resident, other).nik != nik
    # saving a resident with their own, unchanged NIK is no duplicate
    response = submit(client, url, form_fields(text(client.get(url)), "ektp_version"), phone="081211112222")
    assert response.status_code == 302


def test_a_duplicate_nik_saved_meanwhile_is_a_message_not_a_database_error(app: Any, client: Any) -> None:
    """Two clerks type the same NIK at once: the unique index decides, the user reads why."""
    import sqlalchemy as sa

    sign_in(client, "clerk")
    data = resident_form(name="KALAH CEPAT")

    def other_clerk_saves(session: Any, context: Any, instances: Any) -> None:
        with models.db.engine.begin() as conn:
            conn.execute(models.Resident.__table__.insert().values(
                nik=data["nik"], name="MENANG CEPAT", name_key="MENANG CEPAT", sex="L",
                birth_date=dt.date(1985, 3, 9), marital_status="married", citizenship="wni", desa_code=DESA_A,
                kecamatan_code=KEC_A, ktp_status="not_recorded", disabled=False, seriously_ill=False, away=False,
                version=1, created_at=dt.datetime(2016, 9, 1), updated_at=dt.datetime(2016, 9, 1)))

    sa.event.listen(models.db.session, "before_flush", other_clerk_saves, once=True)
    response = post_form(client, "/admin/residents/new/", data)
    page = text(response)
    assert response.status_code == 200
    assert "This NIK is already registered to another resident." in flashes(page)
    for raw in ("IntegrityError", "UNIQUE constraint", "duplicate key", "Duplicate entry", "uq_ektp"):
        assert raw not in page
    assert dict(form_fields(page))["name"] == "KALAH CEPAT"


# ---------------------------------------------------------------------- status by hand


def test_a_status_moves_only_along_the_pipeline(app: Any, client: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH", status=KtpStatus.RECORDED)
    sign_in(client, "clerk")
    url = f"/admin/residents/edit/?id={rid}"
    page = text(client.get(url))
    choices = re.findall(r'<option[^>]*value="([a-z_]+)"', page[page.index('name="ktp_status"'):][:2000])
    assert choices == ["recorded", "sent"]  # the current status and the next step only
    response = submit(client, url, form_fields(page, "ektp_version"), ktp_status="printed")
    assert response.status_code == 200 and fetch(app, models.Resident, rid).ktp_status == "recorded"
    response = submit(client, url, form_fields(text(client.get(url)), "ektp_version"), ktp_status="sent")
    assert response.status_code == 302
    stored = fetch(app, models.Resident, rid)
    assert stored.ktp_status == "sent" and stored.ktp_status_changed_on == REFERENCE_DATE  # the app's one "today"


def test_an_admin_cannot_delete_a_resident_seen_in_a_visit(app: Any, client: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    make_result(app, make_visit(app), rid, "not_home")
    sign_in(client, "admin")
    from security.ektp_support import token_for

    response = client.post("/admin/residents/delete/", data={"id": rid, "csrf_token": token_for(client)},
                           follow_redirects=True)
    assert ("This resident appears in 1 visit result(s) and cannot be deleted; "
            "remove the results from their visit logs first.") in flashes(text(response))
    assert fetch(app, models.Resident, rid) is not None


# ---------------------------------------------------------------------- details


def test_the_details_page_shows_visits_status_changes_and_history(app: Any, client: Any,
                                                                  make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH", status=KtpStatus.NOT_RECORDED)
    first = make_visit(app, day=dt.date(2016, 9, 12), kind="village_post", desa=DESA_A)
    second = make_visit(app, day=dt.date(2016, 9, 19), kind="home", desa=DESA_A2)
    make_result(app, first, rid, "not_home")
    make_result(app, second, rid, "recorded")
    add(app,
        models.StatusChange(resident_id=rid, old_status=None, new_status="not_recorded",
                            changed_on=dt.date(2016, 9, 1), changed_by="import"),
        models.StatusChange(resident_id=rid, old_status="not_recorded", new_status="recorded",
                            changed_on=dt.date(2016, 9, 19), changed_by="clerk", note=f"visit #{second}"))
    sign_in(client, "supervisor")
    page = text(client.get(f"/admin/residents/details/?id={rid}"))

    visits = page[page.index('id="ektp-visit-history"'):page.index('id="ektp-status-changes"')]
    rows = re.findall(r"<tr>(.*?)</tr>", visits, re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]
    cells = [c for c in cells if c]  # the header row has no <td>
    assert [c[0] for c in cells] == ["19-09-2016", "12-09-2016"]  # newest first
    assert cells[0][2:5] == ["Home visit", "Pesanggaran", "Recorded"]
    assert cells[1][2:5] == ["Village post", "Sarongan", "Not at home"]
    assert f"/admin/visits/details/?id={second}" in visits

    changes = page[page.index('id="ektp-status-changes"'):page.index('id="ektp-history"')]
    assert re.search(r"19-09-2016</td>\s*<td>Not recorded</td>\s*<td>Recorded</td>\s*<td>clerk</td>", changes)
    assert "01-09-2016" in changes

    history = page[page.index('id="ektp-history"'):]
    assert "Created" in history  # the insert of the fixture, in the audit trail


def test_the_details_page_of_a_resident_never_visited_says_so(client: Any, make_resident: Any) -> None:
    rid = make_resident("SITI AMINAH")
    sign_in(client, "clerk")
    page = text(client.get(f"/admin/residents/details/?id={rid}"))
    assert "No visit has seen this resident yet." in page
    assert "No status change recorded." in page
