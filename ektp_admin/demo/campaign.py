"""The campaign the demo reproduces: its days, its shares, its row, what the load reports."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEMO_REGENCY",
    "DEMO_TODAY",
    "CAMPAIGN_START",
    "CAMPAIGN_TARGET",
    "OUTSTANDING_SHARE",
    "RECORDED_SHARE",
    "DONE_DAYS",
    "PLANNED_DAYS",
    "IMPORTED_AT",
    "PRESETS",
    "preset_counts",
    "DemoSummary",
    "campaign_row",
]

DEMO_REGENCY = "35.10"
#: The demo's "now": day 14 of the campaign. Run the portal with
#: EKTP_ADMIN_REFERENCE_DATE=2016-09-21 to see the campaign as it stood then.
DEMO_TODAY = dt.date(2016, 9, 21)
CAMPAIGN_START = dt.date(2016, 9, 7)
CAMPAIGN_TARGET = dt.date(2016, 10, 7)
#: Wajib-KTP residents never recorded before the campaign (56,014 of 1,288,630).
OUTSTANDING_SHARE = 56014 / 1288630
#: The article's regency exactly (``--preset banyuwangi``): wajib KTP residents on the
#: demo's day and, of them, those never recorded when the campaign began.
PRESETS: dict[str, tuple[int, int]] = {"banyuwangi": (1288630, 56014)}


def preset_counts(name: str, scale: float = 1.0) -> tuple[int, int]:
    """(wajib KTP, never recorded at the campaign's start) of a preset, scaled down
    for tests: ``scale=0.01`` gives 12,886 wajib and 560 outstanding, the same ratio."""
    wajib, outstanding = PRESETS[name]
    if not 0 < scale <= 1:
        raise ValueError("scale must be in (0, 1]")
    return round(wajib * scale), round(outstanding * scale)


#: Share of that backlog the first two weeks recorded (15,600 of 56,014).
RECORDED_SHARE = 15600 / 56014

#: Days with visit logs (the campaign's first two weeks) and days with planned visits.
DONE_DAYS = tuple(CAMPAIGN_START + dt.timedelta(days=i) for i in range(14))
PLANNED_DAYS = tuple(
    DEMO_TODAY + dt.timedelta(days=i) for i in range(1, (CAMPAIGN_TARGET - DEMO_TODAY).days + 1)
)

#: When the residents were imported from SIAK (created_at of the demo's rows).
IMPORTED_AT = dt.datetime(2016, 8, 1, 7, 30)


@dataclass
class DemoSummary:
    """What :func:`~ektp_admin.demo.build_demo` wrote (all counts as stored)."""

    seed: int
    residents: int = 0
    wajib: int = 0
    baseline_outstanding: int = 0
    recorded_in_campaign: int = 0
    other_results: int = 0
    visits_done: int = 0
    visits_planned: int = 0
    visits_cancelled: int = 0
    devices: int = 0
    teams: int = 0
    outreach: int = 0
    campaign_id: int | None = None
    seconds: float = 0.0

    @property
    def outstanding_now(self) -> int:
        return self.baseline_outstanding - self.recorded_in_campaign

    def lines(self) -> list[str]:
        wajib = self.wajib or 1
        base = self.baseline_outstanding or 1
        return [
            f"Residents: {self.residents:,} ({self.wajib:,} wajib KTP on {DEMO_TODAY:%d-%m-%Y}).",
            f"Backlog before the campaign: {self.baseline_outstanding:,} "
            f"({100 * self.baseline_outstanding / wajib:.2f} % of wajib KTP).",
            f"Recorded in the campaign's first two weeks: {self.recorded_in_campaign:,} "
            f"({100 * self.recorded_in_campaign / base:.1f} % of the backlog); "
            f"still outstanding: {self.outstanding_now:,}.",
            f"Visits: {self.visits_done:,} done, {self.visits_planned:,} planned, "
            f"{self.visits_cancelled:,} cancelled; {self.other_results:,} other results "
            f"(not at home, away, refused, capture failed).",
            f"Kits: {self.devices}; teams: {self.teams}; outreach records: {self.outreach:,}.",
            f"Done in {self.seconds:.1f} s. To see the campaign as of its day 14, run the "
            f"portal with EKTP_ADMIN_REFERENCE_DATE={DEMO_TODAY.isoformat()}.",
        ]


def campaign_row(campaign_id: int) -> dict[str, Any]:
    """The campaign's row; ``baseline_outstanding`` is filled in once the backlog is known."""
    return {
        "id": campaign_id,
        "name": "Jemput Bola Perekaman KTP-el Banyuwangi 2016",
        "start_date": CAMPAIGN_START,
        "target_date": CAMPAIGN_TARGET,
        "scope_code": DEMO_REGENCY,
        "baseline_outstanding": None,
        "notes": ("Target: semua wajib KTP yang belum rekam (56.014 dari 1.288.630) direkam "
                  "dalam sebulan. Dua tim Dinas berkeliling kecamatan; lansia, orang sakit dan "
                  "penyandang disabilitas direkam di rumah."),
        "version": 1, "created_at": dt.datetime(2016, 9, 5, 9, 0), "updated_at": dt.datetime(2016, 9, 5, 9, 0),
    }
