"""Probes generated from what ``init_app`` registered: every endpoint of every
e-KTP screen, for every role, against the screen's declared grants and the
reach rule of every model it shows.

Nothing here names a screen. A screen added tomorrow is walked the same way:

- grants: each exposed method's action (``view.action_for``) decides whether a
  role gets 403 (not granted), the login page (nobody signed in) or an answer
  that is neither a refusal nor a server error (granted);
- reach, for a clerk of kecamatan A, with rows of kecamatan B seeded under the
  marker ``ASING`` in every model: no page, CSV or picker answer shows the
  marker; details/edit/delete/bulk action/inline edit of a B row is a 404; a
  report asked for B's kecamatan or desa is a 404 or shows nothing of B;
  a list's total and an export's row count equal a direct count over the rows
  the model's rule reaches; every option of a filter over a foreign key lies
  within reach.

:func:`probe` returns the failures as sentences (empty: all held), and how many
requests it made per screen, so a test can also check that a screen was probed.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from security.ektp_support import DESA_A, DESA_B, KEC_A, KEC_B, add, make_nik, sign_in, token_for

from ektp_admin import get_state, models
from ektp_admin.access import RULES, ByRoleOnly, EktpAccess, Reach, rule_for

MARKER = "ASING"
ROLES = ("admin", "supervisor", "clerk", None)
CLERK_REACH = Reach(kecamatan_code=KEC_A)
#: values for URL arguments, the clerk's own and kecamatan B's
OWN_ARGS = {"desa_code": DESA_A, "export_type": "csv"}
FOREIGN_ARGS = {"desa_code": DESA_B, "export_type": "csv"}
#: query arguments a report reads to pick a region, with B's values
FOREIGN_QUERY = {"kecamatan": KEC_B, "desa": DESA_B}


def seed(app: Any) -> None:
    """Rows of every model in kecamatan A (own) and B (foreign, named ``ASING``), and the Dinas'."""
    birth = dt.date(1980, 5, 17)
    own_resident = models.Resident(
        nik=make_nik(birth, "L", KEC_A), name="WARGA SENDIRI", sex="L", birth_date=birth, desa_code=DESA_A,
        kecamatan_code=KEC_A, marital_status="married", citizenship="wni", ktp_status="not_recorded")
    foreign_resident = models.Resident(
        nik=make_nik(birth, "L", KEC_B), name=f"{MARKER} WARGA", sex="L", birth_date=birth, desa_code=DESA_B,
        kecamatan_code=KEC_B, marital_status="married", citizenship="wni", ktp_status="not_recorded",
        address=f"JL {MARKER}", away=True, away_location=f"Rantau {MARKER}", away_until=dt.date(2017, 6, 20))
    own_team = models.Team(name="Tim Sendiri", kind="kecamatan", kecamatan_code=KEC_A)
    foreign_team = models.Team(name=f"Tim {MARKER}", kind="kecamatan", kecamatan_code=KEC_B)
    dinas_team = models.Team(name="Tim Dinas", kind="dinas", kecamatan_code=None)
    own_team.members.append(models.TeamMember(name="ANGGOTA SENDIRI", position="operator"))
    foreign_team.members.append(models.TeamMember(name=f"{MARKER} ANGGOTA", position="operator"))
    own_device = models.Device(serial_number="KIT-SENDIRI", owner_kind="kecamatan", owner_kecamatan_code=KEC_A)
    foreign_device = models.Device(serial_number=f"KIT-{MARKER}", owner_kind="kecamatan", owner_kecamatan_code=KEC_B,
                                   location=f"Kantor {MARKER}")
    dinas_device = models.Device(serial_number="KIT-DINAS", owner_kind="dinas", owner_kecamatan_code=None)
    (own_resident_id, foreign_resident_id, own_team_id, foreign_team_id, _, own_device_id, foreign_device_id, _) = add(
        app, own_resident, foreign_resident, own_team, foreign_team, dinas_team, own_device, foreign_device,
        dinas_device)
    hours = {"start_time": dt.time(8, 0), "end_time": dt.time(12, 0), "state": "done", "day": dt.date(2016, 9, 20)}
    own_visit = models.Visit(kind="village_post", kecamatan_code=KEC_A, desa_code=DESA_A, notes="kunjungan sendiri",
                             team_id=own_team_id, device_id=own_device_id, **hours)
    foreign_visit = models.Visit(kind="home", kecamatan_code=KEC_B, desa_code=DESA_B, notes=f"kunjungan {MARKER}",
                                 host_address=f"Rumah {MARKER}", team_id=foreign_team_id,
                                 device_id=foreign_device_id, **hours)
    own_visit_id, foreign_visit_id = add(app, own_visit, foreign_visit)
    # planned ones, which the outreach form's visit picker offers (B's never to the clerk of A)
    planned = {**hours, "state": "planned", "day": dt.date(2016, 9, 24)}
    own_planned_id, foreign_planned_id = add(
        app, models.Visit(kind="village_post", kecamatan_code=KEC_A, desa_code=DESA_A, host_address="Balai Sendiri",
                          **planned),
        models.Visit(kind="village_post", kecamatan_code=KEC_B, desa_code=DESA_B, host_address=f"Balai {MARKER}",
                     **planned))
    add(app,
        models.DeviceRelease(device_id=own_device_id, day=dt.date(2016, 9, 21), reason="tim keliling sendiri",
                             released_by="supervisor"),
        models.DeviceRelease(device_id=foreign_device_id, day=dt.date(2016, 9, 21), reason=f"rilis {MARKER}",
                             released_by="supervisor"))
    add(app,
        models.VisitResult(visit_id=own_visit_id, resident_id=own_resident_id, result="not_home"),
        models.VisitResult(visit_id=foreign_visit_id, resident_id=foreign_resident_id, result="not_home",
                           note=MARKER),
        models.StatusChange(resident_id=own_resident_id, old_status="not_recorded", new_status="not_recorded",
                            changed_on=dt.date(2016, 9, 1), changed_by="admin"),
        models.StatusChange(resident_id=foreign_resident_id, old_status="not_recorded", new_status="not_recorded",
                            changed_on=dt.date(2016, 9, 1), changed_by="admin", note=MARKER),
        models.Outreach(desa_code=DESA_A, kecamatan_code=KEC_A, channel="mosque", held_on=dt.date(2016, 9, 10),
                        by_whom="Takmir Sendiri", visit_id=own_planned_id),
        models.Outreach(desa_code=DESA_B, kecamatan_code=KEC_B, channel="mosque", held_on=dt.date(2016, 9, 10),
                        by_whom=f"Takmir {MARKER}", visit_id=foreign_planned_id),
        models.Campaign(name="Kampanye Kabupaten", start_date=dt.date(2016, 9, 1), target_date=dt.date(2016, 9, 30),
                        scope_code="35.10"),
        models.Campaign(name=f"Kampanye {MARKER}", start_date=dt.date(2016, 9, 1), target_date=dt.date(2016, 9, 30),
                        scope_code=KEC_B))
    # The pipeline's failures, on the EFAC and DUP worklists: B's must never reach the clerk.
    failed = {"sex": "P", "birth_date": birth, "marital_status": "married", "citizenship": "wni",
              "ktp_status_changed_on": dt.date(2016, 9, 10)}
    add(app,
        models.Resident(nik=make_nik(birth, "P", KEC_A), name="GAGAL SENDIRI", desa_code=DESA_A, kecamatan_code=KEC_A,
                        ktp_status="enrol_failed", **failed),
        models.Resident(nik=make_nik(birth, "P", KEC_B), name=f"{MARKER} GAGAL", desa_code=DESA_B,
                        kecamatan_code=KEC_B, ktp_status="enrol_failed", **failed),
        models.Resident(nik=make_nik(birth, "P", KEC_B), name=f"{MARKER} GANDA", desa_code=DESA_B,
                        kecamatan_code=KEC_B, ktp_status="duplicate", **failed),
        # Imports are the regency's (admins and supervisors): rows by role only.
        models.ImportJob(kind="residents", file_name=f"{MARKER}.csv", state="done", username="admin"))


# ---------------------------------------------------------------------- walking


@dataclass
class Endpoint:
    view: Any
    method: str
    rule: Any
    action: str

    @property
    def name(self) -> str:
        return f"{self.view.endpoint}.{self.method}"

    @property
    def is_get(self) -> bool:
        return "GET" in (self.rule.methods or ())


def endpoints(app: Any) -> Iterator[Endpoint]:
    """Every URL rule of every access-checked e-KTP screen of the app's Admin."""
    for view in get_state(app).admin._views:
        if not isinstance(view, EktpAccess):
            continue
        for rule in app.url_map.iter_rules():
            prefix, _, method = rule.endpoint.partition(".")
            if prefix == view.endpoint and method:
                yield Endpoint(view, method, rule, view.action_for(method))


def shown_models(view: Any) -> list[Any]:
    return [view.model] if hasattr(view, "model") else list(getattr(view, "shows", ()))


def row_keys(app: Any, model: Any, reach: Reach, *, reachable: bool = True) -> list[str]:
    """Primary keys of ``model`` the reach does (or does not) cover, straight from SQL."""
    pk = model.__mapper__.primary_key[0]
    clause = reach.clause(model)
    with app.app_context():
        rows = models.db.session.execute(sa.select(pk).where(clause if reachable else sa.not_(clause)))
        return [str(value) for (value,) in rows]


# ---------------------------------------------------------------------- probing


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def count(self, view: Any) -> None:
        self.requests[view.endpoint] = self.requests.get(view.endpoint, 0) + 1

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.failures.append(message)


def _url(endpoint: Endpoint, args: dict[str, str], query: str = "") -> str:
    values = {}
    for name in endpoint.rule.arguments:
        if name not in args:
            raise AssertionError(f"the probe cannot fill <{name}> of {endpoint.name}: teach reach_probe.py")
        values[name] = args[name]
    path = endpoint.rule.build(values, append_unknown=False)[1]
    return path + (("?" + query) if query else "")


def _send(client: Any, endpoint: Endpoint, url: str, data: dict[str, Any] | None = None) -> Any:
    if endpoint.is_get and data is None:
        response = client.get(url)
    else:
        response = client.post(url, data={**(data or {}), "csrf_token": token_for(client)})
    response.get_data()  # exports stream: read them whole
    return response


def probe(app: Any) -> Report:
    report = Report()
    for role in ROLES:
        client = app.test_client()
        if role:
            sign_in(client, role)
        for endpoint in endpoints(app):
            _probe_grant(client, role, endpoint, report)
    clerk = sign_in(app.test_client(), "clerk")
    for endpoint in endpoints(app):
        _probe_reach(app, clerk, endpoint, report)
    for view in {e.view for e in endpoints(app)}:
        _probe_counts(app, clerk, view, report)
        _probe_pickers(app, clerk, view, report)
        _probe_filters(app, view, report)
    return report


def _probe_grant(client: Any, role: str | None, endpoint: Endpoint, report: Report) -> None:
    view = endpoint.view
    url = _url(endpoint, OWN_ARGS)
    # POST endpoints get an id nothing has: a granted role gets a 404 or a
    # re-shown form, never a refusal, and nothing is removed.
    data = None if endpoint.is_get else {"id": "999999", "rowid": "999999", "list_form_pk": "999999"}
    response = _send(client, endpoint, url, data)
    report.count(view)
    status = response.status_code
    where = f"{role or 'anonymous'} {endpoint.rule.rule} ({endpoint.action})"
    report.check(status < 500, f"{where}: server error {status}")
    granted = role is not None and role in {r.value for r in view.grants.get(endpoint.action, ())}
    if role is None:
        report.check(status in (302, 401) and "/login" in response.headers.get("Location", "/login"),
                     f"{where}: {status} for nobody signed in (expected the login page)")
    elif not granted:
        report.check(status == 403, f"{where}: {status} without the grant (expected 403)")
    else:
        report.check(status not in (401, 403), f"{where}: refused ({status}) although granted")


def _leaks(response: Any) -> bool:
    return MARKER in response.get_data(as_text=True)


def _probe_reach(app: Any, clerk: Any, endpoint: Endpoint, report: Report) -> None:
    view = endpoint.view
    if "clerk" not in {r.value for r in view.grants.get(endpoint.action, ())}:
        return  # refused outright, checked by _probe_grant
    where = f"clerk {endpoint.rule.rule}"
    foreign_models = [m for m in shown_models(view) if not isinstance(rule_for(m), ByRoleOnly)]
    if hasattr(view, "model") and view.model in foreign_models:
        foreign = row_keys(app, view.model, CLERK_REACH, reachable=False)
        report.check(bool(foreign), f"{view.endpoint}: no {view.model.__name__} row outside kecamatan A to probe "
                                    "with: seed one in reach_probe.seed")
        for key in foreign[:2]:
            if endpoint.is_get:
                response = _send(clerk, endpoint, _url(endpoint, OWN_ARGS, f"id={key}"))
                if endpoint.method in ("details_view", "edit_view"):
                    report.check(response.status_code == 404,
                                 f"{where}?id={key} (kecamatan B): {response.status_code}, expected 404")
            else:
                data = {"id": key, "rowid": key, "list_form_pk": key, "action": next(iter(view._actions_data), "x")}
                response = _send(clerk, endpoint, _url(endpoint, OWN_ARGS, f"id={key}"), data)
                report.check(response.status_code in (403, 404),
                             f"{where} with B's id {key}: {response.status_code}, expected 404")
            report.count(view)
            report.check(not _leaks(response), f"{where} with B's id {key} shows {MARKER}")
    if endpoint.is_get:
        response = _send(clerk, endpoint, _url(endpoint, OWN_ARGS))
        report.count(view)
        report.check(not _leaks(response), f"{where} shows a row of kecamatan B ({MARKER})")
        if any(name in FOREIGN_ARGS and FOREIGN_ARGS[name] != OWN_ARGS[name] for name in endpoint.rule.arguments):
            response = _send(clerk, endpoint, _url(endpoint, FOREIGN_ARGS))
            report.count(view)
            report.check(response.status_code == 404,
                         f"{where} for kecamatan B's desa: {response.status_code}, expected 404")
        for name, value in FOREIGN_QUERY.items():
            response = _send(clerk, endpoint, _url(endpoint, OWN_ARGS, f"{name}={value}"))
            report.count(view)
            report.check(response.status_code in (200, 302, 404) and not _leaks(response),
                         f"{where}?{name}={value}: {response.status_code}, or shows {MARKER}")


def _probe_counts(app: Any, clerk: Any, view: Any, report: Report) -> None:
    """A list's total and an export's rows equal a direct count of the reachable rows."""
    if not hasattr(view, "model"):
        return
    expected = len(row_keys(app, view.model, CLERK_REACH))
    base = _view_url(app, view, ".index_view")
    clerk_may = {r.value for r in view.grants.get("export", ())}
    if "clerk" in clerk_may:
        response = clerk.get(_view_url(app, view, ".export", export_type="csv"))
        report.count(view)
        *rows, trailer = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
        report.check(len(rows) - 1 == expected and trailer and trailer[0].startswith("# "),
                     f"{view.endpoint}: the clerk's export has {len(rows) - 1} rows (and the trailer "
                     f"{trailer}), the rule reaches {expected}")
    if "clerk" in {r.value for r in view.grants.get("read", ())}:
        page = clerk.get(f"{base}?page_size=100").get_data(as_text=True)
        report.count(view)
        shown = set(re.findall(r"[?&;]id=([^&\"'#]+)", page.replace("&amp;", "&")))
        reachable = set(row_keys(app, view.model, CLERK_REACH))
        from urllib.parse import unquote

        from flask_admin import tools

        outside = {tools.iterdecode(unquote(k))[0] for k in shown} - reachable
        report.check(not outside, f"{view.endpoint}: the clerk's list links to ids out of reach: {sorted(outside)}")


def _view_url(app: Any, view: Any, endpoint: str, **values: Any) -> str:
    from flask import url_for

    with app.test_request_context("/"):
        return url_for(view.endpoint + endpoint, **values)


def _loaders(view: Any) -> list[QueryAjaxModelLoader]:
    found = list((getattr(view, "_form_ajax_refs", None) or {}).values())
    for inline in getattr(view, "inline_models", None) or []:
        refs = getattr(inline, "form_ajax_refs", None) or {}
        found += [loader for loader in refs.values() if isinstance(loader, QueryAjaxModelLoader)]
    return found


def _probe_pickers(app: Any, clerk: Any, view: Any, report: Report) -> None:
    if "clerk" not in {r.value for r in view.grants.get("read", ())} or not hasattr(view, "model"):
        return
    for loader in _loaders(view):
        reachable = set(row_keys(app, loader.model, CLERK_REACH))
        for term in ("", MARKER, "A", "3510"):
            response = clerk.get(_view_url(app, view, ".ajax_lookup", name=loader.name, query=term))
            report.count(view)
            if response.status_code != 200:
                report.check(response.status_code == 400, f"{view.endpoint} picker {loader.name}: "
                                                           f"{response.status_code}")
                continue
            keys = {str(item[0]) for item in response.get_json() or []}
            report.check(keys <= reachable, f"{view.endpoint} picker {loader.name} offers {sorted(keys - reachable)} "
                                            "out of the clerk's reach")


def _probe_filters(app: Any, view: Any, report: Report) -> None:
    """Options of a filter over a foreign key lie within the clerk's reach."""
    filters = getattr(view, "_filters", None) or []
    with app.test_request_context("/"):
        from flask import g

        from ektp_admin.access import EktpUser
        from ektp_admin.domain.enums import Role

        g.ektp_user = EktpUser("clerk", Role.CLERK, KEC_A)
        for flt in filters:
            column = getattr(flt, "column", None)
            if not callable(getattr(flt, "options", None)) or column is None:
                continue
            targets = [fk.column for fk in getattr(column, "foreign_keys", ())]
            if not targets:
                continue
            target_model = next((m for m in RULES if getattr(m, "__table__", None) is targets[0].table), None)
            if target_model is None:
                report.failures.append(f"{view.endpoint} filter {flt.name}: options over a table without a rule")
                continue
            values = {str(v) for v, _ in flt.get_options(view) or []}
            pk = target_model.__mapper__.primary_key[0]
            with app.app_context():
                reachable = {str(v) for (v,) in models.db.session.execute(
                    sa.select(targets[0]).select_from(target_model).where(CLERK_REACH.clause(target_model)))}
            del pk
            report.check(values <= reachable,
                         f"{view.endpoint} filter {flt.name} offers {sorted(values - reachable)} out of reach")


def seeded_foreign_row_exists(app: Any, model: Any) -> bool:
    return bool(row_keys(app, model, CLERK_REACH, reachable=False))


def clerk_reach_sql(app: Any, model: Any) -> int:
    with app.app_context():
        return models.db.session.execute(
            sa.select(sa.func.count()).select_from(model).where(CLERK_REACH.clause(model))).scalar_one()


__all__ = ["KEC_B", "probe", "seed", "endpoints", "Report", "seeded_foreign_row_exists", "clerk_reach_sql"]
