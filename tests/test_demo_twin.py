"""The demo's recordings are a bulk twin of the services (see ``ektp_admin.demo``).

The same seed is loaded twice: once as it is, with its bulk visit logs, and once into
a fresh database without the campaign's visit logs (the residents as imported, before
any recording). Every done visit of the first is then entered into the second through
the ORM and ``services.apply_visit_results``, as the visit log's create form enters a
visit with its results. The residents' statuses and status dates, the visit results
and the status history must come out identical: what the bulk path wrote is what the
screens would have written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ektp_admin import models, services
from ektp_admin.demo import DEMO_TODAY, build_demo
from ektp_admin.demo.recording import record
from ektp_admin.demo.schedule import VisitScheduler
from ektp_admin.domain import RECORDING_STATUSES, KtpStatus, RuleViolation

Resident, StatusChange, Visit, VisitResult = models.Resident, models.StatusChange, models.Visit, models.VisitResult
#: Small, yet with EFAC residents recorded again and residents not at home or away.
RESIDENTS, SEED = 1000, 3
#: What a visit log's form holds (ids included: the replay enters the same visits).
VISIT_FIELDS = ("id", "day", "start_time", "end_time", "kind", "state", "kecamatan_code", "desa_code",
                "host_address", "host_resident_id", "team_id", "device_id", "campaign_id", "notes")


def recording_state(session: Any) -> dict[str, Any]:
    """Everything a recording decides, keyed so that ids the two paths give their own
    rows (results, status changes) do not matter. ``changed_at`` and ``updated_at`` are
    clocks (the bulk path has the evening of the visit, a form save the wall clock)."""
    residents = {r.id: tuple(r[1:]) for r in session.execute(sa.select(
        Resident.id, Resident.nik, Resident.ktp_status, Resident.ktp_status_changed_on,
        Resident.recorded_visit_id, Resident.version))}
    results = {(r.visit_id, r.resident_id): tuple(r[2:]) for r in session.execute(sa.select(
        VisitResult.visit_id, VisitResult.resident_id, VisitResult.result, VisitResult.counted_resident_id,
        VisitResult.previous_status, VisitResult.note))}
    linked = aliased(VisitResult)
    changes = sorted(tuple(c) for c in session.execute(
        sa.select(StatusChange.resident_id, StatusChange.old_status, StatusChange.new_status,
                  StatusChange.changed_on, StatusChange.changed_by, StatusChange.note,
                  linked.visit_id, linked.resident_id)
        .outerjoin(linked, linked.id == StatusChange.visit_result_id)))
    return {"residents": residents, "results": results, "changes": changes}


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[Any]:
    out = []
    for part in ("residents", "results"):
        for key in sorted(set(got[part]) | set(want[part])):
            if got[part].get(key) != want[part].get(key):
                out.append((part, key, got[part].get(key), want[part].get(key)))
    if got["changes"] != want["changes"]:
        out.append(("changes", sorted(set(got["changes"]) ^ set(want["changes"]))))
    return out


@pytest.fixture
def replay_app(tmp_path: Path) -> Any:
    """The standalone portal on a fresh SQLite database of its own."""
    from ektp_admin.standalone import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'replay.sqlite'}",
                      "EKTP_ADMIN_REFERENCE_DATE": DEMO_TODAY},
                     instance_path=str(tmp_path / "replay-instance"))
    yield app
    with app.app_context():
        models.db.session.remove()
        models.db.engine.dispose()


def test_demo_recordings_replayed_through_the_services_give_the_same_rows(
    app: Any, replay_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. The demo as it is: bulk visit logs.
    with app.app_context():
        build_demo(models.db, residents=RESIDENTS, seed=SEED)
        session = models.db.session
        bulk = recording_state(session)
        done = session.execute(sa.select(*(getattr(Visit, f) for f in VISIT_FIELDS))
                               .where(Visit.state == "done").order_by(Visit.id)).all()
        results = session.execute(sa.select(VisitResult.visit_id, VisitResult.resident_id, VisitResult.result,
                                            VisitResult.note).order_by(VisitResult.id)).all()
        teams = dict(session.execute(sa.select(models.Team.id, models.Team.name)).all())
        offices = {code: f"Petugas Kantor Kecamatan {name}" for code, name in
                   session.execute(sa.select(models.Kecamatan.code, models.Kecamatan.name))}

    recorded = [r for r in bulk["results"].values() if r[0] == "recorded"]
    assert len(recorded) >= 5
    assert any(r[2] == KtpStatus.ENROL_FAILED.value for r in recorded)  # an EFAC capture redone
    assert any(r[0] != "recorded" for r in bulk["results"].values())  # not at home, away, ...

    # 2. The same seed without the campaign's visit logs: residents as imported.
    with monkeypatch.context() as patch, replay_app.app_context():
        patch.setattr(VisitScheduler, "kecamatan", lambda self, *args: None)
        build_demo(models.db, residents=RESIDENTS, seed=SEED)
        before = recording_state(models.db.session)
    assert before["results"] == {} and before["changes"] == []
    # The same residents; only those the visits recorded stand elsewhere.
    assert {rid: r[0] for rid, r in before["residents"].items()} == \
        {rid: r[0] for rid, r in bulk["residents"].items()}
    moved = {rid for rid in bulk["residents"] if before["residents"][rid] != bulk["residents"][rid]}
    assert moved == {r[1] for r in recorded}

    # 3. Enter every done visit with its results through the services, as the form does.
    by_visit: dict[int, list[Any]] = {}
    for r in results:
        by_visit.setdefault(r.visit_id, []).append(r)
    with replay_app.app_context():
        session = models.db.session
        for row in done:
            visit = Visit(**{f: getattr(row, f) for f in VISIT_FIELDS})
            for r in by_visit[row.id]:
                visit.results.append(VisitResult(resident_id=r.resident_id, result=r.result, note=r.note))
            session.add(visit)
            entered_by = teams[row.team_id] if row.team_id is not None else offices[row.kecamatan_code]
            services.apply_visit_results(session, visit, entered_by, DEMO_TODAY)
            session.commit()
        replayed = recording_state(session)

    assert differences(replayed, bulk) == []


@pytest.mark.parametrize("status", list(KtpStatus))
def test_demo_record_refuses_what_the_service_refuses(status: KtpStatus) -> None:
    day = DEMO_TODAY
    if status in RECORDING_STATUSES:
        done = record(status, None, 12, day)
        assert (done.previous, done.status, done.on, done.visit_id, done.note) == \
            (status, KtpStatus.RECORDED, day, 12, services.recording_note(12))
        with pytest.raises(RuleViolation):  # another visit already counts the resident
            record(status, 7, 12, day)
    else:
        with pytest.raises(RuleViolation):
            record(status, None, 12, day)
