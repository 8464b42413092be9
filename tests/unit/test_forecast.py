"""The campaign forecast on hand-made cases: late, on track, no pace yet, stalled,
finished, today not counted, the weekend rule, sorting by who is furthest behind."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.forecast import (  # noqa: E402
    Outlook,
    PaceWindow,
    finished_recording_days,
    forecast,
    nth_recording_day,
    pace_window,
)

START = date(2016, 9, 7)  # a Wednesday
TARGET = date(2016, 10, 6)
ON = date(2016, 9, 21)  # day 15 of the campaign: 14 days are over


def _forecast(on: date = ON, **kw):  # type: ignore[no-untyped-def]
    weekends = kw.pop("weekends", True)
    window = pace_window(START, TARGET, on, weekends)
    kw.setdefault("baseline", 56014)
    kw.setdefault("recorded", 15600)
    kw.setdefault("remaining", 40414)
    kw.setdefault("joining", 0)
    return forecast(start=START, target=TARGET, on=on, window=window, weekends=weekends, **kw)


def test_today_is_not_a_finished_day() -> None:
    window = pace_window(START, TARGET, ON)
    assert window == PaceWindow(date(2016, 9, 14), date(2016, 9, 20), 7)
    assert finished_recording_days(START, TARGET, ON) == 14
    assert finished_recording_days(START, TARGET, START) == 0  # the first day is not over yet


def test_a_young_campaign_measures_over_the_days_it_has() -> None:
    assert pace_window(START, TARGET, date(2016, 9, 10)) == PaceWindow(START, date(2016, 9, 9), 3)


def test_no_pace_before_a_day_is_over() -> None:
    f = _forecast(on=START, window_recorded=0, recorded=0, remaining=56014)
    assert f.outlook == Outlook.NO_PACE
    assert f.pace is None and f.projected_finish is None and not f.late
    assert f.days_done == 0 and f.share_cleared == 0.0


def test_on_track_the_brief_campaign() -> None:
    # 1,100 a day over the last week; 40,414 left -> 37 days: late for a 6 October target.
    f = _forecast(window_recorded=7700)
    assert f.pace == 1100.0
    assert f.share_cleared == 27.9
    assert f.projected_finish == ON + timedelta(days=37 - 1)
    assert f.outlook == Outlook.LATE and f.late
    assert f.days_late == (f.projected_finish - TARGET).days


def test_on_track_when_the_pace_suffices() -> None:
    f = _forecast(remaining=1000, recorded=55014, window_recorded=700)  # 100 a day, 10 days
    assert f.projected_finish == date(2016, 9, 30)  # 21..30 September: ten days, today included
    assert f.outlook == Outlook.ON_TRACK and not f.late and f.days_late is None


def test_finishing_on_the_target_day_is_not_late() -> None:
    days = (TARGET - ON).days + 1  # 16 days, today and the target included
    f = _forecast(remaining=days * 10, window_recorded=70)
    assert f.projected_finish == TARGET and f.outlook == Outlook.ON_TRACK
    g = _forecast(remaining=days * 10 + 1, window_recorded=70)
    assert g.projected_finish == TARGET + timedelta(days=1) and g.outlook == Outlook.LATE and g.days_late == 1


def test_residents_turning_17_join_the_work() -> None:
    f = _forecast(remaining=100, window_recorded=70, joining=60)  # 160 at 10 a day
    assert f.to_do == 160
    assert f.projected_finish == TARGET  # 16 days
    assert _forecast(remaining=100, window_recorded=70, joining=61).late


def test_stalled_is_late() -> None:
    f = _forecast(window_recorded=0)
    assert f.outlook == Outlook.STALLED and f.late
    assert f.pace == 0.0 and f.projected_finish is None


def test_finished() -> None:
    f = _forecast(remaining=0, recorded=56014, window_recorded=70)
    assert f.outlook == Outlook.FINISHED and not f.late and f.projected_finish is None
    assert f.share_cleared == 100.0


def test_no_baseline_has_no_share() -> None:
    assert _forecast(baseline=0, recorded=0, remaining=0, window_recorded=0).share_cleared is None


def test_after_the_target_the_window_ends_at_the_target() -> None:
    on = TARGET + timedelta(days=5)
    assert pace_window(START, TARGET, on).last == TARGET
    assert finished_recording_days(START, TARGET, on) == (TARGET - START).days + 1
    f = _forecast(on=on, remaining=10, window_recorded=7)
    assert f.projected_finish == on + timedelta(days=9) and f.late


# ------------------------------------------------------------------ weekends


def test_weekend_rule_window_skips_saturday_and_sunday() -> None:
    # 21 September 2016 is a Wednesday: the seven weekdays before it run from 12 September.
    window = pace_window(START, TARGET, ON, weekends=False)
    assert window == PaceWindow(date(2016, 9, 12), date(2016, 9, 20), 7)
    assert finished_recording_days(START, TARGET, ON, weekends=False) == 10


def test_weekend_rule_projection_skips_weekends() -> None:
    friday = date(2016, 9, 23)
    assert nth_recording_day(friday, 1, weekends=False) == friday
    assert nth_recording_day(friday, 2, weekends=False) == date(2016, 9, 26)  # Monday
    assert nth_recording_day(date(2016, 9, 24), 1, weekends=False) == date(2016, 9, 26)  # from a Saturday
    assert nth_recording_day(friday, 6, weekends=False) == date(2016, 9, 30)
    assert nth_recording_day(friday, 2, weekends=True) == date(2016, 9, 24)
    f = _forecast(remaining=100, window_recorded=70, weekends=False)  # 10 a day -> 10 weekdays
    assert f.projected_finish == date(2016, 10, 4)  # Wed 21 Sep + 10 weekdays, today included


def test_nth_recording_day_needs_a_positive_n() -> None:
    with pytest.raises(ValueError):
        nth_recording_day(ON, 0)


def test_sorting_puts_the_furthest_behind_first() -> None:
    finished = _forecast(remaining=0, window_recorded=7)
    on_track_early = _forecast(remaining=10, window_recorded=70)
    on_track_late = _forecast(remaining=150, window_recorded=70)
    late_a_little = _forecast(remaining=170, window_recorded=70)
    late_a_lot = _forecast(remaining=1000, window_recorded=70)
    stalled = _forecast(remaining=5, window_recorded=0)
    no_pace = _forecast(on=START, remaining=5, window_recorded=0)
    mixed = [finished, on_track_early, late_a_little, no_pace, stalled, on_track_late, late_a_lot]
    ordered = sorted(mixed, key=lambda f: f.behind_key)
    assert ordered == [stalled, late_a_lot, late_a_little, no_pace, on_track_late, on_track_early, finished]
