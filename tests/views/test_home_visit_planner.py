"""The home-visit planner: proposals (groups, host, kit, slot) and their numbers against
direct counts, the plan POST (one visit, invitees, refusals), overdue planned visits,
and the reach (a clerk plans only their kecamatan).

Pages are read in English (``?lang=en``, remembered in the session).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, KEC_B, REFERENCE_DATE, add_objects as _add, sql_value as sql

from ektp_admin import models
from ektp_admin.domain.enums import DeviceRole

PLANNER = "/admin/home-visit-planner/"
TOMORROW = REFERENCE_DATE + dt.timedelta(days=1)


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def plan_forms(page: str) -> list[dict[str, list[str]]]:
    """Each "Plan" form of the page as {name: [values]}."""
    forms = []
    for body in re.findall(r'<form method="post"[^>]*class="ektp-plan">(.*?)</form>', page, re.S):
        fields: dict[str, list[str]] = {}
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body):
            fields.setdefault(name, []).append(value)
        forms.append(fields)
    return forms




@pytest.fixture
def kits(app: Any) -> dict[str, int]:
    def kit(serial: str, kecamatan: str, role: DeviceRole, condition: str = "working") -> Any:
        return models.Device(serial_number=serial, owner_kind="kecamatan", owner_kecamatan_code=kecamatan,
                             role=role.value, condition=condition)

    ids = _add(app, kit("A-STB", KEC_A, DeviceRole.STANDBY), kit("A-MOB", KEC_A, DeviceRole.MOBILE),
               kit("A-REP", KEC_A, DeviceRole.MOBILE, "in_repair"), kit("B-MOB", KEC_B, DeviceRole.MOBILE))
    return dict(zip(("A-STB", "A-MOB", "A-REP", "B-MOB"), ids))


@pytest.fixture
def residents(make_resident: Any) -> dict[str, Any]:
    """RW 001/RT 002 of DESA_A: twelve lansia (one seriously ill); RT 003: one disabled;
    a younger resident (no home visit); one lansia in kecamatan B."""
    rt2 = [make_resident(f"WARGA {i:02d}", birth_date=dt.date(1940, 1, 1 + i), rt="002", rw="001",
                         address="Dusun Krajan") for i in range(11)]
    ill = make_resident("SAKINAH", birth_date=dt.date(1955, 3, 3), rt="002", rw="001", seriously_ill=True,
                        address="Dusun Krajan Gg. 2")
    rt3 = make_resident("SLAMET", birth_date=dt.date(1970, 3, 3), sex="L", rt="003", rw="001", disabled=True)
    make_resident("MUDA", birth_date=dt.date(1990, 3, 3), rt="002", rw="001")
    other = make_resident("WARGA B", birth_date=dt.date(1940, 1, 1), desa=DESA_B)
    return {"rt2": rt2 + [ill], "ill": ill, "rt3": rt3, "other": other}


@pytest.fixture
def clerk(login_as: Any) -> Any:
    client = login_as("clerk")
    client.get(PLANNER + "?lang=en")
    return client


def direct_home_visit_count(app: Any, kecamatan: str) -> int:
    lansia_born_by = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 60)
    return sql(app,
               "SELECT count(*) FROM ektp_resident WHERE kecamatan_code = :k"
               " AND ktp_status IN ('not_recorded', 'enrol_failed') AND departed_on IS NULL"
               " AND (birth_date <= :born OR disabled = :yes OR seriously_ill = :yes)"
               " AND NOT (away = :yes AND (away_until IS NULL OR away_until >= :on))",
               k=kecamatan, born=lansia_born_by, yes=True, on=REFERENCE_DATE)


def test_proposals_split_host_first_on_the_working_mobile_kit_and_count_as_the_table(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    page = text(clerk.get(PLANNER + f"?kecamatan={KEC_A}"))
    total = direct_home_visit_count(app, KEC_A)
    assert total == 13
    assert f"{total} residents to record at home." in page
    forms = plan_forms(page)
    assert [len(f["resident"]) for f in forms] == [10, 2, 1]  # RT 002 split in two, RT 003 alone
    planned = [int(i) for f in forms for i in f["resident"]]
    assert sorted(planned[:12]) == sorted(residents["rt2"])
    assert planned[12] == residents["rt3"]
    assert forms[0]["resident"][0] == str(residents["ill"])  # the seriously ill one hosts (listed first by name)
    assert {f["kit"][0] for f in forms} == {str(kits["A-MOB"])}  # never standby, never in repair
    assert [(f["day"][0], f["start"][0], f["end"][0]) for f in forms] == [
        ("22-09-2016", "07:00", "09:30"), ("22-09-2016", "09:30", "10:30"), ("22-09-2016", "10:30", "11:30")]


def test_plan_creates_one_planned_visit_with_its_invitees_and_refuses_the_same_slot_twice(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    page = text(clerk.get(PLANNER + f"?kecamatan={KEC_A}"))
    form = plan_forms(page)[1]  # RT 002's second part: WARGA 09 and WARGA 10
    before = sql(app, "SELECT count(*) FROM ektp_visit")
    response = clerk.post(PLANNER + "plan", data=form, follow_redirects=True)
    shown = text(response)
    assert "Visit planned on 22-09-2016, 09:30-10:30" in shown
    assert sql(app, "SELECT count(*) FROM ektp_visit") == before + 1
    with app.app_context():
        visit = models.db.session.execute(sa.select(models.Visit)).scalar_one()
        assert (visit.state, visit.kind, visit.day, visit.device_id, visit.desa_code, visit.kecamatan_code) == (
            "planned", "cluster", TOMORROW, kits["A-MOB"], DESA_A, KEC_A)
        assert (visit.start_time, visit.end_time) == (dt.time(9, 30), dt.time(10, 30))
        assert visit.host_resident_id == residents["rt2"][9]  # the older of the two
        assert visit.host_address == "Dusun Krajan RT 002/RW 001"
        assert sorted(r.resident_id for r in visit.results) == sorted(int(i) for i in form["resident"])
        assert {r.result for r in visit.results} == {"invited"}
    assert sql(app, "SELECT count(*) FROM ektp_visit_result WHERE result = 'invited'") == 2
    # the residents stay outstanding until they are recorded
    assert direct_home_visit_count(app, KEC_A) == 13
    # the same slot again: the kit is booked, nothing is saved
    again = text(clerk.post(PLANNER + "plan", data=form, follow_redirects=True))
    assert "already booked for visit" in again
    assert sql(app, "SELECT count(*) FROM ektp_visit") == before + 1
    # the planner now proposes the others, around the booking
    page = text(clerk.get(PLANNER + f"?kecamatan={KEC_A}"))
    total = re.search(r'class="ektp-planner-total">(.*?)</p>', page, re.S).group(1)
    total = " ".join(re.sub(r"<[^>]+>", " ", total).split())
    assert total.startswith("13 residents to record at home. 2 of them are already invited to a planned visit.")
    forms = plan_forms(page)
    assert [len(f["resident"]) for f in forms] == [10, 1]
    assert not set(form["resident"]) & {i for f in forms for i in f["resident"]}
    assert all(not (f["day"][0] == "22-09-2016" and "09:30" <= f["start"][0] < "10:30") for f in forms)


def test_plan_refuses_out_of_reach_residents_and_kits_and_bad_input(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    form = plan_forms(text(clerk.get(PLANNER + f"?kecamatan={KEC_A}")))[2]
    cases = [
        ({"resident": [str(residents["rt3"]), str(residents["other"])]}, "not in your area"),
        ({"kit": [str(kits["B-MOB"])]}, "Choose the kit for this visit."),
        ({"kit": [str(kits["A-REP"])]}, "is in repair"),
        ({"kit": [str(kits["A-STB"])]}, "standby kit"),
        ({"day": ["31-02-2016"]}, "Write the day as DD-MM-YYYY"),
        ({"day": ["20-09-2016"]}, "has passed"),
        ({"end": ["21:00"]}, "Recording ends at 20:00"),
        ({"start": ["7 pagi"]}, "Write the times as HH:MM"),
        ({"resident": ["abc"]}, "Choose between 1 and 10 residents"),
    ]
    for change, message in cases:
        page = text(clerk.post(PLANNER + "plan", data={**form, **change}, follow_redirects=True))
        assert message in page, (change, message)
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 0
    # without the CSRF token: refused outright
    no_token = {k: v for k, v in form.items() if k != "csrf_token"}
    assert clerk.post(PLANNER + "plan", data=no_token).status_code == 400
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 0


def test_a_clerk_plans_only_their_kecamatan(
    app: Any, login_as: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    clerk = login_as("clerk")
    assert clerk.get(PLANNER + f"?kecamatan={KEC_B}").status_code == 404
    assert clerk.get(PLANNER + f"?desa={DESA_B}").status_code == 404
    page = text(clerk.get(PLANNER))  # no kecamatan asked: their own
    assert "WARGA B" not in page and "SLAMET" in page
    supervisor = login_as("supervisor")
    page = text(supervisor.get(PLANNER + f"?kecamatan={KEC_B}&lang=en"))
    assert "WARGA B" in page
    assert plan_forms(page) == []  # a supervisor reads, does not plan


def test_overdue_planned_visits_are_listed_and_counted_as_the_table(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    past = REFERENCE_DATE - dt.timedelta(days=2)

    def visit(day: dt.date, state: str, kecamatan: str, desa: str) -> Any:
        return models.Visit(day=day, start_time=dt.time(8), end_time=dt.time(9), kind="home", state=state,
                            kecamatan_code=kecamatan, desa_code=desa, host_address="Dusun Krajan")

    ids = _add(app, visit(past, "planned", KEC_A, DESA_A), visit(past, "done", KEC_A, DESA_A),
               visit(REFERENCE_DATE, "planned", KEC_A, DESA_A), visit(past, "planned", KEC_B, DESA_B))
    page = text(clerk.get(PLANNER + f"?kecamatan={KEC_A}"))
    direct = sql(app, "SELECT count(*) FROM ektp_visit WHERE state = 'planned' AND day < :on AND kecamatan_code = :k",
                 on=REFERENCE_DATE, k=KEC_A)
    assert direct == 1
    assert "1 planned visit is overdue" in page
    assert re.findall(r'<tr data-visit="(\d+)">', page) == [str(ids[0])]
    assert "19-09-2016" in page


def test_a_standby_kit_released_for_a_day_is_proposed_that_day_and_planned_with(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    with app.app_context():
        models.db.session.execute(sa.update(models.Device).where(models.Device.id == kits["A-MOB"])
                                  .values(condition="in_repair"))
        models.db.session.add(models.DeviceRelease(device_id=kits["A-STB"], day=TOMORROW, reason="mobile rusak",
                                                   released_by="supervisor"))
        models.db.session.commit()
    forms = plan_forms(text(clerk.get(PLANNER + f"?kecamatan={KEC_A}")))
    assert [len(f["resident"]) for f in forms] == [10, 2, 1]
    assert {(f["kit"][0], f["day"][0]) for f in forms} == {(str(kits["A-STB"]), "22-09-2016")}
    shown = text(clerk.post(PLANNER + "plan", data=forms[2], follow_redirects=True))
    assert "Visit planned on 22-09-2016" in shown
    assert sql(app, "SELECT count(*) FROM ektp_visit WHERE device_id = :d", d=kits["A-STB"]) == 1
    # the release holds for its day only: the day after, the standby kit is refused
    later = {**forms[1], "day": ["23-09-2016"]}
    assert "standby kit" in text(clerk.post(PLANNER + "plan", data=later, follow_redirects=True))
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 1


def test_plan_refuses_residents_already_invited_to_another_planned_visit_naming_its_date(
    app: Any, clerk: Any, kits: dict[str, int], residents: dict[str, Any]
) -> None:
    form = plan_forms(text(clerk.get(PLANNER + f"?kecamatan={KEC_A}")))[1]  # WARGA 09 and WARGA 10
    assert "Visit planned on 22-09-2016" in text(clerk.post(PLANNER + "plan", data=form, follow_redirects=True))
    again = {**form, "day": ["24-09-2016"], "start": ["13:00"], "end": ["14:00"]}
    page = text(clerk.post(PLANNER + "plan", data=again, follow_redirects=True))
    assert "Already invited to another planned visit: WARGA 09, WARGA 10 (on 22-09-2016). Nothing was planned." in page
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 1
    # a cancelled visit holds nobody: once it is cancelled, they may be planned again
    with app.app_context():
        models.db.session.execute(sa.update(models.Visit).values(state="cancelled"))
        models.db.session.commit()
    assert "Visit planned on 24-09-2016" in text(clerk.post(PLANNER + "plan", data=again, follow_redirects=True))
    assert sql(app, "SELECT count(*) FROM ektp_visit WHERE state = 'planned'") == 1
