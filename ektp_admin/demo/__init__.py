"""Demo data: the 2016 "jemput bola" campaign of Kabupaten Banyuwangi (35.10).

:func:`build_demo` fills an empty database with a campaign as it stood on its day 14,
:data:`DEMO_TODAY` (2016-09-21): the regions, residents spread over the 217 desa and
kelurahan, two recording kits per kecamatan (one standby at the office, one mobile),
two Dinas teams with their own kits, kecamatan teams, the campaign (started
2016-09-07, target 2016-10-07), two weeks of visit logs and some visits planned for
the coming days, and outreach records (mosque, village hall, school) per desa.

The numbers follow the article the campaign comes from: before the campaign
56,014 of 1,288,630 wajib-KTP residents (4.35 %) had never been recorded, and the first
two weeks recorded 15,600 of them (27.85 % of that backlog). ``residents`` is the number
of Resident rows; as in Indonesia's age pyramid about 30 % are unmarried children under
17 (not wajib KTP), so the wajib population is about 70 % of it. Shares, not absolute
numbers, are reproduced: the backlog on :data:`DEMO_TODAY` is 4.35 % of whoever is wajib
KTP then, and :attr:`Campaign.baseline_outstanding` stores it.

Everything is derived from ``seed`` (one :class:`random.Random` per part of the load,
seeded from a string), so a seed gives the same residents, NIKs, visits and results
every time.

Speed and memory: residents are generated kecamatan by kecamatan and written in chunks
with SQLAlchemy Core executemany inserts (ids computed here, no RETURNING), so memory
stays bounded by a chunk plus one kecamatan's backlog, never by the population. Core
inserts bypass the ORM, so the audit trail's ``before_flush`` listener
(:mod:`ektp_admin.audit`) does not fire: a bulk demo load is not a clerk's change and
does not belong in the trail. The derived columns the ORM listeners would fill
(``name_key``, ``kecamatan_code``, ``counted_resident_id``) are filled here.

The whole load runs in one transaction: it either completes or leaves nothing behind.

Recordings: a bulk twin of the services. The screens move a resident's status through
:mod:`ektp_admin.services`, row by row with the ORM; the load cannot afford that, so
:mod:`.recording` writes the same rows in bulk but lets the same rules decide them:

* :func:`.recording.record` is the twin of the recording branch of
  :func:`ektp_admin.services.apply_result`: refused by
  :func:`~ektp_admin.domain.visits.check_recorded_result`, new status from
  :func:`~ektp_admin.domain.visits.status_after_recording`, dated on the visit's day,
  history note from :func:`~ektp_admin.services.recording_note`;
* :meth:`.recording.VisitLog._write_results` is the twin of
  :func:`ektp_admin.services.apply_visit_results` for a visit entered with its results
  (the create form): result rows with ``previous_status`` and ``counted_resident_id``
  (:func:`~ektp_admin.domain.visits.counted_resident_id`, the rule the model's listener
  applies), one status change per recording linked to its result (what
  :func:`~ektp_admin.services.link_recordings` does after the flush), and the resident's
  status, date, ``recorded_visit_id`` and ``version`` moved as the ORM would move them;
* :attr:`.recording.VisitLog.counted` is the twin of
  :func:`ektp_admin.services.other_recording_visit` (the load starts on an empty database).

``changed_by`` is the team that entered the log and ``changed_at`` the evening of the
visit, where a form save has the clerk and the clock. ``tests/test_demo_twin.py`` replays
every visit of a small demo through ``services.apply_visit_results`` on the same load
without its visits and requires identical statuses, dates, results and history. Statuses
*before* the campaign (:mod:`.pipeline`) are imported from SIAK, not moved in the portal:
they have no service twin and no history rows.

Modules, in the order the load uses them:

* :mod:`.campaign` the campaign's days and shares, its row, :class:`DemoSummary`
* :mod:`.vocabulary` names, places and notes the draws pick from
* :mod:`.draw` the seeded generators and fast draws
* :mod:`.store` ids, buffered Core inserts, sequences; ``--reset`` and the refusal check
* :mod:`.plan` residents per desa, who is outstanding, whom the campaign tried to record
* :mod:`.people` names, households, birth dates, KK and NIK numbers
* :mod:`.residents` one kecamatan's resident rows, desa by desa
* :mod:`.pipeline` each wajib resident's status before the campaign (the backlog)
* :mod:`.teams` kits, teams and the Dinas rotation
* :mod:`.schedule` grouping the tries into visits and booking them on the kits
* :mod:`.recording` visit rows, result rows and the status moves recordings cause
* :mod:`.outreach` outreach records per desa
* :mod:`.build` :func:`build_demo` and the :class:`~.build.Builder` running it all
"""
from __future__ import annotations

from .build import DemoDataExists, build_demo
from .campaign import (
    CAMPAIGN_START,
    CAMPAIGN_TARGET,
    DEMO_REGENCY,
    DEMO_TODAY,
    DONE_DAYS,
    OUTSTANDING_SHARE,
    PLANNED_DAYS,
    PRESETS,
    RECORDED_SHARE,
    DemoSummary,
    preset_counts,
)
from .store import DEFAULT_CHUNK, DEMO_TABLES, delete_demo_data, existing_data

__all__ = [
    "DEMO_REGENCY",
    "DEMO_TODAY",
    "CAMPAIGN_START",
    "CAMPAIGN_TARGET",
    "OUTSTANDING_SHARE",
    "RECORDED_SHARE",
    "DONE_DAYS",
    "PLANNED_DAYS",
    "DEFAULT_CHUNK",
    "DEMO_TABLES",
    "DemoDataExists",
    "PRESETS",
    "DemoSummary",
    "preset_counts",
    "build_demo",
    "delete_demo_data",
    "existing_data",
]
