"""Per-village outstanding list (placeholder until the screen lands)."""
from __future__ import annotations

from typing import Any

from flask_admin import BaseView, expose


class OutstandingView(BaseView):
    @expose("/")
    def index(self) -> Any:
        return "todo"
