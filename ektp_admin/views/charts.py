"""Geometry of the server-drawn SVG bar chart of recordings per day.

The template draws it (``ektp_admin/progress/_forecast.html``): no script, no CDN,
and it prints. Every bar carries a ``<title>`` and the page a table of the same
numbers, for screen readers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 180
#: room left of the plot for the scale, and below it for the day labels
LEFT = 44
BOTTOM = 22
TOP = 8


@dataclass(frozen=True)
class Bar:
    day: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float
    #: the reference day: not over yet, drawn apart and left out of the pace
    today: bool
    #: print the day under this bar (every few days, so labels never overlap)
    labelled: bool


@dataclass(frozen=True)
class Line:
    value: float
    y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    bottom: float
    peak: int
    bars: list[Bar]
    pace: Line | None
    needed: Line | None
    ticks: list[Line]


def bar_chart(
    per_day: list[tuple[dt.date, int]],
    on: dt.date,
    pace: float | None = None,
    needed: float | None = None,
) -> BarChart:
    """Bars for ``per_day`` scaled to the largest of the counts, the pace and the need."""
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - 4
    peak = max([n for _, n in per_day] + [pace or 0, needed or 0, 1])
    peak_i = int(peak) if peak == int(peak) else int(peak) + 1
    n = max(len(per_day), 1)
    step = plot_w / n
    gap = min(2.0, step * 0.2)
    every = max(1, -(-n // 10))  # at most about ten day labels

    def y_of(value: float) -> float:
        return round(TOP + plot_h - plot_h * value / peak_i, 1)

    bars = []
    for i, (day, count) in enumerate(per_day):
        top = y_of(count)
        bars.append(Bar(
            day=day, count=count, x=round(LEFT + i * step + gap / 2, 1), y=top,
            width=round(step - gap, 1), height=round(TOP + plot_h - top, 1),
            today=day == on, labelled=i % every == 0 or i == n - 1,
        ))

    def line(value: float | None) -> Line | None:
        return Line(value, y_of(value)) if value else None

    ticks = [Line(v, y_of(v)) for v in sorted({0, peak_i // 2, peak_i})]
    return BarChart(WIDTH, HEIGHT, LEFT, TOP, TOP + plot_h, peak_i, bars, line(pace), line(needed), ticks)
