"""The questions screens, exports and the CLI share, built once, here.

Split by question: :mod:`.clauses` (derived facts as SQL, regions, the reference
day), :mod:`.residents` (search), :mod:`.outstanding` (per desa and kecamatan),
:mod:`.home_visits`, :mod:`.progress` (campaign), :mod:`.kits` and
:mod:`.visits`. Every number shown in two places comes from one function here.
Queries return values and rows, never translated text (the views word them);
which rows a user reaches comes from :class:`ektp_admin.access.Reach`, never
re-derived here.
"""
from __future__ import annotations

from .clauses import (
    NEWLY_17_DEFAULT_DAYS,
    campaign_starts,
    lansia_clause,
    newly_17_since,
    newly_wajib_clause,
    outstanding_clause,
    outstanding_status_clause,
    reference_date,
    region_clause,
    region_covers,
    region_prefixes,
    since_for_region,
    wajib_clause,
)
from .home_visits import (
    cluster_part,
    home_visit_clause,
    home_visit_cluster_sizes,
    home_visit_count,
    home_visit_page,
    home_visit_residents,
    home_visits_per_desa,
)
from .kits import (
    DeviceWhereabouts,
    VisitBrief,
    device_count,
    device_whereabouts,
)
from .outstanding import (
    DesaOutstanding,
    KecamatanOutstanding,
    OutstandingCounts,
    counted_outstanding,
    counted_wajib_at_least,
    desa_count,
    next_visits,
    numeric_text_order,
    outstanding_by_desa,
    outstanding_by_kecamatan,
    outstanding_counts_select,
    outstanding_residents,
    outstanding_totals,
    rt_rw_order,
    sum_counts,
)
from .progress import (
    CampaignProgress,
    KecamatanProgress,
    campaign_choices,
    campaign_overlap_clause,
    campaign_progress,
    campaign_progress_by_kecamatan,
    campaign_region,
    latest_campaign,
    recorded_in_campaign,
    recorded_per_day,
    recording_days,
    running_campaign,
)
from .residents import (
    count_rows,
    resident_id_by_nik,
    resident_search_clause,
    resident_visit_results,
    visit_result_count,
)
from .visits import (
    device_bookings,
    kecamatan_names,
    planned_visit_clause,
    planned_visit_search_clause,
    recorded_count_clause,
    recorded_counts,
    visit_order,
    visit_results_with_residents,
)

__all__ = [
    "CampaignProgress", "DesaOutstanding", "DeviceWhereabouts", "KecamatanOutstanding", "KecamatanProgress",
    "NEWLY_17_DEFAULT_DAYS", "OutstandingCounts", "VisitBrief", "campaign_choices", "campaign_overlap_clause",
    "campaign_progress", "campaign_progress_by_kecamatan", "campaign_region", "campaign_starts", "cluster_part",
    "count_rows", "counted_outstanding", "counted_wajib_at_least", "desa_count", "device_bookings", "device_count",
    "device_whereabouts", "home_visit_clause", "home_visit_cluster_sizes", "home_visit_count", "home_visit_page",
    "home_visit_residents", "home_visits_per_desa", "kecamatan_names", "lansia_clause",
    "latest_campaign", "newly_17_since", "newly_wajib_clause", "next_visits",
    "numeric_text_order", "planned_visit_clause", "planned_visit_search_clause", "outstanding_by_desa", "outstanding_by_kecamatan", "outstanding_clause",
    "outstanding_counts_select", "outstanding_residents", "outstanding_status_clause", "outstanding_totals",
    "recorded_count_clause", "recorded_counts", "recorded_in_campaign", "recorded_per_day", "recording_days",
    "reference_date", "region_clause", "running_campaign", "region_covers", "region_prefixes", "resident_id_by_nik",
    "resident_search_clause", "resident_visit_results", "rt_rw_order", "since_for_region", "sum_counts",
    "visit_order", "visit_result_count", "visit_results_with_residents", "wajib_clause",
]
