"""The shared questions of :mod:`ektp_admin.queries`, on crafted residents.

Reference date 2016-09-21 (conftest). Every count here is what the per-village
list, its printable sheet, the CSV and the progress page show.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, KEC_B, REFERENCE_DATE

from ektp_admin import models, queries
from ektp_admin.access import Reach
from ektp_admin.domain.enums import (
    Citizenship,
    DeviceOwnerKind,
    DeviceRole,
    KtpStatus,
    MaritalStatus,
    ResultKind,
    VisitKind,
    VisitState,
)
from ektp_admin.views.reasons import outstanding_reason

ON = REFERENCE_DATE
S = KtpStatus


def _session() -> Any:
    return models.db.session


@pytest.fixture
def crafted(make_resident: Any) -> dict[str, int]:
    """Residents of desa A covering every rule, one outstanding resident in desa B."""
    ids = {
        "adult": make_resident("ADULT NOT RECORDED", birth_date=dt.date(1980, 5, 17)),
        "recorded": make_resident("ADULT RECORDED", birth_date=dt.date(1981, 1, 2), status=S.RECORDED),
        "printed": make_resident("ADULT PRINTED", birth_date=dt.date(1982, 1, 2), status=S.PRINTED),
        "dup": make_resident("ADULT DUPLICATE", birth_date=dt.date(1983, 1, 2), status=S.DUPLICATE),
        "child": make_resident("CHILD TEN", birth_date=dt.date(2006, 4, 4)),
        "sixteen": make_resident("SINGLE SIXTEEN", birth_date=dt.date(2000, 1, 1)),
        "married16": make_resident(
            "MARRIED SIXTEEN", birth_date=dt.date(2000, 3, 1), marital_status=MaritalStatus.MARRIED.value
        ),
        "efac": make_resident("ENROL FAILED", birth_date=dt.date(1979, 2, 3), status=S.ENROL_FAILED),
        "wna": make_resident(
            "FOREIGNER NO PERMIT", birth_date=dt.date(1970, 6, 6), citizenship=Citizenship.WNA_OTHER.value
        ),
        "wna_permanent": make_resident(
            "FOREIGNER PERMANENT", birth_date=dt.date(1971, 6, 6), citizenship=Citizenship.WNA_PERMANENT.value
        ),
        "lansia": make_resident("OLD NOT RECORDED", birth_date=dt.date(1950, 1, 1)),
        "lansia_recorded": make_resident("OLD RECORDED", birth_date=dt.date(1949, 1, 1), status=S.HANDED_OVER),
        "disabled": make_resident("DISABLED ADULT", birth_date=dt.date(1985, 1, 1), disabled=True,
                                  disability_note="tunanetra"),
        "ill": make_resident("ILL ADULT", birth_date=dt.date(1986, 1, 1), seriously_ill=True),
        "away": make_resident("AWAY ADULT", birth_date=dt.date(1987, 1, 1), away=True, away_location="Malaysia",
                              away_until=dt.date(2017, 3, 1)),
        # turned 17 on 10-09-2016, within 30 days of the reference date
        "new17": make_resident("JUST SEVENTEEN", birth_date=dt.date(1999, 9, 10)),
        # turned 17 on 01-08-2016: wajib, but "newly 17" only since an earlier campaign
        "new17_august": make_resident("SEVENTEEN IN AUGUST", birth_date=dt.date(1999, 8, 1)),
        "b_adult": make_resident("B ADULT", birth_date=dt.date(1975, 1, 1), desa=DESA_B),
    }
    return ids


def _row(rows: list[Any], desa_code: str) -> Any:
    return next(r for r in rows if r.desa_code == desa_code)


def test_outstanding_by_desa_counts_every_rule(app: Any, crafted: dict[str, int]) -> None:
    with app.app_context():
        rows = queries.outstanding_by_desa(_session(), KEC_A, ON)
        a = _row(rows, DESA_A)
        # wajib: everyone but the child, the single 16-year-old and the foreigner without permit
        assert a.wajib == 14
        # outstanding: not recorded or EFAC, among the wajib (married 16-year-old included)
        assert a.outstanding == 10
        # recorded, printed, handed over; the duplicate (DUP) waits for its deletion request
        assert a.recorded == 3 and a.duplicate == 1
        assert a.lansia == 1
        assert a.disabled_or_ill == 2
        assert a.away == 1
        assert a.newly_17 == 1  # only the one who turned 17 in the last 30 days
        assert a.newly_17_since == ON - dt.timedelta(days=30)
        assert a.percent_done == round(100 * 3 / 14, 1)
        assert a.desa_name == "Sarongan" and a.kecamatan_name == "Pesanggaran"


def test_every_desa_of_the_kecamatan_is_listed_even_without_residents(app: Any, crafted: dict[str, int]) -> None:
    with app.app_context():
        session = _session()
        rows = queries.outstanding_by_desa(session, KEC_A, ON)
        assert len(rows) == queries.desa_count(session, KEC_A) > 2
        assert {r.kecamatan_code for r in rows} == {KEC_A}
        empty = _row(rows, DESA_A2)
        assert (empty.wajib, empty.outstanding, empty.percent_done) == (0, 0, None)
        assert DESA_B not in {r.desa_code for r in rows}


def test_all_kecamatan_and_paging(app: Any, crafted: dict[str, int]) -> None:
    with app.app_context():
        session = _session()
        everything = queries.outstanding_by_desa(session, None, ON)
        assert len(everything) == queries.desa_count(session) == 217
        assert _row(everything, DESA_B).outstanding == 1
        first = queries.outstanding_by_desa(session, None, ON, limit=10, offset=0)
        second = queries.outstanding_by_desa(session, None, ON, limit=10, offset=10)
        assert [r.desa_code for r in first + second] == [r.desa_code for r in everything[:20]]


def test_totals_are_the_sum_of_the_rows(app: Any, crafted: dict[str, int]) -> None:
    with app.app_context():
        session = _session()
        for region in (KEC_A, KEC_B, None, "35.10", DESA_A):
            rows = [r for r in queries.outstanding_by_desa(session, None, ON)
                    if region is None or queries.region_covers(region, r.desa_code)]
            totals = queries.outstanding_totals(session, region, ON)
            for field in ("wajib", "outstanding", "recorded", "lansia", "disabled_or_ill", "away", "newly_17"):
                assert getattr(totals, field) == sum(getattr(r, field) for r in rows), (region, field)
        by_kec = queries.outstanding_by_kecamatan(session, "35.10", ON)
        assert len(by_kec) == 25
        assert sum(k.outstanding for k in by_kec) == queries.outstanding_totals(session, "35.10", ON).outstanding == 11


def _campaign(name: str, start: dt.date, target: dt.date, scope: str, baseline: int | None = None) -> int:
    campaign = models.Campaign(name=name, start_date=start, target_date=target, scope_code=scope,
                               baseline_outstanding=baseline)
    models.db.session.add(campaign)
    models.db.session.commit()
    return campaign.id


def test_newly_17_counts_from_the_latest_campaign_covering_the_desa(app: Any, crafted: dict[str, int]) -> None:
    with app.app_context():
        session = _session()
        _campaign("Regency drive", dt.date(2016, 7, 15), dt.date(2016, 10, 15), "35.10")
        _campaign("Bangorejo week", dt.date(2016, 9, 15), dt.date(2016, 9, 30), KEC_B)
        _campaign("Not started yet", dt.date(2016, 10, 1), dt.date(2016, 10, 30), "35.10")
        rows = queries.outstanding_by_desa(session, None, ON)
        a = _row(rows, DESA_A)
        assert a.newly_17_since == dt.date(2016, 7, 15)
        assert a.newly_17 == 2  # the August birthday counts now
        assert _row(rows, DESA_B).newly_17_since == dt.date(2016, 9, 15)
        assert queries.newly_17_since(session, DESA_A, ON) == dt.date(2016, 7, 15)
        assert queries.newly_17_since(session, DESA_B, ON) == dt.date(2016, 9, 15)
        assert queries.outstanding_totals(session, KEC_A, ON).newly_17 == 2


def test_outstanding_residents_is_a_sorted_statement(app: Any, make_resident: Any) -> None:
    make_resident("ZAINAL", rw="2", rt="1")
    make_resident("BUDI", rw="10", rt="1")
    make_resident("ANI", rw="02", rt="3")
    make_resident("CITRA", rw="2", rt="12")
    make_resident("DEWI", rw="2", rt="003")
    make_resident("EKO", rw=None, rt=None)
    make_resident("FAJAR", rw="1", rt="1", status=S.RECORDED)
    with app.app_context():
        statement = queries.outstanding_residents(_session(), DESA_A, ON)
        names = [r.name for r in _session().execute(statement).scalars()]
        assert names == ["ZAINAL", "ANI", "DEWI", "CITRA", "BUDI", "EKO"]
        page = _session().execute(statement.limit(2).offset(2)).scalars().all()
        assert [r.name for r in page] == ["DEWI", "CITRA"]


def test_outstanding_reason_in_the_users_language(app: Any, crafted: dict[str, int]) -> None:
    with app.test_request_context("/?lang=en"):
        session = _session()

        def reason(key: str, since: dt.date | None = None) -> str:
            return outstanding_reason(session.get(models.Resident, crafted[key]), ON, since)

        assert reason("efac") == "EFAC: capture must be redone"
        assert reason("away") == "away at Malaysia until 01-03-2017"
        assert reason("lansia") == "lansia (60+)"
        assert reason("disabled") == "disabled (tunanetra)"
        assert reason("ill") == "seriously ill"
        assert reason("new17") == "newly 17"
        assert reason("new17_august") == ""
        assert reason("new17_august", since=dt.date(2016, 7, 1)) == "newly 17"
        assert reason("adult") == ""


def _visit(day: dt.date, *, device: int | None = None, team: int | None = None, desa: str | None = DESA_A,
           state: VisitState = VisitState.DONE, kind: VisitKind = VisitKind.VILLAGE_POST,
           start: dt.time = dt.time(8, 0), end: dt.time = dt.time(12, 0), kecamatan: str = KEC_A,
           host: str | None = None) -> int:
    visit = models.Visit(day=day, start_time=start, end_time=end, kind=kind.value, state=state.value,
                         kecamatan_code=kecamatan, desa_code=desa, device_id=device, team_id=team,
                         host_address=host)
    models.db.session.add(visit)
    models.db.session.commit()
    return visit.id


def _record(visit_id: int, resident_id: int) -> None:
    resident = models.db.session.get(models.Resident, resident_id)
    previous = resident.ktp_status
    resident.ktp_status = S.RECORDED.value
    models.db.session.add(models.VisitResult(visit_id=visit_id, resident_id=resident_id,
                                             result=ResultKind.RECORDED.value, previous_status=previous))
    models.db.session.commit()


def test_campaign_progress_agrees_with_the_outstanding_list(app: Any, make_resident: Any) -> None:
    a = [make_resident(f"A{i}", birth_date=dt.date(1980, 1, 1 + i)) for i in range(5)]
    b = [make_resident(f"B{i}", birth_date=dt.date(1981, 1, 1 + i), desa=DESA_B) for i in range(3)]
    with app.app_context():
        session = _session()
        cid = _campaign("Jemput bola", dt.date(2016, 9, 7), dt.date(2016, 10, 6), "35.10")
        campaign = session.get(models.Campaign, cid)
        v1 = _visit(dt.date(2016, 9, 8))
        v2 = _visit(dt.date(2016, 9, 10))
        v3 = _visit(dt.date(2016, 9, 10), desa=DESA_B, kecamatan=KEC_B, start=dt.time(13, 0), end=dt.time(17, 0))
        before = _visit(dt.date(2016, 9, 1), start=dt.time(13, 0), end=dt.time(15, 0))
        _record(v1, a[0])
        _record(v2, a[1])
        _record(v2, a[2])
        _record(v3, b[0])
        _record(before, a[3])  # before the campaign: not its work

        progress = queries.campaign_progress(session, campaign, None, ON)
        assert progress.recorded == 4
        assert progress.remaining == queries.outstanding_totals(session, "35.10", ON).outstanding == 3
        assert progress.baseline == 7 and progress.baseline_entered is None
        assert progress.percent == round(100 * 4 / 7, 1)
        assert progress.days_elapsed == 15  # 7..21 September
        assert progress.days_left == 16  # 21 September .. 6 October
        assert progress.needed_per_day == 1  # 3 over 16 days, rounded up
        assert progress.actual_per_day == round(4 / 15, 1)

        per_day = queries.recorded_per_day(session, campaign, None, ON)
        assert per_day[0] == (dt.date(2016, 9, 7), 0)
        assert dict(per_day)[dt.date(2016, 9, 10)] == 3
        assert per_day[-1][0] == ON
        assert sum(n for _, n in per_day) == progress.recorded

        mine = queries.campaign_progress(session, campaign, KEC_A, ON)
        rows = queries.outstanding_by_desa(session, KEC_A, ON)
        assert mine.remaining == sum(r.outstanding for r in rows) == 1
        assert mine.recorded == 3 and mine.baseline == 4
        assert dict(queries.recorded_per_day(session, campaign, KEC_A, ON))[dt.date(2016, 9, 10)] == 2

        breakdown = {k.kecamatan_code: k for k in queries.campaign_progress_by_kecamatan(session, campaign, None, ON)}
        assert len(breakdown) == 25
        assert (breakdown[KEC_A].recorded, breakdown[KEC_A].remaining) == (3, 1)
        assert (breakdown[KEC_B].recorded, breakdown[KEC_B].remaining) == (1, 2)
        assert sum(k.remaining for k in breakdown.values()) == progress.remaining


def test_entered_baseline_applies_to_the_whole_scope_only(app: Any, make_resident: Any) -> None:
    make_resident("ONE")
    with app.app_context():
        session = _session()
        campaign = session.get(models.Campaign, _campaign("Stored", dt.date(2016, 9, 1), dt.date(2016, 9, 30),
                                                          "35.10", baseline=56014))
        whole = queries.campaign_progress(session, campaign, None, ON)
        # the figure shown is what the rows add up to; the entered one stands beside it
        assert (whole.baseline, whole.baseline_entered) == (1, 56014)
        assert whole.baseline == sum(k.baseline for k in whole.kecamatan)
        mine = queries.campaign_progress(session, campaign, KEC_A, ON)
        assert (mine.baseline, mine.baseline_entered) == (1, None)
        other = session.get(models.Campaign, _campaign("Elsewhere", dt.date(2016, 9, 1), dt.date(2016, 9, 30), KEC_B))
        assert queries.campaign_progress(session, other, KEC_A, ON) is None
        assert queries.latest_campaign(session, KEC_A).name == "Stored"


def test_target_passed_and_weekends_off(app: Any) -> None:
    with app.app_context():
        session = _session()
        campaign = session.get(models.Campaign, _campaign("Past", dt.date(2016, 8, 1), dt.date(2016, 8, 31), "35.10"))
        progress = queries.campaign_progress(session, campaign, None, ON)
        assert progress.days_left == 0 and progress.needed_per_day is None
        assert progress.days_elapsed == 31
        # Monday 19 .. Sunday 25 September 2016: five weekdays
        assert queries.recording_days(dt.date(2016, 9, 19), dt.date(2016, 9, 25), weekends=False) == 5
        assert queries.recording_days(dt.date(2016, 9, 19), dt.date(2016, 9, 25), weekends=True) == 7
        assert queries.recording_days(dt.date(2016, 9, 24), dt.date(2016, 10, 4), weekends=False) == 7


def _device(serial: str, kecamatan: str | None, role: DeviceRole = DeviceRole.MOBILE, location: str = "") -> int:
    device = models.Device(
        serial_number=serial,
        owner_kind=(DeviceOwnerKind.KECAMATAN if kecamatan else DeviceOwnerKind.DINAS).value,
        owner_kecamatan_code=kecamatan, role=role.value, location=location,
    )
    models.db.session.add(device)
    models.db.session.commit()
    return device.id


def _team(name: str) -> int:
    team = models.Team(name=name, kind="dinas")
    models.db.session.add(team)
    models.db.session.commit()
    return team.id


def test_device_whereabouts_latest_and_next_visit(app: Any) -> None:
    with app.app_context():
        session = _session()
        kit_a = _device("KIT-A-MOBILE", KEC_A, location="Balai desa Sarongan")
        kit_b = _device("KIT-B-STANDBY", KEC_B, role=DeviceRole.STANDBY)
        dinas = _device("KIT-DINAS-1", None)
        team = _team("Tim Dinas 1")
        _visit(dt.date(2016, 9, 19), device=kit_a, team=team)
        _visit(dt.date(2016, 9, 20), device=kit_a, team=team, desa=DESA_A2)
        _visit(dt.date(2016, 9, 21), device=kit_a, state=VisitState.CANCELLED)
        _visit(dt.date(2016, 9, 25), device=kit_a, state=VisitState.PLANNED, desa=DESA_A2)
        _visit(dt.date(2016, 9, 22), device=kit_a, team=team, state=VisitState.PLANNED,
               kind=VisitKind.HOME, host="Jl. Mawar 3", start=dt.time(15, 0), end=dt.time(17, 0))
        _visit(dt.date(2016, 9, 21), device=dinas, state=VisitState.PLANNED, desa=DESA_B, kecamatan=KEC_B)

        where = {d.serial_number: d for d in queries.device_whereabouts(session, Reach.everything(), ON)}
        assert set(where) == {"KIT-A-MOBILE", "KIT-B-STANDBY", "KIT-DINAS-1"}
        a = where["KIT-A-MOBILE"]
        assert a.location == "Balai desa Sarongan" and a.owner_kecamatan_name == "Pesanggaran"
        assert (a.latest_visit.day, a.latest_visit.desa_name, a.latest_visit.team_name) == (
            dt.date(2016, 9, 20), "Pesanggaran", "Tim Dinas 1")
        assert (a.next_visit.day, a.next_visit.start_time, a.next_visit.kind, a.next_visit.host_address) == (
            dt.date(2016, 9, 22), dt.time(15, 0), VisitKind.HOME.value, "Jl. Mawar 3")
        assert a.next_visit.team_name == "Tim Dinas 1" and a.next_visit.desa_name == "Sarongan"
        assert where["KIT-B-STANDBY"].latest_visit is None and where["KIT-B-STANDBY"].next_visit is None
        assert where["KIT-DINAS-1"].next_visit.day == ON  # planned today: still ahead

        mine = [d.serial_number for d in queries.device_whereabouts(session, Reach(kecamatan_code=KEC_A), ON)]
        assert mine == ["KIT-DINAS-1", "KIT-A-MOBILE"]
        assert queries.device_count(session, Reach(kecamatan_code=KEC_A)) == 2
        assert queries.device_count(session, Reach.everything()) == 3
        assert queries.device_count(session, Reach.nothing()) == 0
        assert kit_b


def test_home_visit_residents(app: Any, make_resident: Any) -> None:
    make_resident("OLD ONE", birth_date=dt.date(1940, 1, 1), rw="1", rt="2")
    make_resident("OLD NEIGHBOUR", birth_date=dt.date(1945, 1, 1), rw="01", rt="002")
    make_resident("BLIND ADULT", birth_date=dt.date(1980, 1, 1), disabled=True, rw="1", rt="3")
    make_resident("ILL ADULT", birth_date=dt.date(1981, 1, 1), seriously_ill=True, rw="2", rt="1")
    make_resident("OLD AWAY", birth_date=dt.date(1946, 1, 1), away=True, away_until=dt.date(2017, 1, 1))
    make_resident("OLD BACK", birth_date=dt.date(1947, 1, 1), away=True, away_until=dt.date(2016, 9, 1), rw="3", rt="1")
    make_resident("OLD RECORDED", birth_date=dt.date(1948, 1, 1), status=S.RECORDED)
    make_resident("FIT ADULT", birth_date=dt.date(1982, 1, 1))
    make_resident("OLD IN B", birth_date=dt.date(1944, 1, 1), desa=DESA_B)
    with app.app_context():
        session = _session()
        names = [r.name for r in session.execute(queries.home_visit_residents(session, KEC_A, ON)).scalars()]
        assert names == ["OLD NEIGHBOUR", "OLD ONE", "BLIND ADULT", "ILL ADULT", "OLD BACK"]
        assert queries.home_visit_count(session, KEC_A, ON) == 5
        assert queries.home_visit_count(session, None, ON) == 6
        sizes = queries.home_visit_cluster_sizes(session, [DESA_A], ON)
        assert sizes[(DESA_A, "1", "2")] == 2
        assert sizes[(DESA_A, "1", "3")] == 1


def test_a_mistyped_campaign_scope_covers_nothing(app: Any, crafted: dict[str, int]) -> None:
    """LIKE wildcards typed into a scope stay literal: "35_10" is not "35.10"."""
    with app.app_context():
        session = _session()
        _campaign("Typo", dt.date(2016, 7, 15), dt.date(2016, 10, 15), "35_10")
        _campaign("Wildcard", dt.date(2016, 7, 16), dt.date(2016, 10, 15), "3%")
        a = _row(queries.outstanding_by_desa(session, None, ON), DESA_A)
        assert a.newly_17_since == ON - dt.timedelta(days=30)
        assert a.newly_17 == 1
        assert queries.latest_campaign(session, KEC_A) is None
