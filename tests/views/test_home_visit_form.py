"""A home visit recorded from its group: the record action of the home-visit list and
of the desa page, the visit form it opens (group preselected, host first, address
filled), its refusals, the warning for a resident of another desa, and the counts
after the save against a direct count.

Pages are read in English (``?lang=en``, remembered in the session).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, REFERENCE_DATE, csrf_token

from ektp_admin import models

HOME_VISITS = "/admin/home-visits/"
VISITS = "/admin/visits/"
LANSIA = dt.date(1940, 1, 1)
RECORD = "Record a visit"


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def record_links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'<a class="btn[^"]*ektp-record-visit" href="([^"]+)"', page)]


def input_value(page: str, name: str) -> str | None:
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else ""
    return None


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    option = re.search(r'<option selected[^>]*value="([^"]*)"|<option value="([^"]*)" selected', select.group(1))
    if option is None:
        return None
    return option.group(1) if option.group(1) is not None else option.group(2)


@pytest.fixture
def group(make_resident: Any) -> dict[str, int]:
    """RW 001/RT 002 of DESA_A: the disabled resident is the least mobile, named last."""
    return {
        "oldest": make_resident("AMINAH", birth_date=dt.date(1931, 5, 1), rt="002", rw="001",
                                address="Dusun Krajan"),
        "lansia": make_resident("BUDI", birth_date=LANSIA, sex="L", rt="002", rw="001", address="Dusun Krajan"),
        "host": make_resident("WAGIMAN", birth_date=dt.date(1950, 2, 3), sex="L", rt="002", rw="001",
                              disabled=True, address="Dusun Krajan Gg. Mawar 4"),
    }


@pytest.fixture
def clerk(login_as: Any) -> Any:
    client = login_as("clerk")
    client.get(HOME_VISITS + "?lang=en")
    return client


def direct_home_visit_count(app: Any, kecamatan: str) -> int:
    """Outstanding residents to record at home, counted straight from the table."""
    lansia_born_by = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 60)
    with app.app_context():
        return models.db.session.execute(sa.text(
            "SELECT count(*) FROM ektp_resident WHERE kecamatan_code = :k"
            " AND ktp_status IN ('not_recorded', 'enrol_failed') AND departed_on IS NULL"
            " AND (birth_date <= :born OR disabled = :yes OR seriously_ill = :yes)"
            " AND NOT (away = :yes AND (away_until IS NULL OR away_until >= :on))"
        ).bindparams(sa.bindparam("born", type_=sa.Date), sa.bindparam("on", type_=sa.Date)),  # dates as the column keeps them
            {"k": kecamatan, "born": lansia_born_by, "yes": True, "on": REFERENCE_DATE}).scalar_one()


def test_the_group_opens_the_visit_form_preselected_host_first(clerk: Any, group: dict[str, int]) -> None:
    listing = text(clerk.get(HOME_VISITS + f"?kecamatan={KEC_A}"))
    [link] = record_links(listing)
    assert parse_qs(urlsplit(link).query)["resident"] == [str(group[k]) for k in ("host", "oldest", "lansia")]

    form = text(clerk.get(link))
    # host first, then the others in the list's order, each with a result to choose
    assert [input_value(form, f"results-{i}-resident") for i in range(3)] == [
        str(group["host"]), str(group["oldest"]), str(group["lansia"])]
    assert input_value(form, "results-3-resident") is None
    assert [selected(form, f"results-{i}-result") for i in range(3)] == ["", "", ""]
    assert input_value(form, "host_resident") == str(group["host"])
    assert input_value(form, "host_address") == "Dusun Krajan Gg. Mawar 4 RT 002/RW 001"
    assert input_value(form, "desa") == DESA_A
    assert selected(form, "kind") == "home"
    assert selected(form, "state") == "done"
    assert input_value(form, "day") in (REFERENCE_DATE.isoformat(), REFERENCE_DATE.strftime("%d-%m-%Y"))
    # results as rows of one table, not stacked blocks headed "New Result"
    assert 'role="table"' in form and "inline-field card" not in form
    assert "New Result" not in form


def test_the_desa_page_offers_the_same_action(clerk: Any, group: dict[str, int]) -> None:
    page = text(clerk.get(f"/admin/outstanding/{DESA_A}/"))
    [link] = record_links(page)
    assert parse_qs(urlsplit(link).query)["resident"][0] == str(group["host"])
    assert text(clerk.get(link)).count('name="results-') >= 3


def test_a_group_bigger_than_a_kit_records_is_offered_in_parts(clerk: Any, make_resident: Any) -> None:
    for i in range(12):
        make_resident(f"LANSIA {i:02d}", birth_date=LANSIA, rt="005", rw="002")
    links = record_links(text(clerk.get(HOME_VISITS + f"?kecamatan={KEC_A}")))
    assert [len(parse_qs(urlsplit(link).query)["resident"]) for link in links] == [10, 2]


def test_no_action_for_a_role_that_cannot_create_visits(login_as: Any, group: dict[str, int]) -> None:
    client = login_as("supervisor")
    assert record_links(text(client.get(HOME_VISITS + f"?kecamatan={KEC_A}&lang=en"))) == []
    assert record_links(text(client.get(f"/admin/outstanding/{DESA_A}/"))) == []


@pytest.mark.parametrize("ids", ["other", "mixed", "unknown", "garbage", "twice", "none"])
def test_ids_out_of_reach_are_refused_not_shown(clerk: Any, group: dict[str, int], make_resident: Any,
                                                ids: str) -> None:
    other = make_resident("ORANG LAIN", desa=DESA_B, birth_date=LANSIA)
    query = {
        "other": f"resident={other}",
        "mixed": f"resident={group['host']}&resident={other}",
        "unknown": "resident=999999",
        "garbage": "resident=1%3BDROP",
        "twice": f"resident={group['host']}&resident={group['host']}",
        "none": "resident=",
    }[ids]
    response = clerk.get(f"{VISITS}new/?{query}")
    assert response.status_code == 404
    assert "ORANG LAIN" not in response.get_data(as_text=True)


def post_visit(client: Any, results: list[int], **extra: str) -> Any:
    page = client.get(f"{VISITS}new/?" + "&".join(f"resident={r}" for r in results[:1]))
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)), "day": REFERENCE_DATE.isoformat(),
        "start_time": "09:00", "end_time": "10:30", "kind": "home", "state": "done", "kecamatan": "__None",
        "desa": DESA_A, "host_resident": str(results[0]), "host_address": "Dusun Krajan", "team": "__None",
        "device": "__None", "campaign": "__None", "notes": "",
    }
    for i, resident in enumerate(results):
        data.update({f"results-{i}-id": "", f"results-{i}-resident": str(resident),
                     f"results-{i}-result": "recorded", f"results-{i}-note": ""})
    data.update(extra)
    return client.post(f"{VISITS}new/", data=data)


def visits(app: Any) -> int:
    with app.app_context():
        return models.db.session.execute(sa.select(sa.func.count(models.Visit.id))).scalar_one()


def test_a_resident_of_another_desa_needs_a_confirmation(app: Any, clerk: Any, group: dict[str, int],
                                                         make_resident: Any) -> None:
    neighbour = make_resident("TETANGGA SEBELAH", desa=DESA_A2, birth_date=LANSIA)
    refused = post_visit(clerk, [group["host"], neighbour])
    page = text(refused)
    assert "TETANGGA SEBELAH lives in" in page and "not in" in page
    assert 'name="confirm_other_desa"' in page  # the form offers the confirmation
    assert "ektp-elsewhere" in page  # and marks the row
    assert visits(app) == 0
    saved = post_visit(clerk, [group["host"], neighbour], confirm_other_desa="y")
    assert saved.status_code == 302, text(saved)[:3000]
    assert visits(app) == 1
    # a later edit does not ask again for a resident already saved on the visit
    with app.app_context():
        visit_id = models.db.session.execute(sa.select(models.Visit.id)).scalar_one()
    edit = text(clerk.get(f"{VISITS}edit/?id={visit_id}"))
    assert "ektp-elsewhere" in edit and 'name="confirm_other_desa"' not in edit


def test_the_same_desa_needs_no_confirmation(app: Any, clerk: Any, group: dict[str, int]) -> None:
    response = post_visit(clerk, [group["host"], group["oldest"]])
    assert response.status_code == 302, text(response)[:3000]


def test_a_result_must_be_chosen(app: Any, clerk: Any, group: dict[str, int]) -> None:
    page = text(post_visit(clerk, [group["host"]], **{"results-0-result": ""}))
    assert "This field is required." in page
    assert visits(app) == 0


def test_counts_after_the_save_equal_a_direct_count(app: Any, clerk: Any, group: dict[str, int],
                                                    make_resident: Any) -> None:
    make_resident("MASIH MENUNGGU", birth_date=LANSIA, rt="009", rw="003")
    before = direct_home_visit_count(app, KEC_A)
    assert before == 4
    assert post_visit(clerk, [group["host"], group["oldest"]]).status_code == 302
    after = direct_home_visit_count(app, KEC_A)
    assert after == before - 2
    listing = text(clerk.get(HOME_VISITS + f"?kecamatan={KEC_A}"))
    assert f"{after} residents to record at home." in listing
    assert "WAGIMAN" not in listing and "AMINAH" not in listing and "BUDI" in listing
    [link_of_rt_002, _] = record_links(listing)
    assert parse_qs(urlsplit(link_of_rt_002).query)["resident"] == [str(group["lansia"])]
    desa = text(clerk.get(f"/admin/outstanding/{DESA_A}/"))
    outstanding = re.search(r'data-col="outstanding">([\d.,]+)<', desa).group(1)
    with app.app_context():
        direct = models.db.session.execute(sa.text(
            "SELECT count(*) FROM ektp_resident WHERE desa_code = :d AND ktp_status IN ('not_recorded', 'enrol_failed')"
        ), {"d": DESA_A}).scalar_one()
    assert int(outstanding) == direct == 2


def test_a_new_inline_row_is_headed_in_indonesian_word_order(login_as: Any) -> None:
    """Flask-Admin writes "New" before the item ("Baru Anggota"); Indonesian puts it after."""
    client = login_as("admin")
    page = html.unescape(client.get("/admin/teams/new/?lang=id").get_data(as_text=True))
    assert "Anggota baru" in page and "Baru Anggota" not in page
