"""The Dinas teams' roster: the proposal against direct counts, the save (all rows or none,
each refusal named), the per-team and per-kit output, and who may use it.

Pages are read in English (``as_user``).
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import (
    DESA_A,
    DESA_A2,
    DESA_B,
    KEC_A,
    KEC_B,
    REFERENCE_DATE,
    add_objects as _add,
    csrf_token,
    sql_value as sql,
)

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus

ROSTER = "/admin/team-roster/"
TOMORROW = REFERENCE_DATE + dt.timedelta(days=1)  # Thursday 22-09-2016


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))




def roster_rows(page: str) -> list[dict[str, str]]:
    """The editable rows of the proposal: {field: value} (selects: the selected option)."""
    rows = []
    for body in re.findall(r'<tr class="ektp-roster-row[^"]*" data-row="\d+">(.*?)</tr>', page, re.S):
        index = re.search(r'name="row" value="(\d+)"', body).group(1)
        row = {"index": index}
        for name in ("day", "start", "end"):
            row[name] = re.search(rf'name="{name}-{index}" value="([^"]*)"', body).group(1)
        for name in ("team", "desa", "kit"):
            select = re.search(rf'<select name="{name}-{index}".*?</select>', body, re.S).group(0)
            chosen = re.search(r'<option value="([^"]*)" selected>', select)
            row[name] = chosen.group(1) if chosen else ""
            row[f"{name}_options"] = ",".join(re.findall(r'<option value="([^"]*)"', select))
        row["kecamatan"] = re.findall(r"<td>([^<]*)</td>", body)[0]
        rows.append(row)
    return rows


def save_form(page: str, rows: list[dict[str, str]], dropped: tuple[int, ...] = ()) -> dict[str, Any]:
    """What the browser posts: the page's token, range and teams, and every row's fields."""
    form = re.search(r'<form method="post" action="[^"]*save" class="ektp-roster">(.*?)</form>', page, re.S).group(1)
    data: dict[str, Any] = {"csrf_token": csrf_token(form), "row": [r["index"] for r in rows]}
    for name in ("first", "last"):
        data[name] = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', form).group(1)
    data["team"] = re.findall(r'<input type="hidden" name="team" value="([^"]*)">', form)
    for n, row in enumerate(rows):
        for name in ("day", "team", "desa", "kit", "start", "end"):
            data[f"{name}-{row['index']}"] = row[name]
        if n in dropped:
            data[f"drop-{row['index']}"] = "1"
    return data


@pytest.fixture
def field(app: Any, make_resident: Any) -> dict[str, Any]:
    """Two Dinas teams; kecamatan A (Pesanggaran): 6 outstanding in DESA_A, 3 in DESA_A2, a mobile kit, a
    standby kit, a kit in repair; kecamatan B: 2 outstanding, a mobile kit; a recorded resident."""
    for i in range(6):
        make_resident(f"WARGA A{i}", birth_date=dt.date(1970, 1, 1 + i))
    for i in range(3):
        make_resident(f"WARGA A2{i}", birth_date=dt.date(1971, 1, 1 + i), desa=DESA_A2)
    for i in range(2):
        make_resident(f"WARGA B{i}", birth_date=dt.date(1972, 1, 1 + i), desa=DESA_B)
    make_resident("SUDAH REKAM", birth_date=dt.date(1970, 2, 2), status=KtpStatus.RECORDED)

    def kit(serial: str, kecamatan: str, role: str, condition: str = "working") -> Any:
        return models.Device(serial_number=serial, owner_kind="kecamatan", owner_kecamatan_code=kecamatan,
                             role=role, condition=condition)

    ids = _add(app, models.Team(name="Dinas Satu", kind="dinas"), models.Team(name="Dinas Dua", kind="dinas"),
               models.Team(name="Tim Kecamatan A", kind="kecamatan", kecamatan_code=KEC_A),
               kit("A-MOB", KEC_A, "mobile"), kit("A-STB", KEC_A, "standby"), kit("A-REP", KEC_A, "mobile", "in_repair"),
               kit("B-MOB", KEC_B, "mobile"))
    return dict(zip(("team1", "team2", "team_kec", "A-MOB", "A-STB", "A-REP", "B-MOB"), ids))


def propose(client: Any, field: dict[str, Any], first: str = "22-09-2016", last: str = "24-09-2016",
            teams: tuple[str, ...] = ("team1", "team2")) -> str:
    query = "&".join([f"first={first}", f"last={last}", *(f"team={field[t]}" for t in teams), "propose=1"])
    return text(client.get(f"{ROSTER}?{query}"))


def direct_outstanding(app: Any, kecamatan: str) -> int:
    return sql(app, "SELECT count(*) FROM ektp_resident WHERE kecamatan_code = :k"
                    " AND ktp_status IN ('not_recorded', 'enrol_failed') AND departed_on IS NULL", k=kecamatan)


def test_the_proposal_follows_the_backlog_and_the_kits_and_its_numbers_are_direct_counts(
    app: Any, as_user: Any, field: dict[str, Any]
) -> None:
    page = propose(as_user("supervisor"), field)
    rows = roster_rows(page)
    # three days, two teams, one working kit that may go out in each kecamatan: A and B each day
    assert len(rows) == 6
    assert [r["day"] for r in rows] == ["22-09-2016"] * 2 + ["23-09-2016"] * 2 + ["24-09-2016"] * 2
    by_day: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_day.setdefault(r["day"], []).append(r)
    for day_rows in by_day.values():
        assert sorted(r["desa"][:8] for r in day_rows) == [KEC_A, KEC_B]  # never the same kecamatan-day
    assert {r["kit"] for r in rows if r["desa"].startswith(KEC_A)} == {str(field["A-MOB"])}  # no standby, no repair
    assert {r["kit"] for r in rows if r["desa"].startswith(KEC_B)} == {str(field["B-MOB"])}
    # the team on A stays on A (furthest behind first); its posts: DESA_A (6), DESA_A2 (3), DESA_A again
    team_on_a = rows[0]["team"]
    assert rows[0]["desa"] == DESA_A
    assert [r["desa"] for r in rows if r["team"] == team_on_a] == [DESA_A, DESA_A2, DESA_A]
    assert all((r["start"], r["end"]) == ("08:00", "16:00") for r in rows)
    # the kecamatan table: outstanding as a direct count, team-days as the rows
    summary = dict(re.findall(r'<tr data-kecamatan="([^"]+)">.*?data-col="outstanding">(\d+)<', page, re.S))
    assert summary == {KEC_A: str(direct_outstanding(app, KEC_A)), KEC_B: str(direct_outstanding(app, KEC_B))}
    assert summary[KEC_A] == "9"
    days = dict(re.findall(r'<tr data-kecamatan="([^"]+)">.*?data-col="team_days">(\d+)<', page, re.S))
    assert days == {KEC_A: "3", KEC_B: "3"}
    # only the Dinas teams are offered
    assert "Tim Kecamatan A" not in page


def test_a_released_standby_kit_lets_two_teams_work_one_kecamatan_that_day(
    app: Any, as_user: Any, field: dict[str, Any]
) -> None:
    _add(app, models.DeviceRelease(device_id=field["A-STB"], day=TOMORROW, reason="tim kedua", released_by="dinas"))
    with app.app_context():  # kecamatan B has no kit that may go out
        models.db.session.execute(sa.update(models.Device).where(models.Device.id == field["B-MOB"])
                                  .values(condition="in_repair"))
        models.db.session.commit()
    rows = roster_rows(propose(as_user("supervisor"), field, last="23-09-2016"))
    assert [(r["day"], r["kit"]) for r in rows] == [
        ("22-09-2016", str(field["A-MOB"])), ("22-09-2016", str(field["A-STB"])), ("23-09-2016", str(field["A-MOB"]))]
    assert all(r["desa"].startswith(KEC_A) for r in rows)  # B has no kit: never proposed


def test_saving_makes_one_planned_village_post_per_kept_row_and_the_output_lists_them(
    app: Any, as_user: Any, field: dict[str, Any]
) -> None:
    client = as_user("supervisor")
    page = propose(client, field)
    rows = roster_rows(page)
    rows[0]["desa"] = DESA_A2  # a desa changed
    assert DESA_A2 in rows[0]["desa_options"].split(",")
    response = client.post(ROSTER + "save", data=save_form(page, rows, dropped=(1,)), follow_redirects=True)
    shown = text(response)
    assert "Roster saved: 5 village posts planned." in shown
    with app.app_context():
        visits = models.db.session.execute(sa.select(models.Visit).order_by(models.Visit.id)).scalars().all()
        assert len(visits) == 5
        assert {(v.kind, v.state) for v in visits} == {("village_post", "planned")}
        first = visits[0]
        assert (first.day, first.desa_code, first.kecamatan_code, first.team_id, first.device_id) == (
            TOMORROW, DESA_A2, KEC_A, int(rows[0]["team"]), field["A-MOB"])
        assert (first.start_time, first.end_time) == (dt.time(8), dt.time(16))
        assert not [v for v in visits if v.day == TOMORROW and v.team_id == int(rows[1]["team"])]  # dropped
    # the per-team and per-kit page: every visit, counted as a direct count
    total = sql(app, "SELECT count(*) FROM ektp_visit v JOIN ektp_team t ON t.id = v.team_id WHERE t.kind = 'dinas'"
                     " AND v.state <> 'cancelled' AND v.day BETWEEN :a AND :b", a=TOMORROW,
                b=TOMORROW + dt.timedelta(days=2))
    assert total == 5
    assert f"{total} visits of the Dinas teams from 22-09-2016 to 24-09-2016." in shown
    per_team = re.search(r'class="table table-sm ektp-roster-per-team".*?</table>', shown, re.S).group(0)
    per_kit = re.search(r'class="table table-sm ektp-roster-per-kit".*?</table>', shown, re.S).group(0)
    assert len(re.findall(r"<tr data-visit=", per_team)) == len(re.findall(r"<tr data-visit=", per_kit)) == total
    assert per_team.count("Dinas Satu") + per_team.count("Dinas Dua") == total
    # the CSV per kit: one line per visit (and the trailer)
    export = client.get(ROSTER + "export.csv?first=22-09-2016&last=24-09-2016&by=kit")
    lines = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:5] == ["Day", "Start", "End", "Team", "Kit"]
    assert len(lines) == total + 2 and lines[-1][0].startswith("#")
    assert [(line[0], line[4]) for line in lines[1:-1]] == sorted((line[0], line[4]) for line in lines[1:-1])
    # a visit saved twice: the same roster again is refused whole (the teams and kits are booked)
    again = text(client.post(ROSTER + "save", data=save_form(page, rows, dropped=(1,))))
    assert "Nothing was saved" in again
    assert re.search(r"Row 1 \(22-09-2016, Dinas (Satu|Dua)\): Device A-MOB is already booked for visit #\d+", again)
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 5


def test_refusals_name_each_row_and_save_nothing(app: Any, as_user: Any, field: dict[str, Any]) -> None:
    client = as_user("supervisor")
    page = propose(client, field, last="22-09-2016")
    rows = roster_rows(page)
    assert len(rows) == 2
    cases = [
        # one team at two overlapping posts
        ({1: {"team": rows[0]["team"], "start": "15:00", "end": "18:00"}}, "is already at another visit"),
        # the standby kit, not released for the day
        ({0: {"kit": str(field["A-STB"])}}, "is the kecamatan's standby kit"),
        # the kit in repair
        ({0: {"kit": str(field["A-REP"])}}, "A-REP is in repair"),
        # a kit of another kecamatan than the desa's
        ({0: {"kit": str(field["B-MOB"])}}, "is not a kit of kecamatan"),
        # the hours past the end of recording, a day passed, a day unreadable
        ({0: {"end": "21:00"}}, "Recording ends at 20:00"),
        ({0: {"day": "20-09-2016"}}, "20-09-2016 has passed"),
        ({0: {"day": "31-02-2016"}}, "Write the date as dd-mm-yyyy"),
        # a team that is not a Dinas team
        ({0: {"team": str(field["team_kec"])}}, "Choose one of the Dinas teams."),
    ]
    for changes, message in cases:
        changed = [dict(r) for r in rows]
        for n, values in changes.items():
            changed[n].update(values)
        refused = text(client.post(ROSTER + "save", data=save_form(page, changed)))
        assert "Nothing was saved: correct or drop the rows below and save again." in refused, message
        assert message in refused, message
        assert "visit #" not in refused, message  # checked against the saved visits only: none of its own rows
        assert re.search(r"Row \d \(\d\d-\d\d-2016, (Dinas Satu|Dinas Dua|-)\): ", refused), message
        assert sql(app, "SELECT count(*) FROM ektp_visit") == 0, message
    # the rows come back as they were typed, with their errors beside them
    changed = [dict(r) for r in rows]
    changed[0]["end"] = "21:00"
    refused = text(client.post(ROSTER + "save", data=save_form(page, changed)))
    assert [r["end"] for r in roster_rows(refused)] == ["21:00", "16:00"]
    # every row dropped: nothing to save
    dropped = text(client.post(ROSTER + "save", data=save_form(page, rows, dropped=(0, 1))))
    assert "Nothing was saved: every row was dropped." in dropped
    # without the CSRF token: refused outright
    no_token = {k: v for k, v in save_form(page, rows).items() if k != "csrf_token"}
    assert client.post(ROSTER + "save", data=no_token).status_code == 400
    assert sql(app, "SELECT count(*) FROM ektp_visit") == 0


def test_bad_ranges_are_sentences_not_errors(as_user: Any, field: dict[str, Any]) -> None:
    client = as_user("supervisor")
    assert "comes before the first" in propose(client, field, first="24-09-2016", last="22-09-2016")
    assert "Write the date as dd-mm-yyyy" in propose(client, field, first="kemarin")
    assert "at most 31 days" in propose(client, field, last="30-11-2016")
    assert "has passed" in propose(client, field, first="01-09-2016")
    assert "Choose at least one Dinas team." in propose(client, field, teams=())


def test_a_clerk_is_refused_the_roster_and_admins_may_use_it(app: Any, login_as: Any, field: dict[str, Any]) -> None:
    clerk = login_as("clerk")
    for path in ("", "schedule", "export.csv"):
        assert clerk.get(ROSTER + path).status_code == 403
    token = csrf_token(text(clerk.get("/admin/")))
    assert clerk.post(ROSTER + "save", data={"csrf_token": token, "row": ["0"]}).status_code == 403
    admin = login_as("admin")
    assert admin.get(ROSTER + "?lang=en").status_code == 200
    assert admin.get(ROSTER + "schedule").status_code == 200
