"""The per-desa counters (ektp_counter): every write path keeps them equal to a direct
count, ages move with the calendar, and the summaries read them with the same numbers.

Every test changes data through one path, then compares every counter cell with a
direct count (``counters.check``, what ``flask ektp counters --check`` runs) and the
screens' summaries with the summaries counted from the residents (``direct=True``).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_A2, DESA_B, KEC_A, KEC_B, REFERENCE_DATE

from ektp_admin import counters, list_marks, models, queries, services
from ektp_admin.domain import counting
from ektp_admin.domain.counting import CounterWindow
from ektp_admin.domain.eligibility import WAJIB_KTP_AGE, age_on, birth_date_cutoff, is_lansia, is_wajib_ktp
from ektp_admin.domain.enums import KtpStatus as S, MaritalStatus, ResultKind, VisitKind, VisitState
from ektp_admin.queries import counted, forecast

DATA = Path(__file__).resolve().parent / "data"
ONE_DAY = dt.timedelta(days=1)


def assert_counters_agree(app: Any, *days: dt.date) -> None:
    """Every cell equals a direct count, and every summary equals its direct twin."""
    with app.app_context():
        with models.db.engine.connect() as conn:
            assert counters.check(conn) == []
            assert list_marks.check(conn) == []  # the residents list's page marks, kept alike
        session = models.db.session
        for on in days or (REFERENCE_DATE,):
            for region in (None, KEC_A, DESA_A):
                assert queries.outstanding_totals(session, region, on) == \
                    queries.outstanding_totals(session, region, on, direct=True), (region, on)
                assert queries.outstanding_by_kecamatan(session, region, on) == \
                    queries.outstanding_by_kecamatan(session, region, on, direct=True), (region, on)
            assert queries.outstanding_by_desa(session, KEC_A, on) == \
                queries.outstanding_by_desa(session, KEC_A, on, direct=True)
            for region in (None, KEC_A, KEC_B, DESA_A, DESA_B):
                assert queries.home_visits_per_desa(session, region, on) == \
                    queries.home_visits_per_desa(session, region, on, direct=True), (region, on)
                until = on + dt.timedelta(days=200)
                assert forecast.residents_turning_17_by_kecamatan(session, region, on, until) == \
                    forecast.residents_turning_17_by_kecamatan(session, region, on, until, direct=True), (region, on)
                assert forecast.residents_turning_17(session, region, on, until) == \
                    forecast.residents_turning_17(session, region, on, until, direct=True), (region, on)
            for campaign in session.execute(sa.select(models.Campaign)).scalars():
                for kec in (None, KEC_A):
                    assert queries.campaign_progress(session, campaign, kec, on) == \
                        queries.campaign_progress(session, campaign, kec, on, direct=True)
                    assert queries.campaign_progress_by_kecamatan(session, campaign, kec, on) == \
                        queries.campaign_progress_by_kecamatan(session, campaign, kec, on, direct=True)
                    assert queries.recorded_per_day(session, campaign, kec, on) == \
                        queries.recorded_per_day(session, campaign, kec, on, direct=True)
                    first, last = campaign.start_date - ONE_DAY, on
                    assert forecast.recorded_between_by_kecamatan(session, campaign, kec, first, last) == \
                        forecast.recorded_between_by_kecamatan(session, campaign, kec, first, last, direct=True)
                    assert forecast.recorded_between(session, campaign, kec, first, last) == \
                        forecast.recorded_between(session, campaign, kec, first, last, direct=True)


def refuse_direct_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the residents-scanning aggregate fail: only the counters may answer."""
    def scan(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the summary scanned the residents")

    monkeypatch.setattr("ektp_admin.queries.outstanding.outstanding_counts_select", scan)
    monkeypatch.setattr("ektp_admin.queries.progress._recorded_select", scan)


# ------------------------------------------------------------------ the rule itself (no database)


def test_cells_follow_the_eligibility_rules_on_every_day_of_the_window() -> None:
    window = CounterWindow.around(REFERENCE_DATE)
    births = [dt.date(1956, 2, 29), dt.date(1956, 9, 21), dt.date(1999, 9, 22), dt.date(1999, 9, 21),
              dt.date(2000, 2, 29), dt.date(2001, 3, 1), dt.date(2010, 1, 1), dt.date(1940, 5, 5)]
    days = [REFERENCE_DATE + dt.timedelta(days=d) for d in range(-399, 5 * 366, 97)] + [
        dt.date(2017, 2, 28), dt.date(2017, 3, 1), dt.date(2020, 2, 29)]
    for born in births:
        for marital in (MaritalStatus.SINGLE, MaritalStatus.MARRIED):
            cells = list(counting.resident_cells(
                window, birth_date=born, marital_status=marital.value, citizenship="wni", departure=None,
                ktp_status=S.NOT_RECORDED.value, disabled=False, seriously_ill=False, away=False))
            for on in days:
                wajib = sum(1 for k, d in cells if k == counting.KIND_WAJIB_OUTSTANDING
                            and d <= birth_date_cutoff(on, WAJIB_KTP_AGE))
                lansia = sum(1 for k, d in cells if k == counting.KIND_LANSIA
                             and d <= birth_date_cutoff(on, 60))
                assert wajib == int(is_wajib_ktp(born, marital, on) or (marital != MaritalStatus.SINGLE
                                                                         and age_on(born, on) < 0)), (born, on)
                assert lansia == int(is_lansia(born, on)), (born, on)


# ------------------------------------------------------------------ every write path


@pytest.fixture
def people(app: Any, make_resident: Any) -> dict[str, int]:
    turns_17_tomorrow = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 17) + ONE_DAY
    return {
        "adult": make_resident("ADULT", birth_date=dt.date(1980, 1, 1)),
        "lansia": make_resident("LANSIA", birth_date=dt.date(1950, 1, 1), disabled=True),
        "away": make_resident("AWAY", birth_date=dt.date(1990, 1, 1), away=True, desa=DESA_B),
        "tomorrow": make_resident("BESOK", birth_date=turns_17_tomorrow),
        "married16": make_resident("NIKAH", birth_date=dt.date(2000, 3, 3), marital_status="married"),
        "recorded": make_resident("SUDAH", birth_date=dt.date(1985, 1, 1), status=S.RECORDED),
        "dup": make_resident("GANDA", birth_date=dt.date(1985, 2, 1), status=S.DUPLICATE),
    }


def test_a_resident_turning_17_tomorrow_counts_tomorrow_without_a_rebuild(
        app: Any, people: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    tomorrow = REFERENCE_DATE + ONE_DAY
    with app.app_context():
        session = models.db.session
        before = session.execute(sa.select(models.Counter.__table__)).all()
        refuse_direct_counts(monkeypatch)
        today_counts = queries.outstanding_totals(session, DESA_A, REFERENCE_DATE)
        tomorrow_counts = queries.outstanding_totals(session, DESA_A, tomorrow)
        assert tomorrow_counts.wajib == today_counts.wajib + 1
        assert tomorrow_counts.outstanding == today_counts.outstanding + 1
        assert tomorrow_counts.newly_17 == today_counts.newly_17 + 1
        assert session.execute(sa.select(models.Counter.__table__)).all() == before  # nothing rewritten
        monkeypatch.undo()
        assert today_counts == queries.outstanding_totals(session, DESA_A, REFERENCE_DATE, direct=True)
        assert tomorrow_counts == queries.outstanding_totals(session, DESA_A, tomorrow, direct=True)
    assert_counters_agree(app, REFERENCE_DATE, tomorrow, dt.date(2017, 9, 21))


def test_screens_read_the_counters(app: Any, people: dict[str, int], login_as: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client = login_as("admin")
    refuse_direct_counts(monkeypatch)
    assert client.get("/admin/outstanding/").status_code == 200


def test_edits_through_the_orm_keep_the_counters(app: Any, people: dict[str, int]) -> None:
    assert_counters_agree(app)
    changes: list[dict[str, Any]] = [
        {"ktp_status": S.ENROL_FAILED.value}, {"marital_status": "married"}, {"birth_date": dt.date(2001, 1, 1)},
        {"desa_code": DESA_B}, {"away": True}, {"seriously_ill": True}, {"citizenship": "wna_other"},
        {"departure": "moved_out", "departed_on": REFERENCE_DATE, "departure_note": "Surabaya"},
        {"ktp_status": S.DUPLICATE.value},
    ]
    for change in changes:
        with app.app_context():
            resident = models.db.session.get(models.Resident, people["adult"])
            for key, value in change.items():
                setattr(resident, key, value)
            models.db.session.commit()
        assert_counters_agree(app)
    with app.app_context():
        models.db.session.delete(models.db.session.get(models.Resident, people["lansia"]))
        models.db.session.commit()
    assert_counters_agree(app)
    with app.app_context():  # a rolled-back change leaves the counters as they were
        resident = models.db.session.get(models.Resident, people["away"])
        resident.ktp_status = S.RECORDED.value
        models.db.session.flush()
        models.db.session.rollback()
    assert_counters_agree(app)


def _visit(day: dt.date) -> models.Visit:
    return models.Visit(day=day, start_time=dt.time(8), end_time=dt.time(12), kind=VisitKind.VILLAGE_POST.value,
                        state=VisitState.DONE.value, kecamatan_code=KEC_A, desa_code=DESA_A)


def test_visit_results_through_the_services_keep_the_counters(app: Any, people: dict[str, int]) -> None:
    with app.app_context():
        session = models.db.session
        session.add(models.Campaign(name="Jemput bola", start_date=dt.date(2016, 9, 7),
                                    target_date=dt.date(2016, 10, 6), scope_code="35.10"))
        visit = _visit(dt.date(2016, 9, 15))
        session.add(visit)
        for key in ("adult", "away", "married16"):
            visit.results.append(models.VisitResult(resident_id=people[key], result=ResultKind.RECORDED.value))
        visit.results.append(models.VisitResult(resident_id=people["lansia"], result=ResultKind.DECEASED.value))
        services.apply_visit_results(session, visit, "clerk", REFERENCE_DATE)
        session.commit()
        visit_id = visit.id
    assert_counters_agree(app)
    with app.app_context():  # the visit moves to another day: its recordings move with it
        session = models.db.session
        session.get(models.Visit, visit_id).day = dt.date(2016, 9, 16)
        session.commit()
    assert_counters_agree(app)
    with app.app_context():  # a result removed gives the resident back their place
        session = models.db.session
        visit = session.get(models.Visit, visit_id)
        session.delete(next(r for r in visit.results if r.resident_id == people["adult"]))
        services.apply_visit_results(session, visit, "clerk", REFERENCE_DATE)
        session.commit()
    assert_counters_agree(app)
    with app.app_context():  # the whole visit removed
        session = models.db.session
        visit = session.get(models.Visit, visit_id)
        services.remove_visit_results(session, visit, "clerk", REFERENCE_DATE)
        session.delete(visit)
        session.commit()
    assert_counters_agree(app)


def test_the_resident_form_keeps_the_counters(app: Any, people: dict[str, int], login_as: Any) -> None:
    client = login_as("admin")
    page = client.get(f"/admin/residents/edit/?id={people['adult']}")
    assert page.status_code == 200
    from conftest import csrf_token

    html = page.get_data(as_text=True)
    with app.app_context():
        resident = models.db.session.get(models.Resident, people["adult"])
        form = {"csrf_token": csrf_token(html), "nik": resident.nik, "name": resident.name, "sex": resident.sex,
                "birth_date": "01-01-1980", "marital_status": "single", "citizenship": "wni",
                "desa": DESA_B, "ktp_status": S.ENROL_FAILED.value, "version": str(resident.version)}
    client.post(f"/admin/residents/edit/?id={people['adult']}", data=form)
    assert_counters_agree(app)


def test_the_population_import_and_status_sync_keep_the_counters(app: Any, runner: Any,
                                                                  people: dict[str, int]) -> None:
    result = runner.invoke(args=["ektp", "import-residents", str(DATA / "residents_siak_en.csv")])
    assert result.exit_code == 0, result.output
    assert_counters_agree(app)
    niks = ["3510010203750101", "3510016311780102", "3510011501990103", "3510024407500104"]
    with app.app_context():  # the file's moves start from "sent for enrolment"
        for resident in models.db.session.execute(sa.select(models.Resident)).scalars():
            if resident.nik in niks:
                resident.ktp_status = S.RECORDED.value if resident.nik == niks[0] else S.SENT.value
        models.db.session.commit()
    result = runner.invoke(args=["ektp", "import-statuses", str(DATA / "statuses.csv")])
    assert result.exit_code == 0, result.output
    assert_counters_agree(app)


def test_the_demo_leaves_the_counters_right(app: Any) -> None:
    from ektp_admin.demo import build_demo

    with app.app_context():
        build_demo(models.db, residents=1500, seed=5, reset=True)
    assert_counters_agree(app, REFERENCE_DATE, REFERENCE_DATE + ONE_DAY, dt.date(2016, 10, 6))


def test_check_names_the_desa_and_rebuild_mends_it(app: Any, runner: Any, people: dict[str, int]) -> None:
    assert runner.invoke(args=["ektp", "counters", "--check"]).exit_code == 0
    with app.app_context(), models.db.engine.begin() as conn:
        conn.execute(sa.update(models.Counter.__table__).where(models.Counter.desa_code == DESA_B)
                     .values(n=models.Counter.n + 5))
    result = runner.invoke(args=["ektp", "counters", "--check"])
    assert result.exit_code == 1
    assert f"Desa {DESA_B}" in result.output and f"Desa {DESA_A}" not in result.output
    result = runner.invoke(args=["ektp", "counters", "--rebuild", "--check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    assert_counters_agree(app)
    # A page mark off by one is named too, and set again by --rebuild.
    with app.app_context(), models.db.engine.begin() as conn:
        conn.execute(sa.update(models.ListMark).values(position=models.ListMark.position + 1))
    result = runner.invoke(args=["ektp", "counters", "--check"])
    assert result.exit_code == 1 and "Page mark of the regency: 1 residents before it stored, 0 counted" in result.output
    assert "agree" in result.output  # the counters themselves do
    assert runner.invoke(args=["ektp", "counters", "--rebuild", "--check"]).exit_code == 0
    assert_counters_agree(app)


def test_outside_the_window_the_summaries_count_directly(app: Any, people: dict[str, int]) -> None:
    with app.app_context():
        session = models.db.session
        far = REFERENCE_DATE + dt.timedelta(days=10 * 366)
        window = queries.counted.read_window(session)
        assert window is not None and not window.covers(far)
        assert queries.outstanding_totals(session, None, far) == \
            queries.outstanding_totals(session, None, far, direct=True)


def test_a_list_total_sums_under_the_window_it_reads_in_the_same_statement(app: Any, people: dict[str, int]) -> None:
    """``counted.under_window`` guesses the window last seen and reads the current one in
    the statement that sums: after the counters are rebuilt around another day (and after
    they are dropped), the totals are the direct counts, never a sum taken under the old
    window."""
    from ektp_admin import counters
    from ektp_admin.queries import counted

    def direct(on: dt.date) -> int:
        return queries.outstanding_totals(models.db.session, None, on, direct=True).outstanding

    later = REFERENCE_DATE + dt.timedelta(days=6 * 366)  # past the window (5 years ahead)
    with app.app_context():
        session = models.db.session
        assert queries.counted_outstanding(session, None, REFERENCE_DATE) == direct(REFERENCE_DATE)
        assert queries.counted_outstanding(session, None, later) is None  # outside the window
        old = counted._last_window[session.get_bind(models.Counter)]
        counters.rebuild(session.connection(), on=later, recentre=True)
        session.commit()
        assert counted._last_window[session.get_bind(models.Counter)] == old  # the guess is now stale
        assert queries.counted_outstanding(session, None, later) == direct(later)
        assert counted._last_window[session.get_bind(models.Counter)] != old
        assert queries.counted_outstanding(session.connection(), None, later) == direct(later)  # a Connection too
        counters.rebuild(session.connection(), on=REFERENCE_DATE, recentre=True)  # back, behind the guess
        session.commit()
        assert queries.outstanding_totals(session, None, REFERENCE_DATE) == \
            queries.outstanding_totals(session, None, REFERENCE_DATE, direct=True)
        assert counted._last_window[session.get_bind(models.Counter)] == old  # the totals read the window they summed under
        counters.rebuild(session.connection(), on=later, recentre=True)
        session.commit()
        assert queries.counted_outstanding(session, None, REFERENCE_DATE) is None  # before the new window
        session.execute(sa.delete(models.CounterWindow))
        session.commit()
        assert queries.counted_outstanding(session, None, later) is None  # dropped: count directly
        assert queries.counted_wajib_at_least(session, None, later, 1) is None


# ------------------------------------------------------------------ home visits


@pytest.fixture
def home_people(app: Any, make_resident: Any) -> dict[str, int]:
    """Each way into (and out of) the home-visit list, in two desa of one kecamatan."""
    back = REFERENCE_DATE - dt.timedelta(days=3)
    later = REFERENCE_DATE + dt.timedelta(days=40)
    turns_60_soon = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 60) + dt.timedelta(days=10)
    return {
        "lansia": make_resident("LANSIA", birth_date=dt.date(1940, 1, 1), rw="1", rt="2"),
        "lansia_ill": make_resident("LANSIA SAKIT", birth_date=dt.date(1945, 1, 1), seriously_ill=True, rw="1", rt="2"),
        "disabled": make_resident("DIFABEL", birth_date=dt.date(1990, 1, 1), disabled=True, rw="2", rt="1"),
        "disabled_child": make_resident("ANAK", birth_date=dt.date(2010, 1, 1), disabled=True),
        "disabled_married16": make_resident("NIKAH", birth_date=dt.date(2000, 3, 3), disabled=True,
                                            marital_status="married", desa=DESA_A2),
        "turns_60_soon": make_resident("HAMPIR", birth_date=turns_60_soon, desa=DESA_A2),
        "away_now": make_resident("MERANTAU", birth_date=dt.date(1944, 1, 1), away=True, away_until=later),
        "away_no_day": make_resident("PERGI", birth_date=dt.date(1944, 2, 1), away=True, disabled=True),
        "back": make_resident("PULANG", birth_date=dt.date(1943, 1, 1), away=True, away_until=back, desa=DESA_A2),
        "back_young": make_resident("PULANG MUDA", birth_date=dt.date(1980, 1, 1), away=True, away_until=back),
        "recorded_lansia": make_resident("SUDAH", birth_date=dt.date(1941, 1, 1), status=S.RECORDED),
        "efac_ill": make_resident("ULANG", birth_date=dt.date(1970, 1, 1), seriously_ill=True,
                                  status=S.ENROL_FAILED, desa=DESA_B),
        "wna": make_resident("ASING", birth_date=dt.date(1942, 1, 1), citizenship="wna_other"),
    }


def test_home_visits_from_the_counters_equal_a_direct_count(app: Any, home_people: dict[str, int],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    later = REFERENCE_DATE + dt.timedelta(days=41)  # "away until" passed; one more lansia
    with app.app_context():
        session = models.db.session
        direct = {on: queries.home_visits_per_desa(session, None, on, direct=True) for on in (REFERENCE_DATE, later)}
        assert direct[REFERENCE_DATE] == {DESA_A: 3, DESA_A2: 2, DESA_B: 1}
        assert direct[later] == {DESA_A: 4, DESA_A2: 3, DESA_B: 1}
        refuse_direct_counts(monkeypatch)
        for on in (REFERENCE_DATE, later):
            assert counted.usable_window(session, on, []) is not None  # the counters answer, not the fallback
            assert queries.home_visits_per_desa(session, None, on) == direct[on]
            assert queries.home_visit_count(session, KEC_A, on) == direct[on][DESA_A] + direct[on][DESA_A2]
            assert queries.home_visit_count(session, DESA_B, on) == 1
    monkeypatch.undo()
    assert_counters_agree(app, REFERENCE_DATE, later)
    with app.app_context():  # a change through the ORM moves the counters with it
        resident = models.db.session.get(models.Resident, home_people["disabled"])
        resident.away = True
        models.db.session.commit()
    assert_counters_agree(app, REFERENCE_DATE, later)


def test_a_home_visit_page_is_the_slice_of_the_whole_list(app: Any, home_people: dict[str, int]) -> None:
    with app.app_context():
        session = models.db.session
        for region in (None, KEC_A, DESA_A2):
            everyone = [r.id for r in session.execute(queries.home_visit_residents(session, region)).scalars()]
            per_desa = queries.home_visits_per_desa(session, region)
            assert sum(per_desa.values()) == len(everyone) > 0
            for offset in range(len(everyone) + 1):
                for size in (1, 2, 4):
                    page = queries.home_visit_page(session, region, None, per_desa, offset, size)
                    assert [r.id for r in page] == everyone[offset:offset + size], (region, offset, size)
