"""The home-visit planner on hand-made cases: groups, hosts, kits and slots."""
from __future__ import annotations

import sys
from datetime import date, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import DeviceCondition, DeviceRole, ResultKind, VisitKind, VisitState  # noqa: E402
from ektp_admin.domain.home_visits import GROUP_MAX, Candidate  # noqa: E402
from ektp_admin.domain.planner import (  # noqa: E402
    Kit,
    plan_visits,
    session_minutes,
    usable_kits,
)
from ektp_admin.domain.visits import Booking, RecordingHours, VisitFacts, check_visit_progress  # noqa: E402

MONDAY = date(2016, 9, 19)
MOBILE = Kit(1, "MOB-1", DeviceRole.MOBILE, DeviceCondition.WORKING)
STANDBY = Kit(2, "STB-1", DeviceRole.STANDBY, DeviceCondition.WORKING)
REPAIR = Kit(3, "MOB-R", DeviceRole.MOBILE, DeviceCondition.IN_REPAIR)
RETIRED = Kit(4, "MOB-X", DeviceRole.MOBILE, DeviceCondition.RETIRED)


def people(n: int, start: int = 1) -> list[Candidate]:
    return [Candidate(start + i, date(1950, 1, 1 + i)) for i in range(n)]


def test_a_group_too_big_for_one_session_splits_each_part_with_its_host_and_its_own_slot():
    cluster = people(GROUP_MAX + 3)
    cluster[11] = Candidate(12, date(1960, 1, 1), seriously_ill=True)
    proposals = plan_visits([cluster], [MOBILE], [], first_day=MONDAY)
    assert [len(p.members) for p in proposals] == [GROUP_MAX, 3]
    assert proposals[0].host.key == 1  # the oldest of the first ten
    assert proposals[1].host.key == 12  # the seriously ill one hosts the second part
    assert sorted(c.key for p in proposals for c in p.members) == list(range(1, GROUP_MAX + 4))
    first, second = (p.slot for p in proposals)
    assert first is not None and second is not None
    assert (first.day, first.start) == (MONDAY, time(7, 0))
    # the second part waits for the first to end: one kit, no overlap
    assert second.day == MONDAY and second.start >= first.end
    assert proposals[0].kind == VisitKind.CLUSTER


def test_a_single_resident_is_a_home_visit():
    [proposal] = plan_visits([people(1)], [MOBILE], [], first_day=MONDAY)
    assert proposal.kind == VisitKind.HOME
    assert proposal.host.key == 1


def test_session_length_grows_with_the_group():
    assert session_minutes(1) == 60  # 30 setup + 10, on the 30-minute grid
    assert session_minutes(GROUP_MAX) == 150
    [proposal] = plan_visits([people(1)], [MOBILE], [], first_day=MONDAY)
    assert proposal.slot is not None
    assert (proposal.slot.start, proposal.slot.end) == (time(7, 0), time(8, 0))


def test_a_kit_in_repair_or_retired_or_on_standby_is_never_proposed():
    assert usable_kits([REPAIR, RETIRED, STANDBY, MOBILE], MONDAY) == [MOBILE]
    proposals = plan_visits([people(3), people(2, 10)], [REPAIR, RETIRED, STANDBY], [], first_day=MONDAY)
    assert [p.slot for p in proposals] == [None, None]
    proposals = plan_visits([people(3)] * 5, [REPAIR, STANDBY, MOBILE], [], first_day=MONDAY)
    assert {p.slot.kit.serial for p in proposals if p.slot} == {"MOB-1"}


def test_a_booked_slot_is_skipped():
    booked = [Booking(7, "MOB-1", MONDAY, time(7, 0), time(9, 0), VisitState.PLANNED)]
    [proposal] = plan_visits([people(2)], [MOBILE], booked, first_day=MONDAY)
    assert proposal.slot is not None
    assert (proposal.slot.day, proposal.slot.start, proposal.slot.end) == (MONDAY, time(9, 0), time(10, 0))
    # a cancelled visit holds nothing
    cancelled = [Booking(8, "MOB-1", MONDAY, time(7, 0), time(9, 0), VisitState.CANCELLED)]
    [proposal] = plan_visits([people(2)], [MOBILE], cancelled, first_day=MONDAY)
    assert proposal.slot is not None and proposal.slot.start == time(7, 0)
    # another kit's booking does not matter
    other = [Booking(9, "MOB-2", MONDAY, time(7, 0), time(9, 0), VisitState.PLANNED)]
    [proposal] = plan_visits([people(2)], [MOBILE], other, first_day=MONDAY)
    assert proposal.slot is not None and proposal.slot.start == time(7, 0)


def test_a_full_day_moves_to_the_next_day_and_no_slot_ends_after_recording_hours():
    hours = RecordingHours(time(8, 0), time(12, 0))
    booked = [Booking(1, "MOB-1", MONDAY, time(8, 0), time(10, 30), VisitState.PLANNED)]
    # 150 minutes do not fit between 10:30 and 12:00: the next day at 08:00
    [proposal] = plan_visits([people(GROUP_MAX)], [MOBILE], booked, first_day=MONDAY, hours=hours)
    assert proposal.slot is not None
    assert (proposal.slot.day, proposal.slot.start, proposal.slot.end) == (date(2016, 9, 20), time(8, 0), time(10, 30))
    proposals = plan_visits([people(1)] * 20, [MOBILE], [], first_day=MONDAY, hours=hours, days=2)
    slots = [p.slot for p in proposals if p.slot is not None]
    assert len(slots) == 8  # four one-hour visits a day, two days
    assert all(hours.start <= s.start and s.end <= hours.end for s in slots)
    assert [p.slot for p in proposals[8:]] == [None] * 12


def test_no_slot_on_a_weekend_without_recording():
    saturday = date(2016, 9, 24)
    hours = RecordingHours(time(8, 0), time(16, 0), weekends=False)
    [proposal] = plan_visits([people(1)], [MOBILE], [], first_day=saturday, hours=hours)
    assert proposal.slot is not None and proposal.slot.day == date(2016, 9, 26)
    [proposal] = plan_visits([people(1)], [MOBILE], [], first_day=saturday, hours=hours, days=2)
    assert proposal.slot is None


def test_invited_rows_may_wait_on_a_planned_visit_but_not_on_a_done_one():
    ahead = VisitFacts(None, date(2016, 9, 30), time(8, 0), time(9, 0), VisitState.PLANNED,
                       (ResultKind.INVITED, ResultKind.INVITED))
    assert check_visit_progress(ahead, MONDAY) == []
    done = VisitFacts(1, MONDAY, time(8, 0), time(9, 0), VisitState.DONE, (ResultKind.INVITED, ResultKind.RECORDED))
    assert [m.code for m in check_visit_progress(done, MONDAY)] == ["visit_done_with_invited"]
