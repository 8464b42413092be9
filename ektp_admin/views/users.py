"""Logins of the standalone portal (admins only).

A new password ends every session of the user; the "End sessions" action ends
the selected users' sessions without changing anything else (see
:mod:`ektp_admin.sessions`).
"""
from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from sqlalchemy import inspect as sa_inspect
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..access import ADMIN_ONLY, CREATE, DELETE, EDIT, READ
from ..domain.enums import Role
from ..i18n import gettext, label, lazy_gettext, ngettext
from ..sessions import end_sessions
from ..throttle import forget_account
from .base import EktpModelView


class UserView(EktpModelView):
    grants = {READ: ADMIN_ONLY, CREATE: ADMIN_ONLY, EDIT: ADMIN_ONLY, DELETE: ADMIN_ONLY}
    export_basename = "pengguna"
    column_default_sort = [("username", False)]
    column_list = ["username", "role", "kecamatan", "active"]
    column_details_exclude_list = ["password_hash", "session_epoch"]
    column_labels = {
        "username": lazy_gettext("Username"),
        "role": lazy_gettext("Role"),
        "kecamatan": lazy_gettext("Kecamatan"),
        "active": lazy_gettext("Active"),
    }
    column_formatters = {"role": lambda v, c, m, n: label(m.role, Role)}
    form_columns = ["username", "role", "kecamatan", "active", "new_password"]
    form_overrides = {"role": SelectField}
    form_choices = {"role": Role}
    form_extra_fields = {"new_password": PasswordField(lazy_gettext("New password"), validators=[Optional(), Length(min=10)])}
    form_args = {"username": {"label": lazy_gettext("Username"), "validators": [DataRequired(), Length(max=80)]}}


    def duplicate_message(self, field: Any, holder: Any) -> str:
        who = label(holder.role, Role)
        if holder.kecamatan is not None:
            who = f"{who}, {holder.kecamatan.name}"
        return gettext("Username %(name)s is already taken by another user (%(who)s).", name=holder.username, who=who)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.role == Role.CLERK.value and model.kecamatan is None:
            raise ValidationError(gettext("A clerk must belong to a kecamatan."))
        if self._is_self(model) and (model.role != Role.ADMIN.value or not model.active):
            raise ValidationError(gettext("You cannot take away your own administrator rights or deactivate yourself."))
        if form.new_password.data:
            # Werkzeug's current default (scrypt). A new password ends every
            # session of the user and forgives the name's failed sign-ins.
            model.password_hash = generate_password_hash(form.new_password.data)
            if not is_created:
                model.session_epoch = (model.session_epoch or 0) + 1
        elif is_created:
            raise ValidationError(gettext("A new user needs a password (at least 10 characters)."))

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        # After the record's own commit: a statement run before it would flush
        # the half-saved record early (and split its audit entry in two).
        if form.new_password.data:
            forget_account(self.db.session, model.username)
            self.db.session.commit()
            if not is_created:
                self._stay_signed_in_as(model)

    @action(
        "end_sessions",
        lazy_gettext("End sessions"),
        lazy_gettext("End every session of the selected users? They will have to sign in again."),
    )
    def action_end_sessions(self, ids: list[Any]) -> None:
        # The base view's action endpoint has checked the CSRF token, the edit
        # grant and that every id is reachable.
        keys = self.get_reachable_ids(ids)
        count = end_sessions(self.db.session, keys, audit=True)
        me = self._current_login()
        if me is not None and me.id in keys:
            self._stay_signed_in_as(me)
        flash(ngettext("Sessions ended for %(num)d user.", "Sessions ended for %(num)d users.", count), "success")

    @staticmethod
    def _current_login() -> Any:
        from flask_login import current_user

        return current_user if getattr(current_user, "is_authenticated", False) else None

    def _stay_signed_in_as(self, model: Any) -> None:
        """Ending one's own sessions (or setting one's own password) keeps this one."""
        from flask_login import login_user

        me = self._current_login()
        if me is not None and me.id == model.id:
            self.db.session.refresh(model)
            login_user(model)

    def on_model_delete(self, model: Any) -> None:
        if self._is_self(model):
            raise ValidationError(gettext("You cannot delete your own account."))

    def _is_self(self, model: Any) -> bool:
        user = self.user
        if user is None:
            return False
        original = sa_inspect(model).attrs.username.history
        name = original.deleted[0] if original.deleted else model.username
        return name == user.username
