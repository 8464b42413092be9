"""Hardening issue, item 2: crafted input never gives a server error.

Every endpoint the plugin registered (``app.url_map``, endpoints ``ektp_*``) is
asked, by every role (admin, supervisor, clerk, nobody signed in), with hostile
values - numbers beyond 32 and 64 bits, negatives, NUL, unicode, long strings,
``__None``, SQL-ish text, impossible dates:

- GET: in the list arguments Flask-Admin reads (page, page_size, sort, desc,
  search, id, url...), in each filter argument of the view, in the report
  arguments (kecamatan, campaign, page) and in the URL's own parts (desa code);
- POST: every form (create and edit) with a valid CSRF token and a hostile value
  in each of its fields, the others valid; delete, bulk action, inline edit and
  login with hostile values.

The answer must be below 500, a CSV must stream to its end, and no page may
report a failure the server hid ("Something went wrong", "The database refused
the change"). A table of values covers every argument and field; Hypothesis then
tries random text on random ones. About a minute on SQLite.
"""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from security.ektp_support import (
    DESA_A,
    DESA_B,
    KEC_A,
    KEC_B,
    add,
    csrf_token,
    form_fields,
    make_campaign,
    make_device,
    make_outreach,
    make_result,
    make_team,
    make_visit,
    resident_form,
    sign_in,
    text,
)
from werkzeug.datastructures import MultiDict

from ektp_admin import get_state, models
from ektp_admin.views.base import EktpModelView

pytestmark = pytest.mark.slow

#: What a crafted request puts in a value.
HOSTILE = [
    "99999999999999999999",  # beyond 64 bits
    "2147483648",  # beyond 32 bits (PostgreSQL's integer)
    "-2147483649",
    "-1",
    "\x00",
    "a\x00b",
    "\u6f22\u5b57\U0001f642\u202e",
    "x" * 3000,
    "__None",
    "' OR '1'='1' --",
    "%_\\",
    "1e309",
    "9999-99-99",
    "0001-01-01 to 99999-12-31",
    "",
]
#: The values a combined request (every argument at once) takes in turn.
COMBINED = HOSTILE[:6] + HOSTILE[7:9]
#: Arguments Flask-Admin's list, details, edit and lookup endpoints read.
LIST_ARGS = ["page", "page_size", "sort", "desc", "search"]
FORM_ARGS = ["id", "url", "modal"]
LOOKUP_ARGS = ["name", "query", "offset", "limit"]
#: Arguments the report screens read.
REPORT_ARGS = ["kecamatan", "campaign", "page", "lang"]
#: Flask-Admin's bookkeeping fields: not the form's own data.
SKIP_FIELDS = {"csrf_token", "ektp_version"}
#: What a page says when the server hid a failure from the user (English: the
#: signed-in clients read English).
HIDDEN_FAILURES = ("Something went wrong", "The database refused the change")


class Findings:
    """Every request that failed, with what it sent (reported all at once)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.requests = 0

    def check(self, who: str, client: Any, method: str, url: str, **kwargs: Any) -> Any:
        self.requests += 1
        what = f"{who}: {method} {url[:160]} {_short(kwargs)}"
        try:
            response = client.open(url, method=method, **kwargs)
            try:
                body = response.get_data(as_text=True)  # a CSV must stream to its end
            finally:
                response.close()
        except Exception as exc:  # noqa: BLE001 - every crash is a finding
            self.items.append(f"{what} -> {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.items.append(f"{what} -> {response.status_code}")
        elif response.mimetype == "text/html" and any(m in body for m in HIDDEN_FAILURES):
            self.items.append(f"{what} -> {response.status_code} with a hidden failure")
        return response

    def assert_none(self) -> None:
        assert not self.items, f"{len(self.items)} of {self.requests} requests failed:\n" + "\n".join(self.items[:40])


def _short(kwargs: dict[str, Any]) -> str:
    data = kwargs.get("data") or kwargs.get("query_string")
    if not data:
        return ""
    pairs = data.items(multi=True) if isinstance(data, MultiDict) else data.items()
    return "{" + ", ".join(f"{k}={str(v)[:20]!r}" for k, v in pairs if k != "csrf_token") + "}"


# ---------------------------------------------------------------------- the portal under test


@pytest.fixture
def world(app: Any, make_resident: Any) -> dict[str, Any]:
    """A little of everything, in both kecamatan, so pages, filters and forms have rows."""
    ids: dict[str, Any] = {}
    ids["resident"] = make_resident("SITI AMINAH", desa=DESA_A, notes="catatan")
    ids["resident_b"] = make_resident("WARGA LAIN", desa=DESA_B)
    ids["device"] = make_device(app, "KIT-001", KEC_A)
    make_device(app, "KIT-DINAS", None)
    ids["team"] = make_team(app)
    ids["campaign"] = make_campaign(app)
    ids["outreach"] = make_outreach(app)
    ids["visit"] = make_visit(app, device_id=ids["device"], team_id=ids["team"], campaign_id=ids["campaign"])
    make_visit(app, kecamatan=KEC_B, desa=DESA_B)
    make_result(app, ids["visit"], ids["resident"], "not_home")
    add(app, models.TeamMember(team_id=ids["team"], name="ANGGOTA", position="operator", phone="0812345678"))
    with app.app_context():
        import sqlalchemy as sa

        ids["user"] = models.db.session.execute(
            sa.select(models.User.id).where(models.User.username == "clerk_b")).scalar_one()
    return ids


@pytest.fixture
def clients(app: Any, world: Any) -> dict[str, Any]:
    """One signed-in client per role (English pages), and one nobody signed in."""
    out = {role: sign_in(app.test_client(), role) for role in ("admin", "supervisor", "clerk")}
    out["anonymous"] = app.test_client()
    return out


def _views(app: Any) -> dict[str, Any]:
    return {v.endpoint: v for v in get_state(app).admin._views}


def _filter_args(app: Any, view: Any) -> list[str]:
    if not isinstance(view, EktpModelView) or not view._filters:
        return []
    with app.test_request_context("/"):
        return [f"flt0_{view.get_filter_arg(i, f)}" for i, f in enumerate(view._filters)] + ["flt9_999", "flt_x"]


def _rules(app: Any, method: str) -> list[Any]:
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("ektp_") and method in (r.methods or ())]
    assert len(rules) > 20, "the plugin registered fewer endpoints than expected"
    return sorted(rules, key=lambda r: r.endpoint)


def _path(rule: Any, **values: str) -> str:
    """The rule's URL with its parts filled in (valid ones unless given)."""
    defaults = {"desa_code": DESA_A, "export_type": "csv", "filename": "ektp_admin/ektp_admin.css"}
    path = rule.rule
    for name in rule.arguments:
        value = values.get(name, defaults.get(name, "1"))
        path = path.replace(f"<{name}>", quote(value, safe="")).replace(f"<path:{name}>", quote(value, safe="/"))
    return path


def _args_for(app: Any, rule: Any) -> list[str]:
    """The query arguments the endpoint may read."""
    view_endpoint, _, method = rule.endpoint.partition(".")
    view = _views(app).get(view_endpoint)
    if method in ("index_view", "export"):
        return LIST_ARGS + _filter_args(app, view)
    if method in ("details_view", "edit_view", "create_view"):
        return FORM_ARGS
    if method == "ajax_lookup":
        return LOOKUP_ARGS
    if method == "static":
        return []
    return REPORT_ARGS + LIST_ARGS[:1]


# ---------------------------------------------------------------------- GET


def _get_requests(app: Any, values: list[str], isolated: bool) -> Iterator[tuple[str, dict[str, str]]]:
    """(path, query) pairs: every rule with every value in all its arguments at
    once; with ``isolated``, also each argument alone (values taken in turn) and
    each part of the URL."""
    turn = itertools.cycle(HOSTILE)
    for rule in _rules(app, "GET"):
        args = _args_for(app, rule)
        for value in values:
            yield _path(rule), {a: value for a in args}
        if not isolated:
            continue
        for arg in args:
            yield _path(rule), {arg: next(turn)}
        for part in rule.arguments:
            for value in HOSTILE[:6] + HOSTILE[7:8]:
                yield _path(rule, **{part: value}), {}


def test_no_get_with_hostile_arguments_fails(app: Any, clients: dict[str, Any]) -> None:
    findings = Findings()
    plan = {"admin": (COMBINED, True), "clerk": (COMBINED, True), "supervisor": (COMBINED[:5], False),
            "anonymous": (COMBINED[:3], False)}
    for role, (values, isolated) in plan.items():
        for path, query in _get_requests(app, values, isolated):
            findings.check(role, clients[role], "GET", path, query_string=query)
    findings.assert_none()


# ---------------------------------------------------------------------- POST forms


def _valid_forms(world: dict[str, Any]) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """endpoint -> (create URL, roles that may create, a valid create form)."""
    return {
        "ektp_residents": ("/admin/residents/new/", ["admin", "clerk"], resident_form()),
        "ektp_visits": ("/admin/visits/new/", ["admin", "clerk"], {
            "day": "2016-09-19", "start_time": "08:00", "end_time": "12:00", "kind": "village_post",
            "state": "done", "desa": DESA_A, "device": str(world["device"]), "team": str(world["team"]),
            "campaign": str(world["campaign"]), "notes": "catatan",
            "results-0-resident": str(world["resident"]), "results-0-result": "recorded", "results-0-note": "ok"}),
        "ektp_devices": ("/admin/devices/new/", ["admin"], {
            "serial_number": "KIT-NEW", "owner_kind": "kecamatan", "owner_kecamatan": KEC_A, "role": "mobile",
            "condition": "working", "location": "Kantor", "notes": "baru"}),
        "ektp_teams": ("/admin/teams/new/", ["admin", "supervisor"], {
            "name": "Tim Baru", "kind": "kecamatan", "kecamatan": KEC_A, "notes": "rotasi",
            "members-0-name": "ANGGOTA BARU", "members-0-position": "operator", "members-0-phone": "0812"}),
        "ektp_campaigns": ("/admin/campaigns/new/", ["admin", "supervisor"], {
            "name": "Kampanye", "start_date": "2016-09-01", "target_date": "2016-09-30", "scope_code": "35.10",
            "baseline_outstanding": "100", "notes": "n"}),
        "ektp_outreach": ("/admin/outreach/new/", ["admin", "clerk"], {
            "desa": DESA_A, "channel": "mosque", "held_on": "2016-09-10", "by_whom": "Takmir", "notes": "n"}),
        "ektp_users": ("/admin/users/new/", ["admin"], {
            "username": "operator_baru", "role": "clerk", "kecamatan": KEC_A, "active": "y",
            "new_password": "kata-sandi-panjang"}),
    }


def _edit_urls(world: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """endpoint -> (edit URL of a record, roles that may edit it)."""
    return {
        "ektp_residents": (f"/admin/residents/edit/?id={world['resident']}", ["admin", "clerk"]),
        "ektp_visits": (f"/admin/visits/edit/?id={world['visit']}", ["admin", "clerk"]),
        "ektp_devices": (f"/admin/devices/edit/?id={world['device']}", ["admin"]),
        "ektp_teams": (f"/admin/teams/edit/?id={world['team']}", ["admin", "supervisor"]),
        "ektp_campaigns": (f"/admin/campaigns/edit/?id={world['campaign']}", ["admin", "supervisor"]),
        "ektp_outreach": (f"/admin/outreach/edit/?id={world['outreach']}", ["admin", "clerk"]),
        "ektp_users": (f"/admin/users/edit/?id={world['user']}", ["admin"]),
        "ektp_kecamatan": (f"/admin/kecamatan/edit/?id={KEC_B}", ["admin"]),
        "ektp_desa": (f"/admin/desa/edit/?id={DESA_B}", ["admin"]),
    }


def _form_posts(client: Any, url: str, baseline: list[tuple[str, str]] | None = None,
                extra: dict[str, str] | None = None) -> Iterator[tuple[MultiDict, str]]:
    """The form at ``url`` (or ``baseline``) with one field at a time made hostile."""
    page = text(client.get(url))
    fields = baseline or form_fields(page)
    token = csrf_token(page)
    names = [n for n, _ in fields if n not in SKIP_FIELDS] + list(extra or {})
    names = list(dict.fromkeys(names))
    turn = itertools.cycle(HOSTILE)
    for name in names:
        for _ in range(2):
            data = MultiDict([(k, v) for k, v in fields if k != name])
            data.update({k: v for k, v in (extra or {}).items() if k != name})
            data["csrf_token"] = token
            data[name] = next(turn)
            yield data, name


def test_no_form_post_with_a_hostile_field_fails(app: Any, clients: dict[str, Any], world: dict[str, Any]) -> None:
    findings = Findings()
    # Creating: a valid form with one field hostile.
    for endpoint, (url, roles, valid) in _valid_forms(world).items():
        for role in roles:
            client = clients[role]
            page = text(client.get(url))
            baseline = [(k, v) for k, v in form_fields(page) if k not in valid] + list(valid.items())
            for data, _name in _form_posts(client, url, baseline):
                findings.check(role, client, "POST", url, data=data)
    # Editing: the record's own form with one field hostile (the version re-read after each save).
    for endpoint, (url, roles) in _edit_urls(world).items():
        for role in roles:
            client = clients[role]
            for data, _name in _form_posts(client, url):
                page = text(client.get(url))
                if "ektp_version" in data:
                    from security.ektp_support import input_value

                    data["ektp_version"] = input_value(page, "ektp_version") or data["ektp_version"]
                findings.check(role, client, "POST", url, data=data)
    findings.assert_none()


def test_no_other_post_with_hostile_values_fails(app: Any, clients: dict[str, Any]) -> None:
    findings = Findings()
    for role, client in clients.items():
        token = csrf_token(text(client.get("/login")))
        for rule in _rules(app, "POST"):
            method = rule.endpoint.partition(".")[2]
            if method in ("create_view", "edit_view") or (method == "logout" and role != "anonymous"):
                continue  # the forms have their own test; signed-in clients stay signed in
            values = COMBINED if role in ("admin", "clerk") else COMBINED[:3]
            for value in values:
                data = MultiDict({"csrf_token": token, "id": value, "url": value, "action": value, "pk": value,
                                  "name": value, "value": value, "username": value, "password": value})
                data.add("rowid", value)
                findings.check(role, client, "POST", _path(rule), data=data)
    findings.assert_none()


# ---------------------------------------------------------------------- Hypothesis: random text anywhere

values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(HOSTILE),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(role=st.sampled_from(["admin", "clerk", "supervisor"]), post=st.booleans(),
       target=st.integers(min_value=0, max_value=10**6), arguments=st.lists(st.integers(0, 10**6), min_size=1,
                                                                             max_size=3),
       chosen=st.lists(values, min_size=3, max_size=3))
def test_random_values_in_random_arguments_never_fail(app: Any, clients: dict[str, Any], world: dict[str, Any],
                                                       role: str, post: bool, target: int, arguments: list[int],
                                                       chosen: list[str]) -> None:
    # Everything is drawn up front: which fields a form has depends on what earlier
    # examples saved, and Hypothesis needs the same draws for the same example.
    findings = Findings()
    client = clients[role]
    if post:
        forms = sorted(url for url, _roles in _edit_urls(world).values())
        url = forms[target % len(forms)]
        page = client.get(url)
        if page.status_code == 200:
            fields = form_fields(text(page))
            names = [n for n, _ in fields if n not in SKIP_FIELDS]
            form = MultiDict(fields)
            for index, value in zip(arguments, chosen):
                form[names[index % len(names)]] = value
            findings.check(role, client, "POST", url, data=form)
    else:
        rules = _rules(app, "GET")
        rule = rules[target % len(rules)]
        args = _args_for(app, rule) or ["x"]
        query = {args[index % len(args)]: value for index, value in zip(arguments, chosen)}
        findings.check(role, client, "GET", _path(rule), query_string=query)
    findings.assert_none()
