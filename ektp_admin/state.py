"""What the plugin keeps per app (in ``app.extensions``), reachable from any module
without importing the package root."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flask import Flask, current_app


class State:
    """Everything the plugin keeps for one app: the Admin its screens are on, the
    db it uses, the hook that says who is signed in, and whether it keeps its
    own logins (only when the host gave no hook)."""

    def __init__(self, *, admin: Any, db: Any, user_loader: Any, manages_users: bool) -> None:
        self.admin = admin
        self.db = db
        self.user_loader = user_loader
        self.manages_users = manages_users
        #: the region option lists read lately (``access.options``): {key: (read at, options)}
        self.region_options: dict[Any, tuple[float, list[tuple[str, str]]]] = {}
        #: the menu and static links as drawn for each kind of user (``views.chrome``): {key: HTML}
        self.page_parts: OrderedDict[Any, Any] = OrderedDict()


def get_state(app: Flask | None = None) -> State:
    return (app or current_app).extensions["ektp_admin"]


def db_session() -> Any:
    """The session of the current app's db (the host's, or the plugin's own)."""
    return get_state().db.session
