"""Who is asking, what their role lets them do, and which rows they reach.

The plugin never owns the login. The host supplies a callable (``current_user=``
on :class:`ektp_admin.EktpAdmin`) returning an :class:`EktpUser` or ``None``;
the standalone portal supplies one backed by Flask-Login.

Two questions, answered in this module only:

- **may** this role use this action of this screen? (``grants`` on a view,
  checked by :class:`EktpAccess` on every endpoint before it runs);
- **which rows** does this user reach? (:class:`Reach`, built once per request
  from the user, with one declared rule per model in :data:`RULES`). Every list,
  lookup by id, bulk action, picker, filter option, report query, export and
  printable sheet asks it; a model without a rule cannot get a screen.

A clerk reaches the rows of their own kecamatan (and the Dinas' kits and
teams); admins and supervisors reach the whole regency; nobody signed in
reaches nothing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, url_for

from .domain.enums import DeviceOwnerKind, Role, TeamKind
from .models import (
    AuditEntry,
    Campaign,
    Counter,
    CounterWindow,
    Desa,
    Device,
    DeviceRelease,
    ImportJob,
    Kecamatan,
    Outreach,
    Resident,
    StatusChange,
    Team,
    TeamMember,
    User,
    Visit,
    VisitResult,
)
from .state import db_session, get_state

# Actions a view can grant. A view that names none of them is closed to all.
READ, CREATE, EDIT, DELETE, EXPORT = "read", "create", "edit", "delete", "export"

ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR})
ADMIN_ONLY = frozenset({Role.ADMIN})
CLERK_AND_ADMIN = frozenset({Role.ADMIN, Role.CLERK})

Grants = dict[str, frozenset[Role]]


@dataclass(frozen=True)
class EktpUser:
    """What the plugin needs to know of a signed-in person.

    ``kecamatan_code`` scopes a clerk to one kecamatan ("35.10.01"); admins and
    supervisors see the whole regency and may leave it ``None``.
    """

    username: str
    role: Role
    kecamatan_code: str | None = None

    @property
    def is_scoped(self) -> bool:
        return self.role == Role.CLERK

    def may(self, grants: Mapping[str, Iterable[Role]], action: str) -> bool:
        return self.role in frozenset(grants.get(action, ()))


class _NoEktpRole:
    """The hook's third answer: signed in to the portal, but no e-KTP role."""

    def __repr__(self) -> str:
        return "NO_EKTP_ROLE"


#: Return this from the ``current_user`` hook for a portal user who is signed in
#: but has no e-KTP role: they get a 403 page instead of the login page.
NO_EKTP_ROLE = _NoEktpRole()

UserLoader = Callable[[], "EktpUser | _NoEktpRole | None"]


def flask_login_user() -> EktpUser | None:
    """Default hook: Flask-Login's ``current_user`` with ``role`` and ``kecamatan_code``."""
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - Flask-Login is a dependency
        return None
    if not getattr(current_user, "is_authenticated", False):
        return None
    role = getattr(current_user, "role", None)
    if role is None:
        return None
    try:
        role = Role(role)
    except ValueError:
        return None
    username = getattr(current_user, "username", None) or str(current_user.get_id())
    return EktpUser(username=username, role=role, kecamatan_code=getattr(current_user, "kecamatan_code", None))


def current_ektp_user() -> EktpUser | None:
    """The current request's user as the host's hook reports it (cached per request)."""
    if "ektp_user" not in g:
        answer = get_state().user_loader()
        g.ektp_signed_in = answer is not None
        if answer is NO_EKTP_ROLE:
            answer = None
        elif answer is not None and not isinstance(answer, EktpUser):
            raise TypeError(
                "The current_user hook given to EktpAdmin must return an EktpUser, NO_EKTP_ROLE or None, "
                f"not {type(answer).__name__}."
            )
        elif answer is not None and answer.role == Role.CLERK and not answer.kecamatan_code:
            answer = None  # a clerk without a kecamatan may see nothing at all
        g.ektp_user = answer
    return g.ektp_user


def path_here() -> str:
    """This request's path and query as the browser sees it, mount prefix included
    (``/portal/admin/residents/?page=2`` under ``/portal``): the ``next`` of a login."""
    return request.script_root + request.full_path.rstrip("?")


def signed_in_elsewhere() -> bool:
    """Signed in to the portal, but with no e-KTP role (or none the plugin can use)."""
    current_ektp_user()
    return bool(g.get("ektp_signed_in")) and g.ektp_user is None


# ---------------------------------------------------------------------- row rules


class RowRule(Protocol):
    """How far one held kecamatan reaches into a model's rows."""

    def clause(self, model: Any, kecamatan_code: str) -> Any: ...

    def reaches(self, obj: Any, kecamatan_code: str) -> bool: ...


@dataclass(frozen=True)
class ByKecamatan:
    """Rows whose ``column`` holds the kecamatan code (residents, visits, desa...)."""

    column: str = "kecamatan_code"

    def clause(self, model: Any, kecamatan_code: str) -> Any:
        return getattr(model, self.column) == kecamatan_code

    def reaches(self, obj: Any, kecamatan_code: str) -> bool:
        return getattr(obj, self.column) == kecamatan_code


@dataclass(frozen=True)
class OwnOrDinas:
    """Kits and teams: those of the kecamatan, and the Dinas' (which serve everyone)."""

    column: str
    kind_column: str
    dinas: str

    def clause(self, model: Any, kecamatan_code: str) -> Any:
        return sa.or_(getattr(model, self.column) == kecamatan_code, getattr(model, self.kind_column) == self.dinas)

    def reaches(self, obj: Any, kecamatan_code: str) -> bool:
        return getattr(obj, self.column) == kecamatan_code or getattr(obj, self.kind_column) == self.dinas


@dataclass(frozen=True)
class CoveringRegion:
    """Campaigns: those whose region (regency "35.10" or kecamatan) covers the kecamatan."""

    column: str = "scope_code"

    def clause(self, model: Any, kecamatan_code: str) -> Any:
        regency = kecamatan_code.rsplit(".", 1)[0]
        return getattr(model, self.column).in_([kecamatan_code, regency])

    def reaches(self, obj: Any, kecamatan_code: str) -> bool:
        return getattr(obj, self.column) in (kecamatan_code, kecamatan_code.rsplit(".", 1)[0])


@dataclass(frozen=True)
class Through:
    """Rows reached through a parent row (a visit's results, a team's members)."""

    relation: str
    foreign_key: str
    parent: Any

    def clause(self, model: Any, kecamatan_code: str) -> Any:
        parent_key = self.parent.__mapper__.primary_key[0]
        reachable = sa.select(parent_key).where(RULES[self.parent].clause(self.parent, kecamatan_code))
        return getattr(model, self.foreign_key).in_(reachable)

    def reaches(self, obj: Any, kecamatan_code: str) -> bool:
        parent = getattr(obj, self.relation)
        return parent is not None and RULES[self.parent].reaches(parent, kecamatan_code)


@dataclass(frozen=True)
class ByRoleOnly:
    """Rows not divided by region (logins, the audit log): the screen's grants decide."""

    def clause(self, model: Any, kecamatan_code: str) -> Any:
        return sa.true()

    def reaches(self, obj: Any, kecamatan_code: str) -> bool:
        return True


#: One rule per model: how far a clerk's kecamatan reaches. A model missing here
#: cannot be shown by an e-KTP screen (EktpModelView refuses it at start-up).
RULES: dict[Any, RowRule] = {
    Kecamatan: ByKecamatan("code"),
    Desa: ByKecamatan(),
    Resident: ByKecamatan(),
    StatusChange: Through("resident", "resident_id", Resident),
    Visit: ByKecamatan(),
    VisitResult: Through("visit", "visit_id", Visit),
    Outreach: ByKecamatan(),
    Device: OwnOrDinas("owner_kecamatan_code", "owner_kind", DeviceOwnerKind.DINAS.value),
    DeviceRelease: Through("device", "device_id", Device),
    Team: OwnOrDinas("kecamatan_code", "kind", TeamKind.DINAS.value),
    TeamMember: Through("team", "team_id", Team),
    Campaign: CoveringRegion(),
    User: ByRoleOnly(),
    AuditEntry: ByRoleOnly(),
    ImportJob: ByRoleOnly(),
    Counter: ByKecamatan(),
    CounterWindow: ByRoleOnly(),
}


def rule_for(model: Any) -> RowRule:
    """The model's declared rule; a clear error for a model nobody wrote one for."""
    try:
        return RULES[model]
    except KeyError:
        raise LookupError(
            f"{getattr(model, '__name__', model)} has no reach rule: add one to ektp_admin.access.RULES "
            "(who may see which of its rows) before giving it a screen."
        ) from None


# ---------------------------------------------------------------------- the policy


class Reach:
    """Which rows one user reaches: the single answer every path asks.

    ``kecamatan_code`` is the one kecamatan a clerk is held to (``None``: the
    whole regency). ``Reach.nothing()`` is a visitor nobody signed in;
    ``Reach.everything()`` is the command line and the system's own jobs.
    """

    def __init__(self, *, kecamatan_code: str | None, signed_in: bool = True) -> None:
        self.kecamatan_code = kecamatan_code
        self.signed_in = signed_in

    @classmethod
    def for_user(cls, user: EktpUser | None) -> "Reach":
        if user is None:
            return cls.nothing()
        return cls(kecamatan_code=user.kecamatan_code if user.is_scoped else None)

    @classmethod
    def nothing(cls) -> "Reach":
        return cls(kecamatan_code=None, signed_in=False)

    @classmethod
    def everything(cls) -> "Reach":
        return cls(kecamatan_code=None)

    @property
    def whole_regency(self) -> bool:
        """True when every kecamatan is reachable (admins, supervisors, the CLI)."""
        return self.signed_in and self.kecamatan_code is None

    # -------------------------------------------------------------- rows
    def clause(self, model: Any) -> Any:
        """A SQL condition selecting the rows of ``model`` this user reaches."""
        rule = rule_for(model)
        if not self.signed_in:
            return sa.false()
        if self.kecamatan_code is None:
            return sa.true()
        return rule.clause(model, self.kecamatan_code)

    def reaches(self, obj: Any) -> bool:
        """May this loaded object be shown, changed or removed by the user?"""
        rule = rule_for(type(obj))
        if not self.signed_in:
            return False
        return self.kecamatan_code is None or rule.reaches(obj, self.kecamatan_code)

    def select(self, model: Any, *columns: Any) -> Any:
        """``SELECT`` (of ``columns``, or the whole model) limited to reachable rows."""
        return sa.select(*(columns or (model,))).where(self.clause(model))

    def orm_query(self, session: Any, model: Any) -> Any:
        """An ORM query of ``model`` limited to reachable rows (for select fields)."""
        return session.query(model).filter(self.clause(model))

    def reaches_kecamatan(self, code: str | None) -> bool:
        """May the user ask about kecamatan ``code`` (reports, filters)?"""
        if not self.signed_in:
            return False
        return self.kecamatan_code is None or code == self.kecamatan_code

    # -------------------------------------------------------------- option lists
    def kecamatan_options(self, session: Any) -> list[tuple[str, str]]:
        """(code, name) of the kecamatan the user may pick."""
        return [tuple(row) for row in session.execute(
            self.select(Kecamatan, Kecamatan.code, Kecamatan.name).order_by(Kecamatan.name))]

    def desa_options(self, session: Any, kecamatan_code: str | None = None) -> list[tuple[str, str]]:
        """(code, name) of the desa the user may pick (of one kecamatan, when given)."""
        query = self.select(Desa, Desa.code, Desa.name).order_by(Desa.name, Desa.code)
        if kecamatan_code:
            query = query.where(Desa.kecamatan_code == kecamatan_code)
        return [tuple(row) for row in session.execute(query)]

    def device_options(self, session: Any) -> list[tuple[str, str]]:
        """(id, serial number) of the kits the user may pick."""
        query = self.select(Device, Device.id, Device.serial_number).order_by(Device.serial_number)
        return [(str(i), serial) for i, serial in session.execute(query)]

    def team_options(self, session: Any) -> list[tuple[str, str]]:
        """(id, name) of the teams the user may pick."""
        query = self.select(Team, Team.id, Team.name).order_by(Team.name)
        return [(str(i), name) for i, name in session.execute(query)]


def current_reach() -> Reach:
    """The current request's :class:`Reach` (built once per request)."""
    if "ektp_reach" not in g:
        g.ektp_reach = Reach.for_user(current_ektp_user())
    return g.ektp_reach


#: how long a list of kecamatan or desa options is reused (a region loaded shows after this)
REGION_OPTIONS_SECONDS = 30.0
_REGION_KINDS = frozenset({"kecamatan", "desa"})


def options(kind: str) -> Callable[[], list[tuple[str, str]]]:
    """A callable giving the current user's option list of ``kind`` (for filters and forms).

    ``kind`` is ``kecamatan``, ``desa``, ``device`` or ``team``.
    """
    method = {
        "kecamatan": Reach.kecamatan_options,
        "desa": Reach.desa_options,
        "device": Reach.device_options,
        "team": Reach.team_options,
    }[kind]

    def read() -> list[tuple[str, str]]:
        reach = current_reach()
        if kind not in _REGION_KINDS:
            return method(reach, db_session())
        # Every list page offers the regions as filters: read them at most every few
        # seconds per app and reach (they change only when regions are loaded).
        cache = get_state().region_options
        key = (kind, reach.kecamatan_code, reach.signed_in)
        now = time.monotonic()
        held = cache.get(key)
        if held is None or now - held[0] > REGION_OPTIONS_SECONDS:
            held = cache[key] = (now, method(reach, db_session()))
        return list(held[1])

    read.reach_kind = kind  # type: ignore[attr-defined]
    return read


# ---------------------------------------------------------------------- screens


def requires(action: str) -> Callable[[Any], Any]:
    """Declare the grant an exposed method needs (the default is ``read``).

    ``@expose("/export.csv") @requires(EXPORT) def export(self): ...`` - the
    check runs before the method, and the generated access tests read it.
    """

    def mark(method: Any) -> Any:
        method.ektp_action = action
        return method

    return mark


class EktpAccess:
    """Deny-by-default access shared by model and non-model screens.

    ``grants`` maps an action (read/create/edit/delete/export) to the roles
    allowed it; a view that grants nothing is closed to everyone, signed in or
    not. Each exposed method needs one action (:func:`requires`, or
    :attr:`endpoint_actions` for the framework's own), checked before it runs.
    """

    #: the view's endpoint (set by Flask-Admin's BaseView)
    endpoint: str
    #: role sets per action (read/create/edit/delete/export). Empty: closed to all.
    grants: Grants = {}
    #: actions of exposed methods the view inherits (Flask-Admin's own endpoints)
    endpoint_actions: dict[str, str] = {}

    @property
    def user(self) -> EktpUser | None:
        return current_ektp_user()

    @property
    def reach(self) -> Reach:
        return current_reach()

    def allowed(self, action: str) -> bool:
        user = self.user
        return user is not None and user.may(self.grants, action)

    def action_for(self, method_name: str) -> str:
        """The grant the exposed method ``method_name`` needs."""
        method = getattr(type(self), method_name, None)
        return getattr(method, "ektp_action", None) or self.endpoint_actions.get(method_name, READ)

    def is_accessible(self) -> bool:
        return self.allowed(READ)

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        self.require(self.action_for(name))
        return super()._handle_view(name, **kwargs)  # type: ignore[misc]

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        self.require(READ)

    def require(self, action: str) -> None:
        """Abort unless the current user holds ``action`` (401/redirect to login, or 403)."""
        if self.allowed(action):
            return
        if self.user is None and not signed_in_elsewhere():
            endpoint = current_app.config["EKTP_ADMIN_LOGIN_ENDPOINT"]
            if endpoint:
                abort(redirect(url_for(endpoint, next=path_here())))
            abort(401)
        abort(403)
