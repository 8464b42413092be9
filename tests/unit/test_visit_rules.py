"""Recording hours, device bookings and "recorded" visit results."""
from __future__ import annotations

import sys
from datetime import date, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import DeviceCondition, KtpStatus, ResultKind, VisitKind, VisitState  # noqa: E402
from ektp_admin.domain.messages import RuleViolation  # noqa: E402
from ektp_admin.domain.visits import (  # noqa: E402
    Booking,
    DateWindow,
    RecordingHours,
    Region,
    TeamBooking,
    VisitFacts,
    VisitPlace,
    check_device_booking,
    check_recorded_result,
    check_team_booking,
    check_visit_date,
    check_visit_place,
    check_visit_progress,
    check_visit_schedule,
    check_visit_time,
    overlaps,
    status_after_recording,
    status_after_removing_recording,
    visit_kecamatan_code,
)

FRIDAY = date(2016, 9, 16)
SATURDAY = date(2016, 9, 17)
SUNDAY = date(2016, 9, 18)
HOURS = RecordingHours()
WEEKDAYS_ONLY = RecordingHours(weekends=False)


def test_default_hours() -> None:
    assert HOURS == RecordingHours(time(7, 0), time(20, 0), True)


def test_hours_must_end_after_start() -> None:
    with pytest.raises(ValueError):
        RecordingHours(time(20, 0), time(7, 0))


@pytest.mark.parametrize(
    ("day", "start", "end", "hours", "codes"),
    [
        (FRIDAY, time(7, 0), time(20, 0), HOURS, []),  # the whole day, both edges
        (FRIDAY, time(6, 59), time(9, 0), HOURS, ["visit_too_early"]),
        (FRIDAY, time(19, 0), time(20, 1), HOURS, ["visit_too_late"]),
        (FRIDAY, time(6, 0), time(21, 0), HOURS, ["visit_too_early", "visit_too_late"]),
        (FRIDAY, time(10, 0), time(10, 0), HOURS, ["visit_end_before_start"]),
        (FRIDAY, time(10, 0), time(9, 0), HOURS, ["visit_end_before_start"]),
        (SATURDAY, time(8, 0), time(12, 0), HOURS, []),  # weekends included by default
        (SUNDAY, time(8, 0), time(12, 0), HOURS, []),
        (SATURDAY, time(8, 0), time(12, 0), WEEKDAYS_ONLY, ["visit_weekend"]),
        (SUNDAY, time(8, 0), time(12, 0), WEEKDAYS_ONLY, ["visit_weekend"]),
        (FRIDAY, time(8, 0), time(12, 0), WEEKDAYS_ONLY, []),
        (FRIDAY, time(7, 30), time(16, 0), RecordingHours(time(8, 0), time(16, 0)), ["visit_too_early"]),
    ],
)
def test_check_visit_time(day: date, start: time, end: time, hours: RecordingHours, codes: list[str]) -> None:
    assert [m.code for m in check_visit_time(day, start, end, hours)] == codes


def test_visit_time_texts() -> None:
    assert [str(m) for m in check_visit_time(SATURDAY, time(6, 59), time(20, 1), WEEKDAYS_ONLY)] == [
        "Recording starts at 07:00; this visit starts at 06:59.",
        "Recording ends at 20:00; this visit ends at 20:01.",
        "17-09-2016 is a weekend day, and recording is not scheduled on weekends.",
    ]
    assert str(check_visit_time(FRIDAY, time(10, 0), time(9, 30), HOURS)[0]) == (
        "The visit must end after it starts (start 10:00, end 09:30)."
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((time(8, 0), time(10, 0)), (time(10, 0), time(12, 0)), False),  # touching
        ((time(10, 0), time(12, 0)), (time(8, 0), time(10, 0)), False),  # touching, other side
        ((time(8, 0), time(10, 0)), (time(9, 59), time(12, 0)), True),  # one minute over
        ((time(8, 0), time(12, 0)), (time(9, 0), time(10, 0)), True),  # containing
        ((time(9, 0), time(10, 0)), (time(8, 0), time(12, 0)), True),  # contained
        ((time(8, 0), time(10, 0)), (time(8, 0), time(10, 0)), True),  # identical
        ((time(8, 0), time(9, 0)), (time(13, 0), time(14, 0)), False),  # disjoint
    ],
)
def test_overlaps(a: tuple[time, time], b: tuple[time, time], expected: bool) -> None:
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected


def booking(visit_id: int | None, start: time, end: time, *, state: VisitState = VisitState.PLANNED,
            serial: str = "KIT-3510-01", day: date = FRIDAY) -> Booking:
    return Booking(visit_id, serial, day, start, end, state)


CANDIDATE = booking(None, time(9, 0), time(12, 0))
OTHERS_CASES = [
    ("disjoint", [booking(11, time(13, 0), time(15, 0))], []),
    ("touching before", [booking(11, time(7, 0), time(9, 0))], []),
    ("touching after", [booking(11, time(12, 0), time(14, 0))], []),
    ("containing", [booking(11, time(8, 0), time(13, 0))], [11]),
    ("contained", [booking(11, time(10, 0), time(11, 0))], [11]),
    ("partly", [booking(12, time(11, 30), time(13, 0))], [12]),
    ("done visit still claims the kit", [booking(11, time(10, 0), time(11, 0), state=VisitState.DONE)], [11]),
    ("cancelled other ignored", [booking(11, time(10, 0), time(11, 0), state=VisitState.CANCELLED)], []),
    ("other device", [booking(11, time(10, 0), time(11, 0), serial="KIT-3510-02")], []),
    ("other day", [booking(11, time(10, 0), time(11, 0), day=SATURDAY)], []),
    ("two clashes, sorted by time", [booking(14, time(11, 0), time(12, 0)), booking(13, time(9, 30), time(10, 0)),
                                     booking(15, time(12, 0), time(13, 0))], [13, 14]),
]


@pytest.mark.parametrize(("label", "others", "clashing"), OTHERS_CASES, ids=[c[0] for c in OTHERS_CASES])
def test_device_booking_clashes(label: str, others: list[Booking], clashing: list[int]) -> None:
    errors = check_device_booking(DeviceCondition.WORKING, CANDIDATE, others)
    assert [m.code for m in errors] == ["device_double_booked"] * len(clashing)
    assert [m.params["visit"] for m in errors] == clashing


def test_device_booking_clash_text() -> None:
    (message,) = check_device_booking(
        DeviceCondition.WORKING, CANDIDATE, [booking(12, time(8, 0), time(9, 30))]
    )
    assert str(message) == "Device KIT-3510-01 is already booked for visit #12 on 16-09-2016 from 08:00 to 09:30."


def test_device_booking_ignores_own_visit() -> None:
    saved = booking(11, time(9, 0), time(12, 0))
    moved = booking(11, time(10, 0), time(13, 0))  # editing visit 11 itself
    assert check_device_booking(DeviceCondition.WORKING, moved, [saved]) == []
    assert [m.params["visit"] for m in check_device_booking(
        DeviceCondition.WORKING, moved, [saved, booking(12, time(12, 30), time(14, 0))])] == [12]


def test_unsaved_candidate_clashes_with_unsaved_other() -> None:
    (message,) = check_device_booking(DeviceCondition.WORKING, CANDIDATE, [booking(None, time(10, 0), time(11, 0))])
    assert str(message) == "Device KIT-3510-01 is already booked for another visit on 16-09-2016 from 10:00 to 11:00."


def test_cancelled_candidate_is_never_refused() -> None:
    cancelled = booking(20, time(9, 0), time(12, 0), state=VisitState.CANCELLED)
    assert check_device_booking(DeviceCondition.RETIRED, cancelled, [booking(11, time(9, 0), time(12, 0))]) == []


@pytest.mark.parametrize(
    ("condition", "codes"),
    [
        (DeviceCondition.WORKING, []),
        (DeviceCondition.IN_REPAIR, ["device_in_repair"]),
        (DeviceCondition.RETIRED, ["device_retired"]),
    ],
)
def test_device_condition_blocks_planned_visits(condition: DeviceCondition, codes: list[str]) -> None:
    assert [m.code for m in check_device_booking(condition, CANDIDATE, [])] == codes


def test_device_condition_texts() -> None:
    assert str(check_device_booking(DeviceCondition.IN_REPAIR, CANDIDATE, [])[0]) == (
        "Device KIT-3510-01 is in repair and cannot be used for a visit."
    )
    assert str(check_device_booking(DeviceCondition.RETIRED, CANDIDATE, [])[0]) == (
        "Device KIT-3510-01 is retired and cannot be used for a visit."
    )


def test_device_in_repair_and_clashing_reports_both() -> None:
    errors = check_device_booking(DeviceCondition.IN_REPAIR, CANDIDATE, [booking(11, time(8, 0), time(10, 0))])
    assert [m.code for m in errors] == ["device_in_repair", "device_double_booked"]


def test_done_visit_stays_editable_after_kit_went_to_repair() -> None:
    done = booking(11, time(9, 0), time(12, 0), state=VisitState.DONE)
    assert check_device_booking(DeviceCondition.IN_REPAIR, done, []) == []
    assert [m.code for m in check_device_booking(
        DeviceCondition.IN_REPAIR, done, [booking(12, time(11, 0), time(13, 0))])] == ["device_double_booked"]


# -- teams ---------------------------------------------------------------------------

def team_booking(visit_id: int | None, start: time, end: time, *, state: VisitState = VisitState.PLANNED,
                 team: str = "Tim Pesanggaran", day: date = FRIDAY, place: str = "SUMBERAGUNG") -> TeamBooking:
    return TeamBooking(visit_id, team, day, start, end, state, place)


TEAM_CANDIDATE = team_booking(None, time(9, 0), time(12, 0))
TEAM_CASES = [
    ("disjoint", [team_booking(11, time(13, 0), time(15, 0))], []),
    ("back to back", [team_booking(11, time(7, 0), time(9, 0)), team_booking(12, time(12, 0), time(14, 0))], []),
    ("containing", [team_booking(11, time(8, 0), time(13, 0))], [11]),
    ("partly", [team_booking(12, time(11, 30), time(13, 0))], [12]),
    ("done visit still holds the team", [team_booking(11, time(10, 0), time(11, 0), state=VisitState.DONE)], [11]),
    ("cancelled other ignored", [team_booking(11, time(10, 0), time(11, 0), state=VisitState.CANCELLED)], []),
    ("other team", [team_booking(11, time(10, 0), time(11, 0), team="Tim Dinas")], []),
    ("other day", [team_booking(11, time(10, 0), time(11, 0), day=SATURDAY)], []),
    ("own saved visit ignored", [team_booking(None, time(1, 0), time(2, 0)), team_booking(11, time(9, 0), time(12, 0))],
     []),
    ("two clashes, sorted by time", [team_booking(14, time(11, 0), time(12, 0)), team_booking(13, time(9, 30), time(10, 0))],
     [13, 14]),
]


@pytest.mark.parametrize(("label", "others", "clashing"), TEAM_CASES, ids=[c[0] for c in TEAM_CASES])
def test_team_booking_clashes(label: str, others: list[TeamBooking], clashing: list[int]) -> None:
    candidate = team_booking(11, time(9, 0), time(12, 0)) if label == "own saved visit ignored" else TEAM_CANDIDATE
    errors = check_team_booking(candidate, others)
    assert [m.code for m in errors] == ["team_double_booked"] * len(clashing)
    assert [m.params["visit"] for m in errors] == clashing


def test_team_booking_clash_text_names_the_other_visit() -> None:
    (message,) = check_team_booking(TEAM_CANDIDATE, [team_booking(12, time(8, 0), time(9, 30), place="KANDANGAN")])
    assert str(message) == (
        "Team Tim Pesanggaran is already at visit #12 in KANDANGAN on 16-09-2016 from 08:00 to 09:30."
    )
    (unsaved,) = check_team_booking(TEAM_CANDIDATE, [team_booking(None, time(10, 0), time(11, 0))])
    assert str(unsaved) == (
        "Team Tim Pesanggaran is already at another visit in SUMBERAGUNG on 16-09-2016 from 10:00 to 11:00."
    )


def test_cancelled_visit_never_holds_its_team() -> None:
    cancelled = team_booking(20, time(9, 0), time(12, 0), state=VisitState.CANCELLED)
    assert check_team_booking(cancelled, [team_booking(11, time(9, 0), time(12, 0))]) == []


# -- where a visit is ---------------------------------------------------------------

KEC_A = Region("35.10.01", "PESANGGARAN")
KEC_B = Region("35.10.02", "BANGOREJO")
DESA_A = Region("35.10.01.2001", "SUMBERAGUNG")


@pytest.mark.parametrize(
    ("label", "place", "codes", "kecamatan"),
    [
        ("desa gives the kecamatan", VisitPlace(VisitKind.VILLAGE_POST, DESA_A, KEC_A), [], "35.10.01"),
        ("desa and its own kecamatan", VisitPlace(VisitKind.VILLAGE_POST, DESA_A, KEC_A, KEC_A), [], "35.10.01"),
        ("desa of another kecamatan", VisitPlace(VisitKind.VILLAGE_POST, DESA_A, KEC_A, KEC_B),
         ["visit_desa_elsewhere"], "35.10.01"),
        ("the desa wins over the clerk's own", VisitPlace(VisitKind.VILLAGE_POST, DESA_A, KEC_A,
                                                          own_kecamatan_code="35.10.02"), [], "35.10.01"),
        ("village post without desa", VisitPlace(VisitKind.VILLAGE_POST, kecamatan=KEC_A), ["visit_needs_desa"],
         "35.10.01"),
        ("office with its kecamatan", VisitPlace(VisitKind.OFFICE, kecamatan=KEC_B), [], "35.10.02"),
        ("office takes the clerk's kecamatan", VisitPlace(VisitKind.OFFICE, own_kecamatan_code="35.10.01"), [],
         "35.10.01"),
        ("office chosen over the clerk's own", VisitPlace(VisitKind.OFFICE, kecamatan=KEC_B,
                                                          own_kecamatan_code="35.10.01"), [], "35.10.02"),
        ("office with nothing", VisitPlace(VisitKind.OFFICE), ["visit_needs_kecamatan"], None),
        ("home visit with its host", VisitPlace(VisitKind.HOME, DESA_A, KEC_A, has_host=True), [], "35.10.01"),
        ("home visit without host", VisitPlace(VisitKind.HOME, DESA_A, KEC_A), ["visit_needs_host"], "35.10.01"),
        ("cluster without desa nor host", VisitPlace(VisitKind.CLUSTER), ["visit_needs_desa", "visit_needs_host"],
         None),
        ("office needs no host", VisitPlace(VisitKind.OFFICE, kecamatan=KEC_A), [], "35.10.01"),
    ],
)
def test_visit_place(label: str, place: VisitPlace, codes: list[str], kecamatan: str | None) -> None:
    assert [m.code for m in check_visit_place(place)] == codes
    assert visit_kecamatan_code(place) == kecamatan


def test_visit_place_texts() -> None:
    texts = [str(m) for m in check_visit_place(VisitPlace(VisitKind.VILLAGE_POST, DESA_A, KEC_A, KEC_B))]
    assert texts == ["SUMBERAGUNG is in kecamatan PESANGGARAN, not BANGOREJO."]
    (needs_desa, needs_host) = check_visit_place(VisitPlace(VisitKind.HOME))
    assert needs_desa.params["kind"] is VisitKind.HOME  # the view shows its translated label
    assert str(needs_host) == (
        "A home or cluster visit needs its host: the resident whose house it is, or the address."
    )
    assert str(check_visit_place(VisitPlace(VisitKind.OFFICE))[0]) == (
        "Choose the kecamatan of this office visit (or its desa/kelurahan)."
    )


# -- which day -----------------------------------------------------------------------

SEPTEMBER = DateWindow(date(2016, 9, 1), date(2016, 9, 30), "Jemput Bola September")
CONFIGURED = DateWindow(date(2011, 1, 1), date(2100, 12, 31))


@pytest.mark.parametrize(
    ("day", "window", "codes"),
    [
        (date(2016, 9, 1), SEPTEMBER, []),  # both edges belong to the window
        (date(2016, 9, 30), SEPTEMBER, []),
        (date(2016, 8, 31), SEPTEMBER, ["visit_outside_campaign"]),
        (date(2016, 10, 1), SEPTEMBER, ["visit_outside_campaign"]),
        (date(1, 1, 1), CONFIGURED, ["visit_date_too_early"]),
        (date(9999, 12, 31), CONFIGURED, ["visit_date_too_late"]),
        (date(2011, 1, 1), CONFIGURED, []),
        (date(2100, 12, 31), CONFIGURED, []),
        (date(9999, 12, 31), DateWindow(None, None), []),  # both ends open
        (date(1, 1, 1), DateWindow(None, date(2100, 12, 31)), []),
    ],
)
def test_check_visit_date(day: date, window: DateWindow, codes: list[str]) -> None:
    assert [m.code for m in check_visit_date(day, window)] == codes


def test_visit_date_texts() -> None:
    assert str(check_visit_date(date(2016, 10, 3), SEPTEMBER)[0]) == (
        "The visit on 03-10-2016 is outside campaign Jemput Bola September, which runs from 01-09-2016 "
        "to 30-09-2016: change the day, or choose another campaign."
    )
    assert str(check_visit_date(date(1, 1, 1), CONFIGURED)[0]) == (
        "The visit on 01-01-0001 is too early: visits can be logged from 01-01-2011."
    )
    assert str(check_visit_date(date(9999, 12, 31), CONFIGURED)[0]) == (
        "The visit on 31-12-9999 is too far ahead: visits can be logged until 31-12-2100."
    )


# -- state and results against today --------------------------------------------------

TODAY = date(2016, 9, 21)


def facts(day: date = FRIDAY, state: VisitState = VisitState.DONE, results: tuple[ResultKind, ...] = (),
          start: time = time(9, 0), end: time = time(12, 0), visit_id: int | None = None) -> VisitFacts:
    return VisitFacts(visit_id, day, start, end, state, results)


@pytest.mark.parametrize(
    ("visit", "codes"),
    [
        (facts(), []),
        (facts(day=TODAY), []),  # today has taken place
        (facts(day=date(2016, 9, 22)), ["visit_done_in_future"]),
        (facts(day=date(2016, 9, 22), state=VisitState.PLANNED), []),
        (facts(day=date(2016, 9, 22), state=VisitState.PLANNED, results=(ResultKind.NOT_HOME,)),
         ["visit_results_in_future"]),
        (facts(day=date(2016, 9, 22), results=(ResultKind.RECORDED,)),
         ["visit_done_in_future", "visit_results_in_future"]),
        (facts(state=VisitState.CANCELLED, results=(ResultKind.NOT_HOME,)), []),
        (facts(state=VisitState.CANCELLED, results=(ResultKind.NOT_HOME, ResultKind.RECORDED)),
         ["visit_cancelled_with_recordings"]),
    ],
)
def test_check_visit_progress(visit: VisitFacts, codes: list[str]) -> None:
    assert [m.code for m in check_visit_progress(visit, TODAY)] == codes


def test_visit_progress_texts() -> None:
    texts = [str(m) for m in check_visit_progress(facts(day=date(2016, 9, 22), results=(ResultKind.AWAY,)), TODAY)]
    assert texts == [
        "The visit on 22-09-2016 has not taken place yet, so it cannot be marked done.",
        "The visit on 22-09-2016 has not taken place yet: enter its results once it has.",
    ]
    (cancelled,) = check_visit_progress(facts(state=VisitState.CANCELLED, results=(ResultKind.RECORDED,)), TODAY)
    assert str(cancelled) == (
        'A visit with "recorded" results cannot be cancelled: change or remove those results first.'
    )


# -- all of a visit's schedule at once ------------------------------------------------

def test_schedule_reports_every_rule_in_reading_order() -> None:
    visit = facts(day=date(2016, 10, 3), state=VisitState.DONE, start=time(6, 0), end=time(10, 0))
    codes = [m.code for m in check_visit_schedule(
        visit, today=TODAY, window=SEPTEMBER,
        device=(DeviceCondition.WORKING, "KIT-3510-01", [booking(11, time(8, 0), time(9, 0), day=date(2016, 10, 3))]),
        team=("Tim Pesanggaran", [team_booking(12, time(9, 0), time(11, 0), day=date(2016, 10, 3))]),
    )]
    assert codes == ["visit_too_early", "visit_outside_campaign", "device_double_booked", "team_double_booked",
                     "visit_done_in_future"]


def test_schedule_skips_bookings_while_the_hours_make_no_sense() -> None:
    visit = facts(start=time(12, 0), end=time(9, 0))
    codes = [m.code for m in check_visit_schedule(
        visit, today=TODAY,
        device=(DeviceCondition.WORKING, "KIT-3510-01", [booking(11, time(8, 0), time(13, 0))]),
        team=("Tim Pesanggaran", [team_booking(12, time(8, 0), time(13, 0))]),
    )]
    assert codes == ["visit_end_before_start"]


def test_schedule_without_device_or_team_checks_neither() -> None:
    assert check_visit_schedule(facts(), today=TODAY) == []


def test_schedule_ignores_the_visits_own_bookings() -> None:
    visit = facts(visit_id=11)
    assert check_visit_schedule(
        visit, today=TODAY,
        device=(DeviceCondition.WORKING, "KIT-3510-01", [booking(11, time(9, 0), time(12, 0))]),
        team=("Tim Pesanggaran", [team_booking(11, time(9, 0), time(12, 0))]),
    ) == []


# -- "recorded" results ------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "other_visit", "texts"),
    [
        (KtpStatus.NOT_RECORDED, None, []),
        (KtpStatus.ENROL_FAILED, None, []),  # EFAC: capture must be redone
        (KtpStatus.RECORDED, 12, ["This resident was already recorded in visit #12."]),
        (KtpStatus.NOT_RECORDED, 12, ["This resident was already recorded in visit #12."]),
        (KtpStatus.RECORDED, None, ["This resident is already recorded (status: recorded)."]),
        (KtpStatus.PRINTED, None, ["This resident is already recorded (status: printed)."]),
        (KtpStatus.SENT, None, ["This resident is already recorded (status: sent)."]),
        (KtpStatus.DUPLICATE, None, ["This resident is already recorded (status: duplicate)."]),
        (KtpStatus.HANDED_OVER, None, ["This resident is already recorded (status: handed_over)."]),
    ],
)
def test_check_recorded_result(status: KtpStatus, other_visit: int | None, texts: list[str]) -> None:
    assert [str(m) for m in check_recorded_result(status, other_visit)] == texts


def test_already_recorded_status_param_carries_label() -> None:
    (message,) = check_recorded_result(KtpStatus.PRINTED, None)
    assert message.code == "already_recorded_status"
    assert message.params["status"] is KtpStatus.PRINTED
    assert message.params["status"].label == "Printed"


@pytest.mark.parametrize("status", [KtpStatus.NOT_RECORDED, KtpStatus.ENROL_FAILED, "not_recorded"])
def test_status_after_recording(status: KtpStatus) -> None:
    assert status_after_recording(status) is KtpStatus.RECORDED


@pytest.mark.parametrize(
    "status",
    [KtpStatus.RECORDED, KtpStatus.SENT, KtpStatus.PRINT_READY, KtpStatus.PRINTED,
     KtpStatus.HANDED_OVER, KtpStatus.DUPLICATE],
)
def test_recording_twice_is_refused(status: KtpStatus) -> None:
    with pytest.raises(RuleViolation) as excinfo:
        status_after_recording(status)
    assert [m.code for m in excinfo.value.messages] == ["already_recorded_status"]


@pytest.mark.parametrize("previous", [KtpStatus.NOT_RECORDED, KtpStatus.ENROL_FAILED])
def test_removing_recording_restores_previous(previous: KtpStatus) -> None:
    assert status_after_removing_recording(KtpStatus.RECORDED, previous) is previous


@pytest.mark.parametrize(
    "current",
    [KtpStatus.SENT, KtpStatus.PRINT_READY, KtpStatus.PRINTED, KtpStatus.HANDED_OVER,
     KtpStatus.ENROL_FAILED, KtpStatus.DUPLICATE, KtpStatus.NOT_RECORDED],
)
def test_undo_after_record_moved_on_is_refused(current: KtpStatus) -> None:
    with pytest.raises(RuleViolation) as excinfo:
        status_after_removing_recording(current, KtpStatus.NOT_RECORDED)
    assert [m.code for m in excinfo.value.messages] == ["recording_undo_too_late"]
    assert excinfo.value.messages[0].params["status"] is current


def test_undo_after_sfe_text() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        status_after_removing_recording(KtpStatus.SENT, KtpStatus.NOT_RECORDED)
    assert str(excinfo.value) == (
        'The "recorded" result cannot be removed: the KTP-el has already moved on to sent, '
        "which cannot be undone from a visit log."
    )


def test_undo_with_impossible_previous_is_refused() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        status_after_removing_recording(KtpStatus.RECORDED, KtpStatus.PRINTED)
    assert [m.code for m in excinfo.value.messages] == ["recording_undo_bad_previous"]


# ------------------------------------------------------------------ the standby kit


from ektp_admin.domain.enums import DeviceRole  # noqa: E402
from ektp_admin.domain.visits import StandbyRelease, check_standby_kit  # noqa: E402


def _standby(**kw):  # type: ignore[no-untyped-def]
    values = dict(role=DeviceRole.STANDBY, kecamatan_kit=True, kind=VisitKind.VILLAGE_POST,
                  state=VisitState.PLANNED, serial="KIT-STB", day=FRIDAY, release=None)
    values.update(kw)
    return [m.code for m in check_standby_kit(**values)]


@pytest.mark.parametrize("kind", [VisitKind.VILLAGE_POST, VisitKind.HOME, VisitKind.CLUSTER])
def test_standby_kit_stays_at_the_office(kind: VisitKind) -> None:
    assert _standby(kind=kind) == ["device_standby"]
    assert _standby(kind=kind, state=VisitState.DONE) == ["device_standby"]


def test_standby_kit_at_the_office_cancelled_mobile_or_dinas_is_fine() -> None:
    assert _standby(kind=VisitKind.OFFICE) == []
    assert _standby(state=VisitState.CANCELLED) == []
    assert _standby(role=DeviceRole.MOBILE) == []
    assert _standby(kecamatan_kit=False) == []  # the Dinas' kits follow its teams


def test_a_release_for_that_day_lets_the_standby_kit_out() -> None:
    release = StandbyRelease(FRIDAY, "mobile kit in repair", "supervisor")
    assert _standby(release=release) == []
    assert _standby(release=StandbyRelease(SATURDAY, "another day", "supervisor")) == ["device_standby"]


def test_standby_message_names_the_kit_and_the_day() -> None:
    (message,) = check_standby_kit(role=DeviceRole.STANDBY, kecamatan_kit=True, kind=VisitKind.HOME,
                                   state=VisitState.PLANNED, serial="KIT-STB", day=FRIDAY, release=None)
    assert message.params == {"serial": "KIT-STB", "date": "16-09-2016"}


from ektp_admin.domain.kits import KecamatanKitFacts, KitProblem, kit_rule_problems  # noqa: E402


@pytest.mark.parametrize(
    ("standby", "mobile", "out", "problems"),
    [
        (1, 1, 0, []),
        (2, 1, 0, []),
        (1, 1, 1, [KitProblem.STANDBY_OUT]),  # even when released: the office has no kit today
        (0, 1, 0, [KitProblem.NO_STANDBY]),  # the standby kit is in repair
        (1, 0, 0, [KitProblem.NO_MOBILE]),
        (0, 0, 0, [KitProblem.NO_STANDBY, KitProblem.NO_MOBILE]),  # no kits at all
        (1, 0, 1, [KitProblem.STANDBY_OUT, KitProblem.NO_MOBILE]),
    ],
)
def test_kit_rule_problems(standby: int, mobile: int, out: int, problems: list[KitProblem]) -> None:
    assert kit_rule_problems(KecamatanKitFacts(standby, mobile, out)) == problems
