"""Will the campaign make its target? The pace of the last finished days, projected.

Plain numbers in, a :class:`Forecast` out; the query layer counts, this decides.

The rules:

- A day counts towards the pace only once it is over: the reference day ("today")
  is still under way, so its recordings so far are neither a full day nor a zero.
- The pace is the recordings of the last :data:`PACE_DAYS` finished recording days
  (fewer at the start of a campaign), divided by those days. Without weekends
  (``EKTP_ADMIN_RECORDING_WEEKENDS`` off) Saturdays and Sundays are neither in the
  window nor in the projection.
- The work left is the outstanding residents now plus those turning 17 before the
  target date (they join the backlog on their birthday).
- The projected finish is the recording day, counted from today (it is not over,
  so it still counts), by which the work left is done at that pace. Later than the
  target date: late. No recording at all in the window: stalled (late too).
  No finished day yet: no pace, no projection.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "PACE_DAYS",
    "Outlook",
    "PaceWindow",
    "Forecast",
    "is_recording_day",
    "finished_recording_days",
    "pace_window",
    "nth_recording_day",
    "forecast",
]

#: How many finished recording days the pace is measured over.
PACE_DAYS = 7
_SATURDAY = 5
_ONE_DAY = _dt.timedelta(days=1)


class Outlook(StrEnum):
    FINISHED = "finished"  # nothing left to record
    NO_PACE = "no_pace"  # no recording day is over yet
    STALLED = "stalled"  # nothing recorded over the pace window: never finishes at this pace
    ON_TRACK = "on_track"
    LATE = "late"


@dataclass(frozen=True)
class PaceWindow:
    """The finished recording days the pace is measured over (``days`` = 0: none yet)."""

    first: _dt.date | None
    last: _dt.date | None
    days: int


@dataclass(frozen=True)
class Forecast:
    on: _dt.date
    target_date: _dt.date
    baseline: int
    recorded: int
    remaining: int
    #: residents turning 17 after ``on`` and by the target date, still to record
    joining: int
    #: recording days of the campaign that are over (today not included)
    days_done: int
    window: PaceWindow
    window_recorded: int
    pace: float | None
    projected_finish: _dt.date | None
    outlook: Outlook

    @property
    def to_do(self) -> int:
        return self.remaining + self.joining

    @property
    def share_cleared(self) -> float | None:
        """Per cent of the starting backlog recorded (one decimal)."""
        return round(100.0 * self.recorded / self.baseline, 1) if self.baseline else None

    @property
    def late(self) -> bool:
        return self.outlook in (Outlook.LATE, Outlook.STALLED)

    @property
    def days_late(self) -> int | None:
        """Calendar days the projected finish lies after the target (None when not late or unknown)."""
        if self.outlook != Outlook.LATE or self.projected_finish is None:
            return None
        return (self.projected_finish - self.target_date).days

    @property
    def behind_key(self) -> tuple[int, int]:
        """Sort key, furthest behind first: stalled (biggest backlog first), late (most
        days late first), no pace yet, on track (latest finish first), finished."""
        if self.outlook == Outlook.STALLED:
            return (0, -self.to_do)
        if self.outlook == Outlook.LATE:
            return (1, -(self.days_late or 0))
        if self.outlook == Outlook.NO_PACE:
            return (2, -self.to_do)
        if self.outlook == Outlook.ON_TRACK and self.projected_finish is not None:
            return (3, -self.projected_finish.toordinal())
        return (4, 0)


def is_recording_day(day: _dt.date, weekends: bool = True) -> bool:
    return weekends or day.weekday() < _SATURDAY


def finished_recording_days(start: _dt.date, target: _dt.date, on: _dt.date, weekends: bool = True) -> int:
    """Recording days of the campaign from ``start`` to the day before ``on`` (and not
    past ``target``): the days that are over."""
    last = min(on - _ONE_DAY, target)
    if last < start:
        return 0
    return sum(1 for i in range((last - start).days + 1) if is_recording_day(start + i * _ONE_DAY, weekends))


def pace_window(
    start: _dt.date, target: _dt.date, on: _dt.date, weekends: bool = True, length: int = PACE_DAYS
) -> PaceWindow:
    """The last ``length`` finished recording days of the campaign (fewer at its start)."""
    day = min(on - _ONE_DAY, target)
    days: list[_dt.date] = []
    while day >= start and len(days) < length:
        if is_recording_day(day, weekends):
            days.append(day)
        day -= _ONE_DAY
    if not days:
        return PaceWindow(None, None, 0)
    return PaceWindow(days[-1], days[0], len(days))


def nth_recording_day(first: _dt.date, n: int, weekends: bool = True) -> _dt.date:
    """The ``n``-th recording day counting ``first`` itself (if it is one); n >= 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = first
    while not is_recording_day(day, weekends):
        day += _ONE_DAY
    if weekends:
        return day + (n - 1) * _ONE_DAY
    full_weeks, rest = divmod(n - 1, 5)
    day += _dt.timedelta(weeks=full_weeks)
    while rest:
        day += _ONE_DAY
        if is_recording_day(day, weekends):
            rest -= 1
    return day


def forecast(
    *,
    start: _dt.date,
    target: _dt.date,
    on: _dt.date,
    baseline: int,
    recorded: int,
    remaining: int,
    window: PaceWindow,
    window_recorded: int,
    joining: int = 0,
    weekends: bool = True,
) -> Forecast:
    """The outlook of one region of a campaign on day ``on`` (see the module's rules)."""
    to_do = remaining + joining
    pace: float | None = None
    finish: _dt.date | None = None
    if window.days > 0:
        pace = round(window_recorded / window.days, 1)
    if to_do <= 0:
        outlook = Outlook.FINISHED
    elif window.days == 0:
        outlook = Outlook.NO_PACE
    elif window_recorded <= 0:
        outlook = Outlook.STALLED
    else:
        days_needed = math.ceil(to_do * window.days / window_recorded)
        finish = nth_recording_day(max(on, start), days_needed, weekends)
        outlook = Outlook.LATE if finish > target else Outlook.ON_TRACK
    return Forecast(
        on=on,
        target_date=target,
        baseline=baseline,
        recorded=recorded,
        remaining=remaining,
        joining=joining,
        days_done=finished_recording_days(start, target, on, weekends),
        window=window,
        window_recorded=window_recorded,
        pace=pace,
        projected_finish=finish,
        outlook=outlook,
    )
