"""Who is asking, and what their role lets them do.

The plugin never owns the login. The host supplies a callable (``current_user=``
on :class:`ektp_admin.EktpAdmin`) returning an :class:`EktpUser` or ``None``;
the standalone portal supplies one backed by Flask-Login.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from flask import current_app, g

from .domain.enums import Role

# Actions a view can grant. A view that names none of them is closed to all.
READ, CREATE, EDIT, DELETE, EXPORT = "read", "create", "edit", "delete", "export"

ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR})
ADMIN_ONLY = frozenset({Role.ADMIN})


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

    def may(self, grants: dict[str, Iterable[Role]], action: str) -> bool:
        return self.role in frozenset(grants.get(action, ()))


UserLoader = Callable[[], "EktpUser | None"]


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
        loader = current_app.extensions["ektp_admin"].user_loader
        user = loader()
        if user is not None and not isinstance(user, EktpUser):
            raise TypeError(
                "The current_user hook given to EktpAdmin must return an EktpUser or None, "
                f"not {type(user).__name__}."
            )
        if user is not None and user.role == Role.CLERK and not user.kecamatan_code:
            user = None  # a clerk without a kecamatan may see nothing at all
        g.ektp_user = user
    return g.ektp_user
