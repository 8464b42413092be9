"""The residents list tells its size and pages by numbers, at the same cost at any depth.

Every total is checked against a direct count over the same rows; every page
reached through the pager's links (next, previous, numbers, the last, the
go-to-page box) against the same ORDER BY with OFFSET, so keyset pages that
skip or repeat a row fail. Names repeat on purpose: the id breaks the ties.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from security.ektp_support import DESA_A, DESA_B, KEC_A, filter_arg, sign_in, text

from ektp_admin import list_marks, models
from ektp_admin.queries.residents import resident_search_clause

GIVEN = ["AGUS", "SITI", "BUDI", "DEWI", "EKO", "NUR", "WAYAN"]
SURNAMES = ["HARIYANTO", "LESTARI", "SANTOSO", "RAHAYU", "WIBOWO"]
SIZE = 20  # the smallest page the list offers


@pytest.fixture
def crowd(app: Any) -> None:
    """137 residents in Pesanggaran and 41 in Bangorejo, many with the same name."""
    rows = []
    now = dt.datetime(2016, 9, 1, 8, 0)
    for number in range(178):
        desa = DESA_A if number < 137 else DESA_B
        name = f"{GIVEN[number % 7]} {SURNAMES[number % 5]}"
        born = dt.date(1960 + number % 40, 1 + number % 12, 1 + number % 28)
        rows.append({
            "nik": f"{desa[:8].replace('.', '')}{born:%d%m%y}{number + 1:04d}", "name": name, "name_key": name,
            "sex": "L", "birth_date": born, "marital_status": "married", "citizenship": "wni", "desa_code": desa,
            "kecamatan_code": desa[:8], "disabled": False, "seriously_ill": False, "away": False,
            "ktp_status": "not_recorded", "version": 1, "created_at": now, "updated_at": now,
        })
    with app.app_context():
        models.db.session.execute(sa.insert(models.Resident.__table__), rows)
        models.db.session.commit()


def listed(page: str) -> list[str]:
    """NIKs of the list's rows, in order."""
    return [html.unescape(n.strip()) for n in re.findall(r'<td class="col-nik">\s*(.*?)\s*</td>', page, re.S)]


def total(page: str) -> str:
    found = re.search(r'class="nav-link ektp-list-total"[^>]*>([^<]*)<', page)
    assert found, "the list shows its total"
    return html.unescape(found.group(1))


def link(page: str, label: str) -> str:
    """The href of the pager link showing ``label`` (a page number), or rel=next/prev."""
    if label in ("next", "prev"):
        found = re.search(rf'<a class="page-link" href="([^"]+)" rel="{label}"', page)
    else:
        found = re.search(rf'<a class="page-link" href="([^"]+)">{label}</a>', page)
    assert found, f"the pager links {label}"
    return html.unescape(found.group(1))


def expected(app: Any, *where: Any, order: Any = None, offset: int = 0, limit: int | None = None) -> list[str]:
    r = models.Resident
    with app.app_context():
        query = sa.select(r.nik).where(*where).order_by(*(order or (r.name_key, r.id))).offset(offset)
        return list(models.db.session.execute(query.limit(limit) if limit else query).scalars())


def count(app: Any, *where: Any) -> int:
    with app.app_context():
        return models.db.session.execute(
            sa.select(sa.func.count()).select_from(models.Resident).where(*where)).scalar_one()


def test_the_list_tells_its_total_against_a_direct_count(app: Any, client: Any, crowd: None) -> None:
    sign_in(client, "admin")
    assert total(text(client.get("/admin/residents/"))) == f"{count(app)} residents in this list" == "178 residents in this list"
    found = text(client.get("/admin/residents/", query_string={"search": "hariyanto"}))
    assert total(found) == f"{count(app, resident_search_clause('hariyanto'))} residents in this list"
    assert total(text(client.get("/admin/residents/", query_string={"search": "ZAINAL"}))) == "0 residents in this list"
    one = text(client.get("/admin/residents/", query_string={"search": expected(app)[0]}))
    assert total(one) == "1 resident in this list"
    # a clerk counts their own kecamatan only
    sign_in(client, "clerk", lang="id")
    assert total(text(client.get("/admin/residents/"))) == \
        f"{count(app, models.Resident.kecamatan_code == KEC_A)} penduduk" == "137 penduduk"


def test_past_the_limit_the_total_says_more_than(app: Any, client: Any, crowd: None) -> None:
    app.config["EKTP_ADMIN_LIST_COUNT_LIMIT"] = 100
    sign_in(client, "admin", lang="id")
    page = text(client.get("/admin/residents/"))
    assert total(page) == "lebih dari 100 penduduk"
    assert 'data-exact="no"' in page
    assert total(text(client.get("/admin/residents/", query_string={"search": "SITI"}))) == \
        f"{count(app, resident_search_clause('SITI'))} penduduk"
    # no last page is offered while the total is not known; the next one is
    assert re.search(r'rel="next"', page) and ">9</a>" not in page


def test_next_links_walk_every_row_once_in_order(app: Any, client: Any, crowd: None) -> None:
    sign_in(client, "admin")
    seen: list[str] = []
    page = text(client.get(f"/admin/residents/?page_size={SIZE}"))
    for _ in range(20):
        seen += listed(page)
        if 'rel="next"' not in page:
            break
        page = text(client.get(link(page, "next")))
    assert seen == expected(app)
    # and back with the previous links
    back: list[str] = []
    for _ in range(20):
        back = listed(page) + back
        if 'rel="prev"' not in page:
            break
        page = text(client.get(link(page, "prev")))
    assert back == expected(app)


def test_numbered_links_the_last_page_and_the_box_reach_the_right_rows(app: Any, client: Any, crowd: None) -> None:
    sign_in(client, "admin")
    first = text(client.get(f"/admin/residents/?page_size={SIZE}"))
    assert [n for n in re.findall(r'class="page-link"[^>]*>(\d+)<', first)] == ["1", "2", "3", "9"]
    third = text(client.get(link(first, "3")))
    assert "after=" in link(first, "3")  # a seek past the rows shown, not an offset
    assert listed(third) == expected(app, offset=2 * SIZE, limit=SIZE)
    fifth = text(client.get(link(third, "5")))
    assert listed(fifth) == expected(app, offset=4 * SIZE, limit=SIZE)
    fourth = text(client.get(link(fifth, "4")))
    assert "before=" in link(fifth, "4")
    assert listed(fourth) == expected(app, offset=3 * SIZE, limit=SIZE)
    last = text(client.get(link(fourth, "9")))
    assert listed(last) == expected(app, offset=8 * SIZE)
    assert 'rel="next"' not in last and len(listed(last)) == 178 - 8 * SIZE
    # the go-to-page box: a GET form keeping the search, sort and page size
    assert re.search(r'<input[^>]*name="go"', first) and re.search(r'name="page_size" value="20"', first)
    for number in (7, 2, 99):
        page = text(client.get(f"/admin/residents/?page_size={SIZE}&go={number}"))
        wanted = min(number, 9)
        assert listed(page) == expected(app, offset=(wanted - 1) * SIZE, limit=SIZE), number
        assert f'aria-current="page"><span class="page-link">{wanted}<' in page


def test_keyset_pages_follow_any_offered_sort_and_the_search(app: Any, client: Any, crowd: None) -> None:
    r = models.Resident
    sign_in(client, "admin")
    index = text(client.get("/admin/residents/"))
    sort = re.search(r'href="[^"]*sort=(\d+)[^"]*"[^>]*>\s*Birth date', index)
    assert sort, "the birth date column sorts"
    page = text(client.get(f"/admin/residents/?page_size={SIZE}&sort={sort.group(1)}&desc=1"))
    seen: list[str] = []
    for _ in range(20):
        seen += listed(page)
        if 'rel="next"' not in page:
            break
        page = text(client.get(link(page, "next")))
    assert seen == expected(app, order=(r.birth_date.desc(), r.id.desc()))

    page = text(client.get(f"/admin/residents/?page_size={SIZE}&search=siti"))
    seen = []
    for _ in range(20):
        seen += listed(page)
        if 'rel="next"' not in page:
            break
        assert "search=siti" in link(page, "next")
        page = text(client.get(link(page, "next")))
    want = expected(app, resident_search_clause("siti"))
    assert seen == want, (len(seen), len(want), [n for n in seen if seen.count(n) > 1], set(seen) ^ set(want))


def test_an_anchor_out_of_reach_is_ignored(app: Any, client: Any, crowd: None) -> None:
    """A row of another kecamatan as the anchor tells nothing about it: the page is
    the one its number says."""
    r = models.Resident
    other = expected(app, r.kecamatan_code != KEC_A, limit=1)[0]
    with app.app_context():
        other_id = models.db.session.execute(sa.select(r.id).where(r.nik == other)).scalar_one()
    sign_in(client, "clerk")
    page = text(client.get(f"/admin/residents/?page_size={SIZE}&page=2&after={other_id}&at=1"))
    assert listed(page) == expected(app, r.kecamatan_code == KEC_A, offset=2 * SIZE, limit=SIZE)
    for junk in ("after=x&at=1", "before=-5&at=zz", "after=1&at=999999999999999999999"):
        assert client.get(f"/admin/residents/?page=1&{junk}").status_code == 200


# ------------------------------------------------------------------ page marks


def marks_agree(app: Any) -> int:
    """Every page mark's position equals a direct count; the number of marks."""
    with app.app_context(), models.db.engine.connect() as conn:
        assert list_marks.check(conn) == []
        return conn.execute(sa.select(sa.func.count()).select_from(models.ListMark)).scalar_one()


def go(client: Any, number: int) -> list[str]:
    return listed(text(client.get(f"/admin/residents/?page_size={SIZE}&go={number}")))


@pytest.fixture
def marked(app: Any, crowd: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crowd marked every 7th resident (a spacing under a page: every page starts at one)."""
    monkeypatch.setattr(list_marks, "SPACING", 7)
    with app.app_context(), models.db.engine.begin() as conn:
        list_marks.rebuild(conn)


def pages_by_number_are_exact(app: Any, client: Any, admin_pages: tuple[int, ...], clerk_pages: tuple[int, ...]) -> None:
    """Pages asked for by number list exactly the rows an OFFSET over the same order
    gives: the admin's of the regency, the clerk's of kecamatan A."""
    sign_in(client, "admin")
    for number in admin_pages:
        assert go(client, number) == expected(app, offset=(number - 1) * SIZE, limit=SIZE), number
    sign_in(client, "clerk")
    for number in clerk_pages:
        assert go(client, number) == expected(app, models.Resident.kecamatan_code == KEC_A,
                                              offset=(number - 1) * SIZE, limit=SIZE), number


def test_pages_by_number_start_at_the_page_marks(app: Any, client: Any, marked: None) -> None:
    r = models.Resident
    # the regency's 178 residents and each kecamatan's (137, 41), every 7th
    assert marks_agree(app) == -(-178 // 7) + -(-137 // 7) + -(-41 // 7)
    pages_by_number_are_exact(app, client, (2, 5, 9), (2, 7))
    # The marks are what places such a page: one moved by hand moves the page with it.
    with app.app_context(), models.db.engine.begin() as conn:
        conn.execute(sa.update(models.ListMark).where(models.ListMark.scope == list_marks.REGENCY)
                     .values(position=models.ListMark.position + 1))
    sign_in(client, "admin")
    assert go(client, 5) == expected(app, offset=4 * SIZE - 1, limit=SIZE)
    # a filtered list has no marks: counted from its start
    in_kecamatan = filter_arg(app, "ektp_residents", "Kecamatan", "equals")
    filtered = text(client.get(f"/admin/residents/?page_size={SIZE}&page=3&{in_kecamatan}={KEC_A}"))
    assert listed(filtered) == expected(app, r.kecamatan_code == KEC_A, offset=3 * SIZE, limit=SIZE)


def test_the_marks_follow_every_write_of_the_orm(app: Any, client: Any, marked: None, make_resident: Any) -> None:
    """Added, removed, renamed, moved to another kecamatan: positions after the place
    move by one in the same transaction, and every page by number stays exact."""
    r = models.Resident
    first = make_resident("AAN ABDULLAH")  # before every mark: all move
    make_resident("ZAINAL ZULKARNAEN", desa=DESA_B)  # after them all
    marks_agree(app)
    with app.app_context():
        session = models.db.session
        crowd_ids = session.execute(sa.select(r.id).order_by(r.name_key, r.id)).scalars().all()
        session.delete(session.get(r, crowd_ids[50]))
        session.get(r, crowd_ids[3]).name = "YUSUF MANSUR"  # from near the start to near the end
        session.get(r, crowd_ids[10]).desa_code = DESA_B if session.get(r, crowd_ids[10]).desa_code == DESA_A else DESA_A
        session.commit()
    marks_agree(app)
    with app.app_context():
        models.db.session.delete(models.db.session.get(r, first))
        models.db.session.rollback()  # nothing happened: nothing moves
    marks_agree(app)
    pages_by_number_are_exact(app, client, (2, 4, 9), (3, 7))
