"""The Dinas teams' rotation on hand-made cases: kits, backlogs, weekends, clashes."""
from __future__ import annotations

import sys
from datetime import date, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import DeviceCondition, DeviceRole, VisitState  # noqa: E402
from ektp_admin.domain.roster import (  # noqa: E402
    DesaBacklog,
    RosterKit,
    RosterRow,
    RosterTeam,
    kits_for_post,
    post_hours,
    propose_roster,
    recording_days,
    roster_clashes,
    share_team_days,
)
from ektp_admin.domain.visits import Booking, RecordingHours, TeamBooking  # noqa: E402

MONDAY = date(2016, 9, 19)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]  # Monday to Sunday
TEAM_1, TEAM_2 = RosterTeam(1, "Dinas 1"), RosterTeam(2, "Dinas 2")
K_A, K_B, K_C = "35.10.01", "35.10.02", "35.10.03"


def kit(key: int, kecamatan: str, role: DeviceRole = DeviceRole.MOBILE,
        condition: DeviceCondition = DeviceCondition.WORKING, released: tuple[date, ...] = ()) -> RosterKit:
    return RosterKit(key, f"KIT-{key}", kecamatan, role, condition, frozenset(released))


def desa(kecamatan: str, n: int, outstanding: int) -> DesaBacklog:
    return DesaBacklog(f"{kecamatan}.20{n:02d}", kecamatan, outstanding)


def test_post_hours_stay_within_recording_hours():
    assert post_hours(RecordingHours()) == (time(8), time(16))
    assert post_hours(RecordingHours(time(9), time(14))) == (time(9), time(14))
    assert post_hours(RecordingHours(time(6), time(9))) == (time(8), time(9))


def test_weekends_are_roster_days_only_when_the_campaign_works_them():
    assert recording_days(WEEK[0], WEEK[-1], RecordingHours()) == WEEK
    assert recording_days(WEEK[0], WEEK[-1], RecordingHours(weekends=False)) == WEEK[:5]
    rows = propose_roster(WEEK, [TEAM_1], [desa(K_A, 1, 50)], [kit(1, K_A)], hours=RecordingHours(weekends=False))
    assert [r.day for r in rows] == WEEK[:5]
    rows = propose_roster(WEEK, [TEAM_1], [desa(K_A, 1, 50)], [kit(1, K_A)])
    assert [r.day for r in rows] == WEEK


def test_a_kit_in_repair_or_retired_or_a_standby_kit_not_released_is_never_proposed():
    day = MONDAY
    kits = [kit(1, K_A, condition=DeviceCondition.IN_REPAIR), kit(2, K_A, condition=DeviceCondition.RETIRED),
            kit(3, K_A, DeviceRole.STANDBY), kit(4, K_A, DeviceRole.STANDBY, released=(day + timedelta(days=1),))]
    assert kits_for_post(kits, day, time(8), time(16), []) == []
    # no kit may go out in A: the team goes to the smaller backlog of B, which has one
    rows = propose_roster([day], [TEAM_1], [desa(K_A, 1, 500), desa(K_B, 1, 5)], [*kits, kit(5, K_B)])
    assert [(r.kecamatan_code, r.kit.key) for r in rows] == [(K_B, 5)]
    # and without any kit anywhere: nothing is proposed
    assert propose_roster([day], [TEAM_1], [desa(K_A, 1, 500)], kits) == []


def test_a_standby_kit_released_for_the_day_may_go_out_that_day_only():
    released = kit(3, K_A, DeviceRole.STANDBY, released=(MONDAY,))
    rows = propose_roster(WEEK[:2], [TEAM_1], [desa(K_A, 1, 50)], [released])
    assert [(r.day, r.kit.key) for r in rows] == [(MONDAY, 3)]


def test_a_kit_booked_at_overlapping_hours_is_not_proposed_back_to_back_is():
    mobile = kit(1, K_A)
    busy = Booking(77, "KIT-1", MONDAY, time(15), time(17), VisitState.PLANNED)
    assert kits_for_post([mobile], MONDAY, time(8), time(16), [busy]) == []
    after = Booking(78, "KIT-1", MONDAY, time(16), time(17), VisitState.PLANNED)
    cancelled = Booking(79, "KIT-1", MONDAY, time(9), time(10), VisitState.CANCELLED)
    assert kits_for_post([mobile], MONDAY, time(8), time(16), [after, cancelled]) == [mobile]
    rows = propose_roster(WEEK[:2], [TEAM_1], [desa(K_A, 1, 50)], [mobile], kit_bookings=[busy])
    assert [r.day for r in rows] == [WEEK[1]]


def test_two_teams_never_share_a_kecamatan_day_unless_it_has_two_kits():
    backlog = [desa(K_A, 1, 900), desa(K_A, 2, 800), desa(K_B, 1, 10)]
    rows = propose_roster(WEEK[:3], [TEAM_1, TEAM_2], backlog, [kit(1, K_A), kit(2, K_B)])
    for day in WEEK[:3]:
        today = [r for r in rows if r.day == day]
        assert len({r.kit.key for r in today}) == len(today)
        assert len({r.kecamatan_code for r in today}) == len(today)  # one kit each: never together
    # with a second kit (a standby released for Monday) both teams may work A that day
    two = propose_roster([MONDAY], [TEAM_1, TEAM_2], backlog,
                         [kit(1, K_A), kit(3, K_A, DeviceRole.STANDBY, released=(MONDAY,)), kit(2, K_B)])
    assert [(r.team.key, r.kecamatan_code, r.kit.key) for r in two] == [(1, K_A, 1), (2, K_A, 3)]
    assert two[0].desa_code != two[1].desa_code  # two posts, the two largest backlogs
    assert roster_clashes(two) == {}


def test_a_bigger_backlog_gets_more_days_in_proportion_and_the_furthest_behind_goes_first():
    backlog = [desa(K_A, 1, 300), desa(K_B, 1, 100), desa(K_C, 1, 0)]
    assert share_team_days({K_A: 300, K_B: 100, K_C: 0}, 8) == {K_A: 6, K_B: 2}
    kits = [kit(1, K_A), kit(2, K_B), kit(3, K_C)]
    rows = propose_roster(WEEK + [WEEK[-1] + timedelta(days=1)], [TEAM_1], backlog, kits)
    places = [r.kecamatan_code for r in rows]
    assert places.count(K_A) == 6 and places.count(K_B) == 2 and K_C not in places
    assert places[0] == K_A  # furthest behind first
    assert places == [K_A] * 6 + [K_B] * 2  # a team stays on its kecamatan on consecutive days


def test_two_teams_rotate_with_consecutive_days_and_desa_posts_by_outstanding():
    backlog = [desa(K_A, 1, 40), desa(K_A, 2, 120), desa(K_A, 3, 80), desa(K_B, 1, 200), desa(K_B, 2, 40)]
    rows = propose_roster(WEEK[:4], [TEAM_1, TEAM_2], backlog, [kit(1, K_A), kit(2, K_B)])
    by_team = {t: [r for r in rows if r.team == t] for t in (TEAM_1, TEAM_2)}
    assert [r.kecamatan_code for r in by_team[TEAM_1]] == [K_A] * 4
    assert [r.kecamatan_code for r in by_team[TEAM_2]] == [K_B] * 4
    # in A: largest backlog first, then round again
    assert [r.desa_code[-4:] for r in by_team[TEAM_1]] == ["2002", "2003", "2001", "2002"]
    assert all((r.start, r.end) == (time(8), time(16)) for r in rows)


def test_a_team_already_booked_that_day_gets_no_row():
    elsewhere = TeamBooking(5, "Dinas 1", MONDAY, time(13), time(15), VisitState.PLANNED, "Sarongan")
    rows = propose_roster(WEEK[:2], [TEAM_1], [desa(K_A, 1, 50)], [kit(1, K_A)], team_bookings=[elsewhere])
    assert [r.day for r in rows] == [WEEK[1]]


def test_roster_clashes_name_a_team_or_a_kit_booked_twice_at_overlapping_hours():
    a_kit, b_kit = kit(1, K_A), kit(2, K_B)
    first = RosterRow(MONDAY, TEAM_1, K_A, "35.10.01.2001", a_kit, time(8), time(16))
    same_team = RosterRow(MONDAY, TEAM_1, K_B, "35.10.02.2001", b_kit, time(15), time(18))
    same_kit = RosterRow(MONDAY, TEAM_2, K_A, "35.10.01.2002", a_kit, time(9), time(10))
    next_day = RosterRow(WEEK[1], TEAM_1, K_A, "35.10.01.2001", a_kit, time(8), time(16))
    clashes = roster_clashes([first, same_team, same_kit, next_day])
    assert sorted(clashes) == [1, 2]
    assert [m.code for m in clashes[1]] == ["team_double_booked"]
    assert [m.code for m in clashes[2]] == ["device_double_booked"]
