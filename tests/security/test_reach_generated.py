"""Access and reach, generated from what ``init_app`` registered (see reach_probe).

Every endpoint of every e-KTP screen is probed for every role against the
screen's grants, and as a clerk of kecamatan A against rows of kecamatan B in
every model. A screen added tomorrow is probed without anyone writing a test
for it; a screen over a model without a reach rule cannot be registered.
"""
from __future__ import annotations

from typing import Any

import pytest
from flask_admin import expose
from security.reach_probe import endpoints, probe, seed

from ektp_admin import get_state, models
from ektp_admin.access import ALL, EXPORT, READ, RULES, ByRoleOnly, Through
from ektp_admin.views import unguarded
from ektp_admin.views.base import EktpModelView
from ektp_admin.views.reports import EktpReportView


@pytest.fixture
def seeded(app: Any) -> Any:
    seed(app)
    return app


def test_every_registered_screen_has_grants_and_a_rule_for_what_it_shows(app: Any) -> None:
    views = get_state(app).admin._views
    assert unguarded(views) == []
    probed = {e.view.endpoint for e in endpoints(app)}
    screens = {v.endpoint for v in views if v.endpoint.startswith("ektp_") and v.endpoint != "ektp_home"}
    assert probed == screens, "every e-KTP screen is walked by the probe"


def test_every_path_of_every_screen_holds_for_every_role(seeded: Any) -> None:
    report = probe(seeded)
    assert not report.failures, "\n".join(report.failures)
    for view in get_state(seeded).admin._views:
        if view.endpoint.startswith("ektp_") and view.endpoint != "ektp_home":
            assert report.requests.get(view.endpoint, 0) >= 4, f"{view.endpoint} was hardly probed"


# ---------------------------------------------------------------------- a screen added in a fixture


class StatusHistoryView(EktpModelView):
    """A newcomer's screen: the status history, readable by everyone."""

    grants = {READ: ALL, EXPORT: ALL}
    column_list = ["changed_on", "new_status", "note"]


class LeakyStatusHistoryView(StatusHistoryView):
    """The same screen written wrong: its list and its lookup by id skip the reach."""

    def get_query(self) -> Any:
        return self.db.session.query(self.model)

    def get_count_query(self) -> Any:
        return self.db.session.query(models.db.func.count(self.model.id))

    def get_one(self, id: Any) -> Any:
        return self.db.session.get(self.model, int(id))


def _add_screen(app: Any, view_class: type) -> Any:
    admin = get_state(app).admin
    view = view_class(models.StatusChange, models.db, endpoint="ektp_status_history", url="status-history")
    admin.add_view(view)
    return view


def test_a_screen_over_a_model_without_a_rule_is_refused(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(RULES, models.StatusChange)
    with pytest.raises(LookupError, match="StatusChange has no reach rule"):
        _add_screen(app, StatusHistoryView)


def test_a_report_that_names_no_model_is_reported(app: Any) -> None:
    class NewReport(EktpReportView):
        grants = {READ: ALL}

        @expose("/")
        def index(self) -> str:
            return "report"

    problems = unguarded([NewReport(endpoint="ektp_new_report")])
    assert problems == ["ektp_new_report does not say which models it shows (EktpReportView.shows)"]


def test_a_screen_added_with_a_rule_is_probed_on_every_path(seeded: Any) -> None:
    app = seeded
    assert isinstance(RULES[models.StatusChange], Through)
    _add_screen(app, StatusHistoryView)
    walked = {e.method for e in endpoints(app) if e.view.endpoint == "ektp_status_history"}
    assert {"index_view", "details_view", "export", "delete_view", "edit_view", "create_view"} <= walked
    report = probe(app)
    assert not report.failures, "\n".join(report.failures)
    assert report.requests["ektp_status_history"] >= 20


def test_the_probe_catches_a_screen_that_skips_the_reach(seeded: Any) -> None:
    app = seeded
    _add_screen(app, LeakyStatusHistoryView)
    failures = [f for f in probe(app).failures if "status-history" in f or "ektp_status_history" in f]
    assert any("shows a row of kecamatan B" in f for f in failures), failures
    assert any("export has" in f for f in failures), failures
    assert any("expected 404" in f for f in failures), failures


def test_rows_by_role_only_are_the_screens_grants_business() -> None:
    assert isinstance(RULES[models.User], ByRoleOnly) and isinstance(RULES[models.AuditEntry], ByRoleOnly)
