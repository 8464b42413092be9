"""What the plugin keeps per app (in ``app.extensions``), reachable from any module
without importing the package root."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app


class State:
    """The plugin's per-app state: the Admin its screens are on and the db it uses."""

    def __init__(self, *, admin: Any, db: Any) -> None:
        self.admin = admin
        self.db = db


def get_state(app: Flask | None = None) -> State:
    return (app or current_app).extensions["ektp_admin.state"]


def db_session() -> Any:
    """The session of the current app's db (the host's, or the plugin's own)."""
    return get_state().db.session
