"""The Admin index when the plugin creates its own Admin: the campaign at a glance."""
from __future__ import annotations

from typing import Any

from flask import current_app, redirect, url_for
from flask_admin import AdminIndexView, expose

from ..access import current_ektp_user, path_here


class HomeView(AdminIndexView):
    """Landing page; sends a visitor who is not signed in to the login page."""

    @expose("/")
    def index(self) -> Any:
        if current_ektp_user() is None:
            endpoint = current_app.config["EKTP_ADMIN_LOGIN_ENDPOINT"]
            if endpoint:
                return redirect(url_for(endpoint, next=path_here()))
            return self.render("ektp_admin/home.html", anonymous=True)
        return self.render("ektp_admin/home.html", anonymous=False)
